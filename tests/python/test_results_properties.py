"""Property tests (Hypothesis) of the results-file API: whatever values and whichever runs are
written, they read back bit for bit; runs never written read as NaN; reading changes no byte; any
split of the runs over parts merges back to the whole; any (scenario, replicate) input is either
accepted or refused with ValueError."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

import culturesim as cs
from culturesim import _engine
from culturesim.cluster import merge

SCENARIOS = [cs.Scenario("a", policy="blame").to_dict(), cs.Scenario("b", policy="just_culture").to_dict()]
DAYS, RECORD_EVERY = 60, 30
SERIES, PERIODS = len(cs.OUTPUT_NAMES), 2
EXAMPLES = settings(max_examples=25, deadline=None)

values_of_a_run = st.lists(
    st.floats(width=64, allow_nan=True, allow_infinity=True, allow_subnormal=True),
    min_size=SERIES * PERIODS,
    max_size=SERIES * PERIODS,
).map(lambda v: np.array(v, dtype=np.float64).reshape(SERIES, PERIODS))


@st.composite
def written_runs(draw):
    replicates = draw(st.integers(1, 3))
    runs = draw(st.sets(st.tuples(st.integers(0, 1), st.integers(0, replicates - 1))))
    return replicates, {run: draw(values_of_a_run) for run in sorted(runs)}


def write(path: str, replicates: int, runs: dict) -> None:
    writer = _engine.ResultsWriter(SCENARIOS, replicates, DAYS, RECORD_EVERY, 0, path)
    for (s, r), values in runs.items():
        writer.write(s, r, values)
    writer.close()


def as_bits(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a).view(np.uint64)


def check_holds(path: str, replicates: int, runs: dict) -> None:
    res = cs.open_results(path)
    expected_done = np.zeros((2, replicates), dtype=bool)
    for s, r in runs:
        expected_done[s, r] = True
    assert np.array_equal(res.done[:, 0], expected_done)  # one draw: (scenario, 1, replicate)
    for i, name in enumerate(cs.OUTPUT_NAMES):
        stored = res.data[name][:, 0]
        for s in range(2):
            for r in range(replicates):
                if (s, r) in runs:
                    assert np.array_equal(as_bits(stored[s, r]), as_bits(runs[(s, r)][i])), (name, s, r)
                else:
                    assert np.isnan(stored[s, r]).all()


@EXAMPLES
@given(written_runs())
def test_written_runs_read_back_bit_for_bit_and_reading_changes_nothing(case):
    replicates, runs = case
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "r.h5")
        write(path, replicates, runs)
        before = Path(path).read_bytes()
        check_holds(path, replicates, runs)
        assert Path(path).read_bytes() == before


@EXAMPLES
@given(written_runs(), st.integers(1, 3), st.randoms(use_true_random=False))
def test_any_split_over_parts_merges_back_to_the_whole(case, n_parts, rng):
    replicates, runs = case
    with tempfile.TemporaryDirectory() as folder:
        parts = [os.path.join(folder, f"part{k}.h5") for k in range(n_parts)]
        shares: list[dict] = [{} for _ in parts]
        for run, values in runs.items():
            shares[rng.randrange(n_parts)][run] = values
            if rng.random() < 0.3:  # also done, identically, in a second part
                shares[rng.randrange(n_parts)][run] = values
        for path, share in zip(parts, shares):
            write(path, replicates, share)
        out = os.path.join(folder, "merged.h5")
        merge(parts, out)
        check_holds(out, replicates, runs)


@EXAMPLES
@example([(0, 0), (0, 0)])  # a run listed twice is computed and written once (found by this test)
@given(st.lists(st.tuples(st.integers(-3, 4), st.integers(-3, 4)), max_size=4))
def test_any_run_indices_are_accepted_or_refused_with_a_clear_error(runs):
    exp = cs.Experiment(["blame"], replicates=2, years=DAYS / 365, seed=1, record_every=RECORD_EVERY)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "r.h5")
        valid = all(s == 0 and 0 <= r < 2 for s, r in runs)
        try:
            res = exp.run(path, progress=False, runs=runs, threads=1)
        except ValueError as exc:
            assert not valid and "runs[" in str(exc) and "out of range" in str(exc)
            assert not os.path.exists(path)
        else:
            assert valid and int(res.done.sum()) == len(set(runs))
