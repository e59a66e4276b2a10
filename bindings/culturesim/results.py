"""One result model: every experiment's outputs as (scenario, draw, replicate, period).

An experiment over fixed parameters has one draw; one over posterior draws (``Experiment(...,
params=posterior)``, see culturesim.draws) has as many as it drew. Every analysis (compare,
compare_all, totals and economics, summaries, sweep tables, plots, the report, per-unit and
per-role comparisons, the command line) is written once against this shape, so each works the
same on fixed parameters and on draws. Intervals follow culturesim.intervals: over one draw,
run-to-run variation only; over several, parameter uncertainty too; each says which.

>>> import culturesim as cs
>>> res = cs.Experiment(["typical", "just_culture"], replicates=3, years=1, warmup_years=0).run(progress=False)
>>> res["reports"].shape[:3], res.draws                    # (scenario, draw, replicate), one draw
((2, 1, 3), 1)
>>> res.to_xarray()["burnout_prevalence"].dims
('scenario', 'draw', 'replicate', 'period')
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import _engine
from .metrics import COMPARED, HEADLINE, METRICS, check_metric, is_flow
from .metrics import values as metric_values
from .outputs import DAYS_PER_YEAR, OUTPUT_NAMES
from .provenance import read as read_provenance

#: Scenario attributes that describe a scenario rather than its parameters.
_NOT_PARAMETERS = ("name", "units", "interventions", "hospital", "stream", "coords")
#: The two kinds of breakdown: series per unit and per role (run with breakdown=True).
GROUPINGS = ("unit", "role")


class ExperimentResult:
    """The results of an experiment: every output as (scenario, draw, replicate, period).

    Read from an HDF5 results file (``cs.open_results(path)``) or returned by Experiment.run.
    ``draws`` is 1 for fixed parameters; ``draw_params`` holds each draw's values of the
    parameters that differ between draws. ``to_xarray()`` is the tidy Dataset every analysis
    reads; ``res[metric]`` its values as a numpy array.
    """

    def __init__(self, path: str | None, experiment: Any = None):
        self.path = path
        self.experiment = experiment
        self._data: dict[str, np.ndarray] | None = None
        self._groups: dict[str, np.ndarray] = {}
        self._warmup: dict[str, np.ndarray] = {}
        self._read_metadata()

    # -- reading -----------------------------------------------------------------------------
    def _read_metadata(self) -> None:
        import h5py

        from .draws import split

        with h5py.File(self.path, "r") as f:
            if _plain(f.attrs.get("format")) != "culturesim-results":
                raise OSError(f"'{self.path}' is not a culturesim results file")
            self.attrs = {k: _plain(v) for k, v in f.attrs.items()}
            #: The scenarios as the file stores them (over draws: <scenario>@draw<k>).
            self.file_scenarios: list[str] = list(f["coords/scenario"].asstr()[:])
            self.period_start_day = f["coords/period_start_day"][:]
            self.period_days = f["coords/period_days"][:]
            done = f["done"][:].astype(bool)
            file_attrs = {
                name: {k: _plain(v) for k, v in f[f"scenarios/{name}"].attrs.items()} for name in self.file_scenarios
            }
            file_definitions = {name: f[f"scenarios/{name}/definition"].asstr()[()] for name in self.file_scenarios}
            #: When, by which software and command, and why the file was made (cs.provenance.FIELDS).
            self.provenance: dict[str, Any] = read_provenance(f)
            names = list(f["series"])
            #: Series per unit and per role (a file recorded with breakdown).
            self.breakdown_series = [n for n in names if n.startswith(("by_unit.", "by_role."))]
            self.units = {n: _plain(f[f"series/{n}"].attrs.get("unit", "")) for n in names if not n.startswith("by_")}
        grid = split(self.file_scenarios)
        if grid is None:
            self.scenarios: list[str] = list(self.file_scenarios)
            self._order = np.arange(len(self.scenarios))[:, None]
        else:
            self.scenarios, _, self._order = grid
        first = [self.file_scenarios[i] for i in self._order[:, 0]]
        #: Each scenario's stored attributes (over draws: its first draw's; the policy,
        #: interventions and hospital are the same in every draw, the drawn values in draw_params).
        self.scenario_attrs = {s: file_attrs[f0] for s, f0 in zip(self.scenarios, first)}
        #: Each scenario's stored definition (TOML text; over draws, its first draw's).
        self.definitions = {s: file_definitions[f0] for s, f0 in zip(self.scenarios, first)}
        #: Every stored definition by the file's own scenario names (over draws, each draw's: what
        #: re-runs the file exactly, `culturesim info --toml`).
        self.file_definitions = file_definitions
        self.done = done[self._order]  # (scenario, draw, replicate)
        self.draw_params: dict[str, np.ndarray] = {}
        if self.draws > 1:
            per_draw = [file_attrs[self.file_scenarios[i]] for i in self._order[0]]
            for key, value in per_draw[0].items():
                if key.startswith("policy.") or key in _NOT_PARAMETERS or np.ndim(value) != 0:
                    continue
                if any(not np.array_equal(np.asarray(a[key]), np.asarray(value)) for a in per_draw[1:]):
                    self.draw_params[key] = np.asarray([a[key] for a in per_draw], dtype=float)

    def load(self) -> "ExperimentResult":
        """Reads every series into memory (done automatically on first use)."""
        if self._data is None:
            import h5py

            order = self._order
            with h5py.File(self.path, "r") as f:
                self._data = {n: f[f"series/{n}"][...][order] for n in f["series"] if not n.startswith("by_")}
                self._groups = {n: f[f"series/{n}"][...][order] for n in self.breakdown_series}
                # A recorded warm-up (record_warmup): one run array per output.
                self._warmup = {
                    n: f[f"arrays/warmup.{n}"][...][order] for n in OUTPUT_NAMES if f"arrays/warmup.{n}" in f
                }
        return self

    @property
    def data(self) -> dict[str, np.ndarray]:
        """Every recorded output as a (scenario, draw, replicate, period) array."""
        return self.load()._data  # type: ignore[return-value]

    # -- what the experiment is --------------------------------------------------------------
    @property
    def draws(self) -> int:
        """Parameter draws: 1 for fixed parameters."""
        return int(self._order.shape[1])

    @property
    def replicates(self) -> int:
        return int(self.done.shape[-1])

    @property
    def runs(self) -> int:
        """Runs per scenario: draws x replicates."""
        return self.draws * self.replicates

    @property
    def runs_text(self) -> str:
        """The runs per scenario in words: '20 replicates' or '20 parameter draws x 1 replicate'."""
        reps = f"{self.replicates} replicate{'s' if self.replicates != 1 else ''}"
        return reps if self.draws == 1 else f"{self.draws} parameter draws x {reps}"

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

    @property
    def uncertainty(self) -> str:
        """What the intervals of this result include: "run-to-run", or "parameters and run-to-run"."""
        from .intervals import BOTH, RUN_TO_RUN

        return BOTH if self.draws > 1 else RUN_TO_RUN

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

    def _name(self, scenario: str | int) -> str:
        return self.scenarios[self._index(scenario)]

    # -- values ------------------------------------------------------------------------------
    def __getitem__(self, metric: str) -> np.ndarray:
        """(scenario, draw, replicate, period) array of a recorded or derived metric; with a
        breakdown, ``res["by_unit.ED.harm_events"]`` (or by_role.nurse...) for one unit or role."""
        if isinstance(metric, str) and metric.startswith(("by_unit.", "by_role.")):
            by, rest = metric.split(".", 1)
            group, _, name = rest.rpartition(".")
            return self.values(name, **{by[3:]: group})
        return self.values(metric)

    def values(self, metric: str, unit: str | None = None, role: str | None = None) -> np.ndarray:
        """(scenario, draw, replicate, period) values of a metric, for the whole hospital or for
        one ``unit`` or ``role`` (a file recorded with breakdown)."""
        check_metric(metric)
        by, group = self._group(unit, role)
        if by is None:
            return metric_values(metric, self.data.__getitem__)
        self.load()
        return metric_values(metric, lambda name: self._groups[f"by_{by}.{group}.{name}"])

    def _group(self, unit: str | None, role: str | None) -> tuple[str | None, str | None]:
        if unit is not None and role is not None:
            raise ValueError("give unit or role, not both")
        for by, group in (("unit", unit), ("role", role)):
            if group is None:
                continue
            names = self.groups(by)
            if group not in names:
                raise KeyError(f"unknown {by} '{group}'; this file's {by}s: {', '.join(names)}")
            return by, group
        return None, None

    def groups(self, by: str) -> list[str]:
        """The units (by="unit", in hospital order) or roles (by="role") of a file recorded with breakdown."""
        if by not in GROUPINGS:
            raise ValueError(f"by must be 'unit' or 'role' (series per unit or per role), got {by!r}")
        if not self.breakdown_series:
            raise ValueError(
                f"'{self.path}' holds no series per unit or role; run the experiment with breakdown=True "
                "(breakdown = true in its file) to record them"
            )
        if by == "unit":
            units = self.scenario_attrs[self.scenarios[0]]["units"]
            return [units] if isinstance(units, str) else list(units)
        return list(self.attrs["keys.per_role"])

    @property
    def breakdown(self) -> bool:
        """Whether the file holds every output per unit and per role."""
        return bool(self.breakdown_series)

    def per_run(
        self,
        metric: str,
        window: tuple[float, float] | None = None,
        unit: str | None = None,
        role: str | None = None,
    ) -> np.ndarray:
        """One number per (scenario, draw, replicate): a flow's mean per year, or a level's mean,
        over the periods that start inside ``window`` (years; default the whole run for flows,
        the last year for levels). NaN for runs not finished."""
        values = self.values(metric, unit, role)
        return self._reduce(values, is_flow(metric), window)

    def _reduce(self, values: np.ndarray, flow: bool, window: tuple[float, float] | None) -> np.ndarray:
        years = self.period_start_day / DAYS_PER_YEAR
        if window is None:
            window = (0.0, np.inf) if flow else (max(0.0, self.years - 1.0), np.inf)
        _check_window(window)
        mask = (years >= window[0]) & (years < window[1])
        if not mask.any():
            raise ValueError(f"window {tuple(window)} holds no period; the run covers years 0 to {self.years:g}")
        if flow:
            covered = self.period_days[mask].sum() / DAYS_PER_YEAR
            return values[..., mask].sum(axis=-1) / covered
        return values[..., mask].mean(axis=-1)

    # -- coordinates -------------------------------------------------------------------------
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

    # -- tidy views --------------------------------------------------------------------------
    def to_xarray(self, grid: bool = False, by: str | None = None):
        """The tidy Dataset: every recorded and derived metric with dims (scenario, draw,
        replicate, period); unfinished runs are NaN. ``draw`` has size 1 for fixed parameters.

        Coordinates: along ``scenario`` its blame level, policy fields, swept values and changed
        parameters (swept names are indexed, so ``.sel(blame=0.3)`` selects by value, one swept
        name per call); along ``draw`` each draw's parameters; along ``period`` its start day,
        year and length. Each variable's attrs carry its label, unit and kind from the metric
        registry. ``grid=True``: the sweep's scenarios only, one dimension per swept name instead
        of ``scenario``. ``by="unit"`` or ``"role"`` (a file recorded with breakdown): every
        metric per unit or role, dims (scenario, draw, replicate, unit | role, period).
        """
        import xarray as xr

        from .tidy import add_coordinates
        from .tidy import grid as to_grid

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
        dims: tuple[str, ...] = ("scenario", "draw", "replicate", "period")
        if by is None:
            get = self.values
        else:
            names = self.groups(by)
            coords[by] = names
            dims = ("scenario", "draw", "replicate", by, "period")

            def get(metric: str) -> np.ndarray:
                return np.stack([self.values(metric, **{by: g}) for g in names], axis=3)

        data_vars = {
            name: (dims, get(name), {"label": m.label, "unit": m.unit, "kind": m.kind, "description": m.description})
            for name, m in METRICS.items()
        }
        attrs = {k: v for k, v in self.attrs.items() if isinstance(v, (str, int, float))}
        ds = xr.Dataset(data_vars, coords=coords, attrs={**attrs, "uncertainty": self.uncertainty})
        ds = add_coordinates(ds, self)
        return to_grid(ds, self) if grid else ds

    def warmup_xarray(self):
        """The warm-up year by year, from an experiment run with ``record_warmup=True``: an xarray
        Dataset with dims (scenario, draw, replicate, period) whose ``day`` coordinate is negative
        (day 0 is when the scenarios' own policies begin); flows are summed over each year, levels
        are the year's end. Scenarios that share a warm-up show the same values.

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
        coords = {
            "scenario": self.scenarios,
            "draw": np.arange(self.draws),
            "replicate": np.arange(self.replicates),
            "period": np.arange(len(start)),
            "day": ("period", start),
            "year": ("period", start / DAYS_PER_YEAR),
            "period_days": ("period", np.asarray(self.attrs["warmup_period_days"], dtype=float)),
        }
        dims = ("scenario", "draw", "replicate", "period")
        data_vars = {
            name: (dims, v, {"label": METRICS[name].label, "unit": METRICS[name].unit, "kind": METRICS[name].kind})
            for name, v in self.load()._warmup.items()
        }
        return xr.Dataset(data_vars, coords=coords)

    def to_pandas(self, metrics: Sequence[str] | None = None, params: Sequence[str] | None = None):
        """Long format: one row per (scenario, draw, replicate, period), metrics and parameters as
        columns (the policy fields, every parameter that differs between scenarios or draws, the
        blame level and swept values; or the parameters named in ``params``)."""
        import pandas as pd

        names = [check_metric(m) for m in metrics] if metrics is not None else list(self.data)
        n_s, n_d, n_r, n_p = len(self.scenarios), self.draws, self.replicates, len(self.period_start_day)
        runs = n_d * n_r * n_p
        frame = pd.DataFrame(
            {
                "scenario": np.repeat(self.scenarios, runs),
                "draw": np.tile(np.repeat(np.arange(n_d), n_r * n_p), n_s),
                "replicate": np.tile(np.repeat(np.arange(n_r), n_p), n_s * n_d),
                "day": np.tile(self.period_start_day.astype(int), n_s * n_d * n_r),
                "year": np.tile(self.period_start_day / DAYS_PER_YEAR, n_s * n_d * n_r),
            }
        )
        for name in names:
            frame[name] = self[name].reshape(-1)
        for column in self._param_columns(params):
            if column in self.draw_params:
                frame[column] = np.tile(np.repeat(self.draw_params[column], n_r * n_p), n_s)
                continue
            if column not in self.scenario_attrs[self.scenarios[0]]:
                raise KeyError(f"parameter '{column}' is not stored with the scenarios of this file")
            values = [self.scenario_attrs[s][column] for s in self.scenarios]
            frame[column] = np.repeat([v if np.isscalar(v) else str(v) for v in values], runs)
        if params is None:  # the blame level and the swept values, by their own names
            from .tidy import quantity

            for column in ["blame", *self.swept]:
                if column not in frame.columns:
                    frame[column] = np.repeat(quantity(self, column), runs)
        frame["scenario"] = pd.Categorical(frame["scenario"], categories=self.scenarios)
        return frame

    def _param_columns(self, params: Sequence[str] | None) -> list[str]:
        if params is not None:
            return list(params)
        first = self.scenario_attrs[self.scenarios[0]]
        columns = [k for k in first if k.startswith("policy.")]
        for key, value in first.items():
            if key.startswith("policy.") or key in _NOT_PARAMETERS or key.startswith("coord"):
                continue
            if any(
                not np.array_equal(np.asarray(self.scenario_attrs[s][key]), np.asarray(value))
                for s in self.scenarios[1:]
            ):
                columns.append(key)
        return columns + [k for k in self.draw_params if k not in columns]

    # -- analyses ----------------------------------------------------------------------------
    def summary(self, metrics: Sequence[str] | None = None, window: tuple[float, float] | None = None):
        """Mean and 10/50/90% bands over every run (draws and replicates), per scenario and metric
        (see per_run)."""
        import pandas as pd

        rows = []
        for metric in metrics or HEADLINE:
            per_run = self.per_run(metric, window)
            for i, name in enumerate(self.scenarios):
                x = per_run[i][~np.isnan(per_run[i])]
                q = np.percentile(x, [10, 50, 90]) if x.size else [np.nan] * 3
                rows.append(
                    {
                        "scenario": name,
                        "metric": metric,
                        "mean": x.mean() if x.size else np.nan,
                        "p10": q[0],
                        "p50": q[1],
                        "p90": q[2],
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
        unit: str | None = None,
        role: str | None = None,
    ) -> dict[str, Any]:
        """Paired difference b - a (common random numbers), with its interval.

        Returns mean_a, mean_b, diff (mean of b - a), ci_low, ci_high, relative (mean_b / mean_a -
        1) with rel_low and rel_high (a ratio interval: never below -100%), n (runs), draws, the
        per-run differences, ``change`` (how people read it: "relative", or "points" for shares)
        and ``sources`` / ``interval``, saying what the interval includes: run-to-run variation
        only (one parameter set), or parameter uncertainty too (draws from a posterior). ``unit``
        or ``role``: that unit's or role's series (a file recorded with breakdown). The maths:
        culturesim.intervals.
        """
        from .intervals import check_level, paired

        check_level(level)
        ia, ib = self._index(a), self._index(b)
        per_run = self.per_run(check_metric(metric), window, unit, role)
        xa, xb = per_run[ia], per_run[ib]
        try:
            out = paired(xa, xb, level)
        except ValueError:
            raise ValueError(f"no run is finished for both '{self.scenarios[ia]}' and '{self.scenarios[ib]}'") from None
        ok = ~np.isnan(xa) & ~np.isnan(xb)
        return {
            "metric": metric,
            "a": self.scenarios[ia],
            "b": self.scenarios[ib],
            **{k: out[k] for k in ("mean_a", "mean_b", "diff", "ci_low", "ci_high", "relative", "rel_low", "rel_high")},
            "n": out["n"],
            "level": level,
            "draws": out["draws"],
            "change": METRICS[metric].change,
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
        level: float = 0.95,
        unit: str | None = None,
        role: str | None = None,
    ):
        """compare() for several metrics (default: the compared ones), as a DataFrame indexed by metric."""
        import pandas as pd

        rows = [
            {k: v for k, v in self.compare(a, b, m, window, level, unit, role).items() if k != "differences"}
            for m in (metrics or COMPARED)
        ]
        return pd.DataFrame(rows).set_index("metric")

    def compare_all(
        self,
        baseline: str | int,
        scenarios: Sequence[str | int] | None = None,
        metrics: Sequence[str] | None = None,
        window: tuple[float, float] | None = None,
        level: float = 0.95,
        by: str | None = None,
    ):
        """Every scenario (or those given) against ``baseline`` for every metric, as one long table:
        scenario, metric, label, unit, baseline, value, difference, ci_low, ci_high, relative, ...
        (see culturesim.board; ``cs.board.human(table)`` formats it for people). ``by="unit"`` or
        ``"role"``: one block per unit or role (a column of that name), from the breakdown."""
        from .board import compare_all

        return compare_all(self, baseline, scenarios, metrics, window, level, by=by)

    def economics(
        self,
        baseline: str | int,
        scenarios: Sequence[str | int] | None = None,
        horizon: float | None = None,
        rate: float | None = None,
        level: float = 0.95,
    ):
        """Harm averted, programme cost, savings, net cost, cost per harm averted and return on
        investment against ``baseline`` over ``horizon`` years, discounted at ``rate`` (default 3%
        a year); intervals over draws when the result has them. See culturesim.board."""
        from .board import DISCOUNT_RATE, economics

        return economics(self, baseline, scenarios, horizon, DISCOUNT_RATE if rate is None else rate, level)

    def totals(self, metric: str, horizon: float | None = None, rate: float | None = None) -> np.ndarray:
        """(scenario, draw, replicate) totals of a flow over ``horizon`` years (default the run),
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
        """Trajectories over time: median and 10-90% band over every run (draws and replicates),
        per scenario, labelled from the metric registry.

        every: "year" (default: flows per year, levels as the year's mean) or "period" (each
        recorded period, flows as rates per year). Interventions after day 0 are marked in each
        scenario's colour (interventions=False: none); years beyond what studies followed are
        shaded as projections.
        """
        from .plotting import plot_bands

        return plot_bands(self, metric, scenarios=scenarios, ax=ax, every=every, interventions=interventions)

    def interventions(self, scenario: str | int) -> list[tuple[float, str]]:
        """(year, label) of each intervention of a scenario, read from its stored definition."""
        name = self._name(scenario)
        cache = self.__dict__.setdefault("_interventions", {})
        if name not in cache:
            loaded = _engine.load_experiment(self.definitions[name], f"stored definition of '{name}'", name)
            (sc,) = loaded["scenarios"]
            cache[name] = [(iv["day"] / DAYS_PER_YEAR, iv["label"]) for iv in sc["interventions"]]
        return cache[name]

    def sweep_table(self, metric: str = "harm_events", window: tuple[float, float] | None = None, level: float = 0.95):
        """One row per scenario: its blame level and swept values, the mean of ``metric`` over its
        runs (a flow per year, a level's mean: see per_run) and the interval of that mean (over
        draws when there are several; see culturesim.intervals.mean_interval)."""
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
        """Forest plot of paired changes of b against a with 95% intervals: relative changes in %,
        shares in percentage points (default: the effects, without the programme's own cost)."""
        from .metrics import EFFECTS
        from .plotting import plot_forest

        return plot_forest(self.compare_table(a, b, metrics or EFFECTS, window), ax=ax)

    def __repr__(self) -> str:
        where = f"'{self.path}'" if self.path else "in memory"
        draws = f"{self.draws} draws x " if self.draws > 1 else ""
        return (
            f"ExperimentResult({len(self.scenarios)} scenarios x {draws}{self.replicates} replicates x "
            f"{self.years:g} years, {int(self.done.sum())}/{self.done.size} runs done, seed {self.seed}, {where}: "
            f"{', '.join(map(repr, self.scenarios))})"
        )


def open_results(path: str | os.PathLike, experiment: Any = None) -> ExperimentResult:
    """Opens an HDF5 results file written by culturesim.

    >>> import culturesim as cs, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "r.h5")
    >>> _ = cs.Experiment(["blame"], replicates=2, years=1).run(path, progress=False)
    >>> cs.open_results(path).scenarios
    ['blame']
    """
    from . import safe_write

    path = safe_write.check_input(path, "results file", kind="results")  # a regular file, not a posterior
    # The engine checks the file read-only first (format version, HDF5 structure, the checksums of
    # its definition and of every finished run), so h5py below only ever reads a verified file.
    _engine.verify_results(path)
    try:
        return ExperimentResult(path, experiment)
    except (OSError, RuntimeError, KeyError, ValueError, TypeError) as exc:  # h5py's errors on a damaged file
        raise OSError(f"results file '{path}' cannot be read: {exc}") from None


def _check_window(window: Any) -> None:
    ok = (
        isinstance(window, (tuple, list))
        and len(window) == 2
        and all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) for v in window)
        and window[0] < window[1]
    )
    if not ok:
        raise ValueError(f"window must be (first year, last year) with the first before the last, got {window!r}")


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
