"""One rule for every command that writes a file (docs/safety.md).

Every writer (run, sweep, demo and its figure, merge, calibrate, report, plot; Experiment.run,
calibrate and Posterior.save in Python) goes through this module:

1. Before any work, :func:`check_outputs` checks each output against every input and against
   the other outputs, its folder, and what is there already: an existing file is refused unless
   the command was told to replace it (``--force``) or to continue it (``--resume``), and
   ``--force`` replaces only a file of the kind the command writes (a results file, a posterior,
   a figure, a culturesim report), never a scenario TOML or someone else's HDF5 file.
2. A replacement is written aside, under a hidden name in the same folder, and moved over the
   old file by one atomic rename once it is complete (:class:`Replacement`). Until then the old
   file stays as it was; an interrupted or failed replacement removes only its own new file.
3. The old file is locked (the engine's kind of lock: an open-file-description lock, released by
   the kernel when the process dies) from the check to the rename, so of two concurrent
   ``--force`` writers exactly one wins; the other stops before doing any work and says so.

Inputs are opened by :func:`read_input`: regular files only (never a FIFO or a device, which
would block or never end) and at most a stated size.

>>> import culturesim.safe_write as sw, os, tempfile
>>> d = tempfile.mkdtemp(); toml = os.path.join(d, "s.toml"); _ = open(toml, "w").write("name = 'a'")
>>> sw.check_outputs([sw.Output(toml, "results")], force=True)
Traceback (most recent call last):
ValueError: --force replaces only results files, and 's.toml' is a text file; it was left untouched: choose another name with -o, or remove the file yourself
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
import struct
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

#: What each kind of output is called in messages.
KINDS = {
    "results": "results file",
    "posterior": "posterior file",
    "figure": "figure",
    "report": "culturesim report",
    "table": "table (CSV)",
}
#: The figure formats culturesim writes (docs/cli.md): by the file's suffix.
FIGURE_SUFFIXES = (".png", ".svg", ".pdf")
#: The largest TOML file read (scenario and experiment files are a few kB).
MAX_TOML_BYTES = 16 * 2**20
#: The largest small side file read (a Dask scheduler file).
MAX_SIDE_FILE_BYTES = 2**20

_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
#: Paths whose replacement was given up (interrupted or failed): the old file stayed as it was.
discarded: set[str] = set()
#: The flags a command line names in its advice; Python callers get the keyword arguments.
CLI = {"force": "--force", "resume": "--resume", "name": "-o", "verb": "add"}
PYTHON = {
    "force": "force=True",
    "resume": "resume=True",
    "name": "another path",
    "verb": "pass",
    "other": "give another path",
}


@dataclass(frozen=True)
class Output:
    """One file a command writes: its path, its kind (a key of KINDS), and the flag that names it."""

    path: str
    kind: str
    flag: str = "-o"

    @property
    def what(self) -> str:
        return KINDS[self.kind]


# -- inputs ----------------------------------------------------------------------------------------
def check_input(path: Any, what: str, kind: str | None = None) -> str:
    """The path of an input that exists and is a regular file (not a FIFO, device or folder);
    with ``kind``, not a culturesim file of another kind (a posterior given as results)."""
    if isinstance(path, bool) or not isinstance(path, (str, os.PathLike)):
        raise ValueError(f"the {what} must be a file name (str or os.PathLike), got {type(path).__name__} {path!r}")
    path = os.fspath(path)
    if path == "":
        raise ValueError(f"the {what} name is empty; give a file name")
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise FileNotFoundError(f"no {what} at '{path}'") from None
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(f"'{path}' is a directory, not a {what}")
    if not stat.S_ISREG(info.st_mode):
        raise ValueError(f"'{path}' is not a regular file ({_special(info.st_mode)}); a {what} must be a plain file")
    if kind is not None:
        found = kind_of(path)
        if found in KINDS and found != kind:
            raise OSError(f"'{path}' is {described(found)}, not a culturesim {KINDS[kind]}; {_USE[found]}")
    return path


#: How to use a culturesim file given where another kind was expected.
_USE = {
    "posterior": "open it with cs.open_posterior, or give it to an experiment as its params",
    "results": "open it with cs.open_results (or culturesim info)",
    "figure": "it is a picture",
    "report": "it is a page to open in a browser",
    "table": "it is a table to open in a spreadsheet",
}


def read_input(path: Any, what: str, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most ``max_bytes`` (ValueError naming it otherwise).

    Opened without blocking, and checked again on the open descriptor, so a FIFO swapped in
    after the check cannot block the read."""
    path = check_input(path, what)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(
                f"'{path}' is not a regular file ({_special(info.st_mode)}); a {what} must be a plain file"
            )
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValueError(f"'{path}' is larger than {_human(max_bytes)}, too large for a {what}")
    return data


def _special(mode: int) -> str:
    for test, name in (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "not a plain file"


def _human(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:g} {unit}"
        n /= 1024
    return ""  # pragma: no cover


# -- what a file is ----------------------------------------------------------------------------------
def kind_of(path: str) -> str:
    """What an existing file holds: "results", "posterior", "figure", "report", "table" (a CSV
    text file), "empty", or a
    description of anything else ("an HDF5 file of another program", "a text file", ...)."""
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        return "directory" if stat.S_ISDIR(info.st_mode) else _special(info.st_mode)
    if info.st_size == 0:
        return "empty"
    with open(path, "rb") as f:
        head = f.read(4096)
    if head.startswith(_HDF5_SIGNATURE):
        return _hdf5_kind(path)
    suffix = os.path.splitext(path)[1].lower()
    if head.startswith(b"\x89PNG\r\n\x1a\n") or head.startswith(b"%PDF-"):
        return "figure" if suffix in FIGURE_SUFFIXES else "an image"
    text = head.lstrip().lower()
    if text.startswith(b"<!doctype html>") and b"culturesim" in head:
        return "report"
    if (text.startswith(b"<?xml") or text.startswith(b"<svg")) and b"<svg" in text and suffix == ".svg":
        return "figure"
    try:
        head.decode("utf-8")
        return "table" if suffix == ".csv" else "a text file"
    except UnicodeDecodeError:
        return "a file of another program"


def _hdf5_kind(path: str) -> str:
    # The engine reads the root attribute as it reads results files (bounded, read-only): h5py is
    # not trusted with a damaged file. Only a file the engine opened but whose format it cannot read
    # (a variable-length string: older culturesim files) is asked of h5py.
    from . import _engine

    fmt = _engine.file_format(path)
    if fmt == "?":
        fmt = _h5py_format(path)
    if fmt == "":
        return "a damaged HDF5 file"
    return {"culturesim-results": "results", "culturesim-posterior": "posterior"}.get(
        fmt, "an HDF5 file of another program"
    )


def _h5py_format(path: str) -> str | None:
    try:
        import h5py

        with h5py.File(path, "r") as f:
            fmt = f.attrs.get("format")
    except Exception:  # noqa: BLE001 - h5py's errors on a file it cannot read
        return ""
    return fmt.decode() if isinstance(fmt, bytes) else fmt


def described(kind: str) -> str:
    """A kind as words: 'a culturesim posterior file', 'a text file', ..."""
    return f"a culturesim {KINDS[kind]}" if kind in KINDS else ("an empty file" if kind == "empty" else kind)


def replaceable(kind: str, existing: str) -> bool:
    """Whether ``--force`` of a command writing ``kind`` may replace a file that is ``existing``:
    one of its own kind, an empty file, or (for results) a damaged HDF5 file, which is what a
    results file killed while being created looks like."""
    return existing in (kind, "empty") or (kind in ("results", "posterior") and existing == "a damaged HDF5 file")


# -- the rule ----------------------------------------------------------------------------------------
def _same(a: str, b: str) -> bool:
    if os.path.abspath(a) == os.path.abspath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def check_outputs(
    outputs: Sequence[Output],
    inputs: Sequence[str] = (),
    *,
    force: bool = False,
    resume: bool = False,
    flags: dict[str, str] | None = None,
) -> None:
    """Refuses, before any work, an output that is empty, an input, another output, in a missing
    folder, a directory or special file, or an existing file the command was not told to replace
    (``force``, and then only one of its kind) or continue (``resume``). ``flags``: the names of
    the command's own options (CLI, PYTHON, or a subset: a command without --resume has no
    "resume"), so advice names only what the command has."""
    flags = CLI if flags is None else flags
    for i, out in enumerate(outputs):
        name = out.flag if flags is CLI or out.flag != "-o" else flags.get("name", out.flag)
        if isinstance(out.path, bool) or not isinstance(out.path, (str, os.PathLike)):
            raise ValueError(f"the {out.what} must be a file name (str or os.PathLike), got {out.path!r}")
        path = os.fspath(out.path)
        if not path:
            raise ValueError(f"the {out.what} name given with {name} is empty; give a file name")
        for source in inputs:
            if _same(path, source):
                raise ValueError(
                    f"the {out.what} '{path}' is the input file '{source}'; it was left untouched: "
                    f"choose another name with {name}"
                )
        for other in outputs[:i]:
            if _same(path, os.fspath(other.path)):
                raise ValueError(
                    f"the {out.what} ({name} {path}) and the {other.what} ({other.flag} {other.path}) are the same "
                    f"file; one would overwrite the other: give them different names"
                )
        if out.kind == "figure" and os.path.splitext(path)[1].lower() not in FIGURE_SUFFIXES:
            raise ValueError(
                f"the figure '{path}' ({name}): the suffix must be .png, .svg or .pdf (the format is taken from it)"
            )
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise FileNotFoundError(f"cannot write '{path}': the folder '{folder}' does not exist")
        if not os.path.lexists(path):
            continue
        existing = kind_of(path)
        if existing == "directory":
            raise IsADirectoryError(f"cannot write '{path}': it is a directory; give a file name ({name})")
        if not (force or resume):
            advice = []
            if "resume" in flags:
                advice.append(f"{flags['resume']} to continue it (what is finished is kept)")
            if "force" in flags:
                advice.append(f"{flags['force']} to replace it (the old file stays until the new one is complete)")
            advice.append(flags.get("other", f"choose another name with {name}"))
            verb = flags.get("verb", "add")
            raise FileExistsError(
                f"{out.what} '{path}' already exists and was left untouched; "
                + (f"{verb} {', '.join(advice[:-1])}, or {advice[-1]}" if len(advice) > 1 else advice[0])
            )
        if resume and existing != out.kind:
            raise ValueError(f"cannot resume '{path}': it is {described(existing)}, not a culturesim {out.what}")
        if force and not replaceable(out.kind, existing):
            raise ValueError(
                f"{flags.get('force', '--force')} replaces only {out.what}s, and '{path}' is {described(existing)}; "
                f"it was left untouched: {flags.get('other', f'choose another name with {name}')}, or remove the file yourself"
            )


def check_figure_replicates(figure: str | None, replicates: int) -> None:
    """A figure of bands over replicates needs two of them: refused before anything runs."""
    if figure and replicates < 2:
        raise ValueError(
            f"--replicates {replicates}: the figure '{figure}' draws bands over replicates, which need at least 2; "
            "give --replicates 2 or more, or --no-figure"
        )


# -- writing aside -----------------------------------------------------------------------------------
_LOCK = struct.pack("hhqqi", fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0)


def _lock(path: str) -> int | None:
    """An exclusive lock on the file at ``path`` (None when the file system has no such locks);
    FileExistsError when another writer holds it."""
    try:
        fd = os.open(path, os.O_RDWR | getattr(os, "O_CLOEXEC", 0))
    except PermissionError:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        fcntl.fcntl(fd, getattr(fcntl, "F_OFD_SETLK", fcntl.F_SETLK), _LOCK)
    except OSError as exc:
        os.close(fd)
        if exc.errno in (errno.EAGAIN, errno.EACCES):
            raise FileExistsError(busy_message(path)) from None
        if exc.errno in (errno.EBADF, errno.EINVAL, errno.ENOLCK):
            return None  # read-only or lockless file system: the rename's check still guards
        raise
    return fd


def busy_message(path: str) -> str:
    """What the loser of two writers of one file is told."""
    return (
        f"another culturesim command is writing or replacing '{path}' right now; this one stopped before doing "
        "anything and wrote nothing: wait for the other to finish, or write to another file"
    )


def aside_name(path: str) -> str:
    """The hidden name a replacement of ``path`` is written under (same folder, same suffix)."""
    folder, base = os.path.split(path)
    stem, suffix = os.path.splitext(base)
    return os.path.join(folder, f".{stem}.replacing.{os.getpid()}{suffix}")


class Replacement:
    """Writing a file in place of ``path``: ``target`` is the name to write; publish() moves it
    over ``path`` once it is complete, discard() removes it and leaves ``path`` as it was.

    When nothing exists at ``path`` (or ``force`` is false) the target is ``path`` itself and
    publish() does nothing: the writer creates it without replacing anything (the engine refuses
    a file that appears meanwhile). Otherwise the existing file is locked until publish() or
    discard(), so a second replacement at the same time is refused (FileExistsError)."""

    def __init__(self, path: str, force: bool = True, aside: bool = False):
        self.path = os.fspath(path)
        self._fd: int | None = None
        self.mode = "create"
        self._inode: tuple[int, int] | None = None
        self.replacing = bool(force) and os.path.lexists(self.path)
        # A file written whole (a figure, a report) goes aside even when new, so no one ever sees
        # half of it; a results file is created in place, where --resume continues it.
        self.aside = self.replacing or aside
        self.target = aside_name(self.path) if self.aside else self.path
        if self.replacing:
            self._fd = _lock(self.path)
            self._inode = os.fstat(self._fd)[1:3] if self._fd is not None else None
        if self.aside:
            for leftover in (self.target, self.target + ".abc.db"):
                if os.path.lexists(leftover):
                    os.remove(leftover)

    def publish(self, extra: Sequence[tuple[str, str]] = ()) -> None:
        """Moves the new file (and any ``extra`` (new, final) pairs first) into place."""
        if not self.aside:
            return
        if not self.replacing:  # a new file: published only if nothing appeared meanwhile
            try:
                os.link(self.target, self.path)
            except FileExistsError:
                raise FileExistsError(
                    f"'{self.path}' appeared while this command ran (another command wrote it first); it was left "
                    "as it is"
                ) from None
            finally:
                os.remove(self.target)
            self.aside = False
            return
        try:
            if self._inode is not None and os.path.lexists(self.path) and os.stat(self.path)[1:3] != self._inode:
                raise FileExistsError(
                    f"'{self.path}' was replaced by someone else while this command ran; it was left as it is, "
                    f"and the new file is kept as '{self.target}'"
                )
            for new, final in extra:
                if os.path.lexists(new):
                    os.replace(new, final)
            os.replace(self.target, self.path)
        finally:
            self._release()
        self.aside = self.replacing = False  # done: a later discard() changes nothing

    def discard(self) -> None:
        """Removes the unfinished new file; the old one stays as it was."""
        if self.aside:
            with contextlib.suppress(FileNotFoundError):
                os.remove(self.target)
            if self.replacing:
                discarded.add(self.path)
        self._release()

    def _release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "Replacement":
        return self

    def __exit__(self, kind: Any, *rest: Any) -> None:
        if kind is None:
            self.publish()
        else:
            self.discard()


def results_target(path: str, mode: str) -> Replacement:
    """Where the engine writes a results file in ``mode`` (create, overwrite, resume): ``.target``
    and ``.mode``. An overwrite of an existing file becomes a create of the aside name, published
    by publish(); of a missing one, a create (so of two writers exactly one wins)."""
    r = Replacement(path, force=mode == "overwrite")
    r.mode = "create" if mode == "overwrite" else mode
    return r


@contextlib.contextmanager
def replacing(path: str, force: bool = True, aside: bool = True) -> Iterator[str]:
    """A block that writes the name it is given; on success that file replaces ``path``.

    >>> import os, tempfile, culturesim.safe_write as sw
    >>> p = os.path.join(tempfile.mkdtemp(), "fig.png")
    >>> with sw.replacing(p) as target:
    ...     _ = open(target, "w").write("new")
    >>> open(p).read()
    'new'
    """
    with Replacement(path, force, aside) as r:
        yield r.target


def write_output(out: Output, write: Callable[[str], Any], force: bool = False, inputs: Sequence[str] = ()) -> Any:
    """Checks ``out`` by the rule, then ``write(name)`` aside and moves the file into place."""
    check_outputs([out], inputs, force=force, flags={"force": CLI["force"], "name": out.flag, "verb": "add"})
    with replacing(out.path, force) as target:
        return write(target)
