#include "experiments/experiment.hpp"

#include <filesystem>
#include <set>

#include "agents/outputs.hpp"
#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/version.hpp"
#include "experiments/resources.hpp"
#include "experiments/schema.hpp"

namespace culturesim {
namespace {

/// Whether a stored definition describes `scenario`: read by the schema, so a file written by an
/// older version (another text of the same scenario) can still be resumed.
bool same_definition(const std::string& stored, const Scenario& scenario) {
  try {
    const LoadedExperiment loaded = parse_experiment(stored, "stored definition", scenario.name);
    return loaded.scenarios.size() == 1 && loaded.scenarios[0] == scenario;
  } catch (const std::exception&) {
    return false;  // unreadable: not the same scenario
  }
}

template <std::size_t N>
std::vector<std::string> names_of(const std::array<std::string_view, N>& names) {
  return {names.begin(), names.end()};
}

}  // namespace

void Experiment::validate() const {
  if (scenarios.empty()) throw InvalidValue("an experiment needs at least one scenario");
  if (replicates < 1 || replicates > kMaxReplicates) {
    throw InvalidValue("replicates = " + std::to_string(replicates) + " is out of range; allowed 1 to 1000000");
  }
  std::set<std::string> names;
  for (const auto& s : scenarios) {
    if (!names.insert(s.name).second) {
      throw InvalidValue("scenario name '" + s.name + "' is used twice; scenario names must be unique");
    }
    if (s.name.find('/') != std::string::npos) {
      throw InvalidValue("scenario name '" + s.name + "' must not contain '/'");
    }
    s.validate();
  }
  if (options.start_states.empty()) options.run_options(0).validate();
  if (save_state) {
    const Hospital& first = scenarios.front().hospital;
    for (const auto& s : scenarios) {
      if (s.hospital.establishment() != first.establishment() || s.hospital.units.size() != first.units.size()) {
        throw InvalidValue("save_state: scenario '" + s.name + "' has a hospital of another size than '" +
                           scenarios.front().name + "'; one file saves states of one hospital size");
      }
    }
  }
  if (record_warmup && options.warmup_days == 0) {
    throw InvalidValue("record_warmup: there is no warm-up to record (warmup_years = 0" +
                       std::string(start ? ", as with start" : "") + ")");
  }
  if (start) {
    if (start->path.empty()) throw InvalidValue("start: the path of a results file with saved states is empty");
    if (options.warmup_days > 0) {
      throw InvalidValue("warmup_years = " + std::to_string(static_cast<double>(options.warmup_days) / 365.0) +
                         " with start: an experiment starting from saved hospital states carries on from them and "
                         "has no warm-up of its own; allowed warmup_years 0");
    }
  }
  if (options.breakdown) {
    const auto units = scenarios.front().hospital.unit_names();
    for (const auto& s : scenarios) {
      if (s.hospital.unit_names() != units) {
        throw InvalidValue(
            "breakdown (series per unit and role) needs every scenario to have the same units; scenario '" + s.name +
            "' has other units than '" + scenarios.front().name + "'");
      }
    }
  }
  if (options.snapshot_every != 0) {
    throw InvalidValue("snapshot_every must be 0 in an experiment: results files hold series, not agent snapshots");
  }
}

core::ResultsLayout Experiment::layout() const {
  core::ResultsLayout layout;
  layout.series = output_specs();
  if (options.breakdown) {  // by_unit.<unit>.<output>, then by_role.<role>.<output>: RunResult::by_unit, by_role
    auto group = [&](const std::string& prefix, const std::string& name, const std::string& what) {
      for (const auto& spec : output_specs()) {
        layout.series.push_back({prefix + name + "." + spec.name, spec.unit, spec.kind, spec.description + " " + what});
      }
    };
    for (const auto& unit : scenarios.front().hospital.unit_names()) group("by_unit.", unit, "(unit " + unit + ")");
    for (auto role : kRoleNames) group("by_role.", std::string(role), "(role " + std::string(role) + ")");
  }
  for (const auto& s : scenarios) layout.scenarios.push_back(s.name);
  layout.replicates = replicates;
  const core::Clock clock{options.days, options.record_every};
  layout.periods = static_cast<std::size_t>(clock.periods());
  for (std::int64_t p = 0; p < clock.periods(); ++p) {
    layout.period_start_day.push_back(static_cast<double>(clock.period_start(p)));
    layout.period_days.push_back(static_cast<double>(clock.period_end(p) - clock.period_start(p)));
  }
  if (save_state) layout.arrays = state_run_arrays(scenarios.front().hospital);
  if (record_warmup) {
    const auto years = static_cast<std::size_t>((options.warmup_days + core::kDaysPerYear - 1) / core::kDaysPerYear);
    for (const auto& spec : output_specs()) {
      layout.arrays.push_back(
          {"warmup." + spec.name, years, spec.name + " in each warm-up year (" + spec.kind + ", " + spec.unit + ")"});
    }
  }
  return layout;
}

namespace {
/// The warm-up policy's fields in policy table order (the order of root attribute policy_fields).
std::vector<double> warmup_policy_values(const EnsembleOptions& options) {
  const Policy policy = options.warmup_policy.value_or(Policy::typical());
  std::vector<double> values;
  for (const auto& f : policy_field_specs()) values.push_back(policy.get(f.name));
  return values;
}
}  // namespace

core::Attributes Experiment::root_attributes() const {
  core::Attributes attrs{
      {"engine", std::string("culturesim")},
      {"engine_version", std::string(kEngineVersion)},
      {"build_info", std::string(kBuildInfo)},
      {"seed", static_cast<std::int64_t>(options.seed)},
      {"days", static_cast<std::int64_t>(options.days)},
      {"years", static_cast<double>(options.days) / core::kDaysPerYear},
      {"record_every", static_cast<std::int64_t>(options.record_every)},
      {"recording", core::recording_name(options.record_every)},
      {"warmup_days", static_cast<std::int64_t>(options.warmup_days)},
      {"warmup_years", static_cast<double>(options.warmup_days) / core::kDaysPerYear},
      {"warmup_policy", warmup_policy_values(options)},
      {"breakdown", static_cast<std::int64_t>(options.breakdown ? 1 : 0)},
      {"replicates", static_cast<std::int64_t>(replicates)},
      {"keys.per_role", names_of(kRoleNames)},
      {"keys.per_severity", names_of(kSeverityNames)},
      {"keys.per_response", names_of(kResponseNames)},
      {"keys.per_disclosure", names_of(kDisclosureNames)},
  };
  // Only when used, so files of experiments without them are as before.
  if (save_state) attrs.emplace_back("saved_state", std::int64_t{1});
  if (record_warmup) {  // the warm-up's years: the last one partial when it is not whole years
    std::vector<double> start, length;
    for (std::int64_t d = -options.warmup_days; d < 0; d += core::kDaysPerYear) {
      start.push_back(static_cast<double>(d));
      length.push_back(static_cast<double>(std::min<std::int64_t>(core::kDaysPerYear, -d)));
    }
    attrs.emplace_back("warmup_period_start_day", start);
    attrs.emplace_back("warmup_period_days", length);
  }
  if (start) {
    attrs.emplace_back("start_file", start->path);
    attrs.emplace_back("start_scenario", start->scenario);
  }
  return attrs;
}

core::Attributes scenario_attributes(const Scenario& scenario) {
  core::Attributes attrs;
  attrs.emplace_back("name", scenario.name);
  for (const auto& spec : parameter_specs()) {
    const auto values = scenario.params.values(spec.name);
    if (spec.keys.empty()) {
      attrs.emplace_back(std::string(spec.name), values[0]);
    } else {
      attrs.emplace_back(std::string(spec.name), std::vector<double>(values.begin(), values.end()));
    }
  }
  for (const auto& f : policy_field_specs()) {
    attrs.emplace_back("policy." + std::string(f.name), scenario.policy.get(f.name));
  }
  std::vector<std::string> interventions;
  for (const auto& iv : scenario.interventions) interventions.push_back(iv.describe());
  attrs.emplace_back("interventions", interventions);
  attrs.emplace_back("hospital", scenario.hospital.name);
  attrs.emplace_back("units", scenario.hospital.unit_names());
  if (!scenario.coords.empty()) {  // its place in a sweep: coords (names), then coord.<name> = value
    std::vector<std::string> names;
    for (const auto& c : scenario.coords) names.push_back(c.name);
    attrs.emplace_back("coords", names);
    for (const auto& c : scenario.coords) attrs.emplace_back("coord." + c.name, c.value);
  }
  // Its random-number stream, only when not the default 0 (files without it have stream 0).
  if (scenario.stream != 0) attrs.emplace_back("stream", static_cast<std::int64_t>(scenario.stream));
  return attrs;
}

std::vector<double> run_values(const RunResult& result) {
  std::vector<double> values(result.series.values().begin(), result.series.values().end());
  values.insert(values.end(), result.by_unit.values().begin(), result.by_unit.values().end());
  values.insert(values.end(), result.by_role.values().begin(), result.by_role.values().end());
  return values;
}

namespace {

/// Where the start file is, as the results file keeps it: relative to the output's folder (no
/// absolute path, docs/safety.md), or its name alone when there is no relative way.
std::string start_as_stored(const std::string& start, const std::string& output) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path folder = fs::absolute(fs::path(output), ec).parent_path();
  const fs::path relative = fs::relative(fs::absolute(fs::path(start), ec), folder, ec);
  if (ec || relative.empty()) return fs::path(start).filename().string();
  return relative.lexically_normal().string();
}

/// The root attributes of `experiment` written to `path`: the start kept relative to the output,
/// and pinned by its content (start_crc32), so a resume refuses a start file that changed.
core::Attributes attributes_for(const Experiment& experiment, const std::string& path) {
  core::Attributes attrs = experiment.root_attributes();
  if (!experiment.start) return attrs;
  for (auto& [name, value] : attrs) {
    if (name == "start_file") value = start_as_stored(experiment.start->path, path);
  }
  attrs.emplace_back("start_crc32",
                     static_cast<std::int64_t>(start_checksum(*experiment.start, experiment.replicates)));
  return attrs;
}

}  // namespace

core::ResultsFile open_results_file(const Experiment& experiment, const std::string& path, FileMode mode) {
  experiment.validate();
  const core::ResultsLayout layout = experiment.layout();
  std::vector<std::string> texts;
  for (const auto& s : experiment.scenarios) texts.push_back(s.to_toml());

  if (mode == FileMode::resume && std::filesystem::exists(path)) {
    const core::Attributes mine = attributes_for(experiment, path);
    // Runs on the verified, still untouched file: a refused resume writes nothing.
    auto same_experiment = [&](const core::ResultsFile& file) {
      const auto stored = file.root_attributes();
      for (const char* key : {"seed", "days", "record_every", "warmup_days", "warmup_policy", "start_file",
                              "start_scenario", "breakdown", "start_crc32"}) {
        const auto* theirs = core::find_attribute(stored, key);
        const auto* ours = core::find_attribute(mine, key);
        const std::string_view name = key;
        if (name == "start_file" && theirs && experiment.start &&
            *theirs == core::AttributeValue(experiment.start->path)) {
          continue;  // a file written before starts were kept relative to the output
        }
        if (name == "start_crc32" && theirs == nullptr) continue;  // written before starts were pinned
        if (name == "start_crc32" && ours && theirs && *theirs != *ours) {
          throw ResultsFileError("cannot resume '" + path + "': the start file '" + experiment.start->path +
                                 "' has changed since this file was begun (the states it holds differ from the ones "
                                 "its finished runs started from), so new runs would not be paired with them; "
                                 "restore that start file, or use a new file or --force to start again");
        }
        if ((theirs == nullptr) != (ours == nullptr) || (theirs && *theirs != *ours)) {
          throw ResultsFileError("cannot resume '" + path + "': its " + key +
                                 " differs from this experiment's; use a new file or --force to start again");
        }
      }
      for (std::size_t s = 0; s < texts.size(); ++s) {
        if (!same_definition(file.scenario_text(s), experiment.scenarios[s])) {
          throw ResultsFileError("cannot resume '" + path + "': scenario '" + experiment.scenarios[s].name +
                                 "' is defined differently from the one stored" +
                                 (experiment.scenarios[s].name.find("@draw") != std::string::npos
                                      ? " (its parameter draw differs: the posterior or the draws changed)"
                                      : "") +
                                 "; use a new file or --force to start again");
        }
      }
    };
    return core::ResultsFile::open(path, &layout, same_experiment);
  }
  std::vector<core::Attributes> scenario_attrs;
  for (const auto& s : experiment.scenarios) scenario_attrs.push_back(scenario_attributes(s));
  return core::ResultsFile::create(path, layout, attributes_for(experiment, path), scenario_attrs, texts,
                                   mode == FileMode::overwrite, experiment.provenance);
}

std::vector<RunId> pending_runs(const Experiment& experiment, const core::ResultsFile& file) {
  std::vector<RunId> runs;
  for (const auto& id : all_runs(experiment.scenarios.size(), experiment.replicates)) {
    if (!file.done(id.scenario, id.replicate)) runs.push_back(id);
  }
  return runs;
}

std::size_t run_experiment(const Experiment& experiment, const std::string& path, FileMode mode,
                           const std::vector<RunId>* subset, EnsembleProgress* progress,
                           core::CancellationToken* cancel) {
  experiment.validate();
  for (const auto& id : subset ? *subset : std::vector<RunId>{}) {
    if (id.scenario >= experiment.scenarios.size() || id.replicate >= experiment.replicates) {
      throw InvalidValue("run (scenario " + std::to_string(id.scenario) + ", replicate " +
                         std::to_string(id.replicate) + ") is outside the experiment (" +
                         std::to_string(experiment.scenarios.size()) + " scenarios x " +
                         std::to_string(experiment.replicates) + " replicates)");
    }
  }
  if (experiment.start) {
    std::error_code ec;
    if (std::filesystem::equivalent(experiment.start->path, path, ec)) {
      throw InvalidValue("start: '" + experiment.start->path +
                         "' is the results file this experiment writes; start from another experiment's file");
    }
  }
  // Sizes first, from the requested runs (an upper bound when resuming), before any file is touched.
  const std::size_t requested = subset ? subset->size() : experiment.scenarios.size() * experiment.replicates;
  core::check_resources(experiment_needs(experiment, requested), experiment.limits, path, "this experiment",
                        "--max-memory (max_memory=)", "--max-disk (max_disk=)");
  // Start states next: a wrong start is refused before the results file is touched.
  EnsembleOptions options = experiment.options;
  options.keep_final_state = experiment.save_state;
  options.record_warmup = experiment.record_warmup;
  if (experiment.start)
    options.start_states = load_start_states(*experiment.start, experiment.replicates, options.seed);
  core::ResultsFile file = open_results_file(experiment, path, mode);
  // Each pending run once, in the order asked: a run listed twice is computed and written once.
  std::vector<RunId> runs;
  std::vector<bool> taken(experiment.scenarios.size() * experiment.replicates, false);
  for (const auto& id : subset ? *subset : all_runs(experiment.scenarios.size(), experiment.replicates)) {
    const std::size_t index = id.scenario * experiment.replicates + id.replicate;
    if (!taken[index] && !file.done(id.scenario, id.replicate)) runs.push_back(id);
    taken[index] = true;
  }
  // The ensemble serialises the sink, so the (not thread-safe) HDF5 file sees one writer at a time.
  run_ensemble(
      experiment.scenarios, runs, options,
      [&](const RunId& id, const RunResult& result) {
        // The run's values in layout order: its series (breakdown included), the end state, the warm-up.
        std::vector<double> values = run_values(result);
        if (experiment.save_state) {
          const auto state = flatten_state(*result.final_state);
          values.insert(values.end(), state.begin(), state.end());
        }
        if (experiment.record_warmup) {
          const auto warm = result.warmup.series.values();
          values.insert(values.end(), warm.begin(), warm.end());
        }
        file.write_run(id.scenario, id.replicate, values);
      },
      progress, cancel);
  file.close();
  return runs.size();
}

}  // namespace culturesim
