#include "core/results_layout.hpp"

#include <algorithm>
#include <set>
#include <sstream>

#include "core/errors.hpp"

namespace culturesim::core {
namespace {

void check_name(const std::string& name, const std::string& what) {
  if (name.empty()) throw InvalidValue("results layout: " + what + " names must be non-empty");
  if (name == "." || name.find('/') != std::string::npos || name.find('\0') != std::string::npos) {
    throw InvalidValue("results layout: " + what + " name '" + name +
                       "' must not contain '/' or a NUL character or be '.'");
  }
}

std::string join(const std::vector<std::string>& names, std::size_t limit = 8) {
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < limit; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > limit) out += ", ... (" + std::to_string(names.size()) + " in all)";
  return out;
}

/// Describes how two ordered name lists differ, or "" when they are equal.
std::string name_difference(const std::string& what, const std::vector<std::string>& in_file,
                            const std::vector<std::string>& expected) {
  if (in_file == expected) return {};
  std::vector<std::string> missing;  // expected but not in the file
  std::vector<std::string> extra;    // in the file but not expected
  for (const auto& name : expected) {
    if (std::find(in_file.begin(), in_file.end(), name) == in_file.end()) missing.push_back(name);
  }
  for (const auto& name : in_file) {
    if (std::find(expected.begin(), expected.end(), name) == expected.end()) extra.push_back(name);
  }
  std::string out = what + " differ (file has " + std::to_string(in_file.size()) + ", experiment has " +
                    std::to_string(expected.size()) + ")";
  if (!missing.empty()) out += "; not in the file: " + join(missing);
  if (!extra.empty()) out += "; not in the experiment: " + join(extra);
  if (missing.empty() && extra.empty()) out += "; same names in a different order";
  return out;
}

}  // namespace

std::string layout_difference(const ResultsLayout& stored, const ResultsLayout& expected) {
  std::vector<std::string> problems;
  auto series_names = [](const ResultsLayout& l) {
    std::vector<std::string> names;
    for (const auto& s : l.series) names.push_back(s.name);
    return names;
  };
  if (auto d = name_difference("series", series_names(stored), series_names(expected)); !d.empty()) {
    problems.push_back(d);
  }
  if (stored.arrays != expected.arrays) {
    std::vector<std::string> a, b;
    for (const auto& x : stored.arrays) a.push_back(x.name + "[" + std::to_string(x.length) + "]");
    for (const auto& x : expected.arrays) b.push_back(x.name + "[" + std::to_string(x.length) + "]");
    if (auto d = name_difference("run arrays", a, b); !d.empty()) {
      problems.push_back(d);
    } else {
      problems.push_back("run arrays' descriptions differ");
    }
  }
  if (auto d = name_difference("scenarios", stored.scenarios, expected.scenarios); !d.empty()) problems.push_back(d);
  if (stored.replicates != expected.replicates) {
    problems.push_back("replicates differ (file has " + std::to_string(stored.replicates) + ", experiment has " +
                       std::to_string(expected.replicates) + ")");
  }
  if (stored.periods != expected.periods) {
    problems.push_back("periods differ (file has " + std::to_string(stored.periods) + ", experiment has " +
                       std::to_string(expected.periods) + ")");
  } else {
    auto compare = [&](const char* name, const std::vector<double>& a, const std::vector<double>& b) {
      if (b.size() != a.size()) return;  // the caller gave no coordinates
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i] != b[i]) {
          std::ostringstream out;
          out << name << " differs from period " << i << " on (file has " << a[i] << ", experiment has " << b[i] << ")";
          problems.push_back(out.str());
          return;
        }
      }
    };
    compare("period_start_day", stored.period_start_day, expected.period_start_day);
    compare("period_days", stored.period_days, expected.period_days);
  }
  std::string out;
  for (std::size_t i = 0; i < problems.size(); ++i) out += (i ? "; " : "") + problems[i];
  return out;
}

std::string run_name(const ResultsLayout& layout, std::size_t scenario, std::size_t replicate) {
  return "run (scenario " + std::to_string(scenario) + " '" + layout.scenarios[scenario] + "', replicate " +
         std::to_string(replicate) + ")";
}

void validate_layout(const ResultsLayout& layout) {
  if (layout.series.empty()) throw InvalidValue("results layout: at least one series is required");
  if (layout.scenarios.empty()) throw InvalidValue("results layout: at least one scenario is required");
  if (layout.replicates == 0) throw InvalidValue("results layout: replicates must be at least 1");
  if (layout.periods == 0) throw InvalidValue("results layout: periods must be at least 1");
  std::set<std::string> seen;
  for (const auto& spec : layout.series) {
    check_name(spec.name, "series");
    if (!seen.insert(spec.name).second) throw InvalidValue("results layout: duplicate series '" + spec.name + "'");
  }
  seen.clear();
  for (const auto& name : layout.scenarios) {
    check_name(name, "scenario");
    if (!seen.insert(name).second) throw InvalidValue("results layout: duplicate scenario '" + name + "'");
  }
  seen.clear();
  for (const auto& spec : layout.arrays) {
    check_name(spec.name, "array");
    if (!seen.insert(spec.name).second) throw InvalidValue("results layout: duplicate array '" + spec.name + "'");
    if (spec.length == 0)
      throw InvalidValue("results layout: array '" + spec.name + "' must have at least one element");
  }
  if (layout.period_start_day.size() != layout.periods) {
    throw InvalidValue("results layout: period_start_day has " + std::to_string(layout.period_start_day.size()) +
                       " values; it must have one per period (" + std::to_string(layout.periods) + ")");
  }
  if (layout.period_days.size() != layout.periods) {
    throw InvalidValue("results layout: period_days has " + std::to_string(layout.period_days.size()) +
                       " values; it must have one per period (" + std::to_string(layout.periods) + ")");
  }
}

}  // namespace culturesim::core
