#include "convert.hpp"

#include <pybind11/stl.h>

#include <algorithm>
#include <cmath>

#include "core/errors.hpp"
#include "core/name_lookup.hpp"
#include "experiments/sweep.hpp"

namespace culturesim::bindings {
namespace {

std::string type_name(const py::handle& h) { return py::str(py::type::handle_of(h).attr("__name__")); }

/// A number from Python, or InvalidValue naming `what` (bools are refused: True is not 1.0).
double number(const py::handle& h, const std::string& what) {
  if (py::isinstance<py::bool_>(h) ||
      !(py::isinstance<py::float_>(h) || py::isinstance<py::int_>(h) || py::hasattr(h, "__float__"))) {
    throw InvalidValue(what + " must be a number, got " + type_name(h) + " " + std::string(py::repr(h)));
  }
  return h.cast<double>();
}

std::int64_t whole(const py::handle& h, const std::string& what) {
  const double v = number(h, what);
  if (!std::isfinite(v) || v != std::floor(v) || std::abs(v) > 9.0e15) {
    throw InvalidValue(what + " must be a whole number, got " + std::string(py::repr(h)));
  }
  return static_cast<std::int64_t>(v);
}

std::string text(const py::handle& h, const std::string& what) {
  if (!py::isinstance<py::str>(h)) throw InvalidValue(what + " must be a string, got " + type_name(h));
  return h.cast<std::string>();
}

py::dict as_dict(const py::handle& h, const std::string& what) {
  if (!py::isinstance<py::dict>(h)) throw InvalidValue(what + " must be a table (dict), got " + type_name(h));
  return py::reinterpret_borrow<py::dict>(h);
}

/// Rejects keys of `d` outside `allowed`, with the closest name suggested.
void check_keys(const py::dict& d, const std::vector<std::string>& allowed, const std::string& what) {
  for (auto item : d) {
    const std::string key = text(item.first, what + " key");
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      core::throw_unknown_name(what, key, allowed);
    }
  }
}

}  // namespace

Params params_from(const py::handle& overrides, Params base) {
  if (overrides.is_none()) return base;
  for (auto item : as_dict(overrides, "params")) {
    const std::string name = text(item.first, "parameter name");
    const ParamSpec& spec = parameter_spec(name);  // UnknownName with a suggestion
    if (spec.keys.empty()) {
      base.set(name, number(item.second, "parameter '" + name + "'"));
      continue;
    }
    if (py::isinstance<py::dict>(item.second)) {
      for (auto kv : py::reinterpret_borrow<py::dict>(item.second)) {
        const std::string key = text(kv.first, "key of parameter '" + name + "'");
        base.set(name, number(kv.second, "parameter '" + name + "[" + key + "]'"), key);
      }
    } else if (py::isinstance<py::sequence>(item.second) && !py::isinstance<py::str>(item.second)) {
      const auto seq = py::reinterpret_borrow<py::sequence>(item.second);
      if (seq.size() != spec.keys.size()) {
        throw InvalidValue("parameter '" + name + "' needs " + std::to_string(spec.keys.size()) +
                           " values (one per key), got " + std::to_string(seq.size()));
      }
      for (std::size_t k = 0; k < spec.keys.size(); ++k) {
        base.set(name, number(seq[k], "parameter '" + name + "[" + std::string(spec.keys[k]) + "]'"), spec.keys[k]);
      }
    } else {
      std::string keys;
      for (std::size_t k = 0; k < spec.keys.size(); ++k) keys += (k ? ", " : "") + std::string(spec.keys[k]);
      throw InvalidValue("parameter '" + name + "' has one value per key (" + keys + "); give a table such as {" +
                         std::string(spec.keys[0]) + " = ...}, got " + type_name(item.second));
    }
  }
  base.validate();
  return base;
}

Policy policy_from(const py::handle& fields, Policy base) {
  if (fields.is_none()) return base;
  for (auto item : as_dict(fields, "policy")) {
    const std::string name = text(item.first, "policy field name");
    base.set(name, number(item.second, "policy field '" + name + "'"));
  }
  return base;
}

Hospital hospital_from(const py::handle& description) {
  if (description.is_none()) return Hospital::default_hospital();
  const py::dict d = as_dict(description, "hospital");
  check_keys(d, {"name", "units"}, "hospital field");
  Hospital h;
  h.name = d.contains("name") ? text(d["name"], "hospital name") : "custom";
  if (!d.contains("units")) throw InvalidValue("hospital '" + h.name + "' needs a list of units");
  std::vector<std::string> unit_fields{"name", "initial_hazards", "workload"};
  for (auto r : kRoleNames) unit_fields.emplace_back(r);
  for (auto unit : py::reinterpret_borrow<py::sequence>(d["units"])) {
    const py::dict u = as_dict(unit, "hospital unit");
    check_keys(u, unit_fields, "unit field");
    Unit out;
    if (!u.contains("name")) throw InvalidValue("a unit of hospital '" + h.name + "' has no name");
    out.name = text(u["name"], "unit name");
    for (std::size_t r = 0; r < kRoles; ++r) {
      const char* role = kRoleNames[r].data();
      if (u.contains(role)) out.headcount[r] = static_cast<int>(whole(u[role], "unit '" + out.name + "' " + role));
    }
    if (u.contains("initial_hazards")) {
      out.initial_hazards = number(u["initial_hazards"], "unit '" + out.name + "' initial_hazards");
    }
    if (u.contains("workload")) out.workload = number(u["workload"], "unit '" + out.name + "' workload");
    h.units.push_back(out);
  }
  h.validate();
  return h;
}

Intervention intervention_from(const py::handle& description, std::size_t position) {
  const py::dict d = as_dict(description, "intervention");
  Intervention iv;
  iv.label =
      d.contains("label") ? text(d["label"], "intervention label") : "intervention " + std::to_string(position + 1);
  const std::string who = "intervention '" + iv.label + "'";
  check_keys(d,
             {"kind", "day", "label", "policy", "policy_fields", "params", "from_blame", "to_blame", "ramp_days",
              "step_days", "units"},
             who + " field");
  const std::string kind = d.contains("kind") ? text(d["kind"], who + " kind") : "set";
  if (kind == "set") {
    iv.kind = Intervention::Kind::set;
  } else if (kind == "ramp") {
    iv.kind = Intervention::Kind::ramp;
  } else if (kind == "fix_friction") {
    iv.kind = Intervention::Kind::fix_friction;
  } else {
    core::throw_unknown_name(who + " kind", kind, {"set", "ramp", "fix_friction"});
  }
  if (!d.contains("day")) throw InvalidValue(who + " needs a day (or at_year)");
  iv.day = whole(d["day"], who + " day");
  try {
    if (d.contains("policy") && !d["policy"].is_none()) iv.policy = policy_from(d["policy"], Policy::typical());
    if (d.contains("policy_fields")) {
      for (auto item : as_dict(d["policy_fields"], who + " policy_fields")) {
        const std::string field = text(item.first, "policy field name");
        iv.policy_fields.push_back({field, number(item.second, "policy field '" + field + "'")});
      }
    }
    if (d.contains("params")) {
      for (auto item : as_dict(d["params"], who + " params")) {
        const std::string name = text(item.first, "parameter name");
        if (py::isinstance<py::dict>(item.second)) {
          for (auto kv : py::reinterpret_borrow<py::dict>(item.second)) {
            const std::string key = text(kv.first, "key of parameter '" + name + "'");
            iv.params.push_back({name, key, number(kv.second, "parameter '" + name + "[" + key + "]'")});
          }
        } else {
          iv.params.push_back({name, "", number(item.second, "parameter '" + name + "'")});
        }
      }
    }
    if (d.contains("from_blame")) iv.ramp_from = number(d["from_blame"], "from_blame");
    if (d.contains("to_blame")) iv.ramp_to = number(d["to_blame"], "to_blame");
    if (d.contains("ramp_days")) iv.ramp_days = whole(d["ramp_days"], "ramp_days");
    if (d.contains("step_days")) iv.ramp_step_days = whole(d["step_days"], "step_days");
    if (d.contains("units")) {
      for (auto u : py::reinterpret_borrow<py::sequence>(d["units"])) iv.units.push_back(text(u, "unit name"));
    }
  } catch (const UnknownName& e) {
    throw UnknownName(who + ": " + e.what());
  } catch (const InvalidValue& e) {
    throw InvalidValue(who + ": " + e.what());
  }
  return iv;
}

Scenario scenario_from(const py::handle& description) {
  const py::dict d = as_dict(description, "scenario");
  check_keys(d, {"name", "params", "policy", "hospital", "interventions", "coords", "stream"}, "scenario field");
  Scenario s;
  s.name = d.contains("name") ? text(d["name"], "scenario name") : "scenario";
  const std::string who = "scenario '" + s.name + "': ";
  try {
    s.hospital = hospital_from(d.contains("hospital") ? py::object(d["hospital"]) : py::object(py::none()));
    s.params = params_from(d.contains("params") ? py::object(d["params"]) : py::object(py::none()));
    s.policy = policy_from(d.contains("policy") ? py::object(d["policy"]) : py::object(py::none()));
    if (d.contains("interventions")) {
      std::size_t n = 0;
      for (auto iv : py::reinterpret_borrow<py::sequence>(d["interventions"])) {
        s.interventions.push_back(intervention_from(iv, n++));
      }
    }
    if (d.contains("coords") && !d["coords"].is_none()) {
      for (auto item : as_dict(d["coords"], "coords")) {
        const std::string name = text(item.first, "coordinate name");
        s.coords.push_back({name, number(item.second, "coordinate '" + name + "'")});
      }
      sort_coords(s.coords);
    }
    if (d.contains("stream") && !d["stream"].is_none()) {
      const std::string allowed = "0 to " + std::to_string(kMaxStream) + " (a random-number stream)";
      const py::handle v = d["stream"];
      if (!py::isinstance<py::int_>(v) || py::isinstance<py::bool_>(v)) {
        throw InvalidValue("stream must be a whole number from " + allowed + ", got " + type_name(v) + " " +
                           std::string(py::repr(v)));
      }
      const auto big = py::reinterpret_borrow<py::int_>(v);
      if (big < py::int_(0) || big > py::int_(kMaxStream)) {
        throw InvalidValue("stream = " + std::string(py::repr(v)) + " is out of range; allowed " + allowed);
      }
      s.stream = static_cast<std::uint32_t>(big.cast<std::int64_t>());
    }
  } catch (const UnknownName& e) {
    throw UnknownName(who + e.what());
  } catch (const InvalidValue& e) {
    throw InvalidValue(who + e.what());
  }
  s.validate();
  return s;
}

std::vector<Scenario> scenarios_from(const py::handle& descriptions) {
  std::vector<Scenario> out;
  for (auto d : py::reinterpret_borrow<py::sequence>(descriptions)) out.push_back(scenario_from(d));
  return out;
}

EnsembleOptions ensemble_options_from(std::int64_t days, int record_every, std::uint64_t seed, int threads) {
  EnsembleOptions o;
  o.days = days;
  o.record_every = record_every;
  o.seed = seed;
  o.threads = threads;
  if (threads < 0 || threads > kMaxThreads) {
    throw InvalidValue("threads = " + std::to_string(threads) + " is out of range; allowed 0 (all cores) to 4096");
  }
  o.run_options(0).validate();
  return o;
}

void set_warmup(EnsembleOptions& options, std::int64_t warmup_days, const py::handle& warmup_policy) {
  options.warmup_days = warmup_days;
  options.warmup_policy = warmup_policy.is_none() ? std::nullopt : std::optional<Policy>(policy_from(warmup_policy));
  options.run_options(0).validate();
}

Experiment experiment_from(const py::handle& scenarios, std::size_t replicates, std::int64_t days, int record_every,
                           std::uint64_t seed, int threads) {
  Experiment e;
  e.scenarios = scenarios_from(scenarios);
  e.replicates = replicates;
  e.options = ensemble_options_from(days, record_every, seed, threads);
  e.validate();
  return e;
}

py::dict params_to_dict(const Params& params) {
  py::dict d;
  for (const auto& spec : parameter_specs()) {
    const auto values = params.values(spec.name);
    if (spec.keys.empty()) {
      d[py::str(std::string(spec.name))] = values[0];
    } else {
      py::dict keyed;
      for (std::size_t k = 0; k < spec.keys.size(); ++k) keyed[py::str(std::string(spec.keys[k]))] = values[k];
      d[py::str(std::string(spec.name))] = keyed;
    }
  }
  return d;
}

py::dict policy_to_dict(const Policy& policy) {
  py::dict d;
  for (const auto& f : policy_field_specs()) d[py::str(std::string(f.name))] = policy.get(f.name);
  return d;
}

py::dict intervention_to_dict(const Intervention& iv) {
  py::dict d;
  d["day"] = iv.day;
  d["label"] = iv.label;
  switch (iv.kind) {
    case Intervention::Kind::set: {
      d["kind"] = "set";
      if (iv.policy) d["policy"] = policy_to_dict(*iv.policy);
      py::dict fields;
      for (const auto& f : iv.policy_fields) fields[py::str(f.field)] = f.value;
      if (!iv.policy_fields.empty()) d["policy_fields"] = fields;
      py::dict params;
      for (const auto& p : iv.params) {
        if (p.key.empty()) {
          params[py::str(p.name)] = p.value;
        } else {
          if (!params.contains(p.name)) params[py::str(p.name)] = py::dict();
          params[py::str(p.name)][py::str(p.key)] = p.value;
        }
      }
      if (!iv.params.empty()) d["params"] = params;
      break;
    }
    case Intervention::Kind::ramp:
      d["kind"] = "ramp";
      d["from_blame"] = iv.ramp_from;
      d["to_blame"] = iv.ramp_to;
      d["ramp_days"] = iv.ramp_days;
      d["step_days"] = iv.ramp_step_days;
      break;
    case Intervention::Kind::fix_friction:
      d["kind"] = "fix_friction";
      d["units"] = iv.units;
      break;
  }
  return d;
}

py::dict scenario_to_dict(const Scenario& s) {
  py::dict d;
  d["name"] = s.name;
  d["params"] = params_to_dict(s.params);
  d["policy"] = policy_to_dict(s.policy);
  // The embedded default hospital is None on the Python side (Scenario(hospital=None)).
  d["hospital"] = s.hospital == Hospital::default_hospital() ? py::object(py::none()) : hospital_to_dict(s.hospital);
  py::list interventions;
  for (const auto& iv : s.interventions) interventions.append(intervention_to_dict(iv));
  d["interventions"] = interventions;
  if (!s.coords.empty()) {
    py::dict coords;
    for (const auto& c : s.coords) coords[py::str(c.name)] = c.value;
    d["coords"] = coords;
  }
  if (s.stream != 0) d["stream"] = s.stream;
  return d;
}

py::dict hospital_to_dict(const Hospital& hospital) {
  py::list units;
  for (const auto& u : hospital.units) {
    py::dict unit;
    unit["name"] = u.name;
    for (std::size_t r = 0; r < kRoles; ++r) unit[py::str(std::string(kRoleNames[r]))] = u.headcount[r];
    if (u.initial_hazards) unit["initial_hazards"] = *u.initial_hazards;
    if (u.workload != 1.0) unit["workload"] = u.workload;
    units.append(unit);
  }
  py::dict d;
  d["name"] = hospital.name;
  d["units"] = units;
  return d;
}

}  // namespace culturesim::bindings
