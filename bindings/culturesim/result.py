"""One run: its series, provenance, and one-call views (pandas, plots)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import _engine
from ._running import call_engine
from .metrics import is_flow
from .outputs import DAYS_PER_YEAR, OUTPUT_NAMES
from .recording import DEFAULT_RECORDING, record_code, recording_value
from .scenario import Scenario, as_scenario
from .warmup import WARMUP_YEARS, warmup, warn_unsettled


class Result:
    """The outputs of one run, one value per recorded period (a month by default).

    ``series`` maps each output name to a numpy array over periods; flows are totals over the
    period, levels the value at its end.

    >>> import culturesim as cs
    >>> r = cs.run(years=2, progress=False)
    >>> r.series["reports"].shape                 # monthly by default
    (24,)
    >>> df = r.to_pandas()
    >>> "burnout_prevalence" in df.columns
    True
    """

    def __init__(
        self,
        scenario: Scenario,
        raw: dict[str, Any],
        *,
        years: float,
        seed: int,
        replicate: int,
        record_every: int | str,
        provenance: dict[str, Any] | None = None,
    ):
        self.scenario = scenario
        self.series: dict[str, np.ndarray] = {name: raw["series"][i].copy() for i, name in enumerate(OUTPUT_NAMES)}
        self.period_start_day: np.ndarray = raw["period_start_day"]
        self.period_days: np.ndarray = raw["period_days"]
        self.snapshots: list[dict[str, Any]] = raw.get("snapshots", [])
        #: The warm-up before day 0: its length in days, whether it settled, and each slow state's drift.
        self.warmup: dict[str, Any] = raw.get("warmup", {"days": 0, "settled": True, "drift": {}})
        self.years, self.seed, self.replicate, self.record_every = years, seed, replicate, record_every
        #: When, by which software and command, and why the run was made (cs.provenance.FIELDS).
        self.provenance: dict[str, Any] = dict(provenance or {})
        #: With breakdown=True: every output per unit and per role, name -> (unit | role, period) array;
        #: `units` and `roles` name the rows. Empty otherwise.
        self.by_unit: dict[str, np.ndarray] = {}
        self.by_role: dict[str, np.ndarray] = {}
        self.units: list[str] = list(raw.get("unit_names", []))
        self.roles: list[str] = list(_engine.role_names()) if "by_role" in raw else []
        if "by_unit" in raw:
            self.by_unit = {name: raw["by_unit"][:, i, :].copy() for i, name in enumerate(OUTPUT_NAMES)}
            self.by_role = {name: raw["by_role"][:, i, :].copy() for i, name in enumerate(OUTPUT_NAMES)}

    @property
    def params(self):
        """The scenario's base parameters."""
        return self.scenario.params

    @property
    def policy(self):
        return self.scenario.policy

    @property
    def period_start_year(self) -> np.ndarray:
        return self.period_start_day / DAYS_PER_YEAR

    def __getitem__(self, metric: str) -> np.ndarray:
        """A recorded or derived output (harm_events, errors, cost_total, departures)."""
        from .metrics import values

        return values(metric, self.series.__getitem__)

    def total(self, metric: str) -> float:
        """A flow summed over the run, or a level's final value."""
        values = self[metric]
        return float(values.sum()) if is_flow(metric) else float(values[-1])

    def to_pandas(self):
        """A DataFrame of every output, indexed by (day, year) of each period's start."""
        import pandas as pd

        index = pd.MultiIndex.from_arrays(
            [self.period_start_day.astype(int), self.period_start_year], names=["day", "year"]
        )
        return pd.DataFrame(self.series, index=index)

    def snapshots_to_pandas(self):
        """Agent snapshots (run with snapshot_every > 0) in long format: one row per clinician and day."""
        import pandas as pd

        roles = _engine.role_names()
        frames = []
        for snap in self.snapshots:
            frame = pd.DataFrame({k: v for k, v in snap.items() if k != "day"})
            frame.insert(0, "day", snap["day"])
            frame["role"] = pd.Categorical.from_codes(frame["role"], roles)
            frames.append(frame)
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def plot(
        self,
        metrics: str | Sequence[str] = ("harm_events", "reports", "burnout_prevalence", "sv_active"),
        ax=None,
        every: str = "year",
        interventions: bool = True,
    ):
        """Plots outputs over time (one panel each); returns the matplotlib axes.

        every: "year" (default: flows as totals per year, levels as the year's mean) or "period"
        (each recorded period, flows as rates per year). The scenario's interventions are marked
        by dotted lines (interventions=False: none).
        """
        from .plotting import plot_run

        metrics = [metrics] if isinstance(metrics, str) else list(metrics)
        return plot_run(self, metrics, ax=ax, every=every, interventions=interventions)

    def __repr__(self) -> str:
        head = ", ".join(f"{m} {self.total(m):.4g}" for m in ("harm_events", "reports", "sv_started", "quits"))
        return (
            f"Result({self.scenario.name!r}, {self.years:g} years, {len(self.period_start_day)} periods, "
            f"seed {self.seed}, replicate {self.replicate}: {head}, "
            f"burnout_prevalence {self.total('burnout_prevalence'):.3f} at the end)"
        )


def run(
    scenario: Scenario | str | None = None,
    years: float = 10,
    seed: int = 0,
    replicate: int = 0,
    threads: int | None = None,
    record_every: int | str = DEFAULT_RECORDING,
    snapshot_every: int = 0,
    progress: bool = True,
    warmup_years: float = WARMUP_YEARS,
    warmup_policy: Any = "typical",
    description: str | None = None,
    breakdown: bool = False,
) -> Result:
    """Runs one scenario once and returns its Result.

    ``description``: free text kept in ``Result.provenance`` with the time, the software versions
    and the calling script or notebook.

    ``scenario`` may be a Scenario, a Policy, a preset name ("blame", "typical",
    "just_culture"), or None for the default hospital under typical practice. ``breakdown=True``
    also records every output per unit and per role (``Result.by_unit``, ``Result.by_role``).

    >>> import culturesim as cs
    >>> r = cs.run("just_culture", years=1, seed=3, progress=False)
    >>> r.seed, r.scenario.name
    (3, 'just_culture')
    """
    made_by = _made_by(description)
    sc = as_scenario(scenario)
    args = _RunArgs(years, seed, replicate, threads, record_every, snapshot_every, warmup_years, warmup_policy)
    warn_never_acting(sc, args.days)
    raw = call_engine(
        _engine.run,
        total_days=args.days + args.warmup_days,
        progress=progress,
        desc=f"run {sc.name}",
        scenario=sc.to_dict(),
        breakdown=_flag(breakdown, "breakdown"),
        **args.engine,
    )
    warn_unsettled(raw["warmup"], sc.name)
    return args.result(sc, raw, made_by)


def run_together(
    scenarios: Sequence[Any],
    years: float = 10,
    seed: int = 0,
    replicate: int = 0,
    threads: int | None = None,
    record_every: int | str = DEFAULT_RECORDING,
    snapshot_every: int = 0,
    progress: bool = True,
    warmup_years: float = WARMUP_YEARS,
    warmup_policy: Any = "typical",
    description: str | None = None,
) -> list[Result]:
    """Runs each scenario once on the same random numbers (seed, replicate; each scenario's
    stream, default 0) and returns their Results: a paired comparison without the file of an
    Experiment. Scenarios with the same hospital, parameters and stream live one warm-up together,
    so two policies cost one warm-up.

    >>> import culturesim as cs
    >>> a, b = cs.run_together(["typical", "just_culture"], years=1, warmup_years=2, progress=False)
    >>> a.scenario.name, b.scenario.name
    ('typical', 'just_culture')
    """
    if isinstance(scenarios, (str, bytes)) or not isinstance(scenarios, Sequence) or not scenarios:
        raise ValueError(f"scenarios must be a non-empty list of scenarios, got {scenarios!r}")
    made_by = _made_by(description)
    sc = [as_scenario(s) for s in scenarios]
    args = _RunArgs(years, seed, replicate, threads, record_every, snapshot_every, warmup_years, warmup_policy)
    for s in sc:
        warn_never_acting(s, args.days)
    raws = call_engine(
        _engine.run_together,
        total_days=len(sc) * (args.days + args.warmup_days),
        progress=progress,
        desc=f"run {len(sc)} scenarios",
        scenarios=[s.to_dict() for s in sc],
        **args.engine,
    )
    warned = []
    for s, raw in zip(sc, raws):
        if raw["warmup"] not in warned:  # a shared warm-up is one report, not one per scenario
            warned.append(raw["warmup"])
            warn_unsettled(raw["warmup"], s.name)
    return [args.result(s, raw, made_by) for s, raw in zip(sc, raws)]


class _RunArgs:
    """The settings of run and run_together, checked once: what the engine call takes (``engine``)
    and what each Result records."""

    def __init__(self, years, seed, replicate, threads, record_every, snapshot_every, warmup_years, warmup_policy):
        self.days = _days(years)
        code = record_code(record_every)
        self.record_every = recording_value(code)
        self.warmup_days, warmup_pol = warmup(warmup_years, warmup_policy)
        self.seed, self.replicate = _seed(seed), _seed(replicate, "replicate")
        self.engine = dict(
            days=self.days,
            record_every=code,
            snapshot_every=_whole_days(snapshot_every, "snapshot_every", 0),
            seed=self.seed,
            replicate=self.replicate,
            threads=_threads(threads),
            warmup_days=self.warmup_days,
            warmup_policy=warmup_pol.to_dict(),
        )

    def result(self, scenario: Scenario, raw: dict[str, Any], made_by: dict[str, Any]) -> Result:
        return Result(
            scenario,
            raw,
            years=self.days / DAYS_PER_YEAR,
            seed=self.seed,
            replicate=self.replicate,
            record_every=self.record_every,
            provenance=made_by,
        )


def _made_by(description: str | None) -> dict[str, Any]:
    """What a run's provenance records: the time, the software versions and the calling script."""
    from . import provenance

    made_by = {"created": provenance.utc_now(), **provenance.collect(description)}
    made_by["software.culturesim"] = f"{_engine.engine_version} ({_engine.build_info})"
    return made_by


def _flag(value: Any, what: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{what} must be True or False, got {value!r}")
    return bool(value)


def _days(years: float) -> int:
    if isinstance(years, bool) or not isinstance(years, (int, float)) or not np.isfinite(years):
        raise ValueError(f"years must be a number, got {years!r}")
    days = int(round(float(years) * DAYS_PER_YEAR))
    if days < 1:
        raise ValueError(
            f"years = {years} is out of range; allowed at least 1/365 year (one day): a run lasts whole days"
        )
    return days


def warn_never_acting(scenario: Scenario, days: int) -> None:
    """A warning for each intervention of `scenario` after the end of a `days`-day run."""
    import warnings

    for note in scenario.warnings_for(days):
        warnings.warn(note, UserWarning, stacklevel=3)


def _seed(value: int, what: str = "seed") -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 0 <= int(value) < 2**63:
        raise ValueError(f"{what} must be a whole number from 0 to 2**63 - 1, got {value!r}")
    return int(value)


def _whole_days(value: int, what: str, low: int) -> int:
    high = _engine.run_limits["max_record_every"]
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= int(value) <= high:
        raise ValueError(f"{what} must be a whole number of days from {low} to {high}, got {value!r}")
    return int(value)


def _threads(threads: int | None) -> int:
    if threads is None:
        return 0
    high = _engine.run_limits["max_threads"]
    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or not 1 <= int(threads) <= high:
        raise ValueError(f"threads must be a whole number from 1 to {high} (or None for all cores), got {threads!r}")
    return int(threads)
