"""The seed's claims, each a statistical comparison over replicates on common random numbers.

Every test records its statistics; they are printed in pytest's closing summary ("seed claims").
A paired comparison uses ExperimentResult.compare: the mean difference b - a over replicates
(replicate r of both scenarios shares its random stream) with a 95% t interval. A claim holds
when the interval lies on the claimed side of zero (and, where stated, the effect is large).
"""

from __future__ import annotations

import numpy as np
import pytest

import culturesim as cs

pytestmark = pytest.mark.slow

REPLICATES = 5


def _paired(res, a, b, metric, window):
    c = res.compare(a, b, metric, window=window)
    return c


def _describe(c) -> str:
    return (
        f"{c['metric']}: {c['a']} {c['mean_a']:.4g} -> {c['b']} {c['mean_b']:.4g}, "
        f"diff {c['diff']:+.4g} [95% CI {c['ci_low']:+.4g}, {c['ci_high']:+.4g}], "
        f"relative {c['relative']:+.1%}, n={c['n']}"
    )


def test_1_without_a_drain_distress_accumulates_linearly(seed_claims):
    """Seed: "in a toxic environment with no support (alpha = 0), distress simply builds and builds,
    a straight line". Bucket only: events at rate lam pour delta each, nothing drains."""
    lam, delta, days = 0.05, 1.0, 730
    scenario = cs.Scenario(
        "no drain", params=cs.seed_claims.bucket_params(lam, delta, 0.0), policy=cs.seed_claims.UNSUPPORTED
    )
    slopes, r2s = [], []
    for replicate in range(REPLICATES):
        r = cs.run(scenario, years=days / 365, record_every=1, replicate=replicate, progress=False, warmup_years=0)
        t = np.arange(1, days + 1)
        d = r["distress_mean"]
        slope, intercept = np.polyfit(t, d, 1)
        fit = slope * t + intercept
        r2 = 1 - np.sum((d - fit) ** 2) / np.sum((d - d.mean()) ** 2)
        slopes.append(slope)
        r2s.append(r2)
    slopes = np.array(slopes)
    seed_claims.append(
        f"(1) alpha = 0: slope of mean distress {slopes.mean():.5f}/day (replicates "
        f"{slopes.min():.5f}-{slopes.max():.5f}) vs lambda*delta = {lam * delta:.5f}; "
        f"R^2 of a straight line >= {min(r2s):.5f}"
    )
    assert np.all(np.abs(slopes / (lam * delta) - 1) < 0.02)
    assert min(r2s) > 0.999


def test_2_frequent_errors_overwhelm_even_strong_support(seed_claims):
    """Seed: "even with a good support system, a high frequency of errors ... can overwhelm
    clinicians". Under Just Culture (full tiered support), four times the error rate."""
    base = cs.default_params()
    frequent = {"base_error_rate": {k: 4 * v for k, v in base["base_error_rate"].items()}}
    res = cs.Experiment(
        [
            cs.Scenario("just", policy="just_culture"),
            cs.Scenario("just, 4x errors", policy="just_culture", params=frequent),
        ],
        replicates=REPLICATES,
        years=15,
        record_every=91,
    ).run(progress=False)
    window = (5, 15)
    for metric in ("distress_mean", "sv_past_year", "burnout_prevalence"):
        c = res.compare("just", "just, 4x errors", metric, window)
        seed_claims.append("(2) " + _describe(c))
        assert c["ci_low"] > 0, metric
    # "Overwhelm": with the best support, frequent errors leave clinicians more distressed than
    # typical practice does at the usual error rate.
    typical = cs.Experiment([cs.Scenario("typical")], replicates=REPLICATES, years=15, record_every=91).run(
        progress=False
    )
    overwhelmed = res.per_run("distress_mean", window)[1]
    usual = typical.per_run("distress_mean", window)[0]
    seed_claims.append(
        f"(2) mean distress: just with 4x errors {overwhelmed.mean():.3g} vs typical practice "
        f"{usual.mean():.3g} (sv_threshold {base['sv_threshold']:g})"
    )
    assert overwhelmed.min() > usual.max()


def test_3_blame_silences_reporting_so_fewer_fixes_more_hazards_more_harm(seed_claims):
    """Seed: blame "drives errors underground ... and prevents organizations from learning".
    Over 60 years: blame lowers reporting, so fewer fixes, more latent hazards and more harm."""
    res = cs.Experiment(
        [cs.Scenario("just", policy="just_culture"), cs.Scenario("blame", policy="blame")],
        replicates=REPLICATES,
        years=60,
        record_every=365,
    ).run(progress=False)
    window = (20, 60)
    expected = {"reports": -1, "fixes": -1, "hazards": +1, "harm_events": +1}
    for metric, sign in expected.items():
        c = res.compare("just", "blame", metric, window)
        seed_claims.append("(3) " + _describe(c))
        assert (c["ci_low"] > 0) if sign > 0 else (c["ci_high"] < 0), metric


def test_4_just_culture_lowers_at_risk_behaviour_by_coaching_and_fixing_friction(seed_claims):
    """Seed: at-risk behaviour is met by coaching "and fix the system (e.g. the slow scanner) that
    incentivizes" it. Just Culture lowers shortcuts against blame; taking away either coaching or
    fixing raises them again."""
    just = cs.Policy.just_culture()
    res = cs.Experiment(
        [
            cs.Scenario("blame", policy="blame"),
            cs.Scenario("just", policy=just),
            cs.Scenario("just without coaching", policy=just.replace(coach_at_risk=0.0)),
            cs.Scenario("just without fixes", policy=just, params={"fix_prob": 0.0}),
        ],
        replicates=REPLICATES,
        years=30,
        record_every=91,
    ).run(progress=False)
    window = (10, 30)
    for metric in ("shortcut_mean", "errors_at_risk"):
        c = res.compare("blame", "just", metric, window)
        seed_claims.append("(4) " + _describe(c))
        assert c["ci_high"] < 0, metric
    for ablation in ("just without coaching", "just without fixes"):
        c = res.compare("just", ablation, "shortcut_mean", window)
        seed_claims.append("(4) " + _describe(c))
        assert c["ci_low"] > 0, ablation
    c = res.compare("just", "just without fixes", "hazards", window)
    seed_claims.append("(4) " + _describe(c))
    assert c["ci_low"] > 0


def test_5_moral_residue_makes_each_later_event_hurt_more(seed_claims):
    """Seed: moral residue builds in a "crescendo effect, making each subsequent event feel worse,
    regardless of its clinical severity". Same events (common random numbers, nothing else differs
    until distress feeds back), with and without the crescendo. Whatever the severity, the
    engine's tests check each event's distress exactly (tests/cpp/agents/test_daily_step.cpp)."""
    res = cs.Experiment(
        [
            cs.Scenario("no crescendo", policy="blame", params={"crescendo": 0.0}),
            cs.Scenario("crescendo", policy="blame"),
        ],
        replicates=REPLICATES,
        years=20,
        record_every=91,
    ).run(progress=False)
    window = (5, 20)
    residue = res.per_run("moral_residue_mean", window)
    seed_claims.append(f"(5) moral residue under blame: {residue[1].mean():.3g} per clinician")
    assert residue[1].min() > 0
    for metric in ("distress_mean", "distress_p90"):
        c = res.compare("no crescendo", "crescendo", metric, window)
        seed_claims.append("(5) " + _describe(c))
        assert c["ci_low"] > 0, metric
    # Regardless of severity: buckets that build residue from concealed harm for five years, then
    # meet only near misses. The later near misses pour more distress where residue is high.
    harm_then_near_misses = cs.Intervention(
        at_year=5,
        params={"severity_probs": {"near_miss": 1.0, "no_harm": 0.0, "mild": 0.0, "moderate": 0.0, "severe": 0.0}},
        label="near misses only",
    )

    def bucket(crescendo: float) -> cs.Scenario:
        params = cs.seed_claims.bucket_params(0.05, 1.0, 0.02, moral_increment=1.0, crescendo=crescendo)
        return cs.Scenario(
            f"crescendo {crescendo:g}",
            params=params,
            policy=cs.seed_claims.UNSUPPORTED,
            interventions=[harm_then_near_misses],
        )

    res = cs.Experiment(
        [bucket(0.0), bucket(0.2)], replicates=REPLICATES, years=8, record_every=91, warmup_years=0
    ).run(progress=False)
    residue = res.per_run("moral_residue_mean", (6, 8))[1]
    c = res.compare("crescendo 0", "crescendo 0.2", "distress_mean", (6, 8))
    seed_claims.append(f"(5) near misses only, after residue {residue.mean():.3g} was built: " + _describe(c))
    assert c["ci_low"] > 0 and c["relative"] > 0.3


def test_6_supported_second_victims_disclose_empathically_more_often(seed_claims):
    """Seed: "a second victim who feels supported ... is capable of participating in a sincere,
    empathetic, and honest disclosure"; one who feels blamed "can only offer defensive" statements.
    Blame against blame with emotional first aid and tiered support added."""
    supported = cs.Policy.blame().replace(console_prob=0.9, support_level=1.0)
    res = cs.Experiment(
        [cs.Scenario("blame", policy="blame"), cs.Scenario("blame + support", policy=supported)],
        replicates=REPLICATES,
        years=15,
        record_every=91,
    ).run(progress=False)
    window = (3, 15)
    empathic = res.per_run("disclosed_empathic", window)
    disclosed = empathic + res.per_run("disclosed_defensive", window)
    share = empathic / disclosed
    d = share[1] - share[0]
    seed_claims.append(
        f"(6) empathic share of disclosures: blame {share[0].mean():.1%} -> with support "
        f"{share[1].mean():.1%} (paired differences {d.min():+.1%} to {d.max():+.1%})"
    )
    assert d.min() > 0
    c = res.compare("blame", "blame + support", "disclosed_empathic", window)
    seed_claims.append("(6) " + _describe(c))
    assert c["ci_low"] > 0


def test_7_just_culture_in_name_only_does_not_raise_reporting(seed_claims):
    """Edwards 2018: adopting "Just Culture" without changing what happens to people left
    reporting unchanged. Stated just (stated_safety of Just Culture), enacted blame."""
    words = cs.Policy.just_culture().stated_safety
    res = cs.Experiment(
        [
            cs.Scenario("blame", policy="blame"),
            cs.Scenario("in name only", policy=cs.Policy.blame().replace(stated_safety=words)),
            cs.Scenario("just", policy="just_culture"),
        ],
        replicates=REPLICATES,
        years=20,
        record_every=91,
    ).run(progress=False)
    window = (5, 20)
    name_only = res.compare("blame", "in name only", "reports", window)
    real = res.compare("blame", "just", "reports", window)
    seed_claims.append("(7) " + _describe(name_only))
    seed_claims.append("(7) " + _describe(real))
    assert abs(name_only["relative"]) < 0.10
    assert abs(name_only["relative"]) < real["relative"] / 10


def test_the_old_name_cs_seed_still_works_with_a_deprecation_warning():
    """cs.seed (it read like the random seed) was renamed cs.seed_claims; the old name works for one
    more release and warns on each use."""
    with pytest.warns(DeprecationWarning, match="renamed cs.seed_claims"):
        old = cs.seed
    assert old is cs.seed_claims and old.bucket_params is cs.seed_claims.bucket_params
    with pytest.warns(DeprecationWarning, match="renamed cs.seed_claims"):
        cs.seed  # noqa: B018 - every use warns, not only the first
    with pytest.raises(AttributeError, match="has no attribute 'sede'"):
        cs.sede  # noqa: B018
