"""Calling the engine without freezing the notebook.

The engine releases the GIL and runs in a worker thread; the calling thread shows a progress bar
and waits in short slices, so Ctrl-C reaches Python at once: it cancels the engine (which stops
at its next recorded period) and re-raises KeyboardInterrupt.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable

from . import _engine

#: Runs shorter than this show no progress bar.
PROGRESS_AFTER_SECONDS = 2.0


def call_engine(
    fn: Callable[..., Any],
    *,
    total_days: int,
    total_runs: int | None = None,
    progress: bool = True,
    desc: str = "culturesim",
    **kwargs: Any,
) -> Any:
    """Runs ``fn(**kwargs, cancel=..., progress=...)`` in a worker thread with a progress bar.

    ``total_days`` is the number of simulated days the call will step (summed over runs), used for
    the bar and the simulated-years-per-second rate until the engine reports its own count
    (``days_total``: an ensemble lives each shared warm-up once).
    """
    cancel = _engine.Cancel()
    counters = _engine.Progress()
    outcome: dict[str, Any] = {}
    # An Event, not Thread.join: on Python 3.11 a join interrupted by Ctrl-C can mark a thread that is
    # still running as stopped (a CPython bug), so the engine would outlive the call (and abort the
    # interpreter at exit).
    finished = threading.Event()

    def work() -> None:
        try:
            outcome["value"] = fn(**kwargs, cancel=cancel, progress=counters)
        except BaseException as exc:  # handed to the calling thread
            outcome["error"] = exc
        finally:
            finished.set()

    worker = threading.Thread(target=work, name="culturesim-engine", daemon=True)
    started = time.monotonic()
    worker.start()
    bar = None
    try:
        done = False
        while not done:
            done = finished.wait(0.1)
            if progress and bar is None and time.monotonic() - started > PROGRESS_AFTER_SECONDS:
                bar = _make_bar(counters.days_total or total_days, total_runs, desc, initial=counters.days_done / 365)
            if bar is not None:
                _update_bar(bar, counters, total_runs)
    except KeyboardInterrupt:
        cancel.cancel()
        finished.wait()
        raise
    finally:
        if bar is not None:
            _update_bar(bar, counters, total_runs)
            bar.close()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def _make_bar(total_days: int, total_runs: int | None, desc: str, initial: float = 0.0):
    from tqdm.auto import tqdm

    # The bar appears only after a couple of seconds: start it at what is already done, so its
    # rate (sim-years per second) counts only what it has seen.
    return tqdm(
        total=round(total_days / 365, 1),
        initial=round(initial, 1),
        desc=desc,
        unit="sim-yr",
        unit_scale=False,
        bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.0f}/{total:.0f} sim-years "
        "[{elapsed}<{remaining}, {rate_fmt}]{postfix}",
    )


def _update_bar(bar, counters, total_runs: int | None) -> None:
    bar.update(round(counters.days_done / 365, 1) - bar.n)  # update() keeps tqdm's rate estimate right
    if total_runs is not None:
        bar.set_postfix_str(f"runs {counters.runs_done}/{total_runs}", refresh=False)
    bar.refresh()
