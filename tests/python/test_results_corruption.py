"""Damaged results files: truncations and bit flips of a small file, each read (open_results,
`culturesim info`) and resumed in a worker subprocess under a timeout. Every one must end in a
clear error naming the file or in results identical to the intact file's: no signal, no hang, no
traceback (issue 9: before, one flipped bit segfaulted inside HDF5, others hung forever, and
`info` gave Python tracebacks).

One long-lived worker handles the files one at a time (starting Python per file would cost a
second each); a file that kills or hangs it fails the test and the worker is replaced."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
import textwrap

import pytest

import culturesim as cs

GUARD = 60  # seconds per file: a failure guard only

WORKER = textwrap.dedent('''
    import contextlib, io, json, sys, traceback
    import numpy as np
    import culturesim as cs
    from culturesim.cli import main

    def digest(res):
        return {"done": res.done.tolist(), "definitions": res.definitions,
                "data": {k: np.asarray(v).tobytes().hex() for k, v in sorted(res.data.items())}}

    def outcome(path, experiment):
        """'same' with a digest, or 'error' with the message; a traceback is a failure."""
        results = {}
        for step in ("open", "info", "resume"):
            try:
                if step == "open":
                    results[step] = ["same", digest(cs.open_results(path))]
                elif step == "info":
                    err = io.StringIO()
                    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                        code = main(["info", path])
                    results[step] = ["ok" if code == 0 else "error", err.getvalue()]
                else:
                    res = experiment.run(path, resume=True, progress=False, threads=1)
                    results[step] = ["same", digest(res)]
            except (OSError, ValueError, KeyError) as exc:
                results[step] = ["error", str(exc)]
            except BaseException:
                results[step] = ["traceback", traceback.format_exc()]
        return results

    experiment = cs.Experiment([cs.Scenario("a", policy="blame"), cs.Scenario("b", policy="just_culture")],
                               replicates=2, years=0.25, seed=3)
    for line in sys.stdin:
        print(json.dumps(outcome(line.strip(), experiment)), flush=True)
''')


def experiment() -> cs.Experiment:
    return cs.Experiment(
        [cs.Scenario("a", policy="blame"), cs.Scenario("b", policy="just_culture")], replicates=2, years=0.25, seed=3
    )


class Worker:
    def __init__(self, env):
        self.env = env
        self.proc = None

    def check(self, path: str) -> tuple[str, dict]:
        if self.proc is None:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", WORKER],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                env=self.env,
            )
        self.proc.stdin.write(path + "\n")
        self.proc.stdin.flush()
        try:
            line = _readline(self.proc, GUARD)
        except TimeoutError:
            self.stop()
            return "hang", {}
        if not line:
            code = self.proc.wait(GUARD)
            self.stop()
            return f"died with {code}", {}
        return "answered", json.loads(line)

    def stop(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(GUARD)
            self.proc.stdin.close()
            self.proc.stdout.close()
            self.proc = None


def _readline(proc, timeout: float) -> str:
    import selectors

    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        if not sel.select(timeout):
            raise TimeoutError
    return proc.stdout.readline()


def mutations(data: bytes, flips: int, cuts: int, seed: int) -> list[tuple[str, bytes]]:
    """`flips` single-bit flips spread over the whole file (evenly, each at a random bit), then
    `cuts` truncations at random lengths, reproducibly from `seed`."""
    rng = random.Random(seed)
    out = []
    for i in range(flips):
        offset = (i * len(data)) // flips + rng.randrange(max(1, len(data) // flips))
        offset = min(offset, len(data) - 1)
        bit = rng.randrange(8)
        damaged = bytearray(data)
        damaged[offset] ^= 1 << bit
        out.append((f"flip byte {offset} bit {bit}", bytes(damaged)))
    for _ in range(cuts):
        keep = rng.randrange(len(data))
        out.append((f"truncate to {keep} bytes", data[:keep]))
    return out


def run_mutations(tmp_path, subprocess_env, flips: int, cuts: int, seed: int) -> dict[str, int]:
    intact = tmp_path / "intact.h5"
    experiment().run(intact, progress=False, runs=[(0, 0), (1, 1)])  # resumable: 2 of 4 runs done
    worker = Worker(subprocess_env)
    try:
        scratch = tmp_path / "probe.h5"
        shutil.copyfile(intact, scratch)
        status, expected = worker.check(str(scratch))
        assert status == "answered" and expected["open"][0] == "same", expected
        assert expected["resume"][0] == "same"
        counts = {"error": 0, "same": 0}
        for what, damaged in mutations(intact.read_bytes(), flips, cuts, seed):
            scratch.write_bytes(damaged)
            status, got = worker.check(str(scratch))
            assert status == "answered", f"{what}: the worker {status}"
            for step in ("open", "info", "resume"):
                kind, detail = got[step]
                assert kind != "traceback", f"{what}, {step}:\n{detail}"
                if kind == "error":
                    assert str(scratch) in detail, f"{what}, {step}: the message does not name the file: {detail}"
                    counts["error"] += 1
                elif kind == "same":
                    # A damaged byte HDF5 never reads (free space, padding): the results are the intact ones.
                    reference = expected["open"] if step == "open" else expected["resume"]
                    assert detail == reference[1], f"{what}, {step}: results differ from the intact file's"
                    counts["same"] += 1
        return counts
    finally:
        worker.stop()


def test_damaged_files_give_a_clear_error_or_the_intact_results(tmp_path, subprocess_env):
    counts = run_mutations(tmp_path, subprocess_env, flips=200, cuts=40, seed=9)
    print(
        f"240 damaged files x (open, info, resume): {counts['error']} clear errors, "
        f"{counts['same']} identical to the intact file; no signal, hang or traceback"
    )
    assert counts["error"] > 0


@pytest.mark.slow
def test_many_damaged_files_give_a_clear_error_or_the_intact_results(tmp_path, subprocess_env):
    counts = run_mutations(tmp_path, subprocess_env, flips=1500, cuts=150, seed=10)
    print(f"1650 damaged files x (open, info, resume): {counts}")
