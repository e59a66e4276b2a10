// The hospital: a list of units, each with a head count per role and its latent hazards.
// Peers are the clinicians of the same unit; all interactions stay inside a unit.
#pragma once
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agents/categories.hpp"

namespace culturesim {

struct Unit {
  std::string name;
  std::array<int, kRoles> headcount{};      ///< establishment per role (nurse, resident, attending, pharmacist)
  std::optional<double> initial_hazards{};  ///< latent hazards at the start; none: the parameter initial_hazards
  double workload = 1.0;                    ///< relative job demands of the unit (acuity, pace), scaling chronic strain

  int establishment() const;
  bool operator==(const Unit&) const = default;
};

struct Hospital {
  std::string name = "default";
  std::vector<Unit> units;

  /// The embedded default hospital: about 1,000 clinicians in ICU, ED, surgery, medicine and
  /// pharmacy (60% nurses, 15% residents, 15% attendings, 10% pharmacists).
  static Hospital default_hospital();

  int establishment() const;
  std::size_t unit_index(std::string_view unit_name) const;  ///< throws UnknownName
  std::vector<std::string> unit_names() const;
  /// Throws InvalidValue: no units, empty or duplicate names, negative head counts, an empty unit.
  void validate() const;

  bool operator==(const Hospital&) const = default;
};

}  // namespace culturesim
