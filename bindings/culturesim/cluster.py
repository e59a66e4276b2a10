"""Sweeps on a cluster: Dask distributed, MPI (mpi4py.futures), any concurrent.futures Executor,
and SLURM job arrays (shards merged afterwards).

The work of an experiment is split into tasks of (scenario, block of replicates). A task sends only
the scenario's plain description, the replicate numbers, days, record_every and the seed; a worker
runs the C++ ensemble on them (``_engine.run_block``) and returns a compact (replicate, output,
period) float64 array. The driver writes each run into the HDF5 file as its task finishes, with the
same writer (and so the same file layout) as a local run. Replicate r of every scenario uses the
random stream (seed, r) wherever it runs, so the file is bit-for-bit the one a local run writes.

>>> import culturesim as cs
>>> from concurrent.futures import ThreadPoolExecutor
>>> exp = cs.Experiment(["blame", "just_culture"], replicates=2, years=1)
>>> with ThreadPoolExecutor(2) as pool:
...     res = exp.run(executor=pool, progress=False)
>>> res.complete
True

See docs/cluster.md for the SLURM recipes, task sizing and measured scaling.
"""

from __future__ import annotations

import concurrent.futures as cf
import math
import os
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _engine, safe_write
from . import provenance as _provenance

if TYPE_CHECKING:  # pragma: no cover
    from .experiment import Experiment, ExperimentResult

__all__ = [
    "AGENT_DAYS_PER_SECOND",
    "TASK_SECONDS",
    "Task",
    "TaskError",
    "dask_client",
    "merge",
    "mpi_executor",
    "parse_shard",
    "plan_tasks",
    "run_on_executor",
    "run_shard",
    "run_task",
    "shard_runs",
]

#: Engine speed used to size tasks: simulated clinician-days per second on one core. Measured on
#: the reference machine: 37 to 40 million for hospitals of 100 to 4,000 clinicians under any
#: policy; 30 million leaves room for slower or shared cluster cores.
AGENT_DAYS_PER_SECOND = 30e6
#: Target duration of one task, in seconds of one core's time.
TASK_SECONDS = 3.0
#: When the number of workers is known, no task holds more than 1/TASKS_PER_WORKER of a worker's
#: share of the runs still to plan (so workers finish together and a lost worker costs little).
TASKS_PER_WORKER = 4

_CLUSTER_EXTRA = "pip install culturesim[cluster]"


# ----------------------------------------------------------------------------------------------
# Tasks


@dataclass(frozen=True)
class Task:
    """One unit of work: replicates ``replicates`` of scenario number ``scenario``."""

    scenario: int
    replicates: tuple[int, ...]

    def describe(self, experiment: "Experiment | None" = None) -> str:
        if experiment is None:
            return f"scenario {self.scenario}, replicates {_ranges(self.replicates)}"
        name = experiment.scenarios[self.scenario].name
        return f"scenario '{name}' (index {self.scenario}), replicates {_ranges(self.replicates)}"


class TaskError(RuntimeError):
    """A cluster task raised; the sweep stopped. ``task`` is the Task, ``__cause__`` the error."""

    def __init__(self, message: str, task: Task):
        super().__init__(message)
        self.task = task


def _engine_id() -> str:
    return f"{_engine.engine_version} ({_engine.build_info})"


def run_task(
    scenario: dict[str, Any],
    replicates: Sequence[int],
    days: int,
    record_every: int,
    seed: int,
    threads: int = 1,
    warmup_days: int = 0,
    warmup_policy: dict[str, float] | None = None,
) -> tuple[str, np.ndarray]:
    """Runs on a worker: the replicates of one scenario. Returns (engine id, (replicate, output,
    period) float64 array). Pure: the same inputs give the same array anywhere, so retrying is safe."""
    values = _engine.run_block(
        scenario,
        [int(r) for r in replicates],
        int(days),
        int(record_every),
        int(seed),
        int(threads),
        warmup_days=int(warmup_days),
        warmup_policy=warmup_policy,
    )
    return _engine_id(), values


def plan_tasks(
    experiment: "Experiment",
    runs: Sequence[tuple[int, int]] | None = None,
    *,
    block: int | None = None,
    task_seconds: float = TASK_SECONDS,
    workers: int | None = None,
) -> list[Task]:
    """Splits runs (default: every run) into tasks of one scenario's replicates, scenario-major.

    Rule: a run costs clinicians x days / AGENT_DAYS_PER_SECOND seconds of one core; a task gets
    floor(task_seconds / that) replicates (at least 1), or at most ``block`` if given. When
    ``workers`` is known (and no ``block``), a task also holds at most ceil(remaining runs /
    (TASKS_PER_WORKER x workers)) replicates, so every worker gets several tasks and the last tasks
    shrink to single runs: workers finish together (guided self-scheduling). Otherwise a
    scenario's replicates are split into blocks of nearly equal size.
    """
    if runs is None:
        runs = [(s, r) for s in range(len(experiment.scenarios)) for r in range(experiment.replicates)]
    by_scenario: dict[int, list[int]] = {}
    for s, r in runs:
        by_scenario.setdefault(int(s), []).append(int(r))
    if block is not None:
        if isinstance(block, bool) or not isinstance(block, (int, np.integer)) or block < 1:
            raise ValueError(f"block must be a whole number of replicates, at least 1, got {block!r}")
        workers = None
    elif not task_seconds > 0:
        raise ValueError(f"task_seconds must be positive, got {task_seconds!r}")
    remaining = sum(len(set(v)) for v in by_scenario.values())
    tasks = []
    for s in sorted(by_scenario):
        reps = sorted(set(by_scenario[s]))
        if block is not None:
            size = int(block)
        else:
            run_seconds = experiment.scenarios[s].clinicians * experiment.days / AGENT_DAYS_PER_SECOND
            size = max(1, int(task_seconds // max(run_seconds, 1e-9)))
        if workers:
            while reps:
                n = min(size, max(1, math.ceil(remaining / (TASKS_PER_WORKER * workers))))
                tasks.append(Task(s, tuple(reps[:n])))
                reps, remaining = reps[n:], remaining - n
        else:
            for part in np.array_split(np.asarray(reps), math.ceil(len(reps) / size)):
                tasks.append(Task(s, tuple(int(r) for r in part)))
    return tasks


# ----------------------------------------------------------------------------------------------
# Executors


def dask_client(scheduler: str | None = None, scheduler_file: str | os.PathLike | None = None):
    """A dask.distributed Client: connected to ``scheduler`` (an address like tcp://host:8786), or
    to the scheduler described by ``scheduler_file`` (as written by ``dask scheduler
    --scheduler-file``, dask-mpi or dask-jobqueue), or else a LocalCluster of one single-threaded
    worker process per core."""
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(f"Dask sweeps need dask.distributed: {_CLUSTER_EXTRA}") from exc
    if scheduler is not None and scheduler_file is not None:
        raise ValueError("give a scheduler address or a scheduler file, not both")
    if scheduler_file is not None:
        scheduler_file = os.fspath(scheduler_file)
        _scheduler_address(scheduler_file)  # a clear error for a file Dask cannot read
        return Client(scheduler_file=scheduler_file)
    if scheduler is not None:
        return Client(scheduler)
    # The client owns this cluster: client.close() shuts it down.
    return Client(n_workers=os.cpu_count() or 1, threads_per_worker=1, processes=True, dashboard_address=":0")


def _scheduler_address(path: str) -> str:
    """The address in a Dask scheduler file (JSON with an "address"), or ValueError naming the file."""
    import json

    from .safe_write import MAX_SIDE_FILE_BYTES, read_input

    raw = read_input(path, "Dask scheduler file", MAX_SIDE_FILE_BYTES)
    try:
        info = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(
            f"'{path}' is not a Dask scheduler file: not JSON ({exc}); give the file `dask scheduler "
            "--scheduler-file FILE` wrote"
        ) from None
    address = info.get("address") if isinstance(info, dict) else None
    if not isinstance(address, str) or not address:
        raise ValueError(f"'{path}' is not a Dask scheduler file: it has no \"address\" (such as tcp://host:8786)")
    return address


def mpi_executor():
    """An mpi4py.futures.MPIPoolExecutor. Run the driver as
    ``mpiexec -n N python -m mpi4py.futures script.py`` (N-1 ranks become workers)."""
    try:
        from mpi4py.futures import MPIPoolExecutor
    except ImportError as exc:
        raise ImportError(f"MPI sweeps need mpi4py (and an MPI library such as OpenMPI): {_CLUSTER_EXTRA}") from exc
    return MPIPoolExecutor()


def _is_dask_client(executor: Any) -> bool:
    return type(executor).__module__.split(".")[0] == "distributed" and hasattr(executor, "scheduler_info")


class _Backend:
    """The few operations the driver needs, for concurrent.futures executors."""

    def __init__(self, executor: cf.Executor):
        self.executor = executor

    def workers(self) -> int | None:
        n = getattr(self.executor, "_max_workers", None)
        return n if isinstance(n, int) and n > 0 else None

    def submit_all(self, tasks: list[Task], args: list[tuple], token: str) -> list:
        return [self.executor.submit(run_task, *a) for a in args]

    def as_completed(self, futures) -> Iterator:
        return cf.as_completed(futures)

    def succeeded(self, future) -> bool:
        return future.done() and not future.cancelled() and future.exception() is None

    def cancel(self, futures) -> None:
        for f in futures:
            f.cancel()


class _DaskBackend(_Backend):
    def __init__(self, client, retries: int):
        self.executor = client
        self.retries = retries

    def workers(self) -> int | None:
        try:
            return sum(self.executor.nthreads().values()) or None
        except Exception:  # noqa: BLE001 - only a sizing hint
            return None

    def submit_all(self, tasks: list[Task], args: list[tuple], token: str) -> list:
        # One batch (client.map) rather than a message per task; keys show in the dashboard.
        keys = [f"culturesim-block-{token}-{t.scenario}-{t.replicates[0]}" for t in tasks]
        return self.executor.map(run_task, *zip(*args), key=keys, pure=False, retries=self.retries or None)

    def as_completed(self, futures) -> Iterator:
        from distributed import as_completed

        return iter(as_completed(futures))

    def succeeded(self, future) -> bool:
        return future.status == "finished"

    def cancel(self, futures) -> None:
        if futures:
            try:
                self.executor.cancel(list(futures))
            except Exception:  # noqa: BLE001 - best effort while stopping
                pass


def _backend(executor: Any, retries: int) -> _Backend:
    if _is_dask_client(executor):
        return _DaskBackend(executor, retries)
    if isinstance(executor, cf.Executor):
        return _Backend(executor)
    raise TypeError(
        "executor must be a concurrent.futures.Executor (ProcessPoolExecutor, mpi4py's "
        f"MPIPoolExecutor, ...) or a dask.distributed.Client, got {type(executor).__name__}"
    )


# ----------------------------------------------------------------------------------------------
# The driver


def run_on_executor(
    experiment: "Experiment",
    path: str | os.PathLike,
    executor: Any,
    mode: str = "create",
    progress: bool = True,
    runs: Sequence[tuple[int, int]] | None = None,
    *,
    block: int | None = None,
    task_seconds: float = TASK_SECONDS,
    threads: int = 1,
    retries: int = 0,
    max_disk: float | None = None,
    provenance: dict[str, Any] | None = None,
) -> int:
    """Runs an experiment's runs as tasks on ``executor`` and writes them into ``path``.

    executor: a concurrent.futures.Executor (ProcessPoolExecutor, mpi4py.futures.MPIPoolExecutor,
    ...) or a dask.distributed.Client. mode: 'create' (refuse an existing file), 'overwrite' or
    'resume' (runs already done in the file are not recomputed). runs: only these (scenario,
    replicate) pairs. block / task_seconds: replicates per task, or the target task duration
    (see plan_tasks). threads: engine threads per task (1 suits one task per core). retries: Dask
    only, how often a task that raised is tried again (a task lost with a killed worker is always
    rescheduled by Dask, independently of this). max_disk: bytes the results may take on disk
    (default: the free space), checked before anything is written. provenance: what a new file
    records about its making (default ``cs.provenance.collect()``).

    The driver writes each run as its task finishes. A task that raises stops the sweep: pending
    tasks are cancelled, the runs already finished stay in the file, and TaskError names the
    scenario, the replicates and the error. Ctrl-C likewise cancels, keeps what finished and
    re-raises KeyboardInterrupt. Returns the number of runs written.
    """
    path = os.fspath(path)
    backend = _backend(executor, retries)
    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or threads < 0:
        raise ValueError(f"threads must be 0 (all cores) or a positive whole number, got {threads!r}")
    n_s, n_r = len(experiment.scenarios), experiment.replicates
    if runs is not None:
        runs = [(int(s), int(r)) for s, r in runs]
        for s, r in runs:
            if not (0 <= s < n_s and 0 <= r < n_r):
                raise ValueError(
                    f"run (scenario {s}, replicate {r}) is outside the experiment ({n_s} scenarios x {n_r} replicates)"
                )
    dicts = experiment.scenario_dicts()
    # An overwrite is written aside and replaces the old file only once complete (docs/safety.md).
    target = safe_write.results_target(path, mode)
    try:
        written = _write_tasks(
            experiment,
            target.target,
            target.mode,
            backend,
            runs,
            dicts,
            threads,
            progress,
            block,
            task_seconds,
            max_disk,
            provenance,
        )
        target.publish()
        return written
    finally:
        target.discard()


def _write_tasks(
    experiment, path, mode, backend, runs, dicts, threads, progress, block, task_seconds, max_disk, provenance
) -> int:
    """run_on_executor's work: the engine's writer for ``path`` in ``mode``, fed by the tasks."""
    n_r = experiment.replicates
    writer = _engine.ResultsWriter(
        dicts,
        n_r,
        experiment.days,
        experiment.record_every,
        experiment.seed,
        path,
        mode,
        max_disk=max_disk or 0.0,
        provenance=provenance if provenance is not None else _provenance.collect(),
        **experiment.warmup_args(),
    )
    try:
        pending = set(writer.pending())
        # Each pending run once, in the order asked (a run listed twice is written once).
        todo = list(dict.fromkeys(run for run in (runs if runs is not None else sorted(pending)) if run in pending))
        tasks = plan_tasks(
            experiment,
            todo,
            block=block,
            task_seconds=task_seconds,
            workers=None if block is not None else backend.workers(),
        )
        return _drive(experiment, writer, backend, tasks, dicts, threads, progress)
    finally:
        writer.close()


def _drive(experiment, writer, backend: _Backend, tasks: list[Task], dicts, threads: int, progress: bool) -> int:
    if not tasks:
        return 0
    token = uuid.uuid4().hex[:8]
    expected = _engine_id()
    total = sum(len(t.replicates) for t in tasks)
    bar = _bar(total) if progress else None
    futures: dict[Any, Task] = {}
    written = 0

    def outcome(future) -> np.ndarray:
        """The task's array; raises what the task raised (or a build mismatch)."""
        engine, values = future.result()
        if engine != expected:
            raise RuntimeError(
                f"a worker runs culturesim engine {engine}, the driver {expected}; "
                "install the same culturesim build everywhere so results are identical"
            )
        return values

    def write(task: Task, values: np.ndarray) -> None:
        nonlocal written
        for i, r in enumerate(task.replicates):
            writer.write(task.scenario, r, values[i])
        written += len(task.replicates)
        if bar is not None:
            bar.update(len(task.replicates))

    def stop_and_keep_finished() -> None:
        """Cancels what has not finished and writes what has (best effort)."""
        backend.cancel(list(futures))
        for future, task in list(futures.items()):
            if backend.succeeded(future):
                try:
                    write(task, outcome(future))
                except Exception:  # noqa: BLE001 - keep stopping
                    pass
        futures.clear()

    try:
        warm = experiment.warmup_args()
        args = [
            (
                dicts[t.scenario],
                list(t.replicates),
                experiment.days,
                experiment.record_every,
                experiment.seed,
                threads,
                warm["warmup_days"],
                warm["warmup_policy"],
            )
            for t in tasks
        ]
        futures.update(zip(backend.submit_all(tasks, args, token), tasks))
        for future in backend.as_completed(list(futures)):
            task = futures.pop(future)
            try:
                values = outcome(future)
            except Exception as exc:
                stop_and_keep_finished()
                kept = writer.done_count
                raise TaskError(
                    f"cluster task failed: {task.describe(experiment)}: {type(exc).__name__}: {exc} -- "
                    f"the sweep stopped; {kept} of {experiment.n_runs} runs are in '{writer.path}' "
                    "(continue it with resume)",
                    task,
                ) from exc
            try:
                write(task, values)
            except BaseException:  # the file could not be written: stop too, keep what is in it
                backend.cancel(list(futures))
                futures.clear()
                raise
    except KeyboardInterrupt:
        stop_and_keep_finished()
        raise
    finally:
        if bar is not None:
            bar.close()
    return written


def _bar(total: int):
    from .progress import bar

    return bar(total, desc="sweep", unit="runs", dynamic_ncols=True)


def _ranges(values: Sequence[int]) -> str:
    """[0, 1, 2, 5, 7, 8] -> '0-2, 5, 7-8'."""
    out, start, prev = [], None, None
    for v in list(values) + [None]:
        if start is not None and (v is None or v != prev + 1):
            out.append(str(start) if start == prev else f"{start}-{prev}")
            start = None
        if v is not None and start is None:
            start = v
        prev = v
    return ", ".join(out)


# ----------------------------------------------------------------------------------------------
# Shards (SLURM job arrays) and merging


def parse_shard(text: str) -> tuple[int, int]:
    """'I/N' -> (I, N), with 0 <= I < N."""
    try:
        i, n = (int(x) for x in str(text).split("/"))
    except ValueError:
        raise ValueError(f"a shard is written I/N (e.g. 0/4 for the first of 4), got {text!r}") from None
    _check_shard(i, n)
    return i, n


def _check_shard(shard: int, n_shards: int) -> None:
    for name, v in (("shard", shard), ("n_shards", n_shards)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise ValueError(f"{name} must be a whole number, got {v!r}")
    if n_shards < 1 or not 0 <= shard < n_shards:
        raise ValueError(f"shard {shard}/{n_shards} does not exist: shards are numbered 0 to N-1, N >= 1")


def shard_runs(experiment: "Experiment", shard: int, n_shards: int) -> list[tuple[int, int]]:
    """The (scenario, replicate) runs of shard ``shard`` of ``n_shards``: every n_shards-th run in
    scenario-major order, starting at run number ``shard``. The shards partition the experiment."""
    _check_shard(shard, n_shards)
    n_r = experiment.replicates
    return [(i // n_r, i % n_r) for i in range(shard, experiment.n_runs, n_shards)]


def run_shard(
    experiment: "Experiment",
    path: str | os.PathLike,
    shard: int,
    n_shards: int,
    mode: str = "create",
    progress: bool = True,
    *,
    executor: Any = None,
    threads: int | None = None,
    description: str | None = None,
) -> "ExperimentResult":
    """Runs only the runs of shard I of N into ``path``, a file with the experiment's full layout
    (other shards' runs stay NaN and not done). Merge the shards' files with merge().
    description: free text for the file's provenance (see Experiment.run)."""
    if mode not in ("create", "overwrite", "resume"):
        raise ValueError(f"mode '{mode}' is not allowed; allowed: create, overwrite, resume")
    return experiment.run(
        path,
        executor=executor,
        progress=progress,
        resume=mode == "resume",
        force=mode == "overwrite",
        threads=threads,
        runs=shard_runs(experiment, shard, n_shards),
        description=description,
    )


def merge(parts: Sequence[str | os.PathLike], out: str | os.PathLike, force: bool = False) -> "ExperimentResult":
    """Merges the results files of shards of one experiment into ``out``, which gets every run done
    in any part.

    The engine does it (the same code that writes, resumes and verifies results files): every part
    is checked first (not being written, HDF5 structure, checksums of its definition and of every
    finished run), the parts must belong to the same experiment (same root attributes, layout and
    scenario definitions; otherwise ValueError names the first part that differs and what differs),
    and a run done in two parts must have bit-identical values in both. ``out`` is refused if it
    exists, unless ``force``, and must not be one of the parts. It is built under a temporary name
    and appears only when complete. A file that lacks runs can be finished later with
    Experiment.run(out, resume=True). No part is modified. ``out`` records the merge in its
    provenance (this command, its creation time, and each part's file, creation time and command
    under ``merged_from``) and keeps the parts' description.
    """
    from .experiment import open_results

    parts = [safe_write.check_input(p, "results file") for p in parts]
    out = os.fspath(out)
    safe_write.check_outputs([safe_write.Output(out, "results")], parts, force=force, flags=safe_write.PYTHON)
    made_by = _provenance.collect()
    del made_by["description"]  # the parts' description(s), unless one is given
    # Built aside and moved over an old file only when complete; of two at once, one wins.
    with safe_write.Replacement(out, force) as target:
        _engine.merge_results(parts, target.target, False, provenance=made_by)
    return open_results(out)
