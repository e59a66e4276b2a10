"""What the engine records: output names, units, kinds (flow or level) and descriptions."""

from __future__ import annotations

from . import _engine

OUTPUTS: dict[str, dict[str, str]] = {o["name"]: o for o in _engine.output_specs()}
OUTPUT_NAMES: tuple[str, ...] = tuple(OUTPUTS)
#: Outputs summed over a period (events, costs); the rest are levels at the period's end.
FLOWS: frozenset[str] = frozenset(n for n, o in OUTPUTS.items() if o["kind"] == "flow")
DAYS_PER_YEAR: int = _engine.days_per_year

#: The headline outputs shown by reprs, summaries and the demo.
HEADLINE = (
    "harm_mild",
    "harm_moderate",
    "harm_severe",
    "reports",
    "sv_started",
    "burnout_prevalence",
    "quits",
    "cost_turnover",
    "cost_harm",
    "cost_claims",
    "cost_support",
)


#: The outputs compared by default: the demo's table, `culturesim compare` and reports.
COMPARED = (
    "harm_events",
    "reports",
    "sv_started",
    "sv_active",
    "burnout_prevalence",
    "quits",
    "cost_turnover",
    "cost_harm",
    "cost_claims",
    "cost_programme",
    "cost_total",
)


def check_metric(name: str) -> str:
    """The name itself, or KeyError naming the closest output."""
    if name in OUTPUTS or name in DERIVED:
        return name
    import difflib

    close = difflib.get_close_matches(name, list(OUTPUTS) + list(DERIVED), n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    raise KeyError(f"unknown output '{name}'{hint}")


#: Outputs computed from recorded ones: name -> (parts summed, kind, unit, description).
DERIVED: dict[str, tuple[tuple[str, ...], str, str, str]] = {
    "harm_events": (
        ("harm_mild", "harm_moderate", "harm_severe"),
        "flow",
        "events",
        "Errors with harm (mild or worse).",
    ),
    "errors": (("errors_human", "errors_at_risk", "errors_reckless"), "flow", "errors", "All errors."),
    "cost_programme": (
        ("cost_support", "cost_training", "cost_rca", "cost_coaching"),
        "flow",
        "USD",
        "Running costs of the culture programme: support, training, analyses and coaching.",
    ),
    "cost_total": (
        ("cost_turnover", "cost_harm", "cost_claims", "cost_support", "cost_training", "cost_rca", "cost_coaching"),
        "flow",
        "USD",
        "All costs, the programme's included.",
    ),
    "departures": (("quits", "dismissals"), "flow", "clinicians", "Clinicians who left (quit or dismissed)."),
}


def kind(name: str) -> str:
    return DERIVED[name][1] if name in DERIVED else OUTPUTS[name]["kind"]


def unit(name: str) -> str:
    return DERIVED[name][2] if name in DERIVED else OUTPUTS[name]["unit"]
