#include "experiments/resources.hpp"

#include <algorithm>
#include <string>
#include <thread>

#include "agents/outputs.hpp"
#include "core/clock.hpp"
#include "experiments/experiment.hpp"

namespace culturesim {
namespace {

double series_bytes(std::int64_t days, int record_every) {
  const auto periods = static_cast<double>(
      core::Clock{days, core::is_calendar(record_every) ? record_every : std::max(record_every, 1)}.periods());
  return periods * static_cast<double>(kOutputs) * sizeof(double);
}

double clinicians(const Scenario& scenario) { return static_cast<double>(scenario.hospital.establishment()); }

/// Series recorded per run relative to the hospital's alone: with breakdown, one more per unit
/// and per role (independent of the number of clinicians).
double series_groups(const Scenario& scenario, bool breakdown) {
  return breakdown ? 1.0 + static_cast<double>(scenario.hospital.units.size() + kRoles) : 1.0;
}

}  // namespace

core::ResourceNeeds run_needs(const Scenario& scenario, const RunOptions& options) {
  core::ResourceNeeds needs;
  const double people = clinicians(scenario);
  needs.memory.push_back(
      {"state of " + std::to_string(static_cast<long long>(people)) + " clinicians", people * kStateBytesPerClinician});
  // The series are recorded once and copied once more on the way out.
  needs.memory.push_back({"recorded series", 2 * series_bytes(options.days, options.record_every) *
                                                 series_groups(scenario, options.breakdown)});
  if (options.snapshot_every > 0) {
    const double snapshots = static_cast<double>(options.days / options.snapshot_every + 1);
    needs.memory.push_back({"snapshots", snapshots * people * kSnapshotBytesPerClinician});
  }
  return needs;
}

core::ResourceNeeds experiment_needs(const Experiment& experiment, std::size_t runs) {
  core::ResourceNeeds needs;
  if (runs == 0) return needs;
  double largest = 0;
  for (const auto& s : experiment.scenarios) largest = std::max(largest, clinicians(s));
  const int threads = experiment.options.threads > 0 ? experiment.options.threads
                                                     : static_cast<int>(std::thread::hardware_concurrency());
  const auto in_flight =
      static_cast<double>(std::min<std::size_t>(runs, static_cast<std::size_t>(std::max(threads, 1))));
  const double series = series_bytes(experiment.options.days, experiment.options.record_every) *
                        series_groups(experiment.scenarios.front(), experiment.options.breakdown);
  needs.memory.push_back({"state of " + std::to_string(static_cast<long long>(in_flight)) + " runs in flight",
                          in_flight * largest * kStateBytesPerClinician});
  // Each run in flight records its series and hands a copy to the writer.
  needs.memory.push_back({"series of runs in flight", 2 * in_flight * series});
  needs.disk.push_back({"series of " + std::to_string(runs) + " runs", static_cast<double>(runs) * series});
  // Warm-ups shared between scenarios hold a batch's warmed states (one per thread and group), and
  // start states are all read up front; saved end states are written with each run.
  const double state = largest * kStateBytesPerClinician;
  const auto groups = warmup_groups(experiment.scenarios);
  bool shared = false;  // a warm-up two scenarios share is held as a state for the batch of replicates
  for (std::size_t s = 0; s < groups.size(); ++s) shared |= groups[s] != s;
  if (experiment.options.warmup_days > 0 && shared) {
    needs.memory.push_back(
        {"warmed states shared by scenarios", in_flight * static_cast<double>(experiment.scenarios.size()) * state});
  }
  if (experiment.start) {
    needs.memory.push_back({"start states of " + std::to_string(experiment.replicates) + " replicates",
                            static_cast<double>(experiment.replicates) * state});
  }
  if (experiment.save_state) {
    double values = 0;  // the float64 values of one saved state (every scenario's hospital has its size)
    for (const auto& a : state_run_arrays(experiment.scenarios.front().hospital))
      values += static_cast<double>(a.length);
    needs.disk.push_back(
        {"saved end states of " + std::to_string(runs) + " runs", static_cast<double>(runs) * values * sizeof(double)});
  }
  return needs;
}

}  // namespace culturesim
