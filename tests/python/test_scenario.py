"""cs.Intervention and cs.Scenario: the plain descriptions (to_dict) and TOML (to_toml) the engine takes."""

from __future__ import annotations

import copy
import pickle

import pytest
import tomllib

import culturesim as cs

JUST = cs.Policy.just_culture().to_dict()


# -- interventions -----------------------------------------------------------------------------------


def test_switch_to_a_policy_at_a_year():
    iv = cs.Intervention(at_year=5, policy=cs.Policy.just_culture())
    assert iv.day == 1825 and iv.year == 5 and iv.kind == "set"
    assert iv.to_dict() == {"kind": "set", "day": 1825, "label": "switch policy to b=0", "policy": JUST}
    assert repr(iv) == "Intervention(day 1825 = year 5: switch policy to b=0)"


@pytest.mark.parametrize("policy", ["just_culture", 0, 0.0, cs.Policy.just_culture()])
def test_switch_accepts_a_preset_name_a_blame_level_or_a_policy(policy):
    iv = cs.Intervention.switch(2, policy)
    assert iv.to_dict() == {"kind": "set", "day": 730, "label": "switch policy to b=0", "policy": JUST}
    assert cs.Intervention(at_year=2, policy=policy) == iv


def test_the_old_preset_name_just_still_works_with_a_warning():
    with pytest.warns(FutureWarning, match="policy preset 'just' is an old name of 'just_culture'"):
        iv = cs.Intervention.switch(2, "just")
    assert iv == cs.Intervention.switch(2, "just_culture")


def test_policy_fields_and_parameters_at_a_day():
    iv = cs.Intervention(
        at_day=10, policy={"stated_safety": 0.9}, params={"alpha_support": 0.08, "quit_rate": {"nurse": 0.1}}
    )
    assert iv.day == 10 and iv.year == pytest.approx(10 / 365)
    assert iv.to_dict() == {
        "kind": "set",
        "day": 10,
        "label": "stated_safety=0.9, alpha_support=0.08, quit_rate={'nurse': 0.1}",
        "policy_fields": {"stated_safety": 0.9},
        "params": {"alpha_support": 0.08, "quit_rate": {"nurse": 0.1}},
    }


def test_at_year_rounds_to_the_nearest_day():
    assert cs.Intervention(at_year=0.5, params={"alpha_base": 0.02}).day == 182  # 182.5 rounds to even
    assert cs.Intervention(at_year=1 / 365, params={"alpha_base": 0.02}).day == 1


def test_launch_support():
    assert cs.Intervention.launch_support(at_year=2).to_dict() == {
        "kind": "set",
        "day": 730,
        "label": "launch support 1",
        "policy_fields": {"support_level": 1.0},
    }
    assert cs.Intervention.launch_support(1, level=0.5, label="half").to_dict() == {
        "kind": "set",
        "day": 365,
        "label": "half",
        "policy_fields": {"support_level": 0.5},
    }


def test_ramp():
    assert cs.Intervention.ramp(start_year=5, years=3).to_dict() == {
        "kind": "ramp",
        "day": 1825,
        "label": "ramp b 1 -> 0 over 3 years",
        "from_blame": 1.0,
        "to_blame": 0.0,
        "ramp_days": 1095,
        "step_days": 30,
    }
    back = cs.Intervention.ramp(1, 0.5, from_blame=0.2, to_blame=0.8, step_days=7, label="back")
    assert back.to_dict() == {
        "kind": "ramp",
        "day": 365,
        "label": "back",
        "from_blame": 0.2,
        "to_blame": 0.8,
        "ramp_days": 182,
        "step_days": 7,
    }


def test_fix_friction():
    assert cs.Intervention.fix_friction(at_year=1, units=["ED", "ICU"]).to_dict() == {
        "kind": "fix_friction",
        "day": 365,
        "label": "fix friction in ED, ICU",
        "units": ["ED", "ICU"],
    }
    assert cs.Intervention.fix_friction(at_year=1).to_dict() == {
        "kind": "fix_friction",
        "day": 365,
        "label": "fix friction in all units",
        "units": [],
    }


def test_intervention_equality_is_by_description():
    assert cs.Intervention(at_year=1, policy="blame") == cs.Intervention(at_day=365, policy=1.0)
    assert cs.Intervention(at_year=1, policy="blame") != cs.Intervention(at_year=2, policy="blame")
    assert cs.Intervention(at_year=1, policy="blame") != "blame"


# -- scenarios ---------------------------------------------------------------------------------------


def test_default_scenario_is_the_default_hospital_under_typical_practice():
    s = cs.Scenario()
    assert s.name == "typical" and s.policy == cs.Policy.typical() and s.interventions == []
    assert s.params == cs.default_params() and s.hospital is None
    assert s.to_dict() == {
        "name": "typical",
        "params": {},
        "policy": cs.Policy.typical().to_dict(),
        "interventions": [],
    }
    assert s.clinicians == 1000
    assert repr(s) == (
        "Scenario('typical', policy b=0.6, 0 interventions, 0 parameters changed, hospital 'default' (1000 clinicians))"
    )


def test_default_hospital():
    h = cs.default_hospital()
    assert h["name"] == "default"
    assert [u["name"] for u in h["units"]] == ["ICU", "ED", "surgery", "medicine", "pharmacy"]
    assert sum(u[r] for u in h["units"] for r in ("nurse", "resident", "attending", "pharmacist")) == 1000


def scenario() -> cs.Scenario:
    return cs.Scenario(
        "switch",
        params={"alpha_base": 0.02, "quit_rate": {"nurse": 0.2}},
        policy="blame",
        interventions=[
            cs.Intervention(at_year=5, policy="just_culture"),
            cs.Intervention.ramp(6, 2, from_blame=0.5),
            cs.Intervention.launch_support(at_year=2),
            cs.Intervention.fix_friction(at_year=1, units=["ED"]),
            cs.Intervention(at_day=10, params={"alpha_support": 0.08}),
        ],
    )


def test_scenario_to_dict_holds_only_changed_parameters_and_the_full_policy():
    s = scenario()
    d = s.to_dict()
    assert d["name"] == "switch"
    assert d["params"] == {"alpha_base": 0.02, "quit_rate": {"nurse": 0.2}}
    assert d["policy"] == cs.Policy.blame().to_dict()
    assert d["interventions"] == [iv.to_dict() for iv in s.interventions]
    assert "hospital" not in d
    assert repr(s) == (
        "Scenario('switch', policy b=1, 5 interventions, 2 parameters changed, hospital 'default' (1000 clinicians))"
    )


def test_scenario_to_toml_describes_everything_exactly():
    s = scenario()
    doc = tomllib.loads(s.to_toml())
    assert doc["name"] == "switch"
    assert doc["policy"] == cs.Policy.blame().to_dict()
    # every parameter, not only the changed ones, and floats that read back exactly
    assert doc["params"] == s.params.to_dict()
    assert doc["hospital"] == cs.default_hospital()
    assert [iv["kind"] for iv in doc["interventions"]] == ["set", "ramp", "set", "fix_friction", "set"]
    assert [iv["at_day"] for iv in doc["interventions"]] == [1825, 2190, 730, 365, 10]
    assert [iv["label"] for iv in doc["interventions"]] == [iv.label for iv in s.interventions]
    assert doc["interventions"][0]["policy"] == {"preset": "typical", **JUST}  # a whole policy: over a preset
    assert doc["interventions"][1]["from_blame"] == 0.5 and doc["interventions"][1]["days"] == 730
    assert doc["interventions"][2]["policy"] == {"support_level": 1.0}  # fields to set: no preset
    assert cs.Scenario.from_toml(s.to_toml()) == s
    assert doc["interventions"][3]["units"] == ["ED"]
    assert doc["interventions"][4]["params"] == {"alpha_support": 0.08}


def test_custom_hospital():
    hospital = {
        "name": "small",
        "units": [
            {"name": "A", "nurse": 20, "attending": 5},
            {"name": "B", "nurse": 10, "pharmacist": 2, "initial_hazards": 1.0},
        ],
    }
    s = cs.Scenario("small", hospital=hospital, interventions=[cs.Intervention.fix_friction(1, units=["B"])])
    assert s.clinicians == 37 and s.to_dict()["hospital"] == hospital
    assert "hospital 'small' (37 clinicians)" in repr(s)
    units = tomllib.loads(s.to_toml())["hospital"]["units"]
    assert [(u["name"], u["nurse"], u["pharmacist"]) for u in units] == [("A", 20, 0), ("B", 10, 2)]
    with pytest.warns(
        UserWarning,
        match=r"intervention 'fix friction in B' on day 365 \(year 1\) comes after "
        r"the run's end \(day 36\): it never acts",
    ):
        r = cs.run(s, years=0.1, warmup_years=0, progress=False)
    assert (r.series["headcount"] + r.series["vacancies"] == 37).all()  # posts: on staff or waiting


def test_scenario_keeps_its_own_copy_of_params():
    params = cs.default_params(alpha_base=0.02)
    s = cs.Scenario("x", params=params)
    params["alpha_base"] = 0.05
    assert s.params["alpha_base"] == 0.02


def test_scenario_replace_equality_and_pickle():
    s = scenario()
    t = s.replace(name="other", policy="just_culture")
    assert t.name == "other" and t.policy == cs.Policy.just_culture() and t.interventions == s.interventions
    assert s.name == "switch" and s.policy == cs.Policy.blame()
    assert s.replace() == s and s != t and s != "switch"
    assert pickle.loads(pickle.dumps(s)) == s and copy.deepcopy(s) == s


@pytest.mark.parametrize(
    "given, name, blame_level",
    [
        (None, "typical", 0.6),
        ("blame", "blame", 1.0),
        ("just_culture", "just_culture", 0.0),
        (cs.Policy.from_blame(0.3), "b=0.3", 0.3),
        (cs.Policy(console_prob=0.5), "custom", None),
    ],
)
def test_run_and_experiment_accept_a_scenario_a_policy_or_a_preset_name(given, name, blame_level):
    from culturesim.scenario import as_scenario

    s = as_scenario(given)
    assert s.name == name and s.policy.blame_level == blame_level
    assert as_scenario(s) is s
