"""Figures of a results file and one self-contained HTML report a board could be handed.

The report (``culturesim report results.h5 -o report.html``, or :func:`write_report`) is one HTML
file with nothing outside it: figures are embedded as base64 PNG, the style is inline. It holds
what was run (scenarios, their interventions and the policy after them, the warm-up), the paired
differences against a baseline with their intervals and what those mean, the economics (harm
averted, costs, return on investment; see culturesim.board) and the file's provenance.

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

from .outputs import COMPARED, DERIVED, FLOWS, unit

#: The panels of the trajectory figure when no metrics are given: output -> title.
PANELS = {
    "harm_events": "Harm events (mild, moderate, severe)",
    "reports": "Events reported",
    "sv_started": "Second-victim episodes started",
    "burnout_prevalence": "Burnout prevalence (share of staff)",
    "quits": "Quits (turnover)",
    "cost_total": "Costs: turnover, harm, claims and the programme",
}
#: The outputs of the report's comparison table and forest plots (those `culturesim compare` shows).
REPORT_METRICS = COMPARED


# -- figures ---------------------------------------------------------------------------------------
def _pyplot():
    import matplotlib

    if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def trajectories_figure(res: Any, metrics: Sequence[str] | None = None, scenarios: Sequence[str] | None = None):
    """Each output over time, one panel each: median and 10-90% band over replicates per scenario."""
    from matplotlib.ticker import FuncFormatter, PercentFormatter

    from .board import human_money

    plt = _pyplot()
    metrics = list(metrics or PANELS)
    cols = min(3, len(metrics))
    rows = math.ceil(len(metrics) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5 * cols, 3.6 * rows), squeeze=False, layout="constrained")
    every = int(res.attrs.get("record_every", 30))
    for ax, metric in zip(axes.flat, metrics):
        res.plot(metric, scenarios=scenarios, ax=ax)
        ax.set_title(PANELS.get(metric, metric), fontsize=11)
        if metric in FLOWS or metric in DERIVED:
            ax.set_ylabel(f"{unit(metric)} per {every} days")
        if unit(metric) == "USD":
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: human_money(v)))
        elif unit(metric) == "share":
            ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_xlim(0, res.years)
        if ax is not axes.flat[0] and ax.get_legend() is not None:
            ax.get_legend().remove()
    for ax in list(axes.flat)[len(metrics) :]:
        ax.set_visible(False)
    fig.suptitle(
        f"{res.replicates} replicates x {res.years:g} years per scenario (lines: median; bands: 10-90% of replicates)",
        fontsize=12,
    )
    return fig


def forest_figure(res: Any, baseline: str, other: str, metrics: Sequence[str] = REPORT_METRICS):
    """Relative paired changes of ``other`` against ``baseline`` with their 95% intervals."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 0.42 * len(metrics) + 1.4), layout="constrained")
    res.plot_compare(baseline, other, list(metrics), ax=ax)
    ax.set_title(f"{other} against {baseline}: paired change with its 95% interval", fontsize=11)
    return fig


def figure_bytes(fig, fmt: str = "png", dpi: int = 100) -> bytes:
    """The figure as PNG (or SVG, PDF) bytes; closes it."""
    plt = _pyplot()
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=dpi)
    plt.close(fig)
    return buffer.getvalue()


def write_plot(
    res: Any, path: str | os.PathLike, metrics: Sequence[str] | None = None, scenarios: Sequence[str] | None = None
) -> None:
    """The trajectory figure into ``path``; PNG, SVG or PDF by its suffix."""
    fmt = os.path.splitext(os.fspath(path))[1].lower().lstrip(".") or "png"
    if fmt not in ("png", "svg", "pdf"):
        raise ValueError(f"figure '{os.fspath(path)}': the suffix must be .png, .svg or .pdf, got '.{fmt}'")
    data = figure_bytes(trajectories_figure(res, metrics, scenarios), fmt=fmt, dpi=110)
    with open(path, "wb") as out:
        out.write(data)


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


def report_html(
    res: Any,
    baseline: str | None = None,
    horizon: float | None = None,
    rate: float | None = None,
    title: str | None = None,
    level: float = 0.95,
) -> str:
    """The report as one HTML text (see the module's docstring)."""
    from .board import DISCOUNT_RATE, MEASURES, compare_all, economics, human
    from .overview import scenarios as overview
    from .overview import warmup_text
    from .policy import FIELD_NAMES

    rate = DISCOUNT_RATE if rate is None else rate
    base = res.scenarios[res._index(baseline)] if baseline is not None else res.scenarios[0]
    others = [s for s in res.scenarios if s != base]
    name = os.path.basename(res.path) if res.path else "results in memory"
    title = title or res.provenance.get("description") or f"culturesim results: {name}"
    pct = f"{100 * level:g}%"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="lead">{len(res.scenarios)} scenarios x {res.replicates} replicates x {res.years:g} years of the '
        f"culturesim hospital model ({int(res.done.sum())}/{res.done.size} runs finished), compared with "
        f"<b>{_e(base)}</b>.</p>",
    ]

    # What was run.
    scen = overview(res)
    parts.append("<h2>What was run</h2>")
    parts.append(
        _table(
            ["setting", "value"],
            [
                ["scenarios", ", ".join(res.scenarios)],
                ["replicates per scenario", res.replicates],
                ["years per run (after the warm-up)", f"{res.years:g}"],
                ["warm-up", warmup_text(res.attrs)],
                ["recorded every", f"{res.attrs.get('record_every', '?')} days"],
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
        row = [field]
        for s in scen:
            a, b = s["policy_start"].get(field), s["policy_end"].get(field)
            row.append("n/a" if a is None or b is None else f"{a:.3g} → {b:.3g}" if abs(a - b) > 1e-12 else f"{b:.3g}")
        rows.append(row)
    parts.append(_table(["policy field", *res.scenarios], rows))

    # Results.
    if others and res.done.any():
        table = human(compare_all(res, base, others, REPORT_METRICS, level=level))
        parts.append(f"<h2>What changes against {_e(base)}</h2>")
        parts.append(
            f'<p class="note">Means per year over the whole run (flows) or over its last year (levels such as '
            f"burnout prevalence); difference = scenario − {_e(base)}, with its {pct} interval.</p>"
        )
        for other in others:
            part = table[table["scenario"] == other]
            parts.append(f"<h3>{_e(other)}</h3>")
            parts.append(
                _table(
                    ["measure", "unit", base, other, "difference", f"{pct} interval", "change"],
                    [
                        [
                            r["metric"],
                            r["unit"],
                            r["baseline"],
                            r["value"],
                            r["difference"],
                            f"{r['ci_low']} to {r['ci_high']}",
                            r["relative"],
                        ]
                        for _, r in part.iterrows()
                    ],
                    text_columns=2,
                )
            )
        parts.append(f"<h2>Economics over {horizon if horizon is not None else res.years:g} years</h2>")
        econ = economics(res, base, others, horizon=horizon, rate=rate, level=level)
        shown = human(econ)
        parts.append(
            f'<p class="note">Totals over the horizon; PV: present value, discounted to day 0 at '
            f"{100 * rate:g}% a year (the reference-case rate of the Second Panel on "
            "Cost-Effectiveness in Health and Medicine, Sanders et al., JAMA 2016). Costs in US dollars.</p>"
        )
        header = ["measure", "unit", *others]
        rows = []
        for measure in MEASURES:
            row = [measure.replace("_", " "), MEASURES[measure][0]]
            for other in others:
                r = shown[(shown["scenario"] == other) & (shown["measure"] == measure)].iloc[0]
                row.append(f"{r['value']} ({r['ci_low']} to {r['ci_high']})")
            rows.append(row)
        parts.append(_table(header, rows, text_columns=2))
        parts.append(
            "<ul class='note'>"
            + "".join(f"<li><b>{_e(m.replace('_', ' '))}</b>: {_e(d)}</li>" for m, (_, d) in MEASURES.items())
            + "</ul>"
        )
        parts.append("<h2>Figures</h2>")
        parts.append(_figure(trajectories_figure(res), "Trajectories of the headline outputs, every scenario"))
        for other in others:
            parts.append(_figure(forest_figure(res, base, other), f"{other} against {base}: relative paired changes"))
    elif not res.done.any():
        parts.append("<p>No run is finished yet: there is nothing to compare.</p>")
    else:
        parts.append("<h2>Figures</h2>")
        parts.append(_figure(trajectories_figure(res), "Trajectories of the headline outputs"))

    # How to read it.
    parts.append("<h2>How to read the intervals</h2>")
    parts.append(
        f"<p>Every scenario is run {res.replicates} times (replicates). Replicate r of every scenario uses the "
        "same random numbers, so it meets the same errors by chance, and a difference between two scenarios in "
        "one replicate is what the scenario changes, not luck (<i>common random numbers</i>; the differences are "
        f"<i>paired</i>). A {pct} interval is the range in which the true mean difference lies with {pct} "
        "confidence, given the spread of the paired differences over replicates (a t interval). An interval "
        "that does not contain 0 is a change the experiment can tell from chance; one that contains 0 is not. "
        "Intervals describe the model's randomness only: they do not include the uncertainty of its parameters "
        "(see docs/validation.md and the sensitivity-analysis notebook).</p>"
    )
    parts.append(
        f"<p>All scenarios start from the same hospital, warmed up for {warmup_text(res.attrs)}: differences are "
        "zero on day 0 and grow with the scenario's effect.</p>"
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


def write_report(res: Any, path: str | os.PathLike, **options: Any) -> None:
    """The report into ``path`` (options as report_html)."""
    text = report_html(res, **options)
    with open(path, "w", encoding="utf-8") as out:
        out.write(text)
