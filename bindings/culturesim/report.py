"""Figures of a results file and one self-contained HTML report a board could be handed.

The report (``culturesim report results.h5 -o report.html``, or :func:`write_report`) is one HTML
file with nothing outside it: figures are embedded as base64 PNG, the style is inline. It works on
any results file, over fixed parameters or posterior draws, and holds: an executive summary
written from the numbers (direction, size, interval and what the interval includes); what was
run; the changes against a baseline, labelled for people (shares in percentage points); the
economics with their intervals; per-unit and per-role changes when the file has a breakdown;
limitations (parameters that are assumptions and how much of the savings rest on them, years
beyond what studies followed); figures; and the file's provenance.

>>> import culturesim as cs, tempfile, os
>>> res = cs.Experiment(["typical", "just_culture"], replicates=2, years=1, warmup_years=0).run(progress=False)
>>> page = report_html(res)
>>> page.startswith("<!DOCTYPE html>") and page.count("data:image/png;base64,") >= 2
True
"""

from __future__ import annotations

import base64
import html
import io
import math
import os
from collections.abc import Sequence
from typing import Any

from .evidence import EVIDENCE_YEARS, PROJECTION_NOTE, beyond_evidence
from .metrics import COMPARED, EFFECTS, HEADLINE, METRICS, change_text

#: The outputs of the report's comparison tables (those `culturesim compare` shows).
REPORT_METRICS = COMPARED


# -- figures ---------------------------------------------------------------------------------------
def _pyplot():
    import matplotlib

    if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def trajectories_figure(res: Any, metrics: Sequence[str] | None = None, scenarios: Sequence[str] | None = None):
    """Each metric year by year, one panel each: median and 10-90% band over every run per
    scenario, labelled for people (flows per year, shares in %, counts from zero)."""
    plt = _pyplot()
    metrics = list(metrics or HEADLINE)
    cols = min(3, len(metrics))
    rows = math.ceil(len(metrics) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5.2 * cols, 3.9 * rows), squeeze=False, layout="constrained")
    for k, (ax, metric) in enumerate(zip(axes.flat, metrics)):
        res.plot(metric, scenarios=scenarios, ax=ax)
        if k and ax.get_legend() is not None:
            ax.get_legend().remove()
    for ax in list(axes.flat)[len(metrics) :]:
        ax.set_visible(False)
    fig.suptitle(f"{res.runs_text} x {res.years:g} years per scenario", fontsize=12)
    return fig


def forest_figure(res: Any, baseline: str, other: str, metrics: Sequence[str] = EFFECTS):
    """Paired changes of ``other`` against ``baseline`` with their 95% intervals: the effects,
    relative in % and shares in percentage points (the programme's cost is in the economics)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(10, 0.5 * len(metrics) + 1.8), layout="constrained")
    res.plot_compare(baseline, other, list(metrics), ax=ax)
    ax.set_title(f"{other} against {baseline}", fontsize=11)
    return fig


def costs_figure(res: Any, scenarios: Sequence[str] | None = None):
    """Mean yearly cost of each scenario by part: turnover, harm, claims and the programme."""
    import numpy as np

    from .plotting import compact_number

    plt = _pyplot()
    names = list(scenarios or res.scenarios)
    parts = ("cost_turnover", "cost_harm", "cost_claims", "cost_programme")
    fig, ax = plt.subplots(figsize=(8.5, 0.55 * len(names) + 1.6), layout="constrained")
    left = np.zeros(len(names))
    for k, part in enumerate(parts):
        per_run = res.per_run(part)
        means = np.array([float(np.nanmean(per_run[res._index(n)])) for n in names])
        ax.barh(names, means, left=left, color=f"C{k}", label=METRICS[part].label)
        left += means
    ax.invert_yaxis()
    ax.set_xlabel("US dollars per year (mean over every run)")
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: "$" + compact_number(v)))
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=4, frameon=False, fontsize=9)
    ax.grid(alpha=0.3, axis="x")
    return fig


def figure_bytes(fig, fmt: str = "png", dpi: int = 100) -> bytes:
    """The figure as PNG (or SVG, PDF) bytes; closes it."""
    plt = _pyplot()
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=dpi)
    plt.close(fig)
    return buffer.getvalue()


def figure_format(path: str | os.PathLike) -> str:
    """A figure's format from its suffix: png, svg or pdf; ValueError naming the file otherwise."""
    fmt = os.path.splitext(os.fspath(path))[1].lower().lstrip(".") or "png"
    if fmt not in ("png", "svg", "pdf"):
        raise ValueError(f"figure '{os.fspath(path)}': the suffix must be .png, .svg or .pdf, got '.{fmt}'")
    return fmt


def write_plot(
    res: Any, path: str | os.PathLike, metrics: Sequence[str] | None = None, scenarios: Sequence[str] | None = None
) -> None:
    """The trajectory figure into ``path``; PNG, SVG or PDF by its suffix."""
    fmt = figure_format(path)
    data = figure_bytes(trajectories_figure(res, metrics, scenarios), fmt=fmt, dpi=110)
    with open(path, "wb") as out:
        out.write(data)


# -- the words -------------------------------------------------------------------------------------
def _size_text(metric: str, c: dict[str, Any]) -> tuple[str, str]:
    """(the change in words with its interval, the interval's reading) of one compare() row."""
    points = METRICS[metric].change == "points"
    value, low, high = (
        (c["diff"], c["ci_low"], c["ci_high"]) if points else (c["relative"], c["rel_low"], c["rel_high"])
    )
    unit = " percentage points" if points else "%"
    if not math.isfinite(value):
        return "could not be estimated", ""
    verb = "up" if value > 0 else "down" if value < 0 else "unchanged,"
    interval = f"{change_text(metric, low)} to {change_text(metric, high)}" if math.isfinite(low) else "no interval"
    reading = "not distinguishable from no change" if math.isfinite(low) and low <= 0 <= high else ""
    return f"{verb} {100 * abs(value):.1f}{unit} ({interval})", reading


def summary_items(res: Any, baseline: str, other: str, econ: Any, level: float = 0.95) -> list[str]:
    """The executive summary of one scenario against the baseline, as sentences from the numbers."""
    items = []
    for metric in HEADLINE:
        if metric == "cost_total":
            continue
        c = res.compare(baseline, other, metric, level=level)
        size, reading = _size_text(metric, c)
        text = f"{METRICS[metric].label}: {size}"
        items.append(text + (f": {reading}." if reading else "."))
    if econ is not None:
        rows = econ[econ["scenario"] == other].set_index("measure")
        from .board import human_money, human_percent

        prog, save, roi = rows.loc["programme_cost_pv"], rows.loc["savings_pv"], rows.loc["roi"]
        horizon = econ.attrs.get("horizon", res.years)
        sentence = (
            f"Over {horizon:g} years the programme costs {human_money(prog['value'])} and saves "
            f"{human_money(save['value'])} (present values; savings {human_money(save['ci_low'])} to "
            f"{human_money(save['ci_high'])})"
        )
        if math.isfinite(roi["value"]):
            sentence += (
                f": a return on investment of {human_percent(roi['value'], 0)} "
                f"({human_percent(roi['ci_low'], 0)} to {human_percent(roi['ci_high'], 0)})"
            )
            low, high = roi["ci_low"], roi["ci_high"]
            # An interval on both sides of 0: the programme may as well lose money as pay for itself.
            sentence += ": not distinguishable from breaking even." if low < 0 < high else "."
        else:
            sentence += ": no return on investment is defined (the programme costs no more than the baseline's)."
        items.append(sentence)
    return items


# -- the report ------------------------------------------------------------------------------------
_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; max-width: 1100px; margin: 2em auto;
       padding: 0 1em; color: #1d1d1f; line-height: 1.45; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; } h2 { margin-top: 1.8em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.92em; }
th, td { padding: 0.25em 0.7em; border-bottom: 1px solid #e3e3e3; text-align: right; vertical-align: top; }
th { background: #f3f4f6; } td.text, th.text { text-align: left; }
figure { margin: 1em 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: 0.9em; color: #555; } .note { color: #555; font-size: 0.92em; }
.lead { font-size: 1.1em; } code { background: #f3f4f6; padding: 0 0.25em; }
.summary { background: #f6f8fa; border-left: 4px solid #3a6ea5; padding: 0.6em 1.2em; }
.caveat { color: #7a4b00; font-size: 0.9em; }
"""


def _e(text: Any) -> str:
    return html.escape(str(text))


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]], text_columns: int = 1, cls: str = "") -> str:
    def cell(tag: str, value: Any, i: int) -> str:
        kind = ' class="text"' if i < text_columns else ""
        return f"<{tag}{kind}>{_e(value)}</{tag}>"

    head = "".join(cell("th", h, i) for i, h in enumerate(header))
    body = "".join("<tr>" + "".join(cell("td", v, i) for i, v in enumerate(r)) + "</tr>" for r in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _figure(fig, caption: str) -> str:
    data = base64.b64encode(figure_bytes(fig)).decode("ascii")
    return f'<figure><img alt="{_e(caption)}" src="data:image/png;base64,{data}"><figcaption>{_e(caption)}</figcaption></figure>'


def _change_rows(table: Any) -> list[list[Any]]:
    """Rows of a human() compare_all table for the report: label, unit, baseline, scenario, the
    change as people read it and its interval."""
    rows = []
    for _, r in table.iterrows():
        points = r.get("change") == "points"
        unit = "% of staff" if points else METRICS[r["metric"]].rate_unit
        change = r["difference"] if points else r["relative"]
        interval = f"{r['ci_low']} to {r['ci_high']}" if points else f"{r['rel_low']} to {r['rel_high']}"
        rows.append([r["label"], unit, r["baseline"], r["value"], change, interval])
    return rows


def _caveats(metrics: Sequence[str]) -> str:
    notes = [f"<li><b>{_e(METRICS[m].label)}</b>: {_e(METRICS[m].caveat)}.</li>" for m in metrics if METRICS[m].caveat]
    return f"<ul class='caveat'>{''.join(notes)}</ul>" if notes else ""


def report_html(
    res: Any,
    baseline: str | None = None,
    horizon: float | None = None,
    rate: float | None = None,
    title: str | None = None,
    level: float = 0.95,
) -> str:
    """The report as one HTML text (see the module's docstring)."""
    from .board import DISCOUNT_RATE, MEASURE_LABELS, MEASURES, compare_all, economics, human
    from .intervals import describe
    from .overview import scenarios as overview
    from .overview import warmup_text
    from .policy import FIELD_NAMES
    from .recording import recording_name

    rate = DISCOUNT_RATE if rate is None else rate
    base = res.scenarios[res._index(baseline)] if baseline is not None else res.scenarios[0]
    others = [s for s in res.scenarios if s != base]
    name = os.path.basename(res.path) if res.path else "results in memory"
    title = title or res.provenance.get("description") or f"culturesim results: {name}"
    pct = f"{100 * level:g}%"
    finished = bool(res.done.any())
    n_runs = int(res.done[0].sum())
    what_intervals = describe(res.uncertainty, res.draws, n_runs, level)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="lead">{len(res.scenarios)} scenarios, each {res.runs_text} x {res.years:g} years of the '
        f"culturesim hospital model ({int(res.done.sum())}/{res.done.size} runs finished), compared with "
        f"<b>{_e(base)}</b>.</p>",
    ]
    econ = None
    if others and finished:
        econ = economics(res, base, others, horizon=horizon, rate=rate, level=level)
        parts.append('<h2>Summary</h2><div class="summary">')
        for other in others:
            parts.append(f"<p><b>{_e(other)}</b> against {_e(base)}:</p><ul>")
            parts.extend(f"<li>{_e(item)}</li>" for item in summary_items(res, base, other, econ, level))
            parts.append("</ul>")
        parts.append(
            f'<p class="note">Flows are means per year over the whole run, levels (shares of staff) over its last '
            f"year; changes of shares are in percentage points, others relative. Intervals: {_e(what_intervals)}."
            + (f" {_e(PROJECTION_NOTE[0].upper() + PROJECTION_NOTE[1:])}." if beyond_evidence(None, res.years) else "")
            + "</p></div>"
        )

    # What was run.
    scen = overview(res)
    parts.append("<h2>What was run</h2>")
    record = recording_name(int(res.attrs["record_every"])) if "record_every" in res.attrs else "?"
    parts.append(
        _table(
            ["setting", "value"],
            [
                ["scenarios", ", ".join(res.scenarios)],
                ["parameters", f"{res.draws} draws from the posterior" if res.draws > 1 else "one fixed set"],
                ["replicates per scenario" + (" and draw" if res.draws > 1 else ""), res.replicates],
                ["years per run (after the warm-up)", f"{res.years:g}"],
                ["warm-up", warmup_text(res.attrs)],
                ["recorded every", record],
                ["random seed", res.seed],
                ["results file", name],
            ],
            text_columns=2,
        )
    )
    parts.append("<h3>Scenarios and their interventions</h3>")
    parts.append(
        _table(
            ["scenario", "hospital", "interventions"],
            [[s["name"], s["hospital"], "; ".join(s["interventions"]) or "none"] for s in scen],
            text_columns=3,
        )
    )
    parts.append(
        f"<h3>Policy at the end of the run (year {res.years:g}), after the interventions</h3>"
        '<p class="note">Each field is a probability or level from 0 to 1 (docs/model.md); "a &rarr; b": an '
        "intervention changed it from a to b.</p>"
    )
    rows = []
    for field in FIELD_NAMES:
        row = [field.replace("_", " ")]
        for s in scen:
            a, b = s["policy_start"].get(field), s["policy_end"].get(field)
            row.append("n/a" if a is None or b is None else f"{a:.3g} → {b:.3g}" if abs(a - b) > 1e-12 else f"{b:.3g}")
        rows.append(row)
    parts.append(_table(["policy field", *res.scenarios], rows))

    if others and finished:
        table = human(compare_all(res, base, others, REPORT_METRICS, level=level))
        parts.append(f"<h2>What changes against {_e(base)}</h2>")
        parts.append(
            f'<p class="note">Means per year over the whole run (flows) or over its last year (shares of staff); '
            f"change: relative for counts and costs, in percentage points for shares, with its {pct} interval "
            f"({_e(what_intervals)}).</p>"
        )
        header = ["measure", "unit", base, "scenario", "change", f"{pct} interval"]
        for other in others:
            parts.append(f"<h3>{_e(other)}</h3>")
            parts.append(_table(header, _change_rows(table[table["scenario"] == other]), text_columns=2))
        parts.append(_caveats(REPORT_METRICS))

        span = horizon if horizon is not None else res.years
        parts.append(f"<h2>Economics over {span:g} years</h2>")
        shown = human(econ)
        parts.append(
            f'<p class="note">Totals over the horizon; PV: present value, discounted to day 0 at '
            f"{100 * rate:g}% a year (the reference-case rate of the Second Panel on "
            "Cost-Effectiveness in Health and Medicine, Sanders et al., JAMA 2016). Costs in US dollars. "
            f"Intervals: {_e(str(econ['interval'].iloc[0]))}.</p>"
        )
        header = ["measure", "unit", *others]
        rows = []
        for measure in MEASURES:
            row = [MEASURE_LABELS[measure], MEASURES[measure][0]]
            for other in others:
                r = shown[(shown["scenario"] == other) & (shown["measure"] == measure)].iloc[0]
                row.append(f"{r['value']} ({r['ci_low']} to {r['ci_high']})")
            rows.append(row)
        parts.append(_table(header, rows, text_columns=2))
        parts.append(
            "<ul class='note'>"
            + "".join(f"<li><b>{_e(MEASURE_LABELS[m])}</b>: {_e(d)}</li>" for m, (_, d) in MEASURES.items())
            + "</ul>"
        )
        parts.append(_figure(costs_figure(res), "Mean yearly cost of each scenario, by part"))

        if res.breakdown:
            parts.extend(_breakdown_section(res, base, others, level))

    parts.extend(_limitations_section(res, base, others if finished else [], horizon, rate))

    parts.append("<h2>Figures</h2>")
    if finished:
        parts.append(
            _figure(
                trajectories_figure(res),
                "The headline metrics year by year, every scenario (lines: median; bands: 10-90% of runs)",
            )
        )
        for other in others:
            parts.append(
                _figure(forest_figure(res, base, other), f"{other} against {base}: paired changes of the effects")
            )
    else:
        parts.append("<p>No run is finished yet: there is nothing to show.</p>")

    # How to read it.
    parts.append("<h2>How to read the intervals</h2>")
    runs = (
        f"Every scenario is run with each of {res.draws} parameter sets drawn from the calibrated posterior, "
        f"{res.replicates} time{'s' if res.replicates != 1 else ''} each. "
        if res.draws > 1
        else f"Every scenario is run {res.replicates} times (replicates) with one parameter set. "
    )
    parts.append(
        f"<p>{runs}Run r of every scenario uses the same random numbers, so it meets the same errors by chance, and "
        "a difference between two scenarios in one run is what the scenario changes, not luck (<i>common random "
        f"numbers</i>; the differences are <i>paired</i>). A {pct} interval is the range the true change lies in "
        f"with {pct} confidence: here, {_e(what_intervals)}. An interval that does not contain 0 is a change the "
        "experiment can tell from chance; one that contains 0 is not."
        + (
            " Intervals over one parameter set say nothing about whether the parameters are right: run the "
            "experiment over posterior draws (params=posterior) for that."
            if res.draws == 1
            else ""
        )
        + "</p>"
    )
    parts.append(
        f"<p>All scenarios start from the same hospital, warmed up for {_e(warmup_text(res.attrs))}: differences "
        "are zero on day 0 and grow with the scenario's effect.</p>"
    )

    # Provenance.
    parts.append("<h2>Provenance</h2>")
    from .provenance import shown

    prov = shown(res.provenance)  # only what is safe to hand a board (docs/safety.md)
    rows = [[k, "; ".join(v) if isinstance(v, list) else v] for k, v in prov.items() if v != ""]
    if not rows:
        rows = [["provenance", "none recorded (a file written before culturesim recorded provenance)"]]
    rows.append(["report written with", f"culturesim {res.attrs.get('engine_version', '?')}"])
    parts.append(_table(["field", "value"], rows, text_columns=2))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _breakdown_section(res: Any, base: str, others: Sequence[str], level: float) -> list[str]:
    """Per unit and per role: the headline changes of each scenario (a file with a breakdown)."""
    from .board import GROUP_COLUMNS, compare_all, human

    metrics = [m for m in HEADLINE if m != "cost_total"]
    out = [
        "<h2>By unit and by role</h2>",
        '<p class="note">The same paired changes for each unit and each role of the hospital (their own '
        "clinicians and events); shares in percentage points, others relative.</p>",
    ]
    for by in ("unit", "role"):
        table = human(compare_all(res, base, others, metrics, level=level, by=by))
        for other in others:
            rows = []
            for group, part in table[table["scenario"] == other].groupby(GROUP_COLUMNS[by], sort=False):
                cells = [group]
                for _, r in part.iterrows():
                    points = r["change"] == "points"
                    value, low, high = (
                        (r["difference"], r["ci_low"], r["ci_high"])
                        if points
                        else (r["relative"], r["rel_low"], r["rel_high"])
                    )
                    cells.append(f"{value} ({low} to {high})")
                rows.append(cells)
            header = [
                by,
                *[f"{METRICS[m].label}{' (points)' if METRICS[m].change == 'points' else ''}" for m in metrics],
            ]
            out.append(f"<h3>{_e(other)} against {_e(base)}, by {by}</h3>")
            out.append(_table(header, rows))
    return out


def _limitations_section(res: Any, base: str, others: Sequence[str], horizon: float | None, rate: float) -> list[str]:
    """Parameters that are assumptions, how much of the savings rest on them, and projections."""
    from .limitations import assumed_costs, assumptions, savings_shares

    table = assumptions()
    drawn = table[table["drawn"]]
    out = ["<h2>Limitations</h2>", "<ul>"]
    if res.draws > 1:
        carried = (
            f"{len(drawn)} of them are drawn from the posterior in this experiment, so their uncertainty is in its "
            f"intervals; the other {len(table) - len(drawn)} are fixed at their defaults"
            if len(drawn)
            else "The posterior draws the calibrated parameters, not these: they are fixed at their defaults"
        ) + (
            ", and their uncertainty is in no interval (cs.sensitivity measures how much an effect depends on "
            "them). Each draw also draws every cost from its range, so the economics' intervals carry cost "
            "uncertainty."
        )
    else:
        carried = (
            "This experiment runs one fixed parameter set, so no interval includes the uncertainty of any "
            "parameter or cost; run it over posterior draws for that."
        )
    out.append(
        f"<li><b>Assumptions.</b> {len(table)} of the model's parameters (costs aside) rest on judgement rather "
        f"than a cited figure (docs/parameters.md says which). {carried}</li>"
    )
    assumed = assumed_costs()
    for other in others:
        shares = savings_shares(res, base, other, horizon, rate)
        if not all(math.isfinite(v) for v in shares.values()):
            continue
        resting = sum(v for p, v in shares.items() if p in assumed)
        parts = ", ".join(f"{METRICS[p].label.lower()} {round(100 * v) + 0:.0f}%" for p, v in shares.items())
        prices = sorted({price for p in shares if p in assumed for price in assumed[p]})
        out.append(
            f"<li><b>{_e(other)}: savings by part.</b> {_e(parts)}. {100 * resting:.0f}% of the savings come "
            "from costs priced at least in part by an assumption"
            + (f" ({_e(', '.join(prices))})" if prices else "")
            + ".</li>"
        )
    if beyond_evidence(None, res.years):
        out.append(
            f"<li><b>Projections.</b> The runs last {res.years:g} years; {_e(PROJECTION_NOTE)}. Figures shade those "
            "years, and the model's figures for them are not backed by studies of real hospitals.</li>"
        )
    else:
        out.append(
            f"<li><b>Horizon.</b> The runs last {res.years:g} years, within the {EVIDENCE_YEARS:g} years that "
            "intervention studies followed hospitals.</li>"
        )
    out.append("</ul>")
    return out


def write_report(res: Any, path: str | os.PathLike, **options: Any) -> None:
    """The report into ``path`` (options as report_html)."""
    text = report_html(res, **options)
    with open(path, "w", encoding="utf-8") as out:
        out.write(text)
