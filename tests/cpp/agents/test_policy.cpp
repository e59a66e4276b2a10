// Policy: the blame and Just Culture presets (pinned to shared/MODEL.md section 4), the linear
// interpolation between them, and validation of every field.
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "agents/policy.hpp"
#include "core/errors.hpp"
#include "tests/cpp/catch.hpp"
#include "tests/cpp/test_helpers.hpp"

using namespace culturesim;

namespace {

using testing::contains;
using testing::message_of;

/// shared/MODEL.md section 4, row by row: field, blame, just culture; then the fields added with
/// their reason in docs/model.md (training_level: the programme's training, priced by MODEL.md 8.4).
struct Row {
  const char* field;
  double blame;
  double just;
};
constexpr Row kModelTable[] = {
    {"punish_human_error", 0.6, 0.02}, {"outcome_bias", 1.0, 0.1},         {"coach_at_risk", 0.1, 0.9},
    {"punish_at_risk", 0.6, 0.05},     {"discipline_reckless", 0.9, 0.95}, {"classification_accuracy", 0.3, 0.9},
    {"console_prob", 0.1, 0.9},        {"support_level", 0.0, 1.0},        {"systems_rca", 0.1, 0.7},
    {"disclosure_support", 0.3, 0.95}, {"stated_safety", 0.2, 0.8},        {"training_level", 0.0, 1.0},
};

/// The struct field of a policy, by name (what a C++ user writes as p.punish_human_error = ...).
double& field(Policy& p, const std::string& name) {
#define CS_POLICY_FIELD(fname, blame, just, doc) \
  if (name == #fname) return p.fname;
#include "agents/policy_table.def"
#undef CS_POLICY_FIELD
  throw std::logic_error("no policy field " + name);
}

}  // namespace

TEST_CASE("The policy fields are exactly those of MODEL.md section 4, in its order, then the documented additions",
          "[agents][policy]") {
  const auto names = policy_field_names();
  REQUIRE(names.size() == std::size(kModelTable));
  for (std::size_t i = 0; i < names.size(); ++i) CHECK(names[i] == kModelTable[i].field);
}

TEST_CASE("Policy::blame() and Policy::just_culture() equal the MODEL.md table exactly", "[agents][policy]") {
  const Policy blame = Policy::blame();
  const Policy just = Policy::just_culture();
  for (const auto& row : kModelTable) {
    INFO(row.field);
    CHECK(blame.get(row.field) == row.blame);
    CHECK(just.get(row.field) == row.just);
  }
  // The same values through the struct fields themselves.
  CHECK(blame.punish_human_error == 0.6);
  CHECK(blame.outcome_bias == 1.0);
  CHECK(blame.support_level == 0.0);
  CHECK(just.punish_human_error == 0.02);
  CHECK(just.coach_at_risk == 0.9);
  CHECK(just.support_level == 1.0);
  // And the table of specs that the docs are written from.
  for (std::size_t i = 0; i < policy_field_specs().size(); ++i) {
    CHECK(policy_field_specs()[i].blame == kModelTable[i].blame);
    CHECK(policy_field_specs()[i].just_culture == kModelTable[i].just);
  }
}

TEST_CASE("Policy::typical() is from_blame(0.6) and is the default-constructed policy", "[agents][policy]") {
  CHECK(Policy::typical() == Policy::from_blame(0.6));
  CHECK(Policy{} == Policy::typical());
  CHECK(Policy::typical().punish_human_error == Approx(0.368));
  CHECK_FALSE(Policy::typical() == Policy::blame());
  CHECK_FALSE(Policy::typical() == Policy::just_culture());
}

TEST_CASE("Policy::from_blame interpolates linearly between the presets", "[agents][policy]") {
  CHECK(Policy::from_blame(1.0) == Policy::blame());
  CHECK(Policy::from_blame(0.0) == Policy::just_culture());
  for (double b : {0.0, 0.1, 0.25, 0.5, 0.6, 0.75, 0.9, 1.0}) {
    const Policy p = Policy::from_blame(b);
    REQUIRE_NOTHROW(p.validate());
    for (const auto& row : kModelTable) {
      INFO(row.field << " at b = " << b);
      CHECK(p.get(row.field) == Approx(row.just + b * (row.blame - row.just)).margin(1e-15));
    }
  }
  // Linear: equal steps in b move every field by equal amounts.
  const Policy p0 = Policy::from_blame(0.2), p1 = Policy::from_blame(0.5), p2 = Policy::from_blame(0.8);
  for (const auto& row : kModelTable) {
    CHECK(p1.get(row.field) - p0.get(row.field) == Approx(p2.get(row.field) - p1.get(row.field)).margin(1e-15));
  }
}

TEST_CASE("Policy::from_blame rejects b outside [0, 1]", "[agents][policy]") {
  for (double b :
       {-0.01, 1.01, -1.0, 2.0, std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
    INFO("b = " << b);
    CHECK(contains(message_of<InvalidValue>([&] { (void)Policy::from_blame(b); }), "blame level b"));
  }
}

TEST_CASE("Every policy field rejects values outside [0, 1], naming itself", "[agents][policy]") {
  for (const auto& name : policy_field_names()) {
    for (double bad : {-0.1, 1.1, std::nextafter(1.0, 2.0), -1e-300, std::numeric_limits<double>::quiet_NaN(),
                       std::numeric_limits<double>::infinity()}) {
      INFO(name << " = " << bad);
      Policy p;
      CHECK(contains(message_of<InvalidValue>([&] { p.set(name, bad); }), "'" + name + "'"));
      CHECK(p == Policy{});
      // The struct field written directly, then validate().
      Policy r;
      field(r, name) = bad;
      CHECK(contains(message_of<InvalidValue>([&] { r.validate(); }), "'" + name + "'"));
    }
    Policy ends;
    CHECK_NOTHROW(ends.set(name, 0.0));
    CHECK_NOTHROW(ends.set(name, 1.0));
  }
}

TEST_CASE("An unknown policy field throws UnknownName suggesting the closest field", "[agents][policy]") {
  Policy p;
  CHECK(
      contains(message_of<UnknownName>([&] { p.set("punish_human_eror", 0.1); }), "did you mean 'punish_human_error'"));
  CHECK(contains(message_of<UnknownName>([&] { (void)p.get("suport_level"); }), "did you mean 'support_level'"));
  CHECK(p == Policy{});
}

TEST_CASE("Policy::set and get round-trip every field", "[agents][policy]") {
  Policy p = Policy::blame();
  for (const auto& name : policy_field_names()) {
    p.set(name, 0.42);
    CHECK(p.get(name) == 0.42);
  }
}

TEST_CASE("policy_markdown shows both presets and typical", "[agents][policy]") {
  const std::string md = policy_markdown();
  CHECK(contains(md, "| `punish_human_error` | 0.6 | 0.368 | 0.02 |"));
  CHECK(contains(md, "| `support_level` | 0 | 0.4 | 1 |"));
}
