// The hot state of every clinician, as structure of arrays: one vector per field, one slot per
// post in the hospital's establishment (a slot is either a clinician on staff or a vacancy).
// Slots are grouped by unit, so a unit is a contiguous range [begin, end).
#pragma once
#include <cstdint>
#include <vector>

#include "agents/categories.hpp"

namespace culturesim {

/// Bits of ClinicianState::sv_flags: what happened during the current second-victim episode.
enum SvFlag : std::uint8_t { sv_consoled = 1, sv_fixed = 2, sv_punished = 4 };
/// Bits of ClinicianState::day_flags: what happened to the clinician today (cleared each day).
enum DayFlag : std::uint8_t { day_reported = 1, day_leaves_quit = 2, day_leaves_dismissed = 4, day_hired = 8 };

inline constexpr std::int32_t kNever = -1'000'000'000;

struct ClinicianState {
  // who and where
  std::vector<Role> role;
  std::vector<std::uint16_t> unit;
  std::vector<std::int32_t> tenure_days;
  std::vector<std::uint8_t> active;    ///< 1 on staff, 0 vacancy waiting to be refilled
  std::vector<std::int32_t> refill_day;  ///< for a vacancy: the day a new hire starts
  // traits
  std::vector<std::uint8_t> reckless;
  std::vector<double> sensitivity;
  std::vector<double> job_demand;     ///< own job demands (mean 1), scaling the chronic strain
  // dynamic state
  std::vector<double> distress;       ///< D >= 0
  std::vector<double> moral_residue;  ///< R >= 0
  std::vector<double> burnout;        ///< B in [0, 1]
  std::vector<double> shortcut;       ///< S in [0, 1]
  std::vector<double> psych_safety;   ///< P in [0, 1]
  std::vector<double> report_value;   ///< U in [0, 1]
  // second-victim episode
  std::vector<std::uint8_t> sv_in_episode;
  std::vector<std::uint8_t> sv_flags;
  std::vector<std::int32_t> sv_start_day;
  std::vector<std::int32_t> sv_last_start_day;
  std::vector<std::int32_t> sv_last_end_day;  ///< the day the latest episode ended
  std::vector<std::uint16_t> departures;      ///< departures from this post since the run began (saturating)
  std::vector<std::uint16_t> errors;          ///< errors made on this post since the run began (wrapping)
  std::vector<std::uint16_t> major_errors;     ///< of which with moderate or severe harm (wrapping)
  // today's own events, read by colleagues after everyone acted (cleared each day)
  std::vector<std::uint8_t> day_flags;
  std::vector<std::uint8_t> own_severe;           ///< severe-harm events today
  std::vector<std::uint8_t> own_punished_human;   ///< human errors punished today
  std::vector<std::uint8_t> own_fixes;            ///< hazards fixed after own events today

  std::size_t size() const { return role.size(); }

  void resize(std::size_t n) {
    role.resize(n);
    unit.resize(n);
    tenure_days.resize(n);
    active.resize(n);
    refill_day.resize(n);
    reckless.resize(n);
    sensitivity.resize(n);
    job_demand.resize(n);
    distress.resize(n);
    moral_residue.resize(n);
    burnout.resize(n);
    shortcut.resize(n);
    psych_safety.resize(n);
    report_value.resize(n);
    sv_in_episode.resize(n);
    sv_flags.resize(n);
    sv_start_day.resize(n);
    sv_last_start_day.resize(n);
    sv_last_end_day.resize(n);
    departures.resize(n);
    errors.resize(n);
    major_errors.resize(n);
    day_flags.resize(n);
    own_severe.resize(n);
    own_punished_human.resize(n);
    own_fixes.resize(n);
  }

  /// Bytes of state per clinician slot (the performance budget is 256).
  static constexpr std::size_t bytes_per_clinician() {
    // role, unit, departures, errors, major_errors; tenure, refill, sv_start, sv_last_start, sv_last_end;
    // 8 doubles; 8 byte-sized fields.
    return sizeof(Role) + 4 * sizeof(std::uint16_t) + 5 * sizeof(std::int32_t) + 8 * sizeof(double) +
           8 * sizeof(std::uint8_t);
  }
};

}  // namespace culturesim
