// Provenance of a results file: when it was made, by which software, by which command or script,
// and why (a free-text description). Stored as the attributes of the group /provenance, outside
// the definition checksum, so two shards of one experiment made at different times by different
// commands still merge; the group carries its own checksum (provenance_crc32), verified on open.
// This table is the one place the attribute names are defined (docs/results-format.md lists them).
#pragma once
#include <span>
#include <string>
#include <string_view>

#include "core/attributes.hpp"

namespace culturesim::core {

/// The HDF5 group holding the provenance attributes.
inline constexpr std::string_view kProvenanceGroup = "provenance";
/// The group's attribute holding the CRC-32 of the other provenance attributes.
inline constexpr std::string_view kProvenanceChecksum = "provenance_crc32";

struct ProvenanceField {
  std::string_view name;
  bool list;  ///< a string array (one line per entry); otherwise one string
  std::string_view description;
};

/// Every provenance attribute, in the order written. Callers may give any of them; the engine fills
/// `created`, `software.culturesim` and `software.hdf5` itself when they are not given.
std::span<const ProvenanceField> provenance_fields();

/// The current time in UTC as ISO 8601 to the second, e.g. "2026-12-01T23:04:05Z".
std::string utc_now();

/// The version of the HDF5 library the engine runs with, e.g. "1.10.8".
std::string hdf5_version();

/// The caller's provenance checked and completed, in table order: every name must be a field of
/// provenance_fields() with the right type (InvalidValue names the field and what is allowed), and
/// `created`, `software.culturesim` and `software.hdf5` are filled when absent.
Attributes complete_provenance(const Attributes& given);

}  // namespace culturesim::core
