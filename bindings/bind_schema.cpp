// The scenario schema for Python: files read and written by the engine (experiments/schema.hpp),
// so the Python package has no TOML parser of its own. Scenarios cross as the dicts of
// Scenario.to_dict(); what the user should know (old names, interventions that never act)
// comes back as notes that Python shows as warnings.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "convert.hpp"
#include "core/clock.hpp"
#include "core/resources.hpp"
#include "experiments/resources.hpp"
#include "experiments/scenario.hpp"
#include "experiments/schema.hpp"
#include "experiments/sweep.hpp"

namespace culturesim::bindings {

void bind_schema(py::module_& m) {
  m.def(
      "check_plan",
      [](const std::string& text, const std::string& source, const std::string& default_name, py::object years,
         py::object replicates, py::object record_every, int threads, double max_memory, double max_disk,
         const std::string& path) {
        // No expansion happens here, so the GIL is kept: this takes milliseconds.
        PlannedExperiment plan = plan_experiment(text, source, default_name);
        RunSettings& settings = plan.unexpanded.settings;
        if (!years.is_none()) settings.years = years.cast<double>();
        if (!replicates.is_none()) settings.replicates = replicates.cast<std::size_t>();
        if (!record_every.is_none()) settings.record_every = record_every.cast<int>();
        Experiment e = plan.unexpanded.experiment();
        e.options.threads = threads;
        const std::size_t runs = plan.scenarios * e.replicates;
        core::ResourceNeeds needs = experiment_needs(e, runs);
        needs.memory.push_back({"definitions of " + std::to_string(plan.scenarios) + " scenarios",
                                static_cast<double>(plan.scenarios) * kScenarioDefinitionBytes});
        py::dict out;
        out["scenarios"] = plan.scenarios;
        core::check_resources(needs, {max_memory, max_disk}, path, "this experiment", "--max-memory (max_memory=)",
                              "--max-disk (max_disk=)");
        out["runs"] = runs;
        out["memory"] = needs.memory_bytes();
        out["disk"] = needs.disk_bytes();
        return out;
      },
      py::arg("text"), py::arg("source"), py::arg("default_name"), py::arg("years") = py::none(),
      py::arg("replicates") = py::none(), py::arg("record_every") = py::none(), py::arg("threads") = 0,
      py::arg("max_memory") = 0.0, py::arg("max_disk") = 0.0, py::arg("path") = "",
      "The size of the plan a file describes, checked before its sweep is expanded: parses the file counting the "
      "sweep's points, estimates the memory and disk of all its runs (with the overrides that are not None), and "
      "raises the engine's resource error when they exceed the limits (0: what is free; disk is checked in the "
      "folder of `path`, when given). Returns {'scenarios', 'runs', 'memory', 'disk'} (bytes).");

  m.def(
      "load_experiment",
      [](const std::string& text, const std::string& source, const std::string& default_name) {
        LoadedExperiment loaded;
        {
          py::gil_scoped_release release;
          loaded = parse_experiment(text, source, default_name);
        }
        py::dict out;
        out["years"] = loaded.settings.years;
        out["replicates"] = loaded.settings.replicates;
        out["seed"] = loaded.settings.seed;
        out["record_every"] = loaded.settings.record_every;
        out["warmup_years"] = loaded.settings.warmup_years;
        out["warmup_policy"] = policy_to_dict(loaded.settings.warmup_policy);
        out["breakdown"] = loaded.settings.breakdown;
        out["save_state"] = loaded.settings.save_state;
        out["record_warmup"] = loaded.settings.record_warmup;
        out["start"] = loaded.settings.start;
        out["start_scenario"] = loaded.settings.start_scenario;
        py::list scenarios;
        for (const auto& s : loaded.scenarios) scenarios.append(scenario_to_dict(s));
        out["scenarios"] = scenarios;
        py::dict draws;  // [params] posterior and draws: Python reads and samples the posterior
        draws["posterior"] = loaded.draws.posterior;
        draws["draws"] = loaded.draws.draws;
        draws["location"] = loaded.draws.location;
        out["draws"] = draws;
        out["deprecations"] = loaded.deprecations;
        out["notes"] = loaded.notes;
        return out;
      },
      py::arg("text"), py::arg("source") = "<string>", py::arg("default_name") = "scenario",
      "Reads an experiment file or a scenario file (TOML text). Returns {'years', 'replicates', 'seed', "
      "'record_every', 'warmup_years', 'warmup_policy' (a dict of fields), 'save_state', 'start', "
      "'start_scenario' (the file's text; '' when not set), 'scenarios': [scenario dicts], "
      "'draws': {'posterior' ('' = none), 'draws' (0 = not given), 'location' (file, line and table)}, "
      "'deprecations': [str], 'notes': [str]}. Raises ValueError / KeyError naming "
      "`source`, the line, the table and the field.");
  m.def(
      "dump", [](const py::dict& scenario) { return dump_scenario(scenario_from(scenario)); }, py::arg("scenario"),
      "A scenario dict as a complete scenario file (the form stored in results files). Validates it.");
  m.def(
      "dump_experiment",
      [](const py::list& scenarios, double years, std::size_t replicates, std::uint64_t seed, int record_every,
         const std::string& header, double warmup_years, const py::object& warmup_policy, bool save_state,
         const std::string& start, const std::string& start_scenario, bool record_warmup, bool breakdown) {
        RunSettings settings{years,      replicates,    seed,  record_every,   warmup_years, policy_from(warmup_policy),
                             save_state, record_warmup, start, start_scenario, breakdown};
        return dump_experiment(settings, scenarios_from(scenarios), header);
      },
      py::arg("scenarios"), py::arg("years"), py::arg("replicates"), py::arg("seed"), py::arg("record_every"),
      py::arg("header") = "", py::arg("warmup_years") = RunSettings{}.warmup_years,
      py::arg("warmup_policy") = py::none(), py::arg("save_state") = false, py::arg("start") = "",
      py::arg("start_scenario") = "", py::arg("record_warmup") = false, py::arg("breakdown") = false,
      "An experiment file of scenario dicts and run settings.");
  m.def(
      "schedule_notes",
      [](const py::dict& scenario, std::int64_t days) { return schedule_notes(scenario_from(scenario), days); },
      py::arg("scenario"), py::arg("days"), "Notes on interventions of a scenario dict that never act in `days` days.");
  m.def(
      "policy_timeline",
      [](const py::dict& scenario) {
        const Scenario s = scenario_from(scenario);
        py::list out;
        py::dict start;
        start["day"] = 0;
        start["label"] = "start";
        start["policy"] = policy_to_dict(s.policy);
        out.append(start);
        for (const auto& change : s.schedule()) {
          if (!change.policy) continue;
          py::dict step;
          step["day"] = change.day;
          step["label"] = change.label;
          step["policy"] = policy_to_dict(*change.policy);
          out.append(step);
        }
        return out;
      },
      py::arg("scenario"),
      "The policy of a scenario dict over time, as its interventions set it: [{'day', 'label', 'policy' (every "
      "field)}], starting with the scenario's own policy on day 0 (a ramp gives one entry per step).");
  m.def("intervention_kinds", &intervention_kinds, "The intervention kinds of scenario files.");
  m.def("sweep_names", &sweep_names, "What a sweep may vary: blame, policy fields, parameters (keyed as name[key]).");
  m.def(
      "expand_sweep",
      [](const py::dict& base, const std::vector<std::pair<std::string, std::vector<double>>>& grid,
         const std::vector<std::vector<std::pair<std::string, double>>>& points) {
        Sweep sweep;
        sweep.grid = grid;
        for (const auto& p : points) {
          std::vector<Coordinate> point;
          for (const auto& [name, value] : p) point.push_back({name, value});
          sweep.points.push_back(std::move(point));
        }
        py::list out;
        for (const auto& s : expand_sweep(scenario_from(base), sweep)) out.append(scenario_to_dict(s));
        return out;
      },
      py::arg("base"), py::arg("grid"), py::arg("points"),
      "The scenario dicts of a sweep over `base`: grid [(name, values), ...] (every combination) or points "
      "[[(name, value), ...], ...]. Each is named by its values and carries them as 'coords'.");
  m.def(
      "swept_quantity",
      [](const py::dict& scenario, const std::string& name) { return swept_quantity(scenario_from(scenario), name); },
      py::arg("scenario"), py::arg("name"),
      "The value of a sweep name in a scenario dict (blame: its b, or NaN when the policy is not from_blame(b)).");
  m.def(
      "defaults_file", [] { return defaults_file(CULTURESIM_VERSION_INFO); },
      "The default parameters as a commented scenario file (what `culturesim params` prints).");
  const RunSettings defaults;
  py::dict run_defaults;
  run_defaults["years"] = defaults.years;
  run_defaults["replicates"] = defaults.replicates;
  run_defaults["seed"] = defaults.seed;
  run_defaults["record_every"] = defaults.record_every;
  run_defaults["warmup_years"] = defaults.warmup_years;
  run_defaults["breakdown"] = defaults.breakdown;
  m.attr("run_defaults") = run_defaults;
}

}  // namespace culturesim::bindings
