"""`culturesim levers`: which policy lever matters most (cs.levers; registered by culturesim.cli).

culturesim levers                                   # typical -> just_culture, fixed parameters
culturesim levers --draws 20 -o levers.png          # over 20 posterior draws, a tornado chart
culturesim levers --metric burnout_prevalence -o levers.csv
"""

from __future__ import annotations

import argparse
import functools
import os
import time

#: The figure suffixes plot_tornado writes (matplotlib's by suffix); anything else is refused.
FIGURES = (".png", ".svg", ".pdf")


def add_parser(sub, positive_int, seed, years, check_output, text_table) -> None:
    """Adds the levers command to the subparsers of culturesim's parser; the argument types, the
    output check and the text table are culturesim.cli's (passed in: cli imports this module)."""
    from .policy_levers import LEVER_METRICS, REPLICATES, REPLICATES_PER_DRAW

    p = sub.add_parser(
        "levers",
        help="which policy lever matters most: each field moved alone, with intervals and a tornado chart",
        description="Moves each policy field alone from the baseline preset's value to the target's (and all of "
        "them at once, for reference), runs them on common random numbers after one shared warm-up, and prints "
        "each lever's effect against the baseline with its interval, largest first: burnout in percentage "
        "points, other outputs in relative %. With --draws the parameters are drawn from a posterior, and the "
        "intervals include parameter uncertainty.",
    )
    p.add_argument(
        "--baseline",
        default="typical",
        metavar="POLICY",
        help="the policy the levers start from "
        "(a preset: blame, typical, just_culture, or a blame level 0 to 1; default typical)",
    )
    p.add_argument(
        "--target",
        default="just_culture",
        metavar="POLICY",
        help="the policy whose values the levers move to (default just_culture)",
    )
    p.add_argument(
        "--metric",
        nargs="+",
        action="extend",
        metavar="M",
        help="outputs to compare (default: " + ", ".join(LEVER_METRICS) + ")",
    )
    p.add_argument(
        "--field",
        nargs="+",
        action="extend",
        metavar="F",
        help="only these levers (policy fields; default: every field that differs)",
    )
    p.add_argument(
        "--draws",
        type=positive_int,
        metavar="N",
        help="parameter draws from the posterior (default: none, the default parameters)",
    )
    p.add_argument(
        "--posterior",
        metavar="FILE",
        help="the posterior file to draw from (default: the one shipped with culturesim); needs --draws",
    )
    p.add_argument("--years", type=years, default=5.0, help="simulated years after the warm-up (default 5)")
    p.add_argument(
        "--window",
        nargs=2,
        type=float,
        metavar=("Y0", "Y1"),
        help="only the periods starting in years [Y0, Y1) (default: flows the whole run, levels the last year)",
    )
    p.add_argument(
        "--replicates",
        type=positive_int,
        default=None,
        metavar="N",
        help=f"replicates per scenario (default {REPLICATES}; with --draws, per draw: default {REPLICATES_PER_DRAW})",
    )
    p.add_argument(
        "--warmup-years", type=float, default=None, metavar="YEARS", help="warm-up years (default: the engine's, 20)"
    )
    p.add_argument("--seed", type=seed, default=0, help="random seed (default 0)")
    p.add_argument("--threads", type=positive_int, metavar="N", help="engine threads (default: all cores)")
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="also write a tornado chart (.png, .svg, .pdf; one panel per metric) or the table (.csv)",
    )
    p.add_argument("--force", action="store_true", help="replace an existing output file")
    p.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar or lines")
    p.set_defaults(func=functools.partial(cmd_levers, check_output=check_output, text_table=text_table))


def _policy(text: str):
    """A preset name or a blame level, as the command line gives it."""
    try:
        return float(text)
    except ValueError:
        return text


def cmd_levers(args: argparse.Namespace, check_output, text_table) -> int:
    from .outputs import check_metric
    from .policy_levers import levers
    from .posterior import open_posterior

    if args.output:
        suffix = os.path.splitext(args.output)[1].lower()
        if suffix not in FIGURES + (".csv",):
            raise ValueError(
                f"-o '{args.output}': give a figure ({', '.join(FIGURES)}) or a table (.csv), by its suffix"
            )
        # The rule for every writer (docs/safety.md): no --resume here, so none is advised.
        check_output(args.output, args.force, None, kind="table" if suffix == ".csv" else "figure")
    metrics = [check_metric(m) for m in args.metric] if args.metric else None
    if args.posterior and not args.draws:
        raise ValueError("--posterior needs --draws N (how many parameter sets to draw from it)")
    params = open_posterior(args.posterior) if args.draws else None
    started = time.perf_counter()
    table = levers(
        _policy(args.baseline),
        _policy(args.target),
        metrics=metrics,
        fields=args.field,
        params=params,
        draws=args.draws,
        years=args.years,
        window=tuple(args.window) if args.window else None,
        replicates=args.replicates,
        seed=args.seed,
        warmup_years=args.warmup_years,
        progress=args.progress,
        threads=args.threads,
    )
    print(levers_text(table, text_table))
    if args.output:
        from .safe_write import replacing

        with replacing(args.output, args.force) as target:  # written aside, moved into place when complete
            _write(table, target)
        print(f"\nWrote {os.path.abspath(args.output)}.")
    print(f"\n(took {time.perf_counter() - started:.0f} s)")
    return 0


def levers_text(table, text_table) -> str:
    """The table for people: per metric, each lever's effect and interval, largest first, each
    block drawn by ``text_table(header, rows, left)`` (culturesim.cli's)."""
    from .policy_levers import ALL, effect_label

    a = table.attrs
    over = (
        f"{a['draws']} parameter draws x {a['replicates']} replicates"
        if a.get("draws")
        else f"{a['replicates']} replicates of one parameter set"
    )
    blocks = [
        f"Each policy lever alone, {a['baseline']} -> {a['target']}: effects over {a['years']:g} years against "
        f"{a['baseline']}, paired on common random numbers ({over})."
    ]
    level = round(100 * a.get("level", 0.95))
    for metric, rows in table.groupby("metric", sort=False):
        body = []
        for _, r in rows.iterrows():
            name = f"all levers ({a['target']})" if r["lever"] == ALL else r["lever"]
            moved = "" if r["lever"] == ALL else f"{r['from']:.2f} -> {r['to']:.2f}"
            unit = " pp" if r["reading"] == "points" else "%"
            body.append(
                [
                    name,
                    moved,
                    f"{r['effect']:+.2f}{unit}",
                    f"[{r['effect_low']:+.2f}, {r['effect_high']:+.2f}]",
                ]
            )
        blocks.append(
            f"\n{effect_label(metric)}\n" + text_table(["lever", "moved", "effect", f"{level}% interval"], body, left=2)
        )
    sources = str(table["interval"].iloc[0]) if "interval" in table and len(table) else ""
    if sources:
        blocks.append(f"\nIntervals: {sources}.")
    return "\n".join(blocks)


def _write(table, path: str) -> None:
    if path.lower().endswith(".csv"):
        table.to_csv(path, index=False)
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .policy_levers import plot_tornado

    metrics = list(dict.fromkeys(table["metric"]))
    rows = len(table) // max(1, len(metrics))
    fig, axes = plt.subplots(
        len(metrics), 1, figsize=(8, (0.34 * rows + 1.3) * len(metrics)), constrained_layout=True, squeeze=False
    )
    for metric, ax in zip(metrics, axes[:, 0]):
        plot_tornado(table, metric, ax=ax)
    fig.savefig(path, dpi=120)
    plt.close(fig)
