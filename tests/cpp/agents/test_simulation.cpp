// Simulation: one run of the model. Determinism on any thread count, the bookkeeping identities
// of the outputs, the ranges of the agent state, run options and schedules.
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "agents/simulation.hpp"
#include "core/errors.hpp"
#include "tests/cpp/catch.hpp"
#include "tests/cpp/test_helpers.hpp"

using namespace culturesim;

namespace {

using testing::contains;
using testing::message_of;

std::size_t out(Output o) { return static_cast<std::size_t>(o); }

RunOptions years(double y, std::uint64_t seed = 1, int record_every = 30) {
  RunOptions o;
  o.days = static_cast<std::int64_t>(y * 365);
  o.record_every = record_every;
  o.seed = seed;
  return o;
}

/// The whole result of a run and the agent state at its end, for bit-for-bit comparison.
struct Outcome {
  std::vector<double> series;
  std::vector<double> distress, moral_residue, burnout, shortcut, psych_safety, report_value;
  std::vector<std::uint8_t> active;
  bool operator==(const Outcome&) const = default;
};

Outcome run_with_threads(int threads, const Hospital& hospital, const Policy& policy, const RunOptions& options) {
  tbb::task_arena arena(threads);
  return arena.execute([&] {
    Simulation sim(hospital, Params{}, policy, options);
    const RunResult r = sim.run();
    const auto& s = sim.state();
    return Outcome{{r.series.values().begin(), r.series.values().end()},
                   s.distress,
                   s.moral_residue,
                   s.burnout,
                   s.shortcut,
                   s.psych_safety,
                   s.report_value,
                   s.active};
  });
}

/// A hospital with one unit larger than a parallel chunk (4,096 slots), so that the agents of a
/// unit are also stepped in parallel.
Hospital big_unit_hospital() {
  Hospital h;
  h.name = "big";
  h.units = {Unit{"ward", {6000, 1500, 1500, 1000}}, Unit{"pharmacy", {20, 0, 0, 80}}};
  return h;
}

void check_state_ranges(const Simulation& sim) {
  const auto& s = sim.state();
  for (std::size_t i = 0; i < s.size(); ++i) {
    INFO("slot " << i << " on day " << sim.day());
    REQUIRE(s.distress[i] >= 0.0);
    REQUIRE(s.moral_residue[i] >= 0.0);
    REQUIRE(s.burnout[i] >= 0.0);
    REQUIRE(s.burnout[i] <= 1.0);
    REQUIRE(s.shortcut[i] >= 0.0);
    REQUIRE(s.shortcut[i] <= 1.0);
    REQUIRE(s.psych_safety[i] >= 0.0);
    REQUIRE(s.psych_safety[i] <= 1.0);
    REQUIRE(s.report_value[i] >= 0.0);
    REQUIRE(s.report_value[i] <= 1.0);
    REQUIRE(s.sensitivity[i] > 0.0);
    REQUIRE(std::isfinite(s.distress[i]));
    REQUIRE(std::isfinite(s.moral_residue[i]));
    REQUIRE(s.tenure_days[i] >= 0);
  }
  for (const auto& u : sim.units()) {
    REQUIRE(u.hazards >= 0);
    REQUIRE(u.headcount + u.vacancies == static_cast<std::int64_t>(u.establishment()));
  }
}

}  // namespace

TEST_CASE("A run is bit-identical on 1, 2, 3 and 8 threads", "[agents][simulation][determinism]") {
  // Allow arenas larger than the machine, so that 8 threads really are 8 even on 2 cores.
  tbb::global_control allow(tbb::global_control::max_allowed_parallelism, 8);
  SECTION("the default hospital for 3 years under typical") {
    const Outcome one = run_with_threads(1, Hospital::default_hospital(), Policy::typical(), years(3, 7));
    REQUIRE(one.series.size() == kOutputs * 37);
    for (int threads : {2, 3, 8}) {
      INFO(threads << " threads");
      CHECK(run_with_threads(threads, Hospital::default_hospital(), Policy::typical(), years(3, 7)) == one);
    }
  }
  SECTION("a hospital with a unit stepped in parallel chunks, for 1 year under blame") {
    const Outcome one = run_with_threads(1, big_unit_hospital(), Policy::blame(), years(1, 8));
    for (int threads : {2, 3, 8}) {
      INFO(threads << " threads");
      CHECK(run_with_threads(threads, big_unit_hospital(), Policy::blame(), years(1, 8)) == one);
    }
  }
}

TEST_CASE("A run is a pure function of its inputs: same seed and replicate, same result", "[agents][simulation]") {
  const RunOptions options = years(1, 5);
  const RunResult a = simulate(Hospital::default_hospital(), Params{}, Policy::typical(), options);
  const RunResult b = simulate(Hospital::default_hospital(), Params{}, Policy::typical(), options);
  CHECK(std::vector<double>(a.series.values().begin(), a.series.values().end()) ==
        std::vector<double>(b.series.values().begin(), b.series.values().end()));
  RunOptions other = options;
  other.replicate = 1;
  const RunResult c = simulate(Hospital::default_hospital(), Params{}, Policy::typical(), other);
  CHECK_FALSE(std::vector<double>(a.series.values().begin(), a.series.values().end()) ==
              std::vector<double>(c.series.values().begin(), c.series.values().end()));
  other = options;
  other.seed = 6;
  const RunResult d = simulate(Hospital::default_hospital(), Params{}, Policy::typical(), other);
  CHECK_FALSE(std::vector<double>(a.series.values().begin(), a.series.values().end()) ==
              std::vector<double>(d.series.values().begin(), d.series.values().end()));
}

TEST_CASE("Outputs balance and agent state stays in range under blame, typical and just culture",
          "[agents][simulation][conservation]") {
  const std::pair<const char*, Policy> policies[] = {
      {"blame", Policy::blame()}, {"typical", Policy::typical()}, {"just", Policy::just_culture()}};
  for (const auto& [name, policy] : policies) {
    INFO("policy " << name);
    Simulation sim(Hospital::default_hospital(), Params{}, policy, years(3, 21));
    check_state_ranges(sim);
    for (std::int64_t day : {1, 100, 365, 500, 730, 1000, 1095}) {
      sim.step_until(day);
      REQUIRE(sim.day() == day);
      check_state_ranges(sim);
    }
    const RunResult r = sim.result();
    const auto& t = r.series;
    REQUIRE(t.periods() == 37);
    double previous_headcount = 1000.0, previous_sv_active = 0.0;
    double total_errors = 0.0, total_punish = 0.0;
    for (std::size_t p = 0; p < t.periods(); ++p) {
      INFO("period " << p);
      auto v = [&](Output o) { return t.at(out(o), p); };
      const double errors = v(Output::errors_human) + v(Output::errors_at_risk) + v(Output::errors_reckless);
      const double by_severity = v(Output::near_misses) + v(Output::errors_no_harm) + v(Output::harm_mild) +
                                 v(Output::harm_moderate) + v(Output::harm_severe);
      CHECK(errors == by_severity);
      const double harm = v(Output::harm_mild) + v(Output::harm_moderate) + v(Output::harm_severe);
      CHECK(v(Output::disclosed_empathic) + v(Output::disclosed_defensive) + v(Output::concealed) == harm);
      CHECK(v(Output::headcount) + v(Output::vacancies) == 1000.0);
      CHECK(v(Output::reports_harm) <= v(Output::reports));
      CHECK(v(Output::reports_harm) <= harm);
      const double known = v(Output::reports) + v(Output::detected_unreported);
      CHECK(known <= errors);
      CHECK(v(Output::console) + v(Output::coach) + v(Output::punish) + v(Output::discipline) <= known);
      CHECK(v(Output::misclassified) <= known);
      CHECK(v(Output::rca) <= known);
      CHECK(v(Output::fixes) <= v(Output::rca));
      CHECK(v(Output::claims) <= harm);
      // Stocks change only by their flows.
      CHECK(v(Output::headcount) == previous_headcount + v(Output::hires) - v(Output::quits) - v(Output::dismissals));
      CHECK(v(Output::sv_active) == previous_sv_active + v(Output::sv_started) - v(Output::sv_thriving) -
                                        v(Output::sv_surviving) - v(Output::sv_dropping_out));
      CHECK(v(Output::sv_active_over_year) <= v(Output::sv_active));
      CHECK(v(Output::sv_active) <= v(Output::headcount));
      CHECK(v(Output::burnout_prevalence) >= 0.0);
      CHECK(v(Output::burnout_prevalence) <= 1.0);
      CHECK(v(Output::distress_mean) >= 0.0);
      for (std::size_t o = 0; o < kOutputs; ++o) {
        CHECK(std::isfinite(t.at(o, p)));
        CHECK(t.at(o, p) >= 0.0);
      }
      previous_headcount = v(Output::headcount);
      previous_sv_active = v(Output::sv_active);
      total_errors += errors;
      total_punish += v(Output::punish);
    }
    CHECK(total_errors > 1000.0);  // the identities were checked on a busy hospital
    if (std::string(name) == "blame") CHECK(total_punish > 100.0);
  }
}

TEST_CASE("Periods cover the run, the last one possibly shorter", "[agents][simulation]") {
  RunOptions options = years(1, 2);  // 365 days in periods of 30: 12 full ones and one of 5 days
  const RunResult r = simulate(Hospital::default_hospital(), Params{}, Policy::typical(), options);
  REQUIRE(r.series.periods() == 13);
  REQUIRE(r.series.outputs() == kOutputs);
  REQUIRE(r.period_start_day.size() == 13);
  CHECK(r.period_start_day[12] == 360.0);
  CHECK(r.period_days[0] == 30.0);
  CHECK(r.period_days[12] == 5.0);
  // Flows of the short period are a few days' worth, not zero and not a whole period's.
  CHECK(r.series.at(out(Output::near_misses), 12) > 0.0);
  CHECK(r.series.at(out(Output::near_misses), 12) < r.series.at(out(Output::near_misses), 11));
}

TEST_CASE("Snapshots are taken every snapshot_every days", "[agents][simulation]") {
  RunOptions options = years(1, 2);
  options.snapshot_every = 100;
  Simulation sim(Hospital::default_hospital(), Params{}, Policy::typical(), options);
  const RunResult r = sim.run();
  REQUIRE(r.snapshots.size() == 3);
  CHECK(r.snapshots[0].day == 100);
  CHECK(r.snapshots[2].day == 300);
  CHECK(r.snapshots[2].distress.size() == 1000);
  // Taking snapshots does not change the run.
  options.snapshot_every = 0;
  const RunResult plain = simulate(Hospital::default_hospital(), Params{}, Policy::typical(), options);
  CHECK(std::vector<double>(r.series.values().begin(), r.series.values().end()) ==
        std::vector<double>(plain.series.values().begin(), plain.series.values().end()));
}

TEST_CASE("RunOptions rejects invalid values, naming the field", "[agents][simulation][validation]") {
  struct Bad {
    const char* field;
    RunOptions options;
  };
  std::vector<Bad> bad;
  RunOptions o;
  o.days = 0;
  bad.push_back({"days", o});
  o = {};
  o.days = 100'000'001;
  bad.push_back({"days", o});
  o = {};
  o.days = -5;
  bad.push_back({"days", o});
  o = {};
  o.record_every = 0;
  bad.push_back({"record_every", o});
  o = {};
  o.record_every = 36501;
  bad.push_back({"record_every", o});
  o = {};
  o.snapshot_every = -1;
  bad.push_back({"snapshot_every", o});
  o = {};
  o.snapshot_every = 36501;
  bad.push_back({"snapshot_every", o});
  for (const auto& b : bad) {
    INFO(b.field);
    CHECK(contains(message_of<InvalidValue>([&] { b.options.validate(); }), b.field));
    CHECK(contains(message_of<InvalidValue>(
                       [&] { Simulation sim(Hospital::default_hospital(), Params{}, Policy::typical(), b.options); }),
                   b.field));
  }
  RunOptions ok;
  ok.days = 1;
  ok.record_every = 36500;
  ok.snapshot_every = 0;
  CHECK_NOTHROW(ok.validate());
}

TEST_CASE("A simulation refuses invalid parameters, policies and hospitals", "[agents][simulation][validation]") {
  Params params;
  params.fix_prob = 1.5;
  CHECK(contains(message_of<InvalidValue>(
                     [&] { Simulation sim(Hospital::default_hospital(), params, Policy::typical(), years(1)); }),
                 "fix_prob"));
  Policy policy;
  policy.console_prob = -0.1;
  CHECK(contains(
      message_of<InvalidValue>([&] { Simulation sim(Hospital::default_hospital(), Params{}, policy, years(1)); }),
      "console_prob"));
  Hospital empty;
  CHECK_THROWS_AS(Simulation(empty, Params{}, Policy::typical(), years(1)), InvalidValue);
}

TEST_CASE("A scheduled change is validated and names itself", "[agents][simulation][validation]") {
  Simulation sim(Hospital::default_hospital(), Params{}, Policy::typical(), years(1));
  ScheduledChange change;
  change.label = "clear the moon";
  change.clear_hazards_units = {5};
  CHECK(contains(message_of<InvalidValue>([&] { sim.apply(change); }), "clear the moon"));

  ScheduledChange bad_policy;
  bad_policy.policy = Policy::typical();
  bad_policy.policy->support_level = 2.0;
  CHECK(contains(message_of<InvalidValue>([&] { sim.apply(bad_policy); }), "support_level"));
  CHECK(sim.policy() == Policy::typical());

  Schedule unsorted(2);
  unsorted[0].day = 100;
  unsorted[1].day = 50;
  unsorted[1].label = "late";
  CHECK(contains(message_of<InvalidValue>([&] { sim.run(unsorted); }), "late"));
}

TEST_CASE("A cancelled run stops with Interrupted", "[agents][simulation]") {
  core::CancellationToken token;
  token.cancel();
  Simulation sim(Hospital::default_hospital(), Params{}, Policy::typical(), years(2));
  CHECK_THROWS_AS(sim.run({}, &token), Interrupted);
  CHECK(sim.day() < 2 * 365);

  // A poll that fires after the first period stops the run there.
  core::CancellationToken polled;
  int polls = 0;
  polled.set_poll([&] { return ++polls >= 1; });
  Simulation sim2(Hospital::default_hospital(), Params{}, Policy::typical(), years(2));
  CHECK_THROWS_AS(sim2.run({}, &polled), Interrupted);
  CHECK(sim2.day() == 30);
}

TEST_CASE("days_done counts the simulated days", "[agents][simulation]") {
  std::atomic<std::int64_t> days_done{0};
  Simulation sim(Hospital::default_hospital(), Params{}, Policy::typical(), years(1));
  sim.run({}, nullptr, &days_done);
  CHECK(days_done.load() == 365);
}

TEST_CASE("Scenarios warmed up alike are identical at day 0, whatever their own policy",
          "[agents][simulation][warmup]") {
  RunOptions options = years(1, 5);
  options.warmup_days = 3 * 365;
  Simulation blame(Hospital::default_hospital(), Params{}, Policy::blame(), options);
  Simulation just(Hospital::default_hospital(), Params{}, Policy::just_culture(), options);
  CHECK(blame.day() == -3 * 365);
  blame.step_until(0);  // the warm-up only: day 0 is when each scenario's own policy begins
  just.step_until(0);
  REQUIRE(blame.day() == 0);
  CHECK(blame.state().burnout == just.state().burnout);
  CHECK(blame.state().psych_safety == just.state().psych_safety);
  CHECK(blame.state().active == just.state().active);
  CHECK(blame.policy() == Policy::blame());
  CHECK(just.policy() == Policy::just_culture());
  // The warm-up was lived under typical practice and is not recorded: the result has the run's
  // periods only, and it reports how the slow states moved over the warm-up's last two years.
  const RunResult r = blame.run();
  CHECK(r.period_start_day.front() == 0.0);
  CHECK(r.warmup.days == 3 * 365);
  CHECK(r.warmup.names.size() == r.warmup.drift.size());
  CHECK(r.warmup.names.front() == "burnout_mean");
}

TEST_CASE("A warm-up too short to settle says so; a long one settles", "[agents][simulation][warmup]") {
  RunOptions options = years(1, 2);
  options.warmup_days = 2 * 365;
  const RunResult short_warmup = simulate(Hospital::default_hospital(), Params{}, Policy::typical(), options);
  CHECK_FALSE(short_warmup.warmup.settled);  // burnout still climbing from an empty hospital
  options.warmup_days = 40 * 365;
  const RunResult long_warmup = simulate(Hospital::default_hospital(), Params{}, Policy::typical(), options);
  INFO("drifts " << long_warmup.warmup.drift[0] << " " << long_warmup.warmup.drift[1] << " "
                 << long_warmup.warmup.drift[2]);
  CHECK(long_warmup.warmup.settled);
  const RunResult none = simulate(Hospital::default_hospital(), Params{}, Policy::typical(), years(1, 2));
  CHECK(none.warmup.settled);
  CHECK(none.warmup.days == 0);
}

TEST_CASE("warmup_days out of range is refused naming the field", "[agents][simulation][warmup]") {
  RunOptions options = years(1);
  options.warmup_days = -1;
  CHECK(contains(message_of<InvalidValue>([&] { options.validate(); }), "warmup_days = -1"));
  options.warmup_days = 365'001;
  CHECK(contains(message_of<InvalidValue>([&] { options.validate(); }), "allowed 0"));
}

TEST_CASE("A run's stream: 0 is the run without one, other streams draw other random numbers",
          "[agents][simulation][stream]") {
  auto series = [](const RunOptions& o) {
    const RunResult r = simulate(Hospital::default_hospital(), Params{}, Policy::typical(), o);
    return std::vector<double>(r.series.values().begin(), r.series.values().end());
  };
  const RunOptions plain = years(1, 5);
  CHECK(plain.stream == 0);
  RunOptions zero = plain;
  zero.stream = 0;
  const auto base = series(plain);
  CHECK(series(zero) == base);
  RunOptions one = plain;
  one.stream = 1;
  RunOptions two = plain;
  two.stream = 2;
  const auto s1 = series(one);
  CHECK_FALSE(s1 == base);
  CHECK_FALSE(series(two) == base);
  CHECK_FALSE(series(two) == s1);
  CHECK(series(one) == s1);  // a stream is as deterministic as stream 0
  // Replicates must stay below 2^32: the key's second word is replicate + (stream << 32).
  RunOptions huge = plain;
  huge.replicate = std::uint64_t{1} << 32;
  CHECK(contains(message_of<InvalidValue>([&] { huge.validate(); }), "replicate = 4294967296 is out of range"));
}

TEST_CASE("A state saved under a stream starts only a run of the same seed, replicate and stream",
          "[agents][simulation][stream]") {
  RunOptions o = years(1, 5);
  o.days = 180;
  o.replicate = 2;
  o.stream = 3;
  o.keep_final_state = true;
  Simulation sim(Hospital::default_hospital(), Params{}, Policy::typical(), o);
  const RunResult r = sim.run();
  REQUIRE(r.final_state);
  CHECK(r.final_state->seed == 5);
  CHECK(r.final_state->replicate == 2);
  CHECK(r.final_state->stream == 3);
  const auto state = std::make_shared<const HospitalState>(*r.final_state);
  RunOptions next = years(1, 5);
  next.days = 180;
  next.replicate = 2;
  next.start = state;
  const std::string message = message_of<InvalidValue>([&] { next.validate(); });
  CHECK(contains(message, "stream 3"));
  CHECK(contains(message, "this run has seed 5, replicate 2, stream 0"));
  next.stream = 3;
  CHECK_NOTHROW(next.validate());
  // Carrying on under the stream equals the run going on: 360 days straight against two halves.
  RunOptions straight = years(1, 5);
  straight.days = 360;
  straight.replicate = 2;
  straight.stream = 3;
  const RunResult whole = simulate(Hospital::default_hospital(), Params{}, Policy::typical(), straight);
  const RunResult rest = simulate(Hospital::default_hospital(), Params{}, Policy::typical(), next);
  REQUIRE(rest.series.periods() == 6);
  REQUIRE(whole.series.periods() == 12);
  for (std::size_t k = 0; k < whole.series.outputs(); ++k) {
    for (std::size_t p = 0; p < 6; ++p) {
      INFO("output " << k << " period " << p);
      CHECK(whole.series.at(k, p) == r.series.at(k, p));
      CHECK(whole.series.at(k, p + 6) == rest.series.at(k, p));
    }
  }
}
