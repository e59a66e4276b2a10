// Params and the parameter table: defaults, lookup by name and key, and validation of every
// parameter (each rejected value names the parameter).
#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "agents/outputs.hpp"
#include "agents/parameters.hpp"
#include "core/errors.hpp"
#include "tests/cpp/catch.hpp"
#include "tests/cpp/test_helpers.hpp"

using namespace culturesim;

namespace {

/// Runs f, which must throw E; returns the message.
using testing::contains;
using testing::message_of;

/// 'text' in single quotes, as the messages quote names.
std::string quoted(const std::string& text) {
  std::string q(1, '\'');
  q.append(text).push_back('\'');
  return q;
}

/// "name" for a scalar, "name[key]" for one key of a keyed parameter.
std::string where(const ParamSpec& spec, std::size_t k) {
  return spec.keys.empty() ? std::string(spec.name) : std::string(spec.name) + "[" + std::string(spec.keys[k]) + "]";
}

std::size_t value_count(const ParamSpec& spec) { return spec.keys.empty() ? 1 : spec.keys.size(); }

/// Values outside [min, max] (and non-finite ones) that every parameter must reject.
std::vector<double> bad_values(const ParamSpec& spec) {
  return {spec.min - std::max(1.0, std::abs(spec.min)),
          spec.max + std::max(1.0, std::abs(spec.max)),
          std::nextafter(spec.min, -std::numeric_limits<double>::infinity()),
          std::nextafter(spec.max, std::numeric_limits<double>::infinity()),
          std::numeric_limits<double>::quiet_NaN(),
          std::numeric_limits<double>::infinity(),
          -std::numeric_limits<double>::infinity()};
}

}  // namespace

TEST_CASE("The default parameters are valid and equal the table's defaults", "[agents][parameters]") {
  const Params defaults;
  REQUIRE_NOTHROW(defaults.validate());
  REQUIRE_FALSE(parameter_specs().empty());
  for (const auto& spec : parameter_specs()) {
    INFO(spec.name);
    const auto values = defaults.values(spec.name);
    REQUIRE(values.size() == value_count(spec));
    REQUIRE(spec.defaults.size() == value_count(spec));
    for (std::size_t k = 0; k < values.size(); ++k) {
      CHECK(values[k] == spec.defaults[k]);
      CHECK(values[k] >= spec.min);
      CHECK(values[k] <= spec.max);
      CHECK(defaults.get(spec.name, spec.keys.empty() ? std::string_view{} : spec.keys[k]) == spec.defaults[k]);
    }
    CHECK(spec.min <= spec.max);
    CHECK_FALSE(spec.description.empty());
    CHECK_FALSE(spec.source.empty());
  }
}

TEST_CASE("Parameter names are unique and listed in table order", "[agents][parameters]") {
  const auto names = parameter_names();
  REQUIRE(names.size() == parameter_specs().size());
  std::set<std::string> unique(names.begin(), names.end());
  CHECK(unique.size() == names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    CHECK(names[i] == parameter_specs()[i].name);
    CHECK(parameter_spec(names[i]).name == names[i]);
    CHECK(parameter_spec(names[i]).defaults == parameter_specs()[i].defaults);
  }
}

TEST_CASE("Keyed parameters have one value per role, severity, response or disclosure", "[agents][parameters]") {
  CHECK(parameter_spec("base_error_rate").keys.size() == kRoles);
  CHECK(parameter_spec("quit_rate").keys.size() == kRoles);
  CHECK(parameter_spec("severity_probs").keys.size() == kSeverities);
  CHECK(parameter_spec("response_mult").keys.size() == kResponses);
  CHECK(parameter_spec("claim_prob").keys.size() == kDisclosures);
  CHECK(parameter_spec("alpha_base").keys.empty());
  CHECK(parameter_spec("hire_delay_days").kind == ParamKind::integer);

  Params p;
  p.set("base_error_rate", 0.03, "resident");
  CHECK(p.base_error_rate[index(Role::resident)] == 0.03);
  CHECK(p.get("base_error_rate", "resident") == 0.03);
  p.set("severity_weight", 7.0, "severe");
  CHECK(p.severity_weight[index(Severity::severe)] == 7.0);
  p.set("alpha_base", 0.0);
  CHECK(p.alpha_base == 0.0);  // alpha = 0 is allowed (the seed's straight line)
}

TEST_CASE("Every parameter rejects out-of-range values through Params::set, naming itself", "[agents][parameters]") {
  for (const auto& spec : parameter_specs()) {
    for (std::size_t k = 0; k < value_count(spec); ++k) {
      const std::string_view key = spec.keys.empty() ? std::string_view{} : spec.keys[k];
      for (double bad : bad_values(spec)) {
        INFO(where(spec, k) << " = " << bad);
        Params p;
        const std::string message = message_of<InvalidValue>([&] { p.set(spec.name, bad, key); });
        CHECK(contains(message, quoted(where(spec, k))));
        CHECK(p == Params{});  // a rejected value changes nothing
      }
      // The range's ends are accepted.
      Params p;
      CHECK_NOTHROW(p.set(spec.name, spec.min, key));
      CHECK_NOTHROW(p.set(spec.name, spec.max, key));
    }
  }
}

TEST_CASE("Every parameter rejects out-of-range field values in validate(), naming itself", "[agents][parameters]") {
  for (const auto& spec : parameter_specs()) {
    for (std::size_t k = 0; k < value_count(spec); ++k) {
      for (double bad : bad_values(spec)) {
        INFO(where(spec, k) << " = " << bad);
        Params p;
        p.values(spec.name)[k] = bad;  // the field itself, as a C++ user would write it
        const std::string message = message_of<InvalidValue>([&] { p.validate(); });
        CHECK(contains(message, quoted(where(spec, k))));
      }
    }
  }
}

TEST_CASE("A field set directly on the struct is checked by validate()", "[agents][parameters]") {
  Params p;
  p.alpha_base = -0.5;
  const std::string message = message_of<InvalidValue>([&] { p.validate(); });
  CHECK(contains(message, "alpha_base"));
  CHECK(contains(message, "-0.5"));
  CHECK(contains(message, "0 to 10"));
  p = Params{};
  p.quit_rate[index(Role::pharmacist)] = 400.0;
  CHECK(contains(message_of<InvalidValue>([&] { p.validate(); }), "quit_rate[pharmacist]"));
}

TEST_CASE("Integer parameters reject fractional values", "[agents][parameters]") {
  Params p;
  CHECK(contains(message_of<InvalidValue>([&] { p.set("hire_delay_days", 60.5); }), "hire_delay_days"));
  CHECK_NOTHROW(p.set("hire_delay_days", 61.0));
  p.hire_delay_days = 0.25;
  CHECK(contains(message_of<InvalidValue>([&] { p.validate(); }), "hire_delay_days"));
}

TEST_CASE("An unknown parameter name throws UnknownName suggesting the closest name", "[agents][parameters]") {
  Params p;
  CHECK(contains(message_of<UnknownName>([&] { p.set("alpha_bse", 0.1); }), "did you mean 'alpha_base'"));
  CHECK(contains(message_of<UnknownName>([&] { (void)p.get("alpha_bse"); }), "did you mean 'alpha_base'"));
  CHECK(contains(message_of<UnknownName>([&] { (void)p.values("delta_witnes"); }), "did you mean 'delta_witness'"));
  CHECK(contains(message_of<UnknownName>([&] { (void)parameter_spec("quit_rte"); }), "did you mean 'quit_rate'"));
  CHECK(contains(message_of<UnknownName>([&] { p.set("alpha_bse", 0.1); }), "'alpha_bse'"));
  CHECK(p == Params{});
}

TEST_CASE("An unknown key of a keyed parameter is rejected with the allowed keys", "[agents][parameters]") {
  Params p;
  const std::string roles = message_of<UnknownName>([&] { p.set("base_error_rate", 0.01, "surgeon"); });
  CHECK(contains(roles, "base_error_rate"));
  CHECK(contains(roles, "surgeon"));
  CHECK(contains(roles, "nurse, resident, attending, pharmacist"));
  CHECK(contains(message_of<UnknownName>([&] { (void)p.get("severity_probs", "sever"); }), "did you mean 'severe'"));
  CHECK(contains(message_of<UnknownName>([&] { (void)key_index(parameter_spec("response_mult"), "fire"); }),
                 "none, console, coach, punish, discipline"));
  // A keyed parameter needs a key, and a scalar takes none.
  CHECK(contains(message_of<InvalidValue>([&] { p.set("quit_rate", 0.1); }), "quit_rate"));
  CHECK(contains(message_of<InvalidValue>([&] { (void)p.get("quit_rate"); }), "quit_rate"));
  CHECK(contains(message_of<UnknownName>([&] { p.set("alpha_base", 0.1, "nurse"); }), "alpha_base"));
  CHECK(p == Params{});
}

TEST_CASE("severity_probs must sum to 1", "[agents][parameters]") {
  Params p;
  p.severity_probs = {0.5, 0.4, 0.07, 0.025, 0.006};
  const std::string message = message_of<InvalidValue>([&] { p.validate(); });
  CHECK(contains(message, "severity_probs"));
  CHECK(contains(message, "sum"));
  // Each value is in range, so set() accepts it; the whole set is then rejected.
  Params q;
  q.set("severity_probs", 0.6, "near_miss");
  CHECK(contains(message_of<InvalidValue>([&] { q.validate(); }), "severity_probs"));
  q.set("severity_probs", 0.3, "no_harm");
  CHECK_NOTHROW(q.validate());
}

TEST_CASE("sv_recovery_level may not exceed sv_threshold", "[agents][parameters]") {
  Params p;
  p.sv_recovery_level = p.sv_threshold + 0.5;
  const std::string message = message_of<InvalidValue>([&] { p.validate(); });
  CHECK(contains(message, "sv_recovery_level"));
  CHECK(contains(message, "sv_threshold"));
  p.sv_recovery_level = p.sv_threshold;
  CHECK_NOTHROW(p.validate());
}

TEST_CASE("parameters_markdown lists every parameter with its range", "[agents][parameters]") {
  const std::string md = parameters_markdown();
  for (const auto& spec : parameter_specs()) CHECK(contains(md, "| `" + std::string(spec.name) + "` |"));
  CHECK(contains(
      md, "| `base_error_rate` | per_role | nurse 0.015, resident 0.02, attending 0.012, pharmacist 0.008 | 0 to 1 |"));
  CHECK(contains(md, "| `hazard_effect` | scalar | 0.05 | 0 to 10 | 1/hazard |"));
}

TEST_CASE("Priors name scalar parameters, bracket their defaults and stay inside their ranges",
          "[agents][parameters]") {
  const auto& priors = prior_specs();
  REQUIRE(priors.size() >= 8);  // the genuinely uncertain parameters; the rest are fixed
  std::vector<std::string_view> names;
  for (const auto& prior : priors) {
    INFO(prior.name);
    const ParamSpec& spec = parameter_spec(prior.name);
    CHECK(spec.kind == ParamKind::scalar);
    CHECK(spec.min <= prior.low);
    CHECK(prior.low < prior.high);
    CHECK(prior.high <= spec.max);
    CHECK(prior.low <= spec.defaults[0]);
    CHECK(spec.defaults[0] <= prior.high);
    CHECK_FALSE(prior.why.empty());
    if (prior.distribution == PriorDistribution::loguniform) CHECK(prior.low > 0);
    CHECK(std::find(names.begin(), names.end(), prior.name) == names.end());
    names.push_back(prior.name);
  }
  CHECK(distribution_name(PriorDistribution::loguniform) == "loguniform");
  CHECK(basis_name(PriorBasis::judgement) == "judgement");
}

TEST_CASE("Every cost parameter has one range that holds its default, and the docs show it",
          "[agents][parameters]") {
  const auto& ranges = range_specs();
  std::size_t costs = 0;
  for (const auto& spec : parameter_specs()) {
    if (!is_cost(spec)) continue;
    ++costs;
    INFO(spec.name);
    const auto it = std::find_if(ranges.begin(), ranges.end(), [&](const RangeSpec& r) { return r.name == spec.name; });
    REQUIRE(it != ranges.end());
    REQUIRE(it->low.size() == spec.defaults.size());
    REQUIRE(it->high.size() == spec.defaults.size());
    for (std::size_t i = 0; i < spec.defaults.size(); ++i) {
      CHECK(it->low[i] <= spec.defaults[i]);
      CHECK(spec.defaults[i] <= it->high[i]);
      CHECK((range_basis(*it, i) == RangeBasis::source || range_basis(*it, i) == RangeBasis::assumption));
    }
    CHECK_FALSE(it->why.empty());
    CHECK(output_index(it->output) < kOutputs);
  }
  CHECK(ranges.size() == costs);
  CHECK(costs >= 7);
  const std::string md = parameters_markdown();
  CHECK(contains(md, "## Cost ranges"));
  CHECK(contains(md, "| `replacement_cost` | nurse 58500, resident 141000, attending 750000, pharmacist 60000 |"));
  CHECK(contains(md, "nurse source, resident assumption, attending source, pharmacist assumption | `cost_turnover` |"));
  CHECK(range_basis_name(RangeBasis::assumption) == "assumption");
}
