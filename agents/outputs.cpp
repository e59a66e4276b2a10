#include "agents/outputs.hpp"

#include "core/name_lookup.hpp"

namespace culturesim {

const std::vector<core::SeriesSpec>& output_specs() {
  static const std::vector<core::SeriesSpec> specs = {
#define CS_OUTPUT(name, kind, unit, doc) core::SeriesSpec{#name, unit, #kind, doc},
#include "agents/output_table.def"
#undef CS_OUTPUT
  };
  return specs;
}

std::vector<std::string> output_names() {
  std::vector<std::string> names;
  for (const auto& s : output_specs()) names.push_back(s.name);
  return names;
}

std::size_t output_index(std::string_view name) {
  const auto& specs = output_specs();
  for (std::size_t i = 0; i < specs.size(); ++i) {
    if (specs[i].name == name) return i;
  }
  core::throw_unknown_name("output", name, output_names());
}

}  // namespace culturesim
