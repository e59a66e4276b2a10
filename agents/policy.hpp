// The organisation's culture policy: what happens to clinicians after an event (enacted culture)
// and what leadership says (stated_safety). Generated from agents/policy_table.def.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace culturesim {

struct Policy {
// A default-constructed Policy is typical(): fields not given take current practice.
#define CS_POLICY_FIELD(name, blame, just, doc) double name = just + 0.6 * (blame - just);
#include "agents/policy_table.def"
#undef CS_POLICY_FIELD

  /// Everything punitive: honest mistakes punished, outcome bias, no support.
  static Policy blame();
  /// The Just Culture algorithm: console human error, coach at-risk behaviour, discipline reckless acts.
  static Policy just_culture();
  /// Linear interpolation: b = 1 is blame(), b = 0 is just_culture(). Throws InvalidValue outside [0, 1].
  static Policy from_blame(double b);
  /// Current practice in surveyed hospitals: from_blame(0.6) (AHRQ SOPS: about 44% see a nonpunitive response).
  static Policy typical();

  /// Throws InvalidValue naming the first field outside [0, 1].
  void validate() const;
  double get(std::string_view field) const;
  /// Sets one field after checking it is in [0, 1]; throws UnknownName / InvalidValue.
  void set(std::string_view field, double value);

  bool operator==(const Policy&) const = default;
};

/// A named policy: a blame level b (Policy::from_blame). The one list of preset names.
struct PolicyPreset {
  std::string_view name;
  double blame_level;
};
/// blame (b 1), typical (b 0.6), just_culture (b 0).
const std::vector<PolicyPreset>& policy_presets();
/// The preset called `name`; throws UnknownName naming the presets.
const PolicyPreset& policy_preset(std::string_view name);

struct PolicyFieldSpec {
  std::string_view name;
  double blame;
  double just_culture;
  std::string_view description;
};
const std::vector<PolicyFieldSpec>& policy_field_specs();
std::vector<std::string> policy_field_names();

/// The Markdown table of policy fields and presets (part of docs/parameters.md).
std::string policy_markdown();

}  // namespace culturesim
