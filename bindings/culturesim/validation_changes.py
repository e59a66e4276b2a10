"""The default hospital's *changes* against intervention studies (MODEL.md section 8.5).

Section 7's targets pin the levels of a typical hospital; analysts compare changes. Here the
default hospital is warmed up under typical practice, then at day 0 either stays typical or
switches to full Just Culture; each change is the paired difference (common random numbers) over
years 2 to 5 after the switch, with a 95% interval over replicates. The floors and ceilings of
burnout under the two extreme presets are levels, measured by ``culturesim.validation`` (its
blame and Just Culture columns). The speed of culture change is the time psychological safety
takes to make half of its final change after the switch.

>>> from culturesim import validation_changes as vc
>>> m = vc.measure_changes(replicates=2, years=5, warmup_years=10)
>>> sorted(m["changes"])[:2]
['burnout', 'claims_cost']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .experiment import Experiment
from .scenario import Scenario
from .warmup import WARMUP_YEARS

#: Years after the switch over which changes are measured (MODEL.md 8.5: years 2 to 5).
WINDOW = (2.0, 5.0)


@dataclass(frozen=True)
class ChangeTarget:
    """One target of MODEL.md 8.5: a paired change (points or relative) or a level under a preset."""

    name: str
    what: str
    band: tuple[float, float]
    source: str
    kind: str  # "points": difference of a share, in points; "relative": relative change; "level"
    metric: str = ""
    fmt: str = "{:+.1%}"


CHANGE_TARGETS: tuple[ChangeTarget, ...] = (
    ChangeTarget(
        "burnout",
        "burnout, typical -> Just Culture (percentage points, staff)",
        (-0.10, -0.03),
        "West 2016 (-10 points, CI 5-14); Panagioti 2017; Magnet4Europe 2026 (-6.3); Kutney-Lee 2013 (-6.4)",
        "points",
        "burnout_prevalence",
    ),
    ChangeTarget(
        "burnout_floor_nurses",
        "burnout floor under full Just Culture, nurses",
        (0.10, 0.20),
        "RN4CAST (10% Netherlands, 15% Switzerland); Bruyneel 2023",
        "level",
        fmt="{:.1%}",
    ),
    ChangeTarget(
        "burnout_floor_physicians",
        "burnout floor under full Just Culture, physicians",
        (0.25, 0.35),
        "Magnet4Europe 2024 (physicians 25%)",
        "level",
        fmt="{:.1%}",
    ),
    ChangeTarget(
        "burnout_ceiling_nurses",
        "burnout ceiling under blame, nurses",
        (0.0, 0.70),
        "RN4CAST (78% Greece, the highest national figure)",
        "level",
        fmt="{:.1%}",
    ),
    ChangeTarget(
        "burnout_ceiling_physicians",
        "burnout ceiling under blame, physicians",
        (0.0, 0.65),
        "Shanafelt 2022 (US physicians 62.8% at the 2021 peak)",
        "level",
        fmt="{:.1%}",
    ),
    ChangeTarget(
        "reports",
        "incident reports, typical -> Just Culture",
        (0.20, 1.00),
        "Lambert 2016 (reports nearly doubled over years); re-survey studies (small changes)",
        "relative",
        "reports",
    ),
    ChangeTarget(
        "harm_reported_just",
        "share of harm events reported under Just Culture",
        (0.0, 0.50),
        "OIG 2025 (49% of harm events captured by no hospital system)",
        "level",
        fmt="{:.1%}",
    ),
    ChangeTarget(
        "claims_cost",
        "claims cost, typical -> Just Culture",
        (-0.60, -0.10),
        "Kachalia 2010 (Michigan: liability x 0.41, claims x 0.64); Kachalia 2018 (modest to null)",
        "relative",
        "cost_claims",
    ),
    ChangeTarget(
        "harm",
        "harm events, typical -> Just Culture",
        (-0.15, 0.0),
        "Edwards 2018; Hutchinson 2009; Magnet4Europe 2026 (unfavourable safety rating -3.7 points)",
        "relative",
        "harm_events",
    ),
)
#: The levels read from culturesim.validation's measurements: (policy column, target there).
LEVEL_SOURCES = {
    "burnout_floor_nurses": ("just_culture", "burnout_nurses"),
    "burnout_floor_physicians": ("just_culture", "burnout_physicians"),
    "burnout_ceiling_nurses": ("blame", "burnout_nurses"),
    "burnout_ceiling_physicians": ("blame", "burnout_physicians"),
    "harm_reported_just": ("just_culture", "harm_reported"),
}


def switch_experiment(
    replicates: int = 8, years: float = 10, warmup_years: float = WARMUP_YEARS, seed: int = 0
) -> Experiment:
    """Today's typical hospital staying typical, or switching to full Just Culture at day 0."""
    return Experiment(
        [Scenario("typical"), Scenario("just_culture", policy="just_culture")],
        replicates=replicates,
        years=years,
        seed=seed,
        warmup_years=warmup_years,
    )


def measure_changes(
    replicates: int = 8, years: float = 10, warmup_years: float = WARMUP_YEARS, seed: int = 0
) -> dict[str, Any]:
    """The paired changes of CHANGE_TARGETS (kind points or relative) over WINDOW, and the
    trajectory of psychological safety after the switch."""
    res = switch_experiment(replicates, years, warmup_years, seed).run(progress=False)
    changes: dict[str, dict[str, float]] = {}
    for t in CHANGE_TARGETS:
        if t.kind == "level":
            continue
        c = res.compare("typical", "just_culture", t.metric, WINDOW)
        scale = 1.0 if t.kind == "points" else c["mean_a"]
        changes[t.name] = {
            "value": c["diff"] / scale,
            "low": c["ci_low"] / scale,
            "high": c["ci_high"] / scale,
            "typical": c["mean_a"],
            "just_culture": c["mean_b"],
        }
    years_axis = res.period_start_day / 365.0
    safety = res["psych_safety_mean"].mean(axis=(1, 2))  # (scenario, period), mean over every run
    return {
        "changes": changes,
        "years": years_axis,
        "safety_typical": safety[0],
        "safety_just": safety[1],
        **culture_speed(years_axis, safety[0], safety[1]),
    }


def culture_speed(years: np.ndarray, typical: np.ndarray, just: np.ndarray) -> dict[str, float]:
    """Time to half of the final change in psychological safety after the switch, and the change
    after 20 months (the AHRQ re-survey interval). The final change is the mean over the last
    third of the run."""
    diff = just - typical
    final = float(diff[years >= years[-1] * 2 / 3].mean())
    reached = np.nonzero(diff >= final / 2)[0]
    half = float(years[reached[0]]) if reached.size and final > 0 else float("nan")
    at_20_months = float(np.interp(20 / 12, years, diff))
    return {"safety_final_change": final, "safety_half_years": half, "safety_change_20_months": at_20_months}


def change_rows(changes: dict[str, Any], levels: dict[str, dict[str, np.ndarray]]) -> list[dict[str, Any]]:
    """One row per target: its band, the model's value with an interval, and whether it lands.
    Levels come from culturesim.validation.measure (mean with the 10-90% band over replicates)."""
    rows = []
    for t in CHANGE_TARGETS:
        if t.kind == "level":
            policy, key = LEVEL_SOURCES[t.name]
            x = levels[policy][key]
            value, low, high, interval = (
                float(x.mean()),
                float(np.percentile(x, 10)),
                float(np.percentile(x, 90)),
                "10-90%",
            )
        else:
            c = changes["changes"][t.name]
            value, low, high, interval = c["value"], c["low"], c["high"], "95% CI"
        rows.append(
            {
                "target": t.name,
                "what": t.what,
                "band": t.band,
                "source": t.source,
                "value": value,
                "low": low,
                "high": high,
                "interval": interval,
                "fmt": t.fmt,
                "lands": bool(t.band[0] <= value <= t.band[1]),
            }
        )
    return rows


def to_markdown(
    rows: list[dict[str, Any]], changes: dict[str, Any], replicates: int, warmup_years: float, figure: str | None = None
) -> str:
    """The section of docs/validation.md on changes."""
    lines = [
        "## Changes against intervention studies (MODEL.md 8.5)",
        "",
        f"The default hospital warmed up {warmup_years:g} years under typical practice, then at day 0 either stayed "
        f"typical or switched to full Just Culture ({replicates} replicates, common random numbers). Changes are "
        f"paired differences over years {WINDOW[0]:g} to {WINDOW[1]:g} after the switch with their 95% interval over "
        "replicates (relative changes against the typical mean); floors and ceilings are the levels under the "
        "preset, from the table above (mean with its 10-90% band over replicates).",
        "",
        "| target | band | source | model | lands |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        f = r["fmt"]
        band = f"{f.format(r['band'][0])} to {f.format(r['band'][1])}"
        model = f"{f.format(r['value'])} [{f.format(r['low'])}, {f.format(r['high'])}] ({r['interval']})"
        lines.append(f"| {r['what']} | {band} | {r['source']} | {model} | {'yes' if r['lands'] else '**no**'} |")
    lines += [
        "",
        "### How fast culture changes (MODEL.md 8.3)",
        "",
        f"After the switch, mean psychological safety rises by {changes['safety_change_20_months']:+.3f} "
        f"(on its 0-1 scale) after 20 months and by {changes['safety_final_change']:+.3f} in the end; half of the "
        f"final change takes **{changes['safety_half_years']:.1f} years**. Hospitals re-surveyed after about 20 "
        "months moved 1 to 3 points on the AHRQ safety-culture composites, and 38% gained 5 points or more on "
        "nonpunitive response (AHRQ comparative database 2008, 2011); those hospitals made partial changes, "
        "where this is a full switch, so a few points more is expected.",
        "",
    ]
    if figure:
        lines += [f"![Psychological safety after a switch to Just Culture]({figure})", ""]
    return "\n".join(lines)


def plot_culture_change(changes: dict[str, Any], path: str) -> None:
    """Psychological safety after the switch (both scenarios), the time to half marked; saved to path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.6))
    ax.plot(changes["years"], changes["safety_typical"], label="stays typical")
    ax.plot(changes["years"], changes["safety_just"], label="switches to Just Culture at day 0")
    half = changes["safety_half_years"]
    if np.isfinite(half):
        ax.axvline(half, color="grey", linestyle=":", label=f"half of the final change: {half:.1f} years")
    ax.set_xlabel("years after the switch")
    ax.set_ylabel("mean psychological safety P")
    ax.set_title("Culture changes slowly (MODEL.md 8.3)")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
