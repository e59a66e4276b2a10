#include "experiments/schema.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <sstream>

// toml++ header-only, compiled in this file alone (Debian 12 ships toml.h, 13 also toml.hpp).
#if __has_include(<toml++/toml.hpp>)
#include <toml++/toml.hpp>
#else
#include <toml++/toml.h>
#endif

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/format.hpp"
#include "core/name_lookup.hpp"
#include "experiments/sweep.hpp"

namespace culturesim {
namespace {

// -- names -------------------------------------------------------------------------------------
const std::vector<std::string> kRunKeys{"years",          "replicates",    "seed",       "record_every",
                                        "warmup_years",   "warmup_policy", "save_state", "start",
                                        "start_scenario", "record_warmup", "breakdown"};
const std::vector<std::string> kScenarioKeys{"name",          "policy", "params", "hospital",
                                             "interventions", "coords", "stream"};
const std::vector<std::string> kHospitalKeys{"name", "units"};
const std::vector<std::string> kWhenKeys{"at_year", "at_day", "label", "kind"};
/// The keys each kind takes besides kWhenKeys (first the current ones, then old ones kept loading).
const std::map<std::string, std::vector<std::string>> kKindKeys{
    {"set", {"policy", "params"}},
    {"ramp", {"years", "days", "from_blame", "to_blame", "step_days"}},
    {"launch_support", {"level"}},
    {"fix_friction", {"units"}},
};
/// Old names that still load, with a note: kinds, keys of interventions (the stored form of
/// culturesim 0.1) and presets.
const std::map<std::string, std::string> kOldKinds{
    {"clear_hazards", "fix_friction"}, {"switch_policy", "set"}, {"switch", "set"}, {"ramp_blame", "ramp"}};
const std::map<std::string, std::string> kOldKeys{{"day", "at_day"},
                                                  {"ramp_days", "days"},
                                                  {"ramp_from", "from_blame"},
                                                  {"ramp_to", "to_blame"},
                                                  {"policy_fields", "policy"}};
const std::map<std::string, std::string> kOldPresets{{"just", "just_culture"}};

constexpr double kMaxYears = static_cast<double>(kMaxRunDays) / core::kDaysPerYear;

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::string path(const std::string& where, const std::string& key) { return where.empty() ? key : where + "." + key; }

std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
      out += buffer;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// -- reading -----------------------------------------------------------------------------------
/// A table's keys and values in file order (old names renamed, top-level keys picked).
using Entries = std::vector<std::pair<std::string, const toml::node*>>;

Entries entries(const toml::table& table) {
  Entries out;
  for (const auto& [key, value] : table) out.emplace_back(std::string(key.str()), &value);
  return out;
}

const toml::node* find(const Entries& e, std::string_view key) {
  for (const auto& [k, v] : e) {
    if (k == key) return v;
  }
  return nullptr;
}

/// The file being read: its name and the notes gathered; every error names file, line and table.
class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}

  std::vector<std::string> deprecations;

  /// "SOURCE, line N" (the line of `at`, when known).
  std::string location(const toml::node* at) const {
    std::string out = source_;
    if (at && at->source().begin.line > 0) out += ", line " + std::to_string(at->source().begin.line);
    return out;
  }

  template <class E = InvalidValue>
  [[noreturn]] void fail(const std::string& where, const std::string& message, const toml::node* at = nullptr) const {
    throw E(location(at) + ": " + (where.empty() ? message : where + ": " + message));
  }

  /// Runs f, prefixing an engine error (which names the field and its range) with file and table.
  template <class F>
  auto engine(const std::string& where, const toml::node* at, F&& f) const {
    try {
      return f();
    } catch (const UnknownName& e) {
      fail<UnknownName>(where, e.what(), at);
    } catch (const InvalidValue& e) {
      fail(where, e.what(), at);
    }
  }

  void check_keys(const toml::table& table, const std::vector<std::string>& allowed, const std::string& where,
                  const std::string& context = "") const {
    check_keys(entries(table), allowed, where, context);
  }

  void check_keys(const Entries& table, const std::vector<std::string>& allowed, const std::string& where,
                  const std::string& context = "") const {
    for (const auto& [name, value] : table) {
      if (std::find(allowed.begin(), allowed.end(), name) != allowed.end()) continue;
      const std::string close = core::closest_name(name, allowed);
      fail<UnknownName>(where.empty() ? "top level" : where,
                        "unknown key '" + name + "'" + context + "; " +
                            (close.empty() ? "" : "did you mean '" + close + "'? ") + "allowed: " + join(allowed),
                        value);
    }
  }

 private:
  std::string source_;
};

std::string type_of(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::string: return "a string";
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    default: return "a date or time";
  }
}

std::string shown(const toml::node& n) {
  if (auto b = n.value_exact<bool>()) return *b ? "true" : "false";
  if (auto s = n.value_exact<std::string>()) return quoted(*s);
  if (auto i = n.value_exact<std::int64_t>()) return std::to_string(*i);
  if (auto d = n.value_exact<double>()) return core::format_number(*d);
  return type_of(n);
}

/// A number (integer or float) in [low, high]; `allowed` says so in words.
double number(const Reader& r, const toml::node& n, const std::string& where, const std::string& key,
              const std::string& allowed, double low = -HUGE_VAL, double high = HUGE_VAL) {
  std::optional<double> v;
  if (auto i = n.value_exact<std::int64_t>()) v = static_cast<double>(*i);
  if (auto d = n.value_exact<double>()) v = *d;
  if (!v) r.fail(where, "'" + key + "' must be a number (" + allowed + "), got " + type_of(n) + " " + shown(n), &n);
  if (!std::isfinite(*v) || *v < low || *v > high) {
    r.fail(where, "'" + key + "' = " + shown(n) + " is out of range; allowed " + allowed, &n);
  }
  return *v;
}

std::int64_t whole(const Reader& r, const toml::node& n, const std::string& where, const std::string& key,
                   const std::string& allowed, std::int64_t low, std::int64_t high) {
  const auto i = n.value_exact<std::int64_t>();
  if (!i)
    r.fail(where, "'" + key + "' must be a whole number (" + allowed + "), got " + type_of(n) + " " + shown(n), &n);
  if (*i < low || *i > high) r.fail(where, "'" + key + "' = " + shown(n) + " is out of range; allowed " + allowed, &n);
  return *i;
}

std::string text(const Reader& r, const toml::node& n, const std::string& where, const std::string& key,
                 const std::string& allowed) {
  const auto s = n.value_exact<std::string>();
  if (!s || s->empty()) {
    r.fail(where, "'" + key + "' must be a non-empty string (" + allowed + "), got " + type_of(n) + " " + shown(n), &n);
  }
  if (s->find('\0') != std::string::npos) {
    r.fail(where, "'" + key + "' must not contain a NUL character (\\u0000); allowed: " + allowed, &n);
  }
  return *s;
}

const toml::table& table_of(const Reader& r, const toml::node& n, const std::string& where, const std::string& key) {
  if (!n.is_table()) r.fail(where, "'" + key + "' must be a table, got " + type_of(n) + " " + shown(n), &n);
  return *n.as_table();
}

std::vector<const toml::table*> tables_of(const Reader& r, const toml::node& n, const std::string& where,
                                          const std::string& key) {
  std::vector<const toml::table*> out;
  if (n.is_array()) {
    for (const auto& item : *n.as_array()) {
      if (!item.is_table()) break;
      out.push_back(item.as_table());
    }
    if (out.size() == n.as_array()->size()) return out;
  }
  r.fail(where, "'" + key + "' must be an array of tables ([[" + key + "]] blocks), got " + type_of(n), &n);
}

/// The keys of [params] that ask for parameter draws rather than set a parameter.
bool is_draws_key(const std::string& name) { return name == "posterior" || name == "draws"; }

/// posterior = "default" | "PATH" and draws = N of the file's top-level [params] table.
DrawsRequest draws_request(const Reader& r, const toml::table& params) {
  DrawsRequest out;
  const std::string allowed_posterior =
      "\"default\" (the posterior shipped with culturesim) or the path of a posterior file written by "
      "cs.calibrate, relative to this file";
  const auto* posterior = params.get("posterior");
  if (posterior) {
    out.posterior = text(r, *posterior, "params", "posterior", allowed_posterior);
    out.location = r.location(posterior) + ": params";
  }
  if (const auto* draws = params.get("draws")) {
    out.draws = whole(r, *draws, "params", "draws",
                      "1 to " + std::to_string(kMaxDraws) + " parameter draws (each runs every scenario x replicates)",
                      1, kMaxDraws);
    if (!posterior) {
      r.fail("params", "'draws' needs 'posterior', the posterior to draw from: " + allowed_posterior, draws);
    }
  }
  return out;
}

/// Sets parameters from a [params] table: scalars as numbers, keyed ones as tables of some keys
/// (or arrays of every key). Each value is range-checked as it is set.
std::vector<ParamOverride> param_overrides(const Reader& r, const toml::table& table, const std::string& where) {
  std::vector<ParamOverride> out;
  for (const auto& [key, value] : table) {
    const std::string name(key.str());
    if (is_draws_key(name)) {
      if (where == "params") continue;  // the file's draws (draws_request), not a parameter
      r.fail(where,
             "'" + name +
                 "' belongs in the file's top-level [params] table: parameter draws apply to every scenario "
                 "(posterior = \"default\" or a path, draws = N)",
             &value);
    }
    const ParamSpec& spec = r.engine(where, &value, [&]() -> const ParamSpec& { return parameter_spec(name); });
    auto one = [&](const toml::node& n, const std::string& k) {
      const std::string label = k.empty() ? name : name + "[" + k + "]";
      std::optional<double> v;
      if (auto i = n.value_exact<std::int64_t>()) v = static_cast<double>(*i);
      if (auto d = n.value_exact<double>()) v = *d;
      if (!v) r.fail(where, "parameter '" + label + "' must be a number, got " + type_of(n) + " " + shown(n), &n);
      r.engine(where, &n, [&] {
        Params probe;
        probe.set(name, *v, k);
        return 0;
      });
      out.push_back({name, k, *v});
    };
    if (spec.keys.empty()) {
      one(value, "");
    } else if (const auto* keyed = value.as_table()) {
      for (const auto& [k, v] : *keyed) {
        const std::string key_name(k.str());  // a copy: lambdas may not capture structured bindings (clang 14)
        r.engine(where, &v, [&] { return key_index(spec, key_name); });
        one(v, key_name);
      }
    } else if (const auto* list = value.as_array(); list && list->size() == spec.keys.size()) {
      for (std::size_t k = 0; k < spec.keys.size(); ++k) one((*list)[k], std::string(spec.keys[k]));
    } else {
      std::vector<std::string> keys(spec.keys.begin(), spec.keys.end());
      r.fail(where,
             "parameter '" + name + "' has one value per key (" + join(keys) + "); give a table such as { " + keys[0] +
                 " = ... }, got " + type_of(value),
             &value);
    }
  }
  // TOML tables have no order: keep the parameter table's (then the keys') so that a scenario
  // read back equals the one written.
  auto rank = [](const ParamOverride& o) {
    const auto& specs = parameter_specs();
    const auto spec = std::find_if(specs.begin(), specs.end(), [&](const ParamSpec& p) { return p.name == o.name; });
    return std::pair{spec - specs.begin(), o.key.empty() ? std::size_t{0} : key_index(*spec, o.key)};
  };
  std::stable_sort(out.begin(), out.end(), [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
  return out;
}

void apply(const Reader& r, Params& params, const std::vector<ParamOverride>& overrides, const std::string& where,
           const toml::node* at) {
  for (const auto& o : overrides) params.set(o.name, o.value, o.key);
  r.engine(where, at, [&] {
    params.validate();  // joint rules: severity_probs sum to 1, ...
    return 0;
  });
}

struct PolicyRead {
  Policy policy;
  std::optional<double> blame_level;  ///< when given as a preset or a b (for labels)
};

double preset_level(Reader& r, const toml::node& n, const std::string& where, const std::string& key) {
  std::string name = *n.value_exact<std::string>();
  if (auto old = kOldPresets.find(name); old != kOldPresets.end()) {
    r.deprecations.push_back("policy preset '" + name + "' is an old name of '" + old->second + "'; write \"" +
                             old->second + "\"");
    name = old->second;
  }
  std::vector<std::string> names;
  for (const auto& p : policy_presets()) names.emplace_back(p.name);
  if (std::find(names.begin(), names.end(), name) == names.end()) {
    const std::string close = core::closest_name(name, names);
    r.fail<UnknownName>(where,
                        "unknown policy preset '" + name + "' in '" + key + "'; " +
                            (close.empty() ? "" : "did you mean '" + close + "'? ") + "allowed: " + join(names) +
                            ", or a blame level from 0 to 1",
                        &n);
  }
  return policy_preset(name).blame_level;
}

/// A whole policy: a preset name, a blame level b, or a table of fields over a preset.
PolicyRead whole_policy(Reader& r, const toml::node& n, const std::string& where, const std::string& key) {
  if (n.is_string()) {
    const double b = preset_level(r, n, where, key);
    return {Policy::from_blame(b), b};
  }
  if (n.is_integer() || n.is_floating_point()) {
    const double b = number(r, n, where, key, "a blame level from 0 (Just Culture) to 1 (blame)", 0.0, 1.0);
    return {Policy::from_blame(b), b};
  }
  if (const auto* table = n.as_table()) {
    const std::string at = path(where, key);
    std::vector<std::string> allowed{"preset"};
    for (const auto& f : policy_field_specs()) allowed.emplace_back(f.name);
    r.check_keys(*table, allowed, at, " (not a policy field)");
    PolicyRead out{Policy::typical(), std::nullopt};
    if (const auto* preset = table->get("preset")) out = whole_policy(r, *preset, at, "preset");
    for (const auto& [k, v] : *table) {
      if (k.str() == "preset") continue;
      const std::string field(k.str());  // a copy: lambdas may not capture structured bindings (clang 14)
      const double value = number(r, v, at, field, "a number from 0 to 1");
      r.engine(at, &v, [&] {
        out.policy.set(field, value);
        return 0;
      });
      out.blame_level.reset();
    }
    return out;
  }
  r.fail(where,
         "'" + key + "' must be a preset name (\"blame\", \"typical\", \"just_culture\"), a blame level " +
             "from 0 to 1, or a table of fields, got " + type_of(n) + " " + shown(n),
         &n);
}

/// Policy fields to set (a table without preset).
std::vector<PolicyOverride> policy_fields(Reader& r, const toml::node& n, const std::string& where,
                                          const std::string& key) {
  const auto& table = table_of(r, n, where, key);
  const std::string at = path(where, key);
  r.check_keys(table, policy_field_names(), at, " (not a policy field)");
  std::vector<PolicyOverride> out;
  for (const auto& [k, v] : table) {
    const std::string field(k.str());  // a copy: lambdas may not capture structured bindings (clang 14)
    const double value = number(r, v, at, field, "a number from 0 to 1");
    r.engine(at, &v, [&] {
      Policy().set(field, value);
      return 0;
    });
    out.push_back({field, value});
  }
  const auto names = policy_field_names();
  auto rank = [&](const PolicyOverride& o) { return std::find(names.begin(), names.end(), o.field) - names.begin(); };
  std::stable_sort(out.begin(), out.end(), [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
  return out;
}

Hospital hospital(Reader& r, const toml::node& n, const std::string& where) {
  const std::string parent = where == "hospital" ? "" : where.substr(0, where.size() - std::string(".hospital").size());
  const auto& table = table_of(r, n, parent, "hospital");
  r.check_keys(table, kHospitalKeys, where);
  Hospital h;
  h.name = table.contains("name") ? text(r, *table.get("name"), where, "name", "the hospital's name") : "custom";
  if (!table.contains("units")) r.fail(where, "hospital '" + h.name + "' needs units ([[hospital.units]] blocks)", &n);
  std::vector<std::string> allowed{"name"};
  for (auto role : kRoleNames) allowed.emplace_back(role);
  allowed.emplace_back("initial_hazards");
  allowed.emplace_back("workload");
  std::size_t i = 0;
  for (const auto* unit : tables_of(r, *table.get("units"), where, "units")) {
    const std::string at = where + ".units[" + std::to_string(i++) + "]";
    r.check_keys(*unit, allowed, at);
    Unit u;
    if (!unit->contains("name")) r.fail(at, "every unit needs a name, e.g. name = \"ICU\"");
    u.name = text(r, *unit->get("name"), at, "name", "the unit's name");
    const toml::node* worst = unit->get("name");
    for (std::size_t role = 0; role < kRoles; ++role) {
      if (const auto* v = unit->get(kRoleNames[role])) {
        u.headcount[role] = static_cast<int>(
            whole(r, *v, at, std::string(kRoleNames[role]), "a whole number of clinicians", INT32_MIN, INT32_MAX));
        if (u.headcount[role] < 0 || u.headcount[role] > 1'000'000) worst = v;
      }
    }
    if (const auto* v = unit->get("initial_hazards")) {
      u.initial_hazards = number(r, *v, at, "initial_hazards", "latent hazards, 0 to 1000", 0.0, 1000.0);
    }
    if (const auto* v = unit->get("workload")) {
      u.workload =
          number(r, *v, at, "workload", "the unit's relative job demands, 0 to 10 (1 is an average unit)", 0.0, 10.0);
    }
    // The engine's own checks (head counts, an empty unit), reported at the worst key.
    r.engine(where, worst, [&] {
      Hospital{h.name, {u}}.validate();
      return 0;
    });
    h.units.push_back(u);
  }
  r.engine(where, &n, [&] {
    h.validate();
    return 0;
  });
  return h;
}

/// One [[interventions]] block.
Intervention intervention(Reader& r, const toml::table& block, const std::string& where, const Hospital& h) {
  const Entries table = entries(block);
  std::string kind = "set";
  if (const auto* k = find(table, "kind")) {
    if (!k->is_string()) r.fail(where, "'kind' must be a string, got " + type_of(*k), k);
    kind = *k->value_exact<std::string>();
    if (auto old = kOldKinds.find(kind); old != kOldKinds.end()) {
      r.deprecations.push_back(where + ": kind \"" + kind + "\" is an old name; write kind = \"" + old->second + "\"");
      kind = old->second;
    }
    if (!kKindKeys.contains(kind)) {
      const std::string close = core::closest_name(kind, intervention_kinds());
      r.fail(where,
             "unknown intervention kind '" + kind + "'; " + (close.empty() ? "" : "did you mean '" + close + "'? ") +
                 "allowed: " + join(intervention_kinds()),
             k);
    }
  }
  // Old keys load under their new names, with a note.
  Entries own;
  for (const auto& [key, value] : table) {
    std::string name = key;
    if (auto old = kOldKeys.find(name); old != kOldKeys.end()) {
      r.deprecations.push_back(where + ": '" + name + "' is an old name; write '" + old->second + "'");
      if (old->second != "policy") name = old->second;  // policy_fields stays: fields to set
    }
    own.emplace_back(name, value);
  }
  std::vector<std::string> allowed = kWhenKeys;
  for (const auto& k : kKindKeys.at(kind)) allowed.push_back(k);
  if (kind == "set") allowed.emplace_back("policy_fields");
  r.check_keys(own, allowed, where, kind == "set" ? "" : " (in a kind = \"" + kind + "\" intervention)");

  Intervention iv;
  const auto* at_year = find(own, "at_year");
  const auto* at_day = find(own, "at_day");
  if ((at_year == nullptr) == (at_day == nullptr)) {
    r.fail(where,
           "an intervention needs exactly one of at_year (years from the start) or at_day (days from the "
           "start)");
  }
  if (at_day) {
    iv.day = whole(r, *at_day, where, "at_day", "a whole number of days, 0 to " + std::to_string(kMaxRunDays), 0,
                   kMaxRunDays);
  } else {
    const double y =
        number(r, *at_year, where, "at_year",
               "years from the start, 0 to " + core::format_number(std::floor(kMaxYears)), 0.0, std::floor(kMaxYears));
    iv.day = core::Clock::day_of_year(y);
  }
  const bool labelled = find(own, "label") != nullptr;
  if (labelled) iv.label = text(r, *find(own, "label"), where, "label", "a short description");
  std::string label;

  if (kind == "set") {
    iv.kind = Intervention::Kind::set;
    const auto* policy = find(own, "policy");
    const auto* fields = find(own, "policy_fields");
    const auto* params = find(own, "params");
    if (!policy && !params && !fields) {
      r.fail(where,
             "an intervention needs something to change: policy = ... , params = { ... }, or a kind "
             "(ramp, launch_support, fix_friction)");
    }
    std::vector<std::string> parts;
    if (policy) {
      if (policy->is_table() && !policy->as_table()->contains("preset")) {
        iv.policy_fields = policy_fields(r, *policy, where, "policy");  // set these fields
      } else {
        const PolicyRead p = whole_policy(r, *policy, where, "policy");  // switch the whole policy
        iv.policy = p.policy;
        parts.push_back("switch policy" +
                        (p.blame_level ? " to b=" + core::format_number(*p.blame_level) : std::string()));
      }
    }
    if (fields) {
      for (const auto& f : policy_fields(r, *fields, where, "policy_fields")) iv.policy_fields.push_back(f);
    }
    for (const auto& f : iv.policy_fields) parts.push_back(f.field + "=" + core::format_number(f.value));
    if (params) {
      iv.params = param_overrides(r, table_of(r, *params, where, "params"), path(where, "params"));
      for (const auto& p : iv.params) {
        r.engine(path(where, "params"), params, [&] {
          check_changes_during_run(parameter_spec(p.name));
          return 0;
        });
        parts.push_back(p.name + (p.key.empty() ? "" : "[" + p.key + "]") + "=" + core::format_number(p.value));
      }
    }
    label = join(parts);
  } else if (kind == "ramp") {
    iv.kind = Intervention::Kind::ramp;
    const auto* years = find(own, "years");
    const auto* days = find(own, "days");
    if ((years == nullptr) == (days == nullptr)) {
      r.fail(where, "a kind = \"ramp\" intervention needs one of years = N or days = N (its duration)");
    }
    const std::string one_day = "at least 1/365 year (one day)";
    double label_years = 0.0;  // the duration as written, for the label (as cs.Intervention.ramp words it)
    if (days) {
      iv.ramp_days = whole(r, *days, where, "days", "the ramp's duration in days, 1 to " + std::to_string(kMaxRunDays),
                           1, kMaxRunDays);
      label_years = static_cast<double>(iv.ramp_days) / core::kDaysPerYear;
    } else {
      const double y =
          number(r, *years, where, "years",
                 "the ramp's duration in years, " + one_day + " to " + core::format_number(std::floor(kMaxYears)), 0.0,
                 std::floor(kMaxYears));
      iv.ramp_days = core::Clock::day_of_year(y);
      label_years = y;
      if (iv.ramp_days < 1) {
        r.fail(where, "'years' = " + shown(*years) + " is shorter than a day; allowed " + one_day, years);
      }
    }
    const std::string level = "a blame level from 0 (Just Culture) to 1 (blame)";
    if (const auto* v = find(own, "from_blame")) iv.ramp_from = number(r, *v, where, "from_blame", level, 0.0, 1.0);
    if (const auto* v = find(own, "to_blame")) iv.ramp_to = number(r, *v, where, "to_blame", level, 0.0, 1.0);
    if (const auto* v = find(own, "step_days")) {
      iv.ramp_step_days = whole(r, *v, where, "step_days", "a whole number of days, 1 or more", 1, kMaxRunDays);
    }
    // The step count is bounded before anything expands the ramp (Intervention::kMaxRampSteps).
    const std::int64_t steps = (iv.ramp_days + iv.ramp_step_days - 1) / iv.ramp_step_days;
    if (steps > kMaxRampSteps) {
      r.fail(where, "the ramp takes " + std::to_string(steps) + " steps (days / step_days); allowed at most " +
                        std::to_string(kMaxRampSteps) + ": give step_days of at least " +
                        std::to_string((iv.ramp_days + kMaxRampSteps - 1) / kMaxRampSteps) + " or a shorter ramp");
    }
    label = "ramp b " + core::format_number(iv.ramp_from) + " -> " + core::format_number(iv.ramp_to) + " over " +
            core::format_number(label_years) + " years";
  } else if (kind == "launch_support") {
    iv.kind = Intervention::Kind::set;
    double level = 1.0;
    if (const auto* v = find(own, "level"))
      level = number(r, *v, where, "level", "a support level from 0 to 1", 0.0, 1.0);
    iv.policy_fields = {{"support_level", level}};
    label = "launch support " + core::format_number(level);
  } else {
    iv.kind = Intervention::Kind::fix_friction;
    if (const auto* units = find(own, "units")) {
      const auto* list = units->as_array();
      if (!list || (!list->empty() && !list->is_homogeneous(toml::node_type::string))) {
        r.fail(where, "'units' must be an array of unit names such as [\"ED\", \"ICU\"], got " + type_of(*units),
               units);
      }
      for (const auto& u : *list) {
        const std::string name = *u.value_exact<std::string>();
        r.engine(where, &u, [&] { return h.unit_index(name); });
        iv.units.push_back(name);
      }
    }
    label = "fix friction in " + (iv.units.empty() ? std::string("all units") : join(iv.units));
  }
  if (!labelled) iv.label = label;
  return iv;
}

/// A table of name = number: a point of a sweep, or a scenario's coordinates (sorted by name).
std::vector<Coordinate> coordinates(const Reader& r, const toml::node& n, const std::string& where) {
  const std::string parent = where.substr(0, where.rfind('.') == std::string::npos ? 0 : where.rfind('.'));
  const std::string key = where.substr(where.rfind('.') == std::string::npos ? 0 : where.rfind('.') + 1);
  const auto& table = table_of(r, n, parent, key);
  std::vector<Coordinate> out;
  for (const auto& [k, v] : table) {
    const std::string name(k.str());  // a copy: lambdas may not capture structured bindings (clang 14)
    r.engine(where, &v, [&] { return swept_quantity(Scenario{}, name); });  // a name a sweep knows
    out.push_back({name, number(r, v, where, name, "a number")});
  }
  sort_coords(out);
  return out;
}

/// The [sweep] table: grid axes (name = [values] or { from, to, steps }) or points = [{...}, ...].
Sweep sweep_table(const Reader& r, const toml::node& n) {
  const auto& table = table_of(r, n, "", "sweep");
  Sweep out;
  for (const auto& [k, v] : table) {
    const std::string name(k.str());
    if (name == "scenario") continue;
    if (name == "points") {
      if (!v.is_array()) {
        r.fail("sweep",
               "'points' must be an array of tables such as [{ blame = 0.2 }, { blame = 0.8 }], got " + type_of(v), &v);
      }
      std::size_t i = 0;
      for (const auto& point : *v.as_array()) {
        const std::string at = "sweep.points[" + std::to_string(i++) + "]";
        if (!point.is_table()) r.fail("sweep", "'points' must hold tables such as { blame = 0.2 }", &point);
        out.points.push_back(coordinates(r, point, at));
      }
      continue;
    }
    r.engine("sweep", &v, [&] { return swept_quantity(Scenario{}, name); });  // UnknownName: what a sweep takes
    std::vector<double> values;
    if (const auto* list = v.as_array()) {
      for (const auto& x : *list) values.push_back(number(r, x, "sweep", name, "numbers"));
    } else if (const auto* range = v.as_table()) {
      r.check_keys(*range, {"from", "to", "steps"}, "sweep." + name, " (a range is { from = 0, to = 1, steps = 11 })");
      for (const char* need : {"from", "to", "steps"}) {
        if (!range->contains(need)) {
          r.fail("sweep." + name, std::string("a range needs from, to and steps (") + need + " is missing)", &v);
        }
      }
      const double from = number(r, *range->get("from"), "sweep." + name, "from", "a number");
      const double to = number(r, *range->get("to"), "sweep." + name, "to", "a number");
      const auto steps = whole(r, *range->get("steps"), "sweep." + name, "steps", "2 to 100000 values", 2, 100'000);
      for (std::int64_t i = 0; i < steps; ++i) {
        values.push_back(from + (to - from) * static_cast<double>(i) / static_cast<double>(steps - 1));
      }
    } else {
      r.fail("sweep",
             "'" + name +
                 "' must be an array of values such as [0, 0.5, 1] or a range { from = 0, to = 1, steps = 11 }" +
                 ", got " + type_of(v) + " " + shown(v),
             &v);
    }
    out.grid.emplace_back(name, std::move(values));
  }
  return out;
}

/// Replaces the swept scenario of `scenarios` (sweep.scenario, or the only one) by its points.
void expand_sweep_table(const Reader& r, const toml::node& n, std::vector<Scenario>& scenarios) {
  const Sweep sweep = sweep_table(r, n);
  const auto& table = *n.as_table();
  std::size_t base = 0;
  std::vector<std::string> names;
  for (const auto& s : scenarios) names.push_back(s.name);
  if (const auto* which = table.get("scenario")) {
    const std::string name = text(r, *which, "sweep", "scenario", "the name of the scenario to sweep");
    const auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) {
      const std::string close = core::closest_name(name, names);
      r.fail<UnknownName>("sweep",
                          "'scenario' = " + quoted(name) + " is not a scenario of the file; " +
                              (close.empty() ? "" : "did you mean '" + close + "'? ") + "allowed: " + join(names),
                          which);
    }
    base = static_cast<std::size_t>(it - names.begin());
  } else if (scenarios.size() > 1) {
    r.fail("sweep",
           "the file has " + std::to_string(scenarios.size()) + " scenarios; say which one to sweep with " +
               "scenario = \"NAME\" (allowed: " + join(names) + ")",
           &n);
  }
  std::vector<Scenario> points = r.engine("sweep", &n, [&] { return expand_sweep(scenarios[base], sweep); });
  scenarios.erase(scenarios.begin() + static_cast<std::ptrdiff_t>(base));
  for (const auto& p : points) {
    if (std::find_if(scenarios.begin(), scenarios.end(), [&](const Scenario& s) { return s.name == p.name; }) !=
        scenarios.end()) {
      r.fail("sweep", "sweep point '" + p.name + "' has the name of another scenario; rename that scenario", &n);
    }
  }
  scenarios.insert(scenarios.begin() + static_cast<std::ptrdiff_t>(base), points.begin(), points.end());
}

struct Base {
  Params params;
  std::optional<Hospital> hospital;
};

Scenario scenario(Reader& r, const Entries& table, const toml::node* at, const std::string& where, const Base& base,
                  std::optional<std::string> default_name) {
  r.check_keys(table, kScenarioKeys, where);
  Scenario s;
  if (const auto* name = find(table, "name")) {
    s.name = text(r, *name, where, "name", "the scenario's name, without '/'");
    if (s.name.find('/') != std::string::npos) {
      r.fail(where, "'name' = " + quoted(s.name) + " must not contain '/' (it names a group in results files)", name);
    }
  } else if (default_name) {
    s.name = *default_name;
  } else {
    r.fail(where, "every scenario needs a name, e.g. name = \"blame\"");
  }
  if (const auto* p = find(table, "policy")) s.policy = whole_policy(r, *p, where, "policy").policy;
  s.params = base.params;
  if (const auto* p = find(table, "params")) {
    const std::string at = path(where, "params");
    apply(r, s.params, param_overrides(r, table_of(r, *p, where, "params"), at), at, p);
  }
  s.hospital = base.hospital.value_or(Hospital::default_hospital());
  if (const auto* h = find(table, "hospital")) s.hospital = hospital(r, *h, path(where, "hospital"));
  if (const auto* list = find(table, "interventions")) {
    std::size_t i = 0;
    for (const auto* iv : tables_of(r, *list, where, "interventions")) {
      s.interventions.push_back(
          intervention(r, *iv, path(where, "interventions[" + std::to_string(i++) + "]"), s.hospital));
    }
  }
  if (const auto* c = find(table, "coords")) s.coords = coordinates(r, *c, path(where, "coords"));
  if (const auto* v = find(table, "stream")) {
    s.stream = static_cast<std::uint32_t>(
        whole(r, *v, where, "stream",
              "a random-number stream, a whole number from 0 to " + std::to_string(kMaxStream) +
                  "; scenarios with the same stream and replicate draw the same random numbers",
              0, kMaxStream));
  }
  r.engine(where, at, [&] {
    s.validate();  // what only the whole scenario shows (a ramp's blame levels against each other, ...)
    compile_schedule(s.interventions, s.hospital, s.params, s.policy);
    return 0;
  });
  return s;
}

/// record_every: "month", "quarter", "year" (calendar periods) or a whole number of days.
int recording(const Reader& r, const toml::node& n) {
  const std::string allowed =
      "\"month\", \"quarter\", \"year\" or days per recorded period, 1 to " + std::to_string(kMaxRecordEvery);
  if (const auto s = n.value_exact<std::string>()) {
    if (const auto code = core::calendar_code(*s)) return *code;
    r.fail("", "'record_every' = " + shown(n) + " is not a calendar period; allowed " + allowed, &n);
  }
  return static_cast<int>(whole(r, n, "", "record_every", allowed, 1, kMaxRecordEvery));
}

/// record_every as the files write it: "month" or a number of days.
std::string recording_toml(int record_every) {
  return core::is_calendar(record_every) ? quoted(core::recording_name(record_every)) : std::to_string(record_every);
}

RunSettings settings(Reader& r, const toml::table& doc) {
  RunSettings s;
  if (const auto* v = doc.get("years")) {
    s.years =
        number(r, *v, "", "years",
               "years to simulate, at least 1/365 (one day) and at most " + core::format_number(std::floor(kMaxYears)),
               0.0, std::floor(kMaxYears));
    if (s.days() < 1)
      r.fail("", "'years' = " + shown(*v) + " is shorter than a day; allowed at least 1/365 (one day)", v);
  }
  if (const auto* v = doc.get("replicates")) {
    s.replicates = static_cast<std::size_t>(
        whole(r, *v, "", "replicates", "1 to " + std::to_string(kMaxReplicates), 1, kMaxReplicates));
  }
  if (const auto* v = doc.get("seed")) {
    s.seed = static_cast<std::uint64_t>(whole(r, *v, "", "seed", "a whole number from 0 to 2**63 - 1", 0, INT64_MAX));
  }
  if (const auto* v = doc.get("record_every")) s.record_every = recording(r, *v);
  if (const auto* v = doc.get("warmup_years")) {
    s.warmup_years = number(r, *v, "", "warmup_years",
                            "years lived before day 0, 0 (an empty hospital) to " + std::to_string(kMaxWarmupYears),
                            0.0, static_cast<double>(kMaxWarmupYears));
  }
  if (const auto* v = doc.get("warmup_policy")) s.warmup_policy = whole_policy(r, *v, "", "warmup_policy").policy;
  if (const auto* v = doc.get("breakdown")) {
    const auto b = v->value_exact<bool>();
    if (!b) {
      r.fail("",
             "'breakdown' must be true (also record every output per unit and per role) or false, got " + type_of(*v) +
                 " " + shown(*v),
             v);
    }
    s.breakdown = *b;
  }
  for (auto [key, flag] : {std::pair{"save_state", &s.save_state}, std::pair{"record_warmup", &s.record_warmup}}) {
    if (const auto* v = doc.get(key)) {
      const auto b = v->value_exact<bool>();
      if (!b) r.fail("", "'" + std::string(key) + "' must be true or false, got " + type_of(*v) + " " + shown(*v), v);
      *flag = *b;
    }
  }
  if (const auto* v = doc.get("start")) {
    s.start = text(r, *v, "", "start", "the path of a results file written with save_state = true");
    // Carrying on from saved states replaces the warm-up: none unless asked for (and then refused).
    if (const auto* w = doc.get("warmup_years"); w && s.warmup_years > 0) {
      r.fail("",
             "'warmup_years' = " + shown(*w) +
                 " with 'start': an experiment that carries on from saved states "
                 "has no warm-up of its own; allowed warmup_years = 0 (or leave it out)",
             w);
    }
    s.warmup_years = 0.0;
  }
  if (const auto* v = doc.get("start_scenario")) {
    if (s.start.empty())
      r.fail("", "'start_scenario' needs 'start' (the results file whose states to carry on from)", v);
    s.start_scenario = text(r, *v, "", "start_scenario", "a scenario of the start file");
  }
  return s;
}

// -- writing -----------------------------------------------------------------------------------
/// `text` as comment lines of at most `width` characters.
void write_comment(std::ostream& out, std::string_view text, std::size_t width = 100) {
  std::istringstream words{std::string(text)};
  std::string line = "#";
  for (std::string word; words >> word;) {
    if (line.size() > 1 && line.size() + 1 + word.size() > width) {
      out << line << "\n";
      line = "#";
    }
    line += " " + word;
  }
  out << line << "\n";
}

/// A range bound as people read it: 1,000,000 rather than 1e+06.
std::string bound(double v) {
  if (v != std::floor(v) || std::abs(v) >= 1e15) return core::format_number(v);
  std::string digits = std::to_string(static_cast<long long>(std::abs(v)));
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(static_cast<std::size_t>(i), ",");
  return (v < 0 ? "-" : "") + digits;
}

/// Every parameter; with `commented`, each after its description, unit, range and source.
void write_params(std::ostream& out, const Params& params, bool commented = false) {
  for (const auto& spec : parameter_specs()) {
    const auto values = params.values(spec.name);
    if (commented) {
      out << "\n";
      write_comment(out, spec.description);
      const std::string range =
          std::isfinite(spec.max) ? bound(spec.min) + " to " + bound(spec.max) : bound(spec.min) + " or more";
      write_comment(out, "unit: " + (spec.unit.empty() ? std::string("-") : std::string(spec.unit)) + "; allowed" +
                             (spec.keys.empty() ? "" : " each") + ": " + range +
                             "; source: " + std::string(spec.source));
    }
    out << spec.name << " = ";
    if (spec.keys.empty()) {
      out << core::exact_number(values[0]) << "\n";
      continue;
    }
    out << "{ ";
    for (std::size_t k = 0; k < spec.keys.size(); ++k) {
      out << (k ? ", " : "") << spec.keys[k] << " = " << core::exact_number(values[k]);
    }
    out << " }\n";
  }
}

std::string policy_table(const Policy& policy, const char* preset) {
  std::string out = "{ ";
  if (preset) out += std::string("preset = \"") + preset + "\", ";
  bool first = true;
  for (const auto& f : policy_field_specs()) {
    out += (first ? "" : ", ") + std::string(f.name) + " = " + core::exact_number(policy.get(f.name));
    first = false;
  }
  return out + " }";
}

void write_intervention(std::ostream& out, const std::string& block, const Intervention& iv) {
  out << "\n[[" << block << "]]\nat_day = " << iv.day << "\nlabel = " << quoted(iv.label) << "\n";
  switch (iv.kind) {
    case Intervention::Kind::set: {
      out << "kind = \"set\"\n";
      if (iv.policy) {
        // A whole policy switch (with any fields set on top of it): all fields over a preset.
        Policy p = *iv.policy;
        for (const auto& f : iv.policy_fields) p.set(f.field, f.value);
        out << "policy = " << policy_table(p, "typical") << "\n";
      } else if (!iv.policy_fields.empty()) {
        out << "policy = { ";
        for (std::size_t k = 0; k < iv.policy_fields.size(); ++k) {
          out << (k ? ", " : "") << iv.policy_fields[k].field << " = " << core::exact_number(iv.policy_fields[k].value);
        }
        out << " }\n";
      }
      if (!iv.params.empty()) {
        // params = { alpha_base = 0.02, quit_rate = { nurse = 0.2 } }: keyed values grouped by name.
        std::vector<std::string> names;
        for (const auto& p : iv.params) {
          if (std::find(names.begin(), names.end(), p.name) == names.end()) names.push_back(p.name);
        }
        out << "params = { ";
        for (std::size_t n = 0; n < names.size(); ++n) {
          std::string scalar, keyed;
          for (const auto& p : iv.params) {
            if (p.name != names[n]) continue;
            if (p.key.empty()) {
              scalar = core::exact_number(p.value);
            } else {
              keyed += (keyed.empty() ? "" : ", ") + p.key + " = " + core::exact_number(p.value);
            }
          }
          out << (n ? ", " : "") << names[n] << " = " << (keyed.empty() ? scalar : "{ " + keyed + " }");
        }
        out << " }\n";
      }
      break;
    }
    case Intervention::Kind::ramp:
      out << "kind = \"ramp\"\ndays = " << iv.ramp_days << "\nfrom_blame = " << core::exact_number(iv.ramp_from)
          << "\nto_blame = " << core::exact_number(iv.ramp_to) << "\nstep_days = " << iv.ramp_step_days << "\n";
      break;
    case Intervention::Kind::fix_friction:
      out << "kind = \"fix_friction\"\nunits = [";
      for (std::size_t k = 0; k < iv.units.size(); ++k) out << (k ? ", " : "") << quoted(iv.units[k]);
      out << "]\n";
      break;
  }
}

void write_hospital(std::ostream& out, const Hospital& hospital, const std::string& prefix) {
  out << "\n[" << prefix << "hospital]\nname = " << quoted(hospital.name) << "\n";
  for (const auto& u : hospital.units) {
    out << "\n[[" << prefix << "hospital.units]]\nname = " << quoted(u.name) << "\n";
    for (std::size_t r = 0; r < kRoles; ++r) out << kRoleNames[r] << " = " << u.headcount[r] << "\n";
    if (u.initial_hazards) out << "initial_hazards = " << core::exact_number(*u.initial_hazards) << "\n";
    if (u.workload != 1.0) out << "workload = " << core::exact_number(u.workload) << "\n";
  }
}

/// The scenario's keys and tables, with `prefix` before table names ("scenarios." in an
/// experiment file). The [[scenarios]] header itself is the caller's.
void write_scenario(std::ostream& out, const Scenario& s, const std::string& prefix) {
  out << "name = " << quoted(s.name) << "\n";
  if (!s.coords.empty()) {
    out << "coords = { ";
    for (std::size_t k = 0; k < s.coords.size(); ++k) {
      const std::string& name = s.coords[k].name;
      const bool bare = name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") ==
                        std::string::npos;
      out << (k ? ", " : "") << (bare ? name : quoted(name)) << " = " << core::exact_number(s.coords[k].value);
    }
    out << " }\n";
  }
  if (s.stream != 0) out << "stream = " << s.stream << "\n";
  out << "\n[" << prefix << "policy]\n";
  for (const auto& f : policy_field_specs()) out << f.name << " = " << core::exact_number(s.policy.get(f.name)) << "\n";
  out << "\n[" << prefix << "params]\n";
  write_params(out, s.params);
  write_hospital(out, s.hospital, prefix);
  for (const auto& iv : s.interventions) write_intervention(out, prefix + "interventions", iv);
}

}  // namespace

const std::vector<std::string>& intervention_kinds() {
  static const std::vector<std::string> kinds{"set", "ramp", "launch_support", "fix_friction"};
  return kinds;
}

std::int64_t RunSettings::days() const { return core::Clock::day_of_year(years); }
std::int64_t RunSettings::warmup_days() const { return core::Clock::day_of_year(warmup_years); }

Experiment LoadedExperiment::experiment() const {
  Experiment e;
  e.scenarios = scenarios;
  e.replicates = settings.replicates;
  e.options.days = settings.days();
  e.options.record_every = settings.record_every;
  e.options.seed = settings.seed;
  e.options.warmup_days = settings.warmup_days();
  e.options.warmup_policy = settings.warmup_policy;
  e.options.breakdown = settings.breakdown;
  e.save_state = settings.save_state;
  e.record_warmup = settings.record_warmup;
  if (!settings.start.empty()) e.start = StartFrom{settings.start, settings.start_scenario};
  e.validate();
  return e;
}

namespace {

/// parse_experiment, and with `planned` set, plan_experiment: the sweep counted, not expanded.
LoadedExperiment parse(std::string_view text, std::string_view source, std::string_view default_name,
                       std::size_t* planned) {
  Reader r{std::string(source)};
  toml::table doc;
  try {
    doc = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    throw InvalidValue(std::string(source) + ", line " + std::to_string(where.line) + ", column " +
                       std::to_string(where.column) + ": invalid TOML: " + std::string(e.description()));
  }
  std::vector<std::string> top = kRunKeys;
  for (const char* k :
       {"params", "hospital", "scenarios", "name", "policy", "interventions", "coords", "stream", "sweep"}) {
    top.emplace_back(k);
  }
  r.check_keys(doc, top, "");

  LoadedExperiment out;
  out.settings = settings(r, doc);
  Base base;
  if (const auto* p = doc.get("params")) {
    const auto& table = table_of(r, *p, "", "params");
    out.draws = draws_request(r, table);
    apply(r, base.params, param_overrides(r, table, "params"), "params", p);
  }
  if (const auto* h = doc.get("hospital")) base.hospital = hospital(r, *h, "hospital");

  std::vector<std::string> single;
  for (const char* k : {"name", "policy", "interventions", "coords", "stream"}) {
    if (doc.contains(k)) single.emplace_back(k);
  }
  if (const auto* list = doc.get("scenarios")) {
    if (!single.empty()) {
      r.fail(
          "",
          "the file has [[scenarios]] and also top-level " + join(single) +
              "; an experiment file lists its "
              "scenarios as [[scenarios]] blocks, a scenario file writes one scenario at the top level: use one form",
          doc.get(single[0]));
    }
    const auto tables = tables_of(r, *list, "", "scenarios");
    if (tables.empty()) r.fail("", "'scenarios' is empty; give at least one [[scenarios]] block", list);
    std::map<std::string, std::size_t> seen;  // a map, not a scan of the earlier ones: linear in blocks
    for (std::size_t i = 0; i < tables.size(); ++i) {
      const std::string where = "scenarios[" + std::to_string(i) + "]";
      out.scenarios.push_back(scenario(r, entries(*tables[i]), tables[i], where, base, std::nullopt));
      const auto [at, fresh] = seen.emplace(out.scenarios[i].name, i);
      if (!fresh) {
        r.fail(where,
               "scenario name '" + out.scenarios[i].name + "' is used twice (also by scenarios[" +
                   std::to_string(at->second) + "]); names must be unique",
               tables[i]->get("name"));
      }
    }
  } else {
    Entries one;
    for (const auto& k : single) one.emplace_back(k, doc.get(k));
    out.scenarios.push_back(scenario(r, one, nullptr, "", base, std::string(default_name)));
  }
  if (planned != nullptr) {
    *planned = out.scenarios.size();
    if (const auto* sw = doc.get("sweep")) {
      *planned += r.engine("sweep", sw, [&] { return sweep_size(sweep_table(r, *sw)); }) - 1;
    }
    return out;
  }
  if (const auto* sw = doc.get("sweep")) expand_sweep_table(r, *sw, out.scenarios);
  for (const auto& s : out.scenarios) {
    for (auto& note : schedule_notes(s, out.settings.days())) out.notes.push_back(std::move(note));
  }
  out.deprecations = std::move(r.deprecations);
  return out;
}

}  // namespace

LoadedExperiment parse_experiment(std::string_view text, std::string_view source, std::string_view default_name) {
  return parse(text, source, default_name, nullptr);
}

PlannedExperiment plan_experiment(std::string_view text, std::string_view source, std::string_view default_name) {
  PlannedExperiment plan;
  plan.unexpanded = parse(text, source, default_name, &plan.scenarios);
  return plan;
}

std::vector<std::string> schedule_notes(const Scenario& scenario, std::int64_t days) {
  std::vector<std::string> notes;
  for (const auto& iv : scenario.interventions) {
    if (iv.day >= days) {
      notes.push_back("scenario '" + scenario.name + "': intervention '" + iv.label + "' on day " +
                      std::to_string(iv.day) + " (year " + core::format_number(core::Clock::years_of(iv.day)) +
                      ") comes after the run's end (day " + std::to_string(days) + "): it never acts");
    }
  }
  return notes;
}

std::string dump_scenario(const Scenario& scenario) {
  std::ostringstream out;
  write_scenario(out, scenario, "");
  return out.str();
}

std::string defaults_file(std::string_view version) {
  const RunSettings run;
  std::ostringstream out;
  out << "# culturesim " << version << ": the default parameters of the embedded default hospital.\n#\n"
      << "# A scenario file: run it with `culturesim run defaults.toml -o out.h5`. Keep only the lines you\n"
      << "# change (every parameter left out keeps its default), or copy them into the [params] table of an\n"
      << "# experiment file. Keyed parameters may give only some keys: quit_rate = { nurse = 0.2 }.\n"
      << "# The format is described in docs/cli.md.\n\n"
      << "name = \"defaults\"\n"
      << "years = " << run.years << "            # simulated years per run\n"
      << "replicates = " << run.replicates << "       # runs per scenario (common random numbers across scenarios)\n"
      << "seed = " << run.seed << "              # replicate r uses the random stream (seed, r)\n"
      << "record_every = " << recording_toml(run.record_every)
      << "   # \"month\", \"quarter\", \"year\" (of the 365-day year) or days per recorded period\n"
      << "warmup_years = " << run.warmup_years
      << "     # years lived under typical practice before day 0 (0: an empty hospital)\n\n"
      << "# The culture policy: \"blame\", \"typical\" (= blame level 0.6, current practice) or \"just_culture\",\n"
      << "# a blame level b from 0 (Just Culture) to 1 (blame), or a table of fields such as\n"
      << "#   policy = { preset = \"blame\", stated_safety = 0.8 }      # \"Just Culture in name only\"\n"
      << "# The fields, with their blame and Just Culture values:\n";
  for (const auto& f : policy_field_specs()) {
    char line[512];
    std::snprintf(line, sizeof line, "#   %-24s blame %-5g just %-5g ", std::string(f.name).c_str(), f.blame,
                  f.just_culture);
    out << line << f.description << "\n";
  }
  out << "policy = \"typical\"\n\n[params]\n";
  write_params(out, Params{}, true);
  out << "\n# The hospital: units with a head count per role (and optionally initial_hazards, the unit's\n"
      << "# latent system hazards at the start, and workload, its relative job demands, 1 on average).\n"
      << "# Leave [hospital] out for the embedded default below.";
  write_hospital(out, Hospital::default_hospital(), "");
  return out.str();
}

std::string dump_experiment(const RunSettings& settings, const std::vector<Scenario>& scenarios,
                            std::string_view header) {
  std::ostringstream out;
  std::istringstream lines{std::string(header)};
  for (std::string line; std::getline(lines, line);) out << (line.empty() ? "#" : "# " + line) << "\n";
  out << "years = " << core::exact_number(settings.years) << "\nreplicates = " << settings.replicates
      << "\nseed = " << settings.seed << "\nrecord_every = " << recording_toml(settings.record_every)
      << "\nwarmup_years = " << core::exact_number(settings.warmup_years)
      << "\nwarmup_policy = " << policy_table(settings.warmup_policy, nullptr) << "\n";
  if (settings.breakdown) out << "breakdown = true\n";
  if (settings.save_state) out << "save_state = true\n";
  if (settings.record_warmup) out << "record_warmup = true\n";
  if (!settings.start.empty()) {
    out << "start = " << quoted(settings.start) << "\n";
    if (!settings.start_scenario.empty()) out << "start_scenario = " << quoted(settings.start_scenario) << "\n";
  }
  for (const auto& s : scenarios) {
    out << "\n[[scenarios]]\n";
    write_scenario(out, s, "scenarios.");
  }
  return out.str();
}

}  // namespace culturesim
