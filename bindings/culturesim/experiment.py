"""Experiments: scenarios x replicates x years, written to one HDF5 file, compared honestly."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from . import _engine, safe_write
from ._running import call_engine
from .outputs import DAYS_PER_YEAR
from .recording import DEFAULT_RECORDING, record_code, recording_name, recording_value
from .result import _days, _flag, _seed, _threads, warn_never_acting
from .results import ExperimentResult, open_results
from .scenario import Scenario, as_scenario
from .warmup import WARMUP_YEARS, warmup

__all__ = ["Experiment", "ExperimentResult", "open_results", "start_from"]


def start_from(start: Any) -> tuple[str, str | None] | None:
    """(path, scenario or None) of a ``start=`` argument: a results file's path, (path, scenario),
    or an ExperimentResult (its file; its only scenario, or name one with (result, scenario))."""
    if start is None:
        return None
    scenario = None
    if isinstance(start, tuple):
        if len(start) != 2 or not (start[1] is None or isinstance(start[1], str)):
            raise ValueError(f"start must be a path, (path, scenario) or a results object, got {start!r}")
        start, scenario = start
    path = getattr(start, "path", start)
    if path is None:
        raise ValueError("start: this result lives in memory only; run the experiment with a path and save_state=True")
    if not isinstance(path, (str, os.PathLike)):
        raise ValueError(f"start must be a path, (path, scenario) or a results object, got {type(start).__name__}")
    if os.path.isfile(path):  # a posterior given as a start is named as such
        safe_write.check_input(path, "start file", kind="results")
    return os.fspath(path), scenario


def _file_seed(path: str) -> int:
    """The seed stored in a results file; the default when it cannot be read (the engine then
    reports what is wrong with the file when the experiment runs)."""
    try:
        import h5py

        with h5py.File(path, "r") as f:
            return int(f.attrs["seed"])
    except (OSError, KeyError, ValueError, TypeError):
        return int(_DEFAULTS["seed"])


#: The engine's run defaults (a file without run settings gets the same).
_DEFAULTS = _engine.run_defaults


class Experiment:
    """Scenarios x replicates x years on common random numbers.

    Replicate r of every scenario uses the same random stream (seed, r) (of the scenario's
    ``stream``, default 0; over parameter draws, the scenarios of draw k share stream k), so a
    paired difference between scenarios differs only by what the scenarios change.

    >>> import culturesim as cs
    >>> exp = cs.Experiment([cs.Scenario("blame", policy="blame"),
    ...                      cs.Scenario("just", policy="just_culture")], replicates=3, years=2)
    >>> exp
    Experiment(2 scenarios x 3 replicates x 2 years, seed 0: 'blame', 'just')
    >>> res = exp.run(progress=False)
    >>> res.compare("blame", "just", "reports")["n"]
    3

    Warm start: each replicate first lives ``warmup_years`` (default 20) under ``warmup_policy``
    (default typical practice), shared by every scenario, so day 0 is today's hospital.
    ``save_state=True`` keeps each run's end state in the results file; ``start=`` carries on
    from such a file (a path, ``(path, scenario)`` or an ExperimentResult), replicate r from
    replicate r's end state, bit-identically to those runs continuing, with the file's seed and
    no warm-up of its own::

        cs.Experiment(["typical"], years=2, save_state=True).run("today.h5")
        cs.Experiment(["typical", "just_culture"], years=5, start="today.h5").run("next.h5")
    """

    def __init__(
        self,
        scenarios: Iterable[Scenario | str],
        replicates: int = _DEFAULTS["replicates"],
        years: float = _DEFAULTS["years"],
        seed: int | None = None,
        record_every: int | str = DEFAULT_RECORDING,
        warmup_years: float | None = None,
        warmup_policy: Any = "typical",
        start: Any = None,
        save_state: bool = False,
        record_warmup: bool = False,
        params: Any = None,
        draws: int | None = None,
        breakdown: bool = False,
    ):
        """params: a cs.Posterior (``draws`` parameter sets are sampled from it, 20 by default) or a
        list of parameter sets: every scenario runs with each (scenarios x draws x replicates; see
        culturesim.draws). None: the scenarios' own parameters."""
        if isinstance(scenarios, (str, Scenario)) or not isinstance(scenarios, Iterable):
            raise ValueError(
                f"scenarios must be a list of cs.Scenario objects or preset names, got "
                f"{type(scenarios).__name__} {scenarios!r}; for one scenario write [{scenarios!r}]"
            )
        self.scenarios: list[Scenario] = [as_scenario(s) for s in scenarios]
        if not self.scenarios:
            raise ValueError("an experiment needs at least one scenario")
        from collections import Counter

        dupes = sorted(n for n, k in Counter(s.name for s in self.scenarios).items() if k > 1)
        if dupes:
            raise ValueError(f"scenario names must be unique; repeated: {', '.join(dupes)}")
        most = _engine.run_limits["max_replicates"]
        if isinstance(replicates, bool) or not isinstance(replicates, (int, np.integer)) or not 1 <= replicates <= most:
            raise ValueError(f"replicates must be a whole number from 1 to {most}, got {replicates!r}")
        self.replicates = int(replicates)
        self.days = _days(years)
        self.start = start_from(start)
        if seed is None:  # carrying on needs the saved states' random key: take the file's
            seed = _file_seed(self.start[0]) if self.start is not None else _DEFAULTS["seed"]
        self.seed = _seed(seed)
        self.record_every = record_code(record_every)
        if self.start is not None and warmup_years not in (None, 0):
            raise ValueError(
                f"warmup_years={warmup_years!r} with start: an experiment that carries on from saved "
                "hospital states has no warm-up of its own; leave warmup_years out (or 0)"
            )
        if warmup_years is None:
            warmup_years = 0 if self.start is not None else WARMUP_YEARS
        self.warmup_days, self.warmup_policy = warmup(warmup_years, warmup_policy)
        if not isinstance(save_state, (bool, np.bool_)):
            raise ValueError(f"save_state must be True or False, got {save_state!r}")
        self.save_state = bool(save_state)
        if not isinstance(record_warmup, (bool, np.bool_)):
            raise ValueError(f"record_warmup must be True or False, got {record_warmup!r}")
        if record_warmup and self.warmup_days == 0:
            raise ValueError(
                f"record_warmup=True: there is no warm-up to record (warmup_years={warmup_years!r} is "
                f"{'0' if not warmup_years else 'less than half a day, so 0 days'}); give warmup_years of a day or more"
            )
        self.record_warmup = bool(record_warmup)
        #: Whether runs also record every output per unit and per role (to_xarray(by="unit"/"role")).
        self.breakdown = _flag(breakdown, "breakdown")
        for s in self.scenarios:
            warn_never_acting(s, self.days)
        #: The parameter sets of an experiment over draws (None: one set per scenario).
        self.draw_sets = None
        if params is not None or draws is not None:
            from .draws import expand, parameter_sets

            self.draw_sets = parameter_sets(params, draws, self.seed)
            self.base_scenarios = self.scenarios
            self.scenarios = expand(self.scenarios, self.draw_sets)

    @property
    def warmup_years(self) -> float:
        return self.warmup_days / DAYS_PER_YEAR

    def warmup_args(self) -> dict[str, Any]:
        """The warm-up as the engine takes it (days and the policy's fields)."""
        return {"warmup_days": self.warmup_days, "warmup_policy": self.warmup_policy.to_dict()}

    def state_args(self) -> dict[str, Any]:
        """Saved states as the engine takes them: save_state, and start as (path, scenario)."""
        start = None if self.start is None else (self.start[0], self.start[1] or "")
        return {"save_state": self.save_state, "start": start, "record_warmup": self.record_warmup}

    @property
    def years(self) -> float:
        return self.days / DAYS_PER_YEAR

    @property
    def recording(self) -> str | int:
        """How runs are recorded, as written: "month", "quarter", "year" or days per period."""
        return recording_value(self.record_every)

    @property
    def n_runs(self) -> int:
        return len(self.scenarios) * self.replicates

    @property
    def simulated_years(self) -> float:
        """Years the engine steps for the whole experiment: every run's years, and each warm-up
        once per replicate for the scenarios that share it (same hospital, parameters and stream).

        >>> import culturesim as cs
        >>> cs.Experiment(["typical", "just_culture"], replicates=4, years=5).simulated_years
        120.0
        """
        warm = 0 if self.start is not None else self.warmup_days
        days = _engine.simulated_days(self.scenario_dicts(), self.replicates, self.days, warm)
        return days / DAYS_PER_YEAR

    def scenario_dicts(self) -> list[dict[str, Any]]:
        return [s.to_dict() for s in self.scenarios]

    def run(
        self,
        path: str | os.PathLike | None = None,
        executor: Any = None,
        progress: bool = True,
        resume: bool = False,
        force: bool = False,
        threads: int | None = None,
        runs: Sequence[tuple[int, int]] | None = None,
        max_memory: float | None = None,
        max_disk: float | None = None,
        description: str | None = None,
    ) -> "ExperimentResult":
        """Runs every (scenario, replicate) and returns the results.

        path: the HDF5 file to write (runs are written as they finish); None keeps the results in
        memory only. An existing file is refused unless ``resume`` (continue it: finished runs are
        not recomputed) or ``force`` (start it again). executor: None runs on this machine's
        cores; a concurrent.futures Executor or a dask.distributed Client spreads tasks over a
        cluster (see culturesim.cluster). runs: only these (scenario, replicate) pairs.
        max_memory / max_disk: bytes the experiment may use; by default what the machine has free.
        Both are estimated before anything runs, and an experiment that would not fit is refused
        with ValueError (nothing is written). description: free text stored with the file's
        provenance (with its creation time, the software versions and the calling script, notebook
        or command line; see ``ExperimentResult.provenance``).
        """
        from . import provenance as _provenance

        made_by = _provenance.collect(description)
        limits = {
            name: _byte_limit(name, value) for name, value in (("max_memory", max_memory), ("max_disk", max_disk))
        }
        if resume and force:
            raise ValueError("choose one of resume (continue the file) or force (start it again)")
        temporary = path is None
        if temporary:
            tmpdir = tempfile.TemporaryDirectory(prefix="culturesim-")
            path = os.path.join(tmpdir.name, "results.h5")
        else:  # the rule for every writer (docs/safety.md), before any work
            safe_write.check_outputs(
                [safe_write.Output(path, "results")], force=force, resume=resume, flags=safe_write.PYTHON
            )
        path = os.fspath(path)
        # A replacement is written aside and moved over the old file only once complete.
        target = safe_write.results_target(path, "resume" if resume else ("overwrite" if force else "create"))
        path, mode, final = target.target, target.mode, path
        try:
            try:
                if executor is not None:
                    if self.breakdown:
                        raise ValueError(
                            "breakdown (series per unit and role) is recorded by runs on this machine only; run "
                            "without an executor, or without breakdown on a cluster"
                        )
                    from .cluster import run_on_executor

                    if self.save_state or self.start is not None or self.record_warmup:
                        raise ValueError(
                            "save_state, start and record_warmup run on this machine only (executor=None): "
                            "the cluster routes send series, not hospital states or warm-ups"
                        )
                    run_on_executor(
                        self,
                        path,
                        executor,
                        mode=mode,
                        progress=progress,
                        runs=runs,
                        max_disk=limits["max_disk"],
                        provenance=made_by,
                    )
                else:
                    todo = self.n_runs if runs is None else len(runs)
                    call_engine(
                        _engine.run_experiment,
                        total_days=round(self.simulated_years * DAYS_PER_YEAR * todo / self.n_runs),
                        total_runs=todo,
                        progress=progress,
                        desc="experiment",
                        scenarios=self.scenario_dicts(),
                        replicates=self.replicates,
                        days=self.days,
                        record_every=self.record_every,
                        seed=self.seed,
                        threads=_threads(threads),
                        path=path,
                        mode=mode,
                        runs=runs,
                        provenance=made_by,
                        breakdown=self.breakdown,
                        **limits,
                        **self.warmup_args(),
                        **self.state_args(),
                    )
            except FileExistsError:  # the engine's message speaks C++; the file is untouched
                if force:  # another writer created it first: its message says so
                    raise
                raise FileExistsError(
                    f"results file '{path}' already exists; pass force=True (--force on the "
                    f"command line) to replace it, or resume=True (--resume) to continue "
                    f"it"
                ) from None
            target.publish()
            path = final
            result = open_results(path, experiment=self)
            if temporary:
                result.load()
                result.path = None
            return result
        finally:
            target.discard()  # an unfinished replacement; the old file stays (nothing after publish)
            if temporary:
                tmpdir.cleanup()

    def __repr__(self) -> str:
        shown = self.scenarios if self.draw_sets is None else self.base_scenarios
        names = ", ".join(repr(s.name) for s in shown)
        draws = "" if self.draw_sets is None else f"{len(self.draw_sets)} draws x "
        return (
            f"Experiment({len(shown)} scenario{'s' if len(shown) != 1 else ''} x {draws}"
            f"{self.replicates} replicates x {self.years:g} years, seed {self.seed}"
            f"{'' if self.record_every == record_code('month') else ', by ' + recording_name(self.record_every)}"
            f"{f', after {self.warmup_years:g} warm-up years' if self.warmup_days else ''}"
            f"{self._start_text()}{', saving end states' if self.save_state else ''}: {names})"
        )

    def _start_text(self) -> str:
        if self.start is None:
            return ""
        path, scenario = self.start
        return f", from the end states of {f'{scenario!r} in ' if scenario else ''}{os.path.basename(path)}"


def _byte_limit(name: str, value: Any) -> float:
    """A byte limit as the engine takes it: 0 for None (what the machine has free)."""
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not value > 0:
        raise ValueError(
            f"{name} must be a positive number of bytes (or None for what the machine has free), got {value!r}"
        )
    return float(value)
