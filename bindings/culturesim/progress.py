"""Progress for people and for logs.

On a terminal (or in a notebook) progress is a tqdm bar redrawn in place. When stderr is a file or
a pipe (batch jobs, CI logs, ``2> run.log``) a redrawn bar would write thousands of ``\\r`` updates
into the log, so progress is instead one plain line at every tenth of the work, and at least every
:data:`LOG_EVERY_SECONDS` while it moves, plus one line when it ends.

>>> import io
>>> log = io.StringIO()
>>> bar = LineProgress(total=50, unit="sim-years", desc="experiment", file=log)
>>> for n in range(1, 51):
...     bar.update(1)
>>> bar.close()
>>> len(log.getvalue().splitlines())        # 10%, 20%, ..., 100%, done
11
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

#: A plain progress line at least this often while work advances (and at every tenth of it).
LOG_EVERY_SECONDS = 60.0


def interactive(file: Any = None) -> bool:
    """True on a terminal or in a Jupyter kernel (where tqdm draws a widget); False for files and pipes."""
    file = sys.stderr if file is None else file
    if "ipykernel" in sys.modules:
        try:
            from IPython import get_ipython

            if get_ipython() is not None and getattr(get_ipython(), "kernel", None) is not None:
                return True
        except ImportError:  # pragma: no cover
            pass
    try:
        return bool(file.isatty())
    except (AttributeError, ValueError):  # closed or unusual streams
        return False


def bar(total: float, *, desc: str, unit: str, initial: float = 0.0, bar_format: str | None = None, **tqdm_args):
    """A tqdm bar on a terminal or in a notebook, else a :class:`LineProgress` (same methods)."""
    if interactive():
        from tqdm.auto import tqdm

        return tqdm(
            total=total, initial=initial, desc=desc, unit=unit, file=sys.stderr, bar_format=bar_format, **tqdm_args
        )
    return LineProgress(total=total, initial=initial, desc=desc, unit=unit)


def _seconds(s: float) -> str:
    if s < 60:
        return f"{s:.0f} s"
    m, s = divmod(round(s), 60)
    return f"{m} min {s:02d} s" if m < 60 else f"{m // 60} h {m % 60:02d} min"


class LineProgress:
    """tqdm's update/set_postfix_str/refresh/close, written as occasional whole lines.

    A line: ``experiment: 40% (200/500 sim-years, runs 16/40), 1 min 02 s elapsed, about 1 min 33 s left``.
    """

    def __init__(self, total: float, *, desc: str, unit: str, initial: float = 0.0, file: TextIO | None = None) -> None:
        self.total, self.n, self.desc, self.unit = float(total), float(initial), desc, unit
        self.file = file
        self.postfix = ""
        self._started = time.monotonic()
        self._start_n = self.n
        self._last_line = self._started
        self._tenths = self._tenth()
        self._closed = False

    def _tenth(self) -> int:
        return int(10 * self.n / self.total + 1e-9) if self.total > 0 else 0

    def update(self, n: float = 1) -> None:
        self.n += n
        tenths = self._tenth()
        if tenths > self._tenths or time.monotonic() - self._last_line >= LOG_EVERY_SECONDS:
            self._tenths = max(tenths, self._tenths)
            self._write(self._line())

    def set_postfix_str(self, text: str = "", refresh: bool = True) -> None:
        self.postfix = text

    def refresh(self) -> None:
        """Nothing to redraw: lines are written when the work crosses a tenth (see update)."""

    def _line(self) -> str:
        elapsed = time.monotonic() - self._started
        share = self.n / self.total if self.total > 0 else 1.0
        done = f"{self.n:.0f}/{self.total:.0f} {self.unit}" + (f", {self.postfix}" if self.postfix else "")
        text = f"{self.desc}: {100 * share:3.0f}% ({done}), {_seconds(elapsed)} elapsed"
        rate = (self.n - self._start_n) / elapsed if elapsed > 0 else 0.0
        if 0 < share < 1 and rate > 0:
            text += f", about {_seconds((self.total - self.n) / rate)} left"
        return text

    def _write(self, line: str) -> None:
        out = self.file if self.file is not None else sys.stderr
        print(line, file=out, flush=True)
        self._last_line = time.monotonic()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        elapsed = time.monotonic() - self._started
        what = "done" if self.total > 0 and self.n >= self.total - 1e-9 else "stopped"
        extra = f", {self.postfix}" if self.postfix else ""
        self._write(f"{self.desc}: {what}, {self.n:.0f}/{self.total:.0f} {self.unit}{extra} in {_seconds(elapsed)}")
