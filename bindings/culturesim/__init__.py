"""culturesim: an agent-based simulation of second victims of medical error.

Clinicians' errors, reporting, distress, burnout and turnover respond to a tunable policy between
a blame culture and a Just Culture. The engine is parallel C++; this package is its front door.

>>> import culturesim as cs
>>> r = cs.run("blame", years=1, progress=False)              # one run
>>> exp = cs.Experiment(["blame", "just_culture"], replicates=2, years=1)
>>> res = exp.run(progress=False)                              # scenarios x replicates
>>> round(res.compare("blame", "just_culture", "reports")["n"])
2
"""

from __future__ import annotations

from . import _engine, plotting, seed, validation
from .experiment import Experiment, ExperimentResult, open_results
from .intervention import Intervention
from .outputs import OUTPUT_NAMES, OUTPUTS
from .params import Params, default_params, parameter_table
from .policy import Policy
from .result import Result, run
from .scenario import Scenario, default_hospital
from .sweep import Sweep, sweep

__version__: str = _engine.__version__
engine_version: str = _engine.engine_version
build_info: str = _engine.build_info

__all__ = [
    "Experiment",
    "ExperimentResult",
    "Intervention",
    "OUTPUTS",
    "OUTPUT_NAMES",
    "Params",
    "Policy",
    "Result",
    "Scenario",
    "Sweep",
    "default_hospital",
    "plotting",
    "seed",
    "validation",
    "default_params",
    "open_results",
    "parameter_table",
    "run",
    "sweep",
    "__version__",
]
