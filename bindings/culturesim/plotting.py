"""Plots one call away: run trajectories, bands over replicates, paired-difference forest plots."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .evidence import shade_projection
from .metrics import METRICS, is_flow
from .outputs import DAYS_PER_YEAR


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


def yearly(values: Any, period_start_day: Any, period_days: Any, flow: bool) -> tuple[np.ndarray, np.ndarray]:
    """Values over periods (last axis) as one value per year of the run: a flow's total per year
    (a partial last year scaled to a full one), a level's mean over the year's periods.

    Returns (years covered, values): each year's covered length in years (1, or less for a
    partial last year) and the values with the last axis over years.

    >>> import numpy as np
    >>> yearly(np.ones(24), np.arange(24) * 365 / 12, np.full(24, 365 / 12), flow=True)[1]
    array([12., 12.])
    """
    values = np.asarray(values, dtype=float)
    start = np.asarray(period_start_day, dtype=float)
    days = np.asarray(period_days, dtype=float)
    year = (start // DAYS_PER_YEAR).astype(int)
    n = int(year.max()) + 1 if year.size else 0
    out = np.full(values.shape[:-1] + (n,), np.nan)
    covered = np.zeros(n)
    for y in range(n):
        mask = year == y
        covered[y] = days[mask].sum() / DAYS_PER_YEAR
        if not mask.any():
            continue
        if flow:
            out[..., y] = values[..., mask].sum(axis=-1) / covered[y]
        else:
            out[..., y] = values[..., mask].mean(axis=-1)
    return covered, out


def rates(values: Any, period_days: Any, flow: bool) -> np.ndarray:
    """A flow's values per period as rates per year (so periods of any length compare); levels as they are."""
    values = np.asarray(values, dtype=float)
    return values * (DAYS_PER_YEAR / np.asarray(period_days, dtype=float)) if flow else values


def _over_time(values: Any, start_day: Any, period_days: Any, flow: bool, every: str):
    """(x in years, values over the last axis) for a plot: per year (points at each year's middle)
    or per recorded period (flows as rates per year, at each period's middle)."""
    start = np.asarray(start_day, dtype=float)
    days = np.asarray(period_days, dtype=float)
    if every == "year":
        covered, v = yearly(values, start, days, flow)
        return np.arange(len(covered)) + covered / 2, v
    if every == "period":
        return (start + days / 2) / DAYS_PER_YEAR, rates(values, days, flow)
    raise ValueError(f"every must be 'year' (one value per year) or 'period' (each recorded period), got {every!r}")


def _ylabel(metric: str, every: str) -> str:
    m = METRICS[metric]
    if m.flow or m.share:
        return m.rate_unit
    return m.unit + (" (mean over the year)" if every == "year" else "")


def format_axis(ax: Any, metric: str) -> None:
    """The value axis of a metric for people: shares in %, money in $ (k, M), counts from zero."""
    from matplotlib.ticker import FuncFormatter, PercentFormatter

    m = METRICS[metric]
    if m.share:
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    elif m.money:
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: "$" + compact_number(v)))
    low, high = ax.get_ylim()
    if low > 0 or (low < 0 and not _has_negative(ax)):
        ax.set_ylim(0, high)  # sizes compare only from zero


def _has_negative(ax: Any) -> bool:
    for line in ax.get_lines():
        y = np.asarray(line.get_ydata(), dtype=float)
        if y.size and np.nanmin(y) < 0 and line.get_linestyle() != ":":
            return True
    return False


def mark_interventions(ax: Any, interventions: Sequence[tuple[float, str]], color: Any = "0.35") -> None:
    """Each intervention after day 0 as a dotted vertical line with a short horizontal label at the
    top of the axes. Interventions at day 0 start with the run (the figure's left edge) and are
    not drawn: the legend names the scenario that has them."""
    seen = set()
    for year, label in interventions:
        if year <= 1e-9 or (year, label) in seen:
            continue
        seen.add((year, label))
        ax.axvline(year, color=color, ls=":", lw=1)
        ax.annotate(
            label if len(label) <= 28 else label[:27] + "…",
            (year, 1),
            xycoords=("data", "axes fraction"),
            xytext=(3, -3),
            textcoords="offset points",
            va="top",
            ha="left",
            fontsize=7,
            color=color,
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
            annotation_clip=True,
        )


def scenario_interventions(scenario: Any) -> list[tuple[float, str]]:
    """(year, label) of each intervention of a cs.Scenario."""
    return [(iv.day / DAYS_PER_YEAR, iv.label) for iv in scenario.interventions]


def plot_run(result: Any, metrics: Sequence[str], ax=None, every: str = "year", interventions: bool = True):
    """One panel per output of a single run, against years: by default one value per year (flows
    as totals per year, levels as the year's mean) with the scenario's interventions marked."""
    axes = _axes(len(metrics), ax)
    marks = scenario_interventions(result.scenario) if interventions else []
    for a, metric in zip(axes, metrics):
        x, v = _over_time(result[metric], result.period_start_day, result.period_days, is_flow(metric), every)
        a.plot(x, v, lw=1.5, marker="o" if every == "year" else None, ms=3)
        mark_interventions(a, marks)
        a.set_title(METRICS[metric].label)
        a.set_xlabel("years after day 0")
        a.set_ylabel(_ylabel(metric, every))
        a.grid(alpha=0.3)
        format_axis(a, metric)
        shade_projection(a, result.years)
    return axes


def runs_of(res: Any, metric: str, name: str) -> np.ndarray:
    """A scenario's values of a metric as (run, period): draws and replicates together, unfinished
    runs left out."""
    v = np.asarray(res[metric], dtype=float)[res._index(name)]
    v = v.reshape(-1, v.shape[-1])
    return v[~np.isnan(v).all(axis=1)]


def plot_bands(
    res: Any,
    metric: str,
    scenarios: Sequence[str] | None = None,
    ax=None,
    quantiles=(10, 90),
    every: str = "year",
    interventions: bool = True,
):
    """Median and a band between two percentiles over every run (draws and replicates), per
    scenario: by default one value per year (flows per year, levels as the year's mean), labelled
    from the metric registry, counts from zero, interventions after day 0 marked in each
    scenario's colour and years beyond the evidence shaded as a projection."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.6), constrained_layout=True)
    flow = is_flow(metric)
    for name in scenarios or res.scenarios:
        v = runs_of(res, metric, name)
        if v.size == 0:
            continue
        x, v = _over_time(v, res.period_start_day, res.period_days, flow, every)
        low, mid, high = np.percentile(v, [quantiles[0], 50, quantiles[1]], axis=0)
        (line,) = ax.plot(x, mid, label=name, lw=1.6, marker="o" if every == "year" else None, ms=3)
        if len(v) > 1:
            ax.fill_between(x, low, high, color=line.get_color(), alpha=0.2, lw=0)
        if interventions:
            mark_interventions(ax, res.interventions(name), color=line.get_color())
    runs = "parameter draws and replicates" if getattr(res, "draws", 1) > 1 else "replicates"
    ax.set_title(f"{METRICS[metric].label}\n(median, {quantiles[0]}-{quantiles[1]}% of {runs})", fontsize=10)
    ax.set_xlabel("years after day 0")
    ax.set_ylabel(_ylabel(metric, every))
    ax.set_xlim(0, res.years)
    ax.grid(alpha=0.3)
    format_axis(ax, metric)
    shade_projection(ax, res.years)
    ax.legend(frameon=False, fontsize=8)
    return ax


def plot_forest(table: Any, ax=None):
    """Paired changes with their intervals, one row per metric of a compare_table: relative changes
    in % for counts and costs, changes of shares in percentage points (each row says which)."""
    import matplotlib.pyplot as plt

    t = table.copy()
    points = np.array([METRICS[m].change == "points" for m in t.index])
    # Ratio intervals (culturesim.intervals): never below -100%; shares: their difference in points.
    value = np.where(points, t["diff"], t["relative"]) * 100
    low = np.where(points, t["ci_low"], t["rel_low"]) * 100
    high = np.where(points, t["ci_high"], t["rel_high"]) * 100
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 0.45 * len(t) + 1.4), constrained_layout=True)
    y = np.arange(len(t))[::-1]
    err = np.vstack([np.where(np.isfinite(low), value - low, 0), np.where(np.isfinite(high), high - value, 0)])
    ax.errorbar(value, y, xerr=err, fmt="o", color="C0", capsize=3)
    ax.axvline(0, color="grey", lw=1)
    ax.set_yticks(y, [METRICS[m].label for m in t.index])
    for yi, v, p in zip(y, value, points):
        if np.isfinite(v):
            ax.annotate(
                f"{v:+.1f}{' pts' if p else '%'}",
                (v, yi),
                xytext=(0, 6),
                textcoords="offset points",
                ha="center",
                fontsize=8,
                color="0.25",
            )
    a = t["a"].iloc[0]
    what = "parameter and run-to-run" if (t["sources"] != "run-to-run").any() else "run-to-run only"
    ax.set_xlabel(
        f"change against '{a}': % for counts and costs, percentage points (pts) for shares\n95% interval ({what})"
    )
    ax.grid(alpha=0.3, axis="x")
    finite = np.concatenate([v[np.isfinite(v)] for v in (value, low, high)] + [np.zeros(1)])
    pad = 0.08 * (finite.max() - finite.min() or 1.0)
    ax.set_xlim(finite.min() - pad, finite.max() + pad)
    return ax


# -- several outputs at once, recovery after interventions, sensitivity bars -----------------------


def _per_year(res: Any, metric: str) -> tuple[np.ndarray, str]:
    """(scenario, run, period) values of an ExperimentResult (draws and replicates together),
    flows as rates per year; and their unit."""
    values = np.asarray(res[metric], dtype=float)
    values = values.reshape(values.shape[0], -1, values.shape[-1])
    if is_flow(metric):
        return values * (DAYS_PER_YEAR / np.asarray(res.period_days, dtype=float)), METRICS[metric].rate_unit
    return values, METRICS[metric].rate_unit


def _events(events: Any) -> list[tuple[str | None, float]]:
    if events is None:
        return []
    if isinstance(events, dict):
        return [(str(k), float(v)) for k, v in events.items()]
    if np.isscalar(events):
        return [(None, float(events))]
    return [(None, float(v)) for v in events]


def plot_trajectories(
    res: Any,
    metrics: Sequence[str],
    scenarios: Sequence[str] | None = None,
    *,
    quantiles: tuple[float, float] = (10, 90),
    events: Any = None,
    ncols: int = 3,
    axes=None,
    colors: dict[str, str] | None = None,
):
    """Several outputs of an ExperimentResult, one panel each: per scenario the median over
    replicates and a band between two percentiles (10-90% by default), against years.

    Flows (events, costs) are drawn as rates per year, so periods of any length compare, and
    costs in millions of USD; levels as recorded. ``events`` marks times with dashed vertical lines: a year, a list of
    years, or a dict label -> year. One legend for the figure. Returns the axes.
    """
    import matplotlib.pyplot as plt

    metrics = list(metrics)
    names = list(scenarios) if scenarios is not None else list(res.scenarios)
    if axes is None:
        cols = max(1, min(ncols, len(metrics)))
        rows = (len(metrics) + cols - 1) // cols
        fig, grid = plt.subplots(
            rows, cols, figsize=(4.6 * cols, 3.1 * rows), squeeze=False, constrained_layout=True, sharex=True
        )
        for extra in grid.flat[len(metrics) :]:
            extra.set_visible(False)
        axes = grid.flat[: len(metrics)]
    else:
        axes = np.atleast_1d(axes).ravel()
        fig = axes[0].figure
    years = np.asarray(res.period_start_day, dtype=float) / DAYS_PER_YEAR
    colors = dict(colors or {})
    cycle = plt.rcParams["axes.prop_cycle"].by_key().get("color", ["C0"])
    for i, name in enumerate(names):
        colors.setdefault(name, cycle[i % len(cycle)])
    for ax, metric in zip(axes, metrics):
        values, label = _per_year(res, metric)
        if label.startswith("USD"):  # costs in millions
            values, label = values / 1e6, "million " + label
        for name in names:
            v = values[res._index(name)]
            v = v[~np.isnan(v).all(axis=1)]
            if v.size == 0:
                continue
            low, mid, high = np.percentile(v, [quantiles[0], 50, quantiles[1]], axis=0)
            ax.plot(years, mid, color=colors[name], lw=1.6, label=name)
            if len(v) > 1:
                ax.fill_between(years, low, high, color=colors[name], alpha=0.18, lw=0)
        for text, year in _events(events):
            ax.axvline(year, color="grey", ls="--", lw=1)
        ax.set_title(METRICS[metric].label)
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    for ax in axes[-min(len(axes), ncols) :]:
        ax.set_xlabel("year")
    handles, labels = axes[0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 4), frameon=False)
    return axes


def time_to_recovery(
    res: Any,
    scenario: str,
    metric: str,
    at_year: float,
    reference: str = "just_culture",
    fraction: float = 0.9,
    baseline_years: float = 1.0,
    stays: str | None = None,
    target_from: float | None = None,
) -> dict[str, Any]:
    """How long after an intervention a metric gets most of the way to the reference's level.

    On the mean over replicates (flows as rates per year): the **baseline** is the scenario's mean
    over the ``baseline_years`` before ``at_year``; the **target** is the reference scenario's
    mean over the periods from ``at_year`` to the end of the run; the **time to recovery** is the
    time from ``at_year`` to the end of the first period (starting at or after ``at_year``) whose
    value has covered ``fraction`` of the way from baseline to target. It is NaN if that never
    happens within the run. Its resolution is the recording period (``record_every``); flows are
    noisy over short periods, so record yearly (record_every="year") for them.

    For interventions at day 0 from a warmed-up hospital there is no recorded year before them:
    give ``stays``, the scenario that keeps the starting policy, and the baseline is its mean over
    the periods from ``at_year`` on (the counterfactual), instead. ``target_from`` takes the
    target from the reference's periods starting at or after that year (its settled level) rather
    than from ``at_year`` on.

    Returns a dict: years (the time to recovery), reached, baseline, target, final (the scenario's
    mean over the last ``baseline_years`` of the run) and progress (the share of the way covered
    at the end of the run).
    """
    values, _ = _per_year(res, metric)
    start = np.asarray(res.period_start_day, dtype=float) / DAYS_PER_YEAR
    end = start + np.asarray(res.period_days, dtype=float) / DAYS_PER_YEAR
    x = np.nanmean(values[res._index(scenario)], axis=0)
    ref = np.nanmean(values[res._index(reference)], axis=0)
    eps = 1e-9
    before = (end <= at_year + eps) & (start >= at_year - baseline_years - eps)
    after = start >= at_year - eps
    if (stays is None and not before.any()) or not after.any():
        raise ValueError(
            f"at_year {at_year:g} leaves no period before or after it; the run covers "
            f"years 0 to {end[-1]:g} and the baseline needs {baseline_years:g} years "
            f"(for interventions at day 0 give stays=, the scenario that keeps the starting policy)"
        )
    if stays is not None:
        baseline = float(np.nanmean(values[res._index(stays)], axis=0)[after].mean())
    else:
        baseline = float(x[before].mean())
    target = float(ref[after if target_from is None else start >= target_from - eps].mean())
    last = end > end[-1] - baseline_years + eps
    final = float(x[last].mean())
    gap = target - baseline
    out = {
        "scenario": scenario,
        "metric": metric,
        "baseline": baseline,
        "target": target,
        "final": final,
        "years": float("nan"),
        "reached": False,
        "progress": float("nan"),
    }
    if abs(gap) <= 1e-12 * max(1.0, abs(baseline)):
        return out
    progress = (x - baseline) / gap
    out["progress"] = float((final - baseline) / gap)
    hit = np.flatnonzero(after & (progress >= fraction))
    if hit.size:
        out["years"] = float(end[hit[0]] - at_year)
        out["reached"] = True
    return out


def recovery_table(
    res: Any,
    at_year: float,
    metrics: Sequence[str],
    scenarios: Sequence[str] | None = None,
    reference: str = "just_culture",
    fraction: float = 0.9,
    baseline_years: float = 1.0,
    stays: str | None = None,
    target_from: float | None = None,
):
    """time_to_recovery for several scenarios and metrics: a DataFrame indexed by (scenario,
    metric) with baseline, target, final, progress, reached and years. Scenarios default to all
    but the reference."""
    import pandas as pd

    names = list(scenarios) if scenarios is not None else [s for s in res.scenarios if s != reference]
    rows = [
        time_to_recovery(res, s, m, at_year, reference, fraction, baseline_years, stays, target_from)
        for s in names
        for m in metrics
    ]
    return pd.DataFrame(rows).set_index(["scenario", "metric"])


def plot_recovery(table: Any, ax=None, cmap: str = "viridis_r"):
    """Years to recovery (from recovery_table) as an annotated grid: one row per scenario, one
    column per metric. A cell that recovered shows its years, coloured (lighter is faster); one
    that did not is grey and shows how much of the way it covered by the end of the run
    (``progress``). Returns the axes."""
    import matplotlib.pyplot as plt

    scen = list(dict.fromkeys(table.index.get_level_values("scenario")))
    mets = list(dict.fromkeys(table.index.get_level_values("metric")))
    years = table["years"].unstack("metric").loc[scen, mets].to_numpy(dtype=float)
    progress = table["progress"].unstack("metric").loc[scen, mets].to_numpy(dtype=float)
    if ax is None:
        _, ax = plt.subplots(figsize=(1.5 * len(mets) + 2.5, 0.55 * len(scen) + 1.4), constrained_layout=True)
    finite = years[np.isfinite(years)]
    vmax = max(float(finite.max()) if finite.size else 1.0, 1.0)
    ax.imshow(np.ma.masked_invalid(years), cmap=cmap, vmin=0, vmax=vmax, aspect="auto")
    ax.imshow(np.where(np.isfinite(years), np.nan, 1.0), cmap="Greys", vmin=0, vmax=4, aspect="auto")
    for i in range(len(scen)):
        for j in range(len(mets)):
            if np.isfinite(years[i, j]):
                text, color = f"{years[i, j]:g} y", "white" if years[i, j] > 0.6 * vmax else "black"
            else:
                share = "" if np.isnan(progress[i, j]) else f"\n({round(progress[i, j], 2) + 0.0:.0%} of the way)"
                text, color = "not reached" + share, "dimgrey"
            ax.text(j, i, text, ha="center", va="center", fontsize=8, color=color)
    ax.set_xticks(np.arange(len(mets)), mets, rotation=20, ha="right")
    ax.set_yticks(np.arange(len(scen)), scen)
    ax.set_xticks(np.arange(len(mets) + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(len(scen) + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="white", lw=2)
    ax.tick_params(which="minor", length=0)
    return ax


def plot_sensitivity(mu_star: Any, conf: Any = None, ncols: int = 3, axes=None, xlabel: Any = "mu*"):
    """Horizontal bars of a sensitivity index per factor, one panel per output.

    ``mu_star``: a DataFrame indexed by factor with one column per output (e.g. Morris mu*);
    ``conf``: the same shape, drawn as error bars (e.g. mu_star_conf). Factors are sorted by
    their value in each panel, largest on top. ``xlabel``: one label, or a dict output -> label.
    Returns the axes.
    """
    import matplotlib.pyplot as plt

    outputs = list(mu_star.columns)
    if axes is None:
        cols = max(1, min(ncols, len(outputs)))
        rows = (len(outputs) + cols - 1) // cols
        _, grid = plt.subplots(
            rows, cols, figsize=(4.4 * cols, 0.32 * len(mu_star) + 1.6), squeeze=False, constrained_layout=True
        )
        for extra in grid.flat[len(outputs) :]:
            extra.set_visible(False)
        axes = grid.flat[: len(outputs)]
    for i, (ax, output) in enumerate(zip(axes, outputs)):
        s = mu_star[output].sort_values()
        err = None if conf is None else conf[output].reindex(s.index).to_numpy()
        ax.barh(np.arange(len(s)), s.to_numpy(), xerr=err, color=f"C{i}", alpha=0.85, capsize=2)
        ax.set_yticks(np.arange(len(s)), list(s.index))
        ax.set_title(output)
        ax.set_xlabel(xlabel.get(output, "") if isinstance(xlabel, dict) else xlabel)
        ax.grid(alpha=0.3, axis="x")
    return axes


def compact_number(x: float) -> str:
    """A number for a table: thousands separators, millions as M, small values to 3 digits."""
    if x is None or not math.isfinite(x):
        return "n/a"
    a = abs(x)
    if a >= 1e6:
        return f"{x / 1e6:,.4g}M" if a < 1e9 else f"{x / 1e6:,.0f}M"
    if a >= 1000:
        return f"{x:,.0f}"
    if a >= 100:
        return f"{x:.0f}"
    if a >= 10:
        return f"{x:.1f}"
    if a == 0:
        return "0"
    from .board import human_number

    return human_number(x)  # 3 significant digits, never scientific notation (0.0000123)


def demo_figure(
    res: Any,
    path: str,
    compare: Sequence[str] | None = None,
    baseline: str = "typical",
    switch_year: float | None = None,
) -> None:
    """The demo's figure (culturesim demo): the headline metrics over time (median and 10-90% band
    over every run), and one forest plot per scenario of its paired changes against ``baseline``
    (``compare``: the metrics, default the effects; the programme's own cost belongs with the
    economics). ``switch_year`` marks when a scenario switches."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .metrics import EFFECTS, HEADLINE

    others = [s for s in res.scenarios if s != baseline]
    runs = res.runs_text
    fig = plt.figure(figsize=(15, 14), layout="constrained")
    outer = fig.add_gridspec(2, 1, height_ratios=[2.0, 1.15])
    top = outer[0].subgridspec(2, 3)
    bottom = outer[1].subgridspec(1, max(1, len(others)))
    fig.suptitle(
        f"culturesim: today's typical hospital and {len(others)} culture programme{'s' if len(others) != 1 else ''} "
        f"from day 0, {runs} x {res.years:g} years",
        fontsize=13,
    )
    for k, metric in enumerate(HEADLINE):
        ax = fig.add_subplot(top[k // 3, k % 3])
        # Each recorded period as a rate per year: the programmes' first years show, and every
        # intervention starts at day 0 (the figure's left edge).
        res.plot(metric, ax=ax, every="period", interventions=False)
        if switch_year is not None and 0 < switch_year < res.years:
            ax.axvline(switch_year, color="0.35", ls=":", lw=1)
        if k:
            ax.get_legend().remove()
    colors = {name: f"C{i}" for i, name in enumerate(res.scenarios)}
    metrics = [m for m in (compare or EFFECTS) if m != "cost_programme"]
    for j, other in enumerate(others):
        ax = fig.add_subplot(bottom[0, j])
        res.plot_compare(baseline, other, metrics, ax=ax)
        for container in ax.containers:
            for artist in container.get_children():
                artist.set_color(colors[other])
        ax.set_title(f"{other}\nagainst {baseline}", fontsize=11)
        if j:  # one set of row labels for the row of forest plots
            ax.set_yticklabels([])
        ax.set_xlabel("change: % or points (shares)", fontsize=9)
    fig.savefig(path, dpi=110)
    plt.close(fig)
