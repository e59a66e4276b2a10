// Hospital states saved in results files (MODEL.md 8.1): an experiment run with save_state keeps
// each run's end state as run arrays (/arrays/state.<field>), and another experiment can start
// from them (`start`), replicate r from the state of replicate r, bit-identically to those runs
// carrying on.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "agents/hospital_state.hpp"
#include "core/results_layout.hpp"
#include "experiments/scenario.hpp"

namespace culturesim {

/// Where an experiment's start states come from: a results file written with save_state, and the
/// scenario whose end states to carry on from (empty: the file's only scenario).
struct StartFrom {
  std::string path;
  std::string scenario;
  bool operator==(const StartFrom&) const = default;
};

/// The run arrays a state of `hospital` is saved as ("state." + each state_arrays() name).
std::vector<core::RunArraySpec> state_run_arrays(const Hospital& hospital);

/// The start states of replicates 0 .. replicates-1, read and verified from `from.path`. Throws
/// UnknownName for an unknown scenario (with the file's names), InvalidValue when the file has no
/// saved states, too few finished replicates, or another seed (the states' random key), and the
/// results-file errors for a missing or damaged file.
/// The checksum that pins a start by content: a CRC-32 over the start file's definition checksum,
/// the scenario's name and the stored checksums of the finished replicates 0 .. replicates-1
/// (their series and saved states). A start file replaced at the same path gives another value,
/// so a resume refuses it. Throws like load_start_states for a file that cannot be a start.
std::uint32_t start_checksum(const StartFrom& from, std::size_t replicates);

std::vector<std::shared_ptr<const HospitalState>> load_start_states(const StartFrom& from, std::size_t replicates,
                                                                    std::uint64_t seed);

}  // namespace culturesim
