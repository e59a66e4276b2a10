"""Ctrl-C: the engine runs in a worker thread without the GIL while the caller waits in 0.1 s slices,
so SIGINT raises KeyboardInterrupt at once and cancels the engine at its next period.

The tests wait on events, never on time: SIGINT is sent once the progress bar shows the engine has
simulated some years (so it is mid-run), and the runs are long enough (minutes) that finishing
instead of stopping fails the test. Deadlines only guard against a hang.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import textwrap

import h5py
import pytest

import culturesim as cs

# A shell may start background jobs with SIGINT ignored, and Python then installs no handler;
# a user's terminal or notebook kernel has one, so the script restores Python's default handler.
PREAMBLE = textwrap.dedent("""
    import signal, sys, time
    signal.signal(signal.SIGINT, signal.default_int_handler)
    import culturesim as cs
""")

#: Only a failure guard: how long a stuck process may take before the test gives up on it.
HANG_SECONDS = 120


def wait_for_progress(proc: subprocess.Popen, pattern: str) -> str:
    """Reads the process's stderr (where the progress bar draws) until `pattern` matches; returns
    what was read. Fails if the process ends first."""
    seen = ""
    while not re.search(pattern, seen):
        char = proc.stderr.read(1)
        if not char:
            pytest.fail(f"the process ended before its progress showed {pattern!r}:\n{seen}")
        seen += char
    return seen


def interrupt(script: str, tmp_path, env, running: str = r"[1-9]\d*/\d+ sim-years"):
    """Runs script, sends SIGINT once its progress bar matches `running` (the engine is mid-run);
    returns (status, stderr)."""
    path = tmp_path / "long.py"
    path.write_text(PREAMBLE + textwrap.dedent(script))
    proc = subprocess.Popen(
        [sys.executable, str(path)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        seen = wait_for_progress(proc, running)
        assert proc.poll() is None, "the run ended before it could be interrupted"
        proc.send_signal(signal.SIGINT)
        try:
            out, err = proc.communicate(timeout=HANG_SECONDS)
        except subprocess.TimeoutExpired:
            proc.kill()
            pytest.fail(f"the process did not stop within {HANG_SECONDS} s of SIGINT")
        assert "finished" not in out, "the run finished instead of stopping"
        return proc.returncode, seen + err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_ctrl_c_stops_a_long_run_with_keyboard_interrupt(tmp_path, subprocess_env):
    status, err = interrupt(
        """
        cs.run(years=2000)      # minutes of work; the progress bar shows it running
        print("finished", flush=True)
    """,
        tmp_path,
        subprocess_env,
    )
    assert "terminate called" not in err, f"the process aborted in C++ after the interrupt:\n{err}"
    assert err.rstrip().endswith("KeyboardInterrupt"), err
    # Python ends an uncaught KeyboardInterrupt by re-raising SIGINT (status -2), or exits 130.
    assert status in (130, -signal.SIGINT), (status, err)


def test_the_engine_is_cancelled_not_abandoned(tmp_path, subprocess_env):
    # After catching KeyboardInterrupt the process goes on; a new run starts at once (the cancelled
    # worker has stopped, so it does not compete for the cores) and its results are exact.
    status, err = interrupt(
        """
        try:
            cs.run(years=2000)
        except KeyboardInterrupt:
            t = time.monotonic()
            r = cs.run("blame", years=1, seed=4, progress=False)
            print(f"recovered {time.monotonic() - t:.2f}", file=sys.stderr)
            print(repr(r), file=sys.stderr)
    """,
        tmp_path,
        subprocess_env,
    )
    assert status == 0, err
    assert "recovered" in err
    reference = cs.run("blame", years=1, seed=4, progress=False)
    assert repr(reference) in err


def test_ctrl_c_during_an_experiment_keeps_every_finished_run(tmp_path, subprocess_env):
    path = tmp_path / "sweep.h5"
    status, err = interrupt(
        f"""
        exp = cs.Experiment(["blame", "just_culture"], replicates=40, years=10, seed=3)
        exp.run({str(path)!r}, threads=1)
        print("finished", flush=True)
    """,
        tmp_path,
        subprocess_env,
        running=r"runs [1-9]\d*/80",
    )  # some runs are in the file
    assert "KeyboardInterrupt" in err
    with h5py.File(path, "r") as f:  # closed cleanly: plain h5py opens it
        done = f["done"][...].astype(bool)
        reports = f["series/reports"][...]
    assert 0 < done.sum() < done.size
    assert not (reports[done] != reports[done]).any()  # finished runs hold numbers, not NaN
    res = cs.Experiment(["blame", "just_culture"], replicates=40, years=10, seed=3).run(
        path, resume=True, progress=False, runs=[(0, 0), (1, 0)]
    )  # resumable
    assert res.done[:, 0, 0].all()
