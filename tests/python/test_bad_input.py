"""Every kind of bad input through the Python API gets a clear error: KeyError for an unknown name
(with the closest one suggested), ValueError naming the field and what is allowed for a bad value."""

from __future__ import annotations

import re

import pytest

import culturesim as cs


def scenario_with(**kw):
    return lambda: cs.Scenario("x", **kw)


def intervention(**kw):
    return lambda: cs.Scenario("x", interventions=[cs.Intervention(**kw)])


CASES = {
    # -- unknown parameter: KeyError with "did you mean" -------------------------------------------
    "unknown parameter (item)": (
        lambda: cs.default_params()["alpha_bse"],
        KeyError,
        "unknown parameter 'alpha_bse'; did you mean 'alpha_base'?",
    ),
    "unknown parameter (update)": (
        lambda: cs.default_params().update(alpha_bse=1),
        KeyError,
        "did you mean 'alpha_base'?",
    ),
    "unknown parameter (default_params)": (
        lambda: cs.default_params(qit_rate={"nurse": 0.1}),
        KeyError,
        "did you mean 'quit_rate'?",
    ),
    "unknown parameter (scenario)": (scenario_with(params={"alpha_bse": 1}), KeyError, "did you mean 'alpha_base'?"),
    "unknown parameter (intervention)": (
        intervention(at_year=1, params={"alpha_bse": 1}),
        KeyError,
        "scenario 'x': intervention 'alpha_bse=1': unknown parameter 'alpha_bse'; did you mean 'alpha_base'?",
    ),
    "unknown key of a keyed parameter": (
        lambda: cs.default_params(quit_rate={"nurs": 0.1}),
        KeyError,
        "did you mean 'nurse'?",
    ),
    # -- out of range: ValueError naming the parameter and its range -------------------------------
    "out of range": (
        lambda: cs.default_params(alpha_base=-1),
        ValueError,
        "parameter 'alpha_base' = -1 is out of range; allowed 0 to 10 (1/day)",
    ),
    "out of range (per key)": (
        lambda: cs.default_params(base_error_rate={"nurse": 5}),
        ValueError,
        "parameter 'base_error_rate[nurse]' = 5 is out of range; allowed 0 to 1",
    ),
    "out of range (set item)": (
        lambda: cs.default_params().__setitem__("alpha_base", 100),
        ValueError,
        "'alpha_base' = 100 is out of range; allowed 0 to 10",
    ),
    "out of range (intervention)": (
        intervention(at_year=1, params={"alpha_base": 100}),
        ValueError,
        "intervention 'alpha_base=100': parameter 'alpha_base' = 100 is out of range",
    ),
    "nan": (lambda: cs.default_params(alpha_base=float("nan")), ValueError, "'alpha_base'"),
    # -- wrong type: ValueError naming the field ---------------------------------------------------
    "string for a number": (
        lambda: cs.default_params(alpha_base="0.1"),
        ValueError,
        "parameter 'alpha_base' must be a number, got str '0.1'",
    ),
    "True for a number": (
        lambda: cs.default_params(alpha_base=True),
        ValueError,
        "parameter 'alpha_base' must be a number, got bool True",
    ),
    "None for a number": (
        lambda: cs.default_params(alpha_base=None),
        ValueError,
        "parameter 'alpha_base' must be a number",
    ),
    "list of wrong length for a keyed parameter": (
        lambda: cs.default_params(quit_rate=[0.1, 0.2]),
        ValueError,
        "parameter 'quit_rate' needs 4 values (one per key), got 2",
    ),
    "number for a keyed parameter": (
        lambda: cs.default_params(quit_rate=0.1),
        ValueError,
        "parameter 'quit_rate' has one value per key (nurse, resident, attending, pharmacist)",
    ),
    "string for one key": (
        lambda: cs.default_params(quit_rate={"nurse": "high"}),
        ValueError,
        "parameter 'quit_rate[nurse]' must be a number, got str",
    ),
    "True for one key": (
        lambda: cs.default_params(quit_rate={"nurse": True}),
        ValueError,
        "parameter 'quit_rate[nurse]' must be a number, got bool",
    ),
    # -- policy ------------------------------------------------------------------------------------
    "unknown policy field": (
        lambda: cs.Policy(punish_humen_error=0.1),
        KeyError,
        "unknown policy field 'punish_humen_error'; did you mean 'punish_human_error'?",
    ),
    "unknown policy field (replace)": (
        lambda: cs.Policy.blame().replace(consol_prob=0.5),
        KeyError,
        "did you mean 'console_prob'?",
    ),
    "unknown policy field (intervention)": (
        lambda: cs.Intervention(at_year=1, policy={"stated_safty": 0.9}),
        KeyError,
        "did you mean 'stated_safety'?",
    ),
    "policy field out of range": (
        lambda: cs.Policy(console_prob=1.5),
        ValueError,
        "policy field 'console_prob' = 1.5 is out of range; allowed 0 to 1",
    ),
    "policy field wrong type": (
        lambda: cs.Policy(console_prob="high"),
        ValueError,
        "policy field 'console_prob' must be a number, got str",
    ),
    "policy field True": (
        lambda: cs.Policy(console_prob=True),
        ValueError,
        "policy field 'console_prob' must be a number, got bool",
    ),
    "policy field wrong type (intervention)": (
        lambda: cs.Intervention(at_year=1, policy={"stated_safety": "x"}),
        ValueError,
        "policy field 'stated_safety' must be a number",
    ),
    "bad policy preset name": (
        scenario_with(policy="blme"),
        KeyError,
        "unknown policy preset 'blme'; allowed: blame, typical, just_culture",
    ),
    "bad policy preset name (run)": (
        lambda: cs.run("just-culture", years=0.1, progress=False),
        KeyError,
        "unknown policy preset 'just-culture'",
    ),
    "bad policy preset name (switch)": (
        lambda: cs.Intervention.switch(1, "blam"),
        KeyError,
        "unknown policy preset 'blam'",
    ),
    "blame level out of range": (
        lambda: cs.Policy.from_blame(1.5),
        ValueError,
        "blame level b = 1.5 is out of range; allowed 0 (Just Culture) to 1 (blame)",
    ),
    "blame level of the wrong type": (
        lambda: cs.Policy.from_blame("high"),
        ValueError,
        "blame level b must be a number",
    ),
    "policy of the wrong type": (scenario_with(policy=True), ValueError, "a policy must be a Policy"),
    # -- run arguments -----------------------------------------------------------------------------
    "years zero": (lambda: cs.run(years=0, progress=False), ValueError, "years = 0 is out of range"),
    "years negative": (lambda: cs.run(years=-1, progress=False), ValueError, "years = -1 is out of range"),
    "years string": (lambda: cs.run(years="10", progress=False), ValueError, "years must be a number, got '10'"),
    "years True": (lambda: cs.run(years=True, progress=False), ValueError, "years must be a number, got True"),
    "years infinite": (lambda: cs.run(years=float("inf"), progress=False), ValueError, "years must be a number"),
    "years too many": (lambda: cs.run(years=1e9, progress=False), ValueError, "out of range; allowed 1 to"),
    "seed negative": (
        lambda: cs.run(years=0.1, seed=-1, progress=False),
        ValueError,
        "seed must be a whole number from 0 to 2**63 - 1, got -1",
    ),
    "seed fractional": (lambda: cs.run(years=0.1, seed=1.5, progress=False), ValueError, "seed must be a whole"),
    "seed string": (lambda: cs.run(years=0.1, seed="1", progress=False), ValueError, "seed must be a whole"),
    "seed True": (lambda: cs.run(years=0.1, seed=True, progress=False), ValueError, "seed must be a whole"),
    "replicate negative": (
        lambda: cs.run(years=0.1, replicate=-1, progress=False),
        ValueError,
        "replicate must be a whole number",
    ),
    "threads zero": (
        lambda: cs.run(years=0.1, threads=0, progress=False),
        ValueError,
        "threads must be a whole number from 1 to 4096 (or None for all cores), got 0",
    ),
    "threads fractional": (lambda: cs.run(years=0.1, threads=1.5, progress=False), ValueError, "threads must"),
    "threads too many": (lambda: cs.run(years=0.1, threads=100000, progress=False), ValueError, "threads must"),
    "record_every zero": (
        lambda: cs.run(years=0.1, record_every=0, progress=False),
        ValueError,
        "record_every must be 'month', 'quarter', 'year' or a whole number of days from 1 to 36500, got 0",
    ),
    "record_every negative": (
        lambda: cs.run(years=0.1, record_every=-12, progress=False),
        ValueError,
        "record_every must be 'month', 'quarter', 'year' or a whole number of days from 1 to 36500, got -12",
    ),
    "record_every unknown calendar": (
        lambda: cs.run(years=0.1, record_every="monthly", progress=False),
        ValueError,
        "record_every = 'monthly' is not a calendar period (did you mean 'month'?); allowed: 'month', 'quarter', "
        "'year' or a whole number of days from 1 to 36500",
    ),
    "record_every fractional": (
        lambda: cs.run(years=0.1, record_every=2.5, progress=False),
        ValueError,
        "record_every must be 'month', 'quarter', 'year' or a whole number",
    ),
    "record_every string": (
        lambda: cs.run(years=0.1, record_every="30", progress=False),
        ValueError,
        "record_every = '30' is not a calendar period; allowed: 'month', 'quarter', 'year' or a whole number",
    ),
    "snapshot_every negative": (
        lambda: cs.run(years=0.1, snapshot_every=-1, progress=False),
        ValueError,
        "snapshot_every must be a whole number of days from 0 to 36500",
    ),
    "scenario of the wrong type": (
        lambda: cs.run(42, years=0.1, progress=False),
        ValueError,
        "expected a cs.Scenario, a cs.Policy or a preset name, got int",
    ),
    # -- experiments -------------------------------------------------------------------------------
    "replicates zero": (
        lambda: cs.Experiment(["blame"], replicates=0),
        ValueError,
        "replicates must be a whole number from 1 to 1000000, got 0",
    ),
    "replicates float": (lambda: cs.Experiment(["blame"], replicates=2.0), ValueError, "replicates must be"),
    "replicates True": (lambda: cs.Experiment(["blame"], replicates=True), ValueError, "replicates must be"),
    "experiment years": (lambda: cs.Experiment(["blame"], years=0), ValueError, "years = 0 is out of range"),
    "experiment seed": (lambda: cs.Experiment(["blame"], seed=-3), ValueError, "seed must be a whole number"),
    "experiment record_every": (
        lambda: cs.Experiment(["blame"], record_every=0),
        ValueError,
        "record_every must be 'month', 'quarter', 'year' or a whole number of days from 1 to 36500",
    ),
    "experiment threads": (
        lambda: cs.Experiment(["blame"], replicates=1, years=0.1).run(threads=-1, progress=False),
        ValueError,
        "threads must be a whole number",
    ),
    "no scenarios": (lambda: cs.Experiment([]), ValueError, "an experiment needs at least one scenario"),
    "one scenario not in a list": (
        lambda: cs.Experiment("blame"),
        ValueError,
        "scenarios must be a list of cs.Scenario objects or preset names",
    ),
    "duplicate scenario names": (
        lambda: cs.Experiment(["blame", cs.Scenario("blame", policy=0.9)]),
        ValueError,
        "scenario names must be unique; repeated: blame",
    ),
    "resume and force": (
        lambda: cs.Experiment(["blame"], replicates=1, years=0.1).run(resume=True, force=True),
        ValueError,
        "choose one of resume (continue the file) or force (start it again)",
    ),
    # -- scenarios and interventions ---------------------------------------------------------------
    "empty scenario name": (lambda: cs.Scenario(""), ValueError, "a scenario needs a non-empty name"),
    "scenario name with a slash": (
        lambda: cs.Experiment([cs.Scenario("a/b")], replicates=1, years=0.1).run(progress=False),
        ValueError,
        "scenario name 'a/b' must not contain '/'",
    ),
    "not an intervention": (
        scenario_with(interventions=[{"at_year": 1}]),
        ValueError,
        "interventions must be cs.Intervention objects",
    ),
    "unknown unit in fix_friction": (
        lambda: cs.Scenario("x", interventions=[cs.Intervention.fix_friction(at_year=1, units=["ER"])]),
        KeyError,
        "intervention 'fix friction in ER': unknown unit 'ER'; did you mean 'ED'?",
    ),
    "intervention with both at_year and at_day": (
        lambda: cs.Intervention(at_year=1, at_day=365, policy="blame"),
        ValueError,
        "an intervention needs exactly one of at_year or at_day",
    ),
    "intervention with neither at_year nor at_day": (
        lambda: cs.Intervention(policy="blame"),
        ValueError,
        "an intervention needs exactly one of at_year or at_day",
    ),
    "intervention at_year string": (
        lambda: cs.Intervention(at_year="5", policy="blame"),
        ValueError,
        "at_year must be a number of years, got '5'",
    ),
    "intervention at_day fractional": (
        lambda: cs.Intervention(at_day=1.5, policy="blame"),
        ValueError,
        "at_day must be a whole number of days, got 1.5",
    ),
    "intervention before the start": (
        intervention(at_year=-1, policy="blame"),
        ValueError,
        "day = -365 must be 0 or later",
    ),
    "ramp out of range": (
        lambda: cs.Scenario("x", interventions=[cs.Intervention.ramp(1, 2, to_blame=2)]),
        ValueError,
        "intervention 'ramp b 1 -> 2 over 2 years'",
    ),
    # -- the engine's checks, shared by the Python API and the file loader (issue 9, item 6) ------
    "NUL in a scenario name": (
        lambda: cs.Scenario("a\0b"),
        ValueError,
        "scenario name 'a...' contains a NUL character",
    ),
    "an intervention that changes nothing": (
        lambda: cs.Intervention(at_year=1),
        ValueError,
        "an intervention needs something to change",
    ),
    "a ramp of zero years": (
        lambda: cs.Intervention.ramp(1, 0),
        ValueError,
        "a ramp's years must be a duration of at least 1/365 year (one day), got 0",
    ),
    "a ramp of negative years": (
        lambda: cs.Intervention.ramp(1, -1),
        ValueError,
        "at least 1/365 year (one day), got -1",
    ),
    "years shorter than a day": (
        lambda: cs.run(years=0.001, progress=False),
        ValueError,
        "years = 0.001 is out of range; allowed at least 1/365 year (one day)",
    ),
    "at_year far beyond any run": (
        lambda: cs.Intervention(at_year=1e15, policy="blame"),
        ValueError,
        "is out of range; allowed years from the start, 0 to 273972",
    ),
    "Params of a number": (
        lambda: cs.Params(42),
        ValueError,
        "Params takes a table (dict) of parameter names and values, got int 42",
    ),
    "hospital of a string": (
        scenario_with(hospital="big"),
        ValueError,
        "scenario 'x': hospital must be a table (dict) with a name and a list of units",
    ),
    "interventions of a number": (
        scenario_with(interventions=5),
        ValueError,
        "scenario 'x': interventions must be a list of cs.Intervention objects, got int 5",
    ),
    "a run outside the experiment": (
        lambda: cs.Experiment(["blame"], replicates=2, years=0.1).run(runs=[(0, -1)], progress=False),
        ValueError,
        "runs[0]: replicate -1 is out of range; allowed 0 to 1",
    ),
    "negative initial_hazards of a unit": (
        scenario_with(hospital={"name": "h", "units": [{"name": "A", "nurse": 3, "initial_hazards": -3}]}),
        ValueError,
        "unit 'A': initial_hazards = -3 is out of range; allowed 0 to 1000",
    ),
    "an intervention on a parameter read only at the start": (
        intervention(at_year=1, params={"initial_shortcut": 0.9}),
        ValueError,
        "parameter 'initial_shortcut' is read only when a run starts, so an intervention cannot change it",
    ),
    # -- results -----------------------------------------------------------------------------------
    "unknown output": (
        lambda: cs.run(years=0.1, progress=False)["burnout"],
        KeyError,
        "unknown output 'burnout'; did you mean",
    ),
    "compare level as a percentage": (
        lambda: (
            cs.Experiment(["blame", "just_culture"], replicates=2, years=0.1)
            .run(progress=False)
            .compare("blame", "just_culture", "reports", level=95)
        ),
        ValueError,
        "level must be a confidence between 0 and 1 (0.95 for a 95% interval), got 95",
    ),
    "open a missing results file": (
        lambda: cs.open_results("/nonexistent/results.h5"),
        FileNotFoundError,
        "no results file at '/nonexistent/results.h5'",
    ),
}


@pytest.mark.parametrize("make, error, message", list(CASES.values()), ids=list(CASES))
def test_bad_input_gets_a_clear_error(make, error, message):
    with pytest.raises(error) as info:
        make()
    text = info.value.args[0] if info.value.args else str(info.value)
    assert message in text, f"{text!r} does not contain {message!r}"
    assert "Traceback" not in text and "std::" not in text and "pybind11" not in text


def test_key_errors_print_readably():
    # KeyError's str() quotes its message; the message itself carries no quoting of its own.
    with pytest.raises(KeyError) as info:
        cs.default_params()["alpha_bse"]
    assert info.value.args[0] == "unknown parameter 'alpha_bse'; did you mean 'alpha_base'?"


def test_a_failed_update_changes_nothing():
    p = cs.default_params(alpha_base=0.02)
    for bad in ({"alpha_support": -1}, {"quit_rate": [0.1]}, {"alpha_bse": 1}, {"alpha_base": "x"}):
        with pytest.raises((KeyError, ValueError)):
            p.update({"dismiss_prob": 0.5, **bad})
    assert p.diff() == {"alpha_base": 0.02}


def test_duplicate_names_are_reported_once_each():
    with pytest.raises(ValueError) as info:
        cs.Experiment(["blame", "blame", "just_culture", "just_culture", "typical"])
    assert re.search(r"repeated: blame, just_culture$", str(info.value))
