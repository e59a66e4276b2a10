#include "experiments/ensemble.hpp"

#include <algorithm>
#include <exception>
#include <mutex>
#include <set>

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

bool shares_warmup(const EnsembleOptions& options) {
  return options.warmup_days > 0 && options.start_states.empty() && options.share_warmup;
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
  if (!start_states.empty()) {
    if (replicate >= start_states.size()) {
      throw InvalidValue("replicate " + std::to_string(replicate) + " has no start state: the saved states hold " +
                         std::to_string(start_states.size()) + " replicates (allowed replicates 1 to " +
                         std::to_string(start_states.size()) + ")");
    }
    o.start = start_states[replicate];
  }
  o.keep_final_state = keep_final_state;
  o.record_warmup = record_warmup;
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

/// For each scenario, the first scenario whose warm-up it shares: the same units, parameters and
/// random-number stream (the policy and interventions act from day 0 only), so the same warm-up to
/// the last bit.
std::vector<std::size_t> warmup_groups(const std::vector<Scenario>& scenarios) {
  std::vector<std::size_t> group(scenarios.size());
  for (std::size_t s = 0; s < scenarios.size(); ++s) {
    group[s] = s;
    for (std::size_t t = 0; t < s; ++t) {
      if (scenarios[t].hospital.units == scenarios[s].hospital.units && scenarios[t].params == scenarios[s].params &&
          scenarios[t].stream == scenarios[s].stream) {
        group[s] = group[t];
        break;
      }
    }
  }
  return group;
}

std::int64_t simulated_days(const std::vector<Scenario>& scenarios, const std::vector<RunId>& runs,
                            const EnsembleOptions& options) {
  std::int64_t warmups = 0;
  if (shares_warmup(options)) {
    const auto group = warmup_groups(scenarios);
    std::set<std::pair<std::size_t, std::size_t>> distinct;
    for (const auto& id : runs) distinct.insert({group.at(id.scenario), id.replicate});
    warmups = static_cast<std::int64_t>(distinct.size());
  } else if (options.start_states.empty()) {
    warmups = static_cast<std::int64_t>(runs.size());
  }
  return warmups * options.warmup_days + static_cast<std::int64_t>(runs.size()) * options.days;
}

void run_ensemble(const std::vector<Scenario>& scenarios, const std::vector<RunId>& runs,
                  const EnsembleOptions& options, const RunSink& sink, EnsembleProgress* progress,
                  core::CancellationToken* cancel) {
  // The run options as the first scenario's runs get them (its stream: start states are checked
  // against it), then every other stream a start state must also fit, naming its scenario.
  RunOptions first = options.run_options(0);
  if (!scenarios.empty()) first.stream = scenarios.front().stream;
  first.validate();
  for (const auto& s : scenarios) {
    s.validate();
    if (!options.start_states.empty() && s.stream != first.stream) {
      RunOptions o = first;
      o.stream = s.stream;
      try {
        o.validate();
      } catch (...) {
        rethrow_with_context("scenario '" + s.name + "': ");
      }
    }
  }
  for (const auto& id : runs) {
    if (id.scenario >= scenarios.size()) {
      throw InvalidValue("run names scenario index " + std::to_string(id.scenario) + "; allowed 0 to " +
                         std::to_string(scenarios.size() - 1));
    }
    if (!options.start_states.empty()) (void)options.run_options(id.replicate);  // throws: no state for it
  }
  core::CancellationToken local_cancel;
  core::CancellationToken& stop = cancel ? *cancel : local_cancel;
  std::mutex mutex;  // serialises the sink and guards first_error
  std::exception_ptr first_error;
  std::atomic<std::int64_t>* days_done = progress ? &progress->days_done : nullptr;
  if (progress) progress->days_total.fetch_add(simulated_days(scenarios, runs, options), std::memory_order_relaxed);

  // Records the first failure (with its run named) and stops the other runs at their next period.
  auto fail = [&](const std::string& context) {
    std::lock_guard lock(mutex);
    if (!first_error) {
      try {
        rethrow_with_context(context);
      } catch (...) {
        first_error = std::current_exception();
      }
    }
    stop.cancel();
  };
  auto run_one = [&](const RunId& id, const RunOptions& run_options) {
    if (stop.cancelled()) return;
    const Scenario& scenario = scenarios[id.scenario];
    try {
      RunResult result = run_scenario(scenario, run_options, &stop, days_done);
      std::lock_guard lock(mutex);
      if (first_error) return;  // the ensemble is failing: hand over nothing more
      if (sink) sink(id, result);
      if (progress) progress->runs_done.fetch_add(1, std::memory_order_relaxed);
    } catch (const Interrupted&) {
      // Another run failed or the user asked to stop; either is reported below.
    } catch (...) {
      fail("scenario '" + scenario.name + "', replicate " + std::to_string(id.replicate) + ": ");
    }
  };

  core::with_threads(options.threads, [&] {
    if (!shares_warmup(options)) {
      core::parallel_each(runs.size(),
                          [&](std::size_t n) { run_one(runs[n], options.run_options(runs[n].replicate)); });
      return;
    }
    // One warm-up per replicate and group of scenarios that would live the same one. Replicates go
    // in batches (as many as there are threads) so that only a batch's warmed states are held: each
    // batch warms up its replicates in parallel, then runs their scenarios from copies.
    const auto group = warmup_groups(scenarios);
    std::vector<RunId> order = runs;
    std::stable_sort(order.begin(), order.end(),
                     [](const RunId& a, const RunId& b) { return a.replicate < b.replicate; });
    const std::size_t batch = static_cast<std::size_t>(std::max(2, tbb::this_task_arena::max_concurrency()));
    for (std::size_t begin = 0; begin < order.size() && !stop.cancelled();) {
      std::set<std::size_t> replicates;
      std::size_t end = begin;
      while (end < order.size() && (replicates.count(order[end].replicate) || replicates.size() < batch)) {
        replicates.insert(order[end++].replicate);
      }
      // (group, replicate) warm-ups that two or more runs of the batch share, sorted; a warm-up only
      // one run needs is lived inside that run (no copy of the state is held).
      std::vector<std::pair<std::size_t, std::size_t>> keys, needed;
      for (std::size_t n = begin; n < end; ++n) keys.push_back({group[order[n].scenario], order[n].replicate});
      std::sort(keys.begin(), keys.end());
      for (std::size_t k = 0; k + 1 < keys.size(); ++k) {
        if (keys[k] == keys[k + 1] && (needed.empty() || needed.back() != keys[k])) needed.push_back(keys[k]);
      }
      std::vector<std::shared_ptr<const HospitalState>> warmed(needed.size());
      core::parallel_each(needed.size(), [&](std::size_t k) {
        if (stop.cancelled()) return;
        const auto [g, replicate] = needed[k];
        const Scenario& scenario = scenarios[g];
        try {
          RunOptions o = options.run_options(replicate);
          o.stream = scenario.stream;  // the group's: every scenario of it has this stream
          Simulation sim(scenario.hospital, scenario.params, scenario.policy, std::move(o));
          sim.warm_up_now(&stop, days_done);
          warmed[k] = std::make_shared<const HospitalState>(sim.save());
        } catch (const Interrupted&) {
        } catch (...) {
          fail("scenario '" + scenario.name + "', replicate " + std::to_string(replicate) + ", warm-up: ");
        }
      });
      if (stop.cancelled()) break;
      core::parallel_each(end - begin, [&](std::size_t i) {
        const RunId id = order[begin + i];
        const auto key = std::make_pair(group[id.scenario], id.replicate);
        RunOptions o = options.run_options(id.replicate);
        const auto shared = std::lower_bound(needed.begin(), needed.end(), key);
        if (shared != needed.end() && *shared == key) {
          o.warmup_days = 0;  // lived already: the state is the warm-up's end
          o.start = warmed[static_cast<std::size_t>(shared - needed.begin())];
        }
        run_one(id, o);
      });
      begin = end;
    }
  });
  if (first_error) std::rethrow_exception(first_error);
  if (stop.cancelled()) throw Interrupted("ensemble stopped on request");
}

}  // namespace culturesim
