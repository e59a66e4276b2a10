#include "agents/parameters.hpp"

#include "agents/outputs.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/errors.hpp"
#include "core/format.hpp"
#include "core/name_lookup.hpp"

namespace culturesim {
namespace {

template <class T>
std::span<double> as_span(T& value) {
  if constexpr (std::is_same_v<T, double>) {
    return {&value, 1};
  } else {
    return {value.data(), value.size()};
  }
}

std::span<const std::string_view> keys_of(ParamKind kind) {
  switch (kind) {
    case ParamKind::per_role: return kRoleNames;
    case ParamKind::per_severity: return kSeverityNames;
    case ParamKind::per_response: return kResponseNames;
    case ParamKind::per_disclosure: return kDisclosureNames;
    default: return {};
  }
}

using Accessor = std::span<double> (*)(Params&);

struct Entry {
  ParamSpec spec;
  Accessor access;
};

std::vector<Entry> make_entries() {
  Params defaults;
  std::vector<Entry> entries;
#define CS_PARAM(kind, name, def, lo, hi, unit, doc, source)                                                       \
  {                                                                                                                \
    Accessor access = [](Params& p) { return as_span(p.name); };                                                   \
    const auto values = access(defaults);                                                                          \
    entries.push_back(Entry{ParamSpec{#name, ParamKind::kind, lo, hi, unit, doc, source, keys_of(ParamKind::kind), \
                                      std::vector<double>(values.begin(), values.end())},                          \
                            access});                                                                              \
  }
#include "agents/parameter_table.def"
#undef CS_PARAM
  for (auto& e : entries) {
    for (auto name : kStartOnlyParameters) {
      if (e.spec.name == name) e.spec.changes_during_run = false;
    }
  }
  return entries;
}

const std::vector<Entry>& entries() {
  static const std::vector<Entry> table = make_entries();
  return table;
}

const Entry& entry(std::string_view name) {
  for (const auto& e : entries()) {
    if (e.spec.name == name) return e;
  }
  core::throw_unknown_name("parameter", name, parameter_names());
}

using core::format_number;

}  // namespace

std::string_view kind_name(ParamKind kind) {
  switch (kind) {
    case ParamKind::scalar: return "scalar";
    case ParamKind::integer: return "integer";
    case ParamKind::per_role: return "per_role";
    case ParamKind::per_severity: return "per_severity";
    case ParamKind::per_response: return "per_response";
    case ParamKind::per_disclosure: return "per_disclosure";
  }
  return "?";
}

const std::vector<ParamSpec>& parameter_specs() {
  static const std::vector<ParamSpec> specs = [] {
    std::vector<ParamSpec> out;
    for (const auto& e : entries()) out.push_back(e.spec);
    return out;
  }();
  return specs;
}

std::vector<std::string> parameter_names() {
  std::vector<std::string> names;
  for (const auto& e : entries()) names.emplace_back(e.spec.name);
  return names;
}

const ParamSpec& parameter_spec(std::string_view name) { return entry(name).spec; }

std::size_t key_index(const ParamSpec& spec, std::string_view key) {
  for (std::size_t i = 0; i < spec.keys.size(); ++i) {
    if (spec.keys[i] == key) return i;
  }
  std::vector<std::string> keys(spec.keys.begin(), spec.keys.end());
  if (keys.empty()) {
    throw UnknownName("parameter '" + std::string(spec.name) + "' is a scalar and takes no key (got '" +
                      std::string(key) + "')");
  }
  core::throw_unknown_name("key of '" + std::string(spec.name) + "'", key, keys);
}

void check_changes_during_run(const ParamSpec& spec) {
  if (!spec.changes_during_run) {
    throw InvalidValue("parameter '" + std::string(spec.name) +
                       "' is read only when a run starts, so an intervention cannot change it; set it in the "
                       "scenario's params instead");
  }
}

void check_value(const ParamSpec& spec, double value, std::string_view key) {
  std::string where(spec.name);  // built by appending: GCC 12 warns falsely (-Wrestrict) on "[" + string
  if (!key.empty()) {
    where += '[';
    where.append(key);
    where += ']';
  }
  if (!std::isfinite(value) || value < spec.min || value > spec.max) {
    throw InvalidValue("parameter '" + where + "' = " + format_number(value) + " is out of range; allowed " +
                       format_number(spec.min) + " to " + format_number(spec.max) +
                       (spec.unit.empty() ? "" : " (" + std::string(spec.unit) + ")"));
  }
  if (spec.kind == ParamKind::integer && value != std::floor(value)) {
    throw InvalidValue("parameter '" + where + "' = " + format_number(value) + " must be a whole number from " +
                       format_number(spec.min) + " to " + format_number(spec.max));
  }
}

void Params::validate() const {
  auto& self = const_cast<Params&>(*this);  // accessors are shared with the mutable path
  for (const auto& e : entries()) {
    const auto values = e.access(self);
    for (std::size_t i = 0; i < values.size(); ++i) {
      check_value(e.spec, values[i], e.spec.keys.empty() ? std::string_view{} : e.spec.keys[i]);
    }
  }
  double total = 0.0;
  for (double p : severity_probs) total += p;
  if (std::abs(total - 1.0) > 1e-6) {
    throw InvalidValue(
        "parameter 'severity_probs' must sum to 1 (near_miss + no_harm + mild + moderate + "
        "severe); it sums to " +
        format_number(total));
  }
  if (sv_recovery_level > sv_threshold) {
    throw InvalidValue("parameter 'sv_recovery_level' = " + format_number(sv_recovery_level) +
                       " must not exceed 'sv_threshold' = " + format_number(sv_threshold));
  }
}

std::span<double> Params::values(std::string_view name) { return entry(name).access(*this); }

std::span<const double> Params::values(std::string_view name) const {
  return entry(name).access(const_cast<Params&>(*this));
}

double Params::get(std::string_view name, std::string_view key) const {
  const auto& e = entry(name);
  const auto values = e.access(const_cast<Params&>(*this));
  if (e.spec.keys.empty()) {
    if (!key.empty()) key_index(e.spec, key);  // throws: scalars take no key
    return values[0];
  }
  if (key.empty()) {
    throw InvalidValue("parameter '" + std::string(name) + "' has one value per key; name a key");
  }
  return values[key_index(e.spec, key)];
}

void Params::set(std::string_view name, double value, std::string_view key) {
  const auto& e = entry(name);
  auto values = e.access(*this);
  if (e.spec.keys.empty()) {
    if (!key.empty()) key_index(e.spec, key);
    check_value(e.spec, value);
    values[0] = value;
    return;
  }
  if (key.empty()) {
    throw InvalidValue("parameter '" + std::string(name) + "' has one value per key; name a key");
  }
  const std::size_t i = key_index(e.spec, key);
  check_value(e.spec, value, key);
  values[i] = value;
}

std::string_view distribution_name(PriorDistribution distribution) {
  return distribution == PriorDistribution::uniform ? "uniform" : "loguniform";
}

std::string_view basis_name(PriorBasis basis) { return basis == PriorBasis::source ? "source" : "judgement"; }

namespace {

void check_prior(const PriorSpec& prior) {
  const ParamSpec& spec = parameter_spec(prior.name);  // throws UnknownName for a misspelt row
  const std::string where = "prior of parameter '" + std::string(prior.name) + "'";
  if (spec.kind != ParamKind::scalar) {
    throw InvalidValue(where + ": only scalar parameters carry priors, this one is " +
                       std::string(kind_name(spec.kind)));
  }
  if (!(spec.min <= prior.low && prior.low < prior.high && prior.high <= spec.max)) {
    throw InvalidValue(where + ": bounds " + format_number(prior.low) + " to " + format_number(prior.high) +
                       " must be increasing and inside the parameter's range " + format_number(spec.min) + " to " +
                       format_number(spec.max));
  }
  if (prior.distribution == PriorDistribution::loguniform && !(prior.low > 0)) {
    throw InvalidValue(where + ": a loguniform prior needs a positive lower bound");
  }
  if (!(prior.low <= spec.defaults[0] && spec.defaults[0] <= prior.high)) {
    throw InvalidValue(where + ": the default " + format_number(spec.defaults[0]) + " lies outside " +
                       format_number(prior.low) + " to " + format_number(prior.high));
  }
}

}  // namespace

const std::vector<PriorSpec>& prior_specs() {
  static const std::vector<PriorSpec> priors = [] {
    std::vector<PriorSpec> out;
#define CS_PARAM(kind, name, def, lo, hi, unit, doc, source)
#define CS_PRIOR(name, distribution, low, high, basis, why) \
  out.push_back(PriorSpec{#name, PriorDistribution::distribution, low, high, PriorBasis::basis, why});
#include "agents/parameter_table.def"
#undef CS_PRIOR
#undef CS_PARAM
    for (const auto& prior : out) check_prior(prior);
    return out;
  }();
  return priors;
}

std::string_view range_basis_name(RangeBasis basis) {
  return basis == RangeBasis::source ? "source" : "assumption";
}

RangeBasis range_basis(const RangeSpec& range, std::size_t i) {
  return range.basis.size() == 1 ? range.basis[0] : range.basis.at(i);
}

bool is_cost(const ParamSpec& spec) { return spec.unit.starts_with("USD"); }

namespace {

void check_range(const RangeSpec& range) {
  const ParamSpec& spec = parameter_spec(range.name);  // throws UnknownName for a misspelt row
  const std::string where = "cost range of parameter '" + std::string(range.name) + "'";
  if (!is_cost(spec)) {
    throw InvalidValue(where + ": only costs (unit USD...) carry ranges, this one's unit is " +
                       std::string(spec.unit));
  }
  if (range.low.size() != spec.defaults.size() || range.high.size() != spec.defaults.size()) {
    throw InvalidValue(where + ": needs " + std::to_string(spec.defaults.size()) + " low and high values (one per key)");
  }
  if (range.basis.size() != 1 && range.basis.size() != spec.defaults.size()) {
    throw InvalidValue(where + ": needs one basis, or one per key");
  }
  for (std::size_t i = 0; i < spec.defaults.size(); ++i) {
    const std::string key = spec.keys.empty() ? "" : " (" + std::string(spec.keys[i]) + ")";
    if (!(spec.min <= range.low[i] && range.low[i] <= spec.defaults[i] && spec.defaults[i] <= range.high[i] &&
          range.high[i] <= spec.max)) {
      throw InvalidValue(where + key + ": " + format_number(range.low[i]) + " to " + format_number(range.high[i]) +
                         " must hold the default " + format_number(spec.defaults[i]) + " and lie inside " +
                         format_number(spec.min) + " to " + format_number(spec.max));
    }
  }
}

std::string keyed(const ParamSpec& spec, const std::vector<double>& values) {
  if (spec.keys.empty()) return format_number(values[0]);
  std::string out;
  for (std::size_t i = 0; i < spec.keys.size(); ++i) {
    out += (i ? ", " : "") + std::string(spec.keys[i]) + " " + format_number(values[i]);
  }
  return out;
}

std::string bases(const ParamSpec& spec, const RangeSpec& range) {
  if (range.basis.size() == 1) return std::string(range_basis_name(range.basis[0]));
  std::string out;
  for (std::size_t i = 0; i < spec.keys.size(); ++i) {
    out += (i ? ", " : "") + std::string(spec.keys[i]) + " " + std::string(range_basis_name(range.basis[i]));
  }
  return out;
}

}  // namespace

const std::vector<RangeSpec>& range_specs() {
  static const std::vector<RangeSpec> ranges = [] {
    std::vector<RangeSpec> out;
    using enum RangeBasis;  // the table writes a basis as source or assumption
#define CS_VALUES(...) __VA_ARGS__
#define CS_PARAM(kind, name, def, lo, hi, unit, doc, source)
#define CS_RANGE(name, low, high, basis, output, why)                                                 \
  static_cast<void>(Output::output); /* the cost output must exist */                                   \
  out.push_back(RangeSpec{#name, std::vector<double>{low}, std::vector<double>{high},                    \
                          std::vector<RangeBasis>{basis}, #output, why});
#include "agents/parameter_table.def"
#undef CS_RANGE
#undef CS_PARAM
#undef CS_VALUES
    for (const auto& range : out) check_range(range);
    for (const auto& spec : parameter_specs()) {
      const auto rows = std::count_if(out.begin(), out.end(), [&](const RangeSpec& r) { return r.name == spec.name; });
      if (is_cost(spec) && rows != 1) {
        throw InvalidValue("cost parameter '" + std::string(spec.name) + "' needs exactly one CS_RANGE row, has " +
                           std::to_string(rows));
      }
    }
    return out;
  }();
  return ranges;
}

std::string parameters_markdown() {
  std::ostringstream out;
  out << "# Parameters\n\n"
      << "Generated from `agents/parameter_table.def` by `culturesim_docs`; do not edit by hand "
         "(a test checks that this file matches the table).\n\n"
      << "| name | kind | default | range | unit | description | source |\n"
      << "|---|---|---|---|---|---|---|\n";
  for (const auto& spec : parameter_specs()) {
    out << "| `" << spec.name << "` | " << kind_name(spec.kind) << " | " << keyed(spec, spec.defaults) << " | " << format_number(spec.min)
        << " to " << format_number(spec.max) << " | " << spec.unit << " | " << spec.description << " | " << spec.source
        << " |\n";
  }
  out << "\n## Priors\n\n"
      << "The genuinely uncertain parameters carry a prior (a `CS_PRIOR` row of the table): calibration "
         "(`cs.calibrate`, `culturesim calibrate`) starts from it. *uniform* is flat between the bounds, "
         "*loguniform* flat in the logarithm (for rates whose order of magnitude is uncertain). *basis* says "
         "whether the bounds come from a cited figure (source) or are a judgement. Every other parameter is "
         "fixed at its default: its source above says whether a source pins it.\n\n"
      << "The default of every parameter with a prior is the weighted median of the shipped posterior of the "
         "default calibration, to 3 significant digits (its source above begins \"posterior median\"; "
         "`tools/adopt_posterior.py` writes them, a test checks them against the posterior); the priors are "
         "centred on the earlier hand calibration. The posterior and its predictive check are in "
         "[validation.md](validation.md) (\"Calibration: posterior and predictive check\").\n\n"
      << "| name | prior | bounds | default | basis | why |\n"
      << "|---|---|---|---|---|---|\n";
  for (const auto& prior : prior_specs()) {
    out << "| `" << prior.name << "` | " << distribution_name(prior.distribution) << " | " << format_number(prior.low)
        << " to " << format_number(prior.high) << " | " << format_number(parameter_spec(prior.name).defaults[0])
        << " | " << basis_name(prior.basis) << " | " << prior.why << " |\n";
  }
  out << "\n## Cost ranges\n\n"
      << "Every cost (a parameter whose unit is USD) has a range (a `CS_RANGE` row of the table). Costs do not "
         "change the dynamics, so each parameter draw of an experiment over a posterior (`cs.Experiment(..., "
         "params=posterior)`) also draws its costs, each key on its own with the default as its median (half "
         "the draws uniform from low to the default, half from the default to high; `culturesim.costs`). Economics intervals then carry cost uncertainty; "
         "`cs.cost_split` says how much of an interval is costs and how much the dynamics. *basis*: source "
         "(the range comes from cited figures) or assumption (a judgement; `cs.params.assumptions()` lists "
         "them for the report).\n\n"
      << "| name | default | low | high | basis | output | why |\n"
      << "|---|---|---|---|---|---|---|\n";
  for (const auto& range : range_specs()) {
    const ParamSpec& spec = parameter_spec(range.name);
    out << "| `" << range.name << "` | " << keyed(spec, spec.defaults) << " | " << keyed(spec, range.low) << " | "
        << keyed(spec, range.high) << " | " << bases(spec, range) << " | `" << range.output << "` | "
        << range.why << " |\n";
  }
  return out.str();
}

}  // namespace culturesim
