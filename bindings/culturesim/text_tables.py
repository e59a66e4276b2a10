"""Results as plain-text tables for a terminal or a log: the per-scenario summary, paired
comparisons and the economics, labelled from the metric registry (shares in % and their changes in
percentage points, flows per year), each saying what its intervals include.

>>> print(table(["scenario", "harm/yr"], [["typical", "1,567"]]))
scenario  harm/yr
--------  -------
typical     1,567
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .metrics import COMPARED, METRICS, change_text

#: The columns of the per-scenario summary printed by run, sweep, merge and info: metric -> heading.
SUMMARY_COLUMNS = (
    ("harm_events", "harm/yr"),
    ("reports", "reports/yr"),
    ("sv_past_year_share", "SV past yr"),
    ("burnout_prevalence", "burnout"),
    ("quits", "quits/yr"),
    ("cost_total", "cost/yr"),
)


def table(header: Sequence[str], rows: Sequence[Sequence[str]], left: int = 1) -> str:
    """A plain text table: the first ``left`` columns left-aligned, the rest right-aligned."""
    from .terminal import escape  # names and text from a file never reach the terminal raw

    header, rows = [escape(c) for c in header], [[escape(c) for c in r] for r in rows]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            str(c).ljust(w) if i < left else str(c).rjust(w) for i, (c, w) in enumerate(zip(cells, widths))
        ).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


def value_text(metric: str, value: float, signed: bool = False) -> str:
    """A metric's value for a table: shares in % (a signed difference of shares in points), money
    in $ (k, M), counts compactly; ``signed`` for a difference."""
    from .plotting import compact_number

    if value is None or not math.isfinite(value):
        return "n/a"
    m = METRICS[metric]
    if m.share:
        return f"{100 * value:+.1f} pts" if signed else f"{100 * value:.1f}%"
    sign = "-" if value < 0 else "+" if signed and value > 0 else ""
    return sign + ("$" if m.money else "") + compact_number(abs(value))


def difference_text(metric: str, value: float) -> str:
    """A difference in a metric's own unit: points for shares, $ for money."""
    return value_text(metric, value, signed=True)


def summary_table(res: Any) -> str:
    """Per-scenario means of the headline metrics (flows per year over the run, shares in the last year)."""
    rows = []
    for i, name in enumerate(res.scenarios):
        done = res.done[i]
        row = [name, f"{int(done.sum())}/{done.size}"]
        for metric, _ in SUMMARY_COLUMNS:
            per_run = res.per_run(metric)[i][done] if done.any() else np.array([])
            row.append(value_text(metric, float(per_run.mean()) if per_run.size else float("nan")))
        rows.append(row)
    header = ["scenario", "runs"] + [label for _, label in SUMMARY_COLUMNS]
    notes = (
        f"Means over finished runs ({res.runs_text} per scenario), per year over the whole run; SV past yr: "
        "share of\nclinicians with a second-victim episode in the past year, and burnout: share burnt out, both "
        "in the last year.\nIntervals: `culturesim compare`."
    )
    return table(header, rows) + "\n" + notes


def compare_text(
    res: Any, a: str, b: str, metrics: Sequence[str] | None = None, window: tuple[float, float] | None = None
) -> str:
    """The table of paired changes of b against a with 95% intervals, as text."""
    from .evidence import PROJECTION_NOTE, beyond_evidence

    names = list(metrics or COMPARED)
    t = res.compare_table(a, b, names, window)
    n = int(t["n"].min()) if len(t) else 0
    from .terminal import escape

    a_name, b_name = escape(t["a"].iloc[0]), escape(t["b"].iloc[0])
    span = (
        f"years 0-{res.years:g} for flows, the last year for levels"
        if window is None
        else f"years {window[0]:g}-{window[1]:g}"
    )
    rows = []
    for metric, r in t.iterrows():
        points = METRICS[metric].change == "points"
        change = r["diff"] if points else r["relative"]
        low, high = (r["ci_low"], r["ci_high"]) if points else (r["rel_low"], r["rel_high"])
        interval = f"{change_text(metric, low)} to {change_text(metric, high)}" if math.isfinite(low) else "n/a"
        if n < 2:
            interval = "n/a (needs 2+ runs)"
        unit = METRICS[metric].rate_unit.replace(" per year", "/yr")
        rows.append(
            [
                METRICS[metric].label,
                unit,
                value_text(metric, r["mean_a"]),
                value_text(metric, r["mean_b"]),
                difference_text(metric, r["diff"]),
                change_text(metric, change),
                interval,
            ]
        )
    header = ["measure", "unit", a_name, b_name, "difference", "change", "95% interval"]
    over = f"{n} replicate{'s' if n != 1 else ''}" if res.draws <= 1 else f"{res.draws} parameter draws ({n} runs)"
    title = f"{b_name} against {a_name}: paired changes over {over} (common random numbers), {span}"
    notes = [f"  Intervals: {t['interval'].iloc[0]}."] if "interval" in t and len(t) else []
    notes += [f"  {METRICS[m].label}: {METRICS[m].caveat}." for m in names if METRICS[m].caveat]
    if beyond_evidence(window, res.years):
        notes.append(f"  Projection: {PROJECTION_NOTE}.")
    return title + "\n" + table(header, rows, left=2) + ("\n" + "\n".join(notes) if notes else "")


def economics_text(res: Any, baseline: str, others: Sequence[str], horizon: float | None, rate: float) -> str:
    """The economics table (culturesim.board.economics) for people, with what its intervals include."""
    from .board import MEASURE_LABELS, MEASURES, economics, human
    from .terminal import escape

    raw = economics(res, baseline, others, horizon=horizon, rate=rate)
    shown = human(raw)
    span = f"{horizon if horizon is not None else res.years:g} years"
    blocks = []
    for name, part in shown.groupby("scenario", sort=False):
        n = int(part["n"].iloc[0])
        rows = [
            [r["label"], r["unit"], r["value"], f"{r['ci_low']} to {r['ci_high']}" if n > 1 else "n/a"]
            for _, r in part.iterrows()
        ]
        blocks.append(
            f"{escape(name)} against {escape(baseline)}: totals over {span}, present values (PV) at {100 * rate:g}% a year\n"
            + table(["measure", "unit", "value", "95% interval"], rows, left=2)
            + f"\n  Intervals: {part['interval'].iloc[0]}."
        )
    notes = "\n".join(f"  {MEASURE_LABELS[m]} ({m}): {d}" for m, (_, d) in MEASURES.items())
    return "\n\n".join(blocks) + "\n\nMeasures (definitions in docs/python-api.md, culturesim.board):\n" + notes
