"""What the engine records: output names, kinds (flow or level) and the days of a year.

The engine's output table (agents/output_table.def) is the owner of what is recorded; the metric
registry (culturesim.metrics) is the owner of what people read of every metric, recorded or
derived. The names below re-export the registry's for code that imports them from here.
"""

from __future__ import annotations

from . import _engine
from .metrics import COMPARED, DERIVED, HEADLINE, check_metric, is_flow, kind, unit  # noqa: F401

OUTPUTS: dict[str, dict[str, str]] = {o["name"]: o for o in _engine.output_specs()}
OUTPUT_NAMES: tuple[str, ...] = tuple(OUTPUTS)
#: Recorded outputs summed over a period (events, costs); the rest are levels at the period's end.
#: For any metric, recorded or derived, ask culturesim.metrics.is_flow.
FLOWS: frozenset[str] = frozenset(n for n, o in OUTPUTS.items() if o["kind"] == "flow")
DAYS_PER_YEAR: int = _engine.days_per_year
