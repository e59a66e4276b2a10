// One day of one unit: the dynamics of shared/MODEL.md section 3, as a pure function of
// (state, day, random stream). Phases:
//   A. each clinician, on its own slot: drain, errors, reporting, the organisation's response,
//      learning, distress, moral residue, disclosure, quit decisions;
//   B. the unit, serially in slot order: what colleagues saw (severe harm, punishment, fixes),
//      hazards fixed, arriving and retiring;
//   C. each clinician: witnessing, psychological safety, report value, burnout, shortcuts,
//      episode ends, departures, tenure;
//   D. the unit, serially: means that tomorrow's social learning and new hires use.
// Cross-agent effects are computed in a fixed order, so results are identical on any thread count.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "agents/clinician_state.hpp"
#include "agents/hospital.hpp"
#include "agents/outputs.hpp"
#include "agents/parameters.hpp"
#include "agents/policy.hpp"
#include "core/random_stream.hpp"

namespace culturesim {

/// Constants derived from (parameters, policy); rebuilt whenever either changes.
struct DayConstants {
  double drain = 1.0;  ///< exp(-alpha_base): the bucket's daily drain factor
  /// exp(-(alpha_base + alpha_support * support_level)): the drain during a second-victim episode,
  /// when tiered support reaches the clinician (support shortens episodes; it prevents no events)
  double drain_episode = 1.0;
  /// The drain during an episode of a clinician who was consoled in it: emotional first aid is
  /// support too, at least console_support whatever the programme (support_level).
  double drain_consoled = 1.0;
  double moral_keep = 1.0;  ///< exp(-moral_decay)
  ByRole quit_per_day{};    ///< quit_rate / 365
  double hazard_arrival_per_day = 0.0;
  double hazard_retire_prob = 0.0;     ///< daily probability that one hazard retires
  double support_cost_per_day = 0.0;   ///< per clinician on staff
  double training_cost_per_day = 0.0;  ///< per clinician on staff
  std::vector<double> novice;          ///< novice(t) - 1 by tenure day, until it is negligible

  static DayConstants make(const Params& params, const Policy& policy);
  double novice_excess(std::int32_t tenure, const Params& params) const;
};

/// A unit's place in the state and its unit-level state.
struct UnitState {
  std::size_t begin = 0;  ///< first slot
  std::size_t end = 0;    ///< one past the last slot
  std::size_t index = 0;  ///< position in the hospital
  std::int64_t hazards = 0;
  double workload = 1.0;              ///< the unit's relative job demands (Unit::workload)
  std::int64_t quiet_days = 1 << 20;  ///< days since a human error was last punished in the unit
  // Means over clinicians on staff at the end of the previous day (social learning, new hires).
  double mean_shortcut = 0.0;
  double mean_safety = 0.0;
  double mean_value = 0.0;
  std::int64_t headcount = 0;
  std::int64_t vacancies = 0;

  std::size_t establishment() const { return end - begin; }
};

struct DayInputs {
  std::int64_t day;
  const Params& params;
  const Policy& policy;
  const DayConstants& constants;
  const core::RandomStream& rng;
};

/// Initial state of one slot (day 0): traits, tenure drawn from the role's steady state.
void init_clinician(ClinicianState& s, std::size_t slot, Role role, std::uint16_t unit, const Params& params,
                    const core::RandomStream& rng);

/// Steps one unit by one day, adding the day's flows to `period`.
void step_unit_day(ClinicianState& s, UnitState& unit, const DayInputs& in, OutputRow& period);

/// One accumulator per role (a run recording per-role series, RunOptions::breakdown).
using RoleRows = std::array<OutputRow, kRoles>;

/// step_unit_day with each clinician's flows added to the row of its role (the unit's costs per
/// head to each role by its head count). The same day: the phases run over each run of
/// same-role slots in slot order, as a large unit's chunks do, so the state evolves identically.
void step_unit_day_by_role(ClinicianState& s, UnitState& unit, const DayInputs& in, RoleRows& by_role);

/// Recomputes the unit's means, head count and vacancies from the state.
void refresh_unit_means(const ClinicianState& s, UnitState& unit);

}  // namespace culturesim
