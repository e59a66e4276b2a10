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

from . import (
    _engine,
    board,
    costs,
    limitations,
    metrics,
    params,
    plotting,
    provenance,
    report,
    seed_claims,
    survey,
    validation,
)
from .calibration import calibrate
from .cost_uncertainty import split as cost_split
from .effect_sensitivity import Sensitivity, sensitivity
from .experiment import Experiment, ExperimentResult, open_results
from .hospital_targets import LocalTargets, local_targets
from .intervention import Intervention
from .outputs import OUTPUT_NAMES, OUTPUTS
from .params import Params, default_params, parameter_table
from .policy import Policy
from .policy_levers import levers, plot_tornado
from .posterior import Posterior, open_posterior
from .prior_specs import priors
from .result import Result, run, run_together
from .scenario import Scenario, default_hospital
from .sweep import Sweep, sweep

__version__: str = _engine.__version__
engine_version: str = _engine.engine_version
build_info: str = _engine.build_info

__all__ = [
    "Experiment",
    "ExperimentResult",
    "Intervention",
    "LocalTargets",
    "OUTPUTS",
    "OUTPUT_NAMES",
    "Params",
    "Posterior",
    "Policy",
    "Result",
    "Scenario",
    "Sensitivity",
    "Sweep",
    "default_hospital",
    "plotting",
    "seed_claims",
    "board",
    "costs",
    "limitations",
    "metrics",
    "params",
    "provenance",
    "report",
    "survey",
    "validation",
    "calibrate",
    "levers",
    "plot_tornado",
    "cost_split",
    "default_params",
    "local_targets",
    "open_results",
    "open_posterior",
    "parameter_table",
    "priors",
    "run",
    "run_together",
    "sensitivity",
    "sweep",
    "__version__",
]


def __getattr__(name: str):
    # cs.seed was renamed cs.seed_claims (it read like the random seed); the old name works for one
    # more release, with a DeprecationWarning on each use.
    if name == "seed":
        import warnings

        warnings.warn(
            "cs.seed was renamed cs.seed_claims (the seed text's experiments, not the random seed); "
            "the old name goes in the next release",
            DeprecationWarning,
            stacklevel=2,
        )
        return seed_claims
    raise AttributeError(f"module 'culturesim' has no attribute '{name}'")
