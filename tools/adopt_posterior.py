#!/usr/bin/env python3
"""Makes a posterior's medians the engine's defaults: rewrites the default of each parameter the
posterior fits in agents/parameter_table.def (the one owner of defaults) to Posterior.defaults().

    python3 tools/adopt_posterior.py                 # the shipped posterior
    python3 tools/adopt_posterior.py posterior.h5    # another (then ship it: bindings/culturesim/data/)

Then rebuild, regenerate docs/parameters.md and docs/validation.md, and run the tests:
tests/python/test_uncertainty.py checks that the defaults are the shipped posterior's medians.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

TABLE = Path(__file__).resolve().parent.parent / "agents" / "parameter_table.def"


#: What the source column of an adopted default starts with (docs/parameters.md shows it).
MARK = "posterior median of the default calibration (docs/validation.md)"


def adopt(table: str, defaults: dict[str, float]) -> str:
    """The table text with each named scalar parameter's default replaced, and its source marked."""
    for name, value in defaults.items():
        rows = list(re.finditer(rf'CS_PARAM\(scalar, {re.escape(name)}, ([^,]+),.*?"\)\n', table, re.S))
        if len(rows) != 1:
            raise SystemExit(f"adopt_posterior: no single scalar CS_PARAM row for '{name}' in {TABLE}")
        row = rows[0]
        text = row.group(0)
        source = list(re.finditer(r'"((?:[^"\\]|\\.)*)"', text))[-1]  # the row's last string
        if not source.group(1).startswith(MARK):
            text = f'{text[: source.start()]}"{MARK}; {source.group(1)}"{text[source.end() :]}'
        start = row.start(1) - row.start(0)
        text = f"{text[:start]}{value!r}{text[start + len(row.group(1)) :]}"
        table = table[: row.start()] + text + table[row.end() :]
    return table


def main(argv: list[str]) -> int:
    import culturesim as cs

    post = cs.open_posterior(argv[0]) if argv else cs.open_posterior()
    defaults = post.defaults()
    TABLE.write_text(adopt(TABLE.read_text(), defaults))
    for name, value in defaults.items():
        print(f"{name} = {value!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
