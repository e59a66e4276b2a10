// Interventions: changes to the policy, parameters or hospital at a given time. A scenario's
// interventions are compiled into the model's Schedule of dated changes.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agents/hospital.hpp"
#include "agents/parameters.hpp"
#include "agents/policy.hpp"
#include "agents/simulation.hpp"

namespace culturesim {

/// One parameter value to set: `key` is empty for scalars, a role/severity/... name otherwise.
struct ParamOverride {
  std::string name;
  std::string key;
  double value = 0.0;
  bool operator==(const ParamOverride&) const = default;
};

/// One policy field to set.
struct PolicyOverride {
  std::string field;
  double value = 0.0;
  bool operator==(const PolicyOverride&) const = default;
};

/// The most steps a ramp may take (ceil(ramp_days / ramp_step_days)): daily for 27 years. Each step
/// is a scheduled change, so the bound keeps a schedule's memory small; checked before expansion.
inline constexpr std::int64_t kMaxRampSteps = 10'000;

struct Intervention {
  enum class Kind {
    set,           ///< from `day` on: replace the policy (if given), then set fields and parameters
    ramp,          ///< move the policy from from_blame(ramp_from) to from_blame(ramp_to) over ramp_days
    fix_friction,  ///< fix all friction: remove every latent hazard of the named units (all if none named)
  };
  Kind kind = Kind::set;
  std::int64_t day = 0;
  std::string label;
  std::optional<Policy> policy;
  std::vector<PolicyOverride> policy_fields;
  std::vector<ParamOverride> params;
  double ramp_from = 1.0;
  double ramp_to = 0.0;
  std::int64_t ramp_days = 365;
  std::int64_t ramp_step_days = 30;  ///< the policy moves in steps of this many days
  std::vector<std::string> units;

  /// Switch to a whole new policy on `day`.
  static Intervention switch_policy(std::int64_t day, const Policy& policy, std::string label = "switch policy");
  /// Set some policy fields on `day` (e.g. support_level for "launch peer support").
  static Intervention set_policy_fields(std::int64_t day, std::vector<PolicyOverride> fields,
                                        std::string label = "set policy fields");
  /// Set some parameters on `day`.
  static Intervention set_params(std::int64_t day, std::vector<ParamOverride> params,
                                 std::string label = "set parameters");
  /// Ramp the blame level b linearly from `from_b` to `to_b` over `days`, starting on `day`.
  static Intervention ramp(std::int64_t day, double from_b, double to_b, std::int64_t days, std::int64_t step_days = 30,
                           std::string label = "ramp policy");
  /// Fix all friction in the named units (all units if empty) on `day`.
  static Intervention fix_friction(std::int64_t day, std::vector<std::string> units = {},
                                   std::string label = "fix friction");

  /// Throws InvalidValue / UnknownName naming this intervention and the offending field.
  void validate(const Hospital& hospital) const;
  /// A one-line human description.
  std::string describe() const;

  bool operator==(const Intervention&) const = default;
};

/// Turns interventions into the model's dated changes, applied on top of (params, policy).
/// Interventions on the same day apply in the order given.
Schedule compile_schedule(const std::vector<Intervention>& interventions, const Hospital& hospital,
                          const Params& params, const Policy& policy);

}  // namespace culturesim
