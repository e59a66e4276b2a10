"""The `culturesim` command, through a subprocess (`python -m culturesim`, as installed by pip)."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import signal
import subprocess
import sys
from io import StringIO
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

import culturesim as cs
from culturesim import _engine, cli, toml_io

SCENARIOS = Path(__file__).resolve().parents[2] / "experiments" / "scenarios"
HAS_CLUSTER = importlib.util.find_spec("culturesim.cluster") is not None

EXPERIMENT = """
years = 1
replicates = 2
seed = 5

[[scenarios]]
name = "blame"
policy = "blame"

[[scenarios]]
name = "just"
policy = "just_culture"
[scenarios.params]
alpha_support = 0.05
"""


def culturesim(env, cwd, *args, timeout=300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "culturesim", *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def ok(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result


def bad(result: subprocess.CompletedProcess, *needles: str) -> str:
    """Exit status 2, one `culturesim: error:` line naming what is wrong (after any warning lines), no
    traceback."""
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert all(line.startswith("culturesim: warning: ") for line in lines[:-1]), result.stderr
    assert lines[-1].startswith("culturesim: error: "), result.stderr
    for needle in needles:
        assert needle in result.stderr, (needle, result.stderr)
    return result.stderr


def series(path: Path) -> dict[str, np.ndarray]:
    with h5py.File(path, "r") as f:
        data = {name: f[f"series/{name}"][...] for name in f["series"]}
        data["done"] = f["done"][...]
    return data


def assert_same_series(a: Path, b: Path) -> None:
    x, y = series(a), series(b)
    assert x.keys() == y.keys()
    for name in x:
        np.testing.assert_array_equal(x[name], y[name], err_msg=name)


@pytest.fixture(scope="module")
def swept(tmp_path_factory, subprocess_env) -> Path:
    """`culturesim sweep` of a 2 scenarios x 2 replicates x 1 year experiment (read-only)."""
    folder = tmp_path_factory.mktemp("swept")
    (folder / "exp.toml").write_text(EXPERIMENT)
    result = ok(culturesim(subprocess_env, folder, "sweep", "exp.toml", "-o", "out.h5"))
    assert "Wrote 'out.h5'" in result.stdout and "4/4 runs done" in result.stdout
    return folder / "out.h5"


# -- the commands ----------------------------------------------------------------------------------
def test_sweep_writes_every_run_and_prints_a_summary(swept):
    res = cs.open_results(swept)
    assert res.scenarios == ["blame", "just"] and res.replicates == 2 and res.seed == 5 and res.complete
    expected = toml_io.load_experiment(swept.parent / "exp.toml").run(progress=False)
    for name in ("harm_mild", "reports", "burnout_prevalence"):
        np.testing.assert_array_equal(res[name], expected[name])


def test_sweep_resume_of_a_finished_file_does_nothing(swept, tmp_path, subprocess_env):
    copy = tmp_path / "out.h5"
    shutil.copyfile(swept, copy)
    shutil.copyfile(swept.parent / "exp.toml", tmp_path / "exp.toml")
    result = ok(culturesim(subprocess_env, tmp_path, "sweep", "exp.toml", "-o", "out.h5", "--resume"))
    assert "Nothing to run: all 4 runs were already done in 'out.h5'" in result.stdout
    assert_same_series(copy, swept)


def test_run_runs_one_scenario_with_overrides(tmp_path, subprocess_env):
    (tmp_path / "one.toml").write_text('policy = "blame"\nyears = 30\nreplicates = 20\n')
    result = ok(
        culturesim(
            subprocess_env,
            tmp_path,
            "run",
            "one.toml",
            "-o",
            "one.h5",
            "--years",
            "1",
            "--replicates",
            "2",
            "--seed",
            "3",
            "--threads",
            "1",
            "--no-progress",
        )
    )
    assert "Wrote 'one.h5'" in result.stdout and "1 scenario x 2 replicates x 1 years" in result.stdout
    assert result.stderr == ""  # --no-progress: nothing on stderr
    res = cs.open_results(tmp_path / "one.h5")
    assert res.scenarios == ["one"] and res.replicates == 2 and res.seed == 3 and res.complete


def test_run_picks_a_scenario_of_an_experiment_file(swept, tmp_path, subprocess_env):
    shutil.copyfile(swept.parent / "exp.toml", tmp_path / "exp.toml")
    bad(
        culturesim(subprocess_env, tmp_path, "run", "exp.toml", "-o", "x.h5"),
        "exp.toml holds 2 scenarios (blame, just)",
        "--scenario NAME",
    )
    bad(
        culturesim(subprocess_env, tmp_path, "run", "exp.toml", "-o", "x.h5", "--scenario", "jst"),
        "no scenario named 'jst'; did you mean 'just'?",
    )
    assert not (tmp_path / "x.h5").exists()
    ok(culturesim(subprocess_env, tmp_path, "run", "exp.toml", "-o", "x.h5", "--scenario", "just"))
    res = cs.open_results(tmp_path / "x.h5")
    assert res.scenarios == ["just"]
    # Same seed and replicate: the run equals the sweep's row of the same scenario.
    np.testing.assert_array_equal(res["reports"][0], cs.open_results(swept)["reports"][1])


def test_info_shows_the_experiment_its_provenance_and_a_summary(swept, subprocess_env):
    out = ok(culturesim(subprocess_env, swept.parent, "info", "out.h5")).stdout
    for needle in (
        "2 scenarios x 2 replicates x 1 years, seed 5",
        "runs done:   4/4 (complete)",
        f"culturesim {cs.engine_version}",
        cs.build_info,
        "blame",
        "just",
        "harm/yr",
        "burnout",
    ):
        assert needle in out, needle


def test_info_toml_is_an_experiment_file_that_reruns_it_exactly(swept, tmp_path, subprocess_env):
    text = ok(culturesim(subprocess_env, swept.parent, "info", "out.h5", "--toml")).stdout
    (tmp_path / "again.toml").write_text(text)
    assert tomllib.loads(text)["seed"] == 5
    ok(culturesim(subprocess_env, tmp_path, "sweep", "again.toml", "-o", "again.h5"))
    assert_same_series(tmp_path / "again.h5", swept)


def test_compare_prints_paired_differences_that_match_the_arrays(swept, subprocess_env):
    out = ok(culturesim(subprocess_env, swept.parent, "compare", "out.h5", "blame", "just")).stdout
    assert "just against blame: paired changes over 2 replicates" in out
    for metric in cli.COMPARE_METRICS:
        assert cs.metrics.label(metric) in out
    csv = ok(
        culturesim(
            subprocess_env,
            swept.parent,
            "compare",
            "out.h5",
            "blame",
            "just",
            "--metric",
            "reports",
            "quits",
            "--window",
            "0",
            "0.5",
            "--csv",
        )
    ).stdout
    table = pd.read_csv(StringIO(csv), index_col="metric")
    assert list(table.index) == ["reports", "quits"]
    # By hand: per-year rate of reports over the periods starting in [0, 0.5) years, just - blame.
    with h5py.File(swept, "r") as f:
        reports = f["series/reports"][...]
        start, days = f["coords/period_start_day"][...], f["coords/period_days"][...]
    mask = start / 365 < 0.5
    per_year = reports[:, :, mask].sum(axis=2) / (days[mask].sum() / 365)
    assert table.loc["reports", "diff"] == pytest.approx((per_year[1] - per_year[0]).mean(), rel=1e-12)


def test_compare_refuses_unknown_names_with_a_suggestion(swept, subprocess_env):
    bad(
        culturesim(subprocess_env, swept.parent, "compare", "out.h5", "blame", "jus"),
        "unknown scenario 'jus'; did you mean 'just'?",
    )
    bad(
        culturesim(subprocess_env, swept.parent, "compare", "out.h5", "blame", "just", "--metric", "report"),
        "unknown output 'report'; did you mean 'reports'?",
    )


def test_params_prints_a_toml_file_of_the_defaults(tmp_path, subprocess_env):
    out = ok(culturesim(subprocess_env, tmp_path, "params")).stdout
    assert tomllib.loads(out)["params"] == _engine.default_params()
    (tmp_path / "defaults.toml").write_text(out)
    assert toml_io.load_scenario(tmp_path / "defaults.toml") == cs.Scenario("defaults", policy="typical")


def test_demo_writes_results_and_a_figure_and_refuses_to_overwrite(tmp_path, subprocess_env):
    result = ok(
        culturesim(
            subprocess_env,
            tmp_path,
            "demo",
            "-o",
            "r.h5",
            "--figure",
            "r.png",
            "--replicates",
            "2",
            "--years",
            "1",
            "--threads",
            "1",
        )
    )
    out = result.stdout
    for needle in (
        "just_culture against typical",
        "peer_support_only against typical",
        "ramp_to_just_culture against typical",
        "20-year warm-up",
        "95% interval",
        "Harm events",
        "Incident reports",
        "Second victims in the past year",
        "Second-victim episodes started",
        "Burnout (share of staff)",
        "Clinicians who quit",
        "Programme cost",
        "Total cost",
        "Results: ",
        "Figure: ",
        "Done in",
    ):
        assert needle in out, needle
    assert (tmp_path / "r.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    res = cs.open_results(tmp_path / "r.h5")
    assert res.scenarios == ["typical", "just_culture", "peer_support_only", "ramp_to_just_culture"] and res.complete
    assert res.attrs["warmup_days"] == 20 * 365
    before = (tmp_path / "r.h5").read_bytes(), (tmp_path / "r.png").read_bytes()
    bad(
        culturesim(
            subprocess_env, tmp_path, "demo", "-o", "r.h5", "--figure", "r.png", "--replicates", "2", "--years", "1"
        ),
        "'r.h5' already exists",
        "--force",
    )
    assert ((tmp_path / "r.h5").read_bytes(), (tmp_path / "r.png").read_bytes()) == before
    ok(
        culturesim(
            subprocess_env,
            tmp_path,
            "demo",
            "-o",
            "r.h5",
            "--no-figure",
            "--replicates",
            "2",
            "--years",
            "1",
            "--force",
        )
    )


@pytest.mark.skipif(not HAS_CLUSTER, reason="culturesim.cluster is not available")
def test_sweep_shards_then_merge_equals_a_whole_sweep(swept, tmp_path, subprocess_env):
    shutil.copyfile(swept.parent / "exp.toml", tmp_path / "exp.toml")
    for i in range(2):
        result = ok(
            culturesim(subprocess_env, tmp_path, "sweep", "exp.toml", "-o", f"part-{i}.h5", "--shard", f"{i}/2")
        )
        assert "2/4 runs done" in result.stdout
    result = ok(culturesim(subprocess_env, tmp_path, "merge", "part-0.h5", "part-1.h5", "-o", "merged.h5"))
    assert "4/4 runs done" in result.stdout
    assert_same_series(tmp_path / "merged.h5", swept)
    bad(
        culturesim(subprocess_env, tmp_path, "merge", "part-0.h5", "part-1.h5", "-o", "merged.h5"),
        "'merged.h5' already exists",
        "--force",
    )
    bad(culturesim(subprocess_env, tmp_path, "sweep", "exp.toml", "-o", "p.h5", "--shard", "2/2"), "shard 2/2")


@pytest.mark.skipif(not HAS_CLUSTER, reason="culturesim.cluster is not available")
def test_sweep_on_a_dask_scheduler_equals_a_local_sweep(swept, tmp_path, subprocess_env):
    distributed = pytest.importorskip("distributed")
    shutil.copyfile(swept.parent / "exp.toml", tmp_path / "exp.toml")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as lc:
        ok(
            culturesim(
                subprocess_env,
                tmp_path,
                "sweep",
                "exp.toml",
                "-o",
                "dask.h5",
                "--scheduler",
                lc.scheduler_address,
                "--no-progress",
            )
        )
    assert_same_series(tmp_path / "dask.h5", swept)
    bad(
        culturesim(subprocess_env, tmp_path, "sweep", "exp.toml", "-o", "d2.h5", "--scheduler-file", "none.json"),
        "none.json",
    )


def test_version_and_help(tmp_path, subprocess_env):
    assert ok(culturesim(subprocess_env, tmp_path, "--version")).stdout.strip() == f"culturesim {cs.__version__}"
    out = ok(culturesim(subprocess_env, tmp_path, "--help")).stdout
    for command in ("run", "sweep", "merge", "info", "compare", "params", "demo"):
        assert command in out


# -- progress and interruption ---------------------------------------------------------------------
def test_progress_goes_to_stderr_and_no_progress_turns_it_off(tmp_path, capsys, monkeypatch):
    from culturesim import _running

    monkeypatch.setattr(_running, "PROGRESS_AFTER_SECONDS", 0.0)
    (tmp_path / "one.toml").write_text('policy = "blame"\n')
    out = str(tmp_path / "a.h5")
    # The bar shows at once (PROGRESS_AFTER_SECONDS = 0), on stderr only.
    assert (
        cli.main(["run", str(tmp_path / "one.toml"), "-o", out, "--years", "5", "--replicates", "2", "--threads", "1"])
        == 0
    )
    captured = capsys.readouterr()
    assert "sim-years" in captured.err and "sim-years" not in captured.out
    assert (
        cli.main(
            [
                "run",
                str(tmp_path / "one.toml"),
                "-o",
                out,
                "--years",
                "5",
                "--replicates",
                "2",
                "--threads",
                "1",
                "--force",
                "--no-progress",
            ]
        )
        == 0
    )
    captured = capsys.readouterr()
    assert captured.err == "" and "Wrote" in captured.out


def test_ctrl_c_exits_130_keeps_finished_runs_and_says_how_to_resume(tmp_path, subprocess_env):
    (tmp_path / "long.toml").write_text('[[scenarios]]\nname = "a"\n[[scenarios]]\nname = "b"\n')
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "culturesim",
            "sweep",
            "long.toml",
            "-o",
            "long.h5",
            "--years",
            "200",
            "--replicates",
            "2",
            "--threads",
            "1",
        ],
        cwd=tmp_path,
        env=subprocess_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # Wait on an event, not a time: the progress bar (stderr) shows simulated years, so the
        # results file exists and the engine is mid-run (880 simulated years with the warm-ups: minutes of work).
        seen = ""
        while not re.search(r"[1-9]\d*/\d+ sim-years", seen):
            char = proc.stderr.read(1)
            assert char, f"the sweep ended before it showed progress:\n{seen}"
            seen += char
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=120)  # a failure guard only
        stderr = seen + stderr
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert "interrupted" in stderr and "'long.h5'" in stderr and "--resume" in stderr
    res = cs.open_results(tmp_path / "long.h5")  # readable, unfinished
    assert not res.complete


# -- bad input -------------------------------------------------------------------------------------
BAD_FILES = [
    # (case, file text, what the message must contain)
    ("malformed TOML", "years = 1\n[[scenarios]\nname = 'a'\n", ["bad.toml, line 2", "invalid TOML"]),
    (
        "unknown parameter",
        "[params]\nalpha_bse = 0.1\n",
        ["bad.toml, line 2: params:", "unknown parameter 'alpha_bse'", "did you mean 'alpha_base'?"],
    ),
    (
        "unknown policy field",
        "[[scenarios]]\nname = 'a'\npolicy = { punish_human_eror = 0.1 }\n",
        ["bad.toml, line 3: scenarios[0].policy:", "'punish_human_eror'", "did you mean 'punish_human_error'?"],
    ),
    (
        "out-of-range value",
        "[params]\nquit_rate = { nurse = 500 }\n",
        ["bad.toml, line 2: params:", "'quit_rate", "out of range", "allowed 0 to 365"],
    ),
    ("wrong type", "replicates = 'many'\n", ["bad.toml, line 1:", "'replicates' must be a whole number"]),
]


@pytest.mark.parametrize("case,text,needles", BAD_FILES, ids=[b[0] for b in BAD_FILES])
@pytest.mark.parametrize("command", ["run", "sweep"])
def test_bad_files_exit_2_with_a_clear_message_and_touch_nothing(
    swept, tmp_path, subprocess_env, command, case, text, needles
):
    (tmp_path / "bad.toml").write_text(text)
    existing = tmp_path / "out.h5"
    shutil.copyfile(swept, existing)
    before = existing.read_bytes()
    bad(culturesim(subprocess_env, tmp_path, command, "bad.toml", "-o", "out.h5", "--force"), *needles)
    assert existing.read_bytes() == before


def test_a_missing_file_exits_2_naming_it(tmp_path, subprocess_env):
    bad(culturesim(subprocess_env, tmp_path, "sweep", "nope.toml", "-o", "out.h5"), "nope.toml")
    bad(culturesim(subprocess_env, tmp_path, "info", "nope.h5"), "nope.h5")
    bad(culturesim(subprocess_env, tmp_path, "compare", "nope.h5", "a", "b"), "nope.h5")
    (tmp_path / "text.h5").write_text("not hdf5")
    bad(culturesim(subprocess_env, tmp_path, "info", "text.h5"), "text.h5")
    assert not (tmp_path / "out.h5").exists()


def test_an_existing_output_is_refused_without_force_or_resume(swept, tmp_path, subprocess_env):
    shutil.copyfile(swept.parent / "exp.toml", tmp_path / "exp.toml")
    existing = tmp_path / "out.h5"
    existing.write_bytes(b"precious")
    for command in ("run", "sweep"):
        args = [command, "exp.toml", "-o", "out.h5"] + (["--scenario", "blame"] if command == "run" else [])
        bad(culturesim(subprocess_env, tmp_path, *args), "'out.h5' already exists", "--resume", "--force")
        assert existing.read_bytes() == b"precious"


def test_bad_options_exit_2(tmp_path, subprocess_env):
    for args in (
        ["sweep", "x.toml", "-o", "o.h5", "--replicates", "0"],
        ["run", "x.toml"],
        ["sweep", "x.toml", "-o", "o.h5", "--force", "--resume"],
        ["frobnicate"],
    ):
        result = culturesim(subprocess_env, tmp_path, *args)
        assert result.returncode == 2 and "Traceback" not in result.stderr, args


def test_main_maps_errors_to_exit_codes_without_tracebacks(tmp_path, capsys):
    assert cli.main(["info", str(tmp_path / "missing.h5")]) == cli.EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err.startswith("culturesim: error: ") and "missing.h5" in err and os.linesep in err
