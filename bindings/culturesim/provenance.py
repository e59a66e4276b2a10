"""Provenance of results: when, by which software and command, and why.

What is kept (docs/safety.md): by default only what is safe to hand a board. The calling script
by its file name, never with its arguments (they may hold tokens or passwords) and never with its
folder; a command line of culturesim with every absolute path cut to its file name. With
``--provenance full`` on the command line, or ``with cs.provenance.full():`` in Python, the whole
command line as typed (the script's path and arguments) is kept. ``culturesim report`` and
``info`` show only :func:`shown`: the safe fields, made safe again for files written before.

The attribute names are the engine's (``core/provenance.hpp``, listed by :data:`FIELDS`); this
module fills the parts only Python knows (its own and NumPy's, h5py's and pybind11's versions, the
script, notebook or command line) and reads them back.

>>> import culturesim as cs
>>> p = cs.provenance.collect("blame sweep for the board")
>>> p["description"], sorted(k for k in p if k.startswith("software."))[:2]
('blame sweep for the board', ['software.h5py', 'software.numpy'])
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import platform
import shlex
import sys
from collections.abc import Iterator
from typing import Any

from . import _engine

#: The provenance attributes of a results file, in order: name -> description (the engine's table).
FIELDS: dict[str, str] = {f["name"]: f["description"] for f in _engine.provenance_fields()}

_command: contextvars.ContextVar[str | None] = contextvars.ContextVar("culturesim_command", default=None)
_full: contextvars.ContextVar[bool] = contextvars.ContextVar("culturesim_full_provenance", default=False)
#: The provenance fields shown by `culturesim info` and reports (the rest stay in the file).
SHOWN = ("created", "description", "command", "merged_from")


@contextlib.contextmanager
def full() -> Iterator[None]:
    """Files created inside this block keep the whole command line: the script's path and its
    arguments (opt-in: they may hold paths and secrets; the default keeps the script's name).

    >>> import culturesim as cs
    >>> with cs.provenance.full():
    ...     pass  # Experiment.run(...) here keeps the script's path and arguments
    """
    token = _full.set(True)
    try:
        yield
    finally:
        _full.reset(token)


@contextlib.contextmanager
def invoked_as(command: str) -> Iterator[None]:
    """Files created inside this block record ``command`` (the ``culturesim`` command line uses it)."""
    token = _command.set(command)
    try:
        yield
    finally:
        _command.reset(token)


def command() -> str:
    """What is creating results: the culturesim command line, the notebook, or the script with its arguments."""
    given = _command.get()
    if given is not None:
        return given
    notebook = _notebook()
    if notebook is not None:
        return notebook
    argv = list(sys.argv)
    if not argv or argv[0] == "":
        return "interactive Python session"
    python = os.path.basename(sys.executable) or "python"
    if _full.get():
        script = os.path.abspath(argv[0]) if os.path.exists(argv[0]) else argv[0]
        return shlex.join([python, *(["-c", "..."] if argv[0] == "-c" else [script]), *argv[1:]])
    if argv[0] == "-c":
        return f"{python} -c ..."
    # The script by its name only: its folder is a home directory, its arguments may be secrets.
    return shlex.join([python, os.path.basename(argv[0])])


def add_option(parser: Any) -> None:
    """--provenance on an argparse parser: what a written file keeps of the command (docs/safety.md)."""
    parser.add_argument(
        "--provenance",
        choices=("safe", "full"),
        default="safe",
        help="what the file keeps of this command: safe (default: file names only, no absolute paths) or full "
        "(the whole command line as typed)",
    )


def cli_command(argv: list[str], keep: str = "safe") -> str:
    """The culturesim command line as a file keeps it: with ``keep="safe"`` every absolute path
    (also after ``--option=``) cut to its file name; ``"full"`` as typed.

    >>> cli_command(["sweep", "/home/alice/exp.toml", "-o", "out.h5"])
    'culturesim sweep exp.toml -o out.h5'
    """
    if keep == "full":
        return "culturesim " + shlex.join(argv)
    return "culturesim " + shlex.join(_safe_token(t) for t in argv)


def _safe_token(token: str) -> str:
    option, eq, value = token.partition("=") if token.startswith("--") else ("", "", token)
    if os.path.isabs(value):
        value = os.path.basename(value.rstrip(os.sep)) or value
    return option + eq + value


def safe_command(text: str) -> str:
    """A stored command made safe to show: a Python script by its name without arguments, a
    culturesim command line with file names for absolute paths (files written before culturesim
    kept only these).

    >>> safe_command("python3 /home/alice/project/make.py --token=hunter2")
    'python3 make.py'
    """
    try:
        parts = shlex.split(text)
    except ValueError:
        return text.split(" ", 1)[0]
    if not parts:
        return text
    if parts[0] == "culturesim":
        return "culturesim " + shlex.join(_safe_token(t) for t in parts[1:])
    if parts[0].startswith("python") or parts[0].endswith("python"):
        if len(parts) > 1 and parts[1] == "-c":
            return f"{parts[0]} -c ..."
        return shlex.join([os.path.basename(parts[0]), *[os.path.basename(p) for p in parts[1:2]]])
    if parts[0] == "notebook":
        return "notebook " + os.path.basename(" ".join(parts[1:]))
    return text if not any(os.path.isabs(p) for p in parts) else shlex.join(_safe_token(t) for t in parts)


def shown(provenance: dict[str, Any]) -> dict[str, Any]:
    """The part of a file's provenance that `culturesim info` and reports show: when, why, by
    which command (made safe by safe_command), the software versions, and the merged parts by
    their file names. Everything else the file keeps is left out.

    >>> shown({"command": "python /home/a/make.py --token=x", "host": "lab-7"})
    {'command': 'python make.py'}
    """
    out: dict[str, Any] = {}
    for name, value in provenance.items():
        if name == "command":
            out[name] = safe_command(str(value))
        elif name == "merged_from":
            out[name] = [_safe_merged(str(v)) for v in value]
        elif name in SHOWN or name.startswith("software."):
            out[name] = value
    return out


def _safe_merged(line: str) -> str:
    """One line of merged_from ("NAME: created ... by `COMMAND`, culturesim V"), its command made safe."""
    head, tick, rest = line.partition("by `")
    command, close, tail = rest.partition("`")
    return head + tick + safe_command(command) + close + tail if tick and close else line


def _notebook() -> str | None:
    """'notebook PATH' inside Jupyter (the server names the notebook in JPY_SESSION_NAME; VS Code in
    __vsc_ipynb_file__), 'IPython session' in a bare IPython, None elsewhere."""
    if "IPython" not in sys.modules:
        return None
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython half imported
        return None
    shell = get_ipython()
    if shell is None:
        return None
    path = shell.user_ns.get("__vsc_ipynb_file__") or os.environ.get("JPY_SESSION_NAME")
    if path:
        return f"notebook {path if _full.get() else os.path.basename(path)}"
    return "Jupyter kernel" if "ipykernel" in sys.modules else "IPython session"


def software() -> dict[str, str]:
    """The versions Python knows: Python, NumPy, h5py (with its bundled HDF5) and pybind11."""
    import h5py
    import numpy

    return {
        "software.python": f"{platform.python_version()} ({platform.python_implementation()})",
        "software.numpy": numpy.__version__,
        "software.h5py": f"{h5py.version.version} (HDF5 {h5py.version.hdf5_version})",
        "software.pybind11": _engine.pybind11_version,
    }


def collect(description: str | None = None) -> dict[str, str]:
    """The provenance Python gives the engine for a new results file (the engine adds the creation
    time, its version and its HDF5's)."""
    return {"description": check_description(description), "command": command(), **software()}


def utc_now() -> str:
    """Now in UTC as ISO 8601 to the second, as the engine writes ``created``: 2026-12-01T23:04:05Z."""
    import datetime

    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_description(description: Any) -> str:
    """The description as stored: a string (None is empty); ValueError for anything else."""
    if description is None:
        return ""
    if not isinstance(description, str):
        raise ValueError(f"description must be text (a str), got {type(description).__name__} {description!r}")
    if "\0" in description:
        raise ValueError("description must not contain a NUL character")
    return description


def read(group: Any) -> dict[str, Any]:
    """The provenance of an open h5py file (verified by the engine before), in table order; {} for
    a file written before provenance was recorded."""
    if _engine.provenance_group not in group:
        return {}
    attrs = group[_engine.provenance_group].attrs
    out: dict[str, Any] = {}
    for name in FIELDS:
        if name in attrs:
            value = attrs[name]
            if hasattr(value, "tolist") and not isinstance(value, bytes):
                value = value.tolist()
            if isinstance(value, list):
                out[name] = [v.decode() if isinstance(v, bytes) else str(v) for v in value]
            else:
                out[name] = value.decode() if isinstance(value, bytes) else str(value)
    return out


def lines(provenance: dict[str, Any], indent: str = "  ") -> list[str]:
    """The provenance as text lines for ``culturesim info`` (every value terminal-safe)."""
    from .terminal import escape

    if not provenance:
        return [f"{indent}none recorded (a file written before culturesim recorded provenance)"]
    out = []
    label = {"created": "created", "description": "description", "command": "made by", "merged_from": "merged from"}
    versions = [
        f"{name.split('.', 1)[1]} {value}" for name, value in provenance.items() if name.startswith("software.")
    ]
    for name in ("created", "description", "command"):
        value = provenance.get(name)
        if value or name == "description":
            out.append(f"{indent}{label[name] + ':':<13}{escape(value) if value else '(none)'}")
    if versions:
        out.append(f"{indent}{'software:':<13}{escape('; '.join(versions))}")
    for i, line in enumerate(provenance.get("merged_from") or []):
        out.append(f"{indent}{(label['merged_from'] + ':') if i == 0 else '':<13}{escape(line)}")
    return out
