// Recording calendars: how a run's days fall into recorded periods. A period is either a fixed
// number of days (record_every > 0) or a month, quarter or year of the model's 365-day year
// (record_every = -12, -4 or -1: minus the periods per year). Calendar periods never leave a
// short period at the end of a whole-year run, and a year's periods always sum to 365 days, so
// yearly totals do not jump as they do with 30-day periods (12 or 13 of them a year).
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace culturesim::core {

inline constexpr int kRecordMonth = -12;
inline constexpr int kRecordQuarter = -4;
inline constexpr int kRecordYear = -1;

/// The model's 365-day year: no leap days (one step is one day, a year is 365 steps).
inline constexpr std::array<int, 12> kMonthDays{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

/// Whether record_every names a calendar (month, quarter, year) rather than a number of days.
constexpr bool is_calendar(int record_every) {
  return record_every == kRecordMonth || record_every == kRecordQuarter || record_every == kRecordYear;
}

/// Day of the 365-day year on which calendar period k (0 <= k < periods per year) starts.
constexpr int calendar_start(int record_every, int k) {
  const int months_per_period = 12 / -record_every;
  int day = 0;
  for (int m = 0; m < k * months_per_period; ++m) day += kMonthDays[static_cast<std::size_t>(m)];
  return day;
}

/// "month", "quarter", "year" or "N days", for messages, reprs and the results file.
inline std::string recording_name(int record_every) {
  switch (record_every) {
    case kRecordMonth: return "month";
    case kRecordQuarter: return "quarter";
    case kRecordYear: return "year";
    default: return std::to_string(record_every) + (record_every == 1 ? " day" : " days");
  }
}

/// The record_every code of "month", "quarter" or "year"; nullopt for any other text.
inline std::optional<int> calendar_code(std::string_view name) {
  if (name == "month") return kRecordMonth;
  if (name == "quarter") return kRecordQuarter;
  if (name == "year") return kRecordYear;
  return std::nullopt;
}

}  // namespace culturesim::core
