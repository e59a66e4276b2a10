#include "core/results_merge.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "core/errors.hpp"
#include "core/file_lock.hpp"
#include "core/results_file.hpp"

namespace culturesim::core {
namespace {

std::string in_quotes(const std::string& path) { return "'" + path + "'"; }

Attributes without_reserved(Attributes attributes) {
  std::erase_if(attributes, [](const auto& item) {
    return item.first == "format" || item.first == "format_version" || item.first == "definition_crc32";
  });
  return attributes;
}

/// A short text of an attribute value for messages: 30, 0.5, 'text', [3 values].
std::string brief(const AttributeValue& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::int64_t>) {
          return std::to_string(v);
        } else if constexpr (std::is_same_v<T, double>) {
          std::ostringstream out;
          out << v;
          return out.str();
        } else if constexpr (std::is_same_v<T, std::string>) {
          return "'" + (v.size() <= 40 ? v : v.substr(0, 37) + "...") + "'";
        } else {
          return "[" + std::to_string(v.size()) + " values]";
        }
      },
      value);
}

/// What differs between the definitions of two files whose definition checksums differ: root
/// attributes first (they name the setting: seed, days, ...), then the layout, then the scenarios.
std::string definition_difference(const ResultsFile& part, const ResultsFile& first) {
  const Attributes mine = without_reserved(part.root_attributes());
  const Attributes theirs = without_reserved(first.root_attributes());
  for (const auto& [name, value] : theirs) {
    const AttributeValue* other = find_attribute(mine, name);
    if (other == nullptr) return "its root attribute '" + name + "' is missing";
    if (*other != value) {
      return "its root attribute '" + name + "' differs (" + brief(*other) + " vs " + brief(value) + ")";
    }
  }
  for (const auto& [name, value] : mine) {
    if (find_attribute(theirs, name) == nullptr) return "its root attribute '" + name + "' is extra";
  }
  if (auto d = layout_difference(part.layout(), first.layout()); !d.empty()) return "its " + d;
  for (std::size_t s = 0; s < first.layout().scenarios.size(); ++s) {
    const std::string& name = first.layout().scenarios[s];
    if (part.scenario_text(s) != first.scenario_text(s)) return "its definition of scenario '" + name + "' differs";
    if (part.scenario_attributes(s) != first.scenario_attributes(s)) {
      return "its scenario '" + name + "' has other parameters";
    }
  }
  return "series metadata (units, kinds or descriptions) differ";
}

std::string text_of(const Attributes& attributes, std::string_view name) {
  const AttributeValue* v = find_attribute(attributes, name);
  return v && std::holds_alternative<std::string>(*v) ? std::get<std::string>(*v) : std::string{};
}

/// The merged file's provenance: the caller's, the parts' description if the caller gives none,
/// and one merged_from line per part.
Attributes merged_provenance(const std::vector<std::string>& parts, const std::vector<ResultsFile>& files,
                             Attributes provenance) {
  std::vector<std::string> lines;
  std::vector<std::string> descriptions;
  for (std::size_t k = 0; k < files.size(); ++k) {
    const Attributes& theirs = files[k].provenance();
    const std::string name = std::filesystem::path(parts[k]).filename().string();
    if (theirs.empty()) {
      lines.push_back(name + ": no provenance recorded");
      continue;
    }
    lines.push_back(name + ": created " + text_of(theirs, "created") + " by `" + text_of(theirs, "command") +
                    "`, culturesim " + text_of(theirs, "software.culturesim"));
    if (const AttributeValue* nested = find_attribute(theirs, "merged_from");
        nested && std::holds_alternative<std::vector<std::string>>(*nested)) {
      for (const auto& line : std::get<std::vector<std::string>>(*nested)) lines.push_back("  " + line);
    }
    const std::string d = text_of(theirs, "description");
    if (!d.empty() && std::find(descriptions.begin(), descriptions.end(), d) == descriptions.end()) {
      descriptions.push_back(d);
    }
  }
  if (text_of(provenance, "description").empty()) {
    std::erase_if(provenance, [](const auto& a) { return a.first == "description"; });
    std::string joined;
    for (const auto& d : descriptions) joined += (joined.empty() ? "" : " | ") + d;
    provenance.emplace_back("description", joined);
  }
  std::erase_if(provenance, [](const auto& a) { return a.first == "merged_from"; });
  provenance.emplace_back("merged_from", lines);
  return provenance;
}

}  // namespace

std::size_t merge_results(const std::vector<std::string>& parts, const std::string& out, bool overwrite,
                          const Attributes& provenance) {
  namespace fs = std::filesystem;
  if (parts.empty()) throw InvalidValue("merge needs at least one part");
  if (out.empty()) throw InvalidValue("the merged results file path is empty; give a file name such as merged.h5");
  std::error_code ec;
  const bool out_exists = fs::exists(out, ec);
  for (const auto& p : parts) {
    if (!fs::exists(p, ec)) throw ResultsFileError("results file " + in_quotes(p) + " does not exist");
    if (out_exists && fs::equivalent(p, out, ec)) {
      throw InvalidValue("the output " + in_quotes(out) + " is also one of the parts; write the merge to a new file");
    }
  }
  if (out_exists && !overwrite) {
    throw FileExists("results file " + in_quotes(out) +
                     " already exists; choose another output, or overwrite (--force) to replace it");
  }
  for (const auto& p : parts) {
    if (FileLock::held_by_someone(p)) {
      throw ResultsFileError("results file " + in_quotes(p) +
                             " is being written by a running experiment; merge it once that has finished");
    }
  }

  // Read and verify every part before anything is written.
  std::vector<ResultsFile> files;
  for (const auto& p : parts) files.push_back(ResultsFile::read(p));
  const ResultsFile& first = files.front();
  const Attributes out_provenance = merged_provenance(parts, files, provenance);
  for (std::size_t k = 1; k < files.size(); ++k) {
    if (files[k].definition_checksum() != first.definition_checksum()) {
      throw InvalidValue("results file " + in_quotes(parts[k]) + " is not a part of the same experiment as " +
                         in_quotes(parts[0]) + ": " + definition_difference(files[k], first));
    }
  }
  const ResultsLayout& layout = first.layout();
  // Two parts that both finished a run must agree on it bit for bit.
  for (std::size_t s = 0; s < layout.scenarios.size(); ++s) {
    for (std::size_t r = 0; r < layout.replicates; ++r) {
      std::size_t holder = files.size();
      std::vector<double> reference;
      for (std::size_t k = 0; k < files.size(); ++k) {
        if (!files[k].done(s, r)) continue;
        if (holder == files.size()) {
          holder = k;
          continue;
        }
        if (reference.empty()) reference = files[holder].read_run(s, r);
        const auto values = files[k].read_run(s, r);
        if (std::memcmp(values.data(), reference.data(), values.size() * sizeof(double)) != 0) {
          throw InvalidValue(run_name(layout, s, r) + " is done in both " + in_quotes(parts[holder]) + " and " +
                             in_quotes(parts[k]) +
                             " with different values; these parts do not come from the same "
                             "computation");
        }
      }
    }
  }

  std::vector<Attributes> scenario_attributes;
  std::vector<std::string> scenario_texts;
  for (std::size_t s = 0; s < layout.scenarios.size(); ++s) {
    scenario_attributes.push_back(first.scenario_attributes(s));
    scenario_texts.push_back(first.scenario_text(s));
  }
  remove_stale_creating(out);
  const std::string temp = creating_name(out);
  std::size_t written = 0;
  try {
    ResultsFile merged = ResultsFile::create(temp, layout, without_reserved(first.root_attributes()),
                                             scenario_attributes, scenario_texts, /*overwrite=*/false, out_provenance);
    if (merged.definition_checksum() != first.definition_checksum()) {
      throw ResultsFileError("results file " + in_quotes(out) +
                             ": the merged file's definition differs from its parts'");
    }
    for (std::size_t s = 0; s < layout.scenarios.size(); ++s) {
      for (std::size_t r = 0; r < layout.replicates; ++r) {
        for (const auto& part : files) {
          if (!part.done(s, r)) continue;
          merged.write_run(s, r, part.read_run(s, r));
          ++written;
          break;
        }
      }
    }
    merged.close();
    if (overwrite) {
      if (std::rename(temp.c_str(), out.c_str()) != 0) {
        const int error = errno;
        throw ResultsFileError("results file " + in_quotes(out) +
                               ": cannot move the merged file into place: " + std::strerror(error));
      }
    } else if (!rename_no_replace(temp, out)) {
      throw FileExists("results file " + in_quotes(out) +
                       " appeared while the merge was running; it was left as it is");
    }
  } catch (...) {
    std::remove(temp.c_str());
    throw;
  }
  return written;
}

}  // namespace culturesim::core
