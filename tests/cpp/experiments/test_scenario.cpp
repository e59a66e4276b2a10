// Scenario: validation, its TOML description, and common random numbers between scenarios.
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "experiments/scenario.hpp"
#include "experiments/schema.hpp"
#include "tests/cpp/catch.hpp"
#include "tests/cpp/test_helpers.hpp"

using namespace culturesim;

namespace {

using testing::contains;
using testing::message_of;

std::vector<double> all_values(const RunResult& r) { return {r.series.values().begin(), r.series.values().end()}; }

/// The values of every output in periods [begin, end).
std::vector<double> periods(const RunResult& r, std::size_t begin, std::size_t end) {
  std::vector<double> v;
  for (std::size_t o = 0; o < r.series.outputs(); ++o) {
    for (std::size_t p = begin; p < end; ++p) v.push_back(r.series.at(o, p));
  }
  return v;
}

/// The number written after "<key> = " on the line that starts with it.
double toml_number(const std::string& toml, const std::string& key) {
  const std::string prefix = "\n" + key + " = ";
  const auto at = toml.find(prefix);
  if (at == std::string::npos) throw std::runtime_error("no key " + key);
  return std::strtod(toml.c_str() + at + prefix.size(), nullptr);
}

}  // namespace

TEST_CASE("Scenarios that differ only in their name give identical outputs", "[experiments][scenario][determinism]") {
  RunOptions options;
  options.days = 3 * 365;
  options.seed = 17;
  Scenario a;
  a.name = "alpha";
  Scenario b = a;
  b.name = "a completely different name";
  CHECK(all_values(run_scenario(a, options)) == all_values(run_scenario(b, options)));
}

TEST_CASE("An intervention on day k leaves every output before day k unchanged (common random numbers)",
          "[experiments][scenario][determinism]") {
  RunOptions options;
  options.days = 3 * 365;
  options.record_every = 1;
  options.seed = 23;
  Scenario base;
  base.name = "typical";
  Scenario reform = base;
  reform.name = "reform";
  constexpr std::size_t k = 400;
  reform.interventions = {Intervention::switch_policy(k, Policy::just_culture(), "just culture")};
  const RunResult a = run_scenario(base, options);
  const RunResult b = run_scenario(reform, options);
  CHECK(periods(a, 0, k) == periods(b, 0, k));
  // The test could fail: from day k on the runs differ.
  CHECK_FALSE(periods(a, k, k + 30) == periods(b, k, k + 30));

  // The same with 30-day periods, a parameter change, and a change that falls mid-period.
  options.record_every = 30;
  Scenario tweak = base;
  tweak.interventions = {Intervention::set_params(375, {{"alpha_base", "", 0.05}}, "faster drain")};
  const RunResult c = run_scenario(base, options);
  const RunResult d = run_scenario(tweak, options);
  CHECK(periods(c, 0, 12) == periods(d, 0, 12));  // periods ending on day 360
  CHECK_FALSE(periods(c, 12, 13) == periods(d, 12, 13));
}

TEST_CASE("Scenario::validate names the scenario and the offending field", "[experiments][scenario]") {
  Scenario s;
  s.name = "ward 7";
  CHECK_NOTHROW(s.validate());
  s.params.delta_base = -1.0;
  std::string message = message_of<InvalidValue>([&] { s.validate(); });
  CHECK(contains(message, "scenario 'ward 7': "));
  CHECK(contains(message, "delta_base"));

  s = Scenario{};
  s.name = "ward 7";
  s.policy.stated_safety = 1.5;
  CHECK(contains(message_of<InvalidValue>([&] { s.validate(); }), "stated_safety"));

  s = Scenario{};
  s.name = "ward 7";
  s.interventions = {Intervention::fix_friction(10, {"ward 8"}, "fix")};
  message = message_of<UnknownName>([&] { s.validate(); });
  CHECK(contains(message, "scenario 'ward 7': intervention 'fix'"));
  CHECK(contains(message, "ward 8"));

  s = Scenario{};
  s.name = "";
  CHECK_THROWS_AS(s.validate(), InvalidValue);

  s = Scenario{};
  s.hospital.units[0].headcount[0] = -3;
  CHECK(contains(message_of<InvalidValue>([&] { run_scenario(s, RunOptions{}); }), "ICU"));
}

TEST_CASE("Scenario::to_toml records every field with round-trip precision", "[experiments][scenario]") {
  Scenario s;
  s.name = "reform \"2030\"";
  s.policy = Policy::from_blame(0.37);
  s.params.alpha_base = 0.1 / 3.0;
  s.params.quit_rate[index(Role::nurse)] = 0.17;  // set here: the test is about precision, not defaults
  s.params.quit_rate[index(Role::resident)] = 0.07;
  s.interventions = {Intervention::ramp(365, 0.37, 0.0, 730, 30, "reform"),
                     Intervention::fix_friction(100, {"ICU"}, "scanner"),
                     Intervention::set_params(50, {{"fix_prob", "", 0.25}}, "better RCA")};
  const std::string toml = s.to_toml();
  CHECK(contains(toml, "name = \"reform \\\"2030\\\"\""));
  for (const auto& f : policy_field_specs()) {
    INFO(f.name);
    CHECK(toml_number(toml, std::string(f.name)) == s.policy.get(f.name));
  }
  for (const auto& spec : parameter_specs()) {
    if (!spec.keys.empty()) continue;
    INFO(spec.name);
    CHECK(toml_number(toml, std::string(spec.name)) == s.params.get(spec.name));
  }
  CHECK(contains(toml, "quit_rate = { nurse = 0.17, resident = 0.07,"));  // shortest exact form
  CHECK(contains(
      toml, "[[hospital.units]]\nname = \"pharmacy\"\nnurse = 20\nresident = 0\nattending = 0\npharmacist = 65\n"));
  CHECK(contains(toml, "kind = \"ramp\"\ndays = 730\nfrom_blame = 0.37"));
  CHECK(contains(toml, "kind = \"fix_friction\"\nunits = [\"ICU\"]"));
  const auto rca = toml.find("label = \"better RCA\"");
  REQUIRE(rca != std::string::npos);
  CHECK(contains(toml.substr(rca), "fix_prob"));
  CHECK(contains(toml.substr(rca), "0.25"));
  // The stored form is the file form: it loads back to an equal scenario.
  const LoadedExperiment back = parse_experiment(toml, "stored.toml");
  REQUIRE(back.scenarios.size() == 1);
  CHECK(back.scenarios[0] == s);
  CHECK(back.notes.empty());
}

TEST_CASE("run_scenario without interventions equals a plain simulation", "[experiments][scenario]") {
  Scenario s;
  s.policy = Policy::blame();
  RunOptions options;
  options.days = 365;
  options.seed = 4;
  CHECK(all_values(run_scenario(s, options)) == all_values(simulate(s.hospital, s.params, s.policy, options)));
}
