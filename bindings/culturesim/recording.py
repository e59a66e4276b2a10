"""How runs are recorded: calendar periods (month, quarter, year of the 365-day year) or days.

The engine owns the calendar (core/calendar.hpp); runs take ``record_every`` as a number of days
or as ``"month"``, ``"quarter"`` or ``"year"``. Months and quarters of the model's year have 28
to 31 and 90 to 92 days, so a year's periods always sum to 365 days: yearly totals never jump
(30-day periods give 12 or 13 a year) and a whole-year run ends on a full period.

>>> from culturesim.recording import record_code, recording_name
>>> record_code("month"), recording_name(-12), recording_name(30)
(-12, 'month', '30 days')
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _engine

#: Calendar periods and their engine codes (minus the periods per year).
CALENDARS: dict[str, int] = dict(_engine.calendars)


def record_code(value: Any, what: str = "record_every") -> int:
    """The engine's record_every code of "month", "quarter", "year" or a whole number of days."""
    if isinstance(value, str):
        if value in CALENDARS:
            return CALENDARS[value]
        import difflib

        close = difflib.get_close_matches(value, list(CALENDARS), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise ValueError(
            f"{what} = {value!r} is not a calendar period{hint}; allowed: 'month', 'quarter', 'year' "
            f"or a whole number of days from 1 to {_engine.run_limits['max_record_every']}"
        )
    high = _engine.run_limits["max_record_every"]
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and 1 <= int(value) <= high:
        return int(value)
    raise ValueError(
        f"{what} must be 'month', 'quarter', 'year' or a whole number of days from 1 to {high}, got {value!r}"
    )


def recording_name(code: int) -> str:
    """'month', 'quarter', 'year' or 'N days' for a record_every code."""
    for name, c in CALENDARS.items():
        if c == code:
            return name
    return f"{code} day" if code == 1 else f"{code} days"


def recording_value(code: int) -> str | int:
    """The form a user writes: the calendar's name, or the number of days."""
    name = recording_name(code)
    return name if name in CALENDARS else int(code)


#: The default recording of runs and experiments: the engine's default for files ("month").
DEFAULT_RECORDING: str | int = recording_value(_engine.run_defaults["record_every"])
