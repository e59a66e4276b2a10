"""``python -m culturesim``: the same as the ``culturesim`` command."""
import sys

from .cli import main

sys.exit(main())
