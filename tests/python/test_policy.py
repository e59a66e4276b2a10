"""cs.Policy: the presets pin MODEL.md section 4; interpolation, editing, and 'Just Culture in name only'."""

from __future__ import annotations

import copy
import pickle

import pytest

import culturesim as cs

# MODEL.md section 4, copied by hand: a change to the policy table must change this test too.
# training_level is the documented addition (docs/model.md): the programme's training, priced by MODEL.md 8.4.
#          field                      blame   just culture
TABLE = {
    "punish_human_error": (0.6, 0.02),
    "outcome_bias": (1.0, 0.1),
    "coach_at_risk": (0.1, 0.9),
    "punish_at_risk": (0.6, 0.05),
    "discipline_reckless": (0.9, 0.95),
    "classification_accuracy": (0.3, 0.9),
    "console_prob": (0.1, 0.9),
    "support_level": (0.0, 1.0),
    "systems_rca": (0.1, 0.7),
    "disclosure_support": (0.3, 0.95),
    "stated_safety": (0.2, 0.8),
    "training_level": (0.0, 1.0),
}
BLAME = {k: v[0] for k, v in TABLE.items()}
JUST = {k: v[1] for k, v in TABLE.items()}


def test_blame_preset_equals_the_model_table():
    assert cs.Policy.blame().to_dict() == BLAME
    assert list(cs.Policy.blame().to_dict()) == list(TABLE)  # table order


def test_just_culture_preset_equals_the_model_table():
    assert cs.Policy.just_culture().to_dict() == JUST


def test_field_specs_carry_the_table_and_descriptions():
    fields = cs.Policy.fields()
    assert [f["name"] for f in fields] == list(TABLE)
    for f in fields:
        assert (f["blame"], f["just_culture"]) == TABLE[f["name"]]
        assert f["description"]


@pytest.mark.parametrize("b", [0.0, 0.25, 0.5, 0.6, 0.9, 1.0])
def test_from_blame_interpolates_linearly(b):
    p = cs.Policy.from_blame(b)
    assert p.blame_level == b
    for name, (blame, just) in TABLE.items():
        assert p[name] == pytest.approx(b * blame + (1 - b) * just, abs=1e-12), name
        assert min(blame, just) - 1e-12 <= p[name] <= max(blame, just) + 1e-12


def test_presets_are_the_ends_of_from_blame():
    assert cs.Policy.from_blame(1) == cs.Policy.blame()
    assert cs.Policy.from_blame(0) == cs.Policy.just_culture()
    assert cs.Policy.typical() == cs.Policy.from_blame(0.6)
    assert cs.Policy.typical().blame_level == 0.6


def test_fields_constructor_starts_from_typical():
    assert cs.Policy() == cs.Policy.typical()
    p = cs.Policy(console_prob=0.5, support_level=1)
    assert p.console_prob == 0.5 and p.support_level == 1.0
    assert p.punish_human_error == cs.Policy.typical().punish_human_error
    assert p.blame_level is None


def test_replace_copies_validates_and_forgets_the_blame_level():
    blame = cs.Policy.blame()
    edited = blame.replace(console_prob=0.9)
    assert edited.console_prob == 0.9 and blame.console_prob == 0.1  # the original is unchanged
    assert edited.blame_level is None and blame.blame_level == 1.0
    assert blame.replace() == blame and blame.replace().blame_level == 1.0
    with pytest.raises(ValueError, match="console_prob"):
        blame.replace(console_prob=2)
    with pytest.raises(KeyError, match="did you mean 'console_prob'"):
        blame.replace(consol_prob=0.5)


def test_just_culture_in_name_only_is_stated_just_enacted_blame():
    in_name_only = cs.Policy.blame().replace(stated_safety=cs.Policy.just_culture().stated_safety)
    enacted = {k: v for k, v in in_name_only.to_dict().items() if k != "stated_safety"}
    assert enacted == {k: v for k, v in BLAME.items() if k != "stated_safety"}
    assert in_name_only.stated_safety == JUST["stated_safety"]
    assert in_name_only != cs.Policy.blame() and in_name_only != cs.Policy.just_culture()
    # ... and it is a policy like any other: a scenario and a run accept it.
    scenario = cs.Scenario("in name only", policy=in_name_only)
    assert scenario.to_dict()["policy"] == in_name_only.to_dict()
    assert cs.run(scenario, years=0.1, progress=False).scenario.policy == in_name_only


def test_attribute_and_item_access():
    p = cs.Policy.just_culture()
    assert p.console_prob == p["console_prob"] == 0.9
    assert hasattr(p, "console_prob") and not hasattr(p, "console")
    assert getattr(p, "nonsense", None) is None
    with pytest.raises(AttributeError, match="did you mean 'console_prob'"):
        p.consol_prob  # noqa: B018
    with pytest.raises(KeyError, match="did you mean 'console_prob'"):
        p["consol_prob"]


def test_equality_hash_repr_copy_and_pickle():
    a, b = cs.Policy.from_blame(0.3), cs.Policy.from_blame(0.3)
    assert a == b and hash(a) == hash(b) and len({a, b, cs.Policy.blame()}) == 2
    assert a != "not a policy"
    assert repr(cs.Policy.blame()).startswith("Policy(b=1, punish_human_error=0.6, ")
    assert repr(cs.Policy(console_prob=0.5)).startswith("Policy(b=?, ")
    for clone in (copy.copy(a), copy.deepcopy(a), pickle.loads(pickle.dumps(a))):
        assert clone == a and clone.blame_level == 0.3
    d = a.to_dict()
    d["console_prob"] = 0.0  # to_dict is a copy
    assert a.console_prob != 0.0
