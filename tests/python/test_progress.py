"""Progress suits both people and logs: a bar redrawn in place on a terminal, a few plain lines when
stderr is a file or a pipe (never a stream of carriage-return redraws)."""

from __future__ import annotations

import fcntl
import io
import os
import pty
import re
import struct
import subprocess
import sys
import termios

import culturesim as cs
from culturesim import _running
from culturesim.progress import LineProgress, interactive


def test_a_line_progress_writes_one_line_per_tenth_and_one_at_the_end():
    log = io.StringIO()
    bar = LineProgress(total=1000, unit="sim-years", desc="experiment", file=log)
    for _ in range(1000):
        bar.update(1)
    bar.set_postfix_str("runs 40/40")
    bar.close()
    lines = log.getvalue().splitlines()
    assert "\r" not in log.getvalue()
    assert len(lines) == 11, lines
    assert lines[0].startswith("experiment:  10% (100/1000 sim-years)")
    assert lines[-1].startswith("experiment: done, 1000/1000 sim-years, runs 40/40 in ")


def test_a_stopped_line_progress_says_so():
    log = io.StringIO()
    bar = LineProgress(total=10, unit="runs", desc="sweep", file=log)
    bar.update(3)
    bar.close()
    bar.close()  # idempotent
    assert log.getvalue().splitlines()[-1].startswith("sweep: stopped, 3/10 runs")


def test_an_experiment_logs_plain_lines_when_stderr_is_not_a_terminal(monkeypatch, capsys):
    monkeypatch.setattr(_running, "PROGRESS_AFTER_SECONDS", 0.0)
    assert not interactive()  # capsys's stderr is no terminal
    cs.Experiment(["blame", "just_culture"], replicates=3, years=2, warmup_years=1).run(progress=True)
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert "\r" not in err
    assert 2 <= len(lines) <= 12, lines  # at most one line per tenth, plus the last
    assert re.match(r"experiment: done, (\d+)/\1 sim-years, runs 6/6 in ", lines[-1]), lines[-1]


def test_on_a_terminal_the_bar_is_redrawn_in_place(tmp_path):
    """stderr a pseudo-terminal: tqdm's bar, redrawn with carriage returns."""
    script = (
        "import culturesim as cs, culturesim._running as r\n"
        "r.PROGRESS_AFTER_SECONDS = 0.0\n"
        "cs.Experiment(['blame'], replicates=2, years=10, warmup_years=0).run(progress=True)\n"
    )
    main, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a 100-column terminal
    proc = subprocess.Popen([sys.executable, "-c", script], stderr=child, stdout=subprocess.DEVNULL, cwd=tmp_path)
    os.close(child)
    chunks = []
    while True:
        try:
            data = os.read(main, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(main)
    assert proc.wait(timeout=300) == 0
    text = b"".join(chunks).decode(errors="replace")
    assert "\r" in text and "sim-years" in text and "|" in text, text
