"""Sensitivity of an *effect* to the uncertain parameters: Morris screening and Sobol indices (SALib).

The quantity analysed is by default a paired effect: the change of an output when a hospital
switches from scenario ``a`` to scenario ``b`` (both warmed up under typical practice, on common
random numbers), averaged over a window of years after the switch. Levels are still possible
(``b=None``). The factors are the parameters with priors (cs.priors()), each moved over its
prior: SALib samples quantiles in [0, 1], mapped through the prior (flat, or flat in the log).

>>> import culturesim as cs
>>> s = cs.sensitivity("burnout_prevalence", params=["chronic_stress", "culture_strain"],
...                    trajectories=2, years=3, window=(1, 3), warmup_years=1, cores=1, progress=False)
>>> list(s.indices.columns)
['mu_star', 'mu_star_conf', 'sigma', 'mu']
>>> s.indices.index.tolist()[0] in ("chronic_stress", "culture_strain")
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import prior_specs as _priors
from .outputs import check_metric
from .recording import DEFAULT_RECORDING
from .scenario import Scenario, as_scenario
from .warmup import WARMUP_YEARS


@dataclass
class Sensitivity:
    """Morris or Sobol indices of one effect, with the design and the effects it ran."""

    method: str
    what: str  # the effect in words
    metric: str
    indices: Any  # DataFrame, one row per parameter, most influential first
    X: np.ndarray  # the parameter values of each sample (samples, parameters)
    Y: np.ndarray  # the effect of each sample
    names: list[str]

    def plot(self, ax=None):
        """Tornado plot: each parameter's index as a bar (with its 95% interval), largest on top."""
        import matplotlib.pyplot as plt

        col, conf = ("mu_star", "mu_star_conf") if self.method == "morris" else ("ST", "ST_conf")
        df = self.indices.sort_values(col)
        if ax is None:
            _, ax = plt.subplots(figsize=(7, 0.35 * len(df) + 1.4), constrained_layout=True)
        y = np.arange(len(df))
        ax.barh(y, df[col], xerr=df[conf], color="tab:blue", alpha=0.8, capsize=3)
        if self.method == "sobol":
            ax.barh(y, df["S1"], color="tab:orange", alpha=0.9, height=0.4, label="first order S1")
            ax.legend(frameon=False, fontsize=8)
        ax.set_yticks(y, list(df.index))
        label = "μ* (mean absolute elementary effect)" if self.method == "morris" else "total-order Sobol index ST"
        ax.set_xlabel(f"{label} of: {self.what}")
        ax.grid(alpha=0.3, axis="x")
        return ax

    def __repr__(self) -> str:
        col = "mu_star" if self.method == "morris" else "ST"
        top = ", ".join(f"{n} {v:.3g}" for n, v in self.indices[col].head(5).items())
        return (
            f"Sensitivity({self.method}, {len(self.Y)} samples of {len(self.names)} parameters; {self.what}; "
            f"{col}: {top})"
        )


def sensitivity(
    metric: str = "burnout_prevalence",
    a: Any = "typical",
    b: Any = "just_culture",
    params: Sequence[str] | None = None,
    method: str = "morris",
    trajectories: int = 10,
    samples: int = 64,
    relative: bool = False,
    years: float = 5,
    window: tuple[float, float] = (2, 5),
    warmup_years: float = WARMUP_YEARS,
    replicates: int = 1,
    seed: int = 0,
    cores: int | None = None,
    progress: bool = True,
) -> Sensitivity:
    """Morris (``method="morris"``, ``trajectories`` x (parameters + 1) samples) or Sobol
    (``method="sobol"``, ``samples`` x (parameters + 2) samples, samples a power of 2) indices of
    the effect of switching from ``a`` to ``b`` on ``metric`` over ``window`` (years after the
    switch): mean of b - a, or b / a - 1 if ``relative``; ``b=None`` analyses the level under a.

    Every sample runs ``replicates`` paired replicates on the same random numbers (seed, r): the
    differences between samples are the parameters', not chance's. All samples run as one
    experiment on ``cores`` engine threads (default: all) in this process, with a progress bar
    (``progress=False``: none); a plain script needs no ``if __name__ == "__main__":`` guard.
    """
    check_metric(metric)
    names = _priors.check_names(params)
    if method not in ("morris", "sobol"):
        raise ValueError(f"method must be 'morris' or 'sobol', got {method!r}")
    for value, name in ((trajectories, "trajectories"), (samples, "samples"), (replicates, "replicates")):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a whole number of at least 1, got {value!r}")
    if not (isinstance(window, (tuple, list)) and len(window) == 2 and 0 <= window[0] < window[1] <= years):
        raise ValueError(
            f"window must be (start, end) years with 0 <= start < end <= years = {years:g}, got {window!r}"
        )
    sa = as_scenario(a)
    sb = as_scenario(b) if b is not None else None
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    if method == "morris":
        from SALib.sample import morris as sampler

        U = sampler.sample(problem, N=trajectories, num_levels=4, seed=seed)
    else:
        from SALib.sample import sobol as sampler

        if samples & (samples - 1):
            raise ValueError(f"samples must be a power of 2 for Sobol sequences (e.g. 64), got {samples}")
        U = sampler.sample(problem, samples, calc_second_order=False, seed=seed)
    X = np.column_stack([_priors.from_unit(n, U[:, j]) for j, n in enumerate(names)])
    samples = [dict(zip(names, map(float, x))) for x in X]
    Y = effects(samples, sa, sb, metric, relative, years, window, warmup_years, replicates, seed, cores, progress)
    if not np.all(np.isfinite(Y)):
        raise ValueError(
            f"{int((~np.isfinite(Y)).sum())} samples gave no finite effect (e.g. a relative change of an output "
            "that was 0 under a); use relative=False or a longer window"
        )
    if method == "morris":
        from SALib.analyze import morris as analyzer

        res = analyzer.analyze(problem, U, Y, num_levels=4, conf_level=0.95, seed=seed)
        df = res.to_df()[["mu_star", "mu_star_conf", "sigma", "mu"]].sort_values("mu_star", ascending=False)
    else:
        from SALib.analyze import sobol as analyzer

        res = analyzer.analyze(problem, Y, calc_second_order=False, conf_level=0.95, seed=seed)
        total, first = res.to_df()
        df = total.join(first).sort_values("ST", ascending=False)
    if b is None:
        what = f"{metric} under '{sa.name}'"
    else:
        what = f"{'relative ' if relative else ''}change of {metric}, '{sa.name}' -> '{sb.name}'"
    what += f", years {window[0]:g}-{window[1]:g}"
    return Sensitivity(method, what, metric, df, X, Y, names)


def effects(
    samples: Sequence[dict[str, float]],
    sa: Scenario,
    sb: Scenario | None,
    metric: str,
    relative: bool,
    years: float,
    window: tuple[float, float],
    warmup_years: float,
    replicates: int,
    seed: int,
    threads: int | None = None,
    progress: bool = True,
) -> np.ndarray:
    """Each sample's effect, averaged over paired replicates: b - a (b / a - 1 if ``relative``), or
    the level under a if ``sb`` is None, over ``window``.

    Every (sample, scenario) is one scenario of a single experiment, run by the engine's threads in
    this process (a progress bar, and no process pool: a plain script needs no
    ``if __name__ == "__main__":`` guard). Sample j's scenarios share its parameters, so they share
    one warm-up, and every sample runs replicate r on the same random numbers (seed, r).
    """
    import warnings

    from .experiment import Experiment
    from .params import Params
    from .warmup import WarmupWarning

    pair = (sa,) if sb is None else (sa, sb)
    scenarios = []
    for j, values in enumerate(samples):
        for k, s in enumerate(pair):
            params = Params(values)
            params.update(s.params.diff())  # what the scenario itself sets keeps its value
            scenarios.append(s.replace(name=f"sample{j}.{'ab'[k]}", params=params))
    exp = Experiment(
        scenarios,
        replicates=replicates,
        years=years,
        seed=seed,
        warmup_years=warmup_years,
        record_every=DEFAULT_RECORDING,  # the package default: whole months, no straddling periods
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WarmupWarning)  # the warm-up is the analysis's setting
        res = exp.run(progress=progress, threads=threads, description="culturesim sensitivity")
    per_run = res.per_run(metric, window).reshape(len(samples), len(pair), replicates)
    ya = per_run[:, 0]
    if sb is None:
        return ya.mean(axis=1)
    yb = per_run[:, 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(ya != 0, yb / ya - 1, np.nan) if relative else yb - ya
    return out.mean(axis=1)
