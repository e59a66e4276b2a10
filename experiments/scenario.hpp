// A scenario: a hospital, a base parameter set, a policy and a list of interventions.
#pragma once
#include <string>
#include <vector>

#include "agents/hospital.hpp"
#include "agents/parameters.hpp"
#include "agents/policy.hpp"
#include "agents/simulation.hpp"
#include "core/cancellation.hpp"
#include "experiments/intervention.hpp"

namespace culturesim {

/// One value of a sweep: a parameter, policy field or "blame" and the value it takes (sweep.hpp).
struct Coordinate {
  std::string name;
  double value = 0.0;
  bool operator==(const Coordinate&) const = default;
};

struct Scenario {
  std::string name = "typical";
  Hospital hospital = Hospital::default_hospital();
  Params params{};
  Policy policy = Policy::typical();
  std::vector<Intervention> interventions;
  /// Where the scenario sits in a sweep (empty outside one): labels of values it already has.
  std::vector<Coordinate> coords;

  /// Throws InvalidValue / UnknownName prefixed with "scenario '<name>': ".
  void validate() const;
  Schedule schedule() const;
  /// A TOML text that describes the scenario completely (kept in every results file).
  std::string to_toml() const;

  bool operator==(const Scenario&) const = default;
};

/// One run of a scenario.
RunResult run_scenario(const Scenario& scenario, const RunOptions& options, core::CancellationToken* cancel = nullptr,
                       std::atomic<std::int64_t>* days_done = nullptr);

}  // namespace culturesim
