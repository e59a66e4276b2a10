// Sweeps: one base scenario varied over parameters, policy fields and the blame level, as a grid
// (the Cartesian product of values per name) or as a list of explicit points. Each point becomes
// a scenario labelled by its values ("blame=0.3,support_level=1") that carries them as
// coordinates (Scenario::coords), so results files store them and Python indexes by them.
// The TOML form is the [sweep] table of experiment files (experiments/schema.cpp).
#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "experiments/scenario.hpp"

namespace culturesim {

struct Sweep {
  /// Grid axes in order: every combination of their values is a point (the last axis varies fastest).
  std::vector<std::pair<std::string, std::vector<double>>> grid;
  /// Explicit points, each a list of (name, value); used when `grid` is empty.
  std::vector<std::vector<Coordinate>> points;
};

/// The names a sweep may vary: "blame" (the starting policy Policy::from_blame(b)), each policy
/// field, each scalar parameter, and each key of a keyed parameter as "name[key]".
std::vector<std::string> sweep_names();

/// `value` rounded to 12 significant digits, so that np.linspace(0, 1, 11)[3] is 0.3 (the value
/// run, stored and selected by `.sel(blame=0.3)`).
double sweep_value(double value);

/// Sets the quantity `name` of `scenario` to `value`. "blame" replaces the whole starting policy
/// (apply it before policy fields). Throws UnknownName (with the closest name and what is
/// allowed) or InvalidValue (naming the field and its range).
void set_swept(Scenario& scenario, std::string_view name, double value);

/// The value of the quantity `name` in `scenario`: its parameter or starting-policy field, or for
/// "blame" the b with Policy::from_blame(b) == its policy (NaN when the policy is not one).
double swept_quantity(const Scenario& scenario, std::string_view name);

/// Coordinates in their one order, by name (as TOML tables read back), so that a scenario read
/// from a file equals the one written.
void sort_coords(std::vector<Coordinate>& coords);

/// "blame=0.3,support_level=1": a point's label and scenario name (coordinates by name).
std::string sweep_label(const std::vector<Coordinate>& point);

/// The scenarios of `sweep` over `base`: one per point (the grid's last axis varying fastest),
/// named by its label, with its coordinates sorted by name.
/// Throws InvalidValue for an empty sweep, an axis without values, a repeated name or point.
/// The most points a sweep may have (each is a scenario).
inline constexpr std::size_t kMaxSweepPoints = 100'000;

/// The number of points `sweep` expands to, without expanding it (the grid's product, or the
/// explicit points); InvalidValue above kMaxSweepPoints.
std::size_t sweep_size(const Sweep& sweep);

std::vector<Scenario> expand_sweep(const Scenario& base, const Sweep& sweep);

/// Throws InvalidValue when a coordinate of `scenario` is not what the scenario runs (a name
/// sweep_names() does not know is UnknownName): coordinates label values, they do not set them.
void check_coords(const Scenario& scenario);

}  // namespace culturesim
