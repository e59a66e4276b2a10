"""`culturesim calibrate`: the command line of cs.calibrate (registered by culturesim.cli)."""

from __future__ import annotations

import argparse
import os
import time


def add_parser(sub, positive_int, seed, years) -> None:
    """Adds the calibrate command to the subparsers of culturesim's parser."""
    from .calibration import DEFAULT, all_targets, fitted_targets
    from .prior_specs import PRIORS

    p = sub.add_parser(
        "calibrate",
        help="fit the uncertain parameters to the validation targets (ABC-SMC, pyabc)",
        description="Fits the parameters with a prior (culturesim params --priors; docs/parameters.md) to the "
        "validation targets (docs/validation.md) by ABC-SMC with pyabc, and writes the posterior (weighted "
        "parameter sets with provenance) to an HDF5 file, after each generation.",
    )
    p.add_argument(
        "-o", "--output", default="posterior.h5", metavar="OUT.h5", help="posterior file (default posterior.h5)"
    )
    p.add_argument(
        "--particles",
        type=positive_int,
        default=DEFAULT["particles"],
        help=f"particles per generation (default {DEFAULT['particles']})",
    )
    p.add_argument(
        "--generations",
        type=positive_int,
        default=DEFAULT["generations"],
        help=f"ABC-SMC generations (default {DEFAULT['generations']})",
    )
    p.add_argument(
        "--max-simulations",
        type=positive_int,
        default=DEFAULT["max_simulations"],
        help=f"stop after this many simulations (default {DEFAULT['max_simulations']}: about 25 minutes on 2 cores)",
    )
    p.add_argument("--years", type=years, default=5.0, help="simulated years after the warm-up (default 5)")
    p.add_argument("--warmup-years", type=years, default=None, help="warm-up years (default: the engine's, 20)")
    p.add_argument(
        "--params",
        metavar="NAME,...",
        help=f"the parameters to fit (default all with a prior: {', '.join(PRIORS)})",
    )
    p.add_argument(
        "--targets",
        metavar="NAME,...",
        help=f"the targets (default: {', '.join(fitted_targets())}; also allowed: "
        f"{', '.join(n for n in all_targets() if n not in fitted_targets())}, which the default only checks); "
        "or a hospital's own figures: a .toml file (docs/hospital-figures.md)",
    )
    p.add_argument(
        "--hospital",
        metavar="FILE.toml",
        help="with --targets FILE.toml: the file whose [hospital] to simulate (default: the figures file's own)",
    )
    p.add_argument(
        "--prior",
        metavar="WHAT",
        help="where the calibration starts: 'priors', 'shipped' (the shipped posterior) or a posterior file .h5 "
        "(default: shipped for a hospital's figures, priors for the literature targets)",
    )
    p.add_argument("--seed", type=seed, default=0, help="random seed (default 0)")
    p.add_argument("--cores", type=positive_int, help="local processes (default: all cores)")
    p.add_argument(
        "--check",
        type=positive_int,
        metavar="DRAWS",
        help="afterwards, a posterior predictive check with this many draws",
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="ADDRESS", help="run on a Dask cluster: scheduler address")
    where.add_argument("--scheduler-file", metavar="FILE", help="run on the Dask cluster described by this file")
    where.add_argument(
        "--mpi",
        action="store_true",
        help="run on MPI ranks: mpiexec -n N python -m mpi4py.futures -m culturesim calibrate ... --mpi",
    )
    exclusive = p.add_mutually_exclusive_group()
    exclusive.add_argument("--force", action="store_true", help="replace an existing posterior file")
    exclusive.add_argument("--resume", action="store_true", help="continue an existing posterior file")
    p.add_argument("--no-progress", dest="progress", action="store_false", help="no progress lines")
    from .provenance import add_option

    add_option(p)
    p.set_defaults(func=cmd_calibrate)


def _names(text: str | None) -> list[str] | None:
    return None if text is None else [n.strip() for n in text.split(",") if n.strip()]


def _targets(args: argparse.Namespace):
    """The --targets: literature target names, or a hospital's figures file (with --hospital)."""
    if args.targets is not None and args.targets.strip().endswith(".toml"):
        from .hospital_targets import local_targets

        return local_targets(args.targets.strip(), hospital=args.hospital)
    if args.hospital is not None:
        raise ValueError("--hospital goes with --targets FILE.toml (a hospital's own figures)")
    return _names(args.targets)


def cmd_calibrate(args: argparse.Namespace) -> int:
    from . import cluster
    from . import safe_write as sw
    from .calibration import calibrate
    from .hospital_targets import LocalTargets, check
    from .validation import predictive
    from .warmup import WARMUP_YEARS

    # The rule for every writer, with this command's flags in its advice, before any simulation.
    sw.check_outputs([sw.Output(args.output, "posterior")], force=args.force, resume=args.resume)
    args.writing = args.output
    kwargs = dict(
        params=_names(args.params),
        targets=_targets(args),
        prior=args.prior,
        particles=args.particles,
        generations=args.generations,
        years=args.years,
        warmup_years=WARMUP_YEARS if args.warmup_years is None else args.warmup_years,
        seed=args.seed,
        max_simulations=args.max_simulations,
        cores=args.cores,
        resume=args.resume,
        force=args.force,
        progress=args.progress,
    )
    started = time.perf_counter()
    if args.mpi:
        with cluster.mpi_executor() as pool:
            post = calibrate(args.output, executor=pool, **kwargs)
    elif args.scheduler or args.scheduler_file:
        client = cluster.dask_client(scheduler=args.scheduler, scheduler_file=args.scheduler_file)
        try:
            post = calibrate(args.output, executor=client, **kwargs)
        finally:
            client.close()
    else:
        post = calibrate(args.output, **kwargs)
    print(post)
    print(post.generations.to_string(index=False))
    if args.check:
        if isinstance(kwargs["targets"], LocalTargets):
            table = check(post, kwargs["targets"], draws=args.check)
        else:
            table = predictive(post, draws=args.check, cores=args.cores)
        print(f"\nPosterior predictive check ({args.check} draws; 5-95% of the draws beside each band):")
        for name, row in table.iterrows():
            f = row["fmt"]
            print(
                f"  {name:<22} band {f.format(row['band_low'])} to {f.format(row['band_high'])}  "
                f"predicted {f.format(row['p05'])} to {f.format(row['p95'])}  "
                f"{'' if row['reaches'] else 'CANNOT REACH'}{'' if row['fitted'] else ' (checked, not fitted)'}".rstrip()
            )
    print(f"Posterior: {os.path.abspath(args.output)} (took {time.perf_counter() - started:.0f} s)")
    return 0
