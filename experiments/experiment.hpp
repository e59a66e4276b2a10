// An experiment: scenarios x replicates x years, run as an ensemble and written run by run to
// one HDF5 results file with its full provenance (parameters, policy, interventions, seed,
// engine version), resumable after an interruption.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "core/resources.hpp"
#include "core/results_file.hpp"
#include "experiments/ensemble.hpp"
#include "experiments/saved_states.hpp"
#include "experiments/scenario.hpp"

namespace culturesim {

struct Experiment {
  std::vector<Scenario> scenarios;
  std::size_t replicates = 20;
  EnsembleOptions options;
  /// Memory and disk the experiment may use (0: what the machine has free); checked before it starts.
  core::ResourceLimits limits;
  /// Who made the results file and why (fields of core/provenance.hpp: command, description,
  /// software versions); written when the file is created, kept as it is when it is resumed.
  core::Attributes provenance;
  /// Keep each run's end state in the file (/arrays/state.*), for other experiments to start from.
  bool save_state = false;
  /// Start every scenario's replicate r from the state replicate r of this file's scenario ended in
  /// (instead of a new hospital and a warm-up).
  std::optional<StartFrom> start;
  /// Keep the warm-up year by year (/arrays/warmup.<output>, days before day 0 in the root
  /// attribute warmup_period_start_day).
  bool record_warmup = false;

  /// Throws InvalidValue: no scenarios, duplicate scenario names, replicates outside 1 to 1e6,
  /// save_state with hospitals of different sizes, a start together with a warm-up.
  void validate() const;
  core::ResultsLayout layout() const;
  core::Attributes root_attributes() const;
};

/// Per-scenario attributes: the name, every parameter under its own name (keyed parameters as
/// arrays in the key order of the root attributes keys.<kind>), policy fields as policy.<field>,
/// interventions as text.
core::Attributes scenario_attributes(const Scenario& scenario);

/// A run's values as results files store them: its series, then (with breakdown) those by unit
/// and by role, each row-major (series, period) in layout order.
std::vector<double> run_values(const RunResult& result);

enum class FileMode {
  create,     ///< a new file; refuses to overwrite an existing one
  overwrite,  ///< a new file, replacing an existing one
  resume,     ///< continue an existing file of the same experiment (a new one if none exists)
};

/// Opens the results file for `experiment` as `mode` says. With resume, the stored layout,
/// seed, days and scenario definitions must equal this experiment's (ResultsFileError otherwise);
/// that is checked before anything is written, so a refused resume leaves the file as it was.
core::ResultsFile open_results_file(const Experiment& experiment, const std::string& path, FileMode mode);

/// The runs of `experiment` that `file` does not hold yet, scenario-major.
std::vector<RunId> pending_runs(const Experiment& experiment, const core::ResultsFile& file);

/// Runs every pending run (or only those in `subset`) and writes each to the file as it
/// finishes. Returns how many runs were computed. Before any run starts, the memory and disk they
/// need are checked against experiment.limits (InsufficientResources).
std::size_t run_experiment(const Experiment& experiment, const std::string& path, FileMode mode,
                           const std::vector<RunId>* subset = nullptr, EnsembleProgress* progress = nullptr,
                           core::CancellationToken* cancel = nullptr);

}  // namespace culturesim
