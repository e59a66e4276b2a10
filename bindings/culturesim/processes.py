"""Process pools on this machine (calibration, predictive checks), and the ``__main__`` guard.

Work that is one experiment (``Experiment.run``, ``cs.sensitivity``, ``cs.levers``) runs on the
engine's threads in this process and needs no pool. Work made of many small Python jobs
(``cs.calibrate``, ``cs.validation.predictive`` with ``cores`` > 1) runs in spawned processes:
spawned, not forked, because the engine's thread pool does not survive a fork. Each spawned
worker imports the main script again, so a script must put its calls under
``if __name__ == "__main__":``; without it each worker would start the work again. A worker that
does so gets a clear error instead, and the caller's ``BrokenProcessPool`` says what to do.

>>> GUARD.startswith('put the calls of the script under `if __name__ == "__main__":`')
True
"""

from __future__ import annotations

import concurrent.futures as cf
import sys
from concurrent.futures.process import BrokenProcessPool
from typing import Any

GUARD = (
    'put the calls of the script under `if __name__ == "__main__":` (each worker process imports the script '
    "again, and without the guard would start the work again), or pass cores=1; see docs/python-api.md, "
    '"Scripts and process pools"'
)


def in_unguarded_worker() -> bool:
    """True while a spawned worker imports the main script (its module is then '__mp_main__')."""
    main = sys.modules.get("__main__")
    return getattr(main, "__name__", "") == "__mp_main__" and getattr(main, "__file__", None) is not None


def spawn_pool(workers: int) -> "SpawnPool":
    """A pool of ``workers`` spawned processes; refused inside a worker importing an unguarded script."""
    if in_unguarded_worker():
        raise RuntimeError(f"a worker process was asked to start a pool while importing the script: {GUARD}")
    import multiprocessing

    return SpawnPool(workers, mp_context=multiprocessing.get_context("spawn"))


class SpawnPool(cf.ProcessPoolExecutor):
    """A ProcessPoolExecutor whose map() says how to fix a pool broken by an unguarded script."""

    def map(self, fn: Any, *iterables: Any, **kwargs: Any):
        results = super().map(fn, *iterables, **kwargs)

        def checked():
            try:
                yield from results
            except BrokenProcessPool as exc:
                raise BrokenProcessPool(
                    f"a worker process stopped ({exc}). If this runs from a script: {GUARD}"
                ) from None

        return checked()
