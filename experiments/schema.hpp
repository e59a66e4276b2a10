// The one scenario schema: experiment files and scenario files in TOML, read into Scenario
// structs and written back. The definition stored in every results file (Scenario::to_toml) is
// this same form, so a stored scenario re-runs exactly and a new scenario field is added here
// only (docs/contributing.md). Python reads files through this module (_engine.load_experiment).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/calendar.hpp"
#include "experiments/experiment.hpp"
#include "experiments/scenario.hpp"

namespace culturesim {

/// The run settings of an experiment file, as written (years before rounding to days).
struct RunSettings {
  double years = 30.0;
  std::size_t replicates = 20;
  std::uint64_t seed = 0;
  /// Days per recorded period, or a calendar (core/calendar.hpp). Files default to months: 12
  /// periods a year whose yearly totals never jump, and no short period at the end of a run.
  int record_every = core::kRecordMonth;
  /// Years the hospital lives under warmup_policy before day 0 (MODEL.md 8.1). The default is
  /// twice the time typical practice's slow states need to settle (docs/model.md, "Warm start").
  double warmup_years = 20.0;
  Policy warmup_policy = Policy::typical();
  bool save_state = false;     ///< keep each run's end state in the results file
  bool record_warmup = false;  ///< keep the warm-up year by year in the results file
  std::string start;           ///< a results file with saved states to carry on from ("" = none)
  std::string start_scenario;  ///< whose states ("" = the file's only scenario)
  /// Also record every output per unit and per role (RunOptions::breakdown).
  bool breakdown = false;

  std::int64_t days() const;
  std::int64_t warmup_days() const;
};

/// The most parameter draws a file may ask for ([params] draws = N): each draw runs every scenario
/// x replicates on its own random-number stream, so draws multiply an experiment's runs.
inline constexpr std::int64_t kMaxDraws = 10'000;

/// Parameter draws asked for in the file's top-level [params] table: `posterior = "default"` (the
/// posterior shipped with the package) or the path of a posterior file (relative to the file), and
/// `draws = N`. The Python package reads the posterior and samples it (culturesim.draws).
struct DrawsRequest {
  std::string posterior;   ///< as written; "" = no draws
  std::int64_t draws = 0;  ///< 0 = not given: the package's default number of draws
  std::string location;    ///< "SOURCE, line N: params" for messages about the posterior file
};

/// The intervention kinds of the files: set, ramp, launch_support, fix_friction.
const std::vector<std::string>& intervention_kinds();

/// What a file held: its settings and scenarios, and what the user should know, which Python
/// shows as warnings: old names that still load, interventions that never act.
struct LoadedExperiment {
  RunSettings settings;
  std::vector<Scenario> scenarios;
  DrawsRequest draws;
  std::vector<std::string> deprecations;  ///< old names, each with the name to write instead
  std::vector<std::string> notes;         ///< interventions after the run's end

  Experiment experiment() const;  ///< settings and scenarios as an Experiment (validated)
};

/// Parses an experiment file, or a scenario file (one scenario at the top level, called
/// `default_name` unless it has a name). `source` names the text in messages.
/// Throws InvalidValue / UnknownName "SOURCE, line N: TABLE: what is wrong and what is allowed".
LoadedExperiment parse_experiment(std::string_view text, std::string_view source = "<string>",
                                  std::string_view default_name = "scenario");

/// A file's plan, known before its sweep is expanded (so its size is checked first): the file's
/// scenarios with the swept one unexpanded, and how many scenarios the expansion will give.
struct PlannedExperiment {
  LoadedExperiment unexpanded;
  std::size_t scenarios = 0;
};
/// Parses like parse_experiment, but counts the sweep's points instead of expanding them.
PlannedExperiment plan_experiment(std::string_view text, std::string_view source = "<string>",
                                  std::string_view default_name = "scenario");

/// A scenario file describing `scenario` completely (every parameter, policy field, unit).
std::string dump_scenario(const Scenario& scenario);
/// An experiment file: the run settings and every scenario as a [[scenarios]] block; `header`
/// lines become comments at the top.
std::string dump_experiment(const RunSettings& settings, const std::vector<Scenario>& scenarios,
                            std::string_view header = {});

/// The defaults as a commented scenario file (`culturesim params`): every parameter after its
/// description, unit, range and source; the policy fields; the default hospital.
std::string defaults_file(std::string_view version);

/// Notes about interventions of `scenario` that never act in a run of `days` days.
std::vector<std::string> schedule_notes(const Scenario& scenario, std::int64_t days);

}  // namespace culturesim
