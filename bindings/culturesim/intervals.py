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
        per_draw = n / len(rows)
        out["sources"] = BOTH
        out["interval"] = (
            f"{level:.0%} interval over {len(rows)} parameter draws from the posterior "
            f"({per_draw:g} replicate{'s' if per_draw != 1 else ''} each): parameter uncertainty and run-to-run variation"
        )
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
    out["interval"] = (
        f"{level:.0%} t interval over {n} replicate{'s' if n != 1 else ''} of one parameter set: "
        "run-to-run variation only, no parameter uncertainty"
    )
    out["differences"] = d
    return out
