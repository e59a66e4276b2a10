// Ensembles: many runs in parallel, bit-identical on any thread count, every run handed over
// exactly once, failures reported with their scenario and replicate.
#include <oneapi/tbb/global_control.h>

#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/errors.hpp"
#include "experiments/ensemble.hpp"
#include "tests/cpp/catch.hpp"
#include "tests/cpp/test_helpers.hpp"

using namespace culturesim;

namespace {

using testing::contains;
using testing::message_of;

using Key = std::pair<std::size_t, std::size_t>;  // (scenario, replicate)

std::vector<double> all_values(const RunResult& r) { return {r.series.values().begin(), r.series.values().end()}; }

std::vector<Scenario> blame_and_typical() {
  std::vector<Scenario> scenarios(2);
  scenarios[0].name = "blame";
  scenarios[0].policy = Policy::blame();
  scenarios[1].name = "typical";
  return scenarios;
}

EnsembleOptions three_years(int threads) {
  EnsembleOptions options;
  options.days = 3 * 365;
  options.seed = 99;
  options.threads = threads;
  return options;
}

/// Every run's series, by (scenario, replicate); fails if a run arrives twice.
std::map<Key, std::vector<double>> collect(const std::vector<Scenario>& scenarios, const std::vector<RunId>& runs,
                                           const EnsembleOptions& options, EnsembleProgress* progress = nullptr) {
  std::map<Key, std::vector<double>> results;
  bool duplicate = false;
  run_ensemble(
      scenarios, runs, options,
      [&](const RunId& id, const RunResult& r) {
        duplicate |= !results.emplace(Key{id.scenario, id.replicate}, all_values(r)).second;
      },
      progress);
  CHECK_FALSE(duplicate);
  return results;
}

}  // namespace

TEST_CASE("all_runs lists every scenario and replicate, scenario-major", "[experiments][ensemble]") {
  const auto runs = all_runs(2, 3);
  const std::vector<RunId> expected{{0, 0}, {0, 1}, {0, 2}, {1, 0}, {1, 1}, {1, 2}};
  CHECK(runs == expected);
  CHECK(all_runs(0, 5).empty());
}

TEST_CASE("An ensemble is bit-identical on 1, 2, 3 and 8 threads", "[experiments][ensemble][determinism]") {
  tbb::global_control allow(tbb::global_control::max_allowed_parallelism, 8);
  const auto scenarios = blame_and_typical();
  const auto runs = all_runs(2, 2);
  const auto one = collect(scenarios, runs, three_years(1));
  REQUIRE(one.size() == 4);
  for (int threads : {2, 3, 8}) {
    INFO(threads << " threads");
    CHECK(collect(scenarios, runs, three_years(threads)) == one);
  }
  // Each run is the single run of its scenario and replicate.
  for (const auto& [key, values] : one) {
    INFO("scenario " << key.first << ", replicate " << key.second);
    CHECK(all_values(run_scenario(scenarios[key.first], three_years(1).run_options(key.second))) == values);
  }
  // Replicates differ from each other.
  CHECK_FALSE(one.at({0, 0}) == one.at({0, 1}));
}

TEST_CASE("The sink receives every run exactly once and progress counts them", "[experiments][ensemble]") {
  std::vector<Scenario> scenarios(3);
  for (std::size_t s = 0; s < scenarios.size(); ++s) scenarios[s].name = std::string(1, static_cast<char>('a' + s));
  EnsembleOptions options;
  options.days = 90;
  options.threads = 2;
  EnsembleProgress progress;
  const auto results = collect(scenarios, all_runs(3, 4), options, &progress);
  CHECK(results.size() == 12);
  for (std::size_t s = 0; s < 3; ++s) {
    for (std::size_t r = 0; r < 4; ++r) CHECK(results.count({s, r}) == 1);
  }
  CHECK(progress.runs_done.load() == 12);
  CHECK(progress.days_done.load() == 12 * 90);

  // A subset of runs, in any order, is run as given.
  const auto subset = collect(scenarios, {{2, 7}, {0, 3}}, options);
  CHECK(subset.size() == 2);
  CHECK(subset.count({2, 7}) == 1);
  CHECK(subset.count({0, 3}) == 1);
}

TEST_CASE("A run that fails reports its scenario and replicate", "[experiments][ensemble][errors]") {
  auto scenarios = blame_and_typical();
  EnsembleOptions options;
  options.days = 60;
  options.threads = 2;

  SECTION("a parameter change that only fails when the run compiles its schedule") {
    // Each value is in range, so the scenario validates, but the run's schedule does not.
    scenarios[1].name = "broken";
    scenarios[1].interventions = {Intervention::set_params(10, {{"sv_recovery_level", "", 50.0}}, "slow recovery")};
    int handed_over = 0;
    const std::string message = message_of<InvalidValue>([&] {
      run_ensemble(scenarios, {{1, 3}}, options, [&](const RunId&, const RunResult&) { ++handed_over; });
    });
    CHECK(contains(message, "scenario 'broken', replicate 3: "));
    CHECK(contains(message, "sv_recovery_level"));
    CHECK(handed_over == 0);
  }
  SECTION("a sink that throws for one run") {
    const std::string message = message_of<std::runtime_error>([&] {
      run_ensemble(scenarios, all_runs(2, 3), options, [](const RunId& id, const RunResult&) {
        if (id.scenario == 1 && id.replicate == 2) throw std::runtime_error("disk full");
      });
    });
    CHECK(contains(message, "scenario 'typical', replicate 2: disk full"));
  }
}

TEST_CASE("An ensemble refuses invalid options, scenarios and runs before running", "[experiments][ensemble][errors]") {
  auto scenarios = blame_and_typical();
  int handed_over = 0;
  const RunSink sink = [&](const RunId&, const RunResult&) { ++handed_over; };
  EnsembleOptions options;
  options.days = 0;
  CHECK(contains(message_of<InvalidValue>([&] { run_ensemble(scenarios, all_runs(2, 1), options, sink); }), "days"));
  options.days = 30;
  options.record_every = 0;
  CHECK(contains(message_of<InvalidValue>([&] { run_ensemble(scenarios, all_runs(2, 1), options, sink); }),
                 "record_every"));
  options.record_every = 30;
  CHECK(contains(message_of<InvalidValue>([&] {
                   run_ensemble(scenarios, {{2, 0}}, options, sink);
                 }),
                 "scenario index 2"));
  scenarios[0].params.fix_prob = 2.0;
  const std::string message = message_of<InvalidValue>([&] { run_ensemble(scenarios, all_runs(2, 1), options, sink); });
  CHECK(contains(message, "scenario 'blame'"));
  CHECK(contains(message, "fix_prob"));
  CHECK(handed_over == 0);
}

TEST_CASE("A cancelled ensemble stops with Interrupted", "[experiments][ensemble]") {
  core::CancellationToken token;
  token.cancel();
  int handed_over = 0;
  EnsembleOptions options;
  options.days = 365;
  CHECK_THROWS_AS(run_ensemble(
                      blame_and_typical(), all_runs(2, 2), options,
                      [&](const RunId&, const RunResult&) { ++handed_over; }, nullptr, &token),
                  Interrupted);
  CHECK(handed_over == 0);
}

TEST_CASE("Sharing one warm-up among scenarios changes no result and steps fewer days",
          "[experiments][ensemble][warmup]") {
  // Three scenarios: two share hospital and parameters (one warm-up per replicate), the third
  // has other parameters and lives its own.
  std::vector<Scenario> scenarios = blame_and_typical();
  scenarios.push_back(scenarios[1]);
  scenarios[2].name = "typical_faster_recovery";
  scenarios[2].params.burnout_recovery *= 1.5;
  EnsembleOptions options = three_years(2);
  options.days = 365;
  options.warmup_days = 2 * 365;
  const auto runs = all_runs(scenarios.size(), 5);
  EnsembleProgress shared_progress, own_progress;
  const auto shared = collect(scenarios, runs, options, &shared_progress);
  EnsembleOptions own = options;
  own.share_warmup = false;
  const auto separate = collect(scenarios, runs, own, &own_progress);
  CHECK(shared == separate);
  // 5 replicates x (2 warm-ups of 730 days + 3 runs of 365 days), against 15 x (730 + 365).
  CHECK(shared_progress.days_done.load() == 5 * (2 * 730 + 3 * 365));
  CHECK(simulated_days(scenarios, runs, options) == shared_progress.days_done.load());
  CHECK(own_progress.days_done.load() == 15 * (730 + 365));
  CHECK(simulated_days(scenarios, runs, own) == own_progress.days_done.load());
  // A resumed subset (replicates out of order, some scenarios only) gets the same runs too.
  const std::vector<RunId> subset{{2, 4}, {0, 1}, {1, 4}};
  for (const auto& [key, value] : collect(scenarios, subset, options)) CHECK(value == separate.at(key));
}

TEST_CASE("Start states: one per replicate, and none with a warm-up", "[experiments][ensemble][errors]") {
  EnsembleOptions options = three_years(1);
  options.days = 100;
  RunOptions o = options.run_options(0);
  o.keep_final_state = true;
  Scenario typical;
  const auto state = std::make_shared<const HospitalState>(*run_scenario(typical, o).final_state);
  options.start_states = {state};
  const auto one = collect({typical}, all_runs(1, 1), options);
  CHECK(one.size() == 1);
  CHECK(contains(message_of<InvalidValue>([&] { collect({typical}, all_runs(1, 2), options); }),
                 "replicate 1 has no start state"));
  options.warmup_days = 365;
  CHECK(contains(message_of<InvalidValue>([&] { collect({typical}, all_runs(1, 1), options); }), "no warm-up"));
}

TEST_CASE("Streams: scenarios of one stream share a warm-up and stay paired, streams share no warm-up",
          "[experiments][ensemble][warmup][stream]") {
  // Two policies on stream 1, the same two on stream 2, and typical on stream 0: equal units and
  // parameters throughout, so only the stream keeps the warm-ups apart.
  std::vector<Scenario> scenarios = blame_and_typical();  // stream 0
  scenarios[0].stream = 1;
  scenarios[1].stream = 1;
  for (std::size_t i = 0; i < 2; ++i) {
    Scenario copy = scenarios[i];
    copy.name += "_stream2";
    copy.stream = 2;
    scenarios.push_back(copy);
  }
  Scenario zero = scenarios[1];
  zero.name = "typical_stream0";
  zero.stream = 0;
  scenarios.push_back(zero);
  CHECK(warmup_groups(scenarios) == std::vector<std::size_t>{0, 0, 2, 2, 4});

  EnsembleOptions options = three_years(2);
  options.days = 365;
  options.warmup_days = 2 * 365;
  const auto runs = all_runs(scenarios.size(), 3);
  EnsembleProgress shared_progress;
  const auto shared = collect(scenarios, runs, options, &shared_progress);
  EnsembleOptions own = options;
  own.share_warmup = false;
  const auto separate = collect(scenarios, runs, own);
  CHECK(shared == separate);  // a warm-up shared across streams would change the stream's runs
  // 3 replicates x (3 warm-ups of 730 days + 5 runs of 365 days).
  CHECK(shared_progress.days_done.load() == 3 * (3 * 730 + 5 * 365));
  CHECK(simulated_days(scenarios, runs, options) == shared_progress.days_done.load());

  // Each run equals the scenario run alone with its stream; streams differ from each other.
  for (std::size_t s = 0; s < scenarios.size(); ++s) {
    RunOptions o = own.run_options(1);
    CHECK(all_values(run_scenario(scenarios[s], o)) == shared.at({s, 1}));
  }
  for (std::size_t r = 0; r < 3; ++r) {
    CHECK_FALSE(shared.at({1, r}) == shared.at({3, r}));  // typical, stream 1 against stream 2
    CHECK_FALSE(shared.at({1, r}) == shared.at({4, r}));  // typical, stream 1 against stream 0
    CHECK_FALSE(shared.at({0, r}) == shared.at({2, r}));  // blame, stream 1 against stream 2
  }
}

TEST_CASE("Within a stream, two policies are paired: identical at day 0 after the shared warm-up",
          "[experiments][ensemble][warmup][stream]") {
  std::vector<Scenario> scenarios = blame_and_typical();
  scenarios[0].stream = scenarios[1].stream = 5;
  Scenario other = scenarios[1];
  other.name = "typical_stream6";
  other.stream = 6;
  scenarios.push_back(other);
  EnsembleOptions options = three_years(2);
  options.days = 1;
  options.record_every = 1;
  options.warmup_days = 2 * 365;
  options.record_warmup = true;
  std::map<Key, RunResult> results;
  run_ensemble(scenarios, all_runs(3, 2), options, [&](const RunId& id, const RunResult& r) {
    results.emplace(Key{id.scenario, id.replicate}, r);
  });
  for (std::size_t r = 0; r < 2; ++r) {
    // The recorded warm-up is the shared one: equal within the stream, different across streams.
    auto warmup = [&](std::size_t s) {
      const auto& w = results.at({s, r}).warmup.series;
      return std::vector<double>(w.values().begin(), w.values().end());
    };
    REQUIRE_FALSE(warmup(0).empty());
    CHECK(warmup(0) == warmup(1));
    CHECK_FALSE(warmup(1) == warmup(2));
  }
}
