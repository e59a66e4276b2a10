// Simulated time: one step is one day, a year is 365 steps, outputs are kept per period of
// `record_every` days.
#pragma once
#include <cmath>
#include <cstdint>

namespace culturesim::core {

inline constexpr int kDaysPerYear = 365;

/// The day grid of one run: how many days, and how they fall into recording periods.
struct Clock {
  std::int64_t days = kDaysPerYear;  ///< total simulated days
  int record_every = 30;             ///< days per recorded period (the last one may be shorter)

  std::int64_t periods() const { return (days + record_every - 1) / record_every; }
  std::int64_t period_of(std::int64_t day) const { return day / record_every; }
  std::int64_t period_start(std::int64_t period) const { return period * record_every; }
  std::int64_t period_end(std::int64_t period) const {  // one past the last day
    const std::int64_t end = period_start(period) + record_every;
    return end < days ? end : days;
  }
  static constexpr double years_of(std::int64_t day) { return static_cast<double>(day) / kDaysPerYear; }
  /// The day `years` after the start, rounded half to even (as Python's round(), so a file read by
  /// the engine and the same numbers given to the Python API agree: 0.5 years is day 182).
  static std::int64_t day_of_year(double years) {
    return static_cast<std::int64_t>(std::nearbyint(years * kDaysPerYear));
  }
};

}  // namespace culturesim::core
