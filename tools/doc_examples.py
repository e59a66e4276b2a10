"""Keeps the printed examples of the docs true: runs each marked command and compares (or rewrites)
the output block under it.

A marked example in a Markdown file is an HTML comment naming the command, then a ```text block
with what it prints:

    <!-- example: culturesim compare results.h5 typical just_culture --window 2 5 -->
    ```text
    ...
    ```

`<!-- setup: COMMAND -->` runs a command whose output is not shown (e.g. the sweep that writes the
file a later example reads). The commands of one file run in order, in one temporary folder that
holds a link to the repository's `experiments/` (so shipped scenario files are found); stdout and
stderr are shown together. Durations and file sizes change from run to run, so the check compares
them masked.

    python tools/doc_examples.py --write docs/cli.md   # regenerate the outputs, on purpose
    python tools/doc_examples.py --check docs/cli.md   # exit 1 with a diff if a doc went stale
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARK = re.compile(r"^<!-- (example|setup): (.+?) -->\n", re.M)
BLOCK = re.compile(r"```text\n(.*?)```\n", re.S)
#: What legitimately changes between runs: durations, file sizes, the speed of a run, and the
#: creation time and software versions a file records.
VOLATILE = [
    (re.compile(r"\d+(\.\d+)? (min|s|ms)\b( \d+ s)?"), "<time>"),
    (re.compile(r"\d+(\.\d+)? (B|kB|MB|GB)\b"), "<size>"),
    # Provenance: when the file was made, and the versions of the software that made it.
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"), "<when>"),
    (re.compile(r"(software: +).*"), r"\1<versions>"),
]


def mask(text: str) -> str:
    for pattern, repl in VOLATILE:
        text = pattern.sub(repl, text)
    return text


def run(command: str, cwd: str) -> str:
    # `culturesim` of this Python's environment first (the project's .venv when tools/test.sh runs it).
    path = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])
    env = dict(os.environ, COLUMNS="200", TERM="dumb", PATH=path)
    done = subprocess.run(["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=1800)
    return (done.stdout + done.stderr).replace(cwd + "/", "./")  # the temporary folder reads as the current one


def process(path: Path, write: bool) -> list[str]:
    """Runs the examples of one file; rewrites their outputs (write) or returns the differences."""
    text = path.read_text(encoding="utf-8")
    out, pos, problems = [], 0, []
    with tempfile.TemporaryDirectory(prefix="culturesim-docs-") as tmp:
        os.symlink(ROOT / "experiments", os.path.join(tmp, "experiments"))
        for m in MARK.finditer(text):
            kind, command = m.group(1), m.group(2)
            printed = run(command, tmp)
            if kind == "setup":
                continue
            block = BLOCK.match(text, m.end())
            if block is None:
                problems.append(f"{path}: example '{command}' has no ```text block right after it")
                continue
            out.append(text[pos : block.start()])
            shown = printed if printed.endswith("\n") or not printed else printed + "\n"
            out.append("```text\n" + shown + "```\n")
            pos = block.end()
            if mask(block.group(1)) != mask(shown):
                diff = difflib.unified_diff(
                    block.group(1).splitlines(), shown.splitlines(), "in the doc", "printed", lineterm=""
                )
                problems.append(f"{path}: the output of '{command}' changed:\n" + "\n".join(diff))
    out.append(text[pos:])
    if write:
        path.write_text("".join(out), encoding="utf-8")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="rewrite the outputs in the files")
    mode.add_argument("--check", action="store_true", help="exit 1 if an output changed")
    parser.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args(argv)
    problems = [p for f in args.files for p in process(f, args.write)]
    if args.write:
        print(f"rewrote the examples of {len(args.files)} file(s)")
        return 0
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
