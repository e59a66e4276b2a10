"""Cluster sweeps (culturesim.cluster): Dask, MPI, process pools, shards and merge give exactly the
file a local run gives; failures stop cleanly and keep what finished."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
import zlib
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import h5py
import numpy as np
import pytest

import culturesim as cs
from culturesim import cluster


def make_experiment(**kw) -> cs.Experiment:
    args = dict(replicates=4, years=2, seed=7)
    args.update(kw)
    return cs.Experiment([cs.Scenario("blame", policy="blame"), cs.Scenario("just", policy="just_culture")], **args)


def assert_same_results(path_a, path_b, *, complete=True):
    """Every /series dataset and /done equal, bit for bit."""
    with h5py.File(path_a, "r") as a, h5py.File(path_b, "r") as b:
        assert sorted(a["series"]) == sorted(b["series"])
        for name in a["series"]:
            assert np.array_equal(a[f"series/{name}"][...], b[f"series/{name}"][...], equal_nan=True), name
        assert np.array_equal(a["done"][...], b["done"][...])
        if complete:
            assert a["done"][...].all()
        for key in ("seed", "days", "record_every", "replicates", "engine_version"):
            assert a.attrs[key] == b.attrs[key]


def done_of(path) -> np.ndarray:
    with h5py.File(path, "r") as f:
        return f["done"][...].astype(bool)


@pytest.fixture(scope="module")
def experiment() -> cs.Experiment:
    return make_experiment()


@pytest.fixture(scope="module")
def local_file(experiment, tmp_path_factory):
    path = tmp_path_factory.mktemp("local") / "local.h5"
    experiment.run(path, progress=False)
    return path


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as lc,
        distributed.Client(lc) as client,
    ):
        yield client


# -- task planning ------------------------------------------------------------------------------
def test_plan_tasks_covers_every_run_once_in_blocks_of_one_scenario(experiment):
    for kw in ({}, {"block": 3}, {"workers": 2}, {"task_seconds": 1e-6}):
        tasks = cluster.plan_tasks(experiment, **kw)
        runs = [(t.scenario, r) for t in tasks for r in t.replicates]
        assert sorted(runs) == [(s, r) for s in range(2) for r in range(4)]
        assert len(runs) == len(set(runs))
    assert [len(t.replicates) for t in cluster.plan_tasks(experiment, block=3)] == [2, 2, 2, 2]  # balanced
    assert [len(t.replicates) for t in cluster.plan_tasks(experiment, task_seconds=1e-6)] == [1] * 8
    # 2 years of 1,000 clinicians: a few seconds hold every replicate, unless workers need more tasks
    assert len(cluster.plan_tasks(experiment)) == 2
    assert len(cluster.plan_tasks(experiment, workers=2)) == 8
    # the rule: floor(task_seconds / (clinicians x days / AGENT_DAYS_PER_SECOND)) replicates, at least 1
    long_runs = cs.Experiment(["blame"], replicates=10, years=100)
    per_task = int(cluster.TASK_SECONDS // (1000 * long_runs.days / cluster.AGENT_DAYS_PER_SECOND))
    assert {len(t.replicates) for t in cluster.plan_tasks(long_runs)} == {max(1, per_task)}
    assert {len(t.replicates) for t in cluster.plan_tasks(long_runs, task_seconds=60)} == {10}
    # with workers known, tasks shrink towards the end so workers finish together
    many = cs.Experiment(["blame", "just_culture"], replicates=100, years=2)
    sizes = [len(t.replicates) for t in cluster.plan_tasks(many, workers=4)]
    assert sum(sizes) == 200 and sizes[0] == -(-200 // (cluster.TASKS_PER_WORKER * 4)) and sizes[-8:] == [1] * 8
    assert cluster.plan_tasks(experiment, runs=[(1, 3), (1, 0)]) == [cluster.Task(1, (0, 3))]
    assert cluster.plan_tasks(experiment, runs=[]) == []
    with pytest.raises(ValueError, match="block"):
        cluster.plan_tasks(experiment, block=0)


def test_task_description_names_scenario_and_replicates(experiment):
    task = cluster.Task(1, (0, 1, 2, 5, 7, 8))
    assert task.describe(experiment) == "scenario 'just' (index 1), replicates 0-2, 5, 7-8"


def test_executor_must_be_an_executor_or_a_dask_client(experiment, tmp_path):
    with pytest.raises(TypeError, match="concurrent.futures.Executor"):
        cluster.run_on_executor(experiment, tmp_path / "x.h5", executor=object())
    with ThreadPoolExecutor(1) as pool, pytest.raises(ValueError, match="outside the experiment"):
        cluster.run_on_executor(experiment, tmp_path / "x.h5", pool, runs=[(2, 0)])


# -- executors equal the local run ---------------------------------------------------------------
def test_thread_pool_equals_local_and_resumes_a_subset(experiment, local_file, tmp_path, capsys):
    path = tmp_path / "threads.h5"
    first = [(0, 1), (1, 2), (1, 3)]
    with ThreadPoolExecutor(2) as pool:
        res = experiment.run(path, executor=pool, runs=first, progress=False)
        assert sorted(zip(*np.nonzero(res.done[:, 0]))) == sorted(first)  # one draw
        assert cluster.run_on_executor(experiment, path, pool, mode="resume", progress=True) == 5
    assert "sweep" in capsys.readouterr().err  # the progress bar goes to stderr
    assert_same_results(local_file, path)
    with ThreadPoolExecutor(1) as pool, pytest.raises(FileExistsError):
        experiment.run(path, executor=pool, progress=False)


def test_process_pool_equals_local(experiment, local_file, tmp_path):
    path = tmp_path / "processes.h5"
    with ProcessPoolExecutor(2) as pool:
        res = experiment.run(path, executor=pool, progress=False)
    assert res.complete
    assert_same_results(local_file, path)


def test_dask_local_cluster_equals_local(experiment, local_file, dask_client, tmp_path):
    path = tmp_path / "dask.h5"
    res = experiment.run(path, executor=dask_client, progress=False)
    assert res.complete
    assert_same_results(local_file, path)
    # one task per replicate, spread over both workers
    path2 = tmp_path / "dask-blocks.h5"
    assert cluster.run_on_executor(experiment, path2, dask_client, progress=False, block=1) == 8
    assert_same_results(local_file, path2)


def test_dask_client_helper(dask_client, tmp_path):
    address = dask_client.scheduler.address
    scheduler_file = tmp_path / "scheduler.json"
    scheduler_file.write_text(json.dumps({"address": address}))
    for kw in ({"scheduler": address}, {"scheduler_file": scheduler_file}):
        with cluster.dask_client(**kw) as client:
            assert sum(client.nthreads().values()) == 2
    with pytest.raises(ValueError, match="not both"):
        cluster.dask_client(scheduler=address, scheduler_file=scheduler_file)
    with pytest.raises(FileNotFoundError, match="scheduler file"):
        cluster.dask_client(scheduler_file=tmp_path / "missing.json")


def test_missing_packages_say_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "mpi4py.futures", None)
    with pytest.raises(ImportError, match=r"pip install culturesim\[cluster\]"):
        cluster.mpi_executor()
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ImportError, match=r"pip install culturesim\[cluster\]"):
        cluster.dask_client()


# -- fault tolerance -----------------------------------------------------------------------------
@pytest.mark.slow
def test_dask_worker_killed_mid_sweep_loses_nothing(tmp_path):
    distributed = pytest.importorskip("distributed")
    exp = make_experiment(replicates=6, years=12)  # 12 one-run tasks of about 0.3 s
    local = tmp_path / "local.h5"
    exp.run(local, progress=False)

    killed: dict[str, object] = {}

    def kill_a_busy_worker(client, pids, stop):
        while not stop.is_set():
            busy = [w for w, keys in client.processing().items() if keys]
            if busy and pids.get(busy[0]):  # the scheduler has handed it a task: kill it now
                os.kill(pids[busy[0]], signal.SIGKILL)
                killed.update(worker=busy[0], pid=pids[busy[0]])
                return
            stop.wait(0.01)  # poll the scheduler's state until a worker is busy

    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as lc,
        distributed.Client(lc) as client,
    ):
        pids = client.run(os.getpid)
        stop = threading.Event()
        killer = threading.Thread(target=kill_a_busy_worker, args=(client, pids, stop), daemon=True)
        killer.start()
        path = tmp_path / "dask-killed.h5"
        try:
            res = cluster.run_on_executor(exp, path, client, progress=False, block=1)
        finally:
            stop.set()
            killer.join()
        assert killed, "the test did not manage to kill a worker while it ran a task"
        assert res == exp.n_runs
        assert killed["pid"] not in client.run(os.getpid).values()
    assert_same_results(local, path)


@pytest.mark.slow
def test_driver_killed_mid_sweep_resumes_without_recomputing(tmp_path, subprocess_env, monkeypatch):
    exp = make_experiment(replicates=6, years=10)
    local = tmp_path / "local.h5"
    exp.run(local, progress=False)
    path = tmp_path / "killed-driver.h5"
    script = tmp_path / "driver.py"
    script.write_text(
        textwrap.dedent("""
        import sys
        from concurrent.futures import ThreadPoolExecutor
        import culturesim as cs
        from culturesim import cluster
        exp = cs.Experiment([cs.Scenario("blame", policy="blame"), cs.Scenario("just", policy="just_culture")],
                            replicates=6, years=10, seed=7)
        with ThreadPoolExecutor(1) as pool:
            cluster.run_on_executor(exp, sys.argv[1], pool, progress=False, block=1)
    """)
    )
    driver = subprocess.Popen([sys.executable, str(script), str(path)], env=subprocess_env)
    try:
        deadline = time.monotonic() + 120
        done_before = 0
        while time.monotonic() < deadline and driver.poll() is None:
            if path.exists():
                try:
                    with h5py.File(path, "r", swmr=True) as f:
                        done_before = int(f["done"][...].sum())
                except OSError:  # inside a write session; look again
                    pass
            if done_before >= 3:
                driver.send_signal(signal.SIGKILL)
                break
            time.sleep(0.02)
    finally:
        driver.kill()
        driver.wait()
    assert driver.returncode == -signal.SIGKILL, "the driver finished before the test could kill it"
    kept = done_of(path)
    assert 3 <= kept.sum() < exp.n_runs
    calls = []
    real = cluster.run_task

    def counted(scenario, replicates, *args):
        calls.extend((scenario["name"], r) for r in replicates)
        return real(scenario, replicates, *args)

    monkeypatch.setattr(cluster, "run_task", counted)
    with ThreadPoolExecutor(2) as pool:
        written = cluster.run_on_executor(exp, path, pool, mode="resume", progress=False)
    assert written == exp.n_runs - kept.sum() == len(calls)  # finished runs were not recomputed
    names = [s.name for s in exp.scenarios]
    assert not any(kept[names.index(name), r] for name, r in calls)
    assert_same_results(local, path)


def test_failing_task_stops_with_scenario_replicates_and_error_and_keeps_finished_runs(
    experiment, local_file, tmp_path, monkeypatch
):
    real = cluster.run_task

    def flaky(scenario, replicates, *args):
        if scenario["name"] == "just" and 2 in replicates:
            raise ValueError("engine exploded")
        return real(scenario, replicates, *args)

    monkeypatch.setattr(cluster, "run_task", flaky)
    path = tmp_path / "failed.h5"
    with ThreadPoolExecutor(1) as pool:
        with pytest.raises(cluster.TaskError) as info:
            cluster.run_on_executor(experiment, path, pool, progress=False, block=1)
    message = str(info.value)
    assert "scenario 'just' (index 1), replicates 2" in message
    assert "ValueError: engine exploded" in message
    assert "6 of 8 runs" in message and "resume" in message
    assert info.value.task == cluster.Task(1, (2,))
    assert isinstance(info.value.__cause__, ValueError)
    done = done_of(path)
    assert done[0].all() and list(done[1]) == [True, True, False, False]  # finished runs are kept
    monkeypatch.setattr(cluster, "run_task", real)
    with ThreadPoolExecutor(2) as pool:
        experiment.run(path, executor=pool, progress=False, resume=True)
    assert_same_results(local_file, path)


def test_a_worker_with_another_engine_build_is_refused(experiment, tmp_path, monkeypatch):
    real = cluster.run_task
    monkeypatch.setattr(cluster, "run_task", lambda *a: ("0.0.0 (other)", real(*a)[1]))
    with ThreadPoolExecutor(1) as pool, pytest.raises(cluster.TaskError, match="same culturesim build"):
        cluster.run_on_executor(experiment, tmp_path / "x.h5", pool, progress=False)


@pytest.mark.slow
def test_dask_failing_task_stops_the_sweep(experiment, local_file, tmp_path, monkeypatch, subprocess_env):
    """The same with Dask: the error comes back from a worker process."""
    distributed = pytest.importorskip("distributed")
    helper = tmp_path / "helpers"
    helper.mkdir()
    (helper / "culturesim_test_flaky.py").write_text(
        textwrap.dedent("""
        import culturesim.cluster as cluster
        real = cluster.run_task
        def flaky(scenario, replicates, *args):
            if scenario["name"] == "blame" and 1 in replicates:
                raise RuntimeError("worker-side failure")
            return real(scenario, replicates, *args)
        def install():
            cluster.run_task = flaky
    """)
    )
    monkeypatch.syspath_prepend(str(helper))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(helper), subprocess_env["PYTHONPATH"]]))
    import culturesim_test_flaky

    path = tmp_path / "dask-failed.h5"
    with (
        distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0") as lc,
        distributed.Client(lc) as client,
    ):
        client.run(culturesim_test_flaky.install)
        with pytest.raises(
            cluster.TaskError,
            match=r"scenario 'blame' \(index 0\), replicates 1: "
            r"RuntimeError: worker-side failure",
        ):
            cluster.run_on_executor(experiment, path, client, progress=False, block=1)
    done = done_of(path)
    assert done[0, 0] and not done[0, 1]  # the first task finished and is kept
    with ThreadPoolExecutor(2) as pool:
        experiment.run(path, executor=pool, progress=False, resume=True)
    assert_same_results(local_file, path)


def test_ctrl_c_cancels_keeps_finished_runs_and_reraises(experiment, local_file, tmp_path, monkeypatch, request):
    real = cluster.run_task
    calls = []
    # The driver's KeyboardInterrupt is an event the third task waits for (not a time): a SIGINT
    # handler that records it, then raises as Python's own does.
    interrupted = threading.Event()

    def on_sigint(signum, frame):
        interrupted.set()
        signal.default_int_handler(signum, frame)

    previous = signal.signal(signal.SIGINT, on_sigint)
    request.addfinalizer(lambda: signal.signal(signal.SIGINT, previous))

    def interrupted_third(scenario, replicates, *args):
        calls.append((scenario["name"], replicates))
        if (scenario["name"], replicates) == ("blame", [2]):  # the third task: Ctrl-C reaches the driver
            os.kill(os.getpid(), signal.SIGINT)
            assert interrupted.wait(120), "the driver never received SIGINT"  # a failure guard only
        return real(scenario, replicates, *args)

    monkeypatch.setattr(cluster, "run_task", interrupted_third)
    path = tmp_path / "interrupted.h5"
    with ThreadPoolExecutor(1) as pool:  # one task at a time, in order
        with pytest.raises(KeyboardInterrupt):
            cluster.run_on_executor(experiment, path, pool, progress=False, block=1)
    assert len(calls) == 3  # the 5 pending tasks were cancelled, not run
    done = done_of(path)
    assert list(done[0]) == [True, True, False, False] and not done[1].any()  # finished runs are kept
    monkeypatch.setattr(cluster, "run_task", real)
    with ThreadPoolExecutor(2) as pool:
        assert cluster.run_on_executor(experiment, path, pool, mode="resume", progress=False) == 6
    assert_same_results(local_file, path)


# -- MPI -----------------------------------------------------------------------------------------
def mpiexec_command(n: int) -> list[str]:
    pytest.importorskip("mpi4py")
    mpiexec = shutil.which("mpiexec")
    if mpiexec is None:
        pytest.skip("mpiexec (openmpi-bin) is not installed")
    command = [mpiexec, "-n", str(n)]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-run-as-root")  # tests only: containers run as root
    return command + ["--oversubscribe"]


def mpi_env(subprocess_env) -> dict[str, str]:
    env = dict(subprocess_env)
    env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMPI_MCA_rmaps_base_oversubscribe="1")
    return env


@pytest.mark.slow
def test_mpi_pool_executor_equals_local(experiment, local_file, tmp_path, subprocess_env):
    script = tmp_path / "mpi_sweep.py"
    script.write_text(
        textwrap.dedent("""
        import sys
        import culturesim as cs
        from culturesim import cluster

        if __name__ == "__main__":  # mpi4py.futures workers import this file too
            exp = cs.Experiment([cs.Scenario("blame", policy="blame"), cs.Scenario("just", policy="just_culture")],
                                replicates=4, years=2, seed=7)
            with cluster.mpi_executor() as pool:
                assert pool.num_workers == 2, pool.num_workers
                print("runs", cluster.run_on_executor(exp, sys.argv[1], pool, progress=False, block=1))
    """)
    )
    out = tmp_path / "mpi.h5"
    done = subprocess.run(
        mpiexec_command(3) + [sys.executable, "-m", "mpi4py.futures", str(script), str(out)],
        env=mpi_env(subprocess_env),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "runs 8" in done.stdout
    assert_same_results(local_file, out)


EXPERIMENT_TOML = """
years = 2
replicates = 4
seed = 7

[[scenarios]]
name = "blame"
policy = "blame"

[[scenarios]]
name = "just"
policy = "just_culture"
"""


@pytest.mark.slow
def test_mpi_command_line_sweep_equals_local(experiment, local_file, tmp_path, subprocess_env):
    (tmp_path / "exp.toml").write_text(EXPERIMENT_TOML)
    command = mpiexec_command(3) + [
        sys.executable,
        "-m",
        "mpi4py.futures",
        "-m",
        "culturesim",
        "sweep",
        "exp.toml",
        "-o",
        "out.h5",
        "--mpi",
    ]
    done = subprocess.run(
        command, env=mpi_env(subprocess_env), cwd=tmp_path, capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert_same_results(local_file, tmp_path / "out.h5")


# -- shards and merge ----------------------------------------------------------------------------
def test_shards_partition_the_runs(experiment):
    shards = [cluster.shard_runs(experiment, i, 3) for i in range(3)]
    flat = [run for shard in shards for run in shard]
    assert sorted(flat) == [(s, r) for s in range(2) for r in range(4)] and len(flat) == len(set(flat))
    assert shards[0] == [(0, 0), (0, 3), (1, 2)]  # round robin in scenario-major order
    assert cluster.shard_runs(experiment, 0, 1) == [(s, r) for s in range(2) for r in range(4)]
    assert cluster.shard_runs(experiment, 9, 10) == []
    assert cluster.parse_shard("2/3") == (2, 3)
    for bad in ("3/3", "-1/3", "1", "a/b", "0/0"):
        with pytest.raises(ValueError, match="shard"):
            cluster.parse_shard(bad)


@pytest.fixture(scope="module")
def shard_files(experiment, tmp_path_factory):
    folder = tmp_path_factory.mktemp("shards")
    paths = []
    for i in range(3):
        path = folder / f"part-{i}.h5"
        res = cluster.run_shard(experiment, path, i, 3, progress=False)
        assert int(res.done.sum()) == len(cluster.shard_runs(experiment, i, 3))
        paths.append(path)
    return paths


def test_merged_shards_equal_the_whole(shard_files, local_file, tmp_path):
    out = tmp_path / "merged.h5"
    res = cluster.merge(shard_files, out)
    assert res.complete
    assert_same_results(local_file, out)
    with h5py.File(local_file, "r") as a, h5py.File(out, "r") as b:  # metadata comes along too
        assert dict(a["scenarios/just"].attrs).keys() == dict(b["scenarios/just"].attrs).keys()
        assert a["scenarios/just/definition"].asstr()[()] == b["scenarios/just/definition"].asstr()[()]
    assert not [p for p in os.listdir(tmp_path) if "merging" in p]  # no temporary file left
    # parts in another order, and a part given twice, give the same file
    out2 = tmp_path / "merged2.h5"
    cluster.merge(shard_files[::-1] + shard_files[:1], out2)
    assert_same_results(local_file, out2)


def test_merge_of_some_shards_resumes_to_the_whole(experiment, shard_files, local_file, tmp_path):
    out = tmp_path / "partial.h5"
    res = cluster.merge(shard_files[:2], out)
    assert not res.complete and int(res.done.sum()) == 6
    with h5py.File(out, "r") as f:
        missing = ~f["done"][...].astype(bool)
        assert np.isnan(f["series/reports"][...][missing]).all()
    assert experiment.run(out, resume=True, progress=False).complete
    assert_same_results(local_file, out)


def test_merge_refuses_an_existing_output_unless_forced(shard_files, local_file, tmp_path):
    out = tmp_path / "exists.h5"
    out.write_bytes(b"precious")
    with pytest.raises(FileExistsError, match="force"):
        cluster.merge(shard_files, out)
    assert out.read_bytes() == b"precious"
    with pytest.raises(ValueError, match="force=True replaces only results files"):  # issue 18
        cluster.merge(shard_files, out, force=True)
    assert out.read_bytes() == b"precious"
    out.write_bytes(b"")  # an empty file may be replaced
    cluster.merge(shard_files, out, force=True)
    assert_same_results(local_file, out)
    cluster.merge(shard_files, out, force=True)  # and a results file
    assert_same_results(local_file, out)
    with pytest.raises(ValueError, match="is the input file"):
        cluster.merge([shard_files[0], out], out, force=True)


@pytest.mark.parametrize(
    "change, what",
    [
        ({"seed": 8}, "root attribute 'seed'"),
        ({"replicates": 5}, "root attribute 'replicates'"),
        ({"years": 3}, "root attribute 'days'"),
        ({"record_every": 60}, "root attribute 'record_every' differs (60 vs -12)"),  # months: -12
    ],
)
def test_merge_refuses_parts_of_another_experiment(shard_files, tmp_path, change, what):
    other = tmp_path / "other.h5"
    cluster.run_shard(make_experiment(**change), other, 1, 3, progress=False)
    with pytest.raises(ValueError) as info:
        cluster.merge([shard_files[0], other, shard_files[2]], tmp_path / "out.h5")
    assert f"'{other}' is not a part of the same experiment as '{shard_files[0]}'" in str(info.value)
    assert what in str(info.value)
    assert not os.path.exists(tmp_path / "out.h5")


def test_merge_refuses_other_scenario_definitions(shard_files, tmp_path):
    other = tmp_path / "other.h5"
    exp = cs.Experiment(
        [cs.Scenario("blame", policy="blame"), cs.Scenario("just", policy=0.1)], replicates=4, years=2, seed=7
    )
    cluster.run_shard(exp, other, 1, 3, progress=False)
    with pytest.raises(ValueError, match="definition of scenario 'just'"):
        cluster.merge([shard_files[0], other], tmp_path / "out.h5")


def _tamper(path, scenario: int, replicate: int, fix_checksum: bool) -> None:
    """Changes one value of a finished run with plain h5py, and (if asked) stores the run's new
    CRC-32 the way the format documents it, so only the merge's value comparison can notice."""
    with h5py.File(path, "r+") as f:
        f["series/reports"][scenario, replicate, 3] += 1
        if fix_checksum:
            rows = [f[f"series/{name}"][scenario, replicate, :] for name in f["coords/series"].asstr()[:]]
            f["checksums"][scenario, replicate] = zlib.crc32(np.concatenate(rows).astype("<f8").tobytes())


def test_merge_refuses_a_run_done_twice_with_different_values(shard_files, tmp_path):
    tampered = tmp_path / "tampered.h5"
    shutil.copyfile(shard_files[0], tampered)
    _tamper(tampered, 1, 2, fix_checksum=True)  # run (just, 2) is in shard 0
    out = tmp_path / "out.h5"
    with pytest.raises(ValueError, match=r"run \(scenario 1 'just', replicate 2\) is done in both .* different values"):
        cluster.merge([shard_files[0], shard_files[1], tampered], out)
    assert not os.path.exists(out) and os.listdir(tmp_path) == ["tampered.h5"]


def test_merge_refuses_a_part_whose_data_fails_its_checksum(shard_files, tmp_path):
    tampered = tmp_path / "tampered.h5"
    shutil.copyfile(shard_files[0], tampered)
    before = tampered.read_bytes()
    _tamper(tampered, 1, 2, fix_checksum=False)
    out = tmp_path / "out.h5"
    with pytest.raises(
        OSError,
        match=r"'.*tampered.h5' is damaged: the values of run \(scenario 1 'just', "
        r"replicate 2\) do not match their stored checksum",
    ):
        cluster.merge([tampered, shard_files[1]], out)
    assert not os.path.exists(out) and before != tampered.read_bytes()


def test_merge_refuses_a_part_still_being_written(experiment, shard_files, tmp_path):
    from culturesim import _engine

    path = tmp_path / "live.h5"
    writer = _engine.ResultsWriter(
        experiment.scenario_dicts(),
        experiment.replicates,
        experiment.days,
        experiment.record_every,
        experiment.seed,
        str(path),
        "create",
        **experiment.warmup_args(),
    )
    try:
        with pytest.raises(OSError, match="being written"):
            cluster.merge([shard_files[0], path], tmp_path / "out.h5")
    finally:
        writer.close()
    assert cluster.merge([shard_files[0], path], tmp_path / "out.h5").done.sum() == 3


def test_merge_errors_for_missing_and_foreign_files(shard_files, tmp_path):
    with pytest.raises(ValueError, match="at least one"):
        cluster.merge([], tmp_path / "out.h5")
    with pytest.raises(FileNotFoundError, match="no results file"):
        cluster.merge([shard_files[0], tmp_path / "nope.h5"], tmp_path / "out.h5")
    foreign = tmp_path / "foreign.h5"
    with h5py.File(foreign, "w") as f:
        f["x"] = 1
    with pytest.raises(OSError, match="not a culturesim results file"):
        cluster.merge([shard_files[0], foreign], tmp_path / "out.h5")


# -- every experiment kind on every executor ---------------------------------------------------------
@pytest.fixture(scope="module")
def drawn_sweep():
    """A sweep over posterior draws: the kind of experiment with the most moving parts."""
    return cs.sweep(
        "typical", {"blame": [0.0, 1.0]}, others=["typical"], params=cs.open_posterior(), draws=2, **SMALL_DRAWS
    )


SMALL_DRAWS = dict(replicates=2, years=1, warmup_years=1, seed=3)


@pytest.fixture(scope="module")
def drawn_local(drawn_sweep, tmp_path_factory):
    path = tmp_path_factory.mktemp("drawn") / "local.h5"
    drawn_sweep.run(path, progress=False)
    return path


def test_a_sweep_over_draws_on_a_process_pool_equals_local(drawn_sweep, drawn_local, tmp_path):
    with ProcessPoolExecutor(2) as pool:
        res = drawn_sweep.run(tmp_path / "pool.h5", executor=pool, progress=False)
    assert res.complete and res.draws == 2 and res.swept == ["blame"]
    assert_same_results(drawn_local, tmp_path / "pool.h5")


def test_a_sweep_over_draws_on_dask_equals_local(drawn_sweep, drawn_local, dask_client, tmp_path):
    res = drawn_sweep.run(tmp_path / "dask.h5", executor=dask_client, progress=False)
    assert res.complete and res.draws == 2
    assert_same_results(drawn_local, tmp_path / "dask.h5")


def test_a_sweep_over_draws_in_shards_merges_to_local(drawn_sweep, drawn_local, tmp_path):
    parts = []
    for i in range(2):
        parts.append(tmp_path / f"part-{i}.h5")
        cluster.run_shard(drawn_sweep, parts[-1], i, 2, progress=False)
    res = cluster.merge(parts, tmp_path / "merged.h5")
    assert res.complete and res.draws == 2
    assert_same_results(drawn_local, tmp_path / "merged.h5")
    table = res.sweep_table("harm_events")  # the merged file analyses like the local one
    assert (table["sources"] == "parameters and run-to-run").all()


def test_what_executors_cannot_carry_is_refused_with_the_reason(tmp_path):
    with ThreadPoolExecutor(1) as pool:
        with pytest.raises(ValueError, match="breakdown .* on this machine only"):
            make_experiment(breakdown=True).run(tmp_path / "b.h5", executor=pool, progress=False)
        with pytest.raises(ValueError, match="save_state, start and record_warmup run on this machine only"):
            make_experiment(save_state=True).run(tmp_path / "s.h5", executor=pool, progress=False)
