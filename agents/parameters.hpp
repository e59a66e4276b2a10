// Model parameters, generated from agents/parameter_table.def (the one place that defines them).
#pragma once
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "agents/categories.hpp"

namespace culturesim {

enum class ParamKind { scalar, integer, per_role, per_severity, per_response, per_disclosure };

namespace detail {
template <ParamKind K>
struct ParamStorage {
  using type = double;
};
template <>
struct ParamStorage<ParamKind::per_role> {
  using type = ByRole;
};
template <>
struct ParamStorage<ParamKind::per_severity> {
  using type = BySeverity;
};
template <>
struct ParamStorage<ParamKind::per_response> {
  using type = ByResponse;
};
template <>
struct ParamStorage<ParamKind::per_disclosure> {
  using type = ByDisclosure;
};
}  // namespace detail

/// Every model parameter, with its default. Call validate() after changing fields by hand.
struct Params {
#define CS_VALUES(...) \
  { __VA_ARGS__ }
#define CS_PARAM(kind, name, def, lo, hi, unit, doc, source) detail::ParamStorage<ParamKind::kind>::type name = def;
#include "agents/parameter_table.def"
#undef CS_PARAM
#undef CS_VALUES

  /// Throws InvalidValue naming the first offending parameter, its value and the allowed range.
  void validate() const;

  /// The values of one parameter (1 for a scalar, one per key otherwise). Throws UnknownName.
  std::span<const double> values(std::string_view name) const;
  std::span<double> values(std::string_view name);
  /// A scalar parameter, or one key of a keyed parameter ("nurse", "severe", ...).
  double get(std::string_view name, std::string_view key = {}) const;
  /// Sets one value after checking its range (the whole set is not re-validated).
  void set(std::string_view name, double value, std::string_view key = {});

  bool operator==(const Params&) const = default;
};

/// The description of one parameter: everything the docs, Python and TOML layers need.
struct ParamSpec {
  std::string_view name;
  ParamKind kind;
  double min;
  double max;
  std::string_view unit;
  std::string_view description;
  std::string_view source;
  std::span<const std::string_view> keys;  ///< empty for scalars
  std::vector<double> defaults;
  bool changes_during_run = true;  ///< false: read only when a run starts (kStartOnlyParameters)
};

std::string_view kind_name(ParamKind kind);
/// All parameters in table order.
const std::vector<ParamSpec>& parameter_specs();
/// One parameter's spec; throws UnknownName with the closest name suggested.
const ParamSpec& parameter_spec(std::string_view name);
std::vector<std::string> parameter_names();
/// Position of `key` among the keys of a keyed parameter; throws UnknownName.
std::size_t key_index(const ParamSpec& spec, std::string_view key);

/// Parameters read only when a run starts (the Simulation's constructor and init_clinician): an
/// intervention that set them would change nothing, so interventions may not. reckless_fraction
/// and sensitivity_sd are not here: new hires draw their traits with the current values.
inline constexpr std::string_view kStartOnlyParameters[] = {"initial_hazards", "initial_shortcut",
                                                            "initial_psych_safety", "initial_report_value"};
/// Throws InvalidValue naming the parameter when it cannot change during a run.
void check_changes_during_run(const ParamSpec& spec);

/// Throws InvalidValue unless value is finite, in [min, max] and whole for integer parameters.
void check_value(const ParamSpec& spec, double value, std::string_view key = {});

/// The prior of a genuinely uncertain parameter (a CS_PRIOR row of the table): what calibration
/// starts from. Parameters without one are fixed at their default.
enum class PriorDistribution { uniform, loguniform };
enum class PriorBasis { source, judgement };

struct PriorSpec {
  std::string_view name;  ///< a scalar parameter of the table
  PriorDistribution distribution;
  double low;
  double high;
  PriorBasis basis;
  std::string_view why;
};

std::string_view distribution_name(PriorDistribution distribution);
std::string_view basis_name(PriorBasis basis);
/// Every prior in table order; checked once (scalar parameter, low < high inside the parameter's
/// range, the default inside low..high, low > 0 for loguniform): a bad row throws InvalidValue.
const std::vector<PriorSpec>& prior_specs();

/// The range of a cost parameter (a CS_RANGE row of the table): every cost has one. Costs do not
/// change the dynamics, so experiments over parameter draws also draw costs from these ranges.
enum class RangeBasis { source, assumption };

struct RangeSpec {
  std::string_view name;     ///< a parameter of the table whose unit is a cost (USD...)
  std::vector<double> low;   ///< one value per key (one for a scalar)
  std::vector<double> high;  ///< one value per key, low <= default <= high
  std::vector<RangeBasis> basis;  ///< one for all keys, or one per key
  std::string_view output;  ///< the cost output the parameter is summed into (cost_harm, ...)
  std::string_view why;
};

std::string_view range_basis_name(RangeBasis basis);
/// The basis of key i of a range (its one basis when it has one for all keys).
RangeBasis range_basis(const RangeSpec& range, std::size_t i);
/// Whether a parameter is a cost (its unit starts with "USD"); every cost needs a range.
bool is_cost(const ParamSpec& spec);
/// Every cost range in table order; checked once (known parameter, one bound per key, low <=
/// default <= high inside the parameter's range, and every cost parameter has exactly one row).
const std::vector<RangeSpec>& range_specs();

/// The Markdown table of docs/parameters.md.
std::string parameters_markdown();

}  // namespace culturesim
