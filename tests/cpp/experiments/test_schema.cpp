// The scenario schema (experiments/schema.cpp): files read into scenarios, scenarios written back
// in the same form, and every mistake named by file, line, table and field.
#include <fstream>
#include <iterator>
#include <string>

#include "core/errors.hpp"
#include "experiments/schema.hpp"
#include "tests/cpp/catch.hpp"
#include "tests/cpp/test_helpers.hpp"

using namespace culturesim;
using culturesim::testing::contains;
using culturesim::testing::message_of;

namespace {

template <class E = InvalidValue>
std::string error_of(const std::string& text) {
  return message_of<E>([&] { parse_experiment(text, "bad.toml"); });
}

}  // namespace

TEST_CASE("An experiment file reads into scenarios over a base", "[experiments][schema]") {
  // The file the Python tests read too (tests/python/test_toml.py): the same numbers both ways.
  std::ifstream in(std::string(CULTURESIM_SOURCE_DIR) + "/tests/data/full_experiment.toml");
  REQUIRE(in);
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const LoadedExperiment e = parse_experiment(text, "full_experiment.toml");
  CHECK(e.settings.days() == 912);  // 2.5 years rounded to whole days, half to even as in Python
  CHECK(e.settings.replicates == 3);
  CHECK(e.settings.seed == 7);
  CHECK(e.settings.record_every == 10);
  REQUIRE(e.scenarios.size() == 3);
  const Scenario& blame = e.scenarios[0];
  CHECK(blame.policy == Policy::blame());
  CHECK(blame.params.alpha_base == 0.02);  // the base [params]
  CHECK(blame.params.quit_rate[0] == 0.2);
  CHECK(blame.hospital.name == "small");
  CHECK(blame.hospital.units.at(0).initial_hazards == 3.0);
  const Scenario& b03 = e.scenarios[1];
  CHECK(b03.policy == Policy::from_blame(0.3));
  CHECK(b03.params.alpha_base == 0.03);  // merged over the base, key by key
  CHECK(b03.params.quit_rate[0] == 0.2);
  CHECK(b03.params.quit_rate[1] == 0.1);
  const Scenario& name_only = e.scenarios[2];
  CHECK(name_only.policy.stated_safety == 0.8);
  REQUIRE(name_only.interventions.size() == 5);
  CHECK(name_only.interventions[0] == Intervention::switch_policy(365, Policy::just_culture(), "switch"));
  CHECK(name_only.interventions[1].policy_fields == std::vector<PolicyOverride>{{"console_prob", 0.5}});
  CHECK(name_only.interventions[2] == Intervention::ramp(182, 0.9, 0.1, 365, 15, "ramp b 0.9 -> 0.1 over 1 years"));
  CHECK(name_only.interventions[3].policy_fields == std::vector<PolicyOverride>{{"support_level", 0.5}});
  CHECK(name_only.interventions[4] == Intervention::fix_friction(730, {"ward"}, "fix friction in ward"));
  CHECK(e.notes.empty());
  CHECK(e.deprecations.empty());
  CHECK(e.experiment().options.days == 912);
}

TEST_CASE("A dumped experiment reads back to equal scenarios", "[experiments][schema]") {
  Scenario s;
  s.name = "everything";
  s.policy = Policy::blame();
  s.policy.console_prob = 1.0 / 3.0;
  s.params.alpha_base = 0.1 / 3.0;
  s.hospital.units[1].initial_hazards = 2.5;
  s.interventions = {Intervention::switch_policy(10, Policy::just_culture(), "switch"),
                     Intervention::set_policy_fields(20, {{"support_level", 0.5}}, "support"),
                     Intervention::set_params(30, {{"alpha_base", "", 0.03}, {"quit_rate", "nurse", 0.3}}, "params"),
                     Intervention::ramp(40, 0.8, 0.2, 100, 7, "ramp"), Intervention::fix_friction(50, {}, "all")};
  Scenario plain;
  plain.name = "plain";
  RunSettings settings;
  settings.years = 3;
  settings.seed = 9;
  const std::string text = dump_experiment(settings, {s, plain}, "made by a test");
  const LoadedExperiment back = parse_experiment(text, "dumped.toml");
  REQUIRE(back.scenarios.size() == 2);
  CHECK(back.scenarios[0] == s);
  CHECK(back.scenarios[1] == plain);
  CHECK(back.settings.seed == 9);
  CHECK(back.settings.days() == 3 * 365);
  CHECK(dump_scenario(back.scenarios[0]) == dump_scenario(s));
}

TEST_CASE("Old names still load, each with a note", "[experiments][schema]") {
  const LoadedExperiment e = parse_experiment(R"(
policy = "just"
[[interventions]]
day = 10
kind = "clear_hazards"
[[interventions]]
at_day = 20
kind = "ramp_blame"
ramp_days = 30
[[interventions]]
at_day = 5
kind = "switch_policy"
policy = "blame"
)");
  REQUIRE(e.scenarios.size() == 1);
  CHECK(e.scenarios[0].policy == Policy::just_culture());
  CHECK(e.scenarios[0].interventions[0].kind == Intervention::Kind::fix_friction);
  CHECK(e.scenarios[0].interventions[1].ramp_days == 30);
  CHECK(e.deprecations.size() == 6);
  CHECK(contains(e.deprecations[0], "policy preset 'just' is an old name of 'just_culture'"));
}

TEST_CASE("Mistakes name the file, line, table and field", "[experiments][schema]") {
  CHECK(contains(error_of<UnknownName>("[params]\nalpha_bse = 0.1\n"),
                 "bad.toml, line 2: params: unknown parameter 'alpha_bse'; did you mean 'alpha_base'?"));
  CHECK(contains(error_of("[[scenarios]]\nname = 'a'\n[[scenarios.interventions]]\nat_year = 1\nkind = 'ramp'\n"
                          "years = 0.001\n"),
                 "bad.toml, line 6: scenarios[0].interventions[0]: 'years' = 0.001 is shorter than a day; allowed at "
                 "least 1/365 year (one day)"));
  CHECK(contains(error_of("[[interventions]]\nat_year = 1e15\npolicy = 'blame'\n"),
                 "line 2: interventions[0]: 'at_year' = 1e+15 is out of range; allowed years from the start, 0 to"));
  CHECK(contains(error_of("years = 0.001\n"), "'years' = 0.001 is shorter than a day; allowed at least 1/365"));
  CHECK(contains(error_of("[[hospital.units]]\nname = 'A'\nnurse = 3\ninitial_hazards = -3\n"),
                 "line 4: hospital.units[0]: 'initial_hazards' = -3 is out of range; allowed latent hazards, 0 to "
                 "1000"));
  CHECK(contains(error_of("name = \"a\\u0000b\"\n"), "line 1: 'name' must not contain a NUL character"));
  CHECK(contains(error_of("[[interventions]]\nat_year = 1\nparams = { initial_shortcut = 0.9 }\n"),
                 "interventions[0].params: parameter 'initial_shortcut' is read only when a run starts"));
  CHECK(contains(error_of("x = " + std::string(5000, '[') + std::string(5000, ']') + "\n"), "invalid TOML"));
  CHECK(contains(error_of("years = 2\nreplicates = \n"), "bad.toml, line 2, column"));
}

TEST_CASE("An intervention after the run's end is a note, not an error", "[experiments][schema]") {
  const LoadedExperiment e = parse_experiment("years = 1\n[[interventions]]\nat_year = 2\npolicy = 'blame'\n");
  REQUIRE(e.notes.size() == 1);
  CHECK(contains(e.notes[0], "comes after the run's end (day 365): it never acts"));
}

TEST_CASE("The commented defaults file reads back to the defaults", "[experiments][schema]") {
  const std::string text = defaults_file("test");
  CHECK(contains(text, "# unit: 1/day; allowed: 0 to 10; source:"));
  const LoadedExperiment e = parse_experiment(text, "defaults.toml");
  Scenario defaults;
  defaults.name = "defaults";
  REQUIRE(e.scenarios.size() == 1);
  CHECK(e.scenarios[0] == defaults);
  CHECK(e.settings.days() == RunSettings{}.days());
}

TEST_CASE("A scenario's stream reads, writes only when not 0, and is checked naming the field",
          "[experiments][schema][stream]") {
  Scenario s;
  s.name = "draw";
  s.stream = 4294967295u;
  Scenario plain;
  plain.name = "plain";
  const std::string text = dump_experiment(RunSettings{}, {s, plain}, "made by a test");
  CHECK(contains(text, "stream = 4294967295"));
  CHECK(dump_scenario(plain).find("stream") == std::string::npos);  // 0 is the default: not written
  const LoadedExperiment back = parse_experiment(text, "dumped.toml");
  REQUIRE(back.scenarios.size() == 2);
  CHECK(back.scenarios[0].stream == 4294967295u);
  CHECK(back.scenarios[0] == s);
  CHECK(back.scenarios[1].stream == 0);
  CHECK(back.scenarios[1] == plain);
  // A scenario file (top level) takes it too.
  CHECK(parse_experiment("name = 'one'\nstream = 7\n", "one.toml").scenarios.at(0).stream == 7);
  for (const std::string bad : {"-1", "4294967296", "1.5", "'x'", "true"}) {
    INFO("stream = " << bad);
    const std::string message = error_of("[[scenarios]]\nname = 'a'\nstream = " + bad + "\n");
    CHECK(contains(message, "bad.toml, line 3: scenarios[0]: 'stream'"));
    CHECK(contains(message, "0 to 4294967295"));
  }
  CHECK(contains(error_of("stream = -1\n"), "'stream' = -1 is out of range; allowed a random-number stream"));
  CHECK(contains(error_of("stream = 1.5\n"), "'stream' must be a whole number"));
}

TEST_CASE("Parameter draws are asked for in the top-level [params], checked naming the field",
          "[experiments][schema][draws]") {
  const LoadedExperiment e =
      parse_experiment("[params]\nposterior = 'post.h5'\ndraws = 12\nalpha_base = 0.02\n", "d.toml");
  CHECK(e.draws.posterior == "post.h5");
  CHECK(e.draws.draws == 12);
  CHECK(e.draws.location == "d.toml, line 2: params");
  CHECK(e.scenarios[0].params.get("alpha_base") == 0.02);  // the other keys stay parameters
  CHECK(parse_experiment("[params]\nposterior = 'default'\n").draws.draws == 0);  // not given: Python's default
  CHECK(parse_experiment("years = 1\n").draws.posterior.empty());
  CHECK(contains(error_of("[params]\nposterior = 'default'\ndraws = 0\n"),
                 "bad.toml, line 3: params: 'draws' = 0 is out of range; allowed 1 to 10000 parameter draws"));
  CHECK(contains(error_of("[params]\ndraws = 3\n"), "bad.toml, line 2: params: 'draws' needs 'posterior'"));
  CHECK(contains(error_of("[params]\nposterior = ''\n"), "line 2: params: 'posterior' must be a non-empty string"));
  CHECK(contains(error_of("[[scenarios]]\nname = 'a'\n[scenarios.params]\nposterior = 'default'\n"),
                 "line 4: scenarios[0].params: 'posterior' belongs in the file's top-level [params] table"));
}
