"""Issue 18, the other cases: hangs and runaway memory, privacy and terminal safety, tracebacks and
unclear messages (docs/safety.md). Each test is named for its case; refusals must come before
any work, which the tests check by making work fail (never by a clock)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

import culturesim as cs
from culturesim import cli, provenance, toml_io
from culturesim.terminal import escape

TINY = 'years = 0.1\nreplicates = 2\nseed = 3\nwarmup_years = 0\nname = "tiny"\n'


def run_cli(*args) -> int:
    return cli.main([str(a) for a in args])


def never_expand(monkeypatch):
    """Fails the test if any scenario of a file is built: sizes must be refused before expansion."""

    def refuse(*args, **kwargs):
        raise AssertionError("the file's scenarios were built before its size was checked")

    monkeypatch.setattr(cs.Scenario, "_from_engine", classmethod(refuse))


@pytest.fixture
def tiny(tmp_path) -> Path:
    path = tmp_path / "tiny.toml"
    path.write_text(TINY)
    return path


# -- hangs and runaway memory --------------------------------------------------------------------------
def test_ramp_of_a_hundred_million_days_in_daily_steps_is_refused_at_once(tmp_path, capsys):
    path = tmp_path / "ramp.toml"
    path.write_text(
        'name = "r"\nyears = 1\n[[interventions]]\nkind = "ramp"\nat_year = 0\ndays = 100000000\nstep_days = 1\n'
    )
    assert run_cli("run", path, "-o", tmp_path / "r.h5") == 2
    err = capsys.readouterr().err
    assert "interventions[0]" in err and "100000000 steps" in err and "at most 10000" in err
    with pytest.raises(ValueError, match="steps; allowed at most 10000"):
        cs.Scenario("r", interventions=[cs.Intervention.ramp(start_year=0, years=200, step_days=1)]).run(
            years=0.1, progress=False
        )


def test_sweep_of_100000_points_is_refused_by_max_disk_before_expansion(tmp_path, monkeypatch, capsys):
    path = tmp_path / "big.toml"
    path.write_text("years = 1\n[sweep]\nblame = {from = 0, to = 1, steps = 100000}\n")
    never_expand(monkeypatch)
    assert run_cli("sweep", path, "-o", tmp_path / "big.h5", "--max-disk", "1K") == 2
    err = capsys.readouterr().err
    assert "disk space" in err and "series of 2000000 runs" in err and "--max-disk" in err
    assert not (tmp_path / "big.h5").exists()


def test_sweep_plan_counts_points_without_expanding_them(tmp_path, monkeypatch):
    from culturesim import plan

    path = tmp_path / "grid.toml"
    path.write_text("years = 1\nreplicates = 3\n[sweep]\nblame = [0, 0.5, 1]\ncoach_effect = [0.1, 0.2]\n")
    never_expand(monkeypatch)
    size = plan.check(path)
    assert (size["scenarios"], size["runs"]) == (6, 18) and size["disk"] > 0 and size["memory"] > 0
    path.write_text(
        "[sweep]\nblame = {from = 0, to = 1, steps = 1000}\ncoach_effect = {from = 0, to = 1, steps = 1000}\n"
    )
    with pytest.raises(ValueError, match="more than 100000 points"):
        plan.check(path)


def test_run_dev_zero_is_refused_at_once(tmp_path, capsys):
    assert run_cli("run", "/dev/zero", "-o", tmp_path / "z.h5") == 2
    assert "'/dev/zero' is not a regular file (a character device)" in capsys.readouterr().err


def test_fifo_as_input_is_refused_without_blocking(tmp_path, capsys):
    fifo = tmp_path / "exp.toml"
    os.mkfifo(fifo)  # nobody writes it: opening it for reading would block forever
    assert run_cli("sweep", fifo, "-o", tmp_path / "o.h5") == 2
    assert "is not a regular file (a FIFO)" in capsys.readouterr().err


def test_a_toml_file_larger_than_the_bound_is_refused(tmp_path):
    from culturesim.safe_write import MAX_TOML_BYTES

    path = tmp_path / "huge.toml"
    with open(path, "wb") as f:
        f.truncate(MAX_TOML_BYTES + 1)
    with pytest.raises(ValueError, match="is larger than 16 MiB, too large for a TOML file"):
        toml_io.load_experiment(path)


# -- privacy ------------------------------------------------------------------------------------------
def test_script_provenance_keeps_its_file_name_not_its_path_or_arguments(tmp_path, subprocess_env):
    folder = tmp_path / "home" / "alice" / "project"
    folder.mkdir(parents=True)
    script = folder / "make.py"
    script.write_text(
        "import sys, culturesim as cs\n"
        "cs.Experiment(['blame'], replicates=1, years=0.1, warmup_years=0).run(sys.argv[1], progress=False)\n"
    )
    out = tmp_path / "r.h5"
    subprocess.run([sys.executable, str(script), str(out), "--token=hunter2"], env=subprocess_env, check=True)
    command = cs.open_results(out).provenance["command"]
    assert command.endswith(" make.py") and "hunter2" not in command and "alice" not in command
    report = tmp_path / "report.html"
    assert run_cli("report", out, "-o", report) == 0
    assert "hunter2" not in report.read_text() and "alice" not in report.read_text()


def test_provenance_full_keeps_the_command_line_when_asked(tmp_path, tiny):
    out = tmp_path / "full.h5"
    assert run_cli("run", tiny, "-o", out, "--no-progress", "--provenance", "full") == 0
    assert str(tiny) in cs.open_results(out).provenance["command"]
    out2 = tmp_path / "safe.h5"
    assert run_cli("run", tiny, "-o", out2, "--no-progress") == 0
    assert cs.open_results(out2).provenance["command"] == f"culturesim run tiny.toml -o {out2.name} --no-progress"
    with provenance.full():
        assert provenance.command() != provenance.cli_command(["x"])  # the script and its arguments


def test_report_and_info_show_only_safe_fields_of_files_written_before():
    old = {
        "created": "2026-01-01T00:00:00Z",
        "command": "python3 /home/alice/project/make.py --token=hunter2",
        "merged_from": ["p.h5: created 2026 by `python /home/alice/make.py --token=x`, culturesim 0.1"],
        "software.numpy": "2.0",
        "hostname": "lab-7",
    }
    safe = provenance.shown(old)
    assert safe["command"] == "python3 make.py" and "hostname" not in safe
    assert safe["merged_from"] == ["p.h5: created 2026 by `python make.py`, culturesim 0.1"]
    assert (
        provenance.safe_command("culturesim run /home/alice/s.toml -o /tmp/x/o.h5") == "culturesim run s.toml -o o.h5"
    )


def test_start_is_stored_relative_to_the_output_not_absolute(tmp_path):
    start = tmp_path / "states" / "today.h5"
    start.parent.mkdir()
    cs.Experiment(["typical"], replicates=1, years=0.1, warmup_years=0, save_state=True).run(start, progress=False)
    out = tmp_path / "runs" / "next.h5"
    out.parent.mkdir()
    cs.Experiment(["typical"], replicates=1, years=0.1, start=start).run(out, progress=False)
    with h5py.File(out) as f:
        assert f.attrs["start_file"].decode() == "../states/today.h5"


# -- terminal safety ----------------------------------------------------------------------------------
FORGED = "a\n  runs done:   24 of 24 (complete, verified)\x1b]0;pwned\x07"


def test_scenario_names_with_newlines_and_escapes_are_escaped_by_info(tmp_path, capsys):
    out = tmp_path / "forged.h5"
    cs.Experiment([cs.Scenario(FORGED, policy="blame")], replicates=1, years=0.1, warmup_years=0).run(
        out, progress=False, description="line one\nrun done\x1b[2J"
    )
    shown = []
    for args in (["info", out], ["compare", out, FORGED, FORGED]):
        capsys.readouterr()
        run_cli(*args)
        captured = capsys.readouterr()
        text = captured.out + captured.err
        assert "\x1b" not in text and "\x07" not in text
        assert "\n  runs done:   24 of 24" not in text
        shown.append(text)
    assert escape(FORGED) in shown[0] and "line one\\nrun done\\x1b[2J" in shown[0]


def test_escape_keeps_letters_and_shows_controls():
    assert escape("Zürich – ok") == "Zürich – ok"
    assert escape("a\nb\x1b[31m\u202e") == "a\\nb\\x1b[31m\\u202e"


# -- tracebacks become clear errors --------------------------------------------------------------------
@pytest.mark.parametrize("command", ["run", "sweep", "calibrate"])
def test_years_1e308_is_a_clear_error_in_run_sweep_and_calibrate(tmp_path, tiny, command, capsys):
    args = [command, tiny, "-o", tmp_path / "o.h5"] if command != "calibrate" else [command, "-o", tmp_path / "p.h5"]
    with pytest.raises(SystemExit) as exit_:
        run_cli(*args, "--years", "1e308")
    assert exit_.value.code == 2
    assert "expected a number of years from 1/365 (one day) to 273972, got 1e308" in capsys.readouterr().err


def test_scheduler_file_with_bad_json_is_a_clear_error(tmp_path, tiny, capsys):
    pytest.importorskip("distributed")
    bad = tmp_path / "scheduler.json"
    bad.write_text("{bad")
    assert run_cli("sweep", tiny, "-o", tmp_path / "o.h5", "--scheduler-file", bad) == 2
    assert "is not a Dask scheduler file: not JSON" in capsys.readouterr().err


def test_calibrate_into_a_missing_folder_a_folder_or_an_empty_name_is_refused_before_simulating(
    tmp_path, monkeypatch, capsys
):
    from culturesim import calibration

    def refuse(*args, **kwargs):
        raise AssertionError("simulated before the output was checked")

    monkeypatch.setattr(calibration, "simulate", refuse)
    cases = {
        str(tmp_path / "missing_dir" / "p.h5"): "the folder",
        str(tmp_path): "it is a directory",
        "": "name given with -o is empty",
    }
    for output, message in cases.items():
        assert run_cli("calibrate", "-o", output, "--no-progress") == 2
        assert message in capsys.readouterr().err
    assert not any(p.name.endswith(".abc.db") for p in tmp_path.iterdir())


def test_calibrate_resume_with_a_garbage_database_is_a_clear_error(tmp_path, capsys):
    path = tmp_path / "p.h5"
    (tmp_path / "p.h5.abc.db").write_bytes(b"this is not SQLite" * 100)
    assert run_cli("calibrate", "-o", path, "--resume", "--no-progress", "--particles", "4") == 2
    err = capsys.readouterr().err
    assert "pyabc database" in err and "damaged or not a pyabc database" in err, err


# -- unclear or late messages --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("extra", "message"),
    [(["--figure", "x.txt"], "the suffix must be .png, .svg or .pdf"), (["--replicates", "1"], "need at least 2")],
)
def test_demo_figure_arguments_are_checked_before_the_simulation(tmp_path, monkeypatch, capsys, extra, message):
    def refuse(*args, **kwargs):
        raise AssertionError("simulated before the figure arguments were checked")

    monkeypatch.setattr(cs.Experiment, "run", refuse)
    monkeypatch.chdir(tmp_path)
    assert run_cli("demo", "--no-progress", *extra) == 2
    assert message in capsys.readouterr().err


def test_a_posterior_opened_as_results_is_named_a_posterior(tmp_path, tiny, capsys):
    post = tmp_path / "p.h5"
    cs.Posterior(["coach_effect"], np.array([[0.1], [0.3]])).save(post)
    for args in (["info", post], ["report", post, "-o", tmp_path / "r.html"], ["run", tiny, "-o", post, "--resume"]):
        assert run_cli(*args) == 2
        err = capsys.readouterr().err
        assert "posterior" in err and "format version" not in err, err
    with pytest.raises(OSError, match="is a culturesim posterior file, not a culturesim results file"):
        cs.Experiment(["typical"], replicates=1, years=0.1, start=post, seed=0)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "cannot be opened: it is empty"),
        (b"name = 'not a posterior'\n", "cannot be opened: it is a text file, not an HDF5 file"),
        ("truncated", "cannot be opened: its HDF5 structure is damaged"),
    ],
)
def test_open_posterior_on_damaged_files_names_the_file_and_the_damage(tmp_path, content, message):
    path = tmp_path / "p.h5"
    if content == "truncated":
        cs.Posterior(["coach_effect"], np.array([[0.1], [0.3]])).save(path)
        path.write_bytes(path.read_bytes()[:600])
    else:
        path.write_bytes(content)
    with pytest.raises(OSError, match=rf"posterior file '.*p\.h5' {message}"):
        cs.open_posterior(path)
    with pytest.raises(IsADirectoryError, match="is a directory, not a posterior file"):
        cs.open_posterior(tmp_path)


def test_open_posterior_names_an_attribute_with_corrupt_json(tmp_path):
    path = tmp_path / "p.h5"
    cs.Posterior(["coach_effect"], np.array([[0.1], [0.3]])).save(path)
    with h5py.File(path, "r+") as f:
        f.attrs["settings"] = "{not json"
        f.attrs["format_version"] = 1  # an old file: no checksum stops it first
    with pytest.raises(OSError, match="its attribute 'settings' is not valid JSON"):
        cs.open_posterior(path)


@pytest.mark.parametrize("command", ["plot", "report", "merge"])
def test_plot_report_and_merge_advice_names_only_their_own_flags(tmp_path, command, capsys):
    res = tmp_path / "r.h5"
    cs.Experiment(["blame"], replicates=2, years=0.1, warmup_years=0).run(res, progress=False)
    out = tmp_path / {"plot": "f.png", "report": "r.html", "merge": "m.h5"}[command]
    out.write_bytes(b"")
    args = [command, res, "-o", out]
    assert run_cli(*args) == 2
    err = capsys.readouterr().err
    assert "--force" in err and "--resume" not in err


def test_python_api_messages_name_the_argument():
    post = cs.Posterior(["coach_effect"], np.array([[0.1], [0.3]]))
    with pytest.raises(ValueError, match=r"draws must be a whole number from 1 to \d+ .*, got 0"):
        cs.Experiment(["typical"], params=post, draws=0)
    with pytest.raises(IsADirectoryError, match="cannot write '.': it is a directory"):
        cs.Experiment(["blame"], replicates=1, years=0.1).run(".", progress=False)
    with pytest.raises(ValueError, match="results file must be a file name .* got int 123"):
        cs.open_results(123)
    with pytest.raises(ValueError, match="TOML file must be a file name .* got NoneType None"):
        toml_io.load_experiment(None)
    with pytest.raises(ValueError, match=r"warmup_years=0.001 is less than half a day"):
        cs.Experiment(["blame"], warmup_years=0.001, record_warmup=True)


def test_intervention_after_the_runs_end_is_warned_once(tmp_path, capsys):
    path = tmp_path / "late.toml"
    path.write_text(TINY + '[[interventions]]\nkind = "set"\nat_year = 5\npolicy = "just_culture"\n')
    assert run_cli("run", path, "-o", tmp_path / "late.h5", "--no-progress") == 0
    assert capsys.readouterr().err.count("never acts") == 1
