"""How far the evidence reaches: what the model says beyond it is a projection.

Intervention studies of culture programmes followed hospitals for up to about five years (shared
MODEL.md section 9.3: West 2016, Magnet4Europe, Lambert 2016, Kachalia 2010 and 2018). What the
model shows for later years after a change is its own projection: tables, figures and the report
mark it as such and never mix it with the evidence bands (docs/validation.md).

>>> from culturesim.evidence import beyond_evidence
>>> beyond_evidence((0, 5)), beyond_evidence((2, 10)), beyond_evidence(None, years=30)
(False, True, True)
"""

from __future__ import annotations

from typing import Any

#: Years after a change that intervention studies followed; later years are projections.
EVIDENCE_YEARS = 5.0

PROJECTION_NOTE = (
    f"years after {EVIDENCE_YEARS:g} are the model's projection: intervention studies followed "
    f"hospitals for up to about {EVIDENCE_YEARS:g} years"
)


def beyond_evidence(window: Any, years: float | None = None) -> bool:
    """Whether a window of years after day 0 (or a whole run of ``years``) reaches past the evidence."""
    end = years if window is None else float(window[1])
    if end is None:
        return False
    return float(end) > EVIDENCE_YEARS + 1e-9


def shade_projection(ax: Any, end_year: float) -> None:
    """Shades the years of a figure beyond the evidence and labels them as a projection."""
    if end_year <= EVIDENCE_YEARS + 1e-9:
        return
    ax.axvspan(EVIDENCE_YEARS, end_year, color="0.5", alpha=0.09, lw=0, zorder=0)
    ax.annotate(
        "projection",
        (EVIDENCE_YEARS, 0),
        xycoords=("data", "axes fraction"),
        xytext=(4, 4),
        textcoords="offset points",
        fontsize=8,
        color="0.35",
        style="italic",
    )
