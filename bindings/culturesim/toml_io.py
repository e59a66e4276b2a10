"""Scenario and experiment files in TOML: loading them with clear errors, writing the defaults.

An **experiment file** holds run settings, base parameters, an optional hospital and a list of
scenarios; a **scenario file** holds one scenario at the top level instead of ``[[scenarios]]``.
The TOML the engine stores in every results file (``Scenario.to_toml()``) is a scenario file too,
so a stored definition re-runs exactly. The format is documented in ``docs/cli.md``.

>>> import culturesim as cs
>>> from culturesim import toml_io
>>> exp = toml_io.loads_experiment('''
... years = 2
... replicates = 3
... [[scenarios]]
... name = "blame"
... policy = "blame"
... [[scenarios]]
... name = "switch"
... policy = "blame"
... [[scenarios.interventions]]
... at_year = 1
... policy = "just_culture"
... ''')
>>> exp
Experiment(2 scenarios x 3 replicates x 2 years, seed 0: 'blame', 'switch')

Every mistake names the file, the table and the field, with the line where one can be found:

>>> toml_io.loads_experiment('[params]\\nalpha_bse = 0.02', source="my.toml")
Traceback (most recent call last):
culturesim.toml_io.ConfigKeyError: my.toml, line 2: params: unknown parameter 'alpha_bse'; did you mean 'alpha_base'?
"""
from __future__ import annotations

import difflib
import math
import os
import re
from collections.abc import Mapping, Sequence
from typing import Any

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

from . import _engine
from .experiment import Experiment
from .intervention import DAYS_PER_YEAR, Intervention
from .params import _SPECS, Params
from .policy import FIELD_NAMES, Policy
from .scenario import Scenario, default_hospital
from .warmup import WARMUP_YEARS

__all__ = ["ConfigKeyError", "experiment_toml", "load_experiment", "load_scenario", "loads_experiment",
           "params_toml", "POLICY_PRESETS", "RUN_DEFAULTS"]

#: Run settings of an experiment file and their defaults.
RUN_DEFAULTS: dict[str, Any] = {"years": 30, "replicates": 20, "seed": 0, "record_every": 30,
                                "warmup_years": WARMUP_YEARS}
#: Policy preset names accepted wherever a policy is expected.
POLICY_PRESETS: dict[str, float] = {"blame": 1.0, "typical": 0.6, "just_culture": 0.0, "just": 0.0}

_SCENARIO_KEYS = ("name", "policy", "params", "hospital", "interventions")
_TOP_KEYS = tuple(RUN_DEFAULTS) + ("warmup_policy", "params", "hospital", "scenarios", "name", "policy", "interventions")
_HOSPITAL_KEYS = ("name", "units")
_POLICY_TABLE_KEYS = ("preset",) + FIELD_NAMES
# The user-facing intervention kinds and the keys each accepts (besides at_year/at_day/label/kind).
_KIND_KEYS: dict[str, tuple[str, ...]] = {
    "set": ("policy", "params"),
    "ramp": ("years", "from_blame", "to_blame", "step_days"),
    "launch_support": ("level",),
    "fix_friction": ("units",),
}
_KIND_ALIASES = {"clear_hazards": "fix_friction"}
_WHEN_KEYS = ("at_year", "at_day", "label", "kind")
# The stored form written by the engine (Scenario.to_toml): `day` instead of at_year/at_day.
_STORED_KEYS: dict[str, tuple[str, ...]] = {
    "set": ("policy", "policy_fields", "params"),
    "ramp": ("from_blame", "to_blame", "ramp_days", "step_days"),
    "clear_hazards": ("units",),
}


class ConfigKeyError(KeyError):
    """An unknown key in a scenario or experiment file (a KeyError whose message prints plainly)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


# -- reading ---------------------------------------------------------------------------------------
class _Source:
    """The file being read: its name for messages, and its lines to find where a key is."""

    def __init__(self, name: str, text: str):
        self.name = name
        self._lines = text.splitlines()

    def line_of(self, key: str | None) -> int | None:
        """The line where ``key = ...`` is written, if it is written exactly once."""
        if not key:
            return None
        pattern = re.compile(r'(^|[\s{,.])("?)' + re.escape(key) + r'\2\s*=')
        hits = [i + 1 for i, line in enumerate(self._lines) if pattern.search(line.split("#", 1)[0])]
        return hits[0] if len(hits) == 1 else None

    def error(self, cls: type[Exception], where: str, message: str, key: str | None = None) -> Exception:
        line = self.line_of(key)
        location = self.name + (f", line {line}" if line else "")
        return cls(f"{location}: {where}: {message}" if where else f"{location}: {message}")


def _read(path: str | os.PathLike) -> tuple[_Source, dict[str, Any]]:
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no such file: '{path}'")
    if os.path.isdir(path):
        raise IsADirectoryError(f"'{path}' is a directory, not a TOML file")
    with open(path, "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise ValueError(f"{path}, line {line}: not a text file in UTF-8 (TOML files are UTF-8)") from None
    return _parse(text, path)


def _parse(text: str, name: str) -> tuple[_Source, dict[str, Any]]:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        m = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
        if m:
            where = f"{name}, line {m.group(1)}, column {m.group(2)}"
            message = message[:m.start()]
        else:
            end = re.search(r"\s*\(at end of document\)$", message)
            where = f"{name}, line {len(text.splitlines()) or 1} (end of file)"
            message = message[:end.start()] if end else message
        raise ValueError(f"{where}: invalid TOML: {message}") from None
    return _Source(name, text), doc


def load_experiment(path: str | os.PathLike, *, years: float | None = None, replicates: int | None = None,
                    seed: int | None = None, record_every: int | None = None) -> Experiment:
    """Reads an experiment file (or a scenario file: an experiment of one scenario).

    Keyword arguments that are not None override the file's run settings.
    Raises FileNotFoundError, ValueError (malformed TOML, wrong types, out-of-range values) or
    KeyError (unknown keys), each naming the file, the table and the field.
    """
    src, doc = _read(path)
    return _experiment(src, doc, _stem(os.fspath(path)),
                       {"years": years, "replicates": replicates, "seed": seed, "record_every": record_every})


def loads_experiment(text: str, source: str = "<string>", **overrides: Any) -> Experiment:
    """load_experiment() for TOML text; ``source`` names it in error messages."""
    src, doc = _parse(text, source)
    return _experiment(src, doc, _stem(source), overrides)


def load_scenario(path: str | os.PathLike, name: str | None = None) -> Scenario:
    """Reads one scenario: the file's only scenario, or the one called ``name``."""
    exp = load_experiment(path)
    return pick_scenario(exp, name, os.fspath(path))


def pick_scenario(exp: Experiment, name: str | None, source: str) -> Scenario:
    """The scenario called ``name`` of an experiment, or its only one."""
    names = [s.name for s in exp.scenarios]
    if name is None:
        if len(names) > 1:
            raise ValueError(f"{source} holds {len(names)} scenarios ({', '.join(names)}); pick one with "
                             "--scenario NAME (scenario=... in Python), or run them all with `culturesim sweep`")
        return exp.scenarios[0]
    if name not in names:
        close = difflib.get_close_matches(name, names, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"the file has: {', '.join(names)}"
        raise ConfigKeyError(f"{source}: no scenario named '{name}'; {hint}")
    return exp.scenarios[names.index(name)]


def _stem(path: str) -> str:
    stem = os.path.splitext(os.path.basename(path))[0]
    return stem if stem and not stem.startswith("<") else "scenario"


# -- checks ----------------------------------------------------------------------------------------
def _toml_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return f"a {type(value).__name__}"


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, (Mapping, list)):
        return _toml_type(value)
    return repr(value)


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _check_keys(src: _Source, table: Mapping[str, Any], allowed: Sequence[str], where: str,
                context: str = "") -> None:
    for key in table:
        if key not in allowed:
            close = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise src.error(ConfigKeyError, where or "top level",
                            f"unknown key '{key}'{context}; {hint}allowed: {', '.join(allowed)}", key)


def _table(src: _Source, value: Any, where: str, key: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise src.error(ValueError, where, f"'{key}' must be a table, got {_toml_type(value)}", key)
    return dict(value)


def _tables(src: _Source, value: Any, where: str, key: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise src.error(ValueError, where, f"'{key}' must be an array of tables ([[{key}]] blocks), "
                        f"got {_toml_type(value)}", key)
    return [dict(v) for v in value]


def _number(src: _Source, value: Any, where: str, key: str, allowed: str, low: float | None = None,
            high: float | None = None, integer: bool = False) -> Any:
    ok = isinstance(value, int) if integer else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok:
        kind = "a whole number" if integer else "a number"
        raise src.error(ValueError, where, f"'{key}' must be {kind} ({allowed}), got {_toml_type(value)} "
                        f"{_shown(value)}", key)
    if (isinstance(value, float) and not math.isfinite(value)) or (low is not None and value < low) or \
            (high is not None and value > high):
        raise src.error(ValueError, where, f"'{key}' = {value} is out of range; allowed {allowed}", key)
    return value


def _string(src: _Source, value: Any, where: str, key: str, allowed: str = "text") -> str:
    if not isinstance(value, str) or not value:
        raise src.error(ValueError, where, f"'{key}' must be a non-empty string ({allowed}), got "
                        f"{_toml_type(value)} {_shown(value)}", key)
    return value


def _engine_error(src: _Source, where: str, exc: Exception, strip: str | None = None) -> Exception:
    """An engine error (which names the parameter and its range) prefixed with file and table."""
    message = str(exc.args[0]) if exc.args else str(exc)
    if strip:
        message = re.sub(r"^" + re.escape(strip), "", message)
    m = re.search(r"(?:parameter|field|key of '[^']*'|unit field|unit|preset)\s+'([^'\[]+)", message)
    key = m.group(1) if m else None
    m = re.search(r"headcount of (\w+) =", message)
    key = m.group(1) if m else key
    cls = ConfigKeyError if isinstance(exc, KeyError) else ValueError
    return src.error(cls, where, message, key)


# -- building objects ------------------------------------------------------------------------------
def _experiment(src: _Source, doc: dict[str, Any], default_name: str, overrides: Mapping[str, Any]) -> Experiment:
    _check_keys(src, doc, _TOP_KEYS, "")
    settings = {}
    for key, default in RUN_DEFAULTS.items():
        value = doc.get(key, default)
        if key == "years":
            _number(src, value, "", key, "years to simulate, more than 0", low=1 / DAYS_PER_YEAR)
        elif key == "replicates":
            _number(src, value, "", key, "1 to 1000000", 1, 10**6, integer=True)
        elif key == "seed":
            _number(src, value, "", key, "a whole number from 0 to 2**63 - 1", 0, 2**63 - 1, integer=True)
        elif key == "warmup_years":
            _number(src, value, "", key, "years lived before day 0, 0 (an empty hospital) to 1000", 0, 1000)
        else:
            _number(src, value, "", key, "days per recorded period, 1 to 36500", 1, 36500, integer=True)
        settings[key] = overrides.get(key) if overrides.get(key) is not None else value

    warmup_policy = _policy(src, doc["warmup_policy"], "", "warmup_policy") if "warmup_policy" in doc else "typical"
    base = Params()
    if "params" in doc:
        _apply_params(src, base, _table(src, doc["params"], "", "params"), "params")
    hospital = _hospital(src, doc["hospital"], "hospital") if "hospital" in doc else None

    single = [k for k in ("name", "policy", "interventions") if k in doc]
    if "scenarios" in doc:
        if single:
            raise src.error(ValueError, "", f"the file has [[scenarios]] and also top-level {', '.join(single)}; "
                            "an experiment file lists its scenarios as [[scenarios]] blocks, a scenario file "
                            "writes one scenario at the top level: use one form", single[0])
        tables = _tables(src, doc["scenarios"], "", "scenarios")
        if not tables:
            raise src.error(ValueError, "", "'scenarios' is empty; give at least one [[scenarios]] block", "scenarios")
        scenarios = [_scenario(src, t, f"scenarios[{i}]", base, hospital, None) for i, t in enumerate(tables)]
    else:
        table = {k: doc[k] for k in single}
        scenarios = [_scenario(src, table, "", base, hospital, default_name)]

    names = [s.name for s in scenarios]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise src.error(ValueError, f"scenarios[{i}]", f"scenario name '{name}' is used twice "
                            f"(also by scenarios[{names.index(name)}]); names must be unique")
    try:
        return Experiment(scenarios, replicates=settings["replicates"], years=settings["years"],
                          seed=settings["seed"], record_every=settings["record_every"],
                          warmup_years=settings["warmup_years"], warmup_policy=warmup_policy)
    except ValueError as exc:
        raise src.error(ValueError, "", str(exc)) from None


def _apply_params(src: _Source, params: Params, table: dict[str, Any], where: str) -> None:
    try:
        params.update(table)
    except (ValueError, KeyError) as exc:
        raise _engine_error(src, where, exc) from None


def _hospital(src: _Source, value: Any, where: str) -> dict[str, Any] | None:
    table = _table(src, value, where.rpartition(".")[0], where.rpartition(".")[2])
    _check_keys(src, table, _HOSPITAL_KEYS, where)
    if "units" in table:
        units = _tables(src, table["units"], where, "units")
        allowed = ("name", *_engine.role_names(), "initial_hazards")
        for i, unit in enumerate(units):
            _check_keys(src, unit, allowed, f"{where}.units[{i}]")
        table["units"] = units
    try:  # the engine checks names, head counts and hazards
        _engine.scenario_toml({"name": "_", "params": {}, "policy": Policy.typical().to_dict(),
                               "interventions": [], "hospital": table})
    except (ValueError, KeyError) as exc:
        raise _engine_error(src, where, exc, strip="scenario '_': ") from None
    return None if table == default_hospital() else table


def _scenario(src: _Source, table: dict[str, Any], where: str, base: Params, hospital: dict[str, Any] | None,
              default_name: str | None) -> Scenario:
    _check_keys(src, table, _SCENARIO_KEYS, where)
    if "name" in table:
        name = _string(src, table["name"], where, "name", "the scenario's name")
    elif default_name is None:
        raise src.error(ValueError, where, 'every scenario needs a name, e.g. name = "blame"')
    else:
        name = default_name
    policy = _policy(src, table["policy"], where, "policy") if "policy" in table else Policy.typical()
    params = base.copy()
    if "params" in table:
        _apply_params(src, params, _table(src, table["params"], where, "params"), _join(where, "params"))
    if "hospital" in table:
        hospital = _hospital(src, table["hospital"], _join(where, "hospital"))
    interventions = []
    if "interventions" in table:
        for j, iv in enumerate(_tables(src, table["interventions"], where, "interventions")):
            interventions.append(_intervention(src, iv, _join(where, f"interventions[{j}]")))
    try:
        return Scenario(name, params=params, policy=policy, interventions=interventions, hospital=hospital)
    except (ValueError, KeyError) as exc:
        raise _engine_error(src, where, exc) from None


def _policy(src: _Source, value: Any, where: str, key: str) -> Policy:
    """A whole policy: a preset name, a blame level b, or a table of fields (optionally from a preset)."""
    allowed = 'a preset name ("blame", "typical", "just_culture"), a blame level from 0 to 1, or a table of fields'
    path = _join(where, key)
    if isinstance(value, str):
        if value not in POLICY_PRESETS:
            close = difflib.get_close_matches(value, list(POLICY_PRESETS), n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise src.error(ConfigKeyError, where, f"unknown policy preset '{value}' in '{key}'; {hint}allowed: "
                            + ", ".join(POLICY_PRESETS) + ", or a blame level from 0 to 1", key)
        return Policy.from_blame(POLICY_PRESETS[value])
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        _number(src, value, where, key, "a blame level from 0 (Just Culture) to 1 (blame)", 0, 1)
        return Policy.from_blame(float(value))
    if isinstance(value, Mapping):
        fields = dict(value)
        _check_keys(src, fields, _POLICY_TABLE_KEYS, path, context=" (not a policy field)")
        start = _policy(src, fields.pop("preset"), path, "preset") if "preset" in fields else Policy.typical()
        for name, v in fields.items():
            _number(src, v, path, name, "a number from 0 to 1")
        try:
            return start.replace(**fields) if fields else start
        except (ValueError, KeyError) as exc:
            raise _engine_error(src, path, exc) from None
    raise src.error(ValueError, where, f"'{key}' must be {allowed}, got {_toml_type(value)} {_shown(value)}", key)


def _policy_fields(src: _Source, value: Any, where: str, key: str) -> dict[str, float]:
    path = _join(where, key)
    fields = _table(src, value, where, key)
    _check_keys(src, fields, FIELD_NAMES, path, context=" (not a policy field)")
    for name, v in fields.items():
        _number(src, v, path, name, "a number from 0 to 1")
    try:
        Policy.typical().replace(**fields)
    except (ValueError, KeyError) as exc:
        raise _engine_error(src, path, exc) from None
    return {k: float(v) for k, v in fields.items()}


def _change_params(src: _Source, value: Any, where: str) -> dict[str, Any]:
    table = _table(src, value, where, "params")
    _apply_params(src, Params(), table, _join(where, "params"))
    return table


def _units(src: _Source, value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(u, str) for u in value):
        raise src.error(ValueError, where, f"'units' must be an array of unit names such as [\"ED\", \"ICU\"], "
                        f"got {_toml_type(value)}", "units")
    return list(value)


def _intervention(src: _Source, table: dict[str, Any], where: str) -> Intervention:
    if "day" in table:
        return _stored_intervention(src, table, where)
    kind = table.get("kind", "set")
    if not isinstance(kind, str):
        raise src.error(ValueError, where, f"'kind' must be a string, got {_toml_type(kind)}", "kind")
    kind = _KIND_ALIASES.get(kind, kind)
    if kind not in _KIND_KEYS:
        close = difflib.get_close_matches(kind, list(_KIND_KEYS), n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise src.error(ValueError, where, f"unknown intervention kind '{kind}'; {hint}allowed: "
                        + ", ".join(_KIND_KEYS), "kind")
    _check_keys(src, table, _WHEN_KEYS + _KIND_KEYS[kind], where,
                context="" if kind == "set" else f' (in a kind = "{kind}" intervention)')
    if ("at_year" in table) == ("at_day" in table):
        raise src.error(ValueError, where, "an intervention needs exactly one of at_year (years from the start) "
                        "or at_day (days from the start)")
    if "at_day" in table:
        day = _number(src, table["at_day"], where, "at_day", "a whole number of days, 0 or more", 0, integer=True)
    else:
        day = int(round(_number(src, table["at_year"], where, "at_year", "years from the start, 0 or more", 0)
                        * DAYS_PER_YEAR))
    label = _string(src, table["label"], where, "label") if "label" in table else None

    if kind == "set":
        if "policy" not in table and "params" not in table:
            raise src.error(ValueError, where, "an intervention needs something to change: policy = ... , "
                            "params = { ... }, or a kind (ramp, launch_support, fix_friction)")
        policy: Any = None
        if "policy" in table:
            value = table["policy"]
            if isinstance(value, Mapping) and "preset" not in value:
                policy = _policy_fields(src, value, where, "policy")    # set these fields
            else:
                policy = _policy(src, value, where, "policy")           # switch the whole policy
        params = _change_params(src, table["params"], where) if "params" in table else None
        iv = Intervention(at_day=day, policy=policy, params=params, label=label)
    elif kind == "ramp":
        if "years" not in table:
            raise src.error(ValueError, where, 'a kind = "ramp" intervention needs years = N (its duration)')
        years = _number(src, table["years"], where, "years", "the ramp's duration in years, more than 0",
                        low=1 / DAYS_PER_YEAR)
        low_high = "a blame level from 0 (Just Culture) to 1 (blame)"
        start = _number(src, table.get("from_blame", 1.0), where, "from_blame", low_high, 0, 1)
        end = _number(src, table.get("to_blame", 0.0), where, "to_blame", low_high, 0, 1)
        step = _number(src, table.get("step_days", 30), where, "step_days", "a whole number of days, 1 or more",
                       1, integer=True)
        iv = Intervention.ramp(0, years, from_blame=start, to_blame=end, step_days=step, label=label)
    elif kind == "launch_support":
        level = _number(src, table.get("level", 1.0), where, "level", "a support level from 0 to 1", 0, 1)
        iv = Intervention.launch_support(0, level=level, label=label)
    else:
        units = _units(src, table["units"], where) if "units" in table else None
        iv = Intervention.fix_friction(0, units=units, label=label)
    iv.day = day
    return iv


def _stored_intervention(src: _Source, table: dict[str, Any], where: str) -> Intervention:
    """An intervention as the engine stores it in results files (day, kind = set/ramp/clear_hazards)."""
    kind = table.get("kind", "set")
    if kind not in _STORED_KEYS:
        raise src.error(ValueError, where, f"unknown intervention kind '{kind}' for the stored form "
                        "(day = ...); allowed: " + ", ".join(_STORED_KEYS), "kind")
    _check_keys(src, table, ("day", "label", "kind") + _STORED_KEYS[kind], where,
                context=" (an intervention with day = ... is in the stored form; use at_day for the usual form)"
                if any(k in table for k in ("at_day", "at_year")) else "")
    day = _number(src, table["day"], where, "day", "a whole number of days, 0 or more", 0, integer=True)
    label = _string(src, table["label"], where, "label") if "label" in table else None
    if kind == "set":
        policy = _policy(src, table["policy"], where, "policy") if "policy" in table else None
        fields = _policy_fields(src, table["policy_fields"], where, "policy_fields") if "policy_fields" in table \
            else {}
        params = _change_params(src, table["params"], where) if "params" in table else None
        iv = Intervention(at_day=day, policy=policy, params=params, label=label)
        if fields:
            iv.policy_fields = fields
            if label is None:
                iv.label = iv._default_label()
    elif kind == "ramp":
        low_high = "a blame level from 0 to 1"
        start = _number(src, table.get("from_blame", 1.0), where, "from_blame", low_high, 0, 1)
        end = _number(src, table.get("to_blame", 0.0), where, "to_blame", low_high, 0, 1)
        ramp_days = _number(src, table.get("ramp_days", DAYS_PER_YEAR), where, "ramp_days",
                            "a whole number of days, 1 or more", 1, integer=True)
        step = _number(src, table.get("step_days", 30), where, "step_days", "a whole number of days, 1 or more",
                       1, integer=True)
        iv = Intervention.ramp(0, ramp_days / DAYS_PER_YEAR, from_blame=start, to_blame=end, step_days=step,
                               label=label)
        iv.extra["ramp_days"] = ramp_days
    else:
        units = _units(src, table["units"], where) if "units" in table else None
        iv = Intervention.fix_friction(0, units=units, label=label)
    iv.day = day
    return iv


# -- writing ---------------------------------------------------------------------------------------
def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        text = repr(value)
        return text if any(c in text for c in ".en") else text + ".0"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _num(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() and abs(x) < 1e15 else f"{x:g}"


def _wrap(text: str, prefix: str = "# ", width: int = 100) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width=width, initial_indent=prefix, subsequent_indent=prefix) or [prefix.rstrip()]


def params_toml() -> str:
    """The default parameters as a commented TOML scenario file (what ``culturesim params`` prints).

    Every parameter carries its description, unit, allowed range and source as comments. The file
    loads back to the defaults: the default hospital under typical practice.

    >>> import tomllib, culturesim as cs
    >>> doc = tomllib.loads(params_toml())
    >>> doc["params"]["alpha_base"] == cs.default_params()["alpha_base"]
    True
    """
    from . import __version__

    out = [
        f"# culturesim {__version__}: the default parameters of the embedded default hospital.",
        "#",
        "# A scenario file: run it with `culturesim run defaults.toml -o out.h5`. Keep only the lines you",
        "# change (every parameter left out keeps its default), or copy them into the [params] table of an",
        "# experiment file. Keyed parameters may give only some keys: quit_rate = { nurse = 0.2 }.",
        "# The format is described in docs/cli.md.",
        "",
        'name = "defaults"',
        f"years = {RUN_DEFAULTS['years']}            # simulated years per run",
        f"replicates = {RUN_DEFAULTS['replicates']}       # runs per scenario (common random numbers across scenarios)",
        f"seed = {RUN_DEFAULTS['seed']}              # replicate r uses the random stream (seed, r)",
        f"record_every = {RUN_DEFAULTS['record_every']}     # days per recorded period",
        "",
        '# The culture policy: "blame", "typical" (= blame level 0.6, current practice) or "just_culture",',
        "# a blame level b from 0 (Just Culture) to 1 (blame), or a table of fields such as",
        '#   policy = { preset = "blame", stated_safety = 0.8 }      # "Just Culture in name only"',
        "# The fields, with their blame and Just Culture values:",
    ]
    for f in Policy.fields():
        out.append(f"#   {f['name']:<24} blame {f['blame']:<5g} just {f['just_culture']:<5g} {f['description']}")
    out += ['policy = "typical"', "", "[params]"]
    for name, spec in _SPECS.items():
        out.append("")
        out += _wrap(spec["description"])
        keys = spec["keys"]
        unit = spec["unit"] or "-"
        low, high = spec["min"], spec["max"]
        rng = f"{_num(low)} to {_num(high)}" if math.isfinite(high) else f"{_num(low)} or more"
        each = " each" if keys else ""
        out += _wrap(f"unit: {unit}; allowed{each}: {rng}; source: {spec['source']}")
        if keys:
            value = _toml_value(dict(zip(keys, (float(v) for v in spec["default"]))))
        else:
            value = _toml_value(float(spec["default"][0]))
        out.append(f"{name} = {value}")
    hospital = default_hospital()
    out += ["", "# The hospital: units with a head count per role (and optionally initial_hazards, the unit's",
            "# latent system hazards at the start). Leave [hospital] out for the embedded default below.",
            "[hospital]", f"name = {_toml_value(hospital['name'])}"]
    for unit in hospital["units"]:
        out += ["", "[[hospital.units]]"] + [f"{k} = {_toml_value(v)}" for k, v in unit.items()]
    return "\n".join(out) + "\n"


def experiment_toml(definitions: Mapping[str, str], settings: Mapping[str, Any], header: str = "") -> str:
    """An experiment file from stored scenario definitions (``Scenario.to_toml()`` texts by name) and
    run settings (years, replicates, seed, record_every): re-runs a results file exactly."""
    out = [f"# {line}" if line else "#" for line in header.splitlines()]
    out += [f"{k} = {_toml_value(settings[k])}" for k in RUN_DEFAULTS if k in settings]
    if "warmup_policy" in settings:
        out += ["", "[warmup_policy]"] + [f"{k} = {_toml_value(v)}" for k, v in settings["warmup_policy"].items()]
    for text in definitions.values():
        out += ["", "[[scenarios]]"]
        for line in text.strip("\n").splitlines():
            m = re.match(r"^(\[\[?)\s*([^\]]+?)\s*(\]\]?)\s*$", line)
            out.append(f"{m.group(1)}scenarios.{m.group(2)}{m.group(3)}" if m else line)
    return "\n".join(out) + "\n"
