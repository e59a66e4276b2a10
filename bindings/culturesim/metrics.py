"""The metric registry: every metric an analysis can show, recorded by the engine or derived, once.

Each :class:`Metric` holds what people read: a label and a unit, its kind (a *flow* is counted
over time and shown per year; a *level* is a state, shown as its mean over a window), how a change
is read (``relative``: b / a - 1, in %; ``points``: a share's change in percentage points, as
surveys and boards read burnout), whether it is a *headline* metric a board sees first (its rank, 0 for none), and a
caveat where the number is easily misread. Stored metrics take kind, unit and description from
the engine's output table (agents/output_table.def, through ``_engine.output_specs``); this module
adds only what people need, and a test checks that every engine output has an entry here and no
entry names an output the engine does not record. Derived metrics are sums of stored ones,
optionally divided by a level (``per``: a share of staff). Figures, tables, the report and the
command line take labels and units from here.

>>> from culturesim.metrics import METRICS, label, change_text
>>> METRICS["burnout_prevalence"].change, label("burnout_prevalence")
('points', 'Burnout (share of staff)')
>>> change_text("burnout_prevalence", -0.063), change_text("harm_events", -0.112)
('-6.3 points', '-11.2%')
>>> METRICS["harm_events"].rate_unit
'events per year'
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _engine

_ENGINE: dict[str, dict[str, str]] = {o["name"]: o for o in _engine.output_specs()}


@dataclass(frozen=True)
class Metric:
    """One metric: ``name`` as in code and files; ``label`` and ``unit`` for people; ``kind`` flow
    or level; ``change`` relative or points; ``headline``; ``caveat`` (shown wherever the metric
    is); ``parts`` and ``per`` for a derived metric (sum of parts, divided by ``per`` if given)."""

    name: str
    label: str
    unit: str
    kind: str
    description: str
    change: str = "relative"
    headline: int = 0
    caveat: str = ""
    parts: tuple[str, ...] = ()
    per: str | None = None

    @property
    def derived(self) -> bool:
        return bool(self.parts)

    @property
    def flow(self) -> bool:
        return self.kind == "flow"

    @property
    def share(self) -> bool:
        return self.unit == "share"

    @property
    def money(self) -> bool:
        return self.unit == "USD"

    @property
    def rate_unit(self) -> str:
        """The unit of the numbers analyses show: flows per year, shares as % of staff."""
        if self.share:
            return "% of staff"
        return f"{self.unit} per year" if self.flow else self.unit

    @property
    def title(self) -> str:
        """Label and unit together, for an axis or a table row: "Harm events (events per year)"."""
        return f"{self.label} ({self.rate_unit})"


# What people read of each engine output: label, how a change is read, and any caveat. Kind, unit
# and description come from the engine's table.
_SV_STARTED_CAVEAT = (
    "counts episodes, not clinicians: support that ends episodes sooner lets more of them start, so "
    "this can rise while fewer clinicians are second victims; the survey-comparable figure is "
    "clinicians with an episode in the past year"
)
_STORED: dict[str, dict[str, Any]] = {
    "errors_human": {"label": "Errors: human error"},
    "errors_at_risk": {"label": "Errors: at-risk shortcuts"},
    "errors_reckless": {"label": "Errors: reckless acts"},
    "near_misses": {"label": "Near misses"},
    "errors_no_harm": {"label": "Errors that reached the patient without harm"},
    "harm_mild": {"label": "Harm events: mild"},
    "harm_moderate": {"label": "Harm events: moderate"},
    "harm_severe": {"label": "Harm events: severe"},
    "reports": {"label": "Incident reports", "headline": 2},
    "reports_harm": {"label": "Harm events reported"},
    "detected_unreported": {"label": "Unreported events detected"},
    "console": {"label": "Events answered with emotional first aid"},
    "coach": {"label": "Events answered with coaching"},
    "punish": {"label": "Events answered with punishment"},
    "discipline": {"label": "Events answered with discipline"},
    "misclassified": {"label": "Events misclassified"},
    "rca": {"label": "Systems analyses (RCA)"},
    "fixes": {"label": "System fixes"},
    "hazards": {"label": "Latent system hazards"},
    "distress_mean": {"label": "Mean distress"},
    "distress_p90": {"label": "Distress, 90th percentile"},
    "burnout_prevalence": {"label": "Burnout (share of staff)", "change": "points", "headline": 4},
    "burnout_mean": {"label": "Mean burnout score"},
    "moral_residue_mean": {"label": "Mean moral residue"},
    "shortcut_mean": {"label": "Share of work done by shortcut", "change": "points"},
    "psych_safety_mean": {"label": "Mean psychological safety"},
    "report_value_mean": {"label": "Mean belief that reporting helps"},
    "sv_active": {"label": "Clinicians in a second-victim episode now"},
    "sv_active_over_year": {"label": "Clinicians in an episode over 12 months old"},
    "sv_past_year": {"label": "Clinicians with a second-victim episode in the past year"},
    "sv_unrecovered_year": {"label": "Episodes not recovered after 12 months"},
    "sv_started": {"label": "Second-victim episodes started", "caveat": _SV_STARTED_CAVEAT},
    "sv_thriving": {"label": "Episodes ended thriving"},
    "sv_surviving": {"label": "Episodes ended surviving"},
    "sv_dropping_out": {"label": "Episodes ended by leaving the job"},
    "quits": {"label": "Clinicians who quit", "headline": 5},
    "dismissals": {"label": "Clinicians dismissed"},
    "hires": {"label": "New hires"},
    "vacancies": {"label": "Vacant posts"},
    "headcount": {"label": "Clinicians on staff"},
    "disclosed_empathic": {"label": "Harm disclosed with empathy"},
    "disclosed_defensive": {"label": "Harm disclosed defensively"},
    "concealed": {"label": "Harm not disclosed"},
    "claims": {"label": "Malpractice claims"},
    "cost_turnover": {"label": "Cost of turnover"},
    "cost_harm": {"label": "Cost of harm"},
    "cost_claims": {"label": "Cost of claims"},
    "cost_support": {"label": "Cost of peer support"},
    "cost_training": {"label": "Cost of Just Culture training"},
    "cost_rca": {"label": "Cost of systems analyses"},
    "cost_coaching": {"label": "Cost of coaching"},
}

_DERIVED: tuple[Metric, ...] = (
    Metric(
        "harm_events",
        "Harm events",
        "events",
        "flow",
        "Errors with harm (mild or worse).",
        headline=1,
        parts=("harm_mild", "harm_moderate", "harm_severe"),
    ),
    Metric(
        "errors",
        "All errors",
        "errors",
        "flow",
        "All errors.",
        parts=("errors_human", "errors_at_risk", "errors_reckless"),
    ),
    Metric(
        "sv_past_year_share",
        "Second victims in the past year (share of staff)",
        "share",
        "level",
        "Share of clinicians on staff who were in a second-victim episode at some time in the past 365 days "
        "(what surveys such as SeViD ask).",
        change="points",
        headline=3,
        parts=("sv_past_year",),
        per="headcount",
    ),
    Metric(
        "cost_programme",
        "Programme cost",
        "USD",
        "flow",
        "Running costs of the culture programme: support, training, analyses and coaching.",
        parts=("cost_support", "cost_training", "cost_rca", "cost_coaching"),
    ),
    Metric(
        "cost_total",
        "Total cost",
        "USD",
        "flow",
        "All costs, the programme's included.",
        headline=6,
        parts=(
            "cost_turnover",
            "cost_harm",
            "cost_claims",
            "cost_support",
            "cost_training",
            "cost_rca",
            "cost_coaching",
        ),
    ),
    Metric(
        "departures",
        "Clinicians who left",
        "clinicians",
        "flow",
        "Clinicians who left (quit or dismissed).",
        parts=("quits", "dismissals"),
    ),
)


def _registry() -> dict[str, Metric]:
    missing = sorted(set(_ENGINE) - set(_STORED))
    unknown = sorted(set(_STORED) - set(_ENGINE))
    if missing or unknown:  # the engine's table and this one must name the same outputs
        raise ImportError(f"metric registry out of step with the engine: no entry for {missing}; no output {unknown}")
    out = {
        name: Metric(name=name, unit=spec["unit"], kind=spec["kind"], description=spec["description"], **_STORED[name])
        for name, spec in _ENGINE.items()
    }
    for m in _DERIVED:
        out[m.name] = m
    return out


#: Every metric by name: the engine's outputs in table order, then the derived ones.
METRICS: dict[str, Metric] = _registry()
#: Derived metrics: name -> (parts summed, kind, unit, description).
DERIVED: dict[str, tuple[tuple[str, ...], str, str, str]] = {
    m.name: (m.parts, m.kind, m.unit, m.description) for m in _DERIVED
}
#: The metrics a board reads first, in the order of their ``headline`` rank: harm, reports, second
#: victims in the past year, burnout, quits and costs.
HEADLINE: tuple[str, ...] = tuple(
    sorted((n for n, m in METRICS.items() if m.headline), key=lambda n: METRICS[n].headline)
)
#: The metrics compared by default: the demo's table, `culturesim compare` and reports. Costs are
#: shown by part; the programme's own cost belongs with the economics, not the effects.
COMPARED: tuple[str, ...] = (
    "harm_events",
    "reports",
    "sv_past_year_share",
    "sv_started",
    "burnout_prevalence",
    "quits",
    "cost_turnover",
    "cost_harm",
    "cost_claims",
    "cost_programme",
    "cost_total",
)
#: The effects drawn in forest plots: what the programme changes, without its own cost.
EFFECTS: tuple[str, ...] = (
    "harm_events",
    "reports",
    "sv_past_year_share",
    "burnout_prevalence",
    "quits",
    "cost_turnover",
    "cost_harm",
    "cost_claims",
)


def check_metric(name: str) -> str:
    """The name itself, or KeyError naming the closest metric."""
    if isinstance(name, str) and name in METRICS:
        return name
    import difflib

    close = difflib.get_close_matches(str(name), list(METRICS), n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    raise KeyError(f"unknown output '{name}'{hint}")


def metric(name: str) -> Metric:
    return METRICS[check_metric(name)]


def kind(name: str) -> str:
    return metric(name).kind


def unit(name: str) -> str:
    return metric(name).unit


def is_flow(name: str) -> bool:
    return metric(name).flow


def label(name: str) -> str:
    return metric(name).label


def values(name: str, get: Any) -> np.ndarray:
    """A metric's values from a getter of stored outputs (``get(output) -> array``): stored ones
    as they are, derived ones summed (and divided by ``per``, NaN where it is 0)."""
    m = metric(name)
    if not m.derived:
        return get(name)
    total = sum(np.asarray(get(p), dtype=float) for p in m.parts)
    if m.per is None:
        return total
    den = np.asarray(get(m.per), dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, total / np.where(den > 0, den, 1.0), np.nan)


def change_text(name: str, value: float, decimals: int = 1) -> str:
    """A change as people read it: relative in % ("-11.2%"), a share's in points ("-6.3 points").
    ``value`` is the relative change (b / a - 1) or, for shares, the difference of shares."""
    if value is None or not math.isfinite(float(value)):
        return "n/a"
    if metric(name).change == "points":
        return f"{100 * float(value):+.{decimals}f} points"
    return f"{100 * float(value):+,.{decimals}f}%"
