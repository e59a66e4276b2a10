// The organisation's response to a known event (agents/response.hpp): the Just Culture table
// (human error -> console, at-risk -> coach, reckless -> discipline), punishment with outcome
// bias, and misclassification by outcome. Each property is checked over a grid of uniforms.
#include <string>
#include <vector>

#include "agents/response.hpp"
#include "tests/cpp/catch.hpp"

using namespace culturesim;

namespace {

constexpr Severity kAllSeverities[] = {Severity::near_miss, Severity::no_harm, Severity::mild, Severity::moderate,
                                       Severity::severe};
constexpr Behaviour kAllBehaviours[] = {Behaviour::human_error, Behaviour::at_risk, Behaviour::reckless};

/// Uniforms from both ends of [0, 1) and in between, including the largest one a stream gives.
const std::vector<double>& uniform_grid() {
  static const std::vector<double> grid = [] {
    std::vector<double> g{0.0, 1e-12, 0.0199, 0.02, 0.05, 0.1,  0.118,       0.3,
                          0.5, 0.6,   0.899,  0.9,  0.95, 0.99, 1.0 - 1e-12, 1.0 - 0x1.0p-53};
    for (int i = 0; i < 50; ++i) g.push_back((i + 0.5) / 50.0);
    return g;
  }();
  return grid;
}

/// The Just Culture algorithm in its pure form: always classified right, never punishing a human
/// error or an at-risk act, always coaching at-risk behaviour, consoling, disciplining reckless acts.
Policy pure_just_culture() {
  Policy p = Policy::just_culture();
  p.classification_accuracy = 1.0;
  p.punish_human_error = 0.0;
  p.punish_at_risk = 0.0;
  p.outcome_bias = 0.0;
  p.coach_at_risk = 1.0;
  p.console_prob = 1.0;
  p.discipline_reckless = 1.0;
  return p;
}

/// Share of a fine midpoint grid of u_punish for which respond() punishes (other draws fixed).
double punished_share(Behaviour judged, Severity severity, const Policy& policy) {
  constexpr int n = 100000;
  int punished = 0;
  for (int i = 0; i < n; ++i) {
    if (respond(judged, severity, policy, (i + 0.5) / n, 0.5, 0.5) == Response::punish) ++punished;
  }
  return static_cast<double>(punished) / n;
}

}  // namespace

TEST_CASE("The pure Just Culture algorithm consoles human error, coaches at-risk behaviour, disciplines reckless acts",
          "[agents][response]") {
  const Policy policy = pure_just_culture();
  REQUIRE_NOTHROW(policy.validate());
  for (Severity severity : kAllSeverities) {
    for (Behaviour actual : kAllBehaviours) {
      for (double u : uniform_grid()) REQUIRE(classify(actual, severity, policy, u) == actual);
    }
    for (double u1 : uniform_grid()) {
      for (double u2 : uniform_grid()) {
        for (double u3 : {0.0, 0.5, 1.0 - 0x1.0p-53}) {
          INFO("severity " << index(severity) << ", u = " << u1 << ", " << u2 << ", " << u3);
          REQUIRE(respond(Behaviour::human_error, severity, policy, u1, u2, u3) == Response::console);
          REQUIRE(respond(Behaviour::at_risk, severity, policy, u1, u2, u3) == Response::coach);
          REQUIRE(respond(Behaviour::reckless, severity, policy, u1, u2, u3) == Response::discipline);
        }
      }
    }
  }
}

TEST_CASE("Punishment probability is base + outcome_bias * (severity_rank / 4) * (1 - base)", "[agents][response]") {
  Policy p;
  p.punish_human_error = 0.2;
  p.punish_at_risk = 0.4;
  p.outcome_bias = 0.5;
  // rank 0..4: 0.2 + 0.5 * (r/4) * 0.8 and 0.4 + 0.5 * (r/4) * 0.6
  const double human[] = {0.2, 0.3, 0.4, 0.5, 0.6};
  const double at_risk[] = {0.4, 0.475, 0.55, 0.625, 0.7};
  for (std::size_t r = 0; r < 5; ++r) {
    CHECK(punish_probability(Behaviour::human_error, kAllSeverities[r], p) == Approx(human[r]).margin(1e-15));
    CHECK(punish_probability(Behaviour::at_risk, kAllSeverities[r], p) == Approx(at_risk[r]).margin(1e-15));
    CHECK(punished_share(Behaviour::human_error, kAllSeverities[r], p) == Approx(human[r]).margin(1e-4));
    CHECK(punished_share(Behaviour::at_risk, kAllSeverities[r], p) == Approx(at_risk[r]).margin(1e-4));
  }
}

TEST_CASE("Under the Just Culture preset a human error is rarely punished", "[agents][response]") {
  Policy just = Policy::just_culture();
  just.classification_accuracy = 1.0;
  // base 0.02, outcome bias 0.1: at most 0.02 + 0.1 * 1 * 0.98 = 0.118 (severe), 0.02 for a near miss.
  const double expected[] = {0.02, 0.0445, 0.069, 0.0935, 0.118};
  for (std::size_t r = 0; r < 5; ++r) {
    const Severity severity = kAllSeverities[r];
    INFO("severity rank " << r);
    const double bound =
        just.punish_human_error + just.outcome_bias * (severity_rank(severity) / 4.0) * (1.0 - just.punish_human_error);
    CHECK(bound == Approx(expected[r]).margin(1e-15));
    CHECK(punish_probability(Behaviour::human_error, severity, just) == Approx(expected[r]).margin(1e-15));
    const double share = punished_share(Behaviour::human_error, severity, just);
    CHECK(share <= bound + 1e-5);
    CHECK(share == Approx(bound).margin(1e-4));
    CHECK(share < 0.12);
  }
  // An unpunished human error is never coached; it is consoled with console_prob.
  for (double u : uniform_grid()) {
    const Response r = respond(Behaviour::human_error, Severity::mild, just, 0.5, u, 0.5);
    CHECK(r == Response::console);
  }
}

TEST_CASE("Under the blame preset a severe harm event is punished whatever its class", "[agents][response]") {
  const Policy blame = Policy::blame();
  CHECK(punish_probability(Behaviour::human_error, Severity::severe, blame) == 1.0);
  CHECK(punish_probability(Behaviour::at_risk, Severity::severe, blame) == 1.0);
  for (Behaviour actual : kAllBehaviours) {
    for (double u_class : uniform_grid()) {
      const Behaviour judged = classify(actual, Severity::severe, blame, u_class);
      for (double u1 : uniform_grid()) {
        for (double u2 : {0.0, 0.5, 1.0 - 0x1.0p-53}) {
          INFO("actual " << index(actual) << ", u_class " << u_class << ", u_punish " << u1);
          const Response r = respond(judged, Severity::severe, blame, u1, u2, u2);
          if (judged == Behaviour::reckless) {
            REQUIRE(is_punitive(r));  // disciplined, or punished as at-risk behaviour
          } else {
            REQUIRE(r == Response::punish);
          }
        }
      }
    }
  }
  // A near miss is punished at the base rate only.
  CHECK(punish_probability(Behaviour::human_error, Severity::near_miss, blame) == 0.6);
}

TEST_CASE("Misclassified events are judged by their outcome", "[agents][response]") {
  Policy p = Policy::typical();
  p.classification_accuracy = 0.0;
  for (Behaviour actual : kAllBehaviours) {
    for (double u : uniform_grid()) {
      CHECK(classify(actual, Severity::near_miss, p, u) == Behaviour::human_error);
      CHECK(classify(actual, Severity::no_harm, p, u) == Behaviour::human_error);
      CHECK(classify(actual, Severity::mild, p, u) == Behaviour::at_risk);
      CHECK(classify(actual, Severity::moderate, p, u) == Behaviour::at_risk);
      CHECK(classify(actual, Severity::severe, p, u) == Behaviour::at_risk);
    }
  }
  // With accuracy a, uniforms below a classify correctly and the rest by outcome.
  p.classification_accuracy = 0.3;
  CHECK(classify(Behaviour::reckless, Severity::severe, p, 0.2999) == Behaviour::reckless);
  CHECK(classify(Behaviour::reckless, Severity::severe, p, 0.3) == Behaviour::at_risk);
  CHECK(classify(Behaviour::at_risk, Severity::no_harm, p, 0.1) == Behaviour::at_risk);
  CHECK(classify(Behaviour::at_risk, Severity::no_harm, p, 0.7) == Behaviour::human_error);
}

TEST_CASE("A reckless act that escapes discipline is handled as at-risk behaviour", "[agents][response]") {
  Policy p;
  p.discipline_reckless = 0.25;
  p.punish_at_risk = 0.0;
  p.outcome_bias = 0.0;
  p.coach_at_risk = 1.0;
  for (double u : uniform_grid()) {
    const Response r = respond(Behaviour::reckless, Severity::mild, p, u, 0.5, 0.5);
    CHECK(r == (u < 0.25 ? Response::discipline : Response::coach));
  }
  // Its punishment uses a fresh share of the draw: with punish_at_risk = 0.5, half of the
  // undisciplined uniforms punish.
  p.punish_at_risk = 0.5;
  int punished = 0, undisciplined = 0;
  constexpr int n = 100000;
  for (int i = 0; i < n; ++i) {
    const Response r = respond(Behaviour::reckless, Severity::near_miss, p, (i + 0.5) / n, 0.99, 0.99);
    if (r != Response::discipline) ++undisciplined;
    if (r == Response::punish) ++punished;
  }
  CHECK(static_cast<double>(undisciplined) / n == Approx(0.75).margin(1e-4));
  CHECK(static_cast<double>(punished) / undisciplined == Approx(0.5).margin(1e-4));
}

TEST_CASE("An event neither punished nor coached is consoled with console_prob, else left alone",
          "[agents][response]") {
  Policy p;
  p.punish_human_error = 0.0;
  p.punish_at_risk = 0.0;
  p.outcome_bias = 0.0;
  p.coach_at_risk = 0.0;
  p.console_prob = 0.4;
  for (double u : uniform_grid()) {
    const Response expected = u < 0.4 ? Response::console : Response::none;
    CHECK(respond(Behaviour::human_error, Severity::moderate, p, 0.5, 0.5, u) == expected);
    CHECK(respond(Behaviour::at_risk, Severity::moderate, p, 0.5, 0.5, u) == expected);
  }
}
