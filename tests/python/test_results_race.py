"""Two writers, one new results file: exactly one wins, and the file holds one experiment's
definition with that experiment's runs (issue 9: before, 13 of 30 tries left a file mixing one
experiment's definition with the other's runs).

Two worker processes start each try together at a barrier (no sleeps); the experiments differ
only in alpha_base, so a mixed file would show in its stored definition versus its values."""

from __future__ import annotations

import multiprocessing as mp
import os

import numpy as np
import tomllib

import culturesim as cs

TRIES = 24
ALPHAS = (0.3, 0.4)  # writer k runs the experiment with alpha_base ALPHAS[k]
GUARD = 120  # seconds: only a failure guard, never a wait for something to happen


def experiment(alpha: float) -> cs.Experiment:
    return cs.Experiment(
        [cs.Scenario("s", policy="blame", params={"alpha_base": alpha})], replicates=2, years=1, seed=9
    )


def writer(k: int, folder: str, barrier, results) -> None:
    exp = experiment(ALPHAS[k])
    for t in range(TRIES):
        barrier.wait(GUARD)
        try:
            exp.run(os.path.join(folder, f"try{t}.h5"), progress=False, threads=1)
            outcome = "won"
        except FileExistsError as exc:
            outcome = "lost: " + str(exc)
        except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
            outcome = f"error: {type(exc).__name__}: {exc}"
        results.put((t, k, outcome))


def test_two_writers_on_one_new_file_exactly_one_wins_and_the_file_is_consistent(tmp_path):
    reference = {alpha: experiment(alpha).run(progress=False) for alpha in ALPHAS}
    ctx = mp.get_context("spawn")  # a fresh interpreter: no engine threads inherited through fork
    barrier = ctx.Barrier(2)
    results = ctx.Queue()
    workers = [ctx.Process(target=writer, args=(k, str(tmp_path), barrier, results)) for k in range(2)]
    for w in workers:
        w.start()
    outcomes: dict[int, dict[int, str]] = {}
    try:
        for _ in range(2 * TRIES):
            t, k, outcome = results.get(timeout=GUARD)
            outcomes.setdefault(t, {})[k] = outcome
    finally:
        for w in workers:
            w.join(GUARD)
            if w.is_alive():
                w.kill()
    assert [w.exitcode for w in workers] == [0, 0]

    wins = {0: 0, 1: 0}
    late = 0  # losers refused only at publishing: both had built a whole file at once
    for t in range(TRIES):
        won = [k for k, outcome in outcomes[t].items() if outcome == "won"]
        assert len(won) == 1, (t, outcomes[t])
        loser = 1 - won[0]
        assert outcomes[t][loser].startswith("lost: ") and f"try{t}.h5" in outcomes[t][loser], outcomes[t]
        wins[won[0]] += 1
        late += "appeared while" in outcomes[t][loser]
        res = cs.open_results(tmp_path / f"try{t}.h5")  # verifies the checksums too
        alpha = ALPHAS[won[0]]
        assert res.scenario_attrs["s"]["alpha_base"] == alpha
        assert tomllib.loads(res.definitions["s"])["params"]["alpha_base"] == alpha
        for name in cs.OUTPUT_NAMES:
            assert np.array_equal(res.data[name], reference[alpha].data[name], equal_nan=True), (t, name)
    # Nothing but the results: no temporary file of either writer is left.
    assert sorted(os.listdir(tmp_path)) == sorted(f"try{t}.h5" for t in range(TRIES))
    print(
        f"{TRIES} tries: writer 0 won {wins[0]}, writer 1 won {wins[1]}; {late} losers were refused only when "
        "publishing; every file consistent"
    )
