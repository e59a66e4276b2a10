"""cs.default_params(): a validated mapping of every parameter, with per-key access and readable views."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Mapping, MutableMapping

import pytest

import culturesim as cs
from culturesim import _engine

SPECS = {s["name"]: s for s in _engine.parameter_specs()}
SCALARS = [n for n, s in SPECS.items() if not s["keys"]]
KEYED = [n for n, s in SPECS.items() if s["keys"]]


def test_default_params_is_a_mapping_of_every_parameter_in_table_order():
    p = cs.default_params()
    assert isinstance(p, MutableMapping) and isinstance(p, cs.Params)
    assert list(p) == list(SPECS) and len(p) == len(SPECS) > 0
    assert list(cs.parameter_table().index) == list(SPECS)
    assert "alpha_base" in p and "no_such_parameter" not in p
    assert p.get("no_such_parameter", "fallback") == "fallback"
    assert set(p.keys()) == set(SPECS)


def test_scalars_read_as_floats_equal_to_the_table_defaults():
    p = cs.default_params()
    for name in SCALARS:
        assert isinstance(p[name], float), name
        assert p[name] == SPECS[name]["default"][0], name
    assert p["alpha_base"] == 0.0127  # the table's default (the shipped posterior's median)


def test_keyed_parameters_read_per_key():
    p = cs.default_params()
    assert p["base_error_rate"]["nurse"] == 0.015
    for name in KEYED:
        values = p[name]
        assert isinstance(values, Mapping)
        assert list(values) == SPECS[name]["keys"] and len(values) == len(SPECS[name]["keys"])
        assert [values[k] for k in values] == SPECS[name]["default"]
        assert values == dict(zip(SPECS[name]["keys"], SPECS[name]["default"]))
    with pytest.raises(KeyError, match="no key 'surgeon'; allowed: nurse, resident, attending, pharmacist"):
        p["base_error_rate"]["surgeon"]


def test_defaults_lie_inside_their_ranges():
    for name, s in SPECS.items():
        assert all(s["min"] <= v <= s["max"] for v in s["default"]), name


def test_setting_one_key_changes_only_that_key():
    p = cs.default_params()
    p["base_error_rate"]["nurse"] = 0.02
    assert p["base_error_rate"]["nurse"] == 0.02
    assert p["base_error_rate"]["resident"] == SPECS["base_error_rate"]["default"][1]
    assert p.diff() == {"base_error_rate": {"nurse": 0.02}}
    with pytest.raises(TypeError, match="fixed"):
        del p["base_error_rate"]["nurse"]


def test_update_sets_several_parameters_and_keeps_unnamed_keys():
    p = cs.default_params()
    p.update({"alpha_base": 0.02}, quit_rate={"nurse": 0.2}, severity_probs=[0.5, 0.4, 0.06, 0.03, 0.01])
    assert p["alpha_base"] == 0.02
    assert p["quit_rate"]["nurse"] == 0.2 and p["quit_rate"]["resident"] == 0.05
    assert list(p["severity_probs"].values()) == [0.5, 0.4, 0.06, 0.03, 0.01]
    p["alpha_base"] = 0  # ints are numbers
    assert p["alpha_base"] == 0.0 and isinstance(p["alpha_base"], float)


def test_update_is_all_or_nothing():
    p = cs.default_params(alpha_base=0.02)
    before = p.to_dict()
    with pytest.raises(ValueError, match="alpha_support"):
        p.update(alpha_base=0.03, alpha_support=-1)
    with pytest.raises(KeyError):
        p.update(alpha_base=0.03, alpha_bse=1)
    assert p.to_dict() == before


def test_reset_one_and_all():
    p = cs.default_params(alpha_base=0.02, quit_rate={"nurse": 0.2})
    p.reset("alpha_base")
    assert p.diff() == {"quit_rate": {"nurse": 0.2}}
    p.reset()
    assert p.diff() == {} and p == cs.default_params()
    with pytest.raises(KeyError, match="did you mean 'alpha_base'"):
        p.reset("alpha_bse")


def test_diff_against_defaults_and_against_other_params():
    a = cs.default_params(alpha_base=0.02, harm_cost={"severe": 300000.0})
    b = cs.default_params(alpha_base=0.03)
    assert a.diff() == {"alpha_base": 0.02, "harm_cost": {"severe": 300000.0}}
    assert a.diff(b) == {"alpha_base": 0.02, "harm_cost": {"severe": 300000.0}}
    assert b.diff(a) == {"alpha_base": 0.03, "harm_cost": {"severe": cs.default_params()["harm_cost"]["severe"]}}
    assert a.diff(a.copy()) == {}


def test_constructors_copies_and_round_trips():
    p = cs.Params({"alpha_base": 0.02}, quit_rate={"nurse": 0.2})
    assert p == cs.default_params(alpha_base=0.02, quit_rate={"nurse": 0.2})
    assert cs.Params(p.to_dict()) == p
    q = p.copy()
    q["alpha_base"] = 0.05
    assert p["alpha_base"] == 0.02  # copies are independent
    d = p.to_dict()
    d["quit_rate"]["nurse"] = 0.9  # to_dict is a deep copy
    assert p["quit_rate"]["nurse"] == 0.2
    assert pickle.loads(pickle.dumps(p)) == p
    assert copy.deepcopy(p) == p
    assert p != cs.default_params() and (p == {"alpha_base": 0.02}) is False


def test_parameters_cannot_be_deleted():
    p = cs.default_params()
    with pytest.raises(TypeError, match="cannot be deleted"):
        del p["alpha_base"]


def test_repr_is_a_readable_table_with_units_sources_and_changes_marked():
    p = cs.default_params(alpha_base=0.02)
    text = repr(p)
    lines = text.splitlines()
    assert lines[0] == f"Params({len(SPECS)} parameters, 1 changed from the defaults)"
    assert len(lines) == 1 + len(SPECS)
    alpha = next(line for line in lines if line.split()[0].lstrip("*") == "alpha_base")
    assert alpha.lstrip().startswith("*alpha_base") and "0.02" in alpha and "[1/day]" in alpha
    nurse = next(line for line in lines if "base_error_rate" in line)
    assert "nurse 0.015" in nurse and "[errors/day]" in nurse and "West" in nurse
    assert not any(line.lstrip().startswith("*") for line in lines[1:] if "alpha_base" not in line)


def test_repr_html_is_a_table_of_values_units_and_sources():
    html = cs.default_params(alpha_base=0.02)._repr_html_()
    assert html.lstrip().startswith("<div") and "<table" in html
    for word in ("value", "default", "unit", "source", "description", "alpha_base", "base_error_rate", "1/day"):
        assert word in html, word
    assert all(f"<th>{name}</th>" in html for name in SPECS), "every parameter is shown, none elided"
    frame = cs.default_params(alpha_base=0.02).to_frame()
    assert frame.loc["alpha_base", "value"] == 0.02 and frame.loc["alpha_base", "default"] == 0.0127
    assert frame.loc["base_error_rate", "value"]["nurse"] == 0.015


def test_parameter_table_and_spec():
    table = cs.parameter_table()
    assert list(table.columns) == ["kind", "default", "min", "max", "unit", "description", "source"]
    assert table.loc["alpha_base", "unit"] == "1/day"
    assert table.loc["base_error_rate", "default"] == {
        "nurse": 0.015,
        "resident": 0.02,
        "attending": 0.012,
        "pharmacist": 0.008,
    }
    assert (table["source"].str.len() > 0).all() and (table["description"].str.len() > 0).all()
    spec = cs.Params.spec("quit_rate")
    assert spec["keys"] == ["nurse", "resident", "attending", "pharmacist"] and spec["unit"]
    spec["unit"] = "changed"  # a copy
    assert cs.Params.spec("quit_rate")["unit"] != "changed"
    with pytest.raises(KeyError, match="did you mean 'quit_rate'"):
        cs.Params.spec("quit_rat")
