#include "core/provenance.hpp"

#include <hdf5.h>

#include <array>
#include <chrono>
#include <ctime>

#include "core/errors.hpp"
#include "core/version.hpp"

namespace culturesim::core {
namespace {

constexpr std::array<ProvenanceField, 10> kFields{{
    {"created", false, "when the file was created, UTC, ISO 8601 (2026-12-01T23:04:05Z)"},
    {"description", false, "the user's free-text description of the experiment (may be empty)"},
    {"command", false, "the command line, or the script or notebook, that created the file"},
    {"software.culturesim", false, "the culturesim engine's version and build"},
    {"software.python", false, "the Python version, when created from Python"},
    {"software.numpy", false, "the NumPy version, when created from Python"},
    {"software.h5py", false, "the h5py version (and the HDF5 it bundles), when created from Python"},
    {"software.hdf5", false, "the HDF5 library the engine wrote the file with"},
    {"software.pybind11", false, "the pybind11 version the Python module was built with"},
    {"merged_from", true, "for a merged file: one line per part (file, created, command)"},
}};

}  // namespace

std::span<const ProvenanceField> provenance_fields() { return kFields; }

std::string utc_now() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm parts{};
  gmtime_r(&now, &parts);
  std::array<char, 32> text{};
  std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text.data();
}

std::string hdf5_version() {
  unsigned major = 0, minor = 0, release = 0;
  H5get_libversion(&major, &minor, &release);
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(release);
}

Attributes complete_provenance(const Attributes& given) {
  std::string allowed;
  for (const auto& f : kFields) allowed += (allowed.empty() ? "" : ", ") + std::string(f.name);
  for (const auto& [name, value] : given) {
    const ProvenanceField* field = nullptr;
    for (const auto& f : kFields) {
      if (f.name == name) field = &f;
    }
    if (field == nullptr) {
      throw InvalidValue("provenance: unknown field '" + name + "'; allowed: " + allowed);
    }
    const bool ok = field->list ? std::holds_alternative<std::vector<std::string>>(value)
                                : std::holds_alternative<std::string>(value);
    if (!ok) {
      throw InvalidValue("provenance: field '" + name + "' must be " +
                         (field->list ? "a list of strings" : "a string"));
    }
  }
  check_attributes(given, "provenance");
  Attributes out;
  for (const auto& f : kFields) {
    if (const AttributeValue* v = find_attribute(given, f.name)) {
      out.emplace_back(std::string(f.name), *v);
    } else if (f.name == "created") {
      out.emplace_back("created", utc_now());
    } else if (f.name == "software.culturesim") {
      out.emplace_back("software.culturesim", std::string(kEngineVersion) + " (" + kBuildInfo + ")");
    } else if (f.name == "software.hdf5") {
      out.emplace_back("software.hdf5", hdf5_version());
    }
  }
  return out;
}

}  // namespace culturesim::core
