"""What a results file's scenarios do: their hospital, interventions and the policy before and
after the interventions, read from the definitions the file stores (through the engine's schema,
so every policy field appears, in the policy table's order).

>>> import culturesim as cs
>>> res = cs.Experiment([cs.Scenario("ramp", interventions=[cs.Intervention.ramp(start_year=0, years=1)])],
...                     replicates=1, years=2, warmup_years=0).run(progress=False)
>>> [(s["name"], s["policy_end"]["punish_human_error"]) for s in scenarios(res)]
[('ramp', 0.02)]
"""

from __future__ import annotations

from typing import Any

from .outputs import DAYS_PER_YEAR
from .policy import FIELD_NAMES
from .scenario import Scenario


def scenarios(res: Any) -> list[dict[str, Any]]:
    """Per scenario: name, hospital, interventions (one line each), policy_start and policy_end
    (dicts of every policy field; policy_end is the policy in force on the run's last day) and
    the day of the last policy change in the run."""
    days = res.years * DAYS_PER_YEAR
    out = []
    for name in res.scenarios:
        attrs = res.scenario_attrs[name]
        ivs = attrs.get("interventions") or []
        ivs = [ivs] if isinstance(ivs, str) else list(ivs)
        text = res.definitions.get(name, "")
        start = {f: float(attrs[f"policy.{f}"]) for f in FIELD_NAMES if f"policy.{f}" in attrs}
        end, last_change = dict(start), None
        if text:
            steps = [s for s in Scenario.from_toml(text, f"scenario '{name}' stored in the file").policy_timeline()]
            inside = [s for s in steps if s["day"] < days]
            end = inside[-1]["policy"].to_dict()
            last_change = inside[-1]["day"] if len(inside) > 1 else None
        out.append(
            {
                "name": name,
                "hospital": attrs.get("hospital", "default"),
                "interventions": ivs,
                "policy_start": start,
                "policy_end": end,
                "last_change_day": last_change,
            }
        )
    return out


def policy_table(res: Any, which: str = "policy_end"):
    """A DataFrame: policy fields as rows, scenarios as columns (``which``: policy_end or policy_start)."""
    import pandas as pd

    rows = {s["name"]: s[which] for s in scenarios(res)}
    return pd.DataFrame(rows).reindex([f for f in FIELD_NAMES if any(f in r for r in rows.values())])


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def warmup_text(attrs: Any) -> str:
    """The stored warm-up in words: its length and its policy (a preset's name where it is one), or
    the saved end states the runs carried on from."""
    if "start_file" in attrs:
        scenario = _text(attrs["start_scenario"])
        return (
            f"none: carried on from the end states of {f'{scenario!r} in ' if scenario else ''}"
            f"{_text(attrs['start_file'])} (replicate r from replicate r)"
        )
    if "warmup_days" not in attrs:
        return "none (a file written before warm-ups: every run started from an empty hospital)"
    days = int(attrs["warmup_days"])
    if days == 0:
        return "none (every run started from an empty hospital)"
    from .policy import FIELD_NAMES, Policy

    fields = dict(zip(FIELD_NAMES, (float(v) for v in attrs["warmup_policy"])))
    named = [
        n
        for n, p in (("typical", Policy.typical()), ("blame", Policy.blame()), ("just_culture", Policy.just_culture()))
        if p.to_dict() == fields
    ]
    policy = named[0] if named else "custom policy " + ", ".join(f"{k} {v:g}" for k, v in fields.items())
    return f"{days / 365:g} years under {policy} before day 0 (shared by every scenario, not recorded)"
