// Experiments written to results files (experiments/experiment.cpp): an interrupted experiment
// resumed later holds exactly the numbers of one run straight through, and a file is resumed
// only by the experiment that wrote it.
#include <filesystem>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "experiments/experiment.hpp"
#include "tests/cpp/catch.hpp"
#include "tests/cpp/test_helpers.hpp"

using namespace culturesim;
using culturesim::testing::contains;
using culturesim::testing::message_of;

namespace {

Experiment small_experiment() {
  Experiment e;
  e.scenarios.resize(2);
  e.scenarios[0].name = "blame";
  e.scenarios[0].policy = Policy::blame();
  e.scenarios[1].name = "reform";
  e.scenarios[1].policy = Policy::blame();
  e.scenarios[1].interventions = {Intervention::ramp(60, 1.0, 0.0, 120, 30, "ramp")};
  e.scenarios[0].hospital.units.resize(1);  // one unit: small and quick
  e.scenarios[1].hospital.units.resize(1);
  e.replicates = 3;
  e.options.days = 200;
  e.options.seed = 7;
  e.options.threads = 1;
  return e;
}

/// A fresh path in the system's temporary directory, removed when the test ends.
struct TempPath {
  std::filesystem::path path;
  explicit TempPath(const std::string& name)
      : path(std::filesystem::temp_directory_path() / ("culturesim_test_" + name + ".h5")) {
    std::filesystem::remove(path);
  }
  ~TempPath() { std::filesystem::remove(path); }
};

std::vector<std::vector<double>> all_runs_of(const std::string& path, const Experiment& e) {
  const core::ResultsFile file = core::ResultsFile::open(path);
  std::vector<std::vector<double>> out;
  for (const auto& id : all_runs(e.scenarios.size(), e.replicates))
    out.push_back(file.read_run(id.scenario, id.replicate));
  return out;
}

}  // namespace

TEST_CASE("A resumed experiment equals one run straight through", "[experiments][experiment][resume]") {
  const Experiment e = small_experiment();
  TempPath whole("resume_whole"), parts("resume_parts");
  CHECK(run_experiment(e, whole.path.string(), FileMode::create) == 6);

  // The first three runs, as if the experiment had been interrupted after them.
  const std::vector<RunId> first{{0, 0}, {1, 2}, {0, 2}};
  CHECK(run_experiment(e, parts.path.string(), FileMode::create, &first) == 3);
  {
    const core::ResultsFile file = core::ResultsFile::open(parts.path.string());
    CHECK(file.done_count() == 3);
    CHECK(pending_runs(e, file) == std::vector<RunId>{{0, 1}, {1, 0}, {1, 1}});
  }
  CHECK(run_experiment(e, parts.path.string(), FileMode::resume) == 3);  // only the missing runs
  CHECK(run_experiment(e, parts.path.string(), FileMode::resume) == 0);  // nothing left
  CHECK(all_runs_of(parts.path.string(), e) == all_runs_of(whole.path.string(), e));
}

TEST_CASE("Only the same experiment resumes a file", "[experiments][experiment][resume]") {
  const Experiment e = small_experiment();
  TempPath p("resume_other");
  const std::vector<RunId> first{{0, 0}};
  run_experiment(e, p.path.string(), FileMode::create, &first);

  Experiment other_seed = e;
  other_seed.options.seed = 8;
  CHECK(contains(message_of<ResultsFileError>([&] { run_experiment(other_seed, p.path.string(), FileMode::resume); }),
                 "its seed differs"));
  Experiment other_scenario = e;
  other_scenario.scenarios[1].interventions[0].ramp_to = 0.5;
  CHECK(
      contains(message_of<ResultsFileError>([&] { run_experiment(other_scenario, p.path.string(), FileMode::resume); }),
               "scenario 'reform' is defined differently"));
  CHECK(
      contains(message_of<FileExists>([&] { run_experiment(e, p.path.string(), FileMode::create); }), p.path.string()));
  CHECK(run_experiment(e, p.path.string(), FileMode::resume) == 5);
}
