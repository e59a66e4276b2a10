"""The organisation's culture policy: blame versus Just Culture."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from . import _engine

_FIELDS = _engine.policy_field_specs()
FIELD_NAMES: tuple[str, ...] = tuple(f["name"] for f in _FIELDS)
#: The engine's policy presets: name -> blame level b.
PRESETS: dict[str, float] = _engine.policy_presets()
#: Old preset names that still work, with a warning.
_OLD_PRESETS = {"just": "just_culture"}


class Policy:
    """A culture policy: what happens to clinicians after an event, and what leadership says.

    Unspecified fields take current practice (``Policy.typical()``, blame level 0.6).

    >>> import culturesim as cs
    >>> cs.Policy.blame().punish_human_error
    0.6
    >>> cs.Policy.from_blame(0).console_prob
    0.9
    >>> in_name_only = cs.Policy.blame().replace(stated_safety=0.8)   # "Just Culture in name only"
    >>> in_name_only.punish_human_error, in_name_only.stated_safety
    (0.6, 0.8)
    """

    __slots__ = ("_fields", "_b")

    def __init__(self, **fields: float):
        self._fields: dict[str, float] = _engine.validate_policy(dict(fields))
        self._b: float | None = None

    # -- presets -----------------------------------------------------------------------------
    @classmethod
    def from_blame(cls, b: float) -> "Policy":
        """Linear interpolation between the presets: b = 1 is blame(), b = 0 is just_culture()."""
        if isinstance(b, bool) or not isinstance(b, (int, float, np.integer, np.floating)):
            raise ValueError(f"blame level b must be a number from 0 (Just Culture) to 1 (blame), got {b!r}")
        p = cls.__new__(cls)
        p._fields = _engine.policy_from_blame(float(b))
        p._b = float(b)
        return p

    @classmethod
    def _from_fields(cls, fields: Mapping[str, float]) -> "Policy":
        """A policy of these (complete, valid) fields, knowing its b when it is a preset's."""
        p = cls.__new__(cls)
        p._fields = dict(fields)
        p._b = next((b for b in PRESETS.values() if _engine.policy_from_blame(b) == p._fields), None)
        return p

    @classmethod
    def blame(cls) -> "Policy":
        """Honest mistakes punished, outcome bias, no support."""
        return cls.from_blame(PRESETS["blame"])

    @classmethod
    def just_culture(cls) -> "Policy":
        """Console human error, coach at-risk behaviour, discipline reckless acts; fix the system."""
        return cls.from_blame(PRESETS["just_culture"])

    @classmethod
    def typical(cls) -> "Policy":
        """Current practice in surveyed hospitals: from_blame(0.6)."""
        return cls.from_blame(PRESETS["typical"])

    # -- access ------------------------------------------------------------------------------
    def __getattr__(self, name: str) -> float:
        # Only called when normal lookup fails. Private and dunder names (asked by copy, pickle,
        # IPython) must fail with AttributeError, and must not touch _fields: while unpickling it
        # is not set yet, and looking it up here would recurse.
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._fields[name]
        except KeyError:
            pass
        try:
            _engine.validate_policy({name: 0.0})  # raises KeyError naming the closest field
        except KeyError as exc:  # AttributeError, so hasattr() and getattr(p, name, default) work
            raise AttributeError(exc.args[0]) from None
        raise AttributeError(name)

    def __getitem__(self, name: str) -> float:
        if name not in self._fields:
            _engine.validate_policy({name: 0.0})
        return self._fields[name]

    def replace(self, **fields: float) -> "Policy":
        """A copy with some fields changed (validated).

        >>> cs.Policy.blame().replace(stated_safety=0.8).stated_safety
        0.8
        """
        p = Policy.__new__(Policy)
        p._fields = _engine.validate_policy({**self._fields, **fields})
        p._b = self._b if not fields else None
        return p

    def to_dict(self) -> dict[str, float]:
        return dict(self._fields)

    @property
    def blame_level(self) -> float | None:
        """The b this policy was made from with from_blame(b), or None if edited by hand."""
        return self._b

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Policy) and self._fields == other._fields

    def __hash__(self) -> int:
        return hash(tuple(self._fields.items()))

    def __repr__(self) -> str:
        b = "?" if self._b is None else f"{self._b:g}"
        inner = ", ".join(f"{k}={v:g}" for k, v in self._fields.items())
        return f"Policy(b={b}, {inner})"

    @staticmethod
    def fields() -> list[dict[str, Any]]:
        """Every field with its blame and Just Culture values and a description."""
        return [dict(f) for f in _FIELDS]


def as_policy(policy: Policy | Mapping[str, float] | str | float | None) -> Policy:
    """A Policy from a Policy, a preset name, a blame level b, or a table of fields."""
    if policy is None:
        return Policy.typical()
    if isinstance(policy, Policy):
        return policy
    if isinstance(policy, str):
        if policy in _OLD_PRESETS:
            warnings.warn(
                f"policy preset '{policy}' is an old name of '{_OLD_PRESETS[policy]}'; write '{_OLD_PRESETS[policy]}'",
                FutureWarning,
                stacklevel=3,
            )
            policy = _OLD_PRESETS[policy]
        if policy not in PRESETS:
            import difflib

            close = difflib.get_close_matches(policy, list(PRESETS), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise KeyError(f"unknown policy preset '{policy}'; allowed: {', '.join(PRESETS)}{hint}")
        return Policy.from_blame(PRESETS[policy])
    if isinstance(policy, bool):
        raise ValueError(f"a policy must be a Policy, a preset name, a blame level or a table, got {policy!r}")
    if isinstance(policy, (int, float, np.integer, np.floating)):
        return Policy.from_blame(float(policy))
    if isinstance(policy, Mapping):
        fields = dict(policy)
        base = fields.pop("preset", None)
        b = fields.pop("blame_level", None)
        start = as_policy(base if base is not None else (b if b is not None else "typical"))
        return start.replace(**fields) if fields else start
    raise ValueError(f"a policy must be a Policy, a preset name, a blame level or a table, got {type(policy).__name__}")
