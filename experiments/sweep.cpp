#include "experiments/sweep.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <set>

#include "core/errors.hpp"
#include "core/format.hpp"
#include "core/name_lookup.hpp"

namespace culturesim {
namespace {

constexpr std::string_view kBlame = "blame";

bool is_policy_field(std::string_view name) {
  const auto& specs = policy_field_specs();
  return std::any_of(specs.begin(), specs.end(), [&](const auto& f) { return f.name == name; });
}

/// "quit_rate[nurse]" -> ("quit_rate", "nurse"); "alpha_base" -> ("alpha_base", "").
std::pair<std::string, std::string> split_key(std::string_view name) {
  const auto open = name.find('[');
  if (open == std::string_view::npos || name.back() != ']') return {std::string(name), ""};
  return {std::string(name.substr(0, open)), std::string(name.substr(open + 1, name.size() - open - 2))};
}

/// The parameter behind `name`, or UnknownName listing what a sweep takes.
const ParamSpec& swept_parameter(std::string_view name) {
  // The lambda captures a reference, not the binding: clang 14 cannot capture structured bindings.
  const auto [param_name, key] = split_key(name);
  const std::string& param = param_name;
  const auto& specs = parameter_specs();
  const auto spec = std::find_if(specs.begin(), specs.end(), [&](const ParamSpec& p) { return p.name == param; });
  if (spec == specs.end()) {
    const auto names = sweep_names();
    const std::string close = core::closest_name(name, names);
    throw UnknownName("unknown sweep name '" + std::string(name) + "'" +
                      (close.empty() ? "" : "; did you mean '" + close + "'?") +
                      "; allowed: blame (the blame level of the starting policy, 0 to 1), a policy field, or a "
                      "parameter (keyed ones as name[key], e.g. quit_rate[nurse])");
  }
  if (spec->keys.empty() && !key.empty()) {
    throw InvalidValue("sweep name '" + std::string(name) + "': parameter '" + param + "' has no keys; write '" +
                       param + "'");
  }
  if (!spec->keys.empty()) {
    std::string keys;
    for (std::size_t k = 0; k < spec->keys.size(); ++k) keys += (k ? ", " : "") + std::string(spec->keys[k]);
    if (key.empty()) {
      throw InvalidValue("sweep name '" + std::string(name) + "': parameter '" + param + "' has one value per key (" +
                         keys + "); sweep one key, e.g. '" + param + "[" + std::string(spec->keys[0]) + "]'");
    }
    if (std::find(spec->keys.begin(), spec->keys.end(), key) == spec->keys.end()) {
      throw UnknownName("sweep name '" + std::string(name) + "': parameter '" + param + "' has no key '" + key +
                        "'; allowed: " + keys);
    }
  }
  return *spec;
}

std::string shortest(double v) {
  char buffer[64];
  const auto end = std::to_chars(buffer, buffer + sizeof buffer, v).ptr;
  return {buffer, end};
}

}  // namespace

std::vector<std::string> sweep_names() {
  std::vector<std::string> names{std::string(kBlame)};
  for (const auto& f : policy_field_specs()) names.emplace_back(f.name);
  for (const auto& p : parameter_specs()) {
    if (p.keys.empty()) {
      names.emplace_back(p.name);
    } else {
      for (auto key : p.keys) names.push_back(std::string(p.name) + "[" + std::string(key) + "]");
    }
  }
  return names;
}

double sweep_value(double value) {
  if (!std::isfinite(value) || value == 0.0) return value;
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%.12g", value);
  return std::strtod(buffer, nullptr);
}

void set_swept(Scenario& scenario, std::string_view name, double value) {
  const std::string field = "'" + std::string(name) + "' = " + core::format_number(value);
  if (!std::isfinite(value)) throw InvalidValue("sweep value " + field + " must be a finite number");
  try {
    if (name == kBlame) {
      if (value < 0.0 || value > 1.0) throw InvalidValue("is out of range; allowed 0 (Just Culture) to 1 (blame)");
      scenario.policy = Policy::from_blame(value);
    } else if (is_policy_field(name)) {
      scenario.policy.set(name, value);
    } else {
      const ParamSpec& spec = swept_parameter(name);
      const auto [param, key] = split_key(name);
      scenario.params.set(spec.name, value, key);
      scenario.params.validate();
    }
  } catch (const UnknownName&) {
    throw;
  } catch (const InvalidValue& e) {
    throw InvalidValue("sweep value " + field + ": " + e.what());
  }
}

double swept_quantity(const Scenario& scenario, std::string_view name) {
  if (name == kBlame) {
    // Every field is linear in b (policy_table.def); read b from the first field that moves with
    // it, then ask whether the whole policy is from_blame(b).
    for (const auto& f : policy_field_specs()) {
      if (f.blame == f.just_culture) continue;
      const double b = sweep_value((scenario.policy.get(f.name) - f.just_culture) / (f.blame - f.just_culture));
      if (!(b >= 0.0 && b <= 1.0)) return NAN;
      const Policy expected = Policy::from_blame(b);
      for (const auto& g : policy_field_specs()) {
        if (std::abs(expected.get(g.name) - scenario.policy.get(g.name)) > 1e-9) return NAN;
      }
      return b;
    }
    return NAN;
  }
  if (is_policy_field(name)) return scenario.policy.get(name);
  const ParamSpec& spec = swept_parameter(name);
  const auto [param, key] = split_key(name);
  const auto values = scenario.params.values(spec.name);
  return key.empty() ? values[0] : values[key_index(spec, key)];
}

void sort_coords(std::vector<Coordinate>& coords) {
  std::stable_sort(coords.begin(), coords.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
}

std::string sweep_label(const std::vector<Coordinate>& point) {
  std::string out;
  for (const auto& c : point) out += (out.empty() ? "" : ",") + c.name + "=" + shortest(c.value);
  return out;
}

std::size_t sweep_size(const Sweep& sweep) {
  std::size_t total = sweep.grid.empty() ? sweep.points.size() : 1;
  for (const auto& axis : sweep.grid) {
    total *= std::max<std::size_t>(axis.second.size(), 1);
    if (total > kMaxSweepPoints) break;
  }
  if (total > kMaxSweepPoints) {
    throw InvalidValue("the sweep has more than " + std::to_string(kMaxSweepPoints) +
                       " points; sweep fewer values (each point is a scenario)");
  }
  return total;
}

std::vector<Scenario> expand_sweep(const Scenario& base, const Sweep& sweep) {
  std::vector<std::vector<Coordinate>> points;
  std::set<std::string> names;
  auto check_name = [&](const std::string& name) {
    if (name != kBlame && !is_policy_field(name)) swept_parameter(name);  // UnknownName with the allowed names
  };
  if (!sweep.grid.empty()) {
    if (!sweep.points.empty()) {
      throw InvalidValue("a sweep takes grid axes or explicit points, not both; put the grid's values into points");
    }
    for (const auto& [name, values] : sweep.grid) {
      check_name(name);
      if (!names.insert(name).second) throw InvalidValue("sweep name '" + name + "' is given twice");
      if (values.empty()) throw InvalidValue("sweep axis '" + name + "' has no values; give at least one");
    }
    sweep_size(sweep);
    points.assign(1, {});
    for (const auto& [name, values] : sweep.grid) {
      std::vector<std::vector<Coordinate>> next;
      for (const auto& p : points) {
        for (double v : values) {
          auto q = p;
          q.push_back({name, sweep_value(v)});
          next.push_back(std::move(q));
        }
      }
      points = std::move(next);
    }
  } else {
    if (sweep.points.empty()) {
      throw InvalidValue("a sweep needs grid axes (name = [values]) or points ([{ name = value, ... }, ...])");
    }
    sweep_size(sweep);
    for (const auto& p : sweep.points) {
      if (p.empty()) throw InvalidValue("a sweep point has no values; give at least one name = value");
      std::set<std::string> seen;
      std::vector<Coordinate> q;
      for (const auto& c : p) {
        check_name(c.name);
        if (!seen.insert(c.name).second) throw InvalidValue("sweep point gives '" + c.name + "' twice");
        q.push_back({c.name, sweep_value(c.value)});
      }
      points.push_back(std::move(q));
    }
  }
  std::vector<Scenario> out;
  std::set<std::string> labels;
  for (const auto& point : points) {
    Scenario s = base;
    s.coords.clear();
    // The blame level replaces the starting policy, so it goes first; fields then change it.
    for (const auto& c : point) {
      if (c.name == kBlame) set_swept(s, c.name, c.value);
    }
    for (const auto& c : point) {
      if (c.name != kBlame) set_swept(s, c.name, c.value);
    }
    s.coords = point;
    sort_coords(s.coords);
    s.name = sweep_label(s.coords);
    if (!labels.insert(s.name).second) throw InvalidValue("sweep point " + s.name + " is given twice");
    out.push_back(std::move(s));
  }
  return out;
}

void check_coords(const Scenario& scenario) {
  std::set<std::string> seen;
  for (const auto& c : scenario.coords) {
    if (!seen.insert(c.name).second) throw InvalidValue("coordinate '" + c.name + "' is given twice");
    if (c.name != kBlame && !is_policy_field(c.name)) swept_parameter(c.name);
    if (c.name == kBlame) {
      // The fields not swept on their own must be from_blame(b)'s.
      const Policy expected = Policy::from_blame(std::clamp(c.value, 0.0, 1.0));
      for (const auto& f : policy_field_specs()) {
        const bool own = std::any_of(scenario.coords.begin(), scenario.coords.end(),
                                     [&](const Coordinate& o) { return o.name == f.name; });
        if (!own &&
            (c.value < 0.0 || c.value > 1.0 || std::abs(expected.get(f.name) - scenario.policy.get(f.name)) > 1e-9)) {
          throw InvalidValue("coordinate blame = " + core::format_number(c.value) + " does not describe the policy (" +
                             std::string(f.name) + " = " + core::format_number(scenario.policy.get(f.name)) +
                             "); coordinates label the values a scenario has, they do not set them");
        }
      }
    } else if (swept_quantity(scenario, c.name) != c.value) {
      throw InvalidValue("coordinate " + c.name + " = " + core::format_number(c.value) +
                         " differs from the value run (" + core::format_number(swept_quantity(scenario, c.name)) +
                         "); coordinates label the values a scenario has, they do not set them");
    }
  }
}

}  // namespace culturesim
