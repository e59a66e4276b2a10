"""Provenance of results: when, by which software and command, and why.

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
    if argv[0] == "-c":
        return shlex.join(["python", "-c", "...", *argv[1:]])
    script = os.path.abspath(argv[0]) if os.path.exists(argv[0]) else argv[0]
    return shlex.join([os.path.basename(sys.executable) or "python", script, *argv[1:]])


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
        return f"notebook {path}"
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
    """The provenance as text lines for ``culturesim info`` and reports."""
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
            out.append(f"{indent}{label[name] + ':':<13}{value or '(none)'}")
    if versions:
        out.append(f"{indent}{'software:':<13}{'; '.join(versions)}")
    for i, line in enumerate(provenance.get("merged_from") or []):
        out.append(f"{indent}{(label['merged_from'] + ':') if i == 0 else '':<13}{line}")
    return out
