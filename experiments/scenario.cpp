#include "experiments/scenario.hpp"

#include <algorithm>
#include <iomanip>
#include <sstream>

#include "core/errors.hpp"

namespace culturesim {
namespace {

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string number(double v) {
  std::ostringstream out;
  out << std::setprecision(17) << v;
  std::string s = out.str();
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";  // TOML floats need a dot
  return s;
}

void write_params(std::ostringstream& out, const Params& params) {
  for (const auto& spec : parameter_specs()) {
    const auto values = params.values(spec.name);
    if (spec.keys.empty()) {
      out << spec.name << " = " << number(values[0]) << "\n";
    } else {
      out << spec.name << " = { ";
      for (std::size_t k = 0; k < spec.keys.size(); ++k) {
        out << (k ? ", " : "") << spec.keys[k] << " = " << number(values[k]);
      }
      out << " }\n";
    }
  }
}

}  // namespace

void Scenario::validate() const {
  const std::string who = "scenario '" + name + "': ";
  if (name.empty()) throw InvalidValue("a scenario needs a non-empty name");
  try {
    hospital.validate();
    params.validate();
    policy.validate();
    for (const auto& iv : interventions) iv.validate(hospital);
  } catch (const UnknownName& e) {
    throw UnknownName(who + e.what());
  } catch (const InvalidValue& e) {
    throw InvalidValue(who + e.what());
  }
}

Schedule Scenario::schedule() const { return compile_schedule(interventions, hospital, params, policy); }

std::string Scenario::to_toml() const {
  std::ostringstream out;
  out << "name = " << quoted(name) << "\n\n[policy]\n";
  for (const auto& f : policy_field_specs()) out << f.name << " = " << number(policy.get(f.name)) << "\n";
  out << "\n[params]\n";
  write_params(out, params);
  out << "\n[hospital]\nname = " << quoted(hospital.name) << "\n";
  for (const auto& u : hospital.units) {
    out << "\n[[hospital.units]]\nname = " << quoted(u.name) << "\n";
    for (std::size_t r = 0; r < kRoles; ++r) out << kRoleNames[r] << " = " << u.headcount[r] << "\n";
    if (u.initial_hazards >= 0.0) out << "initial_hazards = " << number(u.initial_hazards) << "\n";
  }
  for (const auto& iv : interventions) {
    out << "\n[[interventions]]\nday = " << iv.day << "\nlabel = " << quoted(iv.label) << "\n";
    switch (iv.kind) {
      case Intervention::Kind::set:
        out << "kind = \"set\"\n";
        if (iv.policy) {
          out << "policy = { ";
          bool first = true;
          for (const auto& f : policy_field_specs()) {
            out << (first ? "" : ", ") << f.name << " = " << number(iv.policy->get(f.name));
            first = false;
          }
          out << " }\n";
        }
        if (!iv.policy_fields.empty()) {
          out << "policy_fields = { ";
          for (std::size_t k = 0; k < iv.policy_fields.size(); ++k) {
            out << (k ? ", " : "") << iv.policy_fields[k].field << " = " << number(iv.policy_fields[k].value);
          }
          out << " }\n";
        }
        if (!iv.params.empty()) {
          // params = { alpha_base = 0.02, quit_rate = { nurse = 0.2 } }: keyed values grouped by name.
          out << "params = { ";
          std::vector<std::string> names;
          for (const auto& p : iv.params) {
            if (std::find(names.begin(), names.end(), p.name) == names.end()) names.push_back(p.name);
          }
          for (std::size_t n = 0; n < names.size(); ++n) {
            out << (n ? ", " : "") << names[n] << " = ";
            bool keyed = false;
            std::string inner;
            for (const auto& p : iv.params) {
              if (p.name != names[n]) continue;
              if (p.key.empty()) {
                inner = number(p.value);
              } else {
                inner += (keyed ? ", " : "") + p.key + " = " + number(p.value);
                keyed = true;
              }
            }
            out << (keyed ? "{ " + inner + " }" : inner);
          }
          out << " }\n";
        }
        break;
      case Intervention::Kind::ramp:
        out << "kind = \"ramp\"\nfrom_blame = " << number(iv.ramp_from) << "\nto_blame = " << number(iv.ramp_to)
            << "\nramp_days = " << iv.ramp_days << "\nstep_days = " << iv.ramp_step_days << "\n";
        break;
      case Intervention::Kind::clear_hazards:
        out << "kind = \"clear_hazards\"\nunits = [";
        for (std::size_t k = 0; k < iv.units.size(); ++k) out << (k ? ", " : "") << quoted(iv.units[k]);
        out << "]\n";
        break;
    }
  }
  return out.str();
}

RunResult run_scenario(const Scenario& scenario, const RunOptions& options, core::CancellationToken* cancel,
                       std::atomic<std::int64_t>* days_done) {
  scenario.validate();
  Simulation sim(scenario.hospital, scenario.params, scenario.policy, options);
  return sim.run(scenario.schedule(), cancel, days_done);
}

}  // namespace culturesim
