"""Scenarios: a hospital, parameters, a policy and interventions."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from . import _engine
from .intervention import Intervention, as_policy
from .params import Params
from .policy import Policy


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

    def __init__(self, name: str = "typical", params: Params | Mapping[str, Any] | None = None,
                 policy: Policy | Mapping[str, float] | str | float | None = None,
                 interventions: Iterable[Intervention] = (), hospital: Mapping[str, Any] | None = None):
        if not isinstance(name, str) or not name:
            raise ValueError(f"a scenario needs a non-empty name, got {name!r}")
        self.name = name
        self.params = params.copy() if isinstance(params, Params) else Params(params or {})
        self.policy = as_policy(policy)
        self.interventions = list(interventions)
        for iv in self.interventions:
            if not isinstance(iv, Intervention):
                raise ValueError(f"scenario '{name}': interventions must be cs.Intervention objects, got {iv!r}")
        self.hospital = dict(hospital) if hospital is not None else None
        _engine.scenario_toml(self.to_dict())  # validates everything now, not at run time

    def to_dict(self) -> dict[str, Any]:
        """The plain description the engine takes."""
        d: dict[str, Any] = {"name": self.name, "params": self.params.diff(), "policy": self.policy.to_dict(),
                             "interventions": [iv.to_dict() for iv in self.interventions]}
        if self.hospital is not None:
            d["hospital"] = self.hospital
        return d

    def to_toml(self) -> str:
        """A TOML text describing this scenario completely (as stored in results files)."""
        return _engine.scenario_toml(self.to_dict())

    def replace(self, **changes: Any) -> "Scenario":
        """A copy with some of name, params, policy, interventions, hospital changed."""
        args = {"name": self.name, "params": self.params, "policy": self.policy,
                "interventions": self.interventions, "hospital": self.hospital}
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
        return (f"Scenario({self.name!r}, policy {policy}, {n} intervention{'s' if n != 1 else ''}, "
                f"{len(self.params.diff())} parameters changed, hospital {hospital!r} ({self.clinicians} clinicians))")

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
