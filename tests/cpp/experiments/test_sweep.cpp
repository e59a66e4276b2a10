// Sweeps (experiments/sweep.cpp) and the [sweep] table of experiment files: points, labels,
// coordinates that survive the stored definition, and errors that name the field.
#include <cmath>
#include <string>

#include "core/errors.hpp"
#include "experiments/experiment.hpp"
#include "experiments/schema.hpp"
#include "experiments/sweep.hpp"
#include "tests/cpp/catch.hpp"
#include "tests/cpp/test_helpers.hpp"

using namespace culturesim;
using culturesim::testing::contains;
using culturesim::testing::message_of;

TEST_CASE("A grid sweep runs every combination, labelled by its values", "[experiments][sweep]") {
  Sweep sweep;
  sweep.grid = {{"support_level", {0.0, 1.0}}, {"blame", {0.0, 0.1 + 0.2, 1.0}}};
  const auto points = expand_sweep(Scenario{}, sweep);
  REQUIRE(points.size() == 6);
  // The last axis varies fastest; coordinates and labels are by name; 0.1 + 0.2 is stored as 0.3.
  CHECK(points[0].name == "blame=0,support_level=0");
  CHECK(points[1].name == "blame=0.3,support_level=0");
  CHECK(points[4].name == "blame=0.3,support_level=1");
  CHECK(points[4].coords == std::vector<Coordinate>{{"blame", 0.3}, {"support_level", 1.0}});
  // blame sets the starting policy, the field goes on top of it, whatever the order given.
  Policy expected = Policy::from_blame(0.3);
  expected.support_level = 1.0;
  CHECK(points[4].policy == expected);
  CHECK(swept_quantity(points[4], "support_level") == 1.0);
  CHECK(std::isnan(swept_quantity(points[4], "blame")));  // the policy is no longer from_blame(b)
  Sweep blame_only;
  blame_only.grid = {{"blame", {0.3}}};
  CHECK(swept_quantity(expand_sweep(Scenario{}, blame_only)[0], "blame") == 0.3);
  for (const auto& p : points) CHECK_NOTHROW(p.validate());
}

TEST_CASE("Points and keyed parameters sweep too", "[experiments][sweep]") {
  Sweep sweep;
  sweep.points = {{{"quit_rate[nurse]", 0.3}}, {{"alpha_base", 0.01}, {"blame", 1.0}}};
  const auto points = expand_sweep(Scenario{}, sweep);
  REQUIRE(points.size() == 2);
  CHECK(points[0].name == "quit_rate[nurse]=0.3");
  CHECK(points[0].params.quit_rate[0] == 0.3);
  CHECK(points[1].name == "alpha_base=0.01,blame=1");
  CHECK(points[1].policy == Policy::blame());
  CHECK(swept_quantity(Scenario{}, "blame") == 0.6);  // typical practice
}

TEST_CASE("Bad sweeps are refused naming the field and what is allowed", "[experiments][sweep]") {
  auto error = [](Sweep s) { return message_of<std::exception>([&] { expand_sweep(Scenario{}, s); }); };
  CHECK(contains(error({{{"blam", {0.5}}}, {}}), "unknown sweep name 'blam'; did you mean 'blame'?"));
  CHECK(contains(error({{{"blame", {1.5}}}, {}}),
                 "sweep value 'blame' = 1.5: is out of range; allowed 0 (Just Culture) to 1 (blame)"));
  CHECK(contains(error({{{"support_level", {2.0}}}, {}}), "sweep value 'support_level' = 2"));
  CHECK(contains(error({{{"quit_rate", {0.1}}}, {}}), "sweep one key, e.g. 'quit_rate[nurse]'"));
  CHECK(contains(error({{{"quit_rate[doctor]", {0.1}}}, {}}), "has no key 'doctor'; allowed: nurse, resident"));
  CHECK(contains(error({{{"blame", {}}}, {}}), "sweep axis 'blame' has no values"));
  CHECK(contains(error({{{"blame", {0.5, 0.5}}}, {}}), "sweep point blame=0.5 is given twice"));
  CHECK(contains(error({}), "a sweep needs grid axes"));
  CHECK(contains(error({{{"blame", {0.5}}}, {{{"blame", 0.1}}}}), "not both"));
  Scenario lying;
  lying.coords = {{"blame", 0.2}};  // the scenario runs typical practice (b = 0.6)
  CHECK(contains(message_of<InvalidValue>([&] { lying.validate(); }), "coordinate blame = 0.2 does not describe"));
}

TEST_CASE("The [sweep] table of experiment files expands one scenario in place", "[experiments][sweep][schema]") {
  const std::string text = R"(
years = 1
[[scenarios]]
name = "reference"
policy = "blame"
[[scenarios]]
name = "typical"
[sweep]
scenario = "typical"
blame = { from = 0, to = 1, steps = 11 }
support_level = [0, 1]
)";
  const LoadedExperiment e = parse_experiment(text, "sweep.toml");
  REQUIRE(e.scenarios.size() == 23);
  CHECK(e.scenarios[0].name == "reference");
  CHECK(e.scenarios[1].name == "blame=0,support_level=0");
  CHECK(e.scenarios[8].name == "blame=0.3,support_level=1");  // TOML gives the axes by name
  // The stored definition keeps the coordinates: it reads back to the same scenario.
  const Scenario& point = e.scenarios[8];
  const LoadedExperiment back = parse_experiment(point.to_toml(), "stored", point.name);
  REQUIRE(back.scenarios.size() == 1);
  CHECK(back.scenarios[0] == point);
  CHECK(contains(point.to_toml(), "coords = { blame = 0.3, support_level = 1.0 }"));
  // And the results file's scenario attributes name them.
  const core::Attributes attrs = scenario_attributes(point);
  const auto* names = core::find_attribute(attrs, "coords");
  REQUIRE(names);
  CHECK(*names == core::AttributeValue{std::vector<std::string>{"blame", "support_level"}});
  CHECK(*core::find_attribute(attrs, "coord.blame") == core::AttributeValue{0.3});

  auto error = [](const std::string& t) { return message_of<std::exception>([&] { parse_experiment(t, "s.toml"); }); };
  const std::string two = "[[scenarios]]\nname = \"a\"\n[[scenarios]]\nname = \"b\"\n";
  CHECK(contains(error(two + "[sweep]\nblame = [0, 1]\n"), "say which one to sweep with scenario = \"NAME\""));
  CHECK(contains(error(two + "[sweep]\nscenario = \"c\"\nblame = [0, 1]\n"),
                 "s.toml, line 6: sweep: 'scenario' = \"c\" is not a scenario of the file"));
  CHECK(contains(error("[sweep]\nblme = [0, 1]\n"), "did you mean 'blame'?"));
  CHECK(contains(error("[sweep]\nblame = 0.5\n"), "'blame' must be an array of values such as [0, 0.5, 1]"));
  CHECK(contains(error("[sweep]\nblame = { from = 0, to = 1 }\n"), "steps is missing"));
  CHECK(contains(error("[sweep]\npoints = [{ blame = 2 }]\n"), "is out of range; allowed 0 (Just Culture) to 1"));
  // A scenario file with a [sweep]: its one scenario is the base.
  CHECK(parse_experiment("policy = \"blame\"\n[sweep]\npoints = [{ stated_safety = 0.8 }]\n").scenarios[0].name ==
        "stated_safety=0.8");
}
