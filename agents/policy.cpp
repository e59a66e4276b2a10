#include "agents/policy.hpp"

#include <cmath>
#include <sstream>

#include "core/errors.hpp"
#include "core/format.hpp"
#include "core/name_lookup.hpp"

namespace culturesim {
namespace {

double* field_ptr(Policy& p, std::string_view field) {
#define CS_POLICY_FIELD(name, blame, just, doc) \
  if (field == #name) return &p.name;
#include "agents/policy_table.def"
#undef CS_POLICY_FIELD
  core::throw_unknown_name("policy field", field, policy_field_names());
}

using core::format_number;

}  // namespace

const std::vector<PolicyPreset>& policy_presets() {
  static const std::vector<PolicyPreset> presets{{"blame", 1.0}, {"typical", 0.6}, {"just_culture", 0.0}};
  return presets;
}

const PolicyPreset& policy_preset(std::string_view name) {
  for (const auto& p : policy_presets()) {
    if (p.name == name) return p;
  }
  std::vector<std::string> names;
  for (const auto& p : policy_presets()) names.emplace_back(p.name);
  core::throw_unknown_name("policy preset", name, names);
}

Policy Policy::blame() { return from_blame(policy_preset("blame").blame_level); }
Policy Policy::just_culture() { return from_blame(policy_preset("just_culture").blame_level); }
Policy Policy::typical() { return from_blame(policy_preset("typical").blame_level); }

Policy Policy::from_blame(double b) {
  if (!std::isfinite(b) || b < 0.0 || b > 1.0) {
    throw InvalidValue("blame level b = " + format_number(b) +
                       " is out of range; allowed 0 (Just Culture) to 1 (blame)");
  }
  Policy p;
  // Written so that b = 1 and b = 0 give the table's values exactly.
#define CS_POLICY_FIELD(name, blame_value, just_value, doc) \
  p.name = b == 1.0 ? blame_value : (b == 0.0 ? just_value : just_value + b * (blame_value - just_value));
#include "agents/policy_table.def"
#undef CS_POLICY_FIELD
  return p;
}

void Policy::validate() const {
#define CS_POLICY_FIELD(name, blame, just, doc)                                                                   \
  if (!std::isfinite(name) || name < 0.0 || name > 1.0) {                                                         \
    throw InvalidValue("policy field '" #name "' = " + format_number(name) + " is out of range; allowed 0 to 1"); \
  }
#include "agents/policy_table.def"
#undef CS_POLICY_FIELD
}

double Policy::get(std::string_view field) const { return *field_ptr(const_cast<Policy&>(*this), field); }

void Policy::set(std::string_view field, double value) {
  double* slot = field_ptr(*this, field);
  if (!std::isfinite(value) || value < 0.0 || value > 1.0) {
    throw InvalidValue("policy field '" + std::string(field) + "' = " + format_number(value) +
                       " is out of range; allowed 0 to 1");
  }
  *slot = value;
}

const std::vector<PolicyFieldSpec>& policy_field_specs() {
  static const std::vector<PolicyFieldSpec> specs = {
#define CS_POLICY_FIELD(name, blame, just, doc) PolicyFieldSpec{#name, blame, just, doc},
#include "agents/policy_table.def"
#undef CS_POLICY_FIELD
  };
  return specs;
}

std::vector<std::string> policy_field_names() {
  std::vector<std::string> names;
  for (const auto& f : policy_field_specs()) names.emplace_back(f.name);
  return names;
}

std::string policy_markdown() {
  const Policy typical = Policy::typical();
  std::ostringstream out;
  out << "| field | blame | typical (b = 0.6) | just culture | description |\n|---|---|---|---|---|\n";
  for (const auto& f : policy_field_specs()) {
    out << "| `" << f.name << "` | " << format_number(f.blame) << " | " << format_number(typical.get(f.name)) << " | "
        << format_number(f.just_culture) << " | " << f.description << " |\n";
  }
  return out.str();
}

}  // namespace culturesim
