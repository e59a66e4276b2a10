// Running: one run, a block of replicates (a cluster task), and the cancel / progress handles
// that let Python show a progress bar and stop a run on Ctrl-C while the engine holds no GIL.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "agents/outputs.hpp"
#include "convert.hpp"
#include "core/errors.hpp"
#include "core/parallel.hpp"
#include "experiments/resources.hpp"

namespace culturesim::bindings {
namespace {

template <class T>
py::array_t<T> to_array(const std::vector<T>& v) {
  py::array_t<T> a(static_cast<py::ssize_t>(v.size()));
  std::copy(v.begin(), v.end(), a.mutable_data());
  return a;
}

/// A snapshot as {'day': int, field: array, ...}, fields in the table's order (clinician_fields.def).
py::dict snapshot_to_dict(const Snapshot& s) {
  py::dict d;
  d["day"] = s.day;
  s.for_each_field([&](const char* name, const auto& values) { d[name] = to_array(values); });
  return d;
}

/// One run's result as the dict Result wraps: {'series': (outputs, periods), 'period_start_day',
/// 'period_days', 'snapshots', 'warmup'}; with breakdown also 'by_unit', 'by_role', 'unit_names'.
py::dict run_to_dict(const RunResult& result, const Scenario& s, bool breakdown) {
  const auto& table = result.series;
  py::array_t<double> series({table.outputs(), table.periods()});
  std::copy(table.values().begin(), table.values().end(), series.mutable_data());
  py::dict out;
  out["series"] = series;
  out["period_start_day"] = to_array(result.period_start_day);
  out["period_days"] = to_array(result.period_days);
  py::list snapshots;
  for (const auto& snap : result.snapshots) snapshots.append(snapshot_to_dict(snap));
  out["snapshots"] = snapshots;
  py::dict warmup;
  warmup["days"] = result.warmup.days;
  warmup["settled"] = result.warmup.settled;
  py::dict drift;
  for (std::size_t k = 0; k < result.warmup.drift.size(); ++k)
    drift[py::str(result.warmup.names[k])] = result.warmup.drift[k];
  warmup["drift"] = drift;
  out["warmup"] = warmup;
  if (breakdown) {  // (group, output, period): units in hospital order, roles in kRoleNames order
    auto groups = [&](const core::SeriesTable& t) {
      py::array_t<double> a({t.outputs() / kOutputs, kOutputs, t.periods()});
      std::copy(t.values().begin(), t.values().end(), a.mutable_data());
      return a;
    };
    out["by_unit"] = groups(result.by_unit);
    out["by_role"] = groups(result.by_role);
    out["unit_names"] = s.hospital.unit_names();
  }
  return out;
}

/// The settings of `run` and `run_together` (replicate `replicate` of each scenario), validated; a
/// hospital or snapshot schedule that cannot fit is refused here, before the run, not mid-run.
EnsembleOptions checked_run_settings(const std::vector<Scenario>& scenarios, std::int64_t days, int record_every,
                                     int snapshot_every, std::uint64_t seed, std::uint64_t replicate, int threads,
                                     std::int64_t warmup_days, const py::object& warmup_policy, bool breakdown) {
  EnsembleOptions settings = ensemble_options_from(days, record_every, seed, threads);  // validates
  set_warmup(settings, warmup_days, warmup_policy);
  settings.snapshot_every = snapshot_every;
  settings.breakdown = breakdown;
  const RunOptions options = settings.run_options(replicate);
  options.validate();
  for (const auto& s : scenarios) core::check_resources(run_needs(s, options), {}, "", "this run", "", "");
  return settings;
}

}  // namespace

void bind_run(py::module_& m) {
  py::class_<core::CancellationToken>(m, "Cancel", "A handle that stops a running engine call at its next period.")
      .def(py::init<>())
      .def("cancel", &core::CancellationToken::cancel)
      .def_property_readonly("cancelled", &core::CancellationToken::cancelled);

  py::class_<EnsembleProgress>(m, "Progress", "Counters of finished runs and simulated days, readable while running.")
      .def(py::init<>())
      .def_property_readonly("runs_done", [](const EnsembleProgress& p) { return p.runs_done.load(); })
      .def_property_readonly("days_done", [](const EnsembleProgress& p) { return p.days_done.load(); })
      .def_property_readonly(
          "days_total", [](const EnsembleProgress& p) { return p.days_total.load(); },
          "Days the call will step (shared warm-ups counted once); 0 until it knows.");

  m.def(
      "simulated_days",
      [](const py::list& scenarios, std::size_t replicates, std::int64_t days, std::int64_t warmup_days) {
        EnsembleOptions options;
        options.days = days;
        options.warmup_days = warmup_days;
        const auto list = scenarios_from(scenarios);
        return simulated_days(list, all_runs(list.size(), replicates), options);
      },
      py::arg("scenarios"), py::arg("replicates"), py::arg("days"), py::arg("warmup_days"),
      "Days an experiment of these scenario dicts steps: each run's days, and each warm-up once per "
      "replicate and group of scenarios with the same hospital, parameters and stream.");
  m.def(
      "run",
      [](const py::dict& scenario, std::int64_t days, int record_every, int snapshot_every, std::uint64_t seed,
         std::uint64_t replicate, int threads, core::CancellationToken* cancel, EnsembleProgress* progress,
         std::int64_t warmup_days, const py::object& warmup_policy, bool breakdown) {
        const Scenario s = scenario_from(scenario);
        const RunOptions options = checked_run_settings({s}, days, record_every, snapshot_every, seed, replicate,
                                                        threads, warmup_days, warmup_policy, breakdown)
                                       .run_options(replicate);
        RunResult result;
        {
          py::gil_scoped_release release;
          result = core::with_threads(
              threads, [&] { return run_scenario(s, options, cancel, progress ? &progress->days_done : nullptr); });
        }
        return run_to_dict(result, s, breakdown);
      },
      py::arg("scenario"), py::arg("days"), py::arg("record_every") = 30, py::arg("snapshot_every") = 0,
      py::arg("seed") = 0, py::arg("replicate") = 0, py::arg("threads") = 0, py::arg("cancel") = nullptr,
      py::arg("progress") = nullptr, py::arg("warmup_days") = 0, py::arg("warmup_policy") = py::none(),
      py::arg("breakdown") = false,
      "One run of a scenario dict. Returns {'series': (outputs, periods) array, 'period_start_day', "
      "'period_days', 'snapshots'}; with breakdown also 'by_unit' (unit, output, period), 'by_role' "
      "(role, output, period) and 'unit_names'. Releases the GIL while it runs.");

  m.def(
      "run_together",
      [](const py::list& scenarios, std::int64_t days, int record_every, int snapshot_every, std::uint64_t seed,
         std::uint64_t replicate, int threads, core::CancellationToken* cancel, EnsembleProgress* progress,
         std::int64_t warmup_days, const py::object& warmup_policy) {
        const std::vector<Scenario> list = scenarios_from(scenarios);
        const EnsembleOptions options = checked_run_settings(list, days, record_every, snapshot_every, seed, replicate,
                                                             threads, warmup_days, warmup_policy, false);
        std::vector<RunId> runs;
        for (std::size_t i = 0; i < list.size(); ++i) runs.push_back({i, replicate});
        std::vector<RunResult> results(list.size());
        {
          py::gil_scoped_release release;
          run_ensemble(
              list, runs, options, [&](const RunId& id, const RunResult& r) { results[id.scenario] = r; }, progress,
              cancel);
        }
        py::list out;
        for (std::size_t i = 0; i < list.size(); ++i) out.append(run_to_dict(results[i], list[i], false));
        return out;
      },
      py::arg("scenarios"), py::arg("days"), py::arg("record_every") = 30, py::arg("snapshot_every") = 0,
      py::arg("seed") = 0, py::arg("replicate") = 0, py::arg("threads") = 0, py::arg("cancel") = nullptr,
      py::arg("progress") = nullptr, py::arg("warmup_days") = 0, py::arg("warmup_policy") = py::none(),
      "One run of each scenario dict on the same random numbers (seed, replicate, and each scenario's "
      "stream); scenarios with the same hospital, parameters and stream share one warm-up. Returns a list of run "
      "dicts, as run() returns.");

  m.def(
      "run_block",
      [](const py::dict& scenario, const std::vector<std::size_t>& replicates, std::int64_t days, int record_every,
         std::uint64_t seed, int threads, core::CancellationToken* cancel, EnsembleProgress* progress,
         std::int64_t warmup_days, const py::object& warmup_policy) {
        const std::vector<Scenario> scenarios{scenario_from(scenario)};
        EnsembleOptions options = ensemble_options_from(days, record_every, seed, threads);
        set_warmup(options, warmup_days, warmup_policy);
        std::vector<RunId> runs;
        for (std::size_t r : replicates) runs.push_back({0, r});
        const auto periods = static_cast<std::size_t>(core::Clock{days, record_every}.periods());
        py::array_t<double> out({replicates.size(), kOutputs, periods});
        double* data = out.mutable_data();
        {
          py::gil_scoped_release release;
          run_ensemble(
              scenarios, runs, options,
              [&](const RunId& id, const RunResult& r) {
                const auto pos = static_cast<std::size_t>(std::find(runs.begin(), runs.end(), id) - runs.begin());
                std::copy(r.series.values().begin(), r.series.values().end(), data + pos * kOutputs * periods);
              },
              progress, cancel);
        }
        return out;
      },
      py::arg("scenario"), py::arg("replicates"), py::arg("days"), py::arg("record_every") = 30, py::arg("seed") = 0,
      py::arg("threads") = 0, py::arg("cancel") = nullptr, py::arg("progress") = nullptr, py::arg("warmup_days") = 0,
      py::arg("warmup_policy") = py::none(),
      "Runs replicates of one scenario in parallel; returns a (replicate, output, period) array. "
      "The unit of work of cluster sweeps.");
}

}  // namespace culturesim::bindings
