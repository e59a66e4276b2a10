// "Did you mean ...?" for unknown names: the closest valid name by edit distance.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace culturesim::core {

/// Levenshtein edit distance between two names.
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The closest of `candidates` to `name`, or "" when none is plausibly meant.
std::string closest_name(std::string_view name, const std::vector<std::string>& candidates);

/// Message for an unknown name: "unknown parameter 'alpha_bse'; did you mean 'alpha_base'?"
std::string unknown_name_message(std::string_view what, std::string_view name,
                                 const std::vector<std::string>& candidates);

/// Throws UnknownName with unknown_name_message(...).
[[noreturn]] void throw_unknown_name(std::string_view what, std::string_view name,
                                     const std::vector<std::string>& candidates);

}  // namespace culturesim::core
