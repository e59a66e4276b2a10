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


def adopt(table: str, defaults: dict[str, float]) -> str:
    """The table text with each named scalar parameter's default replaced."""
    for name, value in defaults.items():
        row = re.compile(rf"(CS_PARAM\(scalar, {re.escape(name)}, )([^,]+)(,)")
        if len(row.findall(table)) != 1:
            raise SystemExit(f"adopt_posterior: no single scalar CS_PARAM row for '{name}' in {TABLE}")
        table = row.sub(lambda m: f"{m.group(1)}{value!r}{m.group(3)}", table)
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
