"""Which lever matters most (cs.levers, plot_tornado, `culturesim levers`), and long analyses run
from a plain script without an `if __name__ == "__main__":` guard, with progress."""

from __future__ import annotations

import doctest
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest

import culturesim as cs
from culturesim import policy_levers as levers_module
from culturesim.policy_levers import ALL
from test_cli import bad, culturesim, ok

QUICK = dict(years=1, replicates=2, warmup_years=0, progress=False)
FIELDS = ["support_level", "punish_human_error", "systems_rca"]
METRICS = ["burnout_prevalence", "harm_events"]


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return cs.levers("typical", "just_culture", metrics=METRICS, fields=FIELDS, **QUICK)


def test_each_lever_is_its_field_alone_against_the_baseline(table):
    assert list(table["metric"].unique()) == METRICS
    assert set(table["lever"]) == {*FIELDS, ALL}
    typical, just = cs.Policy.typical(), cs.Policy.just_culture()
    row = table[(table["lever"] == "support_level") & (table["metric"] == "harm_events")].iloc[0]
    assert (row["from"], row["to"]) == (typical.support_level, just.support_level)
    # The same paired difference as an experiment of the baseline and that one change.
    exp = cs.Experiment(
        [cs.Scenario("baseline", policy=typical), cs.Scenario("one", policy=typical.replace(support_level=1.0))],
        years=1,
        replicates=2,
        warmup_years=0,
    )
    c = exp.run(progress=False).compare("baseline", "one", "harm_events")
    assert (row["difference"], row["ci_low"], row["ci_high"]) == (c["diff"], c["ci_low"], c["ci_high"])
    assert row["effect"] == 100 * c["relative"] and row["reading"] == "relative"
    assert "run-to-run" in row["interval"] and table.attrs["draws"] is None


def test_effects_read_in_points_for_shares_and_are_sorted_by_size(table):
    for metric, rows in table.groupby("metric", sort=False):
        levers = rows[rows["lever"] != ALL]
        assert list(rows["lever"])[-1] == ALL  # the whole target policy last, for reference
        sizes = levers["effect"].abs().to_numpy()
        assert np.all(sizes[:-1] >= sizes[1:]), metric
        if metric == "burnout_prevalence":  # percentage points
            np.testing.assert_array_equal(rows["effect"], 100 * rows["difference"])
            np.testing.assert_array_equal(rows["effect_low"], 100 * rows["ci_low"])
            assert set(rows["reading"]) == {"points"}
        else:
            np.testing.assert_array_equal(rows["effect"], 100 * rows["relative"])
            np.testing.assert_array_equal(rows["effect_high"], 100 * rows["rel_high"])
    assert (table["effect_low"] <= table["effect"]).all() and (table["effect"] <= table["effect_high"]).all()


def test_over_posterior_draws_the_intervals_include_the_parameters():
    table = cs.levers(metrics=["reports"], fields=["support_level"], params=cs.open_posterior(), draws=2, **QUICK)
    assert table.attrs["draws"] == 2 and set(table["draws"]) == {2}
    assert "parameter uncertainty" in table["interval"].iloc[0]
    # Every lever of every draw is paired with the baseline of that draw: 2 draws x 2 replicates.
    assert set(table["n"]) == {4}


def test_bad_levers_are_refused_naming_what_is_allowed():
    with pytest.raises(KeyError, match="support_lvl"):
        cs.levers(fields=["support_lvl"], **QUICK)
    with pytest.raises(ValueError, match="the same: no lever moves"):
        cs.levers("typical", "typical", **QUICK)
    with pytest.raises(ValueError, match="list of policy fields"):
        cs.levers(fields="support_level", **QUICK)
    with pytest.raises(ValueError, match="non-empty list of output names"):
        cs.levers(metrics="reports", **QUICK)
    with pytest.raises(KeyError, match="did you mean 'reports'"):
        cs.levers(metrics=["reprts"], **QUICK)
    switch = cs.Scenario("s", interventions=[cs.Intervention(at_year=1, policy="just_culture")])
    with pytest.raises(ValueError, match="has interventions"):
        cs.levers(switch, **QUICK)


def test_the_tornado_chart_has_human_labels(table):
    ax = cs.plot_tornado(table, "burnout_prevalence")
    assert ax.get_xlabel() == "change in burnout (share of staff), percentage points"
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[-1] == "all levers (just_culture)"  # on top
    assert any(label.startswith("support level  0.40 → 1.00") for label in labels)
    assert cs.plot_tornado(table, "harm_events").get_xlabel() == "change in harm events, %"
    with pytest.raises(KeyError, match="it has: burnout_prevalence, harm_events"):
        cs.plot_tornado(table, "quits")


def test_module_examples():
    result = doctest.testmod(levers_module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


# -- the command line ------------------------------------------------------------------------------
QUICK_ARGS = ["--years", "1", "--replicates", "2", "--warmup-years", "0", "--field", *FIELDS]


def test_the_levers_command_prints_the_table_and_writes_a_csv_or_figure(tmp_path, subprocess_env, table):
    done = ok(culturesim(subprocess_env, tmp_path, "levers", *QUICK_ARGS, "--metric", *METRICS, "-o", "t.csv"))
    assert (
        "change in burnout (share of staff), percentage points" in done.stdout
        and "all levers (just_culture)" in done.stdout
    )
    written = pd.read_csv(tmp_path / "t.csv")
    pd.testing.assert_frame_equal(written[["metric", "lever", "effect"]], table[["metric", "lever", "effect"]])
    done = culturesim(
        subprocess_env, tmp_path, "levers", *QUICK_ARGS, "--draws", "2", "--metric", "reports", "-o", "t.png"
    )
    assert done.returncode == 0, done.stderr
    assert "2 parameter draws x 2 replicates" in done.stdout and (tmp_path / "t.png").stat().st_size > 0


@pytest.mark.parametrize(
    "args, needle",
    [
        (["-o", "t.txt"], "give a figure (.png, .svg, .pdf) or a table (.csv)"),
        (["--posterior", "post.h5"], "--posterior needs --draws"),
        (["--metric", "reprts"], "did you mean 'reports'"),
        (["--field", "support_lvl"], "support_lvl"),
        (["--draws", "2", "--posterior", "nowhere.h5"], "nowhere.h5"),
        (["--baseline", "typcal"], "typcal"),
    ],
)
def test_bad_levers_options_exit_2_in_one_line(tmp_path, subprocess_env, args, needle):
    bad(culturesim(subprocess_env, tmp_path, "levers", "--years", "1", "--replicates", "1", *args), needle)


def test_an_existing_output_is_refused_without_force(tmp_path, subprocess_env):
    (tmp_path / "t.csv").write_text("mine")
    done = culturesim(subprocess_env, tmp_path, "levers", *QUICK_ARGS, "-o", "t.csv")
    assert done.returncode == 2 and "already exists" in done.stderr
    assert (tmp_path / "t.csv").read_text() == "mine"


# -- a plain script --------------------------------------------------------------------------------
def test_sensitivity_and_levers_run_from_a_plain_script_with_progress(tmp_path, subprocess_env):
    # No `if __name__ == "__main__":` guard: a spawned process pool would re-run this file in each
    # worker and break (BrokenProcessPool); the engine's threads need no guard.
    script = tmp_path / "analysis.py"
    script.write_text(
        textwrap.dedent("""
        import culturesim as cs
        import culturesim._running as running

        running.PROGRESS_AFTER_SECONDS = 0.0   # show progress even for this short analysis
        s = cs.sensitivity("reports", params=["safety_learn", "coach_effect"], trajectories=2, years=1,
                           window=(0, 1), warmup_years=0, cores=2)
        print("sensitivity", len(s.Y))
        t = cs.levers(metrics=["reports"], fields=["support_level"], years=1, replicates=2, warmup_years=0)
        print("levers", len(t))
    """)
    )
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=subprocess_env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert "sensitivity 6" in done.stdout and "levers 2" in done.stdout
    # stderr is a pipe: plain progress lines, no carriage-return redraws.
    assert "\r" not in done.stderr
    assert sum(line.startswith("experiment: done") for line in done.stderr.splitlines()) == 2, done.stderr


def _double(x: int) -> int:
    return 2 * x


def test_a_process_pool_from_an_unguarded_script_says_to_add_the_guard(tmp_path, subprocess_env):
    # cs.calibrate and cs.validation.predictive (cores > 1) use spawned processes: each worker
    # imports the script again. Unguarded, the worker is refused and the caller is told why.
    script = tmp_path / "unguarded.py"
    script.write_text(
        "from culturesim.processes import spawn_pool\n"
        "from test_levers import _double\n"
        "with spawn_pool(2) as pool:\n"
        "    print(list(pool.map(_double, [1, 2, 3])))\n"
    )
    env = {**subprocess_env, "PYTHONPATH": str(__import__("pathlib").Path(__file__).parent)}
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode != 0
    assert 'put the calls of the script under `if __name__ == "__main__":`' in done.stderr.splitlines()[-1]
    guarded = tmp_path / "guarded.py"
    guarded.write_text(
        "from culturesim.processes import spawn_pool\n"
        "from test_levers import _double\n"
        "if __name__ == '__main__':\n"
        "    with spawn_pool(2) as pool:\n"
        "        print(list(pool.map(_double, [1, 2, 3])))\n"
    )
    done = subprocess.run(
        [sys.executable, str(guarded)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0 and "[2, 4, 6]" in done.stdout, done.stderr
