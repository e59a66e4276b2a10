"""Board-ready statistics: many scenarios against one baseline, cumulative and discounted totals,
harm averted, cost per harm averted and return on investment, in human number formats.

Every figure is a paired comparison over replicates (common random numbers: replicate r of every
scenario shares its random stream), so a difference is what the scenario changes, not noise
between runs. The definitions, once:

- **cumulative total** of a flow over a horizon of H years: the sum of its values over days
  [0, 365·H) (a period straddling the horizon counts with the share of its days inside it);
- **present value** (PV): each period's value times ``(1 + rate) ** -t``, t the period's midpoint
  in years since day 0; ``rate`` defaults to :data:`DISCOUNT_RATE` = 3% a year, the reference-case
  rate for costs and health effects of the Second Panel on Cost-Effectiveness in Health and
  Medicine (Sanders GD et al., JAMA 2016;316(10):1093-1103, doi:10.1001/jama.2016.12195);
- **harm averted** = baseline harm events − scenario harm events (PV; positive is better);
- **programme cost** (incremental) = scenario ``cost_programme`` − baseline ``cost_programme`` (PV):
  support, training, analyses and coaching;
- **net cost** = scenario ``cost_total`` − baseline ``cost_total`` (PV): the programme's cost minus
  what it saves in turnover, harm and claims (negative: it saves money);
- **cost per harm averted** = net cost / harm averted (ratio of the means over replicates; reported
  only when harm is averted; a programme that averts harm and saves money "dominates");
- **return on investment** (ROI) = (savings − programme cost) / programme cost, where savings =
  baseline − scenario costs of turnover, harm and claims (PV), i.e. −net cost / programme cost;
  reported only when the programme costs more than the baseline's.

Intervals (culturesim.intervals, one owner of the maths): over the replicates of one parameter
set, differences get a t interval and the two ratios (cost per harm averted, ROI) a paired
percentile bootstrap (fixed seed, so a table is reproducible): run-to-run variation only. Over
parameter draws from a posterior, every measure's interval is the percentiles over draws of each
draw's mean or ratio: parameter uncertainty too. Each row says which (``sources``, ``interval``).

>>> import culturesim as cs
>>> res = cs.Experiment(["typical", "just_culture"], replicates=3, years=2, warmup_years=1).run(progress=False)
>>> table = res.compare_all("typical", metrics=["harm_events", "quits"])
>>> list(table.columns[:7])
['scenario', 'metric', 'label', 'unit', 'baseline', 'value', 'difference']
>>> human_number(1234567.891), human_number(0.000012345), human_percent(-0.1234)
('1,234,568', '0.0000123', '-12.3%')
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .intervals import check_level, describe, mean_interval, ratio_interval
from .metrics import COMPARED, DERIVED, METRICS, check_metric, is_flow
from .outputs import DAYS_PER_YEAR

#: Annual discount rate for present values: 3%, the US reference case (Sanders et al., JAMA 2016).
DISCOUNT_RATE = 0.03
#: The costs a programme can save (everything in cost_total but the programme's own costs).
SAVINGS_PARTS = tuple(p for p in DERIVED["cost_total"][0] if p not in DERIVED["cost_programme"][0])
#: The measures of ``economics``, in order: name -> (unit, description).
MEASURES: dict[str, tuple[str, str]] = {
    "harm_baseline": ("events", "harm events under the baseline over the horizon (cumulative)"),
    "harm_scenario": ("events", "harm events under the scenario over the horizon (cumulative)"),
    "harm_averted": ("events", "baseline minus scenario harm events (cumulative, undiscounted)"),
    "harm_averted_pv": ("events", "harm averted, discounted to day 0"),
    "programme_cost_pv": ("USD", "incremental programme cost (support, training, analyses, coaching), PV"),
    "savings_pv": ("USD", "baseline minus scenario costs of turnover, harm and claims, PV"),
    "net_cost_pv": ("USD", "incremental total cost (programme cost minus savings), PV"),
    "cost_per_harm_averted": (
        "USD/event",
        "net cost PV / harm averted PV (negative: the programme averts harm and saves money; it dominates)",
    ),
    "roi": ("ratio", "return on investment: (savings - programme cost) / programme cost"),
}
#: Each measure of ``economics`` as people read it.
MEASURE_LABELS: dict[str, str] = {
    "harm_baseline": "Harm events under the baseline",
    "harm_scenario": "Harm events under the scenario",
    "harm_averted": "Harm events averted",
    "harm_averted_pv": "Harm events averted (PV)",
    "programme_cost_pv": "Programme cost (PV)",
    "savings_pv": "Savings (PV)",
    "net_cost_pv": "Net cost (PV)",
    "cost_per_harm_averted": "Net cost per harm event averted",
    "roi": "Return on investment",
}


# -- totals ----------------------------------------------------------------------------------------
def _weights(res: Any, horizon: float | None, rate: float | None) -> np.ndarray:
    """Per period: the share of its days inside [0, horizon) times its discount factor."""
    start = np.asarray(res.period_start_day, dtype=float)
    days = np.asarray(res.period_days, dtype=float)
    end_day = res.years * DAYS_PER_YEAR if horizon is None else horizon * DAYS_PER_YEAR
    inside = np.clip((end_day - start) / days, 0.0, 1.0)
    if rate is None:
        return inside
    # A straddling period is discounted at the midpoint of its part inside the horizon.
    mid_years = (start + inside * days / 2) / DAYS_PER_YEAR
    return inside * (1.0 + rate) ** -mid_years


def _check_horizon(res: Any, horizon: float | None) -> None:
    if horizon is None:
        return
    if isinstance(horizon, bool) or not isinstance(horizon, (int, float)) or not 0 < horizon:
        raise ValueError(f"horizon must be a positive number of years, got {horizon!r}")
    if horizon > res.years + 1e-9:
        raise ValueError(
            f"horizon = {horizon:g} years is beyond the run's {res.years:g} years; allowed up to {res.years:g}"
        )


def _check_rate(rate: float) -> float:
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
        raise ValueError(f"rate must be an annual discount rate from 0 to 1 (0.03 for 3%), got {rate!r}")
    return float(rate)


def totals(res: Any, metric: str, horizon: float | None = None, rate: float | None = None) -> np.ndarray:
    """(scenario, draw, replicate) totals of a flow over [0, horizon) years; its present value at
    ``rate`` when a rate is given. NaN for runs not finished."""
    check_metric(metric)
    if not is_flow(metric):
        raise ValueError(
            f"'{metric}' is a level (a state, not a count over time); totals take flows such as harm_events"
        )
    _check_horizon(res, horizon)
    if rate is not None:
        rate = _check_rate(rate)
    return np.tensordot(res[metric], _weights(res, horizon, rate), axes=([-1], [0]))


def totals_table(
    res: Any,
    metrics: Sequence[str] = ("harm_events", "cost_programme", "cost_total"),
    horizon: float | None = None,
    rate: float = DISCOUNT_RATE,
):
    """Per scenario and metric: the mean cumulative total over the horizon and its present value
    (means over every finished run, draws and replicates)."""
    import pandas as pd

    rows = []
    for metric in metrics:
        plain, pv = totals(res, metric, horizon), totals(res, metric, horizon, rate)
        for i, name in enumerate(res.scenarios):
            rows.append(
                {
                    "scenario": name,
                    "metric": metric,
                    "label": METRICS[metric].label,
                    "unit": METRICS[metric].unit,
                    "total": float(np.nanmean(plain[i])),
                    "present_value": float(np.nanmean(pv[i])),
                    "n": int(np.sum(~np.isnan(plain[i]))),
                }
            )
    frame = pd.DataFrame(rows)
    frame.attrs.update(horizon=horizon if horizon is not None else res.years, rate=rate)
    return frame


# -- many scenarios against a baseline -------------------------------------------------------------
def compare_all(
    res: Any,
    baseline: str | int,
    scenarios: Sequence[str | int] | None = None,
    metrics: Sequence[str] | None = None,
    window: tuple[float, float] | None = None,
    level: float = 0.95,
    by: str | None = None,
):
    """One long table, a row per (scenario, metric): label and unit for people, baseline and
    scenario means, the paired difference with its interval, the relative change (with the
    interval ``compare`` gives it), ``change`` (how people read it: "relative" in %, or "points"
    for shares) and what the interval includes. ``by="unit"`` or ``"role"``: a row per (unit or
    role, scenario, metric) from the breakdown, with a column ``unit_name`` or ``role`` (``unit`` is
    the unit of measure).

    Built on ``ExperimentResult.compare`` (its statistics are not recomputed here).
    """
    import pandas as pd

    base = res.scenarios[res._index(baseline)]
    others = [res.scenarios[res._index(s)] for s in scenarios] if scenarios is not None else None
    if others is None:
        others = [s for s in res.scenarios if s != base]
    if not others:
        raise ValueError(f"there is no scenario to compare with the baseline '{base}'")
    names = [check_metric(m) for m in metrics] if metrics is not None else list(COMPARED)
    groups: list[str | None] = [None] if by is None else list(res.groups(by))
    column = GROUP_COLUMNS.get(by, "")
    rows = []
    for group in groups:
        where = {} if by is None else {by: group}
        for other in others:
            for metric in names:
                c = res.compare(base, other, metric, window, level, **where)
                row = {
                    **({column: group} if by else {}),
                    "scenario": other,
                    "metric": metric,
                    "label": METRICS[metric].label,
                    "unit": _rate_unit(metric),
                    "baseline": c["mean_a"],
                    "value": c["mean_b"],
                    "difference": c["diff"],
                    "ci_low": c["ci_low"],
                    "ci_high": c["ci_high"],
                    "relative": c["relative"],
                }
                # Whatever else compare reports (e.g. an interval of the relative change), kept as it is.
                row.update({k: v for k, v in c.items() if k not in _COMPARE_USED})
                rows.append(row)
    frame = pd.DataFrame(rows)
    frame.attrs.update(baseline=base, level=level, window=window, by=by)
    return frame


#: The column that names the group of a table by unit or by role ("unit" is the unit of measure).
GROUP_COLUMNS = {"unit": "unit_name", "role": "role"}
_COMPARE_USED = {"metric", "a", "b", "mean_a", "mean_b", "diff", "ci_low", "ci_high", "relative", "differences"}


def _rate_unit(metric: str) -> str:
    m = METRICS[metric]
    return f"{m.unit}/yr" if m.flow else m.unit


# -- economics -------------------------------------------------------------------------------------
def economics(
    res: Any,
    baseline: str | int,
    scenarios: Sequence[str | int] | None = None,
    horizon: float | None = None,
    rate: float = DISCOUNT_RATE,
    level: float = 0.95,
):
    """Harm averted, programme cost, savings, net cost, cost per harm averted and return on
    investment of each scenario against ``baseline`` over ``horizon`` years (default: the whole
    run), discounted at ``rate`` (see the module's definitions). A long table: one row per
    (scenario, measure) with value, ci_low, ci_high, n (paired runs), draws, sources and interval.

    Intervals follow culturesim.intervals: over the replicates of one parameter set a t interval
    (differences) or a paired bootstrap (the two ratios), run-to-run only; over several parameter
    draws the percentiles of each draw's mean or ratio, which carry parameter uncertainty (and
    cost uncertainty, where each draw draws its costs too).
    """
    import pandas as pd

    check_level(level)
    rate = _check_rate(rate)
    _check_horizon(res, horizon)
    ib = res._index(baseline)
    others = (
        [res._index(s) for s in scenarios]
        if scenarios is not None
        else [i for i in range(len(res.scenarios)) if i != ib]
    )
    if not others:
        raise ValueError(f"there is no scenario to compare with the baseline '{res.scenarios[ib]}'")
    harm = totals(res, "harm_events", horizon)
    harm_pv = totals(res, "harm_events", horizon, rate)
    programme_pv = totals(res, "cost_programme", horizon, rate)
    savings_pv = sum(totals(res, p, horizon, rate) for p in SAVINGS_PARTS)
    rows = []
    for i in others:
        # (draw, replicate) per run, NaN where either run is unfinished: the interval maths leaves them out.
        paired = ~np.isnan(harm[ib]) & ~np.isnan(harm[i])
        if not paired.any():
            raise ValueError(f"no run is finished for both '{res.scenarios[ib]}' and '{res.scenarios[i]}'")

        def keep(x: np.ndarray) -> np.ndarray:
            return np.where(paired, x, np.nan)

        per_run = {
            "harm_baseline": keep(harm[ib]),
            "harm_scenario": keep(harm[i]),
            "harm_averted": keep(harm[ib] - harm[i]),
            "harm_averted_pv": keep(harm_pv[ib] - harm_pv[i]),
            "programme_cost_pv": keep(programme_pv[i] - programme_pv[ib]),
            "savings_pv": keep(savings_pv[ib] - savings_pv[i]),
        }
        per_run["net_cost_pv"] = per_run["programme_cost_pv"] - per_run["savings_pv"]
        found = {m: mean_interval(x, level) for m, x in per_run.items()}
        found["cost_per_harm_averted"] = ratio_interval(per_run["net_cost_pv"], per_run["harm_averted_pv"], level)
        found["roi"] = ratio_interval(
            per_run["savings_pv"] - per_run["programme_cost_pv"], per_run["programme_cost_pv"], level
        )
        for measure in MEASURES:
            f = found[measure]
            rows.append(
                {
                    "scenario": res.scenarios[i],
                    "measure": measure,
                    "label": MEASURE_LABELS[measure],
                    "unit": MEASURES[measure][0],
                    "value": f["value"],
                    "ci_low": f["ci_low"],
                    "ci_high": f["ci_high"],
                    "n": f["n"],
                    "draws": f["draws"],
                    "sources": f["sources"],
                    "interval": describe(f["sources"], f["draws"], f["n"], level),
                }
            )
    frame = pd.DataFrame(rows)
    frame.attrs.update(
        baseline=res.scenarios[ib], horizon=horizon if horizon is not None else res.years, rate=rate, level=level
    )
    return frame


# -- human formats ---------------------------------------------------------------------------------
def human_number(x: Any, decimals: int | None = None) -> str:
    """A number for people: thousands separators, never scientific notation; whole numbers from
    100 on, then 1 or 2 decimals, and 3 significant digits below 1 ("0.0123")."""
    if x is None or isinstance(x, str):
        return "" if x is None else x
    x = float(x)
    if not math.isfinite(x):
        return "n/a"
    if decimals is None:
        a = abs(x)
        if a == 0:
            return "0"
        decimals = 0 if a >= 100 else 1 if a >= 10 else 2 if a >= 1 else min(12, 2 - math.floor(math.log10(a)))
    text = f"{x:,.{decimals}f}"
    return "0" if float(text.replace(",", "")) == 0 else text  # no "-0" or "0.000000000000"


def human_money(x: Any) -> str:
    """US dollars: "$1,234,568" (cents below $100)."""
    if x is None or not math.isfinite(float(x)):
        return "n/a"
    x = float(x)
    return ("-$" if x < 0 else "$") + human_number(abs(x), 0 if abs(x) >= 100 else 2)


def human_percent(x: Any, decimals: int = 1) -> str:
    """A share or relative change as a signed percentage: -0.1234 -> "-12.3%"."""
    if x is None or not math.isfinite(float(x)):
        return "n/a"
    return f"{100 * float(x):+,.{decimals}f}%"


def human_points(x: Any, decimals: int = 1) -> str:
    """A change of a share in percentage points: -0.063 -> "-6.3 points"."""
    if x is None or not math.isfinite(float(x)):
        return "n/a"
    return f"{100 * float(x):+.{decimals}f} points"


def human_share(x: Any, decimals: int = 1) -> str:
    """A share as a percentage: 0.373 -> "37.3%"."""
    if x is None or not math.isfinite(float(x)):
        return "n/a"
    return f"{100 * float(x):.{decimals}f}%"


#: Columns of board tables that are text or counts, never reformatted.
_TEXT_COLUMNS = ("scenario", "metric", "label", "measure", "unit", "n", "level", "window", "draws", "unit_name", "role")
#: Columns that hold a value of the metric itself; the rest of the numbers are differences.
_LEVEL_COLUMNS = ("baseline", "value", "mean", "mean_a", "mean_b", "total", "present_value")


def human(table: Any):
    """A copy of a board table (compare_all, economics, totals_table) with every number as text
    for people: money in dollars, relative changes and ROI in %, shares as % and their changes in
    percentage points (rows whose ``change`` is "points"), the rest as human_number."""
    import pandas as pd

    out = table.copy()
    money = out["unit"].astype(str).str.startswith("USD") if "unit" in out else pd.Series(False, index=out.index)
    roi = out["unit"] == "ratio" if "unit" in out else pd.Series(False, index=out.index)
    points = out["change"] == "points" if "change" in out else pd.Series(False, index=out.index)
    for column in out.columns:
        # Text columns (names, what an interval includes) stay as they are, whatever pandas' string dtype.
        if column in _TEXT_COLUMNS or not pd.api.types.is_numeric_dtype(out[column]):
            continue
        relative = column.startswith(("relative", "rel_"))
        cells = []
        for v, m, r, p in zip(out[column], money, roi, points):
            if relative:
                cells.append(human_percent(v))
            elif p:
                cells.append(human_share(v) if column in _LEVEL_COLUMNS else human_points(v))
            elif r:
                cells.append(human_percent(v))
            elif m:
                cells.append(human_money(v))
            else:
                cells.append(human_number(v))
        out[column] = cells
    return out
