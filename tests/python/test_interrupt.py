"""Ctrl-C: the engine runs in a worker thread without the GIL while the caller waits in 0.1 s slices,
so SIGINT raises KeyboardInterrupt at once and cancels the engine at its next period."""
from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time

import h5py
import pytest

import culturesim as cs

# A shell may start background jobs with SIGINT ignored, and Python then installs no handler;
# a user's terminal or notebook kernel has one, so the script restores Python's default handler.
PREAMBLE = textwrap.dedent('''
    import signal, sys, time
    signal.signal(signal.SIGINT, signal.default_int_handler)
    import culturesim as cs
''')


def interrupt(script: str, tmp_path, env, wait_for: str = "started", after: float = 1.0):
    """Runs script, sends SIGINT `after` seconds after it prints `wait_for`; returns (status, stderr,
    seconds from SIGINT to exit)."""
    path = tmp_path / "long.py"
    path.write_text(PREAMBLE + textwrap.dedent(script))
    proc = subprocess.Popen([sys.executable, str(path)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        line = proc.stdout.readline()
        assert line.strip() == wait_for, (line, proc.stderr.read() if proc.poll() is not None else "")
        time.sleep(after)
        assert proc.poll() is None, "the run ended before it could be interrupted"
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        try:
            _, err = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            pytest.fail("the process did not stop within 10 s of SIGINT")
        return proc.returncode, err, time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_ctrl_c_stops_a_long_run_with_keyboard_interrupt(tmp_path, subprocess_env):
    status, err, seconds = interrupt('''
        print("started", flush=True)
        cs.run(years=2000, progress=False)      # minutes of work
        print("finished", flush=True)
    ''', tmp_path, subprocess_env)
    assert seconds < 3, f"took {seconds:.1f} s to stop"
    assert "terminate called" not in err, f"the process aborted in C++ after the interrupt:\n{err}"
    assert err.rstrip().endswith("KeyboardInterrupt"), err
    # Python ends an uncaught KeyboardInterrupt by re-raising SIGINT (status -2), or exits 130.
    assert status in (130, -signal.SIGINT), (status, err)


def test_the_engine_is_cancelled_not_abandoned(tmp_path, subprocess_env):
    # After catching KeyboardInterrupt the process goes on; a new run starts at once (the cancelled
    # worker has stopped, so it does not compete for the cores) and its results are exact.
    status, err, seconds = interrupt('''
        print("started", flush=True)
        try:
            cs.run(years=2000, progress=False)
        except KeyboardInterrupt:
            t = time.monotonic()
            r = cs.run("blame", years=1, seed=4, progress=False)
            print(f"recovered {time.monotonic() - t:.2f}", file=sys.stderr)
            print(repr(r), file=sys.stderr)
    ''', tmp_path, subprocess_env)
    assert status == 0, err
    assert "recovered" in err
    reference = cs.run("blame", years=1, seed=4, progress=False)
    assert repr(reference) in err


def test_ctrl_c_during_an_experiment_keeps_every_finished_run(tmp_path, subprocess_env):
    path = tmp_path / "sweep.h5"
    status, err, seconds = interrupt(f'''
        exp = cs.Experiment(["blame", "just_culture"], replicates=40, years=10, seed=3)
        print("started", flush=True)
        exp.run({str(path)!r}, progress=False, threads=1)
    ''', tmp_path, subprocess_env, after=2.0)
    assert seconds < 3, f"took {seconds:.1f} s to stop"
    assert "KeyboardInterrupt" in err
    with h5py.File(path, "r") as f:  # closed cleanly: plain h5py opens it
        done = f["done"][...].astype(bool)
        reports = f["series/reports"][...]
    assert 0 < done.sum() < done.size
    assert not (reports[done] != reports[done]).any()  # finished runs hold numbers, not NaN
    res = cs.Experiment(["blame", "just_culture"], replicates=40, years=10, seed=3).run(
        path, resume=True, progress=False, runs=[(0, 0), (1, 0)])  # resumable
    assert res.done[:, 0].all()
