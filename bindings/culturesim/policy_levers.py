"""Which lever matters most: each policy field moved alone from a baseline to a target policy.

A board controls policy levers (the fields of ``cs.Policy``: punishing honest error, coaching,
peer support, ...), not model parameters (``cs.sensitivity`` ranks those). ``cs.levers`` runs one
experiment: the baseline, one scenario per lever with that field alone at the target's value, and
the whole target policy; every scenario shares the warm-up and the random numbers, so each lever's
paired difference against the baseline is its effect alone. Over posterior draws
(``params=cs.open_posterior(), draws=N``) the intervals include parameter uncertainty too.

The answer is a tidy DataFrame, one row per (metric, lever), largest effect first within each
metric; ``plot_tornado`` draws it.

>>> import culturesim as cs
>>> table = cs.levers("typical", "just_culture", metrics=["reports"], fields=["support_level", "stated_safety"],
...                   years=1, replicates=2, warmup_years=0, progress=False)
>>> sorted(table["lever"])
['all', 'stated_safety', 'support_level']
>>> table.loc[table["lever"] == "support_level", ["from", "to", "reading"]].values.tolist()
[[0.4, 1.0, 'relative']]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .metrics import HEADLINE, METRICS, check_metric
from .policy import FIELD_NAMES, Policy, as_policy
from .scenario import Scenario, as_scenario

__all__ = ["ALL", "LEVER_METRICS", "levers", "plot_tornado"]

#: The metrics levers compare by default: what a board reads (the registry's headline metrics).
LEVER_METRICS = HEADLINE
#: The lever name of the whole target policy (every field at once), shown for reference.
ALL = "all"
#: Default replicates per scenario with fixed parameters: levers differ by a few percent, and the
#: intervals must resolve that. Over draws, each draw adds its own independent runs: 2 per draw.
REPLICATES = 10
REPLICATES_PER_DRAW = 2


def reads_in_points(metric: str) -> bool:
    """True for shares (burnout prevalence): a change is read in percentage points, not relative %
    (the metric registry says how each change is read)."""
    return METRICS[check_metric(metric)].change == "points"


def _policy_of(x: Any) -> Policy:
    """A policy from a preset name, a blame level, a table of fields, a Policy or a Scenario."""
    return x.policy if isinstance(x, Scenario) else as_policy(x)


def levers(
    baseline: Any = "typical",
    target: Any = "just_culture",
    *,
    metrics: Sequence[str] | None = None,
    fields: Sequence[str] | None = None,
    params: Any = None,
    draws: int | None = None,
    years: float = 5,
    window: tuple[float, float] | None = None,
    replicates: int | None = None,
    seed: int = 0,
    warmup_years: float | None = None,
    level: float = 0.95,
    progress: bool = True,
    threads: int | None = None,
):
    """The effect of moving each policy field alone from ``baseline``'s value to ``target``'s.

    baseline, target: preset names ("blame", "typical", "just_culture"), blame levels, tables of
    fields or cs.Policy; a baseline cs.Scenario also gives the hospital and parameters (it may not
    have interventions: the levers act from day 0). fields: the levers (default: every field whose
    value differs). params, draws: a cs.Posterior and how many draws (or a list of parameter
    sets), as in cs.Experiment; None runs the baseline's parameters. years, replicates (default
    REPLICATES, or REPLICATES_PER_DRAW per draw), seed, warmup_years: the experiment's settings;
    window: the years averaged (ExperimentResult.per_run). progress: a bar on a terminal or in a
    notebook, plain lines in logs. Every scenario runs in this process on the engine's threads (no
    process pool: a plain script needs no ``if __name__ == "__main__":`` guard).

    Returns a DataFrame, one row per (metric, lever) sorted by the size of the effect within each
    metric, then the whole target policy (lever "all"): the columns of ``compare_all`` (baseline,
    value, difference, ci_low, ci_high, relative, rel_low, rel_high, n, draws, interval, ...) plus
    lever, description, from, to, and ``effect`` / ``effect_low`` / ``effect_high`` in the unit a
    board reads (``reading``): percentage points for shares such as burnout, else relative %.
    ``table.attrs`` holds the baseline, target and settings.
    """

    from .experiment import Experiment

    names = list(metrics) if metrics is not None else list(LEVER_METRICS)
    if isinstance(metrics, str) or not names:
        raise ValueError(f"metrics must be a non-empty list of output names, got {metrics!r}")
    for m in names:
        check_metric(m)
    base = as_scenario(baseline) if isinstance(baseline, Scenario) else Scenario("baseline", policy=baseline)
    if base.interventions:
        raise ValueError(
            f"the baseline scenario '{base.name}' has interventions; levers move policy fields from day 0, so give a "
            "baseline without interventions"
        )
    start, goal = base.policy, _policy_of(target)
    if fields is None:
        chosen = [f for f in FIELD_NAMES if start[f] != goal[f]]
        if not chosen:
            raise ValueError("the baseline and target policies are the same: no lever moves")
    else:
        if isinstance(fields, str):
            raise ValueError(f"fields must be a list of policy fields, e.g. [{fields!r}]")
        chosen = list(fields)
        for f in chosen:
            if f not in FIELD_NAMES:
                start[f]  # KeyError naming the closest field
        if not chosen:
            raise ValueError(
                "fields is empty; give at least one policy field (allowed: " + ", ".join(FIELD_NAMES) + ")"
            )
    scenarios = [base.replace(name="baseline")]
    scenarios += [base.replace(name=f, policy=start.replace(**{f: goal[f]})) for f in chosen]
    scenarios.append(base.replace(name=ALL, policy=goal))
    if replicates is None:
        replicates = REPLICATES if params is None else REPLICATES_PER_DRAW
    exp = Experiment(
        scenarios,
        replicates=replicates,
        years=years,
        seed=seed,
        warmup_years=warmup_years,
        params=params,
        draws=draws,
    )
    res = exp.run(progress=progress, threads=threads, description="culturesim levers")
    table = res.compare_all("baseline", metrics=names, window=window, level=level)
    table = table.rename(columns={"scenario": "lever"})
    described = {f["name"]: f["description"] for f in Policy.fields()}
    table["description"] = [described.get(x, "every lever at once: the target policy") for x in table["lever"]]
    table["from"] = [start[x] if x != ALL else np.nan for x in table["lever"]]
    table["to"] = [goal[x] if x != ALL else np.nan for x in table["lever"]]
    points = table["metric"].map(reads_in_points)
    table["reading"] = np.where(points, "points", "relative")
    # Points: 100 x the difference of shares; relative: 100 x (b / a - 1) with its ratio interval.
    table["effect"] = 100 * np.where(points, table["difference"], table["relative"])
    table["effect_low"] = 100 * np.where(points, table["ci_low"], table["rel_low"])
    table["effect_high"] = 100 * np.where(points, table["ci_high"], table["rel_high"])
    order = {m: i for i, m in enumerate(names)}
    table = table.assign(
        _metric=table["metric"].map(order), _all=table["lever"] == ALL, _size=-table["effect"].abs()
    ).sort_values(["_metric", "_all", "_size"], kind="stable")
    first = ["metric", "lever", "effect", "effect_low", "effect_high", "reading", "from", "to"]
    table = table[first + [c for c in table.columns if c not in first and not c.startswith("_")]]
    table = table.reset_index(drop=True)
    table.attrs.update(
        baseline=_name(baseline, start),
        target=_name(target, goal),
        years=exp.years,
        replicates=exp.replicates,
        draws=None if exp.draw_sets is None else len(exp.draw_sets),
        level=level,
        window=window,
    )
    return table


def _name(given: Any, policy: Policy) -> str:
    if isinstance(given, str):
        return given
    if isinstance(given, Scenario):
        return given.name
    return f"b={policy.blame_level:g}" if policy.blame_level is not None else "custom policy"


# -- the tornado chart -------------------------------------------------------------------------
def effect_label(metric: str) -> str:
    """The label of a metric's effect, from the metric registry: percentage points for shares,
    else relative %.

    >>> effect_label("burnout_prevalence"), effect_label("harm_events")
    ('change in burnout (share of staff), percentage points', 'change in harm events, %')
    """
    label = METRICS[metric].label
    return f"change in {label[0].lower() + label[1:]}, {'percentage points' if reads_in_points(metric) else '%'}"


def plot_tornado(table: Any, metric: str | None = None, ax: Any = None, top: int | None = None):
    """A tornado chart of ``cs.levers``'s table for one metric (default its first): each lever's
    effect with its interval, largest on top, and the whole target policy in grey for reference.

    Effects read as the table's ``reading`` says: percentage points for shares (burnout), else
    relative %. top: only the ``top`` largest levers. Returns the matplotlib Axes.
    """
    import matplotlib.pyplot as plt
    import pandas as pd

    metrics = list(dict.fromkeys(table["metric"]))
    metric = metrics[0] if metric is None else metric
    if metric not in metrics:
        raise KeyError(f"metric '{metric}' is not in the table; it has: {', '.join(metrics)}")
    rows = table[table["metric"] == metric]
    whole = rows[rows["lever"] == ALL]
    rows = rows[rows["lever"] != ALL]
    if top is not None:
        rows = rows.head(top)
    rows = pd.concat([whole, rows]).iloc[::-1]  # largest at the top, the whole policy above them
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 0.38 * len(rows) + 1.6), constrained_layout=True)
    y = np.arange(len(rows))
    effect = rows["effect"].to_numpy(float)
    err = np.vstack([effect - rows["effect_low"].to_numpy(float), rows["effect_high"].to_numpy(float) - effect])
    colours = ["0.6" if lever == ALL else "tab:blue" for lever in rows["lever"]]
    ax.barh(y, effect, xerr=np.abs(err), color=colours, alpha=0.85, capsize=3, height=0.65)
    ax.axvline(0, color="black", linewidth=0.8)
    labels = [
        f"all levers ({table.attrs.get('target', 'target')})"
        if lever == ALL
        else f"{lever.replace('_', ' ')}  {f:.2f} → {t:.2f}"
        for lever, f, t in zip(rows["lever"], rows["from"], rows["to"])
    ]
    ax.set_yticks(y, labels)
    ax.set_xlabel(effect_label(metric))
    attrs = table.attrs
    over = f"{attrs['draws']} parameter draws" if attrs.get("draws") else f"{attrs.get('replicates', '?')} replicates"
    ax.set_title(
        f"Each lever alone, {attrs.get('baseline', 'baseline')} → {attrs.get('target', 'target')} "
        f"({over}, {100 * attrs.get('level', 0.95):.0f}% intervals)",
        fontsize=10,
    )
    ax.grid(alpha=0.3, axis="x")
    return ax
