"""Deprecated: the old name of culturesim.seed_claims (the seed text's thought experiments), kept
for one release; it read like the random seed. Use ``cs.seed_claims``."""

from __future__ import annotations

import warnings

from .seed_claims import SUPPORTED, UNSUPPORTED, bucket_params

warnings.warn(
    "culturesim.seed was renamed culturesim.seed_claims (the seed text's experiments, not the random seed); "
    "the old name goes in the next release",
    DeprecationWarning,
    stacklevel=2,
)

__all__ = ["SUPPORTED", "UNSUPPORTED", "bucket_params"]
