"""Scenario and experiment files in TOML: loading them with clear errors, writing the defaults.

An **experiment file** holds run settings, base parameters, an optional hospital and a list of
scenarios; a **scenario file** holds one scenario at the top level instead of ``[[scenarios]]``.
The TOML the engine stores in every results file (``Scenario.to_toml()``) is a scenario file too,
so a stored definition re-runs exactly. The format is documented in ``docs/cli.md``.

The engine reads and writes these files (``experiments/schema.cpp``, through
``_engine.load_experiment`` and ``_engine.dump``); this module only finds the file, turns the
engine's scenarios into ``cs.Scenario`` views and its notes into warnings.

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
import os
import warnings
from collections.abc import Mapping
from typing import Any

from . import _engine
from .experiment import Experiment
from .policy import PRESETS
from .recording import record_code, recording_value
from .scenario import Scenario

__all__ = [
    "ConfigKeyError",
    "experiment_toml",
    "load_experiment",
    "load_scenario",
    "loads_experiment",
    "params_toml",
    "POLICY_PRESETS",
    "RUN_DEFAULTS",
]

#: Run settings of an experiment file and their defaults.
RUN_DEFAULTS: dict[str, Any] = {
    k: recording_value(v)
    if k == "record_every"
    else v
    if isinstance(v, bool)
    else (int(v) if float(v).is_integer() else v)
    for k, v in _engine.run_defaults.items()
}
#: Policy preset names accepted wherever a policy is expected (the engine's).
POLICY_PRESETS: dict[str, float] = PRESETS


class ConfigKeyError(KeyError):
    """An unknown key in a scenario or experiment file (a KeyError whose message prints plainly)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


# -- reading ---------------------------------------------------------------------------------------
def _read(path: str | os.PathLike) -> str:
    from .safe_write import MAX_TOML_BYTES, read_input

    # A regular file of bounded size only: /dev/zero or a FIFO is refused at once (docs/safety.md).
    raw = read_input(path, "TOML file", MAX_TOML_BYTES)
    path = os.fspath(path)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ValueError(f"{path}, line {line}: not a text file in UTF-8 (TOML files are UTF-8)") from None


def _load(text: str, source: str, default_name: str, stacklevel: int = 4) -> dict[str, Any]:
    """The engine's reading of a file, its notes shown as warnings."""
    try:
        loaded = _engine.load_experiment(text, source, default_name)
    except KeyError as exc:  # a KeyError's str() would quote the message
        raise ConfigKeyError(exc.args[0] if exc.args else "") from None
    for note in loaded["deprecations"]:
        warnings.warn(note, FutureWarning, stacklevel=stacklevel)
    # loaded["notes"] (interventions after the run's end) are left to Experiment, which knows the
    # run's length after any override of years.
    return loaded


def load_experiment(
    path: str | os.PathLike,
    *,
    years: float | None = None,
    replicates: int | None = None,
    seed: int | None = None,
    record_every: int | str | None = None,
) -> Experiment:
    """Reads an experiment file (or a scenario file: an experiment of one scenario).

    Keyword arguments that are not None override the file's run settings.
    Raises FileNotFoundError, ValueError (malformed TOML, wrong types, out-of-range values) or
    KeyError (unknown keys), each naming the file, the table and the field.
    """
    text = _read(path)
    return _experiment(
        _load(text, os.fspath(path), _stem(os.fspath(path))),
        {"years": years, "replicates": replicates, "seed": seed, "record_every": record_every},
        folder=os.path.dirname(os.path.abspath(os.fspath(path))),
    )


def loads_experiment(text: str, source: str = "<string>", **overrides: Any) -> Experiment:
    """load_experiment() for TOML text; ``source`` names it in error messages."""
    return _experiment(_load(text, source, _stem(source)), overrides)


def load_scenario(path: str | os.PathLike, name: str | None = None) -> Scenario:
    """Reads one scenario: the file's only scenario, or the one called ``name``."""
    exp = load_experiment(path)
    return pick_scenario(exp, name, os.fspath(path))


def pick_scenario(exp: Experiment, name: str | None, source: str) -> Scenario:
    """The scenario called ``name`` of an experiment, or its only one (over draws: as written, before
    its draws; ``exp.draw_sets`` holds them)."""
    scenarios = exp.scenarios if exp.draw_sets is None else exp.base_scenarios
    names = [s.name for s in scenarios]
    if name is None:
        if len(names) > 1:
            raise ValueError(
                f"{source} holds {len(names)} scenarios ({', '.join(names)}); pick one with "
                "--scenario NAME (scenario=... in Python), or run them all with `culturesim sweep`"
            )
        return scenarios[0]
    if name not in names:
        close = difflib.get_close_matches(name, names, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"the file has: {', '.join(names)}"
        raise ConfigKeyError(f"{source}: no scenario named '{name}'; {hint}")
    return scenarios[names.index(name)]


def _stem(path: str) -> str:
    stem = os.path.splitext(os.path.basename(path))[0]
    return stem if stem and not stem.startswith("<") else "scenario"


def _experiment(loaded: dict[str, Any], overrides: Mapping[str, Any], folder: str | None = None) -> Experiment:
    from .policy import Policy

    settings = {k: overrides[k] if overrides.get(k) is not None else loaded[k] for k in RUN_DEFAULTS}
    if overrides.get("record_every") is None:  # the engine's code of a calendar, as users write it
        settings["record_every"] = recording_value(settings["record_every"])
    scenarios = [Scenario._from_engine(s) for s in loaded["scenarios"]]
    start = None
    if loaded["start"]:
        # A relative start file is relative to the TOML file that names it, as paths in files are.
        path = loaded["start"] if folder is None else os.path.normpath(os.path.join(folder, loaded["start"]))
        start = (path, loaded["start_scenario"] or None)
    posterior, draws = _draws(loaded["draws"], folder)
    return Experiment(
        scenarios,
        **settings,
        warmup_policy=Policy(**loaded["warmup_policy"]),
        save_state=loaded["save_state"],
        start=start,
        record_warmup=loaded["record_warmup"],
        params=posterior,
        draws=draws,
    )


#: ``posterior = "default"`` names the posterior shipped with the package.
DEFAULT_POSTERIOR = "default"


def _draws(request: Mapping[str, Any], folder: str | None) -> tuple[Any, int | None]:
    """(the posterior, draws) a file's [params] asks for, or (None, None); the engine has checked the
    keys' types and ranges, this opens the posterior, naming the file, line and field if it cannot."""
    from .posterior import SHIPPED, open_posterior

    written = request["posterior"]
    if not written:
        return None, None
    path = SHIPPED if written == DEFAULT_POSTERIOR else written
    if written != DEFAULT_POSTERIOR and folder is not None:  # relative to the TOML file, as paths in files are
        path = os.path.join(folder, os.path.expanduser(written))
    where = f'{request["location"]}: posterior = "{written}"'
    allowed = f'allowed: "{DEFAULT_POSTERIOR}" (the posterior shipped with culturesim) or the path of a posterior file'
    if not os.path.isfile(path):
        what = "is a directory" if os.path.isdir(path) else "does not exist"
        raise FileNotFoundError(f"{where}: '{path}' {what}; {allowed} written by cs.calibrate")
    import h5py

    if not h5py.is_hdf5(path):
        raise OSError(f"{where}: '{path}' is not a culturesim posterior file (not even HDF5); {allowed}")
    try:
        posterior = open_posterior(path)
    except OSError as exc:  # not HDF5, not a posterior, another format version
        raise OSError(f"{where}: {exc}; {allowed}") from None
    return posterior, (int(request["draws"]) or None)


# -- writing ---------------------------------------------------------------------------------------
def params_toml() -> str:
    """The default parameters as a commented TOML scenario file (what ``culturesim params`` prints).

    Every parameter carries its description, unit, allowed range and source as comments. The file
    loads back to the defaults: the default hospital under typical practice. The engine writes it
    (experiments/schema.cpp), like every other scenario file.

    >>> import tomllib, culturesim as cs
    >>> doc = tomllib.loads(params_toml())
    >>> doc["params"]["alpha_base"] == cs.default_params()["alpha_base"]
    True
    """
    return _engine.defaults_file()


def experiment_toml(definitions: Mapping[str, str], settings: Mapping[str, Any], header: str = "") -> str:
    """An experiment file from stored scenario definitions (``Scenario.to_toml()`` texts by name) and
    run settings (years, replicates, seed, record_every): re-runs a results file exactly. The engine
    reads each definition and writes the file (definitions of older versions load too)."""
    scenarios = []
    for name, text in definitions.items():
        (scenario,) = _load(text, f"stored definition of '{name}'", name)["scenarios"]
        scenarios.append(scenario)
    full = {**RUN_DEFAULTS, **{k: v for k, v in settings.items() if k in RUN_DEFAULTS}}
    return _engine.dump_experiment(
        scenarios,
        float(full["years"]),
        int(full["replicates"]),
        int(full["seed"]),
        record_code(full["record_every"]),
        header,
        warmup_years=float(full["warmup_years"]),
        warmup_policy=settings.get("warmup_policy"),
        save_state=bool(settings.get("save_state", False)),
        start=settings.get("start") or "",
        start_scenario=settings.get("start_scenario") or "",
        record_warmup=bool(settings.get("record_warmup", False)),
        breakdown=bool(full["breakdown"]),
    )
