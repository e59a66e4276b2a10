// Results files: run a whole experiment into HDF5 from C++, and a writer for runs computed
// elsewhere (cluster workers), both resumable.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "convert.hpp"
#include "core/errors.hpp"
#include "core/results_file.hpp"

namespace culturesim::bindings {
namespace {

FileMode mode_from(const std::string& mode) {
  if (mode == "create") return FileMode::create;
  if (mode == "overwrite") return FileMode::overwrite;
  if (mode == "resume") return FileMode::resume;
  throw InvalidValue("file mode '" + mode + "' is not allowed; allowed: create, overwrite, resume");
}

std::vector<RunId> runs_from(const std::vector<std::pair<std::size_t, std::size_t>>& pairs) {
  std::vector<RunId> runs;
  for (const auto& [s, r] : pairs) runs.push_back({s, r});
  return runs;
}

Experiment with_warmup(Experiment experiment, std::int64_t warmup_days, const py::handle& warmup_policy) {
  set_warmup(experiment.options, warmup_days, warmup_policy);
  return experiment;
}

/// The results file of an experiment, opened for writing runs computed anywhere.
class ResultsWriter {
 public:
  ResultsWriter(const py::list& scenarios, std::size_t replicates, std::int64_t days, int record_every,
                std::uint64_t seed, const std::string& path, const std::string& mode, std::int64_t warmup_days,
                const py::object& warmup_policy)
      : experiment_(with_warmup(experiment_from(scenarios, replicates, days, record_every, seed, 0), warmup_days,
                                warmup_policy)),
        file_(open_results_file(experiment_, path, mode_from(mode))) {}

  std::vector<std::pair<std::size_t, std::size_t>> pending() const {
    std::vector<std::pair<std::size_t, std::size_t>> out;
    for (const auto& id : pending_runs(experiment_, file_)) out.emplace_back(id.scenario, id.replicate);
    return out;
  }

  void write(std::size_t scenario, std::size_t replicate,
             const py::array_t<double, py::array::c_style | py::array::forcecast>& values) {
    const auto& layout = file_.layout();
    if (values.ndim() != 2 || static_cast<std::size_t>(values.shape(0)) != layout.series.size() ||
        static_cast<std::size_t>(values.shape(1)) != layout.periods) {
      throw InvalidValue("a run's values must have shape (" + std::to_string(layout.series.size()) + ", " +
                         std::to_string(layout.periods) + ")");
    }
    file_.write_run(scenario, replicate,
                    std::span<const double>(values.data(), static_cast<std::size_t>(values.size())));
  }

  bool done(std::size_t scenario, std::size_t replicate) const { return file_.done(scenario, replicate); }
  std::size_t done_count() const { return file_.done_count(); }
  void close() { file_.close(); }
  const std::string& path() const { return file_.path(); }

 private:
  Experiment experiment_;
  core::ResultsFile file_;
};

}  // namespace

void bind_results(py::module_& m) {
  m.def(
      "run_experiment",
      [](const py::list& scenarios, std::size_t replicates, std::int64_t days, int record_every, std::uint64_t seed,
         int threads, const std::string& path, const std::string& mode,
         std::optional<std::vector<std::pair<std::size_t, std::size_t>>> runs, core::CancellationToken* cancel,
         EnsembleProgress* progress, std::int64_t warmup_days, const py::object& warmup_policy) {
        const Experiment experiment = with_warmup(
            experiment_from(scenarios, replicates, days, record_every, seed, threads), warmup_days, warmup_policy);
        const FileMode file_mode = mode_from(mode);
        std::vector<RunId> subset;
        if (runs) subset = runs_from(*runs);
        py::gil_scoped_release release;
        return run_experiment(experiment, path, file_mode, runs ? &subset : nullptr, progress, cancel);
      },
      py::arg("scenarios"), py::arg("replicates"), py::arg("days"), py::arg("record_every"), py::arg("seed"),
      py::arg("threads"), py::arg("path"), py::arg("mode") = "create", py::arg("runs") = std::nullopt,
      py::arg("cancel") = nullptr, py::arg("progress") = nullptr, py::arg("warmup_days") = 0,
      py::arg("warmup_policy") = py::none(),
      "Runs an experiment (scenario dicts x replicates) and writes every run to the HDF5 file `path` as it "
      "finishes. mode: 'create' (refuse an existing file), 'overwrite', or 'resume' (skip finished runs). "
      "Returns the number of runs computed.");

  py::class_<ResultsWriter>(m, "ResultsWriter", "An experiment's results file open for writing runs.")
      .def(py::init<const py::list&, std::size_t, std::int64_t, int, std::uint64_t, const std::string&,
                    const std::string&, std::int64_t, const py::object&>(),
           py::arg("scenarios"), py::arg("replicates"), py::arg("days"), py::arg("record_every"), py::arg("seed"),
           py::arg("path"), py::arg("mode") = "create", py::arg("warmup_days") = 0,
           py::arg("warmup_policy") = py::none())
      .def("pending", &ResultsWriter::pending, "(scenario, replicate) pairs not yet in the file.")
      .def("write", &ResultsWriter::write, py::arg("scenario"), py::arg("replicate"), py::arg("values"),
           "Writes one run's (output, period) values and marks it done.")
      .def("done", &ResultsWriter::done, py::arg("scenario"), py::arg("replicate"))
      .def_property_readonly("done_count", &ResultsWriter::done_count)
      .def_property_readonly("path", &ResultsWriter::path)
      .def("close", &ResultsWriter::close);
}

}  // namespace culturesim::bindings
