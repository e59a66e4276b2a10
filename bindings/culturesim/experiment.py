"""Experiments: scenarios x replicates x years, written to one HDF5 file, compared honestly."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from . import _engine, safe_write
from ._running import call_engine
from .outputs import DAYS_PER_YEAR, DERIVED, FLOWS, OUTPUT_NAMES, check_metric
from .provenance import read as read_provenance
from .recording import DEFAULT_RECORDING, record_code, recording_name, recording_value
from .result import _days, _flag, _seed, _threads, warn_never_acting
from .scenario import Scenario, as_scenario
from .warmup import WARMUP_YEARS, warmup


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


class ExperimentResult:
    """The results of an experiment: every output as (scenario, replicate, period).

    Read from an HDF5 results file (``cs.open_results(path)``) or returned by Experiment.run.
    """

    def __init__(self, path: str | None, experiment: Experiment | None = None):
        self.path = path
        self.experiment = experiment
        self._data: dict[str, np.ndarray] | None = None
        self._warmup: dict[str, np.ndarray] = {}
        self._read_metadata()

    # -- reading -----------------------------------------------------------------------------
    def _read_metadata(self) -> None:
        import h5py

        with h5py.File(self.path, "r") as f:
            if _plain(f.attrs.get("format")) != "culturesim-results":
                raise OSError(f"'{self.path}' is not a culturesim results file")
            self.attrs = {k: _plain(v) for k, v in f.attrs.items()}
            self.scenarios: list[str] = list(f["coords/scenario"].asstr()[:])
            self.period_start_day = f["coords/period_start_day"][:]
            self.period_days = f["coords/period_days"][:]
            self.done = f["done"][:].astype(bool)
            self.scenario_attrs = {
                name: {k: _plain(v) for k, v in f[f"scenarios/{name}"].attrs.items()} for name in self.scenarios
            }
            self.definitions = {name: f[f"scenarios/{name}/definition"].asstr()[()] for name in self.scenarios}
            self.units = {n: _plain(f[f"series/{n}"].attrs.get("unit", "")) for n in f["series"]}
            #: When, by which software and command, and why the file was made (cs.provenance.FIELDS).
            self.provenance: dict[str, Any] = read_provenance(f)
            names = list(f["series"])
            #: Series per unit and per role (a file recorded with breakdown), read by to_xarray(by=...).
            self.breakdown_series = [n for n in names if n.startswith(("by_unit.", "by_role."))]
            self.units = {n: _plain(f[f"series/{n}"].attrs.get("unit", "")) for n in names if not n.startswith("by_")}

    def load(self) -> "ExperimentResult":
        """Reads every series into memory (done automatically on first use)."""
        if self._data is None:
            import h5py

            with h5py.File(self.path, "r") as f:
                self._data = {name: f[f"series/{name}"][...] for name in f["series"] if not name.startswith("by_")}
                self._groups = {name: f[f"series/{name}"][...] for name in self.breakdown_series}
                # A recorded warm-up (record_warmup): one run array per output.
                self._warmup = {
                    name: f[f"arrays/warmup.{name}"][...] for name in OUTPUT_NAMES if f"arrays/warmup.{name}" in f
                }
        return self

    @property
    def data(self) -> dict[str, np.ndarray]:
        return self.load()._data  # type: ignore[return-value]

    @property
    def replicates(self) -> int:
        return int(self.done.shape[1])

    @property
    def seed(self) -> int:
        return int(self.attrs["seed"])

    @property
    def years(self) -> float:
        return float(self.attrs["years"])

    @property
    def description(self) -> str:
        """The free-text description given when the file was made ("" if none)."""
        return str(self.provenance.get("description", ""))

    @property
    def complete(self) -> bool:
        return bool(self.done.all())

    def __getitem__(self, metric: str) -> np.ndarray:
        """(scenario, replicate, period) array of a recorded or derived output."""
        check_metric(metric)
        if metric in DERIVED:
            return sum(self.data[p] for p in DERIVED[metric][0])
        return self.data[metric]

    def _index(self, scenario: str | int) -> int:
        if isinstance(scenario, (int, np.integer)) and not isinstance(scenario, bool):
            if not 0 <= scenario < len(self.scenarios):
                raise KeyError(f"scenario index {scenario} out of range; there are {len(self.scenarios)}")
            return int(scenario)
        if scenario not in self.scenarios:
            import difflib

            close = difflib.get_close_matches(str(scenario), self.scenarios, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f"; allowed: {', '.join(self.scenarios)}"
            raise KeyError(f"unknown scenario '{scenario}'{hint}")
        return self.scenarios.index(scenario)

    # -- views -------------------------------------------------------------------------------
    def coords(self) -> dict[str, np.ndarray]:
        """One value per scenario of each coordinate: ``blame`` (the blame level b of its starting
        policy, NaN when that is not Policy.from_blame(b)), every policy field, the swept names
        and every parameter that differs between scenarios (keyed ones as name[key])."""
        from .tidy import coordinates

        return coordinates(self)

    @property
    def swept(self) -> list[str]:
        """The names this file's sweep varied (empty for a file without one)."""
        from .tidy import swept_names

        return swept_names(self)

    def groups(self, by: str) -> list[str]:
        """The units (by="unit", in hospital order) or roles (by="role") of a file recorded with breakdown."""
        if by not in ("unit", "role"):
            raise ValueError(f"by must be 'unit' or 'role' (series per unit or per role), got {by!r}")
        if not self.breakdown_series:
            raise ValueError(
                f"'{self.path}' holds no series per unit or role; run the experiment with breakdown=True "
                "(breakdown = true in its file) to record them"
            )
        if by == "unit":
            return list(self.scenario_attrs[self.scenarios[0]]["units"])
        return list(self.attrs["keys.per_role"])

    def to_xarray(self, grid: bool = False, by: str | None = None):
        """An xarray Dataset with dims (scenario, replicate, period); unfinished runs are NaN.

        Every recorded and derived output (harm_events, cost_total, ...) is a variable. Each
        scenario's coordinates (see coords(): blame, policy fields, swept names, changed
        parameters) lie along ``scenario``; swept names are indexed, so ``.sel(blame=0.3)``
        selects by value (one swept name per .sel call). ``grid=True``: the sweep's scenarios
        only, with one dimension per swept name instead of ``scenario``. ``by="unit"`` or
        ``by="role"`` (a file recorded with breakdown): every output per unit or role, dims
        (scenario, replicate, unit | role, period).
        """
        import xarray as xr

        from .tidy import add_coordinates
        from .tidy import grid as to_grid

        coords = {
            "scenario": self.scenarios,
            "replicate": np.arange(self.replicates),
            "period": np.arange(len(self.period_start_day)),
            "day": ("period", self.period_start_day),
            "year": ("period", self.period_start_day / DAYS_PER_YEAR),
            "period_days": ("period", self.period_days),
        }
        dims: tuple[str, ...] = ("scenario", "replicate", "period")
        data = self.data
        if by is not None:
            names = self.groups(by)
            self.load()
            data = {o: np.stack([self._groups[f"by_{by}.{g}.{o}"] for g in names], axis=2) for o in self.data}
            dims = ("scenario", "replicate", by, "period")
            coords[by] = names
        data_vars = {
            name: (dims, values, {"unit": self.units.get(name, ""), "kind": "flow" if name in FLOWS else "level"})
            for name, values in data.items()
        }
        for name, (parts, kind, unit, description) in DERIVED.items():
            data_vars[name] = (
                dims,
                sum(data[p] for p in parts),
                {"unit": unit, "kind": kind, "description": description, "derived": "yes"},
            )
        ds = xr.Dataset(
            data_vars, coords=coords, attrs={k: v for k, v in self.attrs.items() if isinstance(v, (str, int, float))}
        )
        ds = add_coordinates(ds, self)
        return to_grid(ds, self) if grid else ds

    def warmup_xarray(self):
        """The warm-up year by year, from an experiment run with ``record_warmup=True``: an xarray
        Dataset with dims (scenario, replicate, period) whose ``day`` coordinate is negative (day 0
        is when the scenarios' own policies begin); flows are summed over each year, levels are
        the year's end. Scenarios that share a warm-up show the same values.

        >>> import culturesim as cs
        >>> res = cs.Experiment(["typical"], replicates=2, years=1, warmup_years=3,
        ...                     record_warmup=True).run(progress=False)
        >>> res.warmup_xarray()["burnout_prevalence"].sizes["period"], res.warmup_xarray()["day"].values
        (3, array([-1095.,  -730.,  -365.]))
        """
        import xarray as xr

        if "warmup_period_start_day" not in self.attrs:
            raise ValueError(
                "this results file holds no recorded warm-up; run the experiment with record_warmup=True "
                "(record_warmup = true in TOML)"
            )
        start = np.asarray(self.attrs["warmup_period_start_day"], dtype=float)
        values = self.load()._warmup
        coords = {
            "scenario": self.scenarios,
            "replicate": np.arange(self.replicates),
            "period": np.arange(len(start)),
            "day": ("period", start),
            "year": ("period", start / DAYS_PER_YEAR),
            "period_days": ("period", np.asarray(self.attrs["warmup_period_days"], dtype=float)),
        }
        data_vars = {
            name: (
                ("scenario", "replicate", "period"),
                v,
                {"unit": self.units.get(name, ""), "kind": "flow" if name in FLOWS else "level"},
            )
            for name, v in values.items()
        }
        return xr.Dataset(data_vars, coords=coords)

    def to_pandas(self, metrics: Sequence[str] | None = None, params: Sequence[str] | None = None):
        """Long format: one row per (scenario, replicate, period), outputs and parameters as columns.

        The parameter columns are the policy fields plus every parameter that differs between
        scenarios (or those named in ``params``).
        """
        import pandas as pd

        names = list(metrics) if metrics is not None else list(self.data)
        n_s, n_r, n_p = len(self.scenarios), self.replicates, len(self.period_start_day)
        frame = pd.DataFrame(
            {
                "scenario": np.repeat(self.scenarios, n_r * n_p),
                "replicate": np.tile(np.repeat(np.arange(n_r), n_p), n_s),
                "day": np.tile(self.period_start_day.astype(int), n_s * n_r),
                "year": np.tile(self.period_start_day / DAYS_PER_YEAR, n_s * n_r),
            }
        )
        for name in names:
            frame[name] = self[name].reshape(-1)
        for column in self._param_columns(params):
            values = [self.scenario_attrs[s][column] for s in self.scenarios]
            frame[column] = np.repeat([v if np.isscalar(v) else str(v) for v in values], n_r * n_p)
        if params is None:  # the blame level and the swept values, by their own names
            from .tidy import quantity

            for column in ["blame", *self.swept]:
                if column not in frame.columns:
                    frame[column] = np.repeat(quantity(self, column), n_r * n_p)
        frame["scenario"] = pd.Categorical(frame["scenario"], categories=self.scenarios)
        return frame

    def _param_columns(self, params: Sequence[str] | None) -> list[str]:
        if params is not None:
            return list(params)
        first = self.scenario_attrs[self.scenarios[0]]
        columns = [k for k in first if k.startswith("policy.")]
        for key, value in first.items():
            if key.startswith("policy.") or key in ("name", "units", "interventions", "hospital", "stream"):
                continue  # (a scenario's random-number stream is no parameter; stored only when not 0)
            if any(
                not np.array_equal(np.asarray(self.scenario_attrs[s][key]), np.asarray(value))
                for s in self.scenarios[1:]
            ):
                columns.append(key)
        return columns

    def per_run(self, metric: str, window: tuple[float, float] | None = None) -> np.ndarray:
        """One number per (scenario, replicate): a flow's mean per year, or a level's mean,
        over the periods that start inside ``window`` (years; default the whole run for flows,
        the last year for levels)."""
        values = self[metric]
        years = self.period_start_day / DAYS_PER_YEAR
        is_flow = metric in FLOWS or metric in DERIVED
        if window is None:
            window = (0.0, np.inf) if is_flow else (max(0.0, self.years - 1.0), np.inf)
        mask = (years >= window[0]) & (years < window[1])
        if not mask.any():
            raise ValueError(f"window {window} holds no period; the run covers years 0 to {self.years:g}")
        if is_flow:  # values are (scenario, [draw,] replicate, period)
            covered = self.period_days[mask].sum() / DAYS_PER_YEAR
            return values[..., mask].sum(axis=-1) / covered
        return values[..., mask].mean(axis=-1)

    def summary(self, metrics: Sequence[str] | None = None, window: tuple[float, float] | None = None):
        """Mean and 10/50/90% bands over replicates, per scenario and metric (see per_run)."""
        import pandas as pd

        from .outputs import HEADLINE

        rows = []
        for metric in metrics or ("harm_events", "errors") + HEADLINE:
            per_run = self.per_run(metric, window)
            for i, name in enumerate(self.scenarios):
                x = per_run[i][~np.isnan(per_run[i])]
                rows.append(
                    {
                        "scenario": name,
                        "metric": metric,
                        "mean": x.mean() if x.size else np.nan,
                        "p10": np.percentile(x, 10) if x.size else np.nan,
                        "p50": np.percentile(x, 50) if x.size else np.nan,
                        "p90": np.percentile(x, 90) if x.size else np.nan,
                        "n": x.size,
                    }
                )
        return pd.DataFrame(rows).set_index(["metric", "scenario"])

    def compare(
        self,
        a: str | int,
        b: str | int,
        metric: str = "harm_events",
        window: tuple[float, float] | None = None,
        level: float = 0.95,
    ) -> dict[str, Any]:
        """Paired difference b - a over replicates (common random numbers), with its interval.

        Returns mean_a, mean_b, diff (mean of b - a), ci_low, ci_high, relative (mean_b / mean_a -
        1) with rel_low and rel_high (a ratio interval: never below -100%), n, the per-replicate
        differences, and ``sources`` / ``interval``, saying what the interval includes: here
        run-to-run variation only (one parameter set); over a posterior (Experiment(params=
        posterior)) also parameter uncertainty. The maths: culturesim.intervals.
        """
        from .intervals import paired

        if isinstance(level, bool) or not isinstance(level, (int, float, np.floating)) or not 0 < level < 1:
            raise ValueError(f"level must be a confidence between 0 and 1 (0.95 for a 95% interval), got {level!r}")
        ia, ib = self._index(a), self._index(b)
        per_run = self.per_run(check_metric(metric), window)
        xa, xb = per_run[ia], per_run[ib]
        if xa.ndim == 1:  # (replicate,): one parameter set
            xa, xb = xa[None, :], xb[None, :]
        try:
            out = paired(xa, xb, level)
        except ValueError:
            raise ValueError(
                f"no replicate is finished for both '{self.scenarios[ia]}' and '{self.scenarios[ib]}'"
            ) from None
        ok = ~np.isnan(xa) & ~np.isnan(xb)
        return {
            "metric": metric,
            "a": self.scenarios[ia],
            "b": self.scenarios[ib],
            **{k: out[k] for k in ("mean_a", "mean_b", "diff", "ci_low", "ci_high", "relative")},
            "rel_low": out["rel_low"],
            "rel_high": out["rel_high"],
            "n": out["n"],
            "level": level,
            "draws": out["draws"],
            "sources": out["sources"],
            "interval": out["interval"],
            "differences": (xb - xa)[ok],
        }

    def compare_table(
        self,
        a: str | int,
        b: str | int,
        metrics: Sequence[str] | None = None,
        window: tuple[float, float] | None = None,
    ):
        """compare() for several metrics, as a DataFrame."""
        import pandas as pd

        from .outputs import HEADLINE

        rows = [
            {k: v for k, v in self.compare(a, b, m, window).items() if k != "differences"}
            for m in (metrics or ("harm_events",) + HEADLINE)
        ]
        return pd.DataFrame(rows).set_index("metric")

    def compare_all(
        self,
        baseline: str | int,
        scenarios: Sequence[str | int] | None = None,
        metrics: Sequence[str] | None = None,
        window: tuple[float, float] | None = None,
        level: float = 0.95,
    ):
        """Every scenario (or those given) against ``baseline`` for every metric, as one long table:
        scenario, metric, unit, baseline, value, difference, ci_low, ci_high, relative, n, ... (see
        culturesim.board; ``cs.board.human(table)`` formats it for people)."""
        from .board import compare_all

        return compare_all(self, baseline, scenarios, metrics, window, level)

    def economics(
        self,
        baseline: str | int,
        scenarios: Sequence[str | int] | None = None,
        horizon: float | None = None,
        rate: float | None = None,
        level: float = 0.95,
    ):
        """Harm averted, programme cost, net cost, cost per harm averted and return on investment
        against ``baseline`` over ``horizon`` years, discounted at ``rate`` (default 3% a year); see
        culturesim.board for the definitions."""
        from .board import DISCOUNT_RATE, economics

        return economics(self, baseline, scenarios, horizon, DISCOUNT_RATE if rate is None else rate, level)

    def totals(self, metric: str, horizon: float | None = None, rate: float | None = None) -> np.ndarray:
        """(scenario, replicate) cumulative totals of a flow over ``horizon`` years (default the run),
        discounted to day 0 when a ``rate`` is given (0.03 for 3% a year)."""
        from .board import totals

        return totals(self, metric, horizon, rate)

    def plot(
        self,
        metric: str = "harm_events",
        scenarios: Sequence[str] | None = None,
        ax=None,
        every: str = "year",
        interventions: bool = True,
    ):
        """Trajectories over time: median and 10-90% band over replicates, per scenario.

        every: "year" (default: one point per year, flows as totals per year, levels as the
        year's mean) or "period" (each recorded period, flows as rates per year). Each
        scenario's interventions are marked by dotted lines in its colour (interventions=False:
        none).
        """
        from .plotting import plot_bands

        return plot_bands(self, metric, scenarios=scenarios, ax=ax, every=every, interventions=interventions)

    def interventions(self, scenario: str | int) -> list[tuple[float, str]]:
        """(year, label) of each intervention of a scenario, read from its stored definition."""
        name = self.scenarios[self._index(scenario)]
        cache = self.__dict__.setdefault("_interventions", {})
        if name not in cache:
            loaded = _engine.load_experiment(self.definitions[name], f"stored definition of '{name}'", name)
            (sc,) = loaded["scenarios"]
            cache[name] = [(iv["day"] / DAYS_PER_YEAR, iv["label"]) for iv in sc["interventions"]]
        return cache[name]

    def sweep_table(self, metric: str = "harm_events", window: tuple[float, float] | None = None, level: float = 0.95):
        """One row per scenario: its blame level and swept values, the mean of ``metric`` over
        replicates (a flow per year, a level's mean: see per_run) and a t interval of that mean."""
        from .tidy import summary_by_scenario

        return summary_by_scenario(self, check_metric(metric), window, level)

    def plot_sweep(
        self,
        metric: str = "harm_events",
        x: str | None = None,
        hue: str | None = None,
        window: tuple[float, float] | None = None,
        level: float = 0.95,
        ax=None,
    ):
        """``metric`` against a swept value ``x`` (default the first swept name), one line per
        value of ``hue`` (default the second), with the interval of the mean as a band."""
        from .tidy import plot_sweep

        return plot_sweep(self, check_metric(metric), x=x, hue=hue, window=window, level=level, ax=ax)

    def plot_compare(
        self,
        a: str | int,
        b: str | int,
        metrics: Sequence[str] | None = None,
        ax=None,
        window: tuple[float, float] | None = None,
    ):
        """Forest plot of relative paired differences (b - a) / a with 95% intervals."""
        from .plotting import plot_forest

        return plot_forest(self.compare_table(a, b, metrics, window), ax=ax)

    def __repr__(self) -> str:
        where = f"'{self.path}'" if self.path else "in memory"
        draws = f"{self.draws} draws x " if isinstance(self, DrawsResult) else ""
        return (
            f"{type(self).__name__}({len(self.scenarios)} scenarios x {draws}{self.replicates} replicates x "
            f"{self.years:g} years, {int(self.done.sum())}/{self.done.size} runs done, seed {self.seed}, {where}: "
            f"{', '.join(map(repr, self.scenarios))})"
        )


class DrawsResult(ExperimentResult):
    """The results of an experiment over parameter draws: outputs as (scenario, draw, replicate, period).

    compare() and compare_table() give intervals over draws (parameter uncertainty and run-to-run
    variation together; see culturesim.intervals); ``draw_params`` holds each draw's parameters.
    """

    def _read_metadata(self) -> None:
        super()._read_metadata()
        from .draws import split

        grid = split(self.scenarios)
        if grid is None:
            raise ValueError(f"'{self.path}' is not an experiment over parameter draws")
        self.file_scenarios = self.scenarios
        self.scenarios, self.draws, self._order = grid
        # A scenario's description by its own name is its first draw's (policy, interventions and
        # hospital are the same in every draw); the drawn parameters are in draw_params.
        for i, name in enumerate(self.scenarios):
            self.scenario_attrs[name] = self.scenario_attrs[self.file_scenarios[self._order[i, 0]]]
        self.done = self.done[self._order]  # (scenario, draw, replicate)
        first = [self.scenario_attrs[self.file_scenarios[i]] for i in self._order[0]]
        varying = [
            k
            for k, v in first[0].items()
            if not k.startswith("policy.")
            and k not in ("name", "units", "interventions", "hospital", "stream")
            and np.ndim(v) == 0
            and any(not np.array_equal(np.asarray(a[k]), np.asarray(v)) for a in first[1:])
        ]
        #: Each draw's values of the parameters that differ between draws.
        self.draw_params = {k: np.asarray([a[k] for a in first], dtype=float) for k in varying}

    @property
    def replicates(self) -> int:
        return int(self.done.shape[-1])

    def load(self) -> "DrawsResult":
        if self._data is None:
            super().load()
            self._data = {k: v[self._order] for k, v in self._data.items()}  # type: ignore[union-attr]
        return self

    def to_xarray(self):
        """An xarray Dataset with dims (scenario, draw, replicate, period); each draw's parameters
        are coordinates along ``draw``."""
        import xarray as xr

        coords: dict[str, Any] = {
            "scenario": self.scenarios,
            "draw": np.arange(self.draws),
            "replicate": np.arange(self.replicates),
            "period": np.arange(len(self.period_start_day)),
            "day": ("period", self.period_start_day),
            "year": ("period", self.period_start_day / DAYS_PER_YEAR),
            "period_days": ("period", self.period_days),
        }
        coords.update({k: ("draw", v) for k, v in self.draw_params.items()})
        dims = ("scenario", "draw", "replicate", "period")
        data_vars = {
            name: (dims, values, {"unit": self.units.get(name, ""), "kind": "flow" if name in FLOWS else "level"})
            for name, values in self.data.items()
        }
        return xr.Dataset(
            data_vars, coords=coords, attrs={k: v for k, v in self.attrs.items() if isinstance(v, (str, int, float))}
        )

    def to_pandas(self, metrics: Sequence[str] | None = None, params: Sequence[str] | None = None):
        """Long format: one row per (scenario, draw, replicate, period), with each draw's parameters."""
        frame = self.to_xarray()[list(metrics) if metrics is not None else list(self.data)].to_dataframe()
        frame = frame.reset_index().drop(columns=["period"])
        for name in params or ():
            if name not in frame:
                raise KeyError(
                    f"parameter '{name}' does not vary between draws; varying: {', '.join(self.draw_params)}"
                )
        return frame

    def plot(
        self,
        metric: str = "harm_events",
        scenarios: Sequence[str] | None = None,
        ax=None,
        every: str = "year",
        interventions: bool = True,
    ):
        """Trajectories: median and 10-90% band over draws and replicates together, per scenario
        (``every`` and ``interventions`` as ExperimentResult.plot)."""
        from .plotting import plot_bands

        return plot_bands(_Flat(self), metric, scenarios=scenarios, ax=ax, every=every, interventions=interventions)


class _Flat:
    """A DrawsResult seen as (scenario, draw x replicate, period), for the plots over replicates."""

    def __init__(self, res: DrawsResult):
        self._res = res
        self.scenarios, self.period_start_day = res.scenarios, res.period_start_day
        self.period_days = res.period_days

    def _index(self, name: str) -> int:
        return self._res._index(name)

    def interventions(self, name: str) -> list[tuple[float, str]]:
        return self._res.interventions(name)

    def __getitem__(self, metric: str) -> np.ndarray:
        v = self._res[metric]
        return v.reshape(v.shape[0], -1, v.shape[-1])


def open_results(path: str | os.PathLike, experiment: Experiment | None = None) -> ExperimentResult:
    """Opens an HDF5 results file written by culturesim.

    >>> import culturesim as cs, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "r.h5")
    >>> _ = cs.Experiment(["blame"], replicates=2, years=1).run(path, progress=False)
    >>> cs.open_results(path).scenarios
    ['blame']
    """
    path = safe_write.check_input(path, "results file", kind="results")  # a regular file, not a posterior
    # The engine checks the file read-only first (format version, HDF5 structure, the checksums of
    # its definition and of every finished run), so h5py below only ever reads a verified file.
    _engine.verify_results(path)
    try:
        result = ExperimentResult(path, experiment)
        from .draws import split

        return DrawsResult(path, experiment) if split(result.scenarios) else result
    except (OSError, RuntimeError, KeyError, ValueError, TypeError) as exc:  # h5py's errors on a damaged file
        raise OSError(f"results file '{path}' cannot be read: {exc}") from None


def _byte_limit(name: str, value: Any) -> float:
    """A byte limit as the engine takes it: 0 for None (what the machine has free)."""
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not value > 0:
        raise ValueError(
            f"{name} must be a positive number of bytes (or None for what the machine has free), got {value!r}"
        )
    return float(value)


def _plain(value: Any) -> Any:
    """HDF5 attribute values as plain Python values."""
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.ndarray):
        if value.dtype.kind in ("O", "S", "U"):
            return [v.decode() if isinstance(v, bytes) else str(v) for v in value.tolist()]
        return value
    if isinstance(value, np.generic):
        return value.item()
    return value
