"""Priors of the uncertain parameters, read from the engine's parameter table (its CS_PRIOR rows).

The table owns them; this module only presents them (a DataFrame, scipy distributions, pyabc
priors, SALib bounds). Parameters without a prior are fixed at their default.

>>> import culturesim as cs
>>> table = cs.priors()
>>> p = table.loc["coach_effect"]
>>> p["distribution"], float(p["low"]), float(p["high"])
('uniform', 0.05, 0.5)
>>> "base_error_rate" in table.index      # fixed: pinned by West 2006
False
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import _engine

#: name -> {distribution, low, high, basis, why}, in table order.
PRIORS: dict[str, dict[str, Any]] = {p["name"]: p for p in _engine.prior_specs()}


def priors():
    """The priors of the uncertain parameters as a DataFrame: distribution, low, high, default,
    basis (source or judgement) and why.

    >>> import culturesim as cs
    >>> cs.priors().loc["burnout_gain", "distribution"]
    'loguniform'
    """
    import pandas as pd

    defaults = _engine.default_params()
    rows = [
        {
            "name": name,
            "distribution": p["distribution"],
            "low": p["low"],
            "high": p["high"],
            "default": defaults[name],
            "basis": p["basis"],
            "why": p["why"],
        }
        for name, p in PRIORS.items()
    ]
    return pd.DataFrame(rows).set_index("name")


def check_names(names: Sequence[str] | None) -> list[str]:
    """The uncertain parameters to vary: all of them (None) or the named ones, each checked."""
    if names is None:
        return list(PRIORS)
    if isinstance(names, str):
        names = [names]
    names = list(names)
    if not names:
        raise ValueError(f"name at least one uncertain parameter; allowed: {', '.join(PRIORS)}")
    for name in names:
        if name not in PRIORS:
            import difflib

            close = difflib.get_close_matches(name, PRIORS, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise KeyError(
                f"parameter '{name}' has no prior (it is fixed, or unknown); {hint}"
                f"parameters with priors: {', '.join(PRIORS)}"
            )
    if len(set(names)) != len(names):
        raise ValueError(f"parameters named twice: {', '.join(sorted({n for n in names if names.count(n) > 1}))}")
    return names


def scipy_prior(name: str):
    """The prior of one parameter as a frozen scipy.stats distribution."""
    from scipy import stats

    p = PRIORS[check_names([name])[0]]
    if p["distribution"] == "uniform":
        return stats.uniform(loc=p["low"], scale=p["high"] - p["low"])
    return stats.loguniform(p["low"], p["high"])


def from_unit(name: str, u: np.ndarray | float) -> np.ndarray:
    """Maps quantiles u in [0, 1] to parameter values through the prior (for SALib samples)."""
    p = PRIORS[name]
    u = np.asarray(u, dtype=float)
    if p["distribution"] == "uniform":
        return p["low"] + u * (p["high"] - p["low"])
    return np.exp(np.log(p["low"]) + u * (np.log(p["high"]) - np.log(p["low"])))


def pyabc_prior(names: Sequence[str]):
    """A pyabc.Distribution over the named parameters' prior quantiles: uniform on [0, 1] each,
    mapped to values by from_unit. Why quantiles and not the values: a loguniform prior's density
    varies fourfold over a range of four, six of them 4,096-fold, and ABC-SMC's importance weights
    (prior over proposal density) inherit that spread, so a few particles took all the weight
    (effective sample size 9 of 100). On the quantile scale every prior is flat."""
    import pyabc

    return pyabc.Distribution(**{name: pyabc.RV("uniform", 0.0, 1.0) for name in names})


def values_from_unit(quantiles: dict[str, float]) -> dict[str, float]:
    """Parameter values of a particle on the quantile scale of pyabc_prior."""
    return {name: float(from_unit(name, float(u))) for name, u in quantiles.items()}


def to_unit(name: str, values: np.ndarray | float) -> np.ndarray:
    """The prior's quantiles of parameter values (the inverse of from_unit)."""
    p = PRIORS[name]
    v = np.asarray(values, dtype=float)
    if p["distribution"] == "uniform":
        u = (v - p["low"]) / (p["high"] - p["low"])
    else:
        u = (np.log(v) - np.log(p["low"])) / (np.log(p["high"]) - np.log(p["low"]))
    return np.clip(u, 0.0, 1.0)


def posterior_prior(post, names: Sequence[str]):
    """A pyabc.Distribution that carries a posterior as the prior of a new calibration (a hospital's
    own, culturesim.hospital_targets): each named parameter the posterior has gets a beta distribution
    on its prior's quantile scale with the posterior's weighted mean and variance there (moments
    matched); the others keep their flat prior. Correlations between parameters are not carried."""
    import pyabc

    rvs = {}
    for name in names:
        if name not in post.names:
            rvs[name] = pyabc.RV("uniform", 0.0, 1.0)
            continue
        u = to_unit(name, post.values[:, post.names.index(name)])
        mean = float(np.sum(post.weights * u))
        var = float(np.sum(post.weights * (u - mean) ** 2))
        mean = min(max(mean, 1e-3), 1 - 1e-3)
        if var <= 0 or var >= mean * (1 - mean):  # one particle's worth, or wider than any beta: flat
            var = min(max(var, 1e-4), mean * (1 - mean) / 2) if var <= 0 else None
        if var is None:
            rvs[name] = pyabc.RV("uniform", 0.0, 1.0)
            continue
        k = mean * (1 - mean) / var - 1
        rvs[name] = pyabc.RV("beta", mean * k, (1 - mean) * k)
    return pyabc.Distribution(**rvs)
