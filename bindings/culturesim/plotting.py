"""Plots one call away: run trajectories, bands over replicates, paired-difference forest plots."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .outputs import DAYS_PER_YEAR, DERIVED, FLOWS, unit


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
    flow = metric in FLOWS or metric in DERIVED
    if not flow:
        return unit(metric) + (" (mean over the year)" if every == "year" else "")
    return f"{unit(metric)} per year"


def mark_interventions(ax: Any, interventions: Sequence[tuple[float, str]], color: Any = "0.35") -> None:
    """Dotted vertical lines at intervention dates (years), each labelled at the top of the axes."""
    seen = set()
    for year, label in interventions:
        if (year, label) in seen:
            continue
        seen.add((year, label))
        ax.axvline(year, color=color, ls=":", lw=1)
        ax.annotate(
            label,
            (year, 1),
            xycoords=("data", "axes fraction"),
            xytext=(3, -3),
            textcoords="offset points",
            va="top",
            rotation=90,
            fontsize=7,
            color=color,
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
        flow = metric in FLOWS or metric in DERIVED
        x, v = _over_time(result[metric], result.period_start_day, result.period_days, flow, every)
        a.plot(x, v, lw=1.5, marker="o" if every == "year" else None, ms=3)
        mark_interventions(a, marks)
        a.set_title(metric)
        a.set_xlabel("year")
        a.set_ylabel(_ylabel(metric, every))
        a.grid(alpha=0.3)
    return axes


def plot_bands(
    res: Any,
    metric: str,
    scenarios: Sequence[str] | None = None,
    ax=None,
    quantiles=(10, 90),
    every: str = "year",
    interventions: bool = True,
):
    """Median and a band between two percentiles over replicates, per scenario: by default one
    value per year (flows as totals per year, levels as the year's mean), with each scenario's
    interventions marked in its colour."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.6), constrained_layout=True)
    flow = metric in FLOWS or metric in DERIVED
    x, values = _over_time(res[metric], res.period_start_day, res.period_days, flow, every)
    for name in scenarios or res.scenarios:
        v = values[res._index(name)]
        v = v[~np.isnan(v).all(axis=1)]
        if v.size == 0:
            continue
        low, mid, high = np.percentile(v, [quantiles[0], 50, quantiles[1]], axis=0)
        (line,) = ax.plot(x, mid, label=name, lw=1.6, marker="o" if every == "year" else None, ms=3)
        ax.fill_between(x, low, high, color=line.get_color(), alpha=0.2, lw=0)
        if interventions:
            mark_interventions(ax, res.interventions(name), color=line.get_color())
    ax.set_title(f"{metric} (median, {quantiles[0]}-{quantiles[1]}% band)")
    ax.set_xlabel("year")
    ax.set_ylabel(_ylabel(metric, every))
    ax.grid(alpha=0.3)
    ax.legend(frameon=False)
    return ax


def plot_forest(table: Any, ax=None):
    """Relative paired differences with their intervals, one row per metric."""
    import matplotlib.pyplot as plt

    t = table.copy()
    # Ratio intervals (culturesim.intervals): never below -100%.
    rel, low, high = t["relative"] * 100, t["rel_low"] * 100, t["rel_high"] * 100
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.45 * len(t) + 1.2), constrained_layout=True)
    y = np.arange(len(t))[::-1]
    ax.errorbar(rel, y, xerr=[rel - low, high - rel], fmt="o", color="C0", capsize=3)
    ax.axvline(0, color="grey", lw=1)
    ax.set_yticks(y, list(t.index))
    a, b = t["a"].iloc[0], t["b"].iloc[0]
    what = "parameter and run-to-run" if (t["sources"] != "run-to-run").any() else "run-to-run only"
    ax.set_xlabel(f"change of '{b}' relative to '{a}' (%), 95% interval ({what})")
    ax.grid(alpha=0.3, axis="x")
    return ax


# -- several outputs at once, recovery after interventions, sensitivity bars -----------------------


def _per_year(res: Any, metric: str) -> tuple[np.ndarray, str]:
    """(scenario, replicate, period) values of an ExperimentResult, flows as rates per year."""
    values = np.asarray(res[metric], dtype=float)
    if metric in FLOWS or metric in DERIVED:
        return values * (DAYS_PER_YEAR / np.asarray(res.period_days, dtype=float)), f"{unit(metric)} per year"
    return values, unit(metric)


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
        ax.set_title(metric)
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


_FIGURE_PANELS = (
    ("harm_events", "Harm events (mild, moderate, severe)"),
    ("reports", "Events reported"),
    ("sv_started", "Second-victim episodes started"),
    ("burnout_prevalence", "Burnout prevalence (share of staff)"),
    ("quits", "Quits (turnover)"),
    ("cost_total", "Costs: turnover, harm, claims and the programme"),
)


def demo_figure(
    res: Any, path: str, compare: Sequence[str], baseline: str = "typical", switch_year: float | None = None
) -> None:
    """The demo's figure (culturesim demo): trajectories with 10-90% bands, and forest plots of the
    paired differences of the `compare` outputs; `switch_year` marks when a scenario switches."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    others = [s for s in res.scenarios if s != baseline]
    draws = getattr(res, "draws", None)  # a DrawsResult: over posterior parameter draws
    runs = f"{res.replicates} replicates" if draws is None else f"{draws} parameter draws x {res.replicates} replicate"
    fig = plt.figure(figsize=(15, 12.5), layout="constrained")
    outer = fig.add_gridspec(2, 1, height_ratios=[2.1, 1.0])
    top = outer[0].subgridspec(2, 3)
    bottom = outer[1].subgridspec(1, max(1, len(others)))
    fig.suptitle(
        f"culturesim: today's typical hospital and three culture programmes from day 0, {runs} x {res.years:g} "
        f"years (lines: median, bands: 10-90% of {'runs' if hasattr(res, 'draws') else 'replicates'})",
        fontsize=13,
    )
    for k, (metric, title) in enumerate(_FIGURE_PANELS):
        ax = fig.add_subplot(top[k // 3, k % 3])
        # Each recorded period as a rate per year: the programmes' first years show, and every
        # intervention starts at day 0 (the figure's left edge).
        res.plot(metric, ax=ax, every="period", interventions=False)
        ax.set_title(title, fontsize=11)
        if metric.startswith("cost"):
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: "$" + compact_number(v)))
        if metric == "burnout_prevalence":
            ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        ax.set_ylim(bottom=0)
        ax.set_xlim(0, res.years)
        if switch_year is not None and 0 < switch_year < res.years:
            ax.axvline(switch_year, color="0.35", ls=":", lw=1)
            if k == 0:
                ax.annotate(
                    f"switch at year {switch_year:g}",
                    (switch_year, 1),
                    xycoords=("data", "axes fraction"),
                    xytext=(4, -12),
                    textcoords="offset points",
                    fontsize=8,
                    color="0.3",
                )
        if ax.get_legend() is not None:
            ax.get_legend().remove()
        if metric == "burnout_prevalence":  # much free space there, whatever the policy
            ax.legend(loc="best", fontsize=10, framealpha=0.9, title="scenario", title_fontsize=10)
    colors = {name: f"C{i}" for i, name in enumerate(res.scenarios)}
    forest = [m for m in compare if m != "cost_programme"]  # near 0 under typical: relative change unreadable
    axes, lows, highs = [], [], []
    for j, other in enumerate(others):
        ax = fig.add_subplot(bottom[0, j])
        res.plot_compare(baseline, other, forest, ax=ax)
        table = res.compare_table(baseline, other, forest)
        rel = 100 * table["relative"]
        for container in ax.containers:
            for artist in container.get_children():
                artist.set_color(colors[other])
        for y, (value, high) in enumerate(zip(rel[::-1], (100 * table["rel_high"])[::-1])):
            if math.isfinite(value):
                ax.annotate(
                    f"{value:+.0f}%",
                    (max(value, high), y),
                    xytext=(6, 0),
                    textcoords="offset points",
                    va="center",
                    fontsize=9,
                    color="0.2",
                )
        lows.append(float(np.nanmin(100 * table["rel_low"])))
        highs.append(float(np.nanmax(100 * table["rel_high"])))
        ax.set_title(f"{other} vs {baseline}: paired change, 95% interval ({table['sources'].iloc[0]})", fontsize=11)
        ax.set_xlabel(f"change relative to {baseline}")
        ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(100))
        axes.append(ax)
    if axes:
        low, high = min(lows + [0.0]), max(highs + [0.0])
        pad = 0.12 * (high - low or 1.0)
        for ax in axes:
            ax.set_xlim(low - pad / 2, high + pad)
    fig.savefig(path, dpi=110)
    plt.close(fig)
