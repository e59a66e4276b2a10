"""Typed stub of culturesim._engine, the compiled engine (bindings/bind_*.cpp).

Private: analysts use the culturesim package, which describes scenarios as plain dicts and calls
these functions. The stub exists so editors and notebooks autocomplete and type-check; it must
match the bindings (tests/python/test_engine_stub.py checks every name and argument).

Errors: the engine raises ValueError (a value out of range or of the wrong type), KeyError (an
unknown name, with the closest one suggested), FileExistsError (a results file that exists),
OSError (a results file that cannot be used) and KeyboardInterrupt (a run cancelled).
"""

from collections.abc import Sequence
from typing import Any, SupportsFloat, SupportsIndex, SupportsInt

import numpy as np
import numpy.typing as npt

_Int = SupportsInt | SupportsIndex
_Float = SupportsFloat | SupportsIndex

#: The package version (pyproject.toml), e.g. "0.1.0".
__version__: str
#: The engine's version, stored in every results file.
engine_version: str
#: Compiler, build type and architecture of this build, e.g. "GNU 12.2.0, Release, x86_64".
build_info: str

# -- handles ----------------------------------------------------------------------------------------

class Cancel:
    """A handle that stops a running engine call at its next period."""

    def __init__(self) -> None: ...
    def cancel(self) -> None:
        """Asks the engine call holding this handle to stop; it raises KeyboardInterrupt."""
    @property
    def cancelled(self) -> bool: ...

class Progress:
    """Counters of finished runs and simulated days, readable while running."""

    def __init__(self) -> None: ...
    @property
    def runs_done(self) -> int: ...
    @property
    def days_done(self) -> int: ...
    @property
    def days_total(self) -> int: ...

# -- tables -----------------------------------------------------------------------------------------

def parameter_specs() -> list[dict[str, Any]]:
    """Every model parameter in table order: name, kind, min, max, unit, description, source, keys
    (empty for scalars) and default (a list, one value per key)."""

def prior_specs() -> list[dict[str, Any]]:
    """The priors of the uncertain parameters in table order: name, distribution (uniform or
    loguniform), low, high, basis (source or judgement), why."""

def range_specs() -> list[dict[str, Any]]:
    """The range of every cost parameter in table order: name, low, high, basis (lists, one value
    per key; basis source or assumption), output (the cost output it is summed into), why."""

def default_params() -> dict[str, Any]:
    """The default parameter values as a dict (keyed parameters as dicts by key)."""

def validate_params(params: dict[str, Any]) -> dict[str, Any]:
    """Validates parameter overrides on top of the defaults; returns the full set.
    Raises ValueError / KeyError."""

def policy_field_specs() -> list[dict[str, Any]]:
    """Every policy field with its value in the blame and Just Culture presets and a description."""

def policy_from_blame(b: _Float) -> dict[str, float]:
    """The policy at blame level b (1 = blame, 0 = Just Culture), as a dict."""

def validate_policy(fields: dict[str, Any]) -> dict[str, float]:
    """Validates policy fields on top of typical(); returns the full policy.
    Raises ValueError / KeyError."""

def output_specs() -> list[dict[str, str]]:
    """Every recorded output: name, unit, kind (flow or level), description."""

def default_hospital() -> dict[str, Any]:
    """The embedded default hospital (about 1,000 clinicians in five units):
    {'name': ..., 'units': [{'name': ..., 'nurse': ..., ...}, ...]}."""

def role_names() -> list[str]:
    """The clinician roles, in the order of per-role parameters and snapshot role codes."""

def category_names() -> dict[str, list[str]]:
    """The model's categories (role, severity, response, behaviour, disclosure), each in code order."""

def policy_presets() -> dict[str, float]:
    """The policy presets: name -> blame level b."""

#: Days in a simulated year (core::kDaysPerYear).
days_per_year: int
#: The run limits: max_days, max_record_every, max_replicates, max_threads, max_warmup_years.
run_limits: dict[str, int]

# -- the scenario schema (experiments/schema.hpp) ---------------------------------------------------

def file_format(path: str) -> str:
    """The root attribute 'format' of an HDF5 file, read safely (fixed-length strings only); ''
    when not HDF5 or damaged, '?' when it opens without a fixed-length 'format'."""

def check_plan(
    text: str,
    source: str,
    default_name: str,
    years: float | None = None,
    replicates: int | None = None,
    record_every: int | None = None,
    threads: int = 0,
    max_memory: float = 0.0,
    max_disk: float = 0.0,
    path: str = "",
) -> dict[str, Any]:
    """The size of the plan a file describes, before its sweep is expanded: {'scenarios', 'runs',
    'memory', 'disk'} (bytes); ValueError when it exceeds the limits (0: what is free)."""

def load_experiment(text: str, source: str = "<string>", default_name: str = "scenario") -> dict[str, Any]:
    """Reads an experiment file or a scenario file (TOML text): {'years', 'replicates', 'seed',
    'record_every', 'scenarios': [scenario dicts], 'deprecations': [str], 'notes': [str]}."""

def dump(scenario: dict[str, Any]) -> str:
    """A scenario dict as a complete scenario file (the form stored in results files). Validates it."""

def dump_experiment(
    scenarios: list[dict[str, Any]],
    years: _Float,
    replicates: _Int,
    seed: _Int,
    record_every: _Int,
    header: str = "",
    warmup_years: _Float = 20.0,
    warmup_policy: dict[str, float] | None = None,
    save_state: bool = False,
    start: str = "",
    start_scenario: str = "",
    record_warmup: bool = False,
    breakdown: bool = False,
) -> str:
    """An experiment file of scenario dicts and run settings."""

def schedule_notes(scenario: dict[str, Any], days: _Int) -> list[str]:
    """Notes on interventions of a scenario dict that never act in `days` days."""

def policy_timeline(scenario: dict[str, Any]) -> list[dict[str, Any]]:
    """The policy of a scenario dict over time, as its interventions set it: [{'day', 'label', 'policy' (every
    field)}], starting with the scenario's own policy on day 0 (a ramp gives one entry per step)."""

def intervention_kinds() -> list[str]:
    """The intervention kinds of scenario files."""

def defaults_file() -> str:
    """The default parameters as a commented scenario file (what `culturesim params` prints)."""

#: The run settings of a file that gives none: years, replicates, seed, record_every.
run_defaults: dict[str, float | int]

def parameters_markdown() -> str:
    """The parameter table as Markdown (docs/parameters.md)."""

# -- running ----------------------------------------------------------------------------------------

def run(
    scenario: dict[str, Any],
    days: _Int,
    record_every: _Int = 30,
    snapshot_every: _Int = 0,
    seed: _Int = 0,
    replicate: _Int = 0,
    threads: _Int = 0,
    cancel: Cancel | None = None,
    progress: Progress | None = None,
    warmup_days: _Int = 0,
    warmup_policy: dict[str, float] | None = None,
    breakdown: bool = False,
) -> dict[str, Any]:
    """One run of a scenario dict. Returns {'series': (outputs, periods) float64 array,
    'period_start_day', 'period_days', 'snapshots'}. Releases the GIL while it runs."""

def run_together(
    scenarios: Sequence[dict[str, Any]],
    days: _Int,
    record_every: _Int = 30,
    snapshot_every: _Int = 0,
    seed: _Int = 0,
    replicate: _Int = 0,
    threads: _Int = 0,
    cancel: Cancel | None = None,
    progress: Progress | None = None,
    warmup_days: _Int = 0,
    warmup_policy: dict[str, float] | None = None,
) -> list[dict[str, Any]]:
    """One run of each scenario dict on the same random numbers; scenarios with the same hospital
    and parameters share one warm-up. Returns a list of run dicts, as run() returns."""

def run_block(
    scenario: dict[str, Any],
    replicates: Sequence[_Int],
    days: _Int,
    record_every: _Int = 30,
    seed: _Int = 0,
    threads: _Int = 0,
    cancel: Cancel | None = None,
    progress: Progress | None = None,
    warmup_days: _Int = 0,
    warmup_policy: dict[str, float] | None = None,
) -> npt.NDArray[np.float64]:
    """Runs replicates of one scenario in parallel; returns a (replicate, output, period) array.
    The unit of work of cluster sweeps."""

# -- results files ----------------------------------------------------------------------------------

def simulated_days(scenarios: list[dict[str, Any]], replicates: _Int, days: _Int, warmup_days: _Int) -> int:
    """Days an experiment of these scenario dicts steps: each run's days, and each warm-up once per
    replicate and group of scenarios with the same hospital and parameters."""

def run_experiment(
    scenarios: list[dict[str, Any]],
    replicates: _Int,
    days: _Int,
    record_every: _Int,
    seed: _Int,
    threads: _Int,
    path: str,
    mode: str = "create",
    runs: Sequence[tuple[_Int, _Int]] | None = None,
    cancel: Cancel | None = None,
    progress: Progress | None = None,
    max_memory: float = 0.0,
    max_disk: float = 0.0,
    warmup_days: _Int = 0,
    warmup_policy: dict[str, float] | None = None,
    save_state: bool = False,
    start: tuple[str, str] | None = None,
    record_warmup: bool = False,
    provenance: dict[str, str | list[str]] | None = None,
    breakdown: bool = False,
) -> int:
    """Runs an experiment (scenario dicts x replicates) and writes every run to the HDF5 file
    `path` as it finishes. mode: 'create' (refuse an existing file), 'overwrite', or 'resume'
    (skip finished runs). max_memory / max_disk: limits in bytes (0: what the machine has free),
    checked before any run starts. save_state: keep each run's end state in the file. start:
    (path, scenario) of a file with saved states to carry on from (scenario '' = the file's only
    one). record_warmup: keep the warm-up year by year. provenance: {field: text} for a new file
    (see provenance_fields). Returns the number of runs computed."""

def verify_results(path: str) -> int:
    """Checks a results file read-only: format version, HDF5 structure, the checksum of its stored
    definition and of every finished run. Returns the number of finished runs; raises OSError
    naming the file and what is damaged."""

def merge_results(
    parts: list[str], out: str, overwrite: bool = False, provenance: dict[str, str | list[str]] | None = None
) -> int:
    """Merges results files of shards of one experiment into `out` (see culturesim.cluster.merge).
    Returns the number of runs in `out`."""

def provenance_fields() -> list[dict[str, Any]]:
    """The attributes of a results file's /provenance group: [{'name', 'list', 'description'}], in order."""

provenance_group: str
provenance_checksum: str
pybind11_version: str

class ResultsWriter:
    """An experiment's results file open for writing runs computed anywhere (cluster workers)."""

    def __init__(
        self,
        scenarios: list[dict[str, Any]],
        replicates: _Int,
        days: _Int,
        record_every: _Int,
        seed: _Int,
        path: str,
        mode: str = "create",
        max_disk: float = 0.0,
        warmup_days: _Int = 0,
        warmup_policy: dict[str, float] | None = None,
        provenance: dict[str, str | list[str]] | None = None,
    ) -> None: ...
    def pending(self) -> list[tuple[int, int]]:
        """(scenario, replicate) pairs not yet in the file."""
    def write(self, scenario: _Int, replicate: _Int, values: npt.ArrayLike) -> None:
        """Writes one run's (output, period) values and marks it done."""
    def done(self, scenario: _Int, replicate: _Int) -> bool: ...
    @property
    def done_count(self) -> int: ...
    @property
    def path(self) -> str: ...
    def close(self) -> None: ...

# -- recording calendars and sweeps (core/calendar.hpp, experiments/sweep.hpp) -----------------------

#: The recording calendars: name -> the record_every code files carry (month -12, quarter -4, year -1).
calendars: dict[str, int]
#: Days of each month of the model's 365-day year.
month_days: list[int]

def sweep_names() -> list[str]:
    """What a sweep may vary: blame, policy fields, parameters (keyed as name[key])."""

def expand_sweep(
    base: dict[str, Any],
    grid: Sequence[tuple[str, Sequence[float]]],
    points: Sequence[Sequence[tuple[str, float]]],
) -> list[dict[str, Any]]:
    """The scenario dicts of a sweep over `base`: grid [(name, values), ...] (every combination) or
    points [[(name, value), ...], ...]."""

def swept_quantity(scenario: dict[str, Any], name: str) -> float:
    """The value of a sweep name in a scenario dict (blame: its b, or NaN when the policy is not
    from_blame(b))."""
