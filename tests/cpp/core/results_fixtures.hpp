// Fixtures of the results-file tests: a temporary directory, a small layout, distinct run values.
#pragma once
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "core/results_file.hpp"

namespace culturesim::testing {

/// A fresh directory under the system temp directory, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    std::random_device device;
    path_ = std::filesystem::temp_directory_path() / ("culturesim_results_" + std::to_string(::getpid()) + "_" +
                                                      std::to_string(counter++) + "_" + std::to_string(device()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline core::ResultsLayout small_layout(std::size_t scenarios = 2, std::size_t replicates = 3,
                                        std::size_t periods = 5) {
  core::ResultsLayout layout;
  layout.series = {{"reports", "count", "flow", "incident reports filed in the period"},
                   {"staff", "persons", "level", "staff employed at the end of the period"},
                   {"burnout", "share", "level", "share of staff burnt out"}};
  for (std::size_t s = 0; s < scenarios; ++s) layout.scenarios.push_back("scenario_" + std::to_string(s));
  layout.replicates = replicates;
  layout.periods = periods;
  for (std::size_t p = 0; p < periods; ++p) {
    layout.period_start_day.push_back(30.0 * static_cast<double>(p));
    layout.period_days.push_back(30.0);
  }
  return layout;
}

/// Deterministic values of one run, distinct for every (scenario, replicate, series, period).
inline std::vector<double> run_values(const core::ResultsLayout& layout, std::size_t scenario, std::size_t replicate) {
  std::vector<double> values(core::run_size(layout));
  for (std::size_t i = 0; i < layout.series.size(); ++i) {
    for (std::size_t p = 0; p < layout.periods; ++p) {
      values[i * layout.periods + p] = 1000.0 * static_cast<double>(scenario) + 100.0 * static_cast<double>(replicate) +
                                       10.0 * static_cast<double>(i) + static_cast<double>(p) + 0.25;
    }
  }
  for (std::size_t k = layout.series.size() * layout.periods; k < values.size(); ++k) {  // run arrays
    values[k] =
        -1000.0 * static_cast<double>(scenario) - 100.0 * static_cast<double>(replicate) - static_cast<double>(k);
  }
  return values;
}

inline core::ResultsFile create_small(const std::string& path, const core::ResultsLayout& layout,
                                      bool overwrite = false) {
  return core::ResultsFile::create(path, layout, {{"engine_version", std::string("0.1.0")}}, {}, {}, overwrite);
}

/// A closed small file at `path` holding the given (scenario, replicate) runs.
inline void write_small(const std::string& path, const core::ResultsLayout& layout,
                        const std::vector<std::pair<std::size_t, std::size_t>>& runs) {
  core::ResultsFile file = create_small(path, layout);
  for (const auto& [s, r] : runs) file.write_run(s, r, run_values(layout, s, r));
}

}  // namespace culturesim::testing
