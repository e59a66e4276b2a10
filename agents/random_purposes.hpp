// Why a draw is made: the `purpose` word of the Philox counter (entity, day, purpose, index).
// Never reorder or reuse a value: that would change every result of the model.
#pragma once
#include <cstdint>

namespace culturesim {

enum Purpose : std::uint64_t {
  purpose_init = 1,            ///< initial traits and tenure of a clinician (day 0)
  purpose_daily = 2,           ///< error count, shortcut day, quit, reckless acts
  purpose_error_event = 3,     ///< one error: index 4k .. 4k+3 for the k-th error of the day
  purpose_reckless_event = 4,  ///< one reckless act: index 4k .. 4k+3
  purpose_hire = 5,            ///< traits of a new hire
  purpose_unit_hazards = 6,    ///< hazard arrivals and retirements of a unit
};

/// Units draw with entity ids above every clinician slot.
inline constexpr std::uint64_t kUnitEntityBase = std::uint64_t{1} << 40;

}  // namespace culturesim
