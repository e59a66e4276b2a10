// A block of recorded time series: one row per output, one column per period. The engine core
// knows no output names; the model describes its outputs with SeriesSpec.
#pragma once
#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace culturesim::core {

/// What one recorded output is: its name, unit, how it aggregates, and what it means.
struct SeriesSpec {
  std::string name;
  std::string unit;
  std::string kind;  ///< "flow" (summed over the period) or "level" (value at the period's end)
  std::string description;
};

/// Row-major (output, period) table of doubles.
class SeriesTable {
 public:
  SeriesTable() = default;
  SeriesTable(std::size_t outputs, std::size_t periods)
      : outputs_(outputs), periods_(periods), values_(outputs * periods, 0.0) {}

  std::size_t outputs() const { return outputs_; }
  std::size_t periods() const { return periods_; }
  double& at(std::size_t output, std::size_t period) { return values_[output * periods_ + period]; }
  double at(std::size_t output, std::size_t period) const { return values_[output * periods_ + period]; }
  std::span<const double> row(std::size_t output) const { return {values_.data() + output * periods_, periods_}; }
  std::span<const double> values() const { return values_; }
  std::span<double> values() { return values_; }

 private:
  std::size_t outputs_ = 0;
  std::size_t periods_ = 0;
  std::vector<double> values_;
};

}  // namespace culturesim::core
