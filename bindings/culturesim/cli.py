"""The ``culturesim`` command: run scenario files, sweep experiments, inspect and compare results.

    culturesim demo                                   # the main job (see docs/cli.md)
    culturesim run SCENARIO.toml -o out.h5            # one scenario x replicates
    culturesim sweep EXPERIMENT.toml -o out.h5        # every scenario x replicates
    culturesim info out.h5                            # what a results file holds
    culturesim compare out.h5 blame just_culture      # paired differences with 95% intervals
    culturesim compare out.h5 blame A B C --economics # several against a baseline, costs and ROI
    culturesim plot out.h5 -o fig.png                 # trajectories with bands over replicates
    culturesim report out.h5 -o report.html           # one self-contained page for a board
    culturesim levers --draws 20 -o levers.png        # which policy lever matters most
    culturesim merge part-*.h5 -o out.h5              # shards of a cluster sweep into one file
    culturesim params > defaults.toml                 # the default parameters as a scenario file

Exit status: 0 success, 2 bad input (a malformed or invalid file, an unknown name, an existing
output file, a bad option), 130 interrupted (finished runs are kept; --resume continues), 1 other
failures. Errors print one line, ``culturesim: error: ...``, without a traceback.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
import warnings
from collections.abc import Sequence
from typing import Any

from .metrics import COMPARED
from .provenance import add_option as add_provenance_option
from .text_tables import compare_text, economics_text, summary_table
from .text_tables import table as _table

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130

#: The outputs of the demo's table and of `compare` when no --metric is given.
COMPARE_METRICS = COMPARED
#: The demo's horizon: five years after day 0 (intervention studies followed hospitals for one to
#: five years), from today's (warmed-up) typical hospital.
DEMO_YEARS = 5


class _Failure(Exception):
    """An error already worded for the user (exit status 1, not bad input)."""


# -- small helpers ---------------------------------------------------------------------------------
def _err(*lines: str) -> None:
    for line in lines:
        print(line, file=sys.stderr)


def _message(exc: BaseException) -> str:
    if isinstance(exc, KeyError) and exc.args:
        return str(exc.args[0])
    text = str(exc)
    return text or type(exc).__name__


def _seconds(s: float) -> str:
    if s < 60:
        return f"{s:.1f} s"
    m, s = divmod(round(s), 60)
    return f"{m} min {s:02d} s" if m < 60 else f"{m // 60} h {m % 60:02d} min"


def _size(path: str) -> str:
    n = os.path.getsize(path)
    for unit in ("bytes", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000
    return ""  # pragma: no cover


def _check_output(
    path: str, force: bool, resume: bool, kind: str = "results", inputs: Sequence[str] = (), also: Sequence = ()
) -> None:
    """The rule for every command that writes (culturesim.safe_write, docs/safety.md), before
    anything is run: ``path`` (and the outputs ``also``) against the inputs and each other, and
    --force only over a file of the kind written. Advice names --resume only where it exists."""
    from . import safe_write as sw

    flags = sw.CLI if resume is not None else {k: v for k, v in sw.CLI.items() if k != "resume"}
    sw.check_outputs([sw.Output(path, kind), *also], inputs, force=force, resume=bool(resume), flags=flags)


def _mode(args: argparse.Namespace) -> str:
    return "resume" if args.resume else ("overwrite" if args.force else "create")


def _done_before(path: str, resume: bool) -> int:
    if not (resume and os.path.exists(path)):
        return 0
    try:
        from .experiment import open_results

        return int(open_results(path).done.sum())
    except Exception:  # noqa: BLE001 - the engine gives the real error when it resumes
        return 0


def _open(path: str):
    from .experiment import open_results

    if not os.path.exists(path):
        raise FileNotFoundError(f"no results file at '{path}'")
    try:
        return open_results(path)
    except (OSError, KeyError) as exc:
        text = _message(exc)
        if path in text:
            raise OSError(text) from None
        raise OSError(f"cannot read '{path}' as a culturesim results file: {text}") from None


def _report_run(res: Any, path: str, seconds: float, ran: int, before: int) -> None:
    done = int(res.done.sum())
    if ran == 0 and before == done:
        print(f"Nothing to run: all {done} runs were already done in '{path}'.")
    else:
        extra = f" ({before} were already done)" if before else ""
        print(
            f"Wrote '{path}' ({_size(path)}): {len(res.scenarios)} scenario{'s' if len(res.scenarios) != 1 else ''} "
            f"x {_draws_text(res)}{res.replicates} replicates x {res.years:g} years, {done}/{res.done.size} runs done{extra}, "
            f"in {_seconds(seconds)}."
        )
    print()
    print(summary_table(res))


# -- commands --------------------------------------------------------------------------------------
def _load(args: argparse.Namespace):
    from . import plan, toml_io

    # Sizes before work: the whole plan against the limits before the file is expanded.
    plan.check(args.file, years=args.years, replicates=args.replicates, output=args.output, **_resources(args))
    return toml_io.load_experiment(args.file, years=args.years, replicates=args.replicates, seed=args.seed)


def cmd_run(args: argparse.Namespace) -> int:
    from . import toml_io
    from .experiment import Experiment

    _check_output(args.output, args.force, args.resume, inputs=[args.file])  # outputs before any work
    exp = _load(args)
    scenario = toml_io.pick_scenario(exp, args.scenario, args.file)
    exp = Experiment(
        [scenario],
        replicates=exp.replicates,
        years=exp.years,
        seed=exp.seed,
        record_every=exp.recording,
        warmup_years=exp.warmup_years,
        warmup_policy=exp.warmup_policy,
        # every other run setting of the file too: none may be dropped silently
        start=exp.start,
        save_state=exp.save_state,
        record_warmup=exp.record_warmup,
        breakdown=exp.breakdown,
        params=exp.draw_sets,  # the file's parameter draws ([params] posterior, draws), as sampled
    )
    args.writing = args.output
    before = _done_before(args.output, args.resume)
    started = time.perf_counter()
    res = _run_here(exp, args)
    _report_run(res, args.output, time.perf_counter() - started, int(res.done.sum()) - before, before)
    return EXIT_OK


def _run_here(exp: Any, args: argparse.Namespace) -> Any:
    """Runs ``exp`` on this machine's cores with the command line's run options (run and sweep)."""
    return exp.run(
        args.output,
        progress=args.progress,
        resume=args.resume,
        force=args.force,
        description=args.description,
        **_resources(args),
    )


def _resources(args: argparse.Namespace) -> dict[str, Any]:
    """The command line's threads and limits, as the plan check and the run take them."""
    return {"threads": args.threads, "max_memory": args.max_memory, "max_disk": args.max_disk}


def cmd_sweep(args: argparse.Namespace) -> int:
    from .experiment import open_results

    _check_output(args.output, args.force, args.resume, inputs=[args.file, *filter(None, [args.scheduler_file])])
    exp = _load(args)
    args.writing = args.output
    before = _done_before(args.output, args.resume)
    started = time.perf_counter()
    mode = _mode(args)
    if args.scheduler or args.scheduler_file or args.mpi or args.shard:
        from . import cluster
        from .provenance import collect

        if args.shard:
            shard, n_shards = cluster.parse_shard(args.shard)
            cluster.run_shard(
                exp,
                args.output,
                shard,
                n_shards,
                mode=mode,
                progress=args.progress,
                threads=args.threads,
                description=args.description,
            )
        else:
            on_cluster = {
                "mode": mode,
                "progress": args.progress,
                "threads": args.threads or 1,
                "provenance": collect(args.description),
            }
            if args.mpi:
                with cluster.mpi_executor() as pool:
                    cluster.run_on_executor(exp, args.output, pool, **on_cluster)
            else:
                client = cluster.dask_client(scheduler=args.scheduler, scheduler_file=args.scheduler_file)
                try:
                    cluster.run_on_executor(exp, args.output, client, **on_cluster)
                finally:
                    client.close()
        res = open_results(args.output)
    else:
        res = _run_here(exp, args)
    _report_run(res, args.output, time.perf_counter() - started, int(res.done.sum()) - before, before)
    if args.shard:
        print(f"\nShard {args.shard}: merge the shards' files with `culturesim merge PART.h5 ... -o OUT.h5`.")
    return EXIT_OK


def cmd_merge(args: argparse.Namespace) -> int:
    from . import cluster

    _check_output(args.output, args.force, None, inputs=args.parts)
    started = time.perf_counter()
    res = cluster.merge(args.parts, args.output, force=args.force)
    done = int(res.done.sum())
    print(
        f"Merged {len(args.parts)} file{'s' if len(args.parts) != 1 else ''} into '{args.output}' ({_size(args.output)}) "
        f"in {_seconds(time.perf_counter() - started)}: {done}/{res.done.size} runs done."
    )
    if not res.complete:
        print(f"Runs are missing; finish them with `culturesim sweep EXPERIMENT.toml -o {args.output} --resume`.")
    print()
    print(summary_table(res))
    return EXIT_OK


def _recording(attrs: dict) -> str:
    """How a file was recorded: "month", "30 days", ..."""
    from .recording import recording_name

    return recording_name(int(attrs["record_every"])) if "record_every" in attrs else "?"


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def policy_text(res: Any, scenarios: Sequence[dict[str, Any]]) -> str:
    """Every policy field of every scenario as the run ends, after its interventions (and where an
    intervention changed it, the value it started from)."""
    from .policy import FIELD_NAMES

    rows = []
    for field in FIELD_NAMES:
        row = [field]
        for sc in scenarios:
            start, end = sc["policy_start"].get(field), sc["policy_end"].get(field)
            if start is None or end is None:
                row.append("n/a")
            elif abs(end - start) > 1e-12:
                row.append(f"{start:.3g} -> {end:.3g}")
            else:
                row.append(f"{end:.3g}")
        rows.append(row)
    header = ["policy field", *[sc["name"] for sc in scenarios]]
    rows = [[row[0].replace("_", " "), *row[1:]] for row in rows]
    return (
        f"Policy at the end of the run (year {res.years:g}), after each scenario's interventions "
        "(a -> b: changed from a):\n" + _table(header, rows)
    )


def _draws_text(res: Any) -> str:
    """'20 parameter draws x ' for an experiment over posterior draws (culturesim.draws), else ''."""
    return f"{res.draws} parameter draws x " if res.draws > 1 else ""


def cmd_info(args: argparse.Namespace) -> int:
    res = _open(args.results)
    a = res.attrs
    if args.toml:
        from .recording import recording_value
        from .toml_io import experiment_toml

        days = int(a["days"])
        years: float = days // 365 if days % 365 == 0 else days / 365
        settings = {
            "years": years,
            "replicates": res.replicates,
            "seed": res.seed,
            "record_every": recording_value(int(a["record_every"])),
            "breakdown": bool(a.get("breakdown", 0)),
        }
        if "warmup_days" in a:
            from .policy import FIELD_NAMES

            warm_days = int(a["warmup_days"])
            settings["warmup_years"] = warm_days // 365 if warm_days % 365 == 0 else warm_days / 365
            settings["warmup_policy"] = dict(zip(FIELD_NAMES, (float(v) for v in a["warmup_policy"])))
        else:  # files written before the warm-up started from an empty hospital
            settings["warmup_years"] = 0
        if "start_file" in a:
            settings["start"] = _text(a["start_file"])
            settings["start_scenario"] = _text(a["start_scenario"])
        settings["save_state"] = "saved_state" in a
        settings["record_warmup"] = "warmup_period_start_day" in a
        header = (
            f"The experiment stored in {os.path.basename(args.results)}, written by culturesim engine "
            f"{a.get('engine_version', '?')} ({a.get('build_info', '?')}).\nRe-run it exactly with "
            "`culturesim sweep THIS.toml -o OUT.h5`."
        )
        print(experiment_toml(res.file_definitions, settings, header=header), end="")
        return EXIT_OK
    done = int(res.done.sum())
    state = (
        "complete" if res.complete else f"{res.done.size - done} missing; `culturesim sweep ... --resume` finishes it"
    )
    from .overview import scenarios as overview
    from .overview import warmup_text
    from .provenance import lines as provenance_lines
    from .provenance import shown
    from .terminal import escape

    scenarios = overview(res)
    print(f"{args.results}: culturesim results ({_size(args.results)})")
    print(
        f"  engine:      culturesim {a.get('engine_version', '?')} ({a.get('build_info', '?')}), "
        f"format {a.get('format_version', '?')}"
    )
    print(
        f"  experiment:  {len(res.scenarios)} scenarios x {_draws_text(res)}{res.replicates} replicates x "
        f"{res.years:g} years, "
        f"seed {res.seed}, recorded every {_recording(a)} ({len(res.period_start_day)} periods)"
    )
    print(f"  warm-up:     {warmup_text(a)}")
    if "saved_state" in a:
        print("  end states:  saved (start other experiments from them: start = THIS.h5)")
    print(f"  runs done:   {done}/{res.done.size} ({state})")
    print("  provenance:")
    for line in provenance_lines(shown(res.provenance), indent="    "):
        print(line)
    print("  scenarios:")
    for sc in scenarios:
        ivs = sc["interventions"]
        print(
            f"    {escape(sc['name'])}: hospital {escape(sc['hospital'])}; "
            + ("no interventions" if not ivs else "interventions:")
        )
        for iv in ivs:
            print(f"      - {escape(iv)}")
    print()
    print(policy_text(res, scenarios))
    print()
    if done:
        print(summary_table(res))
    else:
        print("No run is finished yet.")
    print(
        f"\nMore: `culturesim compare {args.results} {escape(res.scenarios[0])} {escape(res.scenarios[-1])}`, "
        f"`culturesim info {args.results} --toml` (the experiment as a file that re-runs it)."
    )
    return EXIT_OK


def cmd_compare(args: argparse.Namespace) -> int:
    from .outputs import check_metric

    res = _open(args.results)
    metrics = [check_metric(m) for m in args.metric] if args.metric else None
    window = tuple(args.window) if args.window else None
    if window is not None and not window[0] < window[1]:
        raise ValueError(f"--window {window[0]:g} {window[1]:g}: the first year must come before the second")
    others = [res.scenarios[res._index(b)] for b in args.b]  # unknown names fail before any output
    if args.csv:
        if len(others) == 1:
            table = res.compare_table(args.a, others[0], list(metrics or COMPARE_METRICS), window)
        else:
            table = res.compare_all(args.a, others, list(metrics or COMPARE_METRICS), window)
            table = table.set_index(["scenario", "metric"])
        sys.stdout.write(table.to_csv())
        return EXIT_OK
    print("\n\n".join(compare_text(res, args.a, other, metrics, window) for other in others))
    if args.economics:
        from .board import DISCOUNT_RATE

        print()
        print(economics_text(res, args.a, others, args.horizon, DISCOUNT_RATE if args.rate is None else args.rate))
    return EXIT_OK


def cmd_plot(args: argparse.Namespace) -> int:
    from .outputs import check_metric
    from .report import write_plot
    from .safe_write import replacing

    res = _open(args.results)
    metrics = [check_metric(m) for m in args.metric] if args.metric else None
    scenarios = [res.scenarios[res._index(s)] for s in args.scenario] if args.scenario else None
    out = args.output or os.path.splitext(args.results)[0] + ".png"
    _check_output(out, args.force, None, kind="figure", inputs=[args.results])
    with replacing(out, args.force) as target:  # written aside, moved into place when complete
        write_plot(res, target, metrics=metrics, scenarios=scenarios)
    print(f"Figure: {os.path.abspath(out)} ({_size(out)})")
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from .board import DISCOUNT_RATE
    from .report import write_report
    from .safe_write import replacing

    res = _open(args.results)
    _check_output(args.output, args.force, None, kind="report", inputs=[args.results])
    baseline = res.scenarios[res._index(args.baseline)] if args.baseline else None
    with replacing(args.output, args.force) as target:  # written aside, moved into place when complete
        write_report(
            res,
            target,
            baseline=baseline,
            horizon=args.horizon,
            rate=DISCOUNT_RATE if args.rate is None else args.rate,
            title=args.title,
        )
    print(f"Report: {os.path.abspath(args.output)} ({_size(args.output)}); open it in any web browser.")
    return EXIT_OK


def cmd_params(args: argparse.Namespace) -> int:
    from .toml_io import params_toml

    sys.stdout.write(params_toml())
    return EXIT_OK


# -- the demo --------------------------------------------------------------------------------------
def demo_experiment(replicates: int = 20, years: float = DEMO_YEARS, seed: int = 0):
    """The demo's experiment: today's typical hospital (warmed up under typical practice) staying
    typical, or from day 0 switching to full Just Culture, launching peer support only, or ramping
    to Just Culture over five years (also shipped as experiments/scenarios/blame_vs_just.toml)."""
    from .experiment import Experiment
    from .intervention import Intervention
    from .policy import Policy
    from .posterior import SHIPPED, open_posterior
    from .scenario import Scenario

    # Over the calibrated posterior when the package ships one: each "replicate" is then a
    # parameter draw (one run each), so the intervals carry parameter uncertainty too.
    over = {"params": open_posterior(), "draws": replicates, "replicates": 1} if os.path.exists(SHIPPED) else {}
    return Experiment(
        [
            Scenario("typical"),
            Scenario("just_culture", policy="just_culture"),
            Scenario("peer_support_only", policy=Policy.typical().replace(support_level=1.0)),
            Scenario(
                "ramp_to_just_culture",
                interventions=[Intervention.ramp(start_year=0, years=5, from_blame=0.6, to_blame=0.0)],
            ),
        ],
        years=years,
        seed=seed,
        **({"replicates": replicates} | over),
    )


def cmd_demo(args: argparse.Namespace) -> int:
    from .safe_write import Output, check_figure_replicates

    # Every output and figure argument first: nothing is simulated for a figure that cannot be drawn.
    figure = [Output(args.figure, "figure", "--figure")] if args.figure else []
    _check_output(args.output, args.force, args.resume, also=figure)
    check_figure_replicates(args.figure, args.replicates)
    exp = demo_experiment(replicates=args.replicates, years=args.years, seed=args.seed)
    args.writing = args.output
    sim_years = exp.simulated_years
    shown = exp.scenarios if exp.draw_sets is None else exp.base_scenarios
    runs = f"{exp.replicates} replicates" if exp.draw_sets is None else f"{len(exp.draw_sets)} parameter draws"
    print(
        f"culturesim demo: the embedded default hospital ({shown[0].clinicians:,} clinicians in 5 units), "
        f"{len(shown)} scenarios x {runs} x {exp.years:g} years after a "
        f"{exp.warmup_years:g}-year warm-up under typical practice ({sim_years:,.0f} simulated years)"
    )
    if exp.draw_sets is not None:
        print(
            "Parameters: each run draws its uncertain parameters from the calibrated posterior shipped with the "
            "package (docs/validation.md), so the intervals include parameter uncertainty."
        )
    print("  typical               stays as today: Policy.typical(), the practice surveys find")
    print("  just_culture          from day 0: console human error, coach at-risk behaviour, fix the system")
    print("  peer_support_only     from day 0: tiered peer and professional support, nothing else")
    print("  ramp_to_just_culture  from day 0: typical moves to Just Culture step by step over 5 years")
    within = "" if exp.draw_sets is None else "Within each parameter draw k, e"
    stream = "" if exp.draw_sets is None else ", stream k"
    independent = "" if exp.draw_sets is None else "; draws are independent"
    print(
        f"{within or 'E'}very scenario starts from the same warmed-up hospital and replicate r uses the same random "
        f"stream (seed {exp.seed}, r{stream}): the differences below are paired, and zero at day 0{independent}.",
        flush=True,
    )
    started = time.perf_counter()
    res = _run_here(exp, args)
    ran = time.perf_counter() - started
    print()
    for other in res.scenarios[1:]:
        print(compare_text(res, "typical", other))
        print()
    if args.figure:
        from .plotting import demo_figure
        from .safe_write import replacing

        with replacing(args.figure, True) as target:  # written aside, moved into place when complete
            demo_figure(res, target)
    took = time.perf_counter() - started
    print(f"Results: {os.path.abspath(args.output)} ({_size(args.output)}; simulation took {_seconds(ran)})")
    if args.figure:
        print(f"Figure:  {os.path.abspath(args.figure)}")
    print(
        f"Done in {_seconds(took)}. Next: `culturesim info {args.output}`, "
        f"`culturesim compare {args.output} typical just_culture --window 2 5`, "
        f"or in Python: cs.open_results('{args.output}').to_pandas()"
    )
    return EXIT_OK


# -- argument parsing ------------------------------------------------------------------------------
def _whole_number(text: str, low: int, high: int, allowed: str) -> int:
    """An argparse value: a whole number in [low, high]; `allowed` says the range in words."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got '{text}'") from None
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"expected a whole number {allowed}, got {value}")
    return value


def _positive_int(text: str) -> int:
    return _whole_number(text, 1, 2**63 - 1, "of at least 1")


def _seed(text: str) -> int:
    return _whole_number(text, 0, 2**63 - 1, "from 0 to 2**63 - 1")


def _years(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of years, got '{text}'") from None
    from . import _engine

    most = _engine.run_limits["max_days"] // 365
    if not math.isfinite(value) or value * 365 < 0.5 or value > most:
        raise argparse.ArgumentTypeError(f"expected a number of years from 1/365 (one day) to {most}, got {text}")
    return value


def _bytes(text: str) -> float:
    """A size such as 512M, 8G or 1.5T (powers of 1024), or a plain number of bytes."""
    scale = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}
    body = text.strip().upper().removesuffix("B").removesuffix("I")
    unit = body[-1:] if body[-1:] in scale else ""
    try:
        value = float(body[:-1] if unit else body) * scale[unit]
    except ValueError:
        value = float("nan")
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a size such as 512M, 8G or 1.5T, got {text!r}")
    return value


def _add_run_options(p: argparse.ArgumentParser, file_settings: bool = True) -> None:
    def note(default: Any) -> str:
        return " (overrides the file)" if file_settings else f" (default {default})"

    p.add_argument("--years", type=_years, help="simulated years per run" + note(30))
    p.add_argument("--replicates", type=_positive_int, help="replicates per scenario" + note(20))
    p.add_argument("--seed", type=_seed, help="random seed" + note(0))
    p.add_argument("--threads", type=_positive_int, help="engine threads (default: all cores)")
    exclusive = p.add_mutually_exclusive_group()
    exclusive.add_argument("--force", action="store_true", help="replace an existing output file")
    exclusive.add_argument(
        "--resume",
        action="store_true",
        help="continue an existing output file: finished runs are kept, the rest are run",
    )
    p.add_argument(
        "--no-progress",
        dest="progress",
        action="store_false",
        help="no progress bar (it goes to stderr, and only for runs longer than 2 s)",
    )
    p.add_argument(
        "--max-memory",
        type=_bytes,
        metavar="SIZE",
        help="memory the runs may use, e.g. 8G (default: what is free); checked before starting",
    )
    p.add_argument(
        "--max-disk",
        type=_bytes,
        metavar="SIZE",
        help="disk the results may take, e.g. 50G (default: what is free); checked before starting",
    )
    p.add_argument(
        "--description",
        metavar="TEXT",
        help="free text stored with the results file's provenance (culturesim info shows it)",
    )
    add_provenance_option(p)


def _rate(text: str) -> float:
    try:
        value = float(text.rstrip("%")) / (100 if text.endswith("%") else 1)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an annual rate such as 0.03 or 3%, got '{text}'") from None
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"expected an annual rate from 0 to 1 (0.03 or 3%), got '{text}'")
    return value


def _add_economics_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--horizon", type=_years, metavar="YEARS", help="years the totals cover (default: the whole run)")
    p.add_argument(
        "--rate", type=_rate, metavar="RATE", help="annual discount rate of present values (default 0.03, i.e. 3%%)"
    )


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="culturesim",
        description="Agent-based simulation of second victims of medical error under blame versus Just Culture.",
        epilog="Exit status: 0 ok, 2 bad input, 130 interrupted, 1 other failures. Docs: docs/cli.md.",
    )
    parser.add_argument("--version", action="version", version=f"culturesim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser(
        "run",
        help="run one scenario (replicates x years) into an HDF5 file",
        description="Runs one scenario of a scenario (or experiment) file, replicates x years, "
        "into an HDF5 results file.",
    )
    p.add_argument("file", metavar="SCENARIO.toml", help="a scenario file (or an experiment file with --scenario)")
    p.add_argument("-o", "--output", required=True, metavar="OUT.h5", help="the results file to write")
    p.add_argument("--scenario", metavar="NAME", help="which scenario of a file that holds several")
    _add_run_options(p)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser(
        "sweep",
        help="run every scenario of an experiment file into an HDF5 file",
        description="Runs every scenario x replicate of an experiment file into one HDF5 results "
        "file, on this machine or a cluster.",
    )
    p.add_argument("file", metavar="EXPERIMENT.toml", help="an experiment file (or a scenario file)")
    p.add_argument("-o", "--output", required=True, metavar="OUT.h5", help="the results file to write")
    _add_run_options(p)
    where = p.add_argument_group("cluster (pip install culturesim[cluster]; see docs/cluster.md)")
    where = where.add_mutually_exclusive_group()
    where.add_argument(
        "--scheduler", metavar="ADDRESS", help="run on a Dask cluster: scheduler address tcp://host:8786"
    )
    where.add_argument("--scheduler-file", metavar="FILE", help="run on the Dask cluster described by this file")
    where.add_argument(
        "--mpi",
        action="store_true",
        help="run on MPI ranks: mpiexec -n N python -m mpi4py.futures -m culturesim sweep ... --mpi",
    )
    where.add_argument(
        "--shard",
        metavar="I/N",
        help="run only shard I of N (0 <= I < N), e.g. a SLURM array task; "
        "merge the shards' files with `culturesim merge`",
    )
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser(
        "merge",
        help="merge the results files of a sharded sweep",
        description="Merges results files of shards of one experiment into one file.",
    )
    p.add_argument("parts", nargs="+", metavar="PART.h5", help="the shards' results files")
    p.add_argument("-o", "--output", required=True, metavar="OUT.h5", help="the merged file to write")
    p.add_argument("--force", action="store_true", help="replace an existing output file")
    add_provenance_option(p)
    p.set_defaults(func=cmd_merge)

    p = sub.add_parser(
        "info",
        help="what a results file holds",
        description="Shows a results file's experiment, provenance, progress and a summary.",
    )
    p.add_argument("results", metavar="OUT.h5")
    p.add_argument(
        "--toml", action="store_true", help="print instead the stored experiment as a TOML file that re-runs it exactly"
    )
    p.set_defaults(func=cmd_info)

    p = sub.add_parser(
        "compare",
        help="paired differences of scenarios against a baseline with 95%% intervals",
        description="Paired changes SCENARIO against BASELINE over every run (common random numbers) with 95% "
        "intervals (over replicates, or over parameter draws when the file has them). Flows are per year; "
        "levels are means over the window (default: the last year); shares change in percentage points.",
    )
    p.add_argument("results", metavar="OUT.h5")
    p.add_argument("a", metavar="BASELINE", help="the baseline scenario")
    p.add_argument("b", nargs="+", metavar="SCENARIO", help="one or more scenarios compared with the baseline")
    p.add_argument(
        "--metric",
        nargs="+",
        metavar="M",
        action="extend",
        help="outputs to compare (default: " + ", ".join(COMPARE_METRICS) + ")",
    )
    p.add_argument(
        "--window", nargs=2, type=float, metavar=("Y0", "Y1"), help="only the periods starting in years [Y0, Y1)"
    )
    p.add_argument("--csv", action="store_true", help="print the table as CSV (one long table for several scenarios)")
    p.add_argument(
        "--economics",
        action="store_true",
        help="also print harm averted, programme and net cost, cost per harm averted and return on investment",
    )
    _add_economics_options(p)
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser(
        "plot",
        help="a figure of a results file: the headline metrics year by year, with bands over runs",
        description="Draws each metric year by year (median and 10-90% band over every run, per scenario) "
        "into a PNG, SVG or PDF file (by its suffix).",
    )
    p.add_argument("results", metavar="OUT.h5")
    p.add_argument("-o", "--output", metavar="FIG.png", help="the figure file (default: the results file's name .png)")
    p.add_argument(
        "--metric", nargs="+", action="extend", metavar="M", help="metrics to draw (default: the six headline ones)"
    )
    p.add_argument("--scenario", nargs="+", action="extend", metavar="NAME", help="only these scenarios")
    p.add_argument("--force", action="store_true", help="replace an existing figure")
    p.set_defaults(func=cmd_plot)

    p = sub.add_parser(
        "report",
        help="one self-contained HTML page for a board: tables, figures, provenance",
        description="Writes one self-contained HTML page (figures embedded) with the experiment, its "
        "scenarios and interventions, paired differences against a baseline with their intervals, "
        "the economics (harm averted, costs, return on investment) and the file's provenance.",
    )
    p.add_argument("results", metavar="OUT.h5")
    p.add_argument("-o", "--output", required=True, metavar="REPORT.html", help="the HTML file to write")
    p.add_argument("--baseline", metavar="NAME", help="the scenario the others are compared with (default: the first)")
    p.add_argument("--title", metavar="TEXT", help="the page's title (default: the file's description or name)")
    _add_economics_options(p)
    p.add_argument("--force", action="store_true", help="replace an existing report")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser(
        "params",
        help="print the default parameters as a TOML scenario file",
        description="Prints every default parameter (with unit, range and source) as a TOML "
        "scenario file: culturesim params > defaults.toml",
    )
    p.set_defaults(func=cmd_params)

    p = sub.add_parser(
        "demo",
        help="the main job: today's typical hospital against three culture programmes",
        description="Today's typical hospital (warmed up under typical practice) staying typical, "
        "or from day 0 switching to Just Culture, launching peer support only, or ramping "
        f"to Just Culture over 5 years: 20 replicates x {DEMO_YEARS} years into results.h5, "
        "a table of paired differences versus staying typical, and a figure.",
    )
    p.add_argument("-o", "--output", default="results.h5", metavar="OUT.h5", help="results file (default results.h5)")
    p.add_argument("--figure", default="results.png", metavar="FIG.png", help="figure file (default results.png)")
    p.add_argument("--no-figure", dest="figure", action="store_const", const=None, help="no figure")
    _add_run_options(p, file_settings=False)
    p.set_defaults(func=cmd_demo, replicates=20, years=float(DEMO_YEARS), seed=0)

    from .calibration_cli import add_parser as add_calibrate
    from .levers_cli import add_parser as add_levers

    add_calibrate(sub, _positive_int, _seed, _years)
    add_levers(sub, _positive_int, _seed, _years, _check_output, _table)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    args.writing = None
    from .provenance import cli_command, invoked_as
    from .terminal import warning_printer

    # Files made by this command record it (provenance), e.g. "culturesim sweep exp.toml -o out.h5":
    # file names only, unless --provenance full.
    command = cli_command(list(sys.argv[1:] if argv is None else argv), getattr(args, "provenance", "safe"))
    with warnings.catch_warnings(), invoked_as(command):
        # Warnings (old names in a file, an intervention after the run's end) as one line each, once.
        warnings.simplefilter("always")
        warnings.showwarning = warning_printer(_err)
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    from . import safe_write
    from .terminal import escape

    try:
        return args.func(args)
    except KeyboardInterrupt:
        sys.stdout.flush()
        if args.writing in safe_write.discarded:
            _err(f"\nculturesim: interrupted. '{args.writing}' was left as it was (nothing replaced it).")
        elif args.writing:
            _err(
                f"\nculturesim: interrupted. The finished runs are kept in '{args.writing}'; run the same "
                "command with --resume to continue."
            )
        else:
            _err("\nculturesim: interrupted.")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (culturesim params | head): not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except (ValueError, KeyError, OSError) as exc:  # OSError covers FileNotFoundError, FileExistsError
        _err(f"culturesim: error: {escape(_message(exc))}")
        return EXIT_BAD_INPUT
    except ImportError as exc:
        _err(f"culturesim: error: {escape(_message(exc))}")
        return EXIT_FAILURE
    except Exception as exc:
        if type(exc).__name__ == "TaskError":  # a cluster task failed; its message says what to do
            _err(f"culturesim: error: {escape(_message(exc))}")
            return EXIT_FAILURE
        raise


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
