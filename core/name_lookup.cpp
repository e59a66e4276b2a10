#include "core/name_lookup.hpp"

#include <algorithm>
#include <numeric>

#include "core/errors.hpp"

namespace culturesim::core {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string closest_name(std::string_view name, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = std::string::npos;
  for (const auto& candidate : candidates) {
    std::size_t d = edit_distance(name, candidate);
    // A candidate that contains the name (or the reverse) is a strong hint even when long.
    if (candidate.find(name) != std::string::npos || name.find(candidate) != std::string::npos) {
      d = std::min<std::size_t>(d, 2);
    }
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  // Only suggest when at most about a third of the name would have to change.
  if (best_distance == std::string::npos || best_distance > std::max<std::size_t>(2, name.size() / 3)) {
    return {};
  }
  return best;
}

std::string unknown_name_message(std::string_view what, std::string_view name,
                                 const std::vector<std::string>& candidates) {
  std::string message = "unknown " + std::string(what) + " '" + std::string(name) + "'";
  const std::string suggestion = closest_name(name, candidates);
  if (!suggestion.empty()) {
    message += "; did you mean '" + suggestion + "'?";
  } else if (candidates.size() <= 12) {
    message += "; allowed: ";
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      message += (i ? ", " : "") + candidates[i];
    }
  }
  return message;
}

void throw_unknown_name(std::string_view what, std::string_view name, const std::vector<std::string>& candidates) {
  throw UnknownName(unknown_name_message(what, name, candidates));
}

}  // namespace culturesim::core
