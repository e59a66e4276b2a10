#include "experiments/saved_states.hpp"

#include <algorithm>
#include <cstdint>

#include "core/checksum.hpp"
#include "core/errors.hpp"
#include "core/name_lookup.hpp"
#include "core/results_file.hpp"

namespace culturesim {
namespace {

constexpr std::string_view kPrefix = "state.";

std::string quoted(const std::string& s) { return "'" + s + "'"; }

/// The index of the start scenario in `file` (its only one when `from` names none).
std::size_t start_scenario_index(const core::ResultsFile& file, const StartFrom& from) {
  const std::string where = "start file " + quoted(from.path) + ": ";
  const auto& layout = file.layout();
  std::size_t scenario = 0;
  if (from.scenario.empty()) {
    if (layout.scenarios.size() != 1) {
      throw InvalidValue(where + "it has " + std::to_string(layout.scenarios.size()) +
                         " scenarios; name the one to start from (start_scenario), one of " + [&] {
                           std::string names;
                           for (const auto& n : layout.scenarios) names += (names.empty() ? "" : ", ") + quoted(n);
                           return names;
                         }());
    }
  } else {
    const auto it = std::find(layout.scenarios.begin(), layout.scenarios.end(), from.scenario);
    if (it == layout.scenarios.end()) {
      throw UnknownName(where + core::unknown_name_message("scenario", from.scenario, layout.scenarios));
    }
    scenario = static_cast<std::size_t>(it - layout.scenarios.begin());
  }
  return scenario;
}

}  // namespace

std::vector<core::RunArraySpec> state_run_arrays(const Hospital& hospital) {
  std::vector<core::RunArraySpec> specs;
  for (const auto& a : state_arrays(static_cast<std::size_t>(hospital.establishment()), hospital.units.size())) {
    specs.push_back({std::string(kPrefix) + a.name, a.length, a.description});
  }
  return specs;
}

std::uint32_t start_checksum(const StartFrom& from, std::size_t replicates) {
  const core::ResultsFile file = core::ResultsFile::read(from.path);
  const std::size_t scenario = start_scenario_index(file, from);
  const std::uint32_t definition = file.definition_checksum();
  std::uint32_t crc = core::crc32(std::span<const std::byte>(reinterpret_cast<const std::byte*>(&definition), 4));
  crc = core::crc32(file.layout().scenarios[scenario], crc);
  for (std::size_t r = 0; r < std::min(replicates, file.layout().replicates); ++r) {
    if (!file.done(scenario, r)) break;  // load_start_states says what is missing
    const std::uint32_t run = file.run_checksum(scenario, r);
    crc = core::crc32(std::span<const std::byte>(reinterpret_cast<const std::byte*>(&run), 4), crc);
  }
  return crc;
}

std::vector<std::shared_ptr<const HospitalState>> load_start_states(const StartFrom& from, std::size_t replicates,
                                                                    std::uint64_t seed) {
  const std::string where = "start file " + quoted(from.path) + ": ";
  const core::ResultsFile file = core::ResultsFile::read(from.path);
  const auto& layout = file.layout();
  // The state's sizes, from its arrays: a clinician field gives the posts, a unit field the units.
  std::size_t clinicians = 0, units = 0;
  bool has_state = false;
  for (const auto& a : layout.arrays) {
    if (a.name == std::string(kPrefix) + "burnout") clinicians = a.length;
    if (a.name == std::string(kPrefix) + "unit_hazards") units = a.length;
    has_state |= a.name.starts_with(kPrefix);
  }
  if (!has_state || clinicians == 0 || units == 0) {
    throw InvalidValue(where +
                       "it holds no saved hospital states; run the experiment that makes it with "
                       "save_state (save_state = true under [run], --save-state)");
  }
  const std::size_t scenario = start_scenario_index(file, from);
  if (replicates > layout.replicates) {
    throw InvalidValue(where + "it holds " + std::to_string(layout.replicates) + " replicates of " +
                       quoted(layout.scenarios[scenario]) + "; this experiment asks for " + std::to_string(replicates) +
                       " (allowed replicates 1 to " + std::to_string(layout.replicates) + ")");
  }
  const auto attrs = file.root_attributes();
  const auto* stored_seed = core::find_attribute(attrs, "seed");
  if (!stored_seed || !std::holds_alternative<std::int64_t>(*stored_seed) ||
      static_cast<std::uint64_t>(std::get<std::int64_t>(*stored_seed)) != seed) {
    throw InvalidValue(where + "its states were made with seed " +
                       (stored_seed && std::holds_alternative<std::int64_t>(*stored_seed)
                            ? std::to_string(std::get<std::int64_t>(*stored_seed))
                            : std::string("(unknown)")) +
                       ", this experiment has seed " + std::to_string(seed) +
                       "; random numbers are keyed by the seed, so carrying on needs the file's seed");
  }
  // The states' stream: the scenario's (attribute "stream", absent for the default 0).
  std::uint32_t stream = 0;
  const auto scenario_attrs = file.scenario_attributes(scenario);
  if (const auto* st = core::find_attribute(scenario_attrs, "stream")) {
    const auto* v = std::get_if<std::int64_t>(st);
    if (!v || *v < 0 || *v > static_cast<std::int64_t>(UINT32_MAX)) {
      throw InvalidValue(where + "scenario " + quoted(layout.scenarios[scenario]) +
                         " has a 'stream' attribute that is not a whole number from 0 to 4294967295");
    }
    stream = static_cast<std::uint32_t>(*v);
  }
  const std::size_t series_values = layout.series.size() * layout.periods;
  std::vector<std::shared_ptr<const HospitalState>> states;
  for (std::size_t r = 0; r < replicates; ++r) {
    if (!file.done(scenario, r)) {
      throw InvalidValue(where + "replicate " + std::to_string(r) + " of " + quoted(layout.scenarios[scenario]) +
                         " is not finished; resume that experiment first");
    }
    const auto values = file.read_run(scenario, r);
    // The state arrays, in the file's order (which is state_arrays' order, as written).
    std::vector<double> flat;
    std::size_t at = series_values;
    for (const auto& a : layout.arrays) {
      if (a.name.starts_with(kPrefix)) flat.insert(flat.end(), values.begin() + at, values.begin() + at + a.length);
      at += a.length;
    }
    try {
      states.push_back(
          std::make_shared<const HospitalState>(unflatten_state(flat, clinicians, units, seed, r, stream)));
    } catch (const InvalidValue& e) {
      throw InvalidValue(where + e.what());
    }
  }
  return states;
}

}  // namespace culturesim
