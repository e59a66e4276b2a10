// An ensemble: many runs (scenario x replicate) stepped in parallel with TBB. Each run is a pure
// function of (scenario, seed, replicate), so the ensemble's results do not depend on the order in
// which runs finish or on the thread count.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "agents/simulation.hpp"
#include "core/cancellation.hpp"
#include "experiments/scenario.hpp"

namespace culturesim {

/// The ensemble's limits (Python shows them as _engine.run_limits).
inline constexpr std::size_t kMaxReplicates = 1'000'000;
static_assert(kMaxReplicates <= core::RandomStream::kReplicateLimit,
              "replicates must stay below 2^32: the random key's second word is replicate + (stream << 32)");
inline constexpr int kMaxThreads = 4096;

struct RunId {
  std::size_t scenario = 0;
  std::size_t replicate = 0;
  bool operator==(const RunId&) const = default;
};

struct EnsembleOptions {
  std::int64_t days = 30 * core::kDaysPerYear;
  int record_every = 30;
  int snapshot_every = 0;
  std::uint64_t seed = 0;
  std::int64_t warmup_days = 0;         ///< see RunOptions::warmup_days
  std::optional<Policy> warmup_policy;  ///< unset: typical
  int threads = 0;                      ///< 0 = all cores
  bool breakdown = false;               ///< see RunOptions::breakdown
  /// Start replicate r from start_states[r] (saved hospital states) instead of a new hospital and a
  /// warm-up; empty: no start states.
  std::vector<std::shared_ptr<const HospitalState>> start_states;
  bool keep_final_state = false;  ///< each RunResult carries the state its run ended in
  bool record_warmup = false;     ///< each RunResult carries its warm-up year by year
  /// Scenarios with the same hospital, parameters and stream share one warm-up per replicate (they would
  /// live identical ones: same random numbers). Off only to test that sharing changes nothing.
  bool share_warmup = true;

  RunOptions run_options(std::size_t replicate) const;
};

/// Counters a progress bar can poll from another thread while the ensemble runs.
struct EnsembleProgress {
  std::atomic<std::int64_t> runs_done{0};
  std::atomic<std::int64_t> days_done{0};
  std::atomic<std::int64_t> days_total{0};  ///< set when the ensemble starts: simulated_days() of its runs
};

/// Receives each finished run. Calls are serialised (never two at once), in completion order.
using RunSink = std::function<void(const RunId&, const RunResult&)>;

/// Every (scenario, replicate) pair, scenario-major.
std::vector<RunId> all_runs(std::size_t scenarios, std::size_t replicates);

/// For each scenario, the first scenario whose warm-up it shares: the same units, parameters and stream.
std::vector<std::size_t> warmup_groups(const std::vector<Scenario>& scenarios);

/// The days `run_ensemble` steps for `runs` (each shared warm-up counted once), for progress bars.
std::int64_t simulated_days(const std::vector<Scenario>& scenarios, const std::vector<RunId>& runs,
                            const EnsembleOptions& options);

/// Runs `runs` in parallel and hands each result to `sink`. A run that throws stops the ensemble:
/// the error is rethrown with its scenario and replicate named; results already handed over stay.
void run_ensemble(const std::vector<Scenario>& scenarios, const std::vector<RunId>& runs,
                  const EnsembleOptions& options, const RunSink& sink, EnsembleProgress* progress = nullptr,
                  core::CancellationToken* cancel = nullptr);

}  // namespace culturesim
