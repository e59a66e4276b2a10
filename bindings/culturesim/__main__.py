"""``python -m culturesim``: the same as the ``culturesim`` command."""

import sys

from .cli import main

# Guarded: mpi4py.futures workers import the main module under another name (`--mpi` sweeps).
if __name__ == "__main__":
    sys.exit(main())
