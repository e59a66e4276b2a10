// The output table: every output MODEL.md section 5 asks for, its kind, and lookup by name.
#include <set>
#include <string>

#include "agents/outputs.hpp"
#include "core/errors.hpp"
#include "tests/cpp/catch.hpp"

using namespace culturesim;

TEST_CASE("Every output named in MODEL.md section 5 is recorded", "[agents][outputs]") {
  const char* required[] = {"errors_human",
                            "errors_at_risk",
                            "errors_reckless",
                            "near_misses",
                            "harm_mild",
                            "harm_moderate",
                            "harm_severe",
                            "reports",
                            "detected_unreported",
                            "console",
                            "coach",
                            "punish",
                            "discipline",
                            "misclassified",
                            "rca",
                            "fixes",
                            "hazards",
                            "distress_mean",
                            "distress_p90",
                            "burnout_prevalence",
                            "moral_residue_mean",
                            "shortcut_mean",
                            "psych_safety_mean",
                            "sv_active",
                            "sv_started",
                            "sv_thriving",
                            "sv_surviving",
                            "sv_dropping_out",
                            "quits",
                            "dismissals",
                            "vacancies",
                            "disclosed_empathic",
                            "disclosed_defensive",
                            "concealed",
                            "claims",
                            "headcount",
                            "report_value_mean",
                            "cost_turnover",
                            "cost_harm",
                            "cost_claims",
                            "cost_support"};
  for (const char* name : required) {
    INFO(name);
    CHECK_NOTHROW(output_index(name));
  }
}

TEST_CASE("Outputs have unique names, a kind of flow or level, a unit and a description", "[agents][outputs]") {
  const auto& specs = output_specs();
  REQUIRE(specs.size() == kOutputs);
  std::set<std::string> names;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    INFO(specs[i].name);
    CHECK(names.insert(specs[i].name).second);
    CHECK((specs[i].kind == "flow" || specs[i].kind == "level"));
    CHECK_FALSE(specs[i].unit.empty());
    CHECK_FALSE(specs[i].description.empty());
    CHECK(output_index(specs[i].name) == i);
  }
  CHECK(specs[static_cast<std::size_t>(Output::errors_human)].name == "errors_human");
  CHECK(specs[static_cast<std::size_t>(Output::headcount)].kind == "level");
  CHECK(specs[static_cast<std::size_t>(Output::punish)].kind == "flow");
  CHECK(output_names().size() == kOutputs);
}

TEST_CASE("An unknown output name throws UnknownName suggesting the closest", "[agents][outputs]") {
  try {
    (void)output_index("distress_maen");
    FAIL("no exception");
  } catch (const UnknownName& e) {
    CHECK(std::string(e.what()).find("did you mean 'distress_mean'") != std::string::npos);
  }
}
