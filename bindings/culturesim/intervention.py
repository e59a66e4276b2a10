"""Interventions: changes to the policy, parameters or hospital at a given time.

An Intervention is a view of the engine's intervention (experiments/intervention.hpp): its kind
names (``set``, ``ramp``, ``fix_friction``; ``launch_support`` is a ``set`` of support_level)
and the checks of what it may change are the engine's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from . import _engine
from .policy import Policy, as_policy

__all__ = ["DAYS_PER_YEAR", "Intervention", "as_policy"]

DAYS_PER_YEAR: int = _engine.days_per_year


def _day(at_year: float | None, at_day: int | None) -> int:
    if (at_year is None) == (at_day is None):
        raise ValueError("an intervention needs exactly one of at_year or at_day")
    if at_day is not None:
        if isinstance(at_day, bool) or not isinstance(at_day, (int, np.integer)):
            raise ValueError(f"at_day must be a whole number of days, got {at_day!r}")
        return int(at_day)
    if (
        isinstance(at_year, bool)
        or not isinstance(at_year, (int, float, np.integer, np.floating))
        or not np.isfinite(at_year)
    ):
        raise ValueError(f"at_year must be a number of years, got {at_year!r}")
    max_years = _engine.run_limits["max_days"] // DAYS_PER_YEAR
    if abs(at_year) > max_years:
        raise ValueError(f"at_year = {at_year!r} is out of range; allowed years from the start, 0 to {max_years}")
    return int(round(float(at_year) * DAYS_PER_YEAR))


class Intervention:
    """A change at a given time: a new policy, some policy fields, some parameters.

    >>> import culturesim as cs
    >>> switch = cs.Intervention(at_year=5, policy=cs.Policy.just_culture())
    >>> support = cs.Intervention.launch_support(at_year=2)
    >>> ramp = cs.Intervention.ramp(start_year=5, years=3)   # blame -> Just Culture over 3 years
    >>> fix = cs.Intervention.fix_friction(at_year=1, units=["ED"])
    >>> cs.Intervention(at_year=1, params={"alpha_support": 0.08}).day
    365
    """

    def __init__(
        self,
        at_year: float | None = None,
        *,
        at_day: int | None = None,
        policy: Policy | Mapping[str, float] | str | float | None = None,
        params: Mapping[str, Any] | None = None,
        label: str | None = None,
    ):
        self._when(at_year, at_day, "set")
        if isinstance(policy, Mapping):
            _engine.validate_policy(dict(policy))  # KeyError / ValueError naming the field
            self.policy_fields = {k: float(v) for k, v in policy.items()}
        elif policy is not None:
            self.policy = as_policy(policy)
        if params is not None and not isinstance(params, Mapping):
            raise ValueError(
                f"params must be a table (dict) of parameter names and values, got {type(params).__name__} {params!r}"
            )
        self.params = dict(params or {})
        if self.policy is None and not self.policy_fields and not self.params:
            raise ValueError(
                "an intervention needs something to change: policy=..., params={...}, or one of "
                "Intervention.ramp, Intervention.launch_support, Intervention.fix_friction"
            )
        self.label = label or self._default_label()

    def _when(self, at_year: float | None, at_day: int | None, kind: str) -> None:
        self.day = _day(at_year, at_day)
        self.kind = kind
        self.policy: Policy | None = None
        self.policy_fields: dict[str, float] = {}
        self.params: dict[str, Any] = {}
        self.extra: dict[str, Any] = {}

    def _default_label(self) -> str:
        parts = []
        if self.policy is not None:
            parts.append(
                "switch policy" + (f" to b={self.policy.blame_level:g}" if self.policy.blame_level is not None else "")
            )
        parts += [f"{k}={v:g}" for k, v in self.policy_fields.items()]
        parts += [f"{k}={v}" for k, v in self.params.items()]
        return ", ".join(parts)

    # -- the usual interventions ---------------------------------------------------------------
    @classmethod
    def switch(cls, at_year: float, policy: Policy | str | float, label: str | None = None) -> "Intervention":
        """Switch to a whole new policy (a Policy, a preset name or a blame level b)."""
        return cls(at_year, policy=as_policy(policy), label=label)

    @classmethod
    def ramp(
        cls,
        start_year: float,
        years: float,
        from_blame: float = 1.0,
        to_blame: float = 0.0,
        step_days: int = 30,
        label: str | None = None,
    ) -> "Intervention":
        """Move the policy gradually from from_blame(from_blame) to from_blame(to_blame)."""
        if (
            isinstance(years, bool)
            or not isinstance(years, (int, float, np.integer, np.floating))
            or not np.isfinite(years)
            or round(float(years) * DAYS_PER_YEAR) < 1
        ):
            raise ValueError(f"a ramp's years must be a duration of at least 1/365 year (one day), got {years!r}")
        iv = cls.__new__(cls)
        iv._when(start_year, None, "ramp")
        iv.extra = {
            "from_blame": float(from_blame),
            "to_blame": float(to_blame),
            "ramp_days": int(round(float(years) * DAYS_PER_YEAR)),
            "step_days": int(step_days),
        }
        iv.label = label or f"ramp b {from_blame:g} -> {to_blame:g} over {years:g} years"
        return iv

    @classmethod
    def launch_support(cls, at_year: float, level: float = 1.0, label: str | None = None) -> "Intervention":
        """Launch tiered peer and professional support (policy field support_level)."""
        return cls(at_year, policy={"support_level": level}, label=label or f"launch support {level:g}")

    @classmethod
    def fix_friction(
        cls, at_year: float, units: Sequence[str] | None = None, label: str | None = None
    ) -> "Intervention":
        """Fix all friction (remove every latent hazard) in the named units, or in all units."""
        if isinstance(units, str):
            units = [units]
        names = list(units or [])
        iv = cls.__new__(cls)
        iv._when(at_year, None, "fix_friction")
        iv.extra = {"units": names}
        iv.label = label or ("fix friction in " + (", ".join(names) or "all units"))
        return iv

    @classmethod
    def _from_engine(cls, d: Mapping[str, Any]) -> "Intervention":
        """The view of an engine intervention dict (as _engine.load_experiment gives)."""
        iv = cls.__new__(cls)
        iv._when(None, int(d["day"]), d["kind"])
        iv.label = d["label"]
        if "policy" in d:
            iv.policy = Policy._from_fields(d["policy"])
        iv.policy_fields = dict(d.get("policy_fields", {}))
        iv.params = {k: (dict(v) if isinstance(v, Mapping) else v) for k, v in d.get("params", {}).items()}
        if d["kind"] == "ramp":
            iv.extra = {k: d[k] for k in ("from_blame", "to_blame", "ramp_days", "step_days")}
        elif d["kind"] == "fix_friction":
            iv.extra = {"units": list(d["units"])}
        return iv

    # -- description ---------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"kind": self.kind, "day": self.day, "label": self.label}
        if self.policy is not None:
            d["policy"] = self.policy.to_dict()
        if self.policy_fields:
            d["policy_fields"] = dict(self.policy_fields)
        if self.params:
            d["params"] = {k: (dict(v) if isinstance(v, Mapping) else v) for k, v in self.params.items()}
        d.update(self.extra)
        return d

    @property
    def year(self) -> float:
        return self.day / DAYS_PER_YEAR

    def __repr__(self) -> str:
        return f"Intervention(day {self.day} = year {self.year:g}: {self.label})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Intervention) and self.to_dict() == other.to_dict()
