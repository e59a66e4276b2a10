#include "agents/hospital.hpp"

#include <cmath>
#include <numeric>
#include <set>

#include "core/errors.hpp"
#include "core/format.hpp"
#include "core/name_lookup.hpp"

namespace culturesim {

int Unit::establishment() const { return std::accumulate(headcount.begin(), headcount.end(), 0); }

Hospital Hospital::default_hospital() {
  Hospital h;
  h.name = "default";
  //                 nurse resident attending pharmacist
  // Workload: ICU and ED above the wards (Lin 2024 meta-analysis: 46% burnout among ICU and ED
  // physicians and nurses), the pharmacy below; the sizes are judgements, not measurements.
  h.units = {
      Unit{"ICU", {150, 40, 35, 10}, std::nullopt, 1.1},    Unit{"ED", {150, 40, 40, 10}, std::nullopt, 1.12},
      Unit{"surgery", {140, 40, 45, 5}, std::nullopt, 1.0}, Unit{"medicine", {140, 30, 30, 10}, std::nullopt, 0.98},
      Unit{"pharmacy", {20, 0, 0, 65}, std::nullopt, 0.85},
  };
  return h;
}

int Hospital::establishment() const {
  int total = 0;
  for (const auto& u : units) total += u.establishment();
  return total;
}

std::vector<std::string> Hospital::unit_names() const {
  std::vector<std::string> names;
  for (const auto& u : units) names.push_back(u.name);
  return names;
}

std::size_t Hospital::unit_index(std::string_view unit_name) const {
  for (std::size_t i = 0; i < units.size(); ++i) {
    if (units[i].name == unit_name) return i;
  }
  core::throw_unknown_name("unit", unit_name, unit_names());
}

void Hospital::validate() const {
  if (units.empty()) throw InvalidValue("hospital '" + name + "' has no units; give at least one");
  std::set<std::string> seen;
  for (const auto& u : units) {
    if (u.name.empty()) throw InvalidValue("hospital '" + name + "': a unit has an empty name");
    if (!seen.insert(u.name).second)
      throw InvalidValue("hospital '" + name + "': unit name '" + u.name + "' is used twice");
    for (std::size_t r = 0; r < kRoles; ++r) {
      if (u.headcount[r] < 0 || u.headcount[r] > 1000000) {
        throw InvalidValue("unit '" + u.name + "': headcount of " + std::string(kRoleNames[r]) + " = " +
                           std::to_string(u.headcount[r]) + " is out of range; allowed 0 to 1000000");
      }
    }
    if (u.establishment() == 0) throw InvalidValue("unit '" + u.name + "' has no clinicians");
    if (!std::isfinite(u.workload) || u.workload < 0.0 || u.workload > 10.0) {
      throw InvalidValue("unit '" + u.name + "': workload = " + core::format_number(u.workload) +
                         " is out of range; allowed 0 to 10 (1 is an average unit)");
    }
    if (u.initial_hazards &&
        (!std::isfinite(*u.initial_hazards) || *u.initial_hazards < 0.0 || *u.initial_hazards > 1000.0)) {
      throw InvalidValue("unit '" + u.name + "': initial_hazards = " + core::format_number(*u.initial_hazards) +
                         " is out of range; allowed 0 to 1000 (leave it out for the parameter initial_hazards)");
    }
  }
}

}  // namespace culturesim
