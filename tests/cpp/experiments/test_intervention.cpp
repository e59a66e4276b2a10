// Interventions: their validation, how they compile into the model's schedule, and that each
// takes effect on exactly its day.
#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "experiments/intervention.hpp"
#include "experiments/scenario.hpp"
#include "tests/cpp/catch.hpp"
#include "tests/cpp/test_helpers.hpp"

using namespace culturesim;

namespace {

using testing::contains;
using testing::message_of;

std::vector<double> series(const RunResult& r, Output o) {
  const auto row = r.series.row(static_cast<std::size_t>(o));
  return {row.begin(), row.end()};
}

double sum(const std::vector<double>& v, std::size_t begin, std::size_t end) {
  return std::accumulate(v.begin() + static_cast<std::ptrdiff_t>(begin), v.begin() + static_cast<std::ptrdiff_t>(end),
                         0.0);
}

/// Blame in everything but punishment: no human error or at-risk act is punished, whatever the
/// outcome, and no reckless act disciplined.
Policy never_punishing() {
  Policy p = Policy::blame();
  p.punish_human_error = 0.0;
  p.punish_at_risk = 0.0;
  p.outcome_bias = 0.0;
  p.discipline_reckless = 0.0;
  return p;
}

RunOptions daily(std::int64_t days, std::uint64_t seed) {
  RunOptions o;
  o.days = days;
  o.record_every = 1;
  o.seed = seed;
  return o;
}

}  // namespace

TEST_CASE("A policy switch takes effect on exactly its day", "[experiments][intervention]") {
  constexpr std::int64_t k = 150;
  SECTION("blame to a policy that never punishes: punishment stops on day k") {
    Scenario s;
    s.name = "stop punishing";
    s.policy = Policy::blame();
    s.interventions = {Intervention::switch_policy(k, never_punishing(), "amnesty")};
    const RunResult r = run_scenario(s, daily(300, 4));
    const auto punish = series(r, Output::punish);
    const auto discipline = series(r, Output::discipline);
    CHECK(sum(punish, k - 5, k) > 0.0);  // still punishing in the last days before k
    CHECK(punish[k - 1] > 0.0);
    for (std::size_t d = k; d < punish.size(); ++d) {
      INFO("day " << d);
      REQUIRE(punish[d] == 0.0);
      REQUIRE(discipline[d] == 0.0);
    }
  }
  SECTION("a policy that never punishes to blame: punishment starts on day k") {
    Scenario s;
    s.name = "start punishing";
    s.policy = never_punishing();
    s.interventions = {Intervention::switch_policy(k, Policy::blame(), "crackdown")};
    const RunResult r = run_scenario(s, daily(300, 4));
    const auto punish = series(r, Output::punish);
    for (std::size_t d = 0; d < k; ++d) {
      INFO("day " << d);
      REQUIRE(punish[d] == 0.0);
    }
    CHECK(punish[k] > 0.0);  // the first day under blame already punishes
    CHECK(sum(punish, k, k + 5) > 0.0);
  }
}

TEST_CASE("A blame ramp compiles into steps on the expected days with the expected b", "[experiments][intervention]") {
  const Hospital h = Hospital::default_hospital();
  SECTION("1 to 0 over 365 days in steps of 30") {
    const Schedule schedule =
        compile_schedule({Intervention::ramp(100, 1.0, 0.0, 365, 30, "reform")}, h, Params{}, Policy::blame());
    // Steps at offsets 0, 30, ..., 360, and the target at 365.
    REQUIRE(schedule.size() == 14);
    for (std::size_t k = 0; k < schedule.size(); ++k) {
      const std::int64_t offset = k < 13 ? static_cast<std::int64_t>(30 * k) : 365;
      INFO("step " << k);
      CHECK(schedule[k].day == 100 + offset);
      REQUIRE(schedule[k].policy.has_value());
      CHECK_FALSE(schedule[k].params.has_value());
      const double b = 1.0 - static_cast<double>(offset) / 365.0;
      CHECK(schedule[k].policy->punish_human_error == Approx(Policy::from_blame(b).punish_human_error).margin(1e-15));
      CHECK(schedule[k].policy->support_level == Approx(1.0 - b).margin(1e-15));
      CHECK(schedule[k].label == "reform");
    }
    CHECK(*schedule.front().policy == Policy::blame());
    CHECK(*schedule.back().policy == Policy::just_culture());
  }
  SECTION("0.6 to 0.1 over 90 days in steps of 30 ends exactly on the target") {
    const Schedule schedule =
        compile_schedule({Intervention::ramp(0, 0.6, 0.1, 90, 30)}, h, Params{}, Policy::typical());
    REQUIRE(schedule.size() == 4);
    const double expected_b[] = {0.6, 0.6 - 0.5 / 3, 0.6 - 1.0 / 3, 0.1};
    for (std::size_t k = 0; k < 4; ++k) {
      CHECK(schedule[k].day == static_cast<std::int64_t>(30 * k));
      CHECK(schedule[k].policy->outcome_bias == Approx(Policy::from_blame(expected_b[k]).outcome_bias).margin(1e-15));
    }
    CHECK(*schedule.front().policy == Policy::typical());
    CHECK(*schedule.back().policy == Policy::from_blame(0.1));
  }
  SECTION("a step that does not divide the ramp still lands on its last day once") {
    const Schedule schedule =
        compile_schedule({Intervention::ramp(10, 0.0, 1.0, 100, 40)}, h, Params{}, Policy::just_culture());
    std::vector<std::int64_t> days;
    for (const auto& c : schedule) days.push_back(c.day);
    CHECK(days == std::vector<std::int64_t>{10, 50, 90, 110});
    CHECK(*schedule.back().policy == Policy::blame());
  }
}

TEST_CASE("A ramp run ends under the target policy", "[experiments][intervention]") {
  const Hospital h = Hospital::default_hospital();
  const Schedule schedule = compile_schedule({Intervention::ramp(30, 1.0, 0.0, 200, 30)}, h, Params{}, Policy::blame());
  RunOptions options;
  options.days = 365;
  Simulation sim(h, Params{}, Policy::blame(), options);
  sim.step_until(100);
  CHECK(sim.policy() == Policy::blame());  // step_until alone applies no schedule
  Simulation ramped(h, Params{}, Policy::blame(), options);
  ramped.run(schedule);
  CHECK(ramped.policy() == Policy::just_culture());
}

TEST_CASE("fix_friction sets the unit's hazards to 0 on its day", "[experiments][intervention]") {
  // Hazards that neither arrive, retire nor get fixed: 5 per unit, 25 in the hospital, until cleared.
  Params params;
  params.hazard_arrival_per_year = 0.0;
  params.hazard_retire_per_year = 0.0;
  params.fix_prob = 0.0;
  constexpr std::int64_t k = 40;
  Scenario s;
  s.name = "fix the ICU scanner";
  s.params = params;
  s.interventions = {Intervention::fix_friction(k, {"ICU"}, "new scanner")};
  const auto hazards = series(run_scenario(s, daily(100, 2)), Output::hazards);
  for (std::size_t d = 0; d < hazards.size(); ++d) {
    INFO("day " << d);
    REQUIRE(hazards[d] == (d < static_cast<std::size_t>(k) ? 25.0 : 20.0));
  }

  // Through the model's schedule directly: only the named unit is cleared.
  const Schedule schedule = s.schedule();
  REQUIRE(schedule.size() == 1);
  CHECK(schedule[0].day == k);
  CHECK(schedule[0].clear_hazards_units == std::vector<std::size_t>{0});
  RunOptions options;
  options.days = 100;
  Simulation sim(s.hospital, params, s.policy, options);
  sim.step_until(k);
  REQUIRE(sim.units()[0].hazards == 5);
  sim.apply(schedule[0]);
  CHECK(sim.units()[0].hazards == 0);
  for (std::size_t u = 1; u < sim.units().size(); ++u) CHECK(sim.units()[u].hazards == 5);

  // No unit named: all of them.
  s.interventions = {Intervention::fix_friction(k)};
  const auto all = series(run_scenario(s, daily(100, 2)), Output::hazards);
  CHECK(all[k - 1] == 25.0);
  CHECK(all[k] == 0.0);
  CHECK(all.back() == 0.0);
}

TEST_CASE("fix_friction with an unknown unit throws UnknownName naming the intervention",
          "[experiments][intervention]") {
  const Hospital h = Hospital::default_hospital();
  const std::vector<Intervention> interventions{Intervention::fix_friction(10, {"ICUU"}, "new scanner")};
  const std::string message =
      message_of<UnknownName>([&] { (void)compile_schedule(interventions, h, Params{}, Policy::typical()); });
  CHECK(contains(message, "intervention 'new scanner'"));
  CHECK(contains(message, "'ICUU'"));
  CHECK(contains(message, "did you mean 'ICU'"));
  CHECK(contains(message_of<UnknownName>([&] { interventions[0].validate(h); }), "new scanner"));
}

TEST_CASE("Interventions reject invalid fields, naming the intervention", "[experiments][intervention]") {
  const Hospital h = Hospital::default_hospital();
  auto invalid = [&](const Intervention& iv) { return message_of<InvalidValue>([&] { iv.validate(h); }); };
  auto unknown = [&](const Intervention& iv) { return message_of<UnknownName>([&] { iv.validate(h); }); };

  Intervention early = Intervention::switch_policy(-1, Policy::just_culture(), "too early");
  CHECK(contains(invalid(early), "too early"));
  CHECK(contains(invalid(early), "day"));

  Policy bad_policy = Policy::just_culture();
  bad_policy.systems_rca = 1.5;
  CHECK(contains(invalid(Intervention::switch_policy(10, bad_policy, "bad policy")), "systems_rca"));

  const std::string field = unknown(Intervention::set_policy_fields(10, {{"suport_level", 1.0}}, "peer support"));
  CHECK(contains(field, "peer support"));
  CHECK(contains(field, "did you mean 'support_level'"));
  CHECK(contains(invalid(Intervention::set_policy_fields(10, {{"support_level", 2.0}}, "peer support")),
                 "support_level"));

  const std::string param = unknown(Intervention::set_params(10, {{"alpha_bse", "", 0.02}}, "faster drain"));
  CHECK(contains(param, "faster drain"));
  CHECK(contains(param, "did you mean 'alpha_base'"));
  const std::string value = invalid(Intervention::set_params(10, {{"quit_rate", "nurse", -1.0}}, "retention"));
  CHECK(contains(value, "retention"));
  CHECK(contains(value, "quit_rate[nurse]"));
  CHECK(contains(unknown(Intervention::set_params(10, {{"quit_rate", "surgeon", 0.1}}, "retention")), "surgeon"));

  CHECK(contains(invalid(Intervention::ramp(0, 1.2, 0.0, 365, 30, "ramp")), "ramp blame level"));
  CHECK(contains(invalid(Intervention::ramp(0, 1.0, -0.1, 365, 30, "ramp")), "ramp blame level"));
  CHECK(contains(invalid(Intervention::ramp(0, 1.0, 0.0, 0, 30, "ramp")), "ramp_days"));
  CHECK(contains(invalid(Intervention::ramp(0, 1.0, 0.0, 365, 0, "ramp")), "ramp_step_days"));
  // The step count is bounded before the ramp is expanded (issue 18: 10^8 daily steps took 5.9 GB).
  CHECK(contains(invalid(Intervention::ramp(0, 1.0, 0.0, 100'000'000, 1, "ramp")), "allowed at most 10000"));
  CHECK_NOTHROW(Intervention::ramp(0, 1.0, 0.0, 10'000, 1, "ramp").validate(h));
}

TEST_CASE("Parameter changes that break the whole set are rejected when compiled", "[experiments][intervention]") {
  // Each value is in range, but the set is not: recovery above the episode threshold.
  const std::vector<Intervention> interventions{
      Intervention::set_params(10, {{"sv_recovery_level", "", 50.0}}, "slow recovery")};
  const std::string message = message_of<InvalidValue>(
      [&] { (void)compile_schedule(interventions, Hospital::default_hospital(), Params{}, Policy::typical()); });
  CHECK(contains(message, "sv_recovery_level"));
  CHECK(contains(message, "slow recovery"));
}

TEST_CASE("Interventions on the same day apply in order and merge into one change", "[experiments][intervention]") {
  const std::vector<Intervention> interventions{
      Intervention::set_params(200, {{"alpha_base", "", 0.02}}, "faster drain"),
      Intervention::switch_policy(100, Policy::blame(), "crackdown"),
      Intervention::set_policy_fields(100, {{"support_level", 1.0}}, "peer support"),
  };
  const Schedule schedule = compile_schedule(interventions, Hospital::default_hospital(), Params{}, Policy::typical());
  REQUIRE(schedule.size() == 2);
  CHECK(schedule[0].day == 100);
  CHECK(schedule[0].label == "crackdown; peer support");
  Policy expected = Policy::blame();
  expected.support_level = 1.0;
  REQUIRE(schedule[0].policy.has_value());
  CHECK(*schedule[0].policy == expected);
  CHECK_FALSE(schedule[0].params.has_value());
  CHECK(schedule[1].day == 200);
  REQUIRE(schedule[1].params.has_value());
  CHECK(schedule[1].params->alpha_base == 0.02);
  CHECK_FALSE(schedule[1].policy.has_value());
  // Changes accumulate: a later parameter change keeps earlier ones.
  const Schedule two = compile_schedule(
      {Intervention::set_params(10, {{"alpha_base", "", 0.02}}), Intervention::set_params(20, {{"fix_prob", "", 0.3}})},
      Hospital::default_hospital(), Params{}, Policy::typical());
  REQUIRE(two.size() == 2);
  CHECK(two[1].params->alpha_base == 0.02);
  CHECK(two[1].params->fix_prob == 0.3);
}

TEST_CASE("Interventions change only what acts during a run, and change something", "[experiments][intervention]") {
  const Hospital h = Hospital::default_hospital();
  const std::string start_only = message_of<InvalidValue>([&] {
    Intervention::set_params(10, {{"initial_shortcut", "", 0.9}}, "x").validate(h);
  });
  CHECK(contains(start_only, "intervention 'x': parameter 'initial_shortcut' is read only when a run starts"));
  CHECK_NOTHROW(Intervention::set_params(10, {{"reckless_fraction", "", 0.1}}, "x").validate(h));  // new hires
  CHECK(contains(message_of<InvalidValue>([&] { Intervention::set_params(10, {}, "nothing").validate(h); }),
                 "intervention 'nothing': changes nothing"));
  for (const auto& spec : parameter_specs()) {
    INFO(spec.name);
    CHECK(spec.changes_during_run == !std::string_view(spec.name).starts_with("initial_"));
  }
}

TEST_CASE("Intervention::describe reads as one line", "[experiments][intervention]") {
  CHECK(Intervention::ramp(365, 1.0, 0.0, 730, 30, "reform").describe() ==
        "day 365: ramp blame 1 -> 0 over 730 days in steps of 30 (reform)");
  CHECK(Intervention::fix_friction(10, {"ICU", "ED"}, "scanners").describe() ==
        "day 10: fix friction in ICU, ED (scanners)");
  CHECK(Intervention::set_policy_fields(5, {{"support_level", 1.0}}, "peer support").describe() ==
        "day 5: set support_level=1 (peer support)");
}
