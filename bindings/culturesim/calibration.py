"""Calibration: fit the uncertain parameters to the validation targets with ABC-SMC (pyabc).

The targets are those of ``culturesim.validation`` (MODEL.md section 7, levels under typical
practice) and ``culturesim.validation_changes`` (section 8.5, paired changes of a switch to Just
Culture), each with its band; this module copies none of their numbers. One simulation of a
parameter set is the default hospital warmed up under typical practice, then ``years`` years
staying typical (the levels, from quarterly snapshots) and, on the same random numbers,
switching to Just Culture (the changes over validation_changes.WINDOW).

The distance between a simulation and the targets is the root mean square, over targets, of
(value - band centre) / (band half-width): a value at a band's edge counts 1. A target the run
cannot measure (no events in the window) counts MISSING.

ABC-SMC (approximate Bayesian computation by sequential Monte Carlo; Toni et al. 2009, as
implemented by pyabc, Schaelte et al. 2022) draws from the priors of the parameter table, keeps
the parameter sets whose simulations land closest, and narrows the tolerance generation by
generation. Why pyabc: it is the established ABC-SMC library, runs on Dask and on any executor
with ``map`` (local processes, MPI), and keeps every generation in a database, so a calibration
can be resumed.

>>> import culturesim as cs
>>> post = cs.calibrate(particles=6, generations=1, years=2, warmup_years=1, cores=1, progress=False,
...                     params=["coach_effect", "culture_strain"], targets=["burnout_nurses", "harm_reported"])
>>> post.names
['coach_effect', 'culture_strain']
>>> len(post)
6
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
import math
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import prior_specs as _priors
from . import validation_changes as _changes
from .posterior import Posterior, open_posterior
from .validation import (
    MISSING,
    CalibrationTarget,
    all_targets,
    check_targets,
    distance,
    fitted_targets,
    simulate,
    simulation_seed,
    window_mean,
)
from .warmup import WARMUP_YEARS

#: The documented default calibration of the default hospital (docs/cli.md, docs/validation.md):
#: cs.calibrate() and `culturesim calibrate` without options.
DEFAULT = {"particles": 150, "generations": 10, "max_simulations": 5000}


class _Model:
    """The pyabc model: picklable (by reference to this module), so workers on other processes or
    machines can run it."""

    def __init__(self, targets, years, warmup_years, seed):
        self.targets, self.years, self.warmup_years, self.seed = list(targets), years, warmup_years, seed

    def __call__(self, parameter) -> dict[str, float]:
        values = _priors.values_from_unit(dict(parameter))  # pyabc works on the priors' quantiles
        return simulate(values, self.targets, self.years, self.warmup_years, simulation_seed(values, self.seed))


def twice_the_covariance(effective_particles: float, dimensions: int) -> float:
    """pyabc bandwidth selector: the perturbation kernel is a normal with twice the weighted
    covariance of the previous generation (Beaumont et al. 2009, Biometrika 96:983). pyabc's
    default (Silverman's rule) gives 12 parameters under half the covariance; so narrow a kernel
    leaves proposals thin between particles, and the importance weights (prior over proposal
    density) of the particles accepted there dominate: effective sample sizes fell to 2 of 150."""
    return math.sqrt(2.0)


class _Distance:
    def __init__(self, targets):
        self.targets = list(targets)

    def __call__(self, x: dict[str, float], x0: dict[str, float]) -> float:
        return distance(x, self.targets)


# -- the calibration ----------------------------------------------------------------------------------
def _sampler(executor: Any, cores: int | None):
    """A pyabc sampler on the same executors as Experiment: this machine's processes (None), a
    concurrent.futures Executor (ProcessPoolExecutor, mpi4py's MPIPoolExecutor) or a dask Client.
    Returns (sampler, executor to shut down or None)."""
    from pyabc import sampler as samplers

    from .cluster import _is_dask_client

    if executor is None:
        n = cores if cores is not None else (os.cpu_count() or 1)
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"cores must be a whole number of at least 1, got {cores!r}")
        if n == 1:
            return samplers.SingleCoreSampler(), None
        from .processes import spawn_pool

        pool = spawn_pool(n)  # spawned processes; a script needs the __main__ guard (culturesim.processes)
        return samplers.MappingSampler(map_=pool.map), pool
    if _is_dask_client(executor):
        return samplers.DaskDistributedSampler(dask_client=executor), None
    if isinstance(executor, cf.Executor):
        return samplers.MappingSampler(map_=executor.map), None
    raise ValueError(
        "executor must be None (this machine's cores), a concurrent.futures Executor (ProcessPoolExecutor, "
        f"mpi4py.futures.MPIPoolExecutor) or a dask.distributed.Client, got {type(executor).__name__}"
    )


def _positive(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a whole number of at least 1, got {value!r}")
    return int(value)


def calibrate(
    path: str | os.PathLike | None = None,
    params: Sequence[str] | None = None,
    targets: Sequence[str] | None = None,
    particles: int = DEFAULT["particles"],
    generations: int = DEFAULT["generations"],
    years: float = _changes.WINDOW[1],
    warmup_years: float = WARMUP_YEARS,
    seed: int = 0,
    max_simulations: int | None = DEFAULT["max_simulations"],
    executor: Any = None,
    cores: int | None = None,
    resume: bool = False,
    force: bool = False,
    progress: bool = True,
    prior: Any = None,
) -> Posterior:
    """Fits the uncertain parameters to the validation targets by ABC-SMC; returns the Posterior.

    path: the posterior file (HDF5) to write after each generation; its pyabc database sits beside
    it (``<path>.abc.db``). An existing file is refused unless ``resume`` (continue it: the
    finished generations are kept, up to ``generations`` in all) or ``force`` (start again).
    params: the uncertain parameters to fit (default: every parameter with a prior, cs.priors()).
    targets: target names (default: ``fitted_targets()``, every target but those only checked). particles: the population size of
    each generation. years: simulated years after the warm-up (at least the end of the changes'
    window, 5). max_simulations: stop once this many simulations ran (a budget; None: no budget). executor/cores:
    where simulations run (see Experiment.run); cores is for this machine only.

    A hospital's own figures: ``targets=cs.local_targets("ours.toml")`` fits them, simulating that
    hospital (culturesim.hospital_targets). prior: "priors" (the parameter table's), "shipped" (the
    posterior shipped with the package, as culturesim.prior_specs.posterior_prior carries it) or a
    Posterior; default "shipped" for a hospital's figures (the priors if none is shipped), the
    priors for the literature targets.

    The seed fixes each simulation's random numbers given its parameters; pyabc's proposals drawn
    in parallel workers are not reproducible bit for bit.
    """
    from .hospital_targets import LocalTargets, _LocalModel

    local = targets if isinstance(targets, LocalTargets) else None
    names = _priors.check_names(params)
    chosen = local.targets if local is not None else check_targets(targets)
    prior_post, prior_name = _prior(prior, local is not None)
    particles = _positive(particles, "particles")
    generations = _positive(generations, "generations")
    if max_simulations is not None:
        max_simulations = _positive(max_simulations, "max_simulations")
    if isinstance(years, bool) or not isinstance(years, (int, float)) or not math.isfinite(years):
        raise ValueError(f"years must be a number of years, got {years!r}")
    if any(t.kind not in ("level", "local") for t in chosen) and years < _changes.WINDOW[1]:
        raise ValueError(
            f"years = {years:g} is too short: the changes are measured over years {_changes.WINDOW[0]:g} to "
            f"{_changes.WINDOW[1]:g} after the switch, so years must be at least {_changes.WINDOW[1]:g}"
        )
    from .result import _seed
    from .warmup import warmup

    warmup(warmup_years, "typical")  # checks the number
    seed = _seed(seed)
    if resume and force:
        raise ValueError("choose one of resume (continue the file) or force (start it again)")

    from . import safe_write as sw

    temporary = path is None
    if not temporary:  # the rule for every writer (docs/safety.md), before any simulation
        sw.check_outputs([sw.Output(path, "posterior")], force=force, resume=resume, flags=sw.PYTHON)
    import pyabc

    path = "" if temporary else os.fspath(path)
    db_path = path + ".abc.db"
    final = path
    replacement = None
    settings = {
        "params": names,
        "targets": [t.name for t in chosen],
        "particles": particles,
        "years": float(years),
        "warmup_years": float(warmup_years),
        "seed": seed,
    }
    if local is not None:
        settings.update(local=local.settings(), prior=prior_name)
    previous_seconds, run_id = 0.0, None
    if not temporary and (os.path.exists(path) or os.path.exists(db_path)):
        if force and os.path.exists(path):
            # Written aside (posterior and database), moved over the old ones only when finished:
            # until then the old posterior stays, also after Ctrl-C.
            replacement = sw.Replacement(path, force=True)
            path = replacement.target
            db_path = path + ".abc.db"
        elif force:  # a database without its posterior: nothing finished to keep
            os.remove(db_path)
        elif not resume:
            raise FileExistsError(
                f"posterior file '{path}' (or its database '{db_path}') already exists; pass force=True (--force) "
                "to replace it, or resume=True (--resume) to continue it"
            )
        else:
            if not os.path.exists(db_path):
                raise FileNotFoundError(f"cannot resume '{path}': its pyabc database '{db_path}' is missing")
            if os.path.exists(path):
                old = open_posterior(path)
                differ = {k: (old.settings.get(k), v) for k, v in settings.items() if old.settings.get(k) != v}
                if differ:
                    shown = "; ".join(f"{k}: file {a!r}, now {b!r}" for k, (a, b) in differ.items())
                    raise ValueError(f"cannot resume '{path}' with different settings ({shown})")
                previous_seconds = float(old.provenance["wall_seconds"])
            run_id = 1

    sampler, pool = _sampler(executor, cores)
    tmpdir = tempfile.TemporaryDirectory(prefix="culturesim-calibrate-") if temporary else None
    if tmpdir is not None:
        path = os.path.join(tmpdir.name, "posterior.h5")
        db_path = path + ".abc.db"
    started = time.monotonic()
    logging.getLogger("ABC").setLevel(logging.WARNING)  # our own progress lines say what matters

    def fresh() -> pyabc.ABCSMC:
        # A new ABCSMC per generation, loaded from the database: pyabc caches its calibration
        # sample in the object, and a reused object would never narrow its tolerance.
        return pyabc.ABCSMC(
            _LocalModel(local, float(years), float(warmup_years), seed)
            if local is not None
            else _Model(chosen, float(years), float(warmup_years), seed),
            _priors.pyabc_prior(names) if prior_post is None else _priors.posterior_prior(prior_post, names),
            _Distance(chosen),
            population_size=particles,
            transitions=pyabc.MultivariateNormalTransition(bandwidth_selector=twice_the_covariance),
            sampler=sampler,
        )

    try:
        db_url = "sqlite:///" + os.path.abspath(db_path)
        np.random.seed(seed % 2**32)  # pyabc draws its proposals from numpy's global generator
        if run_id is None:
            history = fresh().new(db_url, {t.name: t.centre for t in chosen})
            run_id = history.id
        history = _history(pyabc, db_url, run_id, db_path)
        while history.max_t + 1 < generations:
            if max_simulations is not None and history.max_t >= 0 and history.total_nr_simulations >= max_simulations:
                break
            if progress:
                print(f"calibrate: generation {history.max_t + 2} of {generations} ...", file=sys.stderr, flush=True)
            abc = fresh()
            abc.load(db_url, run_id)
            history = abc.run(
                max_nr_populations=1,
                max_total_nr_simulations=max_simulations if max_simulations is not None else np.inf,
            )
            post = _posterior(history, chosen, names, settings, previous_seconds + time.monotonic() - started)
            if not temporary:
                post.save(path, force=True)
            if progress:
                g = post.generations.iloc[-1]
                print(
                    f"calibrate: generation {int(g['t']) + 1}: tolerance {g['epsilon']:.3g}, "
                    f"{int(g['simulations'])} simulations, acceptance {g['acceptance']:.1%}",
                    file=sys.stderr,
                    flush=True,
                )
        post = _posterior(history, chosen, names, settings, previous_seconds + time.monotonic() - started)
        if not temporary:
            post.save(path, force=True)
        if replacement is not None:
            replacement.publish(extra=[(db_path, final + ".abc.db")])
            path = final
        post.path = None if temporary else path
        return post
    finally:
        if replacement is not None:  # interrupted or failed: the new files go, the old ones stay
            replacement.discard()
            if os.path.exists(db_path) and db_path != final + ".abc.db":
                os.remove(db_path)
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        if tmpdir is not None:
            tmpdir.cleanup()


def _prior(prior: Any, local: bool) -> tuple[Posterior | None, str]:
    """(the posterior to start from or None for the priors, how the file names it)."""
    from .posterior import SHIPPED

    if prior is None:
        prior = "shipped" if local and os.path.exists(SHIPPED) else "priors"
    if isinstance(prior, Posterior):
        return prior, f"posterior {prior.path or '(in memory)'}"
    if prior == "priors":
        return None, "priors"
    if prior == "shipped":
        return open_posterior(), "shipped posterior"
    if isinstance(prior, (str, os.PathLike)) and os.fspath(prior).endswith(".h5"):
        return open_posterior(prior), f"posterior {os.fspath(prior)}"
    raise ValueError(f"prior must be 'priors', 'shipped', a posterior file (.h5) or a cs.Posterior, got {prior!r}")


def _history(pyabc, db_url: str, run_id: int, db_path: str):
    """The pyabc history of a database, or ValueError naming the file when it is not one."""
    try:
        history = pyabc.History(db_url, _id=run_id)
        history.max_t  # reads the database: a damaged one fails here, not mid-calibration
        return history
    except Exception as exc:  # noqa: BLE001 - SQLAlchemy's DatabaseError and kin
        if type(exc).__module__.split(".")[0] not in ("sqlalchemy", "sqlite3"):
            raise
        raise ValueError(
            f"cannot resume from the pyabc database '{db_path}': it is damaged or not a pyabc database "
            f"({type(exc).__name__}); start again with force=True (--force)"
        ) from None


def _posterior(history, targets, names, settings, seconds: float) -> Posterior:
    import pyabc

    frame, weights = history.get_distribution(m=0)
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0]
    rows = []
    for _, row in pops.iterrows():
        t = int(row["t"])
        rows.append(
            {
                "t": t,
                "epsilon": float(row["epsilon"]),
                "simulations": int(row["samples"]),
                "particles": int(history.get_nr_particles_per_population().get(t, 0)),
            }
        )
    for r in rows:
        r["acceptance"] = r["particles"] / r["simulations"] if r["simulations"] else float("nan")
    sims = int(sum(r["simulations"] for r in rows))
    accepted = int(sum(r["particles"] for r in rows))
    provenance = {
        "library": "pyabc",
        "library_version": pyabc.__version__,
        "method": (
            "ABC-SMC (pyabc.ABCSMC: adaptive median epsilon, multivariate normal transitions with twice the "
            "weighted covariance, on the priors' quantiles)"
        ),
        "simulations": sims,
        "acceptance": accepted / sims if sims else float("nan"),
        "wall_seconds": float(seconds),
        "distance": "root mean square over targets of (value - band centre) / band half-width",
    }
    quantiles = frame[list(names)].to_numpy(dtype=float)
    return Posterior(
        names=list(names),
        values=np.column_stack([_priors.from_unit(n, quantiles[:, k]) for k, n in enumerate(names)]),
        weights=np.asarray(weights, dtype=float),
        targets=[
            {"name": t.name, "kind": t.kind, "low": t.band[0], "high": t.band[1], "what": t.what, "source": t.source}
            for t in targets
        ],
        priors=[
            {"name": n, **{k: _priors.PRIORS[n][k] for k in ("distribution", "low", "high", "basis")}} for n in names
        ],
        generations=rows,
        provenance=provenance,
        settings=settings,
    )


def remove(path: str | os.PathLike) -> None:
    """Removes a posterior file and its pyabc database."""
    for p in (os.fspath(path), os.fspath(path) + ".abc.db"):
        if os.path.exists(p):
            os.remove(p)


__all__ = [
    "CalibrationTarget",
    "MISSING",
    "all_targets",
    "calibrate",
    "check_targets",
    "distance",
    "fitted_targets",
    "simulate",
    "simulation_seed",
    "window_mean",
]
