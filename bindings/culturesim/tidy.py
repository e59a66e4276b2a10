"""Tidy results: what each scenario of a results file is (its blame level, policy fields, changed
parameters and swept values) as coordinates, and per-scenario tables and plots against them.

The engine owns what a sweep name means (experiments/sweep.cpp): this module reads each stored
scenario's values through it, so a coordinate here is exactly the value the scenario ran.

>>> import culturesim as cs
>>> res = cs.sweep("typical", {"blame": [0, 1]}, replicates=2, years=1, warmup_years=0).run(progress=False)
>>> res.coords()["blame"].tolist()
[0.0, 1.0]
>>> float(res.to_xarray().sel(blame=1)["harm_events"].mean()) > 0
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _engine
from .policy import FIELD_NAMES

#: What a sweep may vary, and so what a coordinate may be called: blame, policy fields, parameters
#: (keyed ones as name[key]).
SWEEP_NAMES: tuple[str, ...] = tuple(_engine.sweep_names())


def scenario_dicts(res: Any) -> dict[str, dict[str, Any]]:
    """Each scenario of an ExperimentResult as the engine's dict, read from its stored definition."""
    cache = res.__dict__.setdefault("_scenario_dicts", {})
    if not cache:
        for name in res.scenarios:
            loaded = _engine.load_experiment(res.definitions[name], f"stored definition of '{name}'", name)
            (cache[name],) = loaded["scenarios"]
    return cache


def swept_names(res: Any) -> list[str]:
    """The names swept in a results file, in the order the scenarios first give them."""
    names: list[str] = []
    for attrs in res.scenario_attrs.values():
        for name in attrs.get("coords", []) or []:
            if name not in names:
                names.append(name)
    return names


def quantity(res: Any, name: str) -> np.ndarray:
    """One value per scenario of a sweep name (see SWEEP_NAMES): the stored coordinate of a swept
    scenario, else the value the scenario ran (for blame: its b, NaN when its starting policy is
    not Policy.from_blame(b))."""
    if name not in SWEEP_NAMES:
        import difflib

        close = difflib.get_close_matches(name, SWEEP_NAMES, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise KeyError(
            f"unknown coordinate '{name}'{hint}; allowed: blame, a policy field or a parameter (keyed ones as name[key])"
        )
    out = []
    dicts = None
    for scenario in res.scenarios:
        attrs = res.scenario_attrs[scenario]
        if f"coord.{name}" in attrs:
            out.append(float(attrs[f"coord.{name}"]))
            continue
        if name in FIELD_NAMES and f"policy.{name}" in attrs:
            out.append(float(attrs[f"policy.{name}"]))
            continue
        dicts = dicts or scenario_dicts(res)
        out.append(float(_engine.swept_quantity(dicts[scenario], name)))
    return np.asarray(out, dtype=float)


def coordinates(res: Any, changed: bool = True) -> dict[str, np.ndarray]:
    """Per-scenario coordinates: blame, every policy field, the swept names and (with ``changed``)
    every parameter value that differs between scenarios (keyed ones per key, as name[key])."""
    names = ["blame", *FIELD_NAMES]
    names += [n for n in swept_names(res) if n not in names]
    if changed:
        names += [n for n in _changed_parameters(res) if n not in names]
    return {name: quantity(res, name) for name in names}


def _changed_parameters(res: Any) -> list[str]:
    """Parameters (keyed ones per key, as name[key]) whose value differs between scenarios."""
    first = res.scenario_attrs[res.scenarios[0]]
    out = []
    for spec in _engine.parameter_specs():
        name = spec["name"]
        if name not in first:
            continue
        values = [np.atleast_1d(np.asarray(res.scenario_attrs[s][name], dtype=float)) for s in res.scenarios]
        keys = list(spec.get("keys") or [])
        if not keys:
            if any(not np.array_equal(v, values[0]) for v in values[1:]):
                out.append(name)
            continue
        for k, key in enumerate(keys):  # stored in the engine's key order (root attributes keys.*)
            if any(v[k] != values[0][k] for v in values[1:]):
                out.append(f"{name}[{key}]")
    return out


def summary_by_scenario(res: Any, metric: str, window: Any = None, level: float = 0.95):
    """A DataFrame with one row per scenario: its coordinates, the mean of ``metric`` over its runs
    (per_run: a flow per year, a level's mean), the interval of that mean (over the replicates of
    one parameter set, or over parameter draws: culturesim.intervals.mean_interval), n and what
    the interval includes."""
    import pandas as pd

    from .intervals import mean_interval

    per_run = res.per_run(metric, window)
    rows = []
    for i, name in enumerate(res.scenarios):
        m = mean_interval(per_run[i], level)
        rows.append(
            {
                "scenario": name,
                "mean": m["value"],
                "ci_low": m["ci_low"],
                "ci_high": m["ci_high"],
                "n": m["n"],
                "draws": m["draws"],
                "sources": m["sources"],
            }
        )
    frame = pd.DataFrame(rows)
    for name, values in coordinates(res, changed=False).items():
        if name == "blame" or name in swept_names(res):
            frame.insert(len(frame.columns) - 6, name, values)
    frame.insert(1, "metric", metric)
    return frame.set_index("scenario")


def plot_sweep(
    res: Any,
    metric: str = "harm_events",
    x: str | None = None,
    hue: str | None = None,
    window: Any = None,
    level: float = 0.95,
    ax=None,
):
    """``metric`` (mean over replicates, with its ``level`` t interval as a band) against the swept
    value ``x`` (default: the first swept name), one line per value of ``hue`` (default: the
    second swept name, if any). Scenarios outside the sweep are drawn as horizontal reference lines."""
    import matplotlib.pyplot as plt

    from .metrics import METRICS

    swept = swept_names(res)
    if x is None:
        if not swept:
            raise ValueError("this results file holds no sweep; give x, a coordinate such as 'blame'")
        x = swept[0]
    if hue is None and len(swept) > 1:
        hue = next(n for n in swept if n != x)
    table = summary_by_scenario(res, metric, window, level)
    for name in (x, hue):
        if name is not None and name not in table.columns:
            table[name] = quantity(res, name)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4), constrained_layout=True)
    in_sweep = np.isfinite(table[x].to_numpy()) & np.array(
        [bool(res.scenario_attrs[s].get("coords")) for s in table.index]
    )
    points, others = table[in_sweep], table[~in_sweep]
    groups = [(None, points)] if hue is None else list(points.groupby(hue, sort=True))
    for value, group in groups:
        group = group.sort_values(x)
        label = None if hue is None else f"{hue} = {value:g}"
        (line,) = ax.plot(group[x], group["mean"], marker="o", lw=1.6, label=label)
        ax.fill_between(group[x], group["ci_low"], group["ci_high"], color=line.get_color(), alpha=0.2, lw=0)
    for name, row in others.iterrows():
        ax.axhline(row["mean"], color="0.4", ls="--", lw=1)
        ax.annotate(
            name,
            (0, row["mean"]),
            xycoords=("axes fraction", "data"),
            xytext=(3, 3),
            textcoords="offset points",
            fontsize=8,
            color="0.3",
        )
    m = METRICS[metric]
    over = "parameter draws and replicates" if res.draws > 1 else "replicates"
    ax.set_xlabel(x)
    ax.set_ylabel(m.title)
    ax.set_title(f"{m.label}: mean over {over}, {level:.0%} interval")
    if m.share:
        from matplotlib.ticker import PercentFormatter

        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    if (table["mean"].dropna() >= 0).all():  # counts, shares and costs: from zero, so sizes compare
        ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    if hue is not None:
        ax.legend(frameon=False)
    return ax


def add_coordinates(ds: Any, res: Any) -> Any:
    """An xarray Dataset of res with the per-scenario coordinates; swept names indexed, so
    ``.sel(blame=0.3)`` selects scenarios by their value (one swept name per .sel call)."""
    coords = coordinates(res)
    ds = ds.assign_coords({name: ("scenario", values) for name, values in coords.items()})
    for name in swept_names(res):
        ds = ds.set_xindex(name)
    return ds


def grid(ds: Any, res: Any) -> Any:
    """The sweep's scenarios of a Dataset with one dimension per swept name instead of scenario."""
    swept = swept_names(res)
    if not swept:
        raise ValueError("this results file holds no sweep: there is no grid to unstack")
    keep = [s for s in res.scenarios if res.scenario_attrs[s].get("coords")]
    sub = ds.sel(scenario=keep).drop_indexes(swept)
    sub = sub.set_xindex(swept) if len(swept) > 1 else sub.swap_dims({"scenario": swept[0]})
    if len(swept) > 1:
        sub = sub.unstack("scenario")
    order = [*swept, *(d for d in ("draw", "replicate", "period") if d in sub.dims)]
    return sub.transpose(*order, ...)
