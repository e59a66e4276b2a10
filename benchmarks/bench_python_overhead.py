"""What the Python layer and HDF5 writing add to the engine's time (docs/performance.md).

The default experiment of the issue: 'blame' and 'just_culture', 20 replicates x 30 years, seed 0,
on `--threads` engine threads. Variants, timed side by side in interleaved rounds (so a slow spell of
the machine hits every variant alike), reported as medians:

  engine      _engine.run_block per scenario, all replicates: the engine alone, results in memory,
              no HDF5, no Python layer (the scenario dicts are built before the clock starts)
  engine+h5   _engine.run_experiment to a new file: the engine writing HDF5, no Python layer
  api(path)   cs.Experiment(...).run(path): the full API writing the results file (progress=False)
  api(None)   cs.Experiment(...).run(None): the full API, results in memory (the API runs the same
              engine call into a temporary file, then reads it back)

Wall time is what a user waits; CPU time (time.process_time: every thread of this process) is
less disturbed by other programs sharing the machine. Ratios (medians of the per-round ratios):
  HDF5 overhead          engine+h5 / engine - 1
  Python-layer overhead  api(path) / engine+h5 - 1   (the same engine call, with and without the API)
  API total              api(path) / engine - 1 and api(None) / engine - 1

Usage (from the repository, with the compiled module in bindings/culturesim):
  PYTHONPATH=bindings python benchmarks/bench_python_overhead.py            # 3 rounds, ~6 minutes on 2 cores
  PYTHONPATH=bindings python benchmarks/bench_python_overhead.py --quick    # 2 x 4 x 3 years, seconds
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import culturesim as cs
from culturesim import _engine

VARIANTS = ("engine", "engine+h5", "api(path)", "api(None)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--replicates", type=int, default=20)
    ap.add_argument("--years", type=float, default=30)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds of all variants (default 3)")
    ap.add_argument("--quick", action="store_true", help="a smoke test: 4 replicates x 3 years, 2 rounds")
    ap.add_argument("--json", type=Path, help="also write the timings to this JSON file")
    args = ap.parse_args(argv)
    if args.quick:
        args.replicates, args.years, args.rounds = 4, 3, 2

    exp = cs.Experiment(["blame", "just_culture"], replicates=args.replicates, years=args.years, seed=0)
    scenarios = exp.scenario_dicts()
    replicates = list(range(exp.replicates))
    tmp = tempfile.TemporaryDirectory(prefix="bench-python-overhead-")
    counter = iter(range(10**6))

    def new_path() -> str:
        return os.path.join(tmp.name, f"r{next(counter)}.h5")

    def engine() -> dict[str, np.ndarray]:
        return {
            s["name"]: _engine.run_block(s, replicates, exp.days, exp.record_every, exp.seed, args.threads)
            for s in scenarios
        }

    def engine_h5() -> str:
        path = new_path()
        _engine.run_experiment(scenarios, exp.replicates, exp.days, exp.record_every, exp.seed, args.threads, path)
        return path

    def api_path() -> cs.ExperimentResult:
        return exp.run(new_path(), progress=False, threads=args.threads)

    def api_none() -> cs.ExperimentResult:
        return exp.run(None, progress=False, threads=args.threads)

    calls = dict(zip(VARIANTS, (engine, engine_h5, api_path, api_none)))

    # The variants compute the same numbers: check once (a small warm-up of every code path).
    warm = cs.Experiment(["blame", "just_culture"], replicates=2, years=1, seed=0)
    block = _engine.run_block(warm.scenario_dicts()[1], [0, 1], warm.days, warm.record_every, 0, args.threads)
    mem = warm.run(None, progress=False, threads=args.threads)
    for i, name in enumerate(cs.OUTPUT_NAMES):
        assert np.array_equal(block[:, i, :], mem.data[name][1]), name

    print(
        f"culturesim {cs.__version__} ({cs.build_info}); Python {platform.python_version()}; "
        f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f}"
    )
    print(
        f"{len(scenarios)} scenarios x {exp.replicates} replicates x {exp.years:g} years "
        f"({exp.n_runs} runs), threads={args.threads}, {args.rounds} interleaved rounds\n"
    )
    times: dict[str, list[float]] = {v: [] for v in VARIANTS}
    cpu: dict[str, list[float]] = {v: [] for v in VARIANTS}
    for r in range(args.rounds):
        order = VARIANTS if r % 2 == 0 else VARIANTS[::-1]  # alternate the order: no variant always first
        for v in order:
            t0, c0 = time.perf_counter(), time.process_time()
            calls[v]()
            times[v].append(time.perf_counter() - t0)
            cpu[v].append(time.process_time() - c0)
            print(
                f"  round {r + 1}: {v:<10} {times[v][-1]:8.2f} s wall {cpu[v][-1]:8.2f} s CPU "
                f"(load {os.getloadavg()[0]:.2f})",
                flush=True,
            )
        for f in Path(tmp.name).glob("*.h5"):
            f.unlink()

    def ratio(t: dict[str, list[float]], a: str, b: str) -> float:
        return statistics.median(x / y for x, y in zip(t[a], t[b])) - 1

    med = {v: statistics.median(times[v]) for v in VARIANTS}
    sim_years = exp.n_runs * exp.years
    print(
        "\n| variant | wall s, median | min | max | CPU s, median | sim-years/s (wall) |\n"
        "|---|---:|---:|---:|---:|---:|"
    )
    for v in VARIANTS:
        print(
            f"| {v} | {med[v]:.2f} | {min(times[v]):.2f} | {max(times[v]):.2f} | "
            f"{statistics.median(cpu[v]):.2f} | {sim_years / med[v]:.1f} |"
        )
    pairs = {
        "HDF5 overhead (engine+h5 / engine - 1)": ("engine+h5", "engine"),
        "Python-layer overhead (api(path) / engine+h5 - 1)": ("api(path)", "engine+h5"),
        "API with HDF5 vs engine alone (api(path) / engine - 1)": ("api(path)", "engine"),
        "API in memory vs engine alone (api(None) / engine - 1)": ("api(None)", "engine"),
    }
    overheads = {k: {"wall": ratio(times, a, b), "cpu": ratio(cpu, a, b)} for k, (a, b) in pairs.items()}
    print("\n| overhead (median of per-round ratios) | wall | CPU |\n|---|---:|---:|")
    for k, x in overheads.items():
        print(f"| {k} | {x['wall'] * 100:+.1f}% | {x['cpu'] * 100:+.1f}% |")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
                    "wall": times,
                    "cpu": cpu,
                    "overheads": overheads,
                },
                indent=2,
            )
        )
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
