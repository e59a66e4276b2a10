"""Model parameters: a validated mapping generated from the engine's parameter table."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any

from . import _engine

_SPECS: dict[str, dict[str, Any]] = {s["name"]: s for s in _engine.parameter_specs()}


def parameter_table() -> "pandas.DataFrame":  # noqa: F821
    """Every parameter with its default, range, unit, description and source, as a DataFrame.

    >>> import culturesim as cs
    >>> cs.parameter_table().loc["alpha_base", "unit"]
    '1/day'
    """
    import pandas as pd

    rows = []
    for s in _SPECS.values():
        default = s["default"][0] if not s["keys"] else dict(zip(s["keys"], s["default"]))
        rows.append(
            {
                "name": s["name"],
                "kind": s["kind"],
                "default": default,
                "min": s["min"],
                "max": s["max"],
                "unit": s["unit"],
                "description": s["description"],
                "source": s["source"],
            }
        )
    return pd.DataFrame(rows).set_index("name")


class KeyedValues(MutableMapping):
    """The values of a keyed parameter (per role, per severity, ...), checked as they are set.

    >>> p = default_params()
    >>> p["base_error_rate"]["nurse"]
    0.015
    """

    def __init__(self, owner: "Params", name: str):
        self._owner, self._name = owner, name

    def _values(self) -> dict[str, float]:
        return self._owner._values[self._name]

    def __getitem__(self, key: str) -> float:
        values = self._values()
        if key not in values:
            raise KeyError(f"parameter '{self._name}' has no key '{key}'; allowed: {', '.join(values)}")
        return values[key]

    def __setitem__(self, key: str, value: float) -> None:
        self._owner.update({self._name: {key: value}})

    def __delitem__(self, key: str) -> None:
        raise TypeError(f"the keys of parameter '{self._name}' are fixed")

    def __iter__(self) -> Iterator[str]:
        return iter(self._values())

    def __len__(self) -> int:
        return len(self._values())

    def __repr__(self) -> str:
        return repr(self._values())

    def __eq__(self, other: object) -> bool:
        return dict(self._values()) == (dict(other) if isinstance(other, Mapping) else other)


class Params(MutableMapping):
    """Every model parameter, validated by the engine on each change.

    Scalars read and write as floats; keyed parameters as mappings by key.

    >>> import culturesim as cs
    >>> p = cs.default_params()
    >>> p["alpha_base"]
    0.01
    >>> p.update(alpha_base=0.02, quit_rate={"nurse": 0.2})
    >>> p["quit_rate"]["nurse"]
    0.2
    >>> p["alpha_base"] = -1
    Traceback (most recent call last):
    ValueError: parameter 'alpha_base' = -1 is out of range; allowed 0 to 10 (1/day)
    """

    def __init__(self, values: Mapping[str, Any] | None = None, **overrides: Any):
        if values is not None and not isinstance(values, Mapping):
            raise ValueError(
                f"Params takes a table (dict) of parameter names and values, got {type(values).__name__} {values!r}"
            )
        self._values: dict[str, Any] = _engine.default_params()
        if values:
            self.update(values)
        if overrides:
            self.update(overrides)

    # -- mapping -----------------------------------------------------------------------------
    def __getitem__(self, name: str) -> Any:
        if name not in self._values:
            _engine.validate_params({name: 0.0})  # raises KeyError with the closest name
        value = self._values[name]
        return KeyedValues(self, name) if isinstance(value, dict) else value

    def __setitem__(self, name: str, value: Any) -> None:
        self.update({name: value})

    def __delitem__(self, name: str) -> None:
        raise TypeError("parameters cannot be deleted; set them back with Params() or reset(name)")

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Params):
            return self._values == other._values
        return NotImplemented

    def update(self, other: Mapping[str, Any] | None = None, /, **kwargs: Any) -> None:  # type: ignore[override]
        """Sets several parameters at once; nothing changes unless all of them are valid."""
        changes = dict(other or {}, **kwargs)
        plain = {k: (dict(v) if isinstance(v, Mapping) else v) for k, v in changes.items()}
        merged = self.to_dict()
        merged.update(
            {
                k: ({**merged[k], **v} if isinstance(v, dict) and isinstance(merged.get(k), dict) else v)
                for k, v in plain.items()
            }
        )
        self._values = _engine.validate_params(merged)

    def reset(self, name: str | None = None) -> None:
        """Restores one parameter (or all) to its default."""
        defaults = _engine.default_params()
        if name is None:
            self._values = defaults
        else:
            self[name]  # noqa: B018 - raises KeyError for unknown names
            self.update({name: defaults[name]})

    # -- views -------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A deep copy as plain dicts and floats."""
        return copy.deepcopy(self._values)

    def diff(self, other: "Params | None" = None) -> dict[str, Any]:
        """The parameters that differ from ``other`` (the defaults if None)."""
        base = other._values if other is not None else _engine.default_params()
        out = {}
        for name, value in self._values.items():
            if isinstance(value, dict):
                changed = {k: v for k, v in value.items() if base[name][k] != v}
                if changed:
                    out[name] = changed
            elif base[name] != value:
                out[name] = value
        return out

    def copy(self) -> "Params":
        return Params(self._values)

    @staticmethod
    def spec(name: str) -> dict[str, Any]:
        """Default, range, unit, description and source of one parameter."""
        if name not in _SPECS:
            _engine.validate_params({name: 0.0})
        return dict(_SPECS[name])

    def to_frame(self) -> "pandas.DataFrame":  # noqa: F821
        """The current values beside the table's defaults, units and sources."""
        table = parameter_table()
        table.insert(1, "value", [self._values[n] for n in table.index])
        return table

    def __repr__(self) -> str:
        changed = self.diff()
        lines = [f"Params({len(self)} parameters, {len(changed)} changed from the defaults)"]
        width = max(len(n) for n in self._values)
        for name, value in self._values.items():
            spec = _SPECS[name]
            mark = "*" if name in changed else " "
            shown = ", ".join(f"{k} {v:g}" for k, v in value.items()) if isinstance(value, dict) else f"{value:g}"
            lines.append(f" {mark}{name:<{width}}  {shown}  [{spec['unit']}]  ({spec['source'][:60]})")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import pandas as pd

        # Every row: pandas would otherwise elide all but 10 of the parameters (max_rows 60).
        with pd.option_context("display.max_rows", len(self) + 1, "display.min_rows", len(self) + 1):
            return self.to_frame()._repr_html_()


def default_params(**overrides: Any) -> Params:
    """The parameters of the embedded default hospital, optionally with some changed.

    >>> import culturesim as cs
    >>> cs.default_params(alpha_base=0)["alpha_base"]
    0.0
    """
    return Params(**overrides)


#: Cost ranges, name -> {low, high, basis (lists, one per key), output, why}, in table order.
RANGES: dict[str, dict[str, Any]] = {r["name"]: r for r in _engine.range_specs()}


def cost_keys(name: str) -> list[str | None]:
    value = _engine.default_params()[name]
    return list(value) if isinstance(value, dict) else [None]


def cost_ranges():
    """Every cost parameter's range as a DataFrame indexed by (name, key) (key "" for a scalar):
    default, low, high, basis (source or assumption), output (the cost output it is summed into),
    why and source.

    >>> import culturesim as cs
    >>> cs.params.cost_ranges().loc[("harm_cost", "severe"), "output"]
    'cost_harm'
    """
    import pandas as pd

    defaults = _engine.default_params()
    sources = {s["name"]: s["source"] for s in _engine.parameter_specs()}
    rows = []
    for name, r in RANGES.items():
        for i, key in enumerate(cost_keys(name)):
            rows.append(
                {
                    "name": name,
                    "key": "" if key is None else key,
                    "default": defaults[name][key] if key is not None else defaults[name],
                    "low": r["low"][i],
                    "high": r["high"][i],
                    "basis": r["basis"][i],
                    "output": r["output"],
                    "why": r["why"],
                    "source": sources[name],
                }
            )
    return pd.DataFrame(rows).set_index(["name", "key"])


def assumptions():
    """The cost parameters whose value or range is an assumption (a judgement, not a cited figure),
    one row per (name, key): value (the default), low, high, output (the cost output it is summed
    into, so a report can show how much of a result rests on it: that output's share of
    cost_total), why (the range) and source. Costs with a cited range are left out; every cost's
    range is in ``cost_ranges()``.

    >>> import culturesim as cs
    >>> table = cs.params.assumptions()
    >>> ("harm_cost", "severe") in table.index, ("replacement_cost", "nurse") in table.index
    (True, False)
    >>> list(table.columns)
    ['value', 'low', 'high', 'output', 'why', 'source']
    """
    table = cost_ranges()
    table = table[table["basis"] == "assumption"].drop(columns="basis")
    return table.rename(columns={"default": "value"})[["value", "low", "high", "output", "why", "source"]]
