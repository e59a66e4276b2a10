"""The seed's thought experiments: parameter sets that reduce the model to what the seed describes.

The seed text imagines a distress bucket per clinician: each event pours delta in, the drain
takes alpha of the level a day. ``bucket_params`` switches every other mechanism off with
parameters only (the engine's own tests use the same set), so each clinician becomes one bucket.

>>> import culturesim as cs
>>> p = cs.seed_claims.bucket_params(lam=0.05, delta=1.0, alpha=0.02)
>>> p["alpha_base"], p["base_error_rate"]["resident"], p["report_max"]
(0.02, 0.05, 0.0)
"""

from __future__ import annotations

from typing import Any

from .params import Params, default_params
from .policy import Policy

#: No tiered support: the drain is alpha_base.
UNSUPPORTED: Policy = Policy.typical().replace(support_level=0)
#: Full tiered support: the drain is alpha_base + alpha_support.
SUPPORTED: Policy = Policy.typical().replace(support_level=1)


def bucket_params(lam: float, delta: float, alpha: float, **more: Any) -> Params:
    """Parameters under which every clinician is a bucket with events at rate ``lam`` per day,
    each pouring exactly ``delta``, drained at ``alpha`` per day (without support).

    Everything else is off: no novice, hazard, distress, burnout or shortcut effects on the error
    rate, nobody reckless, no reports or detection (so no responses), severity weights and
    response multipliers 1, no moral residue or crescendo, no witnessing, nobody leaves.
    ``more`` sets further parameters on top.
    """
    p = default_params()

    def every(name: str, value: float) -> dict[str, float]:
        return {key: value for key in p[name]}

    p.update(
        base_error_rate=every("base_error_rate", lam),
        novice_excess=0,
        hazard_effect=0,
        initial_hazards=0,
        hazard_arrival_per_year=0,
        distress_effect=0,
        burnout_effect=0,
        initial_shortcut=0,
        new_hire_shortcut=0,
        friction_push=0,
        reinforce=0,
        reckless_fraction=0,
        report_max=0,
        detect_prob=every("detect_prob", 0),
        delta_base=delta,
        severity_weight=every("severity_weight", 1),
        response_mult=every("response_mult", 1),
        crescendo=0,
        moral_increment=0,
        delta_witness=0,
        quit_rate=every("quit_rate", 0),
        sv_dropout_rate=0,
        alpha_base=alpha,
    )
    if more:
        p.update(more)
    return p
