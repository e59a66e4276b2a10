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

Intervals: differences get the t interval of ``ExperimentResult.compare``; the two ratios (cost per
harm averted, ROI) a paired percentile bootstrap over replicates (:data:`BOOTSTRAP` resamples, fixed
seed, so a table is reproducible).

>>> import culturesim as cs
>>> res = cs.Experiment(["typical", "just_culture"], replicates=3, years=2, warmup_years=1).run(progress=False)
>>> table = res.compare_all("typical", metrics=["harm_events", "quits"])
>>> list(table.columns[:6])
['scenario', 'metric', 'unit', 'baseline', 'value', 'difference']
>>> human_number(1234567.891), human_number(0.000012345), human_percent(-0.1234)
('1,234,568', '0.0000123', '-12.3%')
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .outputs import DAYS_PER_YEAR, DERIVED, FLOWS, check_metric, unit

#: Annual discount rate for present values: 3%, the US reference case (Sanders et al., JAMA 2016).
DISCOUNT_RATE = 0.03
#: Bootstrap resamples for the intervals of ratios (cost per harm averted, ROI).
BOOTSTRAP = 2000
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
    """(scenario, replicate) totals of a flow over [0, horizon) years; its present value at ``rate``
    when a rate is given. NaN for runs not finished."""
    check_metric(metric)
    if metric not in FLOWS and metric not in DERIVED:
        raise ValueError(
            f"'{metric}' is a level (a state, not a count over time); totals take flows such as harm_events"
        )
    _check_horizon(res, horizon)
    if rate is not None:
        rate = _check_rate(rate)
    return np.tensordot(res[metric], _weights(res, horizon, rate), axes=([2], [0]))


def totals_table(
    res: Any,
    metrics: Sequence[str] = ("harm_events", "cost_programme", "cost_total"),
    horizon: float | None = None,
    rate: float = DISCOUNT_RATE,
):
    """Per scenario and metric: the mean cumulative total over the horizon and its present value."""
    import pandas as pd

    rows = []
    for metric in metrics:
        plain, pv = totals(res, metric, horizon), totals(res, metric, horizon, rate)
        for i, name in enumerate(res.scenarios):
            rows.append(
                {
                    "scenario": name,
                    "metric": metric,
                    "unit": unit(metric),
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
):
    """One long table, a row per (scenario, metric): baseline and scenario means, the paired
    difference with its interval, and the relative change (with the interval ``compare`` gives it).

    Built on ``ExperimentResult.compare`` (its statistics are not recomputed here).
    """
    import pandas as pd

    from .outputs import HEADLINE

    base = res.scenarios[res._index(baseline)]
    others = [res.scenarios[res._index(s)] for s in scenarios] if scenarios is not None else None
    if others is None:
        others = [s for s in res.scenarios if s != base]
    if not others:
        raise ValueError(f"there is no scenario to compare with the baseline '{base}'")
    names = list(metrics) if metrics is not None else ["harm_events", *HEADLINE]
    rows = []
    for other in others:
        for metric in names:
            c = res.compare(base, other, metric, window, level)
            row = {
                "scenario": other,
                "metric": metric,
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
    frame.attrs.update(baseline=base, level=level, window=window)
    return frame


_COMPARE_USED = {"metric", "a", "b", "mean_a", "mean_b", "diff", "ci_low", "ci_high", "relative", "differences"}


def _rate_unit(metric: str) -> str:
    u = unit(metric)
    return f"{u}/yr" if metric in FLOWS or metric in DERIVED else u


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
    (scenario, measure) with value, ci_low, ci_high and n."""
    import pandas as pd
    from scipy import stats

    if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0 < level < 1:
        raise ValueError(f"level must be a confidence between 0 and 1 (0.95 for a 95% interval), got {level!r}")
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
        paired = ~np.isnan(harm[ib]) & ~np.isnan(harm[i])
        n = int(paired.sum())
        if n == 0:
            raise ValueError(f"no replicate is finished for both '{res.scenarios[ib]}' and '{res.scenarios[i]}'")
        per_rep = {
            "harm_baseline": harm[ib][paired],
            "harm_scenario": harm[i][paired],
            "harm_averted": (harm[ib] - harm[i])[paired],
            "harm_averted_pv": (harm_pv[ib] - harm_pv[i])[paired],
            "programme_cost_pv": (programme_pv[i] - programme_pv[ib])[paired],
            "savings_pv": (savings_pv[ib] - savings_pv[i])[paired],
        }
        per_rep["net_cost_pv"] = per_rep["programme_cost_pv"] - per_rep["savings_pv"]

        def row(measure: str, value: float, low: float, high: float) -> dict[str, Any]:
            return {
                "scenario": res.scenarios[i],
                "measure": measure,
                "unit": MEASURES[measure][0],
                "value": value,
                "ci_low": low,
                "ci_high": high,
                "n": n,
            }

        for measure, x in per_rep.items():
            mean = float(x.mean())
            half = float(stats.t.ppf(0.5 + level / 2, n - 1) * x.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
            rows.append(row(measure, mean, mean - half, mean + half))
        averted, net, prog, save = (
            per_rep["harm_averted_pv"],
            per_rep["net_cost_pv"],
            per_rep["programme_cost_pv"],
            per_rep["savings_pv"],
        )
        ratios = {
            "cost_per_harm_averted": (net, averted),
            "roi": (save - prog, prog),
        }
        for measure, (num, den) in ratios.items():
            value = float(num.mean() / den.mean()) if den.mean() > 0 else math.nan
            low, high = _bootstrap_ratio(num, den, level) if math.isfinite(value) else (math.nan, math.nan)
            rows.append(row(measure, value, low, high))
    frame = pd.DataFrame(rows)
    frame.attrs.update(
        baseline=res.scenarios[ib], horizon=horizon if horizon is not None else res.years, rate=rate, level=level
    )
    return frame


def _bootstrap_ratio(num: np.ndarray, den: np.ndarray, level: float) -> tuple[float, float]:
    """Percentile interval of mean(num) / mean(den) over paired resamples of replicates; NaN when a
    resample's denominator is not positive in more than the interval's tails (the ratio is then
    not defined often enough to bound)."""
    n = num.size
    if n < 2:
        return math.nan, math.nan
    rng = np.random.default_rng(20161011)  # fixed: the same table every time (JAMA 2016 publication date)
    picks = rng.integers(0, n, size=(BOOTSTRAP, n))
    d = den[picks].mean(axis=1)
    ratios = np.where(d > 0, num[picks].mean(axis=1) / np.where(d > 0, d, 1.0), np.nan)
    tail = (1 - level) / 2
    if np.isnan(ratios).mean() > tail:
        return math.nan, math.nan
    # Undefined resamples sort as +inf for a conservative upper bound.
    ratios = np.where(np.isnan(ratios), np.inf, ratios)
    low, high = np.quantile(ratios, [tail, 1 - tail])
    return float(low), float(high)


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


def human(table: Any):
    """A copy of a board table (compare_all, economics, totals_table) with every number as text
    for people: money in dollars, relative changes and ROI in %, the rest as human_number."""
    import pandas as pd

    out = table.copy()
    money = out["unit"].astype(str).str.startswith("USD") if "unit" in out else None
    for column in out.columns:
        # Text columns (names, what an interval includes) stay as they are, whatever pandas' string dtype.
        if column in ("scenario", "metric", "measure", "unit", "n", "level", "window", "draws") or not (
            pd.api.types.is_numeric_dtype(out[column])
        ):
            continue
        if column.startswith(("relative", "rel_")):
            out[column] = [human_percent(v) for v in out[column]]
        elif money is not None:
            is_roi = out["unit"] == "ratio"
            out[column] = [
                human_percent(v) if r else human_money(v) if m else human_number(v)
                for v, m, r in zip(out[column], money, is_roi)
            ]
        else:
            out[column] = [human_number(v) for v in out[column]]
    return out
