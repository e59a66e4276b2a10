"""The size of what a file asks for, known before anything is built (docs/safety.md).

A file of a dozen lines can ask for a sweep of 100,000 scenarios or runs that fill a disk. The
engine reads the file counting the sweep's points instead of expanding them
(``_engine.check_plan``), estimates the memory and disk of every run with the command line's
overrides, and refuses a plan over the limits in milliseconds, before any scenario exists.

>>> import os, tempfile
>>> from culturesim import plan
>>> path = os.path.join(tempfile.mkdtemp(), "big.toml")
>>> _ = open(path, "w").write("years = 1\n[sweep]\nblame = {from = 0, to = 1, steps = 1000}\n")
>>> size = plan.check(path)
>>> size["scenarios"], size["runs"]
(1000, 20000)
"""

from __future__ import annotations

import os
from typing import Any

from . import _engine


def check(
    path: str | os.PathLike,
    *,
    years: float | None = None,
    replicates: int | None = None,
    threads: int | None = None,
    max_memory: float | None = None,
    max_disk: float | None = None,
    output: str = "",
) -> dict[str, Any]:
    """Estimates the experiment file ``path`` (overrides as load_experiment's) before it is
    expanded; raises the engine's resource error when it needs more than ``max_memory`` /
    ``max_disk`` (None: what is free; disk in the folder of ``output``, when given). Returns
    {'scenarios', 'runs', 'memory', 'disk'} (bytes)."""
    from .toml_io import _read, _stem

    text = _read(path)
    source = os.fspath(path)
    return _engine.check_plan(
        text,
        source,
        _stem(source),
        years=years,
        replicates=replicates,
        threads=threads or 0,
        max_memory=max_memory or 0.0,
        max_disk=max_disk or 0.0,
        path=output,
    )
