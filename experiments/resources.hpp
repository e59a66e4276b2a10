// Estimates of the memory and disk a run or an experiment will need, from the model's sizes (the
// core only adds them up and compares them with limits and what the machine has free).
#pragma once
#include <cstddef>

#include "agents/simulation.hpp"
#include "core/resources.hpp"
#include "experiments/scenario.hpp"

namespace culturesim {

struct Experiment;

/// Bytes of model state per clinician: the ClinicianState fields (about 92 bytes) plus the
/// per-unit peer lists and scratch arrays of a step, rounded up so the estimate errs high.
inline constexpr double kStateBytesPerClinician = 160;
/// Bytes of one snapshot per clinician (the Snapshot fields, 80 bytes), twice: the engine's copy and
/// the NumPy arrays handed to Python.
inline constexpr double kSnapshotBytesPerClinician = 2 * 80;

/// Bytes a scenario's definition takes while an experiment is built (the engine's Scenario and
/// Python's cs.Scenario with its parameters: 36 kB measured for a 5000-point sweep), rounded up.
/// A sweep of 100000 points needs gigabytes before any run starts, so that memory counts too.
inline constexpr double kScenarioDefinitionBytes = 64 * 1024;

/// One run of `scenario` with `options`: its state, recorded series and snapshots (memory only).
core::ResourceNeeds run_needs(const Scenario& scenario, const RunOptions& options);

/// `runs` runs of `experiment` into a results file: as many runs in flight as threads (state and
/// series each) in memory, and every run's series uncompressed on disk (an upper bound; the file
/// is compressed).
core::ResourceNeeds experiment_needs(const Experiment& experiment, std::size_t runs);

}  // namespace culturesim
