// Python dicts <-> engine objects. The Python layer describes scenarios as plain dicts (see
// culturesim/scenario.py: Scenario.to_dict); every conversion error names the field.
#pragma once
#include <pybind11/pybind11.h>

#include "agents/simulation.hpp"
#include "experiments/ensemble.hpp"
#include "experiments/experiment.hpp"
#include "experiments/scenario.hpp"

namespace culturesim::bindings {

namespace py = pybind11;

Params params_from(const py::handle& overrides, Params base = {});
Policy policy_from(const py::handle& fields, Policy base = Policy::typical());
Hospital hospital_from(const py::handle& description);
Intervention intervention_from(const py::handle& description, std::size_t position);
Scenario scenario_from(const py::handle& description);
std::vector<Scenario> scenarios_from(const py::handle& descriptions);
EnsembleOptions ensemble_options_from(std::int64_t days, int record_every, std::uint64_t seed, int threads);
/// Sets the warm-up (days before day 0 and its policy: a dict of fields or None for typical) and validates it.
void set_warmup(EnsembleOptions& options, std::int64_t warmup_days, const py::handle& warmup_policy);
Experiment experiment_from(const py::handle& scenarios, std::size_t replicates, std::int64_t days, int record_every,
                           std::uint64_t seed, int threads);

py::dict params_to_dict(const Params& params);
py::dict policy_to_dict(const Policy& policy);
py::dict hospital_to_dict(const Hospital& hospital);
py::dict intervention_to_dict(const Intervention& intervention);
/// The dict Scenario.to_dict() gives (every parameter; hospital None for the default one).
py::dict scenario_to_dict(const Scenario& scenario);

}  // namespace culturesim::bindings
