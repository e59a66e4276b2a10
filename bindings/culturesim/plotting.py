"""Plots one call away: run trajectories, bands over replicates, paired-difference forest plots."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .outputs import DAYS_PER_YEAR, unit


def _axes(n: int, ax=None):
    import matplotlib.pyplot as plt

    if ax is not None:
        return np.atleast_1d(ax)
    cols = min(n, 2)
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(6 * cols, 3.2 * rows), squeeze=False, constrained_layout=True)
    for extra in axes.flat[n:]:
        extra.set_visible(False)
    return axes.flat[:n]


def plot_run(result: Any, metrics: Sequence[str], ax=None):
    """One panel per output of a single run, against years."""
    axes = _axes(len(metrics), ax)
    years = result.period_start_year
    for a, metric in zip(axes, metrics):
        a.plot(years, result[metric], lw=1.5)
        a.set_title(metric)
        a.set_xlabel("year")
        a.set_ylabel(unit(metric))
        a.grid(alpha=0.3)
    return axes


def plot_bands(res: Any, metric: str, scenarios: Sequence[str] | None = None, ax=None, quantiles=(10, 90)):
    """Median and a band between two percentiles over replicates, per scenario."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.6), constrained_layout=True)
    years = res.period_start_day / DAYS_PER_YEAR
    values = res[metric]
    for name in scenarios or res.scenarios:
        v = values[res._index(name)]
        v = v[~np.isnan(v).all(axis=1)]
        if v.size == 0:
            continue
        low, mid, high = np.percentile(v, [quantiles[0], 50, quantiles[1]], axis=0)
        line, = ax.plot(years, mid, label=name, lw=1.6)
        ax.fill_between(years, low, high, color=line.get_color(), alpha=0.2, lw=0)
    ax.set_title(f"{metric} (median, {quantiles[0]}-{quantiles[1]}% band)")
    ax.set_xlabel("year")
    ax.set_ylabel(unit(metric))
    ax.grid(alpha=0.3)
    ax.legend(frameon=False)
    return ax


def plot_forest(table: Any, ax=None):
    """Relative paired differences with their intervals, one row per metric."""
    import matplotlib.pyplot as plt

    t = table.copy()
    base = t["mean_a"].replace(0, np.nan)
    rel, low, high = t["diff"] / base * 100, t["ci_low"] / base * 100, t["ci_high"] / base * 100
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.45 * len(t) + 1.2), constrained_layout=True)
    y = np.arange(len(t))[::-1]
    ax.errorbar(rel, y, xerr=[rel - low, high - rel], fmt="o", color="C0", capsize=3)
    ax.axvline(0, color="grey", lw=1)
    ax.set_yticks(y, list(t.index))
    a, b = t["a"].iloc[0], t["b"].iloc[0]
    ax.set_xlabel(f"change of '{b}' relative to '{a}' (%), 95% interval over paired replicates")
    ax.grid(alpha=0.3, axis="x")
    return ax
