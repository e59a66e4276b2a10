"""Scenarios: a hospital, parameters, a policy and interventions.

A Scenario is a view of the engine's scenario (experiments/scenario.hpp): the engine validates
it, writes it as TOML (the schema of experiments/schema.cpp) and reads it back, and pickling goes
through that text, so a scenario sent to a cluster worker is exactly the one stored in results.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

from . import _engine
from .intervention import Intervention
from .params import Params
from .policy import Policy, as_policy

_MAX_STREAM = 2**32 - 1  # the engine's kMaxStream: an unsigned 32-bit stream


def default_hospital() -> dict[str, Any]:
    """The embedded default hospital: five units, about 1,000 clinicians.

    >>> import culturesim as cs
    >>> [u["name"] for u in cs.default_hospital()["units"]]
    ['ICU', 'ED', 'surgery', 'medicine', 'pharmacy']
    """
    return _engine.default_hospital()


class Scenario:
    """A named scenario: base parameters, a policy, and interventions over time.

    >>> import culturesim as cs
    >>> s = cs.Scenario("switch", policy="blame",
    ...                 interventions=[cs.Intervention(at_year=5, policy="just_culture")])
    >>> s
    Scenario('switch', policy b=1, 1 intervention, 0 parameters changed, hospital 'default' (1000 clinicians))
    """

    def __init__(
        self,
        name: str = "typical",
        params: Params | Mapping[str, Any] | None = None,
        policy: Policy | Mapping[str, float] | str | float | None = None,
        interventions: Iterable[Intervention] = (),
        hospital: Mapping[str, Any] | None = None,
        coords: Mapping[str, float] | None = None,
        stream: int = 0,
    ):
        if not isinstance(name, str) or not name:
            raise ValueError(f"a scenario needs a non-empty name, got {name!r}")
        self.name = name
        if params is not None and not isinstance(params, Mapping):
            raise ValueError(
                f"scenario '{name}': params must be a cs.Params or a table (dict) of parameter names "
                f"and values, got {type(params).__name__} {params!r}"
            )
        self.params = params.copy() if isinstance(params, Params) else Params(params or {})
        self.policy = as_policy(policy)
        if isinstance(interventions, (str, bytes, Mapping, Intervention)) or not isinstance(interventions, Iterable):
            raise ValueError(
                f"scenario '{name}': interventions must be a list of cs.Intervention objects, got "
                f"{type(interventions).__name__} {interventions!r}"
            )
        self.interventions = list(interventions)
        for iv in self.interventions:
            if not isinstance(iv, Intervention):
                raise ValueError(f"scenario '{name}': interventions must be cs.Intervention objects, got {iv!r}")
        if hospital is not None and not isinstance(hospital, Mapping):
            raise ValueError(
                f"scenario '{name}': hospital must be a table (dict) with a name and a list of units "
                f"(or None for the embedded default hospital), got {type(hospital).__name__} "
                f"{hospital!r}"
            )
        self.hospital = dict(hospital) if hospital is not None else None
        if coords is not None and not isinstance(coords, Mapping):
            raise ValueError(
                f"scenario '{name}': coords must be a table (dict) of sweep names and values, got {coords!r}"
            )
        #: Its place in a sweep (cs.sweep): the swept names and the values this scenario runs.
        self.coords: dict[str, float] = dict(sorted((coords or {}).items()))
        if isinstance(stream, bool) or not isinstance(stream, numbers.Integral) or not 0 <= stream <= _MAX_STREAM:
            raise ValueError(
                f"scenario '{name}': stream must be a whole number from 0 to {_MAX_STREAM} (a random-number "
                f"stream: scenarios with the same stream and replicate draw the same random numbers), "
                f"got {type(stream).__name__} {stream!r}"
            )
        #: The random-number stream: scenarios with the same stream (default 0) and replicate draw
        #: the same random numbers; an experiment over parameter draws gives draw k stream k.
        self.stream = int(stream)
        _engine.dump(self.to_dict())  # validates everything now, not at run time

    @classmethod
    def _from_engine(cls, d: Mapping[str, Any]) -> "Scenario":
        """The view of an engine scenario dict (as _engine.load_experiment gives)."""
        return cls(
            d["name"],
            params=Params(d["params"]),
            policy=Policy._from_fields(d["policy"]),
            interventions=[Intervention._from_engine(iv) for iv in d["interventions"]],
            hospital=d["hospital"],
            coords=d.get("coords"),
            stream=d.get("stream", 0),
        )

    @classmethod
    def from_toml(cls, text: str, source: str = "<string>") -> "Scenario":
        """The scenario a scenario file describes (the form to_toml() writes)."""
        loaded = _engine.load_experiment(text, source, "scenario")
        for note in loaded["deprecations"]:
            warnings.warn(note, FutureWarning, stacklevel=2)
        (scenario,) = loaded["scenarios"]
        return cls._from_engine(scenario)

    def __reduce__(self):
        # Pickled (for executors) as the schema's text: what a worker runs is what results store.
        return (_scenario_from_toml, (self.to_toml(),))

    def warnings_for(self, days: int) -> list[str]:
        """What the user should know about a run of `days` days (interventions that never act)."""
        return _engine.schedule_notes(self.to_dict(), int(days))

    def policy_timeline(self) -> list[dict[str, Any]]:
        """The policy over time as the interventions set it (the engine's schedule): a list of
        {'day', 'label', 'policy' (a cs.Policy)}, starting with the scenario's own policy on day 0.

        >>> import culturesim as cs
        >>> sc = cs.Scenario("ramp", interventions=[cs.Intervention.ramp(start_year=0, years=1)])
        >>> sc.policy_timeline()[-1]["day"], sc.policy_after().blame_level
        (330, 0.0)
        """
        return [
            {"day": step["day"], "label": step["label"], "policy": Policy._from_fields(step["policy"])}
            for step in _engine.policy_timeline(self.to_dict())
        ]

    def policy_after(self, day: float | None = None) -> Policy:
        """The policy in force on ``day`` (default: after every intervention)."""
        steps = self.policy_timeline()
        return [s for s in steps if day is None or s["day"] <= day][-1]["policy"]

    def to_dict(self) -> dict[str, Any]:
        """The plain description the engine takes."""
        d: dict[str, Any] = {
            "name": self.name,
            "params": self.params.diff(),
            "policy": self.policy.to_dict(),
            "interventions": [iv.to_dict() for iv in self.interventions],
        }
        if self.hospital is not None:
            d["hospital"] = self.hospital
        if self.coords:
            d["coords"] = dict(self.coords)
        if self.stream:
            d["stream"] = self.stream
        return d

    def to_toml(self) -> str:
        """A TOML scenario file describing this scenario completely (as stored in results files)."""
        return _engine.dump(self.to_dict())

    def replace(self, **changes: Any) -> "Scenario":
        """A copy with some of name, params, policy, interventions, hospital, coords, stream changed.

        A new policy or new parameters drop the sweep coordinates (they labelled the old values).
        """
        args = {
            "name": self.name,
            "params": self.params,
            "policy": self.policy,
            "interventions": self.interventions,
            "hospital": self.hospital,
            "coords": None if {"params", "policy"} & set(changes) else self.coords,
            "stream": self.stream,
        }
        args.update(changes)
        return Scenario(**args)

    @property
    def clinicians(self) -> int:
        hospital = self.hospital or default_hospital()
        roles = _engine.role_names()
        return sum(int(u.get(r, 0)) for u in hospital["units"] for r in roles)

    def __repr__(self) -> str:
        b = self.policy.blame_level
        policy = f"b={b:g}" if b is not None else "custom"
        n = len(self.interventions)
        hospital = (self.hospital or {}).get("name", "default")
        stream = f", stream {self.stream}" if self.stream else ""
        return (
            f"Scenario({self.name!r}, policy {policy}, {n} intervention{'s' if n != 1 else ''}, "
            f"{len(self.params.diff())} parameters changed, hospital {hospital!r} ({self.clinicians} clinicians)"
            f"{stream})"
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Scenario) and self.to_dict() == other.to_dict()


def as_scenario(scenario: "Scenario | Policy | str | None") -> Scenario:
    """A Scenario from a Scenario, a Policy or preset name (the default hospital under it), or None."""
    if scenario is None:
        return Scenario("typical")
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, str):
        return Scenario(scenario, policy=scenario)
    if isinstance(scenario, Policy):
        return Scenario("custom" if scenario.blame_level is None else f"b={scenario.blame_level:g}", policy=scenario)
    raise ValueError(f"expected a cs.Scenario, a cs.Policy or a preset name, got {type(scenario).__name__}")


def _scenario_from_toml(text: str) -> Scenario:
    return Scenario.from_toml(text, "<pickled scenario>")
