// A scenario: a hospital, a base parameter set, a policy and a list of interventions.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "agents/hospital.hpp"
#include "agents/parameters.hpp"
#include "agents/policy.hpp"
#include "agents/simulation.hpp"
#include "core/cancellation.hpp"
#include "experiments/intervention.hpp"

namespace culturesim {

/// The largest random-number stream (Scenario::stream, RunOptions::stream: unsigned 32-bit).
inline constexpr std::int64_t kMaxStream = 4'294'967'295;

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
  /// The random-number stream (RunOptions::stream): scenarios with the same stream and replicate
  /// draw the same random numbers (common random numbers); an experiment over parameter draws gives
  /// draw k stream k. 0 (the default) is the key (seed, replicate) of runs before streams existed.
  std::uint32_t stream = 0;

  /// Throws InvalidValue / UnknownName prefixed with "scenario '<name>': ".
  void validate() const;
  Schedule schedule() const;
  /// A TOML text that describes the scenario completely (kept in every results file).
  std::string to_toml() const;

  bool operator==(const Scenario&) const = default;
};

/// One run of a scenario; the run's stream is the scenario's (options.stream is replaced by it).
RunResult run_scenario(const Scenario& scenario, const RunOptions& options, core::CancellationToken* cancel = nullptr,
                       std::atomic<std::int64_t>* days_done = nullptr);

}  // namespace culturesim
