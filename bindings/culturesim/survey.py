"""What a safety-culture survey would find: AHRQ SOPS Hospital Survey 2.0 composites from the
clinicians' states.

The SOPS Hospital Survey 2.0 (AHRQ; Sorra et al., the 2.0 development and psychometrics report)
scores each composite as **percent positive**: the share of a composite's item answers that are
positive ("agree"/"strongly agree", "most of the time"/"always"; negatively worded items reversed),
averaged over its items. Three composites bear on what the model simulates:

=================================  ======================================  =====================================
composite (its items, in short)    model state it reflects                 a clinician answers an item positively
                                                                           with probability
=================================  ======================================  =====================================
Response to Error: treated fairly   ``psych_safety`` P: the belief that     P
when they make mistakes; focus on   reporting (an error) is safe, learned
learning, not blame; support for    from how the unit met errors
staff involved in errors; a report
is not a write-up of the person
Communication Openness: speak up    ``psych_safety`` P (the model has one   P
about what may harm patients, also  state for "it is safe to speak"; the
to those with authority; ask when   two composites read the same state)
something seems wrong; not afraid
Reporting Patient Safety Events:    the clinician's chance of reporting     ``report_max`` P^a U^b x
how often a mistake caught before   the event (MODEL.md 3.3: P, the value   ``report_severity_mult`` of a near
reaching the patient, and one that  of reporting U, a = report_safety_      miss (first item) or a no-harm error
reached it without harm, is         power, b = report_value_power)          (second item)
reported
=================================  ======================================  =====================================

A survey samples respondents; each answers every item of a composite independently with the
probability above, so the expected percent positive is the mean of those probabilities over
the clinicians on staff, whatever the response rate (response is taken as unrelated to the
state). ``composites`` gives that expectation; ``sample_survey`` draws one survey of n
respondents, to show the noise a real survey's figure carries.

>>> import culturesim as cs
>>> from culturesim import survey
>>> r = cs.run("typical", years=1, snapshot_every=91, progress=False)
>>> sorted(survey.composites(r.snapshots[-1], r.params))
['communication_openness', 'reporting_events', 'response_to_error']
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

#: The composites, their SOPS 2.0 names, and the item probabilities' form (docs/validation.md).
COMPOSITES: dict[str, str] = {
    "response_to_error": "Response to Error",
    "communication_openness": "Communication Openness",
    "reporting_events": "Reporting Patient Safety Events",
}


#: Why the national averages are checked and not fitted (one owner for the docs and the CLI).
NOT_FITTED = "not verified against the AHRQ database report; fitted once verified"
#: The national averages: AHRQ SOPS Hospital Survey 2.0 database, average hospital percent positive
#: (figure, band). The bands are +-5 points: the spread of the yearly database reports' averages and
#: the rounding of the figures. NOT VERIFIED: recalled, not read from a report (docs/validation.md).
NATIONAL = {
    "response_to_error": ("about 62%", (0.57, 0.67)),
    "communication_openness": ("about 75%", (0.70, 0.80)),
    "reporting_events": ("about 73%", (0.68, 0.78)),
}
SOURCE = "AHRQ SOPS Hospital Survey 2.0 User Database Reports 2021-2022 (Famolaro et al.)"


def national_targets(target_class):
    """The national averages as rows of validation.TARGETS (levels under typical practice);
    validation passes its Target class, so this module need not import validation."""
    return tuple(
        target_class(
            f"sops_{name}",
            f"SOPS 2.0 {COMPOSITES[name]}, percent positive (culturesim.survey)",
            figure,
            SOURCE,
            band,
            not_fitted=NOT_FITTED,
        )
        for name, (figure, band) in NATIONAL.items()
    )


def item_probabilities(snapshot: Mapping[str, np.ndarray], params: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Per composite, (clinicians on staff, items): each one's chance of a positive answer."""
    on = np.asarray(snapshot["active"]) == 1
    p = np.asarray(snapshot["psych_safety"], dtype=float)[on]
    u = np.asarray(snapshot["report_value"], dtype=float)[on]
    propensity = params["report_max"] * p ** params["report_safety_power"] * u ** params["report_value_power"]
    mult = params["report_severity_mult"]
    reporting = np.column_stack([propensity * mult["near_miss"], propensity * mult["no_harm"]])
    return {
        "response_to_error": p[:, None],
        "communication_openness": p[:, None],
        "reporting_events": np.clip(reporting, 0.0, 1.0),
    }


def composites(snapshot: Mapping[str, np.ndarray], params: Mapping[str, Any]) -> dict[str, float]:
    """Expected percent positive (a share, 0 to 1) of each composite over the clinicians on staff."""
    return {
        name: float(x.mean()) if x.size else float("nan") for name, x in item_probabilities(snapshot, params).items()
    }


def sample_survey(
    snapshot: Mapping[str, np.ndarray], params: Mapping[str, Any], respondents: int, seed: int = 0
) -> dict[str, float]:
    """Percent positive (a share) of one survey of ``respondents`` clinicians drawn at random from
    those on staff (all of them if fewer), each answering every item."""
    rng = np.random.default_rng(seed)
    out = {}
    for name, prob in item_probabilities(snapshot, params).items():
        n = min(int(respondents), len(prob))
        who = rng.choice(len(prob), size=n, replace=False)
        out[name] = float((rng.random(prob[who].shape) < prob[who]).mean()) if n else float("nan")
    return out


def mean_composites(snapshots, params: Mapping[str, Any], from_day: float = 0) -> dict[str, float]:
    """Each composite's expected percent positive averaged over the snapshots from ``from_day``."""
    rows = [composites(s, params) for s in snapshots if s["day"] >= from_day]
    return {name: float(np.mean([r[name] for r in rows])) if rows else float("nan") for name in COMPOSITES}


def markdown(table) -> str:
    """docs/validation.md's survey section: the mapping, and the default hospital's composites
    (rows sops_* of a validation_table) beside the national averages."""
    a = table.attrs
    lines = [
        "## Safety-culture survey measures (AHRQ SOPS Hospital Survey 2.0)",
        "",
        "What a SOPS 2.0 survey of the simulated clinicians would find (`culturesim.survey`). SOPS scores",
        "a composite as percent positive: the share of its item answers that are positive, averaged over",
        "its items. Each composite reads one model state; a clinician on staff answers each item",
        "positively with the probability below, so the expected percent positive is that probability's",
        "mean over the staff (a sample of respondents scatters around it: `survey.sample_survey`).",
        "",
        "| composite | items (in short) | model state | chance of a positive answer |",
        "|---|---|---|---|",
        "| Response to Error | treated fairly after a mistake; learning, not blame; support after an error; a report "
        "is not a write-up of the person | `psych_safety` P: reporting an error is safe, learned from how errors were "
        "met | P |",
        "| Communication Openness | speak up about what may harm patients, also to those with authority; ask when "
        'something seems wrong | `psych_safety` P (the model has one state for "safe to speak") | P |',
        "| Reporting Patient Safety Events | how often a mistake caught before reaching the patient, and one that "
        "reached it without harm, is reported | the clinician's reporting chance, MODEL.md 3.3 | `report_max` P^a U^b "
        "x `report_severity_mult` (near miss; no harm) |",
        "",
        f"The national averages ({SOURCE}; figures rounded, bands +-5 points) are targets of the registry, "
        f"checked and not fitted: {NOT_FITTED}. Under typical practice the default hospital ({a['replicates']} "
        f"replicates x {a['years']:g} years per policy, seed {a['seed']}):",
        "",
        "| composite | national average | band | typical | blame | just culture |",
        "|---|---|---|---|---|---|",
    ]
    for name, label in COMPOSITES.items():
        row = table.loc[f"sops_{name}"]
        figure, band = NATIONAL[name]
        lines.append(
            f"| {label} | {figure} | {band[0]:.0%} to {band[1]:.0%} | {row['typical']:.0%} | {row['blame']:.0%} | "
            f"{row['just_culture']:.0%} |"
        )
    lines += [
        "",
        "Where it lands: the default hospital's typical practice sits well below the national averages on all",
        "three. Response to Error and Communication Openness read the same state, so the model cannot place",
        "them ten points apart as the database does. Reporting Patient Safety Events is an order of magnitude",
        "low: the model's clinicians report near misses and harmless errors at the rates that give about 14% of",
        "harm events reported (OIG 2012), while a respondent judges how often such events are reported in the",
        "unit: a perception, not the capture rate of the incident system. To land, a recalibration fitting these",
        "averages would have to raise `psych_safety` under typical practice (and with it the reporting",
        "targets); the reporting composite needs a perceived-frequency reading of the state, or a wider band.",
        "**These averages are not verified**: they are rounded figures recalled from the database reports,",
        "and no copy of a report's composite table could be reached from this project's machines to check",
        "them. They are checked, never fitted, until they are verified against the current AHRQ report",
        "(Tyler et al. 2024, AHRQ Publication No. 25-0006, 445 hospitals).",
        "",
    ]
    return "\n".join(lines)
