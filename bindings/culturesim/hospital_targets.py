"""A hospital's own figures as calibration targets (docs/hospital-figures.md).

A TOML file holds the hospital (its units and staff, as a scenario file's ``[hospital]``) and any
subset of what hospitals measure, each with its uncertainty: turnover and burnout by role, the
AHRQ SOPS 2.0 composites (culturesim.survey), incident reports and paid claims per year.
``cs.calibrate(targets=cs.local_targets("ours.toml"))`` fits the uncertain parameters to them,
starting from the shipped posterior (or the priors); the result is that hospital's posterior.

Each figure becomes a target whose band is its 95% interval: a proportion with ``n`` (the staff
counted or the respondents) has standard error sqrt(p (1 - p) / n); a count per year observed
over ``years`` has sqrt(count) / years (Poisson); an ``interval = [low, high]`` is taken as the
95% interval. The calibration's distance, (value - figure) / (1.96 standard errors), so weighs
each figure by its own uncertainty: a figure from 40 respondents pulls less than one from 400.

>>> import culturesim as cs
>>> local = cs.local_targets(text='''
... name = "example"
... [hospital]
... [[hospital.units]]
... name = "ward"
... nurse = 40
... attending = 6
... [turnover]
... nurse = { percent = 18, n = 160 }
... [incident_reports]
... per_year = 90
... years = 2
... ''')
>>> local
LocalTargets('example': 46 clinicians; turnover_nurse 18.0% (12.0% to 24.0%), incident_reports 90.0/yr (76.9/yr to 103.1/yr))
"""

from __future__ import annotations

import math
import os
import sys
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import survey
from .outputs import DAYS_PER_YEAR
from .validation import QUARTER_DAYS, window_mean

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

Z95 = 1.959964  # a 95% interval is the figure +- Z95 standard errors
#: The roles a figure by role may name (the engine's roles).
ROLES = ("nurse", "resident", "attending", "pharmacist")
#: The file's tables of figures: per role, the SOPS composites, or one count per year.
BY_ROLE = {"turnover": "annual turnover (leavers per post per year)", "burnout": "burnout prevalence"}
COUNTS = {
    "incident_reports": ("reports", "incident reports per year"),
    "paid_claims": ("claims", "paid claims per year"),
}
TOP_KEYS = {"name", "policy", "hospital", "sops", *BY_ROLE, *COUNTS}


@dataclass(frozen=True)
class LocalTarget:
    """One figure of a hospital as a calibration target (the interface of validation's targets)."""

    name: str
    value: float
    se: float
    what: str
    source: str
    fmt: str = "{:.1%}"
    kind: str = "local"
    metric: str = ""
    not_fitted: str = ""

    @property
    def band(self) -> tuple[float, float]:
        return (self.value - Z95 * self.se, self.value + Z95 * self.se)

    @property
    def centre(self) -> float:
        return self.value

    @property
    def half_width(self) -> float:
        return Z95 * self.se


@dataclass
class LocalTargets:
    """A hospital's figures (``targets``) and the hospital itself, read by ``local_targets``."""

    name: str
    hospital: dict[str, Any] | None
    policy: Any = "typical"
    targets: list[LocalTarget] = field(default_factory=list)
    instrument: str = ""
    path: str | None = None

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{t.name} {t.fmt.format(t.value)} ({t.fmt.format(t.band[0])} to {t.fmt.format(t.band[1])})"
            for t in self.targets
        )
        return f"LocalTargets('{self.name}': {self.clinicians()} clinicians; {shown})"

    def clinicians(self) -> int:
        return self.scenario().clinicians

    def scenario(self, params: Any = None):
        """The hospital under its current practice, as a Scenario."""
        from .scenario import Scenario

        return Scenario(self.name, params=params, policy=self.policy, hospital=self.hospital)

    def to_frame(self):
        """One row per figure: value, standard error, 95% band, what and where from."""
        import pandas as pd

        rows = [
            {
                "target": t.name,
                "value": t.value,
                "se": t.se,
                "low": t.band[0],
                "high": t.band[1],
                "what": t.what,
                "source": t.source,
            }
            for t in self.targets
        ]
        return pd.DataFrame(rows).set_index("target")

    def settings(self) -> dict[str, Any]:
        """What a posterior file records of these figures (JSON)."""
        return {
            "name": self.name,
            "path": self.path,
            "policy": self.policy if isinstance(self.policy, (str, int, float)) else str(self.policy),
            "hospital": self.hospital,
            "instrument": self.instrument,
            "figures": {t.name: [t.value, t.se] for t in self.targets},
        }

    def check(
        self, post, draws: int = 20, seed: int = 1, years: float | None = None, warmup_years: float | None = None
    ):
        """Posterior predictive check of a posterior (this hospital's, or the shipped one) against
        these figures: see ``check``."""
        return check(post, self, draws, seed, years, warmup_years)

    def measure(self, result) -> dict[str, float]:
        """Every figure's model value from one run with quarterly snapshots (``snapshot_every=91``)."""
        snaps = result.snapshots
        roles = list(_role_codes())
        out: dict[str, float] = {}
        comp = (
            survey.mean_composites(snaps, result.params)
            if any(t.name.startswith("sops_") for t in self.targets)
            else {}
        )
        for t in self.targets:
            table, _, key = t.name.partition("_")
            if t.name.startswith("burnout_"):
                code = roles.index(key)
                shares = [(s["burnout"][(s["active"] == 1) & (s["role"] == code)] >= 0.5).mean() for s in snaps]
                out[t.name] = float(np.nanmean(shares)) if shares else float("nan")
            elif t.name.startswith("turnover_"):
                out[t.name] = _turnover(snaps, roles.index(key))
            elif t.name.startswith("sops_"):
                out[t.name] = comp[t.name[len("sops_") :]]
            else:
                out[t.name] = window_mean(result, t.metric, (0, math.inf))
        return out

    def simulate(self, values: dict[str, float], years: float, warmup_years: float, seed: int) -> dict[str, float]:
        """The figures of one simulation of this hospital with these parameter values."""
        import warnings

        from .params import Params
        from .result import run
        from .warmup import WarmupWarning

        scenario = self.scenario(Params({k: float(v) for k, v in values.items()}))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", WarmupWarning)  # the calibration's setting, not each draw's news
            result = run(
                scenario,
                years=years,
                seed=seed,
                threads=1,
                progress=False,
                warmup_years=warmup_years,
                snapshot_every=QUARTER_DAYS,
            )
        return self.measure(result)


def _role_codes():
    from . import _engine

    return _engine.category_names()["role"]


def _turnover(snaps, code: int) -> float:
    """Leavers per post per year of one role, over each year (four quarters) of snapshots."""
    rates = []
    for before, after in zip(snaps, snaps[4:]):
        posts = before["role"] == code
        if posts.any():
            left = (after["departures"].astype(np.int64) - before["departures"])[posts].sum()
            rates.append(left / posts.sum() * DAYS_PER_YEAR / (after["day"] - before["day"]))
    return float(np.mean(rates)) if rates else float("nan")


# -- reading the file -------------------------------------------------------------------------------
def local_targets(
    path: str | os.PathLike | None = None, hospital: str | os.PathLike | None = None, text: str | None = None
) -> LocalTargets:
    """Reads a hospital's figures (docs/hospital-figures.md).

    path: the TOML file (or ``text``: its contents). hospital: another TOML file whose
    ``[hospital]`` to use (a scenario file, or the same file); default the figures file's own.
    """
    if (path is None) == (text is None):
        raise ValueError("give the figures file's path or its text (one of them)")
    source = "<string>" if path is None else os.fspath(path)
    data = _toml(source, text)
    unknown = sorted(set(data) - TOP_KEYS)
    if unknown:
        raise ValueError(f"{source}: unknown table or key '{unknown[0]}'; allowed: {', '.join(sorted(TOP_KEYS))}")
    targets: list[LocalTarget] = []
    instrument = ""
    for table, what in BY_ROLE.items():
        rows = dict(data.get(table, {}))
        if table == "burnout":
            instrument = rows.pop("instrument", "")
            if rows and not isinstance(instrument, str) or (rows and not instrument):
                raise ValueError(
                    f'{source}: [burnout] needs instrument = "...": the survey instrument and its cut-off for '
                    "'burnt out' (e.g. \"Maslach Burnout Inventory, emotional exhaustion >= 27\")"
                )
        for role, figure in rows.items():
            if role not in ROLES:
                raise ValueError(f"{source}: [{table}] names role '{role}'; allowed: {', '.join(ROLES)}")
            targets.append(_proportion(f"{table}_{role}", f"{what}, {role}s", figure, source, f"[{table}] {role}"))
    for name, figure in dict(data.get("sops", {})).items():
        if name not in survey.COMPOSITES:
            raise ValueError(
                f"{source}: [sops] names composite '{name}'; allowed: {', '.join(survey.COMPOSITES)} (culturesim.survey)"
            )
        targets.append(
            _proportion(
                f"sops_{name}",
                f"SOPS 2.0 {survey.COMPOSITES[name]}, percent positive",
                figure,
                source,
                f"[sops] {name}",
            )
        )
    for name, (metric, what) in COUNTS.items():
        if name in data:
            targets.append(_count(name, metric, what, data[name], source))
    if not targets:
        raise ValueError(
            f"{source}: no figures; give at least one of [turnover], [burnout], [sops], [incident_reports], "
            "[paid_claims] (docs/hospital-figures.md)"
        )
    where = data
    if hospital is not None:
        where = _toml(os.fspath(hospital), None)
    if "hospital" not in where:
        raise ValueError(f"{hospital or source}: no [hospital] table (the hospital's units and staff)")
    name = data.get("name", os.path.splitext(os.path.basename(source))[0])
    local = LocalTargets(
        str(name),
        where["hospital"],
        data.get("policy", "typical"),
        targets,
        instrument,
        None if path is None else source,
    )
    local.scenario()  # the engine checks the hospital and policy now, not in the first simulation
    return local


def _toml(source: str, text: str | None) -> dict[str, Any]:
    try:
        if text is None:
            with open(source, "rb") as f:
                return tomllib.load(f)
        return tomllib.loads(text)
    except FileNotFoundError:
        raise FileNotFoundError(f"no figures file at '{source}'") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{source}: not valid TOML: {exc}") from None


def _number(x: Any, where: str, key: str, low: float, high: float) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x) or not low <= x <= high:
        raise ValueError(f"{where}: {key} must be a number from {low:g} to {high:g}, got {x!r}")
    return float(x)


def _uncertainty(figure: dict, where: str, allowed: tuple[str, str]) -> str:
    given = [k for k in allowed if k in figure]
    if len(given) != 1:
        raise ValueError(f"{where}: give its uncertainty as exactly one of {' or '.join(allowed)}")
    return given[0]


def _interval(figure: dict, where: str, value: float, high: float, scale: float) -> float:
    iv = figure["interval"]
    if not isinstance(iv, list) or len(iv) != 2:
        raise ValueError(f"{where}: interval must be [low, high], got {iv!r}")
    lo, hi = (_number(x, where, "interval", 0, high) for x in iv)
    if not lo <= value <= hi or lo == hi:
        raise ValueError(f"{where}: interval [{lo:g}, {hi:g}] must contain the figure {value:g} and have width")
    return (hi - lo) / scale / (2 * Z95)


def _proportion(name: str, what: str, figure: Any, source: str, where: str) -> LocalTarget:
    where = f"{source}: {where}"
    if not isinstance(figure, dict) or set(figure) - {"percent", "n", "interval"} or "percent" not in figure:
        raise ValueError(
            f"{where} must be a table {{ percent = P, n = N }} or {{ percent = P, interval = [LOW, HIGH] }}"
        )
    pct = _number(figure["percent"], where, "percent", 0, 100)
    p = pct / 100
    if _uncertainty(figure, where, ("n", "interval")) == "n":
        n = figure["n"]
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(
                f"{where}: n must be a whole number of at least 1 (staff counted or respondents), got {n!r}"
            )
        q = min(max(p, 0.5 / n), 1 - 0.5 / n)  # a figure of 0% or 100% still has some uncertainty
        return LocalTarget(name, p, math.sqrt(q * (1 - q) / n), what, f"{source} (n = {n})")
    return LocalTarget(name, p, _interval(figure, where, pct, 100, 100), what, f"{source} (95% interval given)")


def _count(name: str, metric: str, what: str, figure: Any, source: str) -> LocalTarget:
    where = f"{source}: [{name}]"
    if not isinstance(figure, dict) or set(figure) - {"per_year", "years", "interval"} or "per_year" not in figure:
        raise ValueError(f"{where} must hold per_year = X and years = Y (years counted) or interval = [LOW, HIGH]")
    value = _number(figure["per_year"], where, "per_year", 0, 1e9)
    if _uncertainty(figure, where, ("years", "interval")) == "years":
        years = _number(figure["years"], where, "years", 1e-9, 1e3)
        se = math.sqrt(max(value * years, 1.0)) / years  # Poisson; a zero count still has a count's uncertainty
        return LocalTarget(name, value, se, what, f"{source} ({years:g} years counted)", "{:.1f}/yr", metric=metric)
    return LocalTarget(
        name,
        value,
        _interval(figure, where, value, 1e9, 1),
        what,
        f"{source} (95% interval given)",
        "{:.1f}/yr",
        metric=metric,
    )


class _LocalModel:
    """The pyabc model of a local calibration (picklable: the figures travel to the workers)."""

    def __init__(self, local: LocalTargets, years: float, warmup_years: float, seed: int):
        self.local, self.years, self.warmup_years, self.seed = local, years, warmup_years, seed

    def __call__(self, parameter) -> dict[str, float]:
        from . import prior_specs as _priors
        from .validation import simulation_seed

        values = _priors.values_from_unit(dict(parameter))
        return self.local.simulate(values, self.years, self.warmup_years, simulation_seed(values, self.seed))


def check(
    post,
    local: LocalTargets,
    draws: int = 20,
    seed: int = 1,
    years: float | None = None,
    warmup_years: float | None = None,
):
    """Posterior predictive check of a posterior against a hospital's figures: the table of
    validation.predictive (band, p05/median/p95 of the draws, in_band, reaches, fitted). Each
    draw simulates ``years`` after ``warmup_years`` (default: the posterior's calibration settings)."""
    from .validation import check_table, simulation_seed

    years = post.settings["years"] if years is None else years
    warmup = post.settings["warmup_years"] if warmup_years is None else warmup_years
    results = []
    for i, p in enumerate(post.sample(draws, seed=seed)):
        values = {n: float(p[n]) for n in post.names}
        results.append(local.simulate(values, years, warmup, simulation_seed(values, seed + 7919 * (i + 1))))
    return check_table(local.targets, results, {t.name for t in local.targets}, draws, seed)
