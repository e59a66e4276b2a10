"""Text from files, made safe to print on a terminal.

Names, descriptions and provenance come from files anyone may have written. Printed raw, a
newline in a scenario name forges a line of ``culturesim info`` ("runs done: 24 of 24 (complete,
verified)") and an escape sequence retitles or clears the terminal. Every command prints such
text through :func:`escape`: control characters (C0, DEL and C1, which includes ESC, CR, LF and
TAB) become visible escapes, everything else (any language's letters) stays as it is.

>>> from culturesim.terminal import escape
>>> escape("blame\\nruns done: 24 of 24")
'blame\\\\nruns done: 24 of 24'
>>> escape("\\x1b]0;pwned\\x07just_culture")
'\\\\x1b]0;pwned\\\\x07just_culture'
>>> escape("Just Culture – Zürich")
'Just Culture – Zürich'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _visible(ch: str) -> str:
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def _unsafe(ch: str) -> bool:
    code = ord(ch)
    # C0 controls, DEL, C1 controls; and the Unicode line/paragraph separators and bidi overrides,
    # which move or reorder what the terminal shows.
    return code < 0x20 or 0x7F <= code <= 0x9F or code in (0x2028, 0x2029) or 0x202A <= code <= 0x202E


def escape(text: Any) -> str:
    """``text`` (any value, as str) with every control character shown as an escape."""
    text = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    if not any(_unsafe(ch) for ch in text):
        return text
    return "".join(_visible(ch) if _unsafe(ch) else ch for ch in text)


def warning_printer(err: Callable[[str], None]) -> Callable[..., None]:
    """A warnings.showwarning for the command line: each warning once, as one escaped line
    ``culturesim: warning: ...`` (a file's warning would otherwise show once per place it is
    raised: once when the file is read and again when its scenario is run)."""
    seen: set[str] = set()

    def show(message: Any, *rest: Any) -> None:
        text = str(message)
        if text not in seen:
            seen.add(text)
            err(f"culturesim: warning: {escape(text)}")

    return show
