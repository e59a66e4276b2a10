"""A posterior: weighted parameter sets from a calibration, with where they came from.

Written by ``cs.calibrate`` to an HDF5 file (layout in docs/results-format.md, "Posterior files")
and read back with ``cs.open_posterior``. ``sample(n)`` gives parameter draws for experiments,
``median()`` one representative set; ``cs.validation.predictive(post)`` is its posterior
predictive check.

>>> import numpy as np, culturesim as cs
>>> post = cs.Posterior(["coach_effect"], np.array([[0.1], [0.3]]), np.array([0.25, 0.75]))
>>> post.median()["coach_effect"]
0.3
>>> [round(p["coach_effect"], 2) for p in post.sample(3, seed=1)]
[0.3, 0.3, 0.1]
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from .params import Params

FORMAT = "culturesim-posterior"
#: Version 2: the root attributes kind = "posterior" and checksum (SHA-256 of everything stored,
#: verified by open_posterior). Version 1 files (no checksum) still open; upgrade() rewrites them.
FORMAT_VERSION = 2
KIND = "posterior"
#: Significant digits of a default taken from a posterior's median (Posterior.defaults).
DEFAULT_DIGITS = 3
#: The posterior shipped with the package (docs/validation.md, "Calibration"); None if absent.
SHIPPED = os.path.join(os.path.dirname(__file__), "data", "posterior.h5")


class Posterior:
    """Weighted parameter sets (particles) over the uncertain parameters ``names``.

    values: (particles, parameters); weights: one per particle (normalised to sum 1). targets,
    priors, generations, provenance and settings describe the calibration that made it.
    """

    def __init__(
        self,
        names: Sequence[str],
        values: np.ndarray,
        weights: np.ndarray | None = None,
        targets: list[dict[str, Any]] | None = None,
        priors: list[dict[str, Any]] | None = None,
        generations: list[dict[str, Any]] | None = None,
        provenance: dict[str, Any] | None = None,
        settings: dict[str, Any] | None = None,
        path: str | None = None,
    ):
        from . import prior_specs as _priors

        self.names = _priors.check_names(list(names))
        values = np.asarray(values, dtype=float)
        if values.ndim != 2 or values.shape[1] != len(self.names) or values.shape[0] == 0:
            raise ValueError(
                f"values must be a (particles, {len(self.names)}) array, one column per name, got shape {values.shape}"
            )
        if not np.all(np.isfinite(values)):
            raise ValueError("values must be finite")
        for j, name in enumerate(self.names):  # every particle must be a valid parameter set
            Params({name: float(values[:, j].min())})
            Params({name: float(values[:, j].max())})
        w = np.full(len(values), 1.0) if weights is None else np.asarray(weights, dtype=float)
        if w.shape != (len(values),) or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
            raise ValueError(f"weights must be {len(values)} non-negative numbers with a positive sum")
        self.values, self.weights = values, w / w.sum()
        self.targets = list(targets or [])
        self.priors = list(priors or [])
        self.generations_rows = list(generations or [])
        self.provenance = dict(provenance or {})
        self.settings = dict(settings or {})
        self.path = path

    # -- views -------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.values)

    @property
    def generations(self):
        """One row per ABC-SMC generation: t, epsilon (tolerance), simulations, particles, acceptance."""
        import pandas as pd

        return pd.DataFrame(self.generations_rows)

    def to_frame(self):
        """The particles as a DataFrame: one column per parameter and their weight."""
        import pandas as pd

        frame = pd.DataFrame(self.values, columns=self.names)
        frame["weight"] = self.weights
        return frame

    def quantile(self, q: float | Sequence[float]) -> np.ndarray:
        """Weighted quantiles of each parameter: shape (len(q), parameters), or (parameters,)."""
        qs = np.atleast_1d(np.asarray(q, dtype=float))
        out = np.empty((qs.size, len(self.names)))
        for j in range(len(self.names)):
            order = np.argsort(self.values[:, j], kind="stable")
            cum = np.cumsum(self.weights[order])
            idx = np.minimum(np.searchsorted(cum, qs * cum[-1] - 1e-12), len(order) - 1)
            out[:, j] = self.values[order[idx], j]
        return out if np.ndim(q) else out[0]

    def median(self) -> Params:
        """The default parameters with each uncertain parameter at its weighted posterior median."""
        return Params({n: float(v) for n, v in zip(self.names, self.quantile(0.5))})

    def effective_size(self) -> float:
        """Kish's effective sample size of the weights, 1 / sum(w^2): how many equally weighted
        particles they are worth (a few means the weights degenerated)."""
        return 1.0 / float(np.sum(self.weights**2))

    def defaults(self) -> dict[str, float]:
        """The defaults this posterior gives its parameters: the weighted median of each, to
        DEFAULT_DIGITS significant digits. The shipped posterior's are the engine's defaults
        (tools/adopt_posterior.py writes them into agents/parameter_table.def; a test checks)."""
        return {n: float(f"{v:.{DEFAULT_DIGITS}g}") for n, v in zip(self.names, self.quantile(0.5))}

    def sample(self, n: int, seed: int = 0, distinct: bool = False) -> list[Params]:
        """n parameter sets drawn by weight, the other parameters at their defaults.

        With replacement, unless ``distinct`` (and n is at most the particles with weight): then
        n different particles, each drawn by weight among those left (which favours the light
        ones). Experiments over draws sample with replacement: each draw runs on its own
        random-number stream, so a particle drawn twice gives two independent draws.
        """
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"n must be a whole number of draws of at least 1, got {n!r}")
        rng = np.random.default_rng(seed)
        replace = not distinct or n > int(np.count_nonzero(self.weights))
        rows = rng.choice(len(self), size=int(n), p=self.weights, replace=replace)
        return [Params({name: float(self.values[i, j]) for j, name in enumerate(self.names)}) for i in rows]

    def summary(self):
        """Per parameter: its prior, default, and the posterior mean, median and 5-95% interval."""
        import pandas as pd

        from . import _engine
        from . import prior_specs as _priors

        defaults = _engine.default_params()
        q = self.quantile([0.05, 0.5, 0.95])
        rows = []
        for j, name in enumerate(self.names):
            p = _priors.PRIORS[name]
            rows.append(
                {
                    "name": name,
                    "prior": f"{p['distribution']} {p['low']:g} to {p['high']:g}",
                    "default": defaults[name],
                    "mean": float(self.weights @ self.values[:, j]),
                    "median": q[1, j],
                    "p05": q[0, j],
                    "p95": q[2, j],
                }
            )
        return pd.DataFrame(rows).set_index("name")

    def plot(self, axes=None):
        """Histogram of each parameter's posterior (weighted) over its prior's bounds."""
        import matplotlib.pyplot as plt

        from . import prior_specs as _priors

        k = len(self.names)
        if axes is None:
            cols = min(4, k)
            fig, axes = plt.subplots((k + cols - 1) // cols, cols, figsize=(3 * cols, 2.4 * ((k + cols - 1) // cols)))
        flat = np.atleast_1d(axes).ravel()
        for j, name in enumerate(self.names):
            p = _priors.PRIORS[name]
            log = p["distribution"] == "loguniform"
            edges = (np.geomspace if log else np.linspace)(p["low"], p["high"], 16)
            ax = flat[j]
            ax.hist(self.values[:, j], bins=edges, weights=self.weights, color="tab:blue", alpha=0.8)
            ax.axhline(1 / 15, color="grey", linestyle=":", label="prior")  # a flat prior's share per bin
            if log:
                ax.set_xscale("log")
            ax.set_title(name, fontsize=9)
        for ax in flat[k:]:
            ax.set_visible(False)
        flat[0].figure.tight_layout()
        return flat[0].figure

    def __repr__(self) -> str:
        p = self.provenance
        made = (
            f", {p['simulations']:,} simulations, acceptance {p['acceptance']:.1%}, {p['wall_seconds']:.0f} s"
            if "simulations" in p
            else ""
        )
        ess = self.effective_size()
        lines = [f"Posterior({len(self)} particles (effective {ess:.0f}) over {len(self.names)} parameters{made})"]
        q = self.quantile([0.05, 0.5, 0.95])
        width = max(len(n) for n in self.names)
        for j, name in enumerate(self.names):
            lines.append(f"  {name:<{width}}  median {q[1, j]:.4g}  [5-95%: {q[0, j]:.4g} to {q[2, j]:.4g}]")
        return "\n".join(lines)

    # -- the file ------------------------------------------------------------------------------
    def save(self, path: str | os.PathLike, force: bool = False) -> None:
        """Writes the posterior to an HDF5 file (written whole, then moved into place)."""
        import h5py

        from . import _engine
        from . import safe_write as sw

        sw.check_outputs(
            [sw.Output(path, "posterior")],
            force=force,
            flags={"force": "force=True", "name": "another path", "verb": "pass", "other": "give another path"},
        )
        path = os.fspath(path)
        tmp = sw.aside_name(path)
        try:
            with h5py.File(tmp, "w") as f:
                # Fixed-length strings, which the engine reads: it names a posterior given as results.
                _fixed(f, "format", FORMAT)
                f.attrs["format_version"] = FORMAT_VERSION
                _fixed(f, "kind", KIND)
                f.attrs["culturesim_version"] = _engine.__version__
                f.attrs["provenance"] = json.dumps(self.provenance, sort_keys=True)
                f.attrs["settings"] = json.dumps(self.settings, sort_keys=True)
                for key, value in self.provenance.items():
                    f.attrs[key] = value
                g = f.create_group("particles")
                g.create_dataset("names", data=_strings(self.names))
                g.create_dataset("values", data=self.values)
                g.create_dataset("weights", data=self.weights)
                _write_table(f, "targets", self.targets)
                _write_table(f, "priors", self.priors)
                _write_table(f, "generations", self.generations_rows)
            _seal(tmp)
            os.replace(tmp, path)  # the old file stays until the new one is complete
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
        self.path = path


def open_posterior(path: str | os.PathLike | None = None) -> Posterior:
    """Reads a posterior file written by cs.calibrate (None: the posterior shipped with the package).

    >>> import culturesim as cs
    >>> cs.open_posterior("nowhere.h5")
    Traceback (most recent call last):
    FileNotFoundError: no posterior file at 'nowhere.h5'
    """
    import h5py

    from .safe_write import check_input, kind_of

    path = check_input(SHIPPED if path is None else path, "posterior file")
    damaged = f"posterior file '{path}' is damaged"
    try:
        f = h5py.File(path, "r")
    except OSError:
        found = kind_of(path)
        what = {"empty": "it is empty", "a damaged HDF5 file": "its HDF5 structure is damaged (truncated?)"}.get(
            found, f"it is {found}, not an HDF5 file"
        )
        raise OSError(f"posterior file '{path}' cannot be opened: {what}") from None
    with f:
        fmt = _text(f.attrs.get("format"))
        if fmt != FORMAT:
            if fmt == "culturesim-results":
                raise OSError(
                    f"'{path}' is not a culturesim posterior file but a culturesim results file; open it with "
                    "cs.open_results"
                )
            raise OSError(f"'{path}' is not a culturesim posterior file (its attribute 'format' is {fmt!r})")
        try:
            version = int(f.attrs["format_version"])
        except (KeyError, TypeError, ValueError):
            raise OSError(f"{damaged}: its attribute 'format_version' is missing or not a whole number") from None
        if version not in (1, FORMAT_VERSION):
            raise OSError(
                f"'{path}' has posterior format version {version}; this culturesim reads versions 1 and {FORMAT_VERSION}"
            )
        if version >= 2:
            stored = _text(f.attrs.get("checksum", ""))
            try:
                actual = _digest(f)
            except Exception as exc:  # noqa: BLE001 - h5py's errors on damaged data
                raise OSError(f"{damaged}: its data cannot be read ({exc})") from None
            if stored != actual:
                raise OSError(
                    f"{damaged}: its contents do not match their checksum (attribute 'checksum', SHA-256); a value "
                    "changed after it was written. Calibrate again, or use an intact copy"
                )
        try:
            return Posterior(
                names=[_text(s) for s in _part(f, "particles/names", path)[:]],
                values=_part(f, "particles/values", path)[...],
                weights=_part(f, "particles/weights", path)[...],
                targets=_read_table(f, "targets", path),
                priors=_read_table(f, "priors", path),
                generations=_read_table(f, "generations", path),
                provenance=_json(f.attrs, "provenance", path),
                settings=_json(f.attrs, "settings", path),
                path=path,
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise OSError(f"{damaged}: {exc}") from None


def _part(f, name: str, path: str):
    if name not in f:
        raise OSError(f"posterior file '{path}' is damaged: it has no dataset '{name}'")
    return f[name]


def _json(attrs, name: str, path: str, where: str = "") -> Any:
    """A JSON attribute, or an OSError naming the file and the attribute."""
    if name not in attrs:
        raise OSError(f"posterior file '{path}' is damaged: it has no attribute '{where}{name}'")
    try:
        return json.loads(_text(attrs[name]))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise OSError(
            f"posterior file '{path}' is damaged: its attribute '{where}{name}' is not valid JSON ({exc})"
        ) from None


def _digest(f) -> str:
    """SHA-256 of everything a posterior file stores (every dataset's name, type, shape and bytes,
    every attribute but the checksum itself), in name order: one flipped bit changes it."""
    import hashlib

    import h5py

    h = hashlib.sha256()

    def attributes(name: str, obj) -> None:
        for key in sorted(obj.attrs):
            if name == "" and key == "checksum":
                continue
            value = np.asarray(obj.attrs[key])
            h.update(f"{name}@{key}:{value.dtype.str}:{value.shape}".encode())
            h.update(value.tobytes() if value.dtype.kind != "O" else repr(value.tolist()).encode())

    attributes("", f)
    names: list[str] = []
    f.visit(names.append)
    for name in sorted(names):
        obj = f[name]
        attributes(name, obj)
        if isinstance(obj, h5py.Dataset):
            data = np.asarray(obj[()])
            h.update(f"{name}:{data.dtype.str}:{data.shape}".encode())
            h.update(data.tobytes() if data.dtype.kind != "O" else repr(data.tolist()).encode())
    return "sha256:" + h.hexdigest()


def _seal(path: str) -> None:
    """Stores the checksum of a posterior file just written (computed from what was written, read back)."""
    import h5py

    with h5py.File(path, "r") as f:
        digest = _digest(f)
    with h5py.File(path, "r+") as f:
        f.attrs["checksum"] = digest


def upgrade(path: str | os.PathLike, out: str | os.PathLike | None = None) -> str:
    """Rewrites a version 1 posterior file (no checksum) as version 2, every value as it was:
    the kind and checksum attributes are added. ``out`` None rewrites ``path`` in place (written
    aside, then moved over it). Returns the path written."""
    import h5py

    from . import safe_write as sw

    path = sw.check_input(path, "posterior file")
    out = path if out is None else os.fspath(out)
    open_posterior(path)  # readable, and verified when it has a checksum
    tmp = sw.aside_name(out)
    try:
        # A new file with every dataset and attribute copied as stored (h5py's copy keeps bytes,
        # types and chunking), then the version 2 attributes: compact, and every value unchanged.
        with h5py.File(path, "r") as src, h5py.File(tmp, "w") as dst:
            for key, value in src.attrs.items():
                if key not in ("format", "kind", "format_version", "checksum"):
                    dst.attrs[key] = value
            for name in src:
                src.copy(src[name], dst, name=name)
            _fixed(dst, "format", FORMAT)
            dst.attrs["format_version"] = FORMAT_VERSION
            _fixed(dst, "kind", KIND)
        _seal(tmp)
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return out


def _fixed(f, name: str, text: str) -> None:
    """A root attribute as a fixed-length UTF-8 string, as results files store theirs."""
    import h5py

    f.attrs.create(name, data=text.encode(), dtype=h5py.string_dtype("utf-8", len(text.encode())))


def _strings(values: Sequence[str]) -> np.ndarray:
    """Fixed-length UTF-8 strings, as every culturesim file stores them."""
    import h5py

    encoded = [str(v).encode() for v in values]
    return np.array(encoded, dtype=h5py.string_dtype("utf-8", max(1, max((len(e) for e in encoded), default=1))))


def _write_table(f, name: str, rows: list[dict[str, Any]]) -> None:
    """A table as a group of equally long columns (strings fixed-length, numbers float64)."""
    g = f.create_group(name)
    columns = list(rows[0]) if rows else []
    g.attrs["columns"] = json.dumps(columns)
    for c in columns:
        values = [r[c] for r in rows]
        if all(isinstance(v, str) for v in values):
            g.create_dataset(c, data=_strings(values))
        else:
            g.create_dataset(c, data=np.asarray(values, dtype=float))


def _read_table(f, name: str, path: str = "") -> list[dict[str, Any]]:
    g = _part(f, name, path)
    columns = _json(g.attrs, "columns", path, where=f"{name}/")
    data = {c: _part(f, f"{name}/{c}", path)[...] for c in columns}
    n = len(data[columns[0]]) if columns else 0
    return [
        {c: (_text(data[c][i]) if data[c].dtype.kind in "SOU" else float(data[c][i])) for c in columns}
        for i in range(n)
    ]


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def check_markdown(post: Posterior, table, source: str, where: str = "") -> str:
    """The section of docs/validation.md on the calibration: the posterior beside its priors and
    the posterior predictive check (``table`` from culturesim.validation.predictive)."""
    p = post.provenance
    s = post.settings
    minutes = p["wall_seconds"] / 60
    lines = [
        "## Calibration: posterior and predictive check",
        "",
        f"The posterior is `{source}`{where}, made by `cs.calibrate` ({p['method']}; {p['library']} "
        f"{p['library_version']}): {len(post)} particles over {len(post.names)} parameters, "
        f"{len(post.generations_rows)} generations, effective sample size {post.effective_size():.0f} of "
        f"{len(post)}, {int(p['simulations']):,} simulations (acceptance "
        f"{p['acceptance']:.1%}), {minutes:.0f} minutes of wall time on the machine that made it; each simulation "
        f"{s['years']:g} years after a {s['warmup_years']:g}-year warm-up, seed {s['seed']}. Distance: {p['distance']}.",
        "",
        "| parameter | prior | default | posterior median | 5-95% |",
        "|---|---|---|---|---|",
    ]
    for name, row in post.summary().iterrows():
        lines.append(
            f"| `{name}` | {row['prior']} | {row['default']:.4g} | {row['median']:.4g} | "
            f"{row['p05']:.4g} to {row['p95']:.4g} |"
        )
    lines += [
        "",
        f"**Posterior predictive check.** Each target simulated for {table.attrs['draws']} parameter sets drawn from "
        "the posterior, on fresh random numbers: the 5-95% interval of the draws beside the band, and the share of "
        "draws inside the band. A target whose interval misses its band entirely is one the posterior cannot "
        "reach: the model's structure, not its parameters, keeps it out.",
        "",
        "| target | band | fitted | predictive median [5-95%] | draws in band | reaches |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in table.iterrows():
        f = r["fmt"]
        lines.append(
            f"| {r['what']} (`{name}`) | {f.format(r['band_low'])} to {f.format(r['band_high'])} | "
            f"{'yes' if r['fitted'] else 'checked only'} | "
            f"{f.format(r['median'])} [{f.format(r['p05'])}, {f.format(r['p95'])}] | {r['in_band']:.0%} | "
            f"{'yes' if r['reaches'] else '**no**'} |"
        )
    missed = [n for n, r in table.iterrows() if not r["reaches"]]
    lines += [
        "",
        "The posterior cannot reach: "
        + (", ".join(f"`{n}`" for n in missed) if missed else "none of the targets")
        + ".",
        "",
    ]
    unfitted = [(n, r["not_fitted"]) for n, r in table.iterrows() if not r["fitted"] and r.get("not_fitted")]
    if unfitted:
        lines += ["Checked, not fitted:", ""]
        lines += [f"- `{name}`: {why}." for name, why in unfitted]
        lines.append("")
    from . import _engine

    engine_defaults = _engine.default_params()
    adopted = all(engine_defaults[n] == v for n, v in post.defaults().items())
    if adopted:
        lines.append(
            "**The defaults are this posterior's medians.** `cs.default_params()` takes each parameter the "
            f"posterior fits at its weighted median to {DEFAULT_DIGITS} significant digits (`Posterior.defaults()`, "
            "written into the parameter table by `tools/adopt_posterior.py`; a test checks that they agree), and "
            "[parameters.md](parameters.md) marks those defaults 'posterior median'. The tables above are measured "
            "with them. A median taken one parameter at a time is one representative set, not the posterior: "
            "`cs.Experiment(..., params=cs.open_posterior())` carries the parameter uncertainty into a comparison."
        )
    else:
        lines.append(
            "**The defaults are not this posterior's medians** (run `tools/adopt_posterior.py` to make them so). "
            "`cs.Experiment(..., params=cs.open_posterior())` carries the parameter uncertainty into a comparison."
        )
    lines.append("")
    return "\n".join(lines)
