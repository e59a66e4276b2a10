// The tables: parameters, policy fields and presets, outputs, the default hospital.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "agents/outputs.hpp"
#include "agents/parameters.hpp"
#include "agents/policy.hpp"
#include "convert.hpp"
#include "core/calendar.hpp"
#include "core/clock.hpp"
#include "experiments/schema.hpp"

namespace culturesim::bindings {

void bind_tables(py::module_& m) {
  m.def(
      "parameter_specs",
      [] {
        py::list out;
        for (const auto& s : parameter_specs()) {
          py::dict d;
          d["name"] = std::string(s.name);
          d["kind"] = std::string(kind_name(s.kind));
          d["min"] = s.min;
          d["max"] = s.max;
          d["unit"] = std::string(s.unit);
          d["description"] = std::string(s.description);
          d["source"] = std::string(s.source);
          py::list keys;
          for (auto k : s.keys) keys.append(std::string(k));
          d["keys"] = keys;
          d["default"] = s.defaults;
          d["changes_during_run"] = s.changes_during_run;
          out.append(d);
        }
        return out;
      },
      "Every model parameter in table order: name, kind, min, max, unit, description, source, keys, default, "
      "changes_during_run (False: read only when a run starts, so interventions may not set it).");
  m.def(
      "prior_specs",
      [] {
        py::list out;
        for (const auto& p : prior_specs()) {
          py::dict d;
          d["name"] = std::string(p.name);
          d["distribution"] = std::string(distribution_name(p.distribution));
          d["low"] = p.low;
          d["high"] = p.high;
          d["basis"] = std::string(basis_name(p.basis));
          d["why"] = std::string(p.why);
          out.append(d);
        }
        return out;
      },
      "The priors of the uncertain parameters in table order: name, distribution (uniform or loguniform), low, "
      "high, basis (source or judgement), why. Every other parameter is fixed at its default.");
  m.def(
      "range_specs",
      [] {
        py::list out;
        for (const auto& r : range_specs()) {
          py::dict d;
          d["name"] = std::string(r.name);
          d["low"] = r.low;
          d["high"] = r.high;
          py::list basis;  // one per value: low and high have one per key
          for (std::size_t i = 0; i < r.low.size(); ++i) basis.append(std::string(range_basis_name(range_basis(r, i))));
          d["basis"] = basis;
          d["output"] = std::string(r.output);
          d["why"] = std::string(r.why);
          out.append(d);
        }
        return out;
      },
      "The range of every cost parameter in table order: name, low, high, basis (lists, one value per key; basis "
      "source or assumption), output (the cost output it is summed into), why.");
  m.def(
      "default_params", [] { return params_to_dict(Params{}); },
      "The default parameter values as a dict (keyed parameters as dicts by key).");
  m.def(
      "validate_params", [](const py::dict& p) { return params_to_dict(params_from(p)); }, py::arg("params"),
      "Validates parameter overrides on top of the defaults; returns the full set. Raises ValueError / KeyError.");
  m.def(
      "policy_field_specs",
      [] {
        py::list out;
        for (const auto& f : policy_field_specs()) {
          py::dict d;
          d["name"] = std::string(f.name);
          d["blame"] = f.blame;
          d["just_culture"] = f.just_culture;
          d["description"] = std::string(f.description);
          out.append(d);
        }
        return out;
      },
      "Every policy field with its value in the blame and Just Culture presets.");
  m.def(
      "policy_from_blame", [](double b) { return policy_to_dict(Policy::from_blame(b)); }, py::arg("b"),
      "The policy at blame level b (1 = blame, 0 = Just Culture), as a dict.");
  m.def(
      "validate_policy", [](const py::dict& p) { return policy_to_dict(policy_from(p)); }, py::arg("fields"),
      "Validates policy fields on top of typical(); returns the full policy. Raises ValueError / KeyError.");
  m.def(
      "output_specs",
      [] {
        py::list out;
        for (const auto& s : output_specs()) {
          py::dict d;
          d["name"] = s.name;
          d["unit"] = s.unit;
          d["kind"] = s.kind;
          d["description"] = s.description;
          out.append(d);
        }
        return out;
      },
      "Every recorded output: name, unit, kind (flow or level), description.");
  m.def(
      "default_hospital", [] { return hospital_to_dict(Hospital::default_hospital()); },
      "The embedded default hospital (about 1,000 clinicians in five units).");
  m.def(
      "role_names", [] { return std::vector<std::string>(kRoleNames.begin(), kRoleNames.end()); },
      "The roles, in the order of per-role parameters and of snapshot role codes.");
  m.def(
      "category_names",
      [] {
        auto names = [](const auto& list) { return std::vector<std::string>(list.begin(), list.end()); };
        py::dict d;
        d["role"] = names(kRoleNames);
        d["severity"] = names(kSeverityNames);
        d["response"] = names(kResponseNames);
        d["behaviour"] = names(kBehaviourNames);
        d["disclosure"] = names(kDisclosureNames);
        return d;
      },
      "The model's categories (role, severity, response, behaviour, disclosure), each in code order.");
  m.def(
      "policy_presets",
      [] {
        py::dict d;
        for (const auto& p : policy_presets()) d[py::str(std::string(p.name))] = p.blame_level;
        return d;
      },
      "The policy presets: name -> blame level b.");
  m.attr("days_per_year") = core::kDaysPerYear;
  py::dict limits;
  limits["max_days"] = kMaxRunDays;
  limits["max_record_every"] = kMaxRecordEvery;
  limits["max_replicates"] = kMaxReplicates;
  limits["max_threads"] = kMaxThreads;
  limits["max_warmup_years"] = kMaxWarmupYears;
  limits["max_draws"] = kMaxDraws;
  m.attr("run_limits") = limits;
  py::dict calendars;  // record_every codes of the calendar periods (core/calendar.hpp)
  for (const char* name : {"month", "quarter", "year"}) calendars[name] = *core::calendar_code(name);
  m.attr("calendars") = calendars;
  py::list month_days;
  for (int d : core::kMonthDays) month_days.append(d);
  m.attr("month_days") = month_days;
  m.def("parameters_markdown", [] { return parameters_markdown(); });
}

}  // namespace culturesim::bindings
