"""Intervals of paired comparisons, saying which sources of uncertainty they include.

One owner for the package's interval maths (ExperimentResult.compare and everything built on it).

- **Run-to-run only** (one parameter set, replicates on common random numbers): a t interval of
  the mean paired difference over replicates. It says how precisely the runs pin the effect *of
  this parameter set*, nothing about whether the parameters are right.
- **Parameters and run-to-run** (draws from a calibrated posterior, each with replicates): the
  2.5-97.5% percentiles over draws of each draw's mean paired difference. Every draw's mean
  carries its own run-to-run noise (each draw runs on its own random-number stream, so draws are
  independent; scenarios within a draw stay paired), so the interval holds both sources. Percentiles need draws:
  with fewer than about 20 the 95% interval is close to the range of the draws; 40 or more give
  steadier tails.

Relative changes (b / a - 1) get intervals on the ratio scale, which cannot cross -100% for
non-negative outputs: run-to-run, a t interval of log(mean b / mean a) with the paired
delta-method standard error; over draws, percentiles of each draw's ratio of means.

>>> import numpy as np
>>> from culturesim.intervals import paired
>>> a = np.array([[10.0, 12.0, 11.0, 9.0]])            # one draw, four replicates
>>> b = np.array([[5.0, 6.5, 5.0, 4.0]])
>>> r = paired(a, b)
>>> r["sources"], round(r["diff"], 2), r["rel_low"] > -1
('run-to-run', -5.38, True)
"""

from __future__ import annotations

from typing import Any

import numpy as np

RUN_TO_RUN = "run-to-run"
BOTH = "parameters and run-to-run"


def paired(xa: np.ndarray, xb: np.ndarray, level: float = 0.95) -> dict[str, Any]:
    """The paired comparison of b with a, from per-run values shaped (draws, replicates).

    Unfinished runs are NaN and are left out pairwise. With one draw the intervals are
    run-to-run only; with several they include parameter uncertainty (see the module's text).
    Returns diff, ci_low, ci_high (of b - a), relative, rel_low, rel_high (of b / a - 1),
    mean_a, mean_b, n (pairs), draws, sources and interval (a sentence saying what the interval is).
    """
    from scipy import stats

    xa, xb = np.atleast_2d(np.asarray(xa, float)), np.atleast_2d(np.asarray(xb, float))
    ok = ~np.isnan(xa) & ~np.isnan(xb)
    rows = [i for i in range(xa.shape[0]) if ok[i].any()]
    n = int(ok.sum())
    if n == 0:
        raise ValueError("no run is finished for both scenarios")
    d_all = (xb - xa)[ok]
    mean_a, mean_b = float(xa[ok].mean()), float(xb[ok].mean())
    out: dict[str, Any] = {
        "mean_a": mean_a,
        "mean_b": mean_b,
        "diff": float(d_all.mean()),
        "relative": float(d_all.mean()) / mean_a if mean_a else float("nan"),
        "n": n,
        "draws": len(rows),
        "level": level,
    }
    tail = (1 - level) / 2
    if len(rows) > 1:
        # Parameters and run-to-run: percentiles over draws of each draw's mean difference and ratio.
        diffs = np.array([(xb[i] - xa[i])[ok[i]].mean() for i in rows])
        ma = np.array([xa[i][ok[i]].mean() for i in rows])
        mb = np.array([xb[i][ok[i]].mean() for i in rows])
        out["ci_low"], out["ci_high"] = (float(v) for v in np.percentile(diffs, [100 * tail, 100 * (1 - tail)]))
        if np.all(ma > 0) and np.all(mb >= 0):
            ratios = mb / ma - 1
            out["rel_low"], out["rel_high"] = (float(v) for v in np.percentile(ratios, [100 * tail, 100 * (1 - tail)]))
        else:
            out["rel_low"] = out["rel_high"] = float("nan")
        out["sources"] = BOTH
        out["interval"] = describe(BOTH, len(rows), n, level)
        return out
    # Run-to-run only: t intervals over the replicates of the one parameter set.
    a, b = xa[rows[0]][ok[rows[0]]], xb[rows[0]][ok[rows[0]]]
    d = b - a
    if n > 1:
        t = float(stats.t.ppf(1 - tail, n - 1))
        half = t * float(d.std(ddof=1)) / np.sqrt(n)
        out["ci_low"], out["ci_high"] = out["diff"] - half, out["diff"] + half
        if mean_a > 0 and mean_b > 0 and np.all(a >= 0) and np.all(b >= 0):
            # Delta method for log(mean b) - log(mean a) with paired replicates.
            se = float(np.std(b / mean_b - a / mean_a, ddof=1)) / np.sqrt(n)
            centre = np.log(mean_b / mean_a)
            out["rel_low"], out["rel_high"] = float(np.expm1(centre - t * se)), float(np.expm1(centre + t * se))
        else:
            out["rel_low"] = out["rel_high"] = float("nan")
    else:
        out["ci_low"] = out["ci_high"] = out["rel_low"] = out["rel_high"] = float("nan")
    out["sources"] = RUN_TO_RUN
    out["interval"] = describe(RUN_TO_RUN, 1, n, level, what="t interval")
    out["differences"] = d
    return out


def check_level(level: Any) -> float:
    """A confidence level, or ValueError saying what is allowed."""
    if isinstance(level, bool) or not isinstance(level, (int, float, np.floating)) or not 0 < level < 1:
        raise ValueError(f"level must be a confidence between 0 and 1 (0.95 for a 95% interval), got {level!r}")
    return float(level)


def _per_draw(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(finished mask, rows with any finished run) of a (draws, replicates) array."""
    ok = ~np.isnan(x)
    return ok, np.flatnonzero(ok.any(axis=1))


def mean_interval(x: np.ndarray, level: float = 0.95) -> dict[str, Any]:
    """The mean of per-run values shaped (draws, replicates) with its interval, by the same rules as
    :func:`paired`: over several draws the percentiles of each draw's mean (parameters and
    run-to-run), over one the t interval of the replicates' mean (run-to-run only). NaN runs are
    left out. Returns value, ci_low, ci_high, n, draws and sources.

    >>> import numpy as np
    >>> r = mean_interval(np.array([[1.0, 2.0, 3.0]]))
    >>> r["value"], r["sources"], round(float(r["ci_high"]), 2)
    (2.0, 'run-to-run', 4.48)
    """
    from scipy import stats

    x = np.atleast_2d(np.asarray(x, float))
    ok, rows = _per_draw(x)
    n = int(ok.sum())
    out: dict[str, Any] = {"value": float(x[ok].mean()) if n else float("nan"), "n": n, "draws": len(rows)}
    tail = (1 - level) / 2
    if len(rows) > 1:
        means = np.array([x[i][ok[i]].mean() for i in rows])
        out["ci_low"], out["ci_high"] = (float(v) for v in np.percentile(means, [100 * tail, 100 * (1 - tail)]))
        out["sources"] = BOTH
    else:
        if n > 1:
            v = x[ok]
            half = float(stats.t.ppf(1 - tail, n - 1)) * float(v.std(ddof=1)) / np.sqrt(n)
            out["ci_low"], out["ci_high"] = out["value"] - half, out["value"] + half
        else:
            out["ci_low"] = out["ci_high"] = float("nan")
        out["sources"] = RUN_TO_RUN
    return out


#: Bootstrap resamples for ratio intervals over the replicates of one parameter set.
BOOTSTRAP = 2000


def ratio_interval(num: np.ndarray, den: np.ndarray, level: float = 0.95) -> dict[str, Any]:
    """mean(num) / mean(den) of paired per-run values shaped (draws, replicates), with its interval:
    over several draws the percentiles of each draw's ratio of means (NaN when a draw's denominator
    is not positive in more than the interval's tails); over one, a paired percentile bootstrap of
    the replicates (:data:`BOOTSTRAP` resamples, fixed seed, so a table is reproducible). The value
    is NaN unless the mean denominator is positive. Returns value, ci_low, ci_high, n, draws and
    sources."""
    num, den = np.atleast_2d(np.asarray(num, float)), np.atleast_2d(np.asarray(den, float))
    ok = ~np.isnan(num) & ~np.isnan(den)
    rows = np.flatnonzero(ok.any(axis=1))
    n = int(ok.sum())
    d_mean = float(den[ok].mean()) if n else float("nan")
    value = float(num[ok].mean()) / d_mean if n and d_mean > 0 else float("nan")
    out: dict[str, Any] = {"value": value, "n": n, "draws": len(rows), "ci_low": float("nan"), "ci_high": float("nan")}
    tail = (1 - level) / 2
    if len(rows) > 1:
        out["sources"] = BOTH
        if not np.isfinite(value):
            return out
        d = np.array([den[i][ok[i]].mean() for i in rows])
        ratios = np.where(d > 0, np.array([num[i][ok[i]].mean() for i in rows]) / np.where(d > 0, d, 1.0), np.nan)
    else:
        out["sources"] = RUN_TO_RUN
        if not np.isfinite(value) or n < 2:
            return out
        a, b = num[rows[0]][ok[rows[0]]], den[rows[0]][ok[rows[0]]]
        rng = np.random.default_rng(20161011)  # fixed: the same table every time
        picks = rng.integers(0, n, size=(BOOTSTRAP, n))
        d = b[picks].mean(axis=1)
        ratios = np.where(d > 0, a[picks].mean(axis=1) / np.where(d > 0, d, 1.0), np.nan)
    if np.isnan(ratios).mean() > tail:
        return out  # the ratio is not defined often enough to bound
    ratios = np.where(np.isnan(ratios), np.inf, ratios)  # undefined ones sort high: a conservative upper bound
    low, high = np.quantile(ratios, [tail, 1 - tail])
    out["ci_low"], out["ci_high"] = float(low), float(high)
    return out


def describe(sources: str, draws: int, n: int, level: float = 0.95, what: str = "interval") -> str:
    """A sentence saying what an interval includes."""
    if sources == BOTH:
        per_draw = n / max(draws, 1)
        return (
            f"{level:.0%} {what} over {draws} parameter draws from the posterior ({per_draw:g} "
            f"replicate{'s' if per_draw != 1 else ''} each): parameter uncertainty and run-to-run variation"
        )
    return (
        f"{level:.0%} {what} over {n} replicate{'s' if n != 1 else ''} of one parameter set: "
        "run-to-run variation only, no parameter uncertainty"
    )
