// Results files: run a whole experiment into HDF5 from C++, and a writer for runs computed
// elsewhere (cluster workers), both resumable.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "convert.hpp"
#include "core/errors.hpp"
#include "core/provenance.hpp"
#include "core/results_file.hpp"
#include "core/results_merge.hpp"
#include "experiments/resources.hpp"

namespace culturesim::bindings {
namespace {

FileMode mode_from(const std::string& mode) {
  if (mode == "create") return FileMode::create;
  if (mode == "overwrite") return FileMode::overwrite;
  if (mode == "resume") return FileMode::resume;
  throw InvalidValue("file mode '" + mode + "' is not allowed; allowed: create, overwrite, resume");
}

/// Python's (scenario, replicate) pairs, checked here so a negative or too large index gets a
/// message naming it instead of pybind11's signature dump.
std::vector<RunId> runs_from(const py::handle& pairs, std::size_t scenarios, std::size_t replicates) {
  if (py::isinstance<py::str>(pairs) || !py::isinstance<py::iterable>(pairs)) {
    throw InvalidValue("runs must be a list of (scenario, replicate) pairs of whole numbers, got " +
                       std::string(py::str(py::repr(pairs))));
  }
  std::vector<RunId> runs;
  std::size_t i = 0;
  for (const py::handle item : pairs) {
    const std::string where = "runs[" + std::to_string(i++) + "]";
    py::sequence pair;
    try {
      pair = item.cast<py::sequence>();
    } catch (const py::cast_error&) {
      throw InvalidValue(where + " must be a (scenario, replicate) pair of whole numbers");
    }
    if (py::isinstance<py::str>(item) || pair.size() != 2) {
      throw InvalidValue(where + " must be a (scenario, replicate) pair of whole numbers");
    }
    std::int64_t index[2] = {0, 0};
    const std::size_t limit[2] = {scenarios, replicates};
    const char* name[2] = {"scenario", "replicate"};
    for (int k = 0; k < 2; ++k) {
      const py::object v = pair[static_cast<std::size_t>(k)];  // owned: a sequence may make items on the fly
      // Python and NumPy integers (anything with __index__), never bools or floats.
      if (py::isinstance<py::bool_>(v) || !PyIndex_Check(v.ptr())) {
        throw InvalidValue(where + ": the " + std::string(name[k]) + " index must be a whole number, got " +
                           std::string(py::str(py::repr(v))));
      }
      const std::string text = py::str(py::repr(v));
      bool fits = true;
      try {
        index[k] = py::int_(v).cast<std::int64_t>();
      } catch (const py::cast_error&) {
        fits = false;  // beyond int64: out of range either way
      }
      if (!fits || index[k] < 0 || static_cast<std::uint64_t>(index[k]) >= limit[k]) {
        throw InvalidValue(where + ": " + std::string(name[k]) + " " + text + " is out of range; allowed 0 to " +
                           std::to_string(limit[k] - 1));
      }
    }
    runs.push_back({static_cast<std::size_t>(index[0]), static_cast<std::size_t>(index[1])});
  }
  return runs;
}

/// A provenance dict ({field: str, 'merged_from': [str, ...]}) as attributes; None is empty. The
/// engine checks the names against core/provenance.hpp's table.
core::Attributes provenance_from(const py::handle& given) {
  core::Attributes out;
  if (given.is_none()) return out;
  if (!py::isinstance<py::dict>(given)) {
    throw InvalidValue("provenance must be a dict of field names to strings, got " +
                       std::string(py::str(py::repr(given))));
  }
  for (const auto& [key, value] : given.cast<py::dict>()) {
    const std::string name = py::str(key);
    if (py::isinstance<py::str>(value)) {
      out.emplace_back(name, value.cast<std::string>());
    } else if (py::isinstance<py::list>(value) || py::isinstance<py::tuple>(value)) {
      std::vector<std::string> lines;
      for (const auto& line : value) {
        if (!py::isinstance<py::str>(line)) throw InvalidValue("provenance: field '" + name + "' must hold strings");
        lines.push_back(line.cast<std::string>());
      }
      out.emplace_back(name, lines);
    } else {
      throw InvalidValue("provenance: field '" + name + "' must be a string, got " +
                         std::string(py::str(py::repr(value))));
    }
  }
  return out;
}

Experiment with_warmup(Experiment experiment, std::int64_t warmup_days, const py::handle& warmup_policy) {
  set_warmup(experiment.options, warmup_days, warmup_policy);
  return experiment;
}

/// save_state, record_warmup, and start as None or (path, scenario).
Experiment with_states(Experiment experiment, bool save_state, const py::handle& start, bool record_warmup) {
  experiment.save_state = save_state;
  experiment.record_warmup = record_warmup;
  if (!start.is_none()) {
    const auto pair = start.cast<std::pair<std::string, std::string>>();
    experiment.start = StartFrom{pair.first, pair.second};
  }
  experiment.validate();
  return experiment;
}

/// The results file of an experiment, opened for writing runs computed anywhere.
class ResultsWriter {
 public:
  ResultsWriter(const py::list& scenarios, std::size_t replicates, std::int64_t days, int record_every,
                std::uint64_t seed, const std::string& path, const std::string& mode, double max_disk,
                std::int64_t warmup_days, const py::object& warmup_policy, const py::object& provenance)
      : experiment_(checked_experiment(scenarios, replicates, days, record_every, seed, path, max_disk, warmup_days,
                                       warmup_policy, provenance)),
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
  /// The experiment, refused before the file is touched when its runs cannot fit on disk (the
  /// runs themselves are computed elsewhere, so memory is the workers' concern).
  static Experiment checked_experiment(const py::list& scenarios, std::size_t replicates, std::int64_t days,
                                       int record_every, std::uint64_t seed, const std::string& path, double max_disk,
                                       std::int64_t warmup_days, const py::handle& warmup_policy,
                                       const py::handle& provenance) {
    Experiment e =
        with_warmup(experiment_from(scenarios, replicates, days, record_every, seed, 0), warmup_days, warmup_policy);
    e.provenance = provenance_from(provenance);
    core::ResourceNeeds needs = experiment_needs(e, e.scenarios.size() * e.replicates);
    needs.memory.clear();
    core::check_resources(needs, {0, max_disk}, path, "this experiment", "", "--max-disk (max_disk=)");
    return e;
  }

  Experiment experiment_;
  core::ResultsFile file_;
};

}  // namespace

void bind_results(py::module_& m) {
  m.def(
      "run_experiment",
      [](const py::list& scenarios, std::size_t replicates, std::int64_t days, int record_every, std::uint64_t seed,
         int threads, const std::string& path, const std::string& mode, const py::object& runs,
         core::CancellationToken* cancel, EnsembleProgress* progress, double max_memory, double max_disk,
         std::int64_t warmup_days, const py::object& warmup_policy, bool save_state, const py::object& start,
         bool record_warmup, const py::object& provenance, bool breakdown) {
        Experiment experiment =
            with_states(with_warmup(experiment_from(scenarios, replicates, days, record_every, seed, threads),
                                    warmup_days, warmup_policy),
                        save_state, start, record_warmup);
        experiment.options.breakdown = breakdown;
        experiment.validate();
        experiment.limits = {max_memory, max_disk};
        experiment.provenance = provenance_from(provenance);
        const FileMode file_mode = mode_from(mode);
        std::vector<RunId> subset;
        if (!runs.is_none()) subset = runs_from(runs, experiment.scenarios.size(), experiment.replicates);
        py::gil_scoped_release release;
        return run_experiment(experiment, path, file_mode, runs.is_none() ? nullptr : &subset, progress, cancel);
      },
      py::arg("scenarios"), py::arg("replicates"), py::arg("days"), py::arg("record_every"), py::arg("seed"),
      py::arg("threads"), py::arg("path"), py::arg("mode") = "create", py::arg("runs") = py::none(),
      py::arg("cancel") = nullptr, py::arg("progress") = nullptr, py::arg("max_memory") = 0.0,
      py::arg("max_disk") = 0.0, py::arg("warmup_days") = 0, py::arg("warmup_policy") = py::none(),
      py::arg("save_state") = false, py::arg("start") = py::none(), py::arg("record_warmup") = false,
      py::arg("provenance") = py::none(), py::arg("breakdown") = false,
      "Runs an experiment (scenario dicts x replicates) and writes every run to the HDF5 file `path` as it "
      "finishes. mode: 'create' (refuse an existing file), 'overwrite', or 'resume' (skip finished runs). "
      "breakdown: also record every output per unit and per role. "
      "max_memory / max_disk: limits in bytes (0: what the machine has free), checked before any run starts. "
      "save_state: keep each run's end state in the file. start: (path, scenario) of a file with saved states "
      "to carry on from (scenario '' = the file's only one). record_warmup: keep the warm-up year by year. "
      "provenance: {field: text} for a new file (see provenance_fields). Returns the number of runs computed.");

  m.def(
      "verify_results",
      [](const std::string& path) {
        py::gil_scoped_release release;
        return core::ResultsFile::read(path).done_count();
      },
      py::arg("path"),
      "Checks a results file read-only: format version, HDF5 structure, the checksum of its stored "
      "definition and of every finished run. Returns the number of finished runs; raises OSError "
      "naming the file and what is damaged.");

  m.def(
      "file_format",
      [](const std::string& path) {
        py::gil_scoped_release release;
        return core::ResultsFile::format_of(path);
      },
      py::arg("path"),
      "The root attribute 'format' of an HDF5 file, read safely as the engine reads results files "
      "(fixed-length strings only); '' when not HDF5 or damaged, '?' when it opens but has no fixed-length 'format'. "
      "Never raises for a bad file.");

  m.def(
      "merge_results",
      [](const std::vector<std::string>& parts, const std::string& out, bool overwrite, const py::object& provenance) {
        const core::Attributes given = provenance_from(provenance);
        py::gil_scoped_release release;
        return core::merge_results(parts, out, overwrite, given);
      },
      py::arg("parts"), py::arg("out"), py::arg("overwrite") = false, py::arg("provenance") = py::none(),
      "Merges results files of shards of one experiment into `out` (see culturesim.cluster.merge). "
      "Returns the number of runs in `out`.");

  m.def(
      "provenance_fields",
      [] {
        py::list out;
        for (const auto& f : core::provenance_fields()) {
          py::dict d;
          d["name"] = std::string(f.name);
          d["list"] = f.list;
          d["description"] = std::string(f.description);
          out.append(d);
        }
        return out;
      },
      "The attributes of a results file's /provenance group: [{'name', 'list', 'description'}], in order.");
  m.attr("provenance_group") = std::string(core::kProvenanceGroup);
  m.attr("provenance_checksum") = std::string(core::kProvenanceChecksum);
  m.attr("pybind11_version") = std::to_string(PYBIND11_VERSION_MAJOR) + "." + std::to_string(PYBIND11_VERSION_MINOR) +
                               "." + std::to_string(PYBIND11_VERSION_PATCH);

  py::class_<ResultsWriter>(m, "ResultsWriter", "An experiment's results file open for writing runs.")
      .def(py::init<const py::list&, std::size_t, std::int64_t, int, std::uint64_t, const std::string&,
                    const std::string&, double, std::int64_t, const py::object&, const py::object&>(),
           py::arg("scenarios"), py::arg("replicates"), py::arg("days"), py::arg("record_every"), py::arg("seed"),
           py::arg("path"), py::arg("mode") = "create", py::arg("max_disk") = 0.0, py::arg("warmup_days") = 0,
           py::arg("warmup_policy") = py::none(), py::arg("provenance") = py::none())
      .def("pending", &ResultsWriter::pending, "(scenario, replicate) pairs not yet in the file.")
      .def("write", &ResultsWriter::write, py::arg("scenario"), py::arg("replicate"), py::arg("values"),
           "Writes one run's (output, period) values and marks it done.")
      .def("done", &ResultsWriter::done, py::arg("scenario"), py::arg("replicate"))
      .def_property_readonly("done_count", &ResultsWriter::done_count)
      .def_property_readonly("path", &ResultsWriter::path)
      .def("close", &ResultsWriter::close);
}

}  // namespace culturesim::bindings
