#include "experiments/ensemble.hpp"

#include <exception>
#include <mutex>

#include "core/errors.hpp"
#include "core/parallel.hpp"

namespace culturesim {
namespace {

/// Rethrows the current exception with `context` in front, keeping its type.
[[noreturn]] void rethrow_with_context(const std::string& context) {
  try {
    throw;
  } catch (const Interrupted&) {
    throw;
  } catch (const UnknownName& e) {
    throw UnknownName(context + e.what());
  } catch (const InvalidValue& e) {
    throw InvalidValue(context + e.what());
  } catch (const ResultsFileError& e) {
    throw ResultsFileError(context + e.what());
  } catch (const std::exception& e) {
    throw std::runtime_error(context + e.what());
  }
}

}  // namespace

RunOptions EnsembleOptions::run_options(std::size_t replicate) const {
  RunOptions o;
  o.days = days;
  o.record_every = record_every;
  o.snapshot_every = snapshot_every;
  o.seed = seed;
  o.replicate = replicate;
  o.warmup_days = warmup_days;
  o.warmup_policy = warmup_policy;
  o.breakdown = breakdown;
  return o;
}

std::vector<RunId> all_runs(std::size_t scenarios, std::size_t replicates) {
  std::vector<RunId> runs;
  runs.reserve(scenarios * replicates);
  for (std::size_t s = 0; s < scenarios; ++s) {
    for (std::size_t r = 0; r < replicates; ++r) runs.push_back({s, r});
  }
  return runs;
}

void run_ensemble(const std::vector<Scenario>& scenarios, const std::vector<RunId>& runs,
                  const EnsembleOptions& options, const RunSink& sink, EnsembleProgress* progress,
                  core::CancellationToken* cancel) {
  options.run_options(0).validate();
  for (const auto& s : scenarios) s.validate();
  for (const auto& id : runs) {
    if (id.scenario >= scenarios.size()) {
      throw InvalidValue("run names scenario index " + std::to_string(id.scenario) + "; allowed 0 to " +
                         std::to_string(scenarios.size() - 1));
    }
  }
  core::CancellationToken local_cancel;
  core::CancellationToken& stop = cancel ? *cancel : local_cancel;
  std::mutex mutex;  // serialises the sink and guards first_error
  std::exception_ptr first_error;
  std::atomic<std::int64_t>* days_done = progress ? &progress->days_done : nullptr;

  core::with_threads(options.threads, [&] {
    core::parallel_each(runs.size(), [&](std::size_t n) {
      if (stop.cancelled()) return;
      const RunId id = runs[n];
      const Scenario& scenario = scenarios[id.scenario];
      try {
        RunResult result = run_scenario(scenario, options.run_options(id.replicate), &stop, days_done);
        std::lock_guard lock(mutex);
        if (first_error) return;  // the ensemble is failing: hand over nothing more
        if (sink) sink(id, result);
        if (progress) progress->runs_done.fetch_add(1, std::memory_order_relaxed);
      } catch (const Interrupted&) {
        // Another run failed or the user asked to stop; either is reported below.
      } catch (...) {
        std::lock_guard lock(mutex);
        if (!first_error) {
          try {
            rethrow_with_context("scenario '" + scenario.name + "', replicate " + std::to_string(id.replicate) + ": ");
          } catch (...) {
            first_error = std::current_exception();
          }
        }
        stop.cancel();  // the other runs stop at their next period
      }
    });
  });
  if (first_error) std::rethrow_exception(first_error);
  if (stop.cancelled()) throw Interrupted("ensemble stopped on request");
}

}  // namespace culturesim
