// Simulated time: one step is one day, a year is 365 steps, outputs are kept per period: a fixed
// number of days, or a month, quarter or year of the 365-day year (core/calendar.hpp).
#pragma once
#include <cmath>
#include <cstdint>

#include "core/calendar.hpp"

namespace culturesim::core {

inline constexpr int kDaysPerYear = 365;

/// The day grid of one run: how many days, and how they fall into recording periods.
struct Clock {
  std::int64_t days = kDaysPerYear;  ///< total simulated days
  /// Days per recorded period (the last one may be shorter), or a calendar code (kRecordMonth,
  /// kRecordQuarter, kRecordYear: periods start on the first day of each month, quarter or year).
  int record_every = 30;

  std::int64_t periods() const { return days > 0 ? period_of(days - 1) + 1 : 0; }
  std::int64_t period_of(std::int64_t day) const {
    if (!is_calendar(record_every)) return day / record_every;
    const int per_year = -record_every;
    const std::int64_t year = day / kDaysPerYear;
    const int in_year = static_cast<int>(day % kDaysPerYear);
    int k = per_year - 1;
    while (k > 0 && calendar_start(record_every, k) > in_year) --k;
    return year * per_year + k;
  }
  std::int64_t period_start(std::int64_t period) const {
    if (!is_calendar(record_every)) return period * record_every;
    const int per_year = -record_every;
    return (period / per_year) * kDaysPerYear + calendar_start(record_every, static_cast<int>(period % per_year));
  }
  std::int64_t period_end(std::int64_t period) const {  // one past the last day
    const std::int64_t end = period_start(period + 1);
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
