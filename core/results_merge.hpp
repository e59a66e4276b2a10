// Merging the results files of shards of one experiment (cluster workers, split sweeps) into one.
// Lives in the engine next to the writer, so the merge checks the same locks, layouts and
// checksums as every other reader and writer of a results file.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "core/attributes.hpp"

namespace culturesim::core {

/// Writes to `out` every run finished in any of `parts` and returns how many runs `out` holds.
/// The parts must be verified (checksums) results files of one experiment (equal definition
/// checksums); the message names the first part that differs and what differs. A run finished in
/// two parts must have bit-identical values in both. Parts are only read; none may be being
/// written. `out` must not be a part and is refused if it exists, unless `overwrite`. It is built
/// under a temporary name and appears only when complete, never replacing a file that appeared
/// meanwhile (unless `overwrite`).
/// Provenance: `out` gets `provenance` (the merging command and software; completed as by
/// ResultsFile::create), the parts' description when the caller gives none (their distinct
/// descriptions joined by " | "), and `merged_from`: one line per part with its file name, creation
/// time, command and engine (and, indented, the lines of a part that was itself merged).
std::size_t merge_results(const std::vector<std::string>& parts, const std::string& out, bool overwrite,
                          const Attributes& provenance = {});

}  // namespace culturesim::core
