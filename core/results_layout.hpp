// The shape of one experiment's results, named by the caller (the core knows no clinicians):
// output series, scenarios, replicates and periods with their coordinates. Used to create a
// results file, and to check that a file being resumed or merged holds the same experiment.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "core/series.hpp"

namespace culturesim::core {

/// A fixed-length array each run may carry besides its series (a saved end state, say):
/// /arrays/<name>, (scenario, replicate, element), float64.
struct RunArraySpec {
  std::string name;
  std::size_t length = 0;
  std::string description;
  bool operator==(const RunArraySpec&) const = default;
};

struct ResultsLayout {
  std::vector<SeriesSpec> series;  ///< one dataset per output: /series/<name>, (scenario, replicate, period), float64
  std::vector<std::string> scenarios;  ///< scenario names, in order
  std::size_t replicates = 0;
  std::size_t periods = 0;
  std::vector<double> period_start_day;  ///< length periods; /coords/period_start_day (and period_start_year = day/365)
  std::vector<double> period_days;       ///< length periods: how many days each period covers
  std::vector<RunArraySpec> arrays;      ///< optional per-run arrays, written after the series
};

/// Throws InvalidValue unless the layout is usable: at least one series, scenario, replicate and
/// period; series and scenario names non-empty, unique, without '/' or NUL and not "."; coordinate
/// vectors of length `periods`; array names likewise, each array at least one element long.
void validate_layout(const ResultsLayout& layout);

/// How `stored` differs from `expected` (series and scenario names, replicates, periods, period
/// coordinates), as one sentence for an error message; "" when they agree. Coordinates are only
/// compared when `expected` has them.
std::string layout_difference(const ResultsLayout& stored, const ResultsLayout& expected);

/// "run (scenario 1 'name', replicate 2)", for messages.
std::string run_name(const ResultsLayout& layout, std::size_t scenario, std::size_t replicate);

/// The values of one run of `layout`: series x periods, then each array's elements.
inline std::size_t run_size(const ResultsLayout& layout) {
  std::size_t n = layout.series.size() * layout.periods;
  for (const auto& a : layout.arrays) n += a.length;
  return n;
}

}  // namespace culturesim::core
