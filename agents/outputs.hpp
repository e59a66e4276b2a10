// The recorded outputs, generated from agents/output_table.def.
#pragma once
#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "core/series.hpp"

namespace culturesim {

enum class Output : std::size_t {
#define CS_OUTPUT(name, kind, unit, doc) name,
#include "agents/output_table.def"
#undef CS_OUTPUT
  count_
};
inline constexpr std::size_t kOutputs = static_cast<std::size_t>(Output::count_);

/// One period's accumulator of every output, indexed by Output.
using OutputRow = std::array<double, kOutputs>;

const std::vector<core::SeriesSpec>& output_specs();
std::vector<std::string> output_names();
/// Index of an output by name; throws UnknownName with the closest name suggested.
std::size_t output_index(std::string_view name);

}  // namespace culturesim
