// Experiments that save their end states and experiments that start from them: bit-identical to
// the runs carrying on, and every way of pointing at the wrong states refused by name.
#include <filesystem>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "experiments/experiment.hpp"
#include "tests/cpp/catch.hpp"
#include "tests/cpp/core/results_fixtures.hpp"
#include "tests/cpp/test_helpers.hpp"

using namespace culturesim;
using culturesim::testing::contains;
using culturesim::testing::message_of;
using culturesim::testing::TempDir;

namespace {

Scenario named(const std::string& name, const Policy& policy) {
  Scenario s;
  s.name = name;
  s.policy = policy;
  s.hospital.units.resize(2);  // two units: small and quick
  return s;
}

Experiment experiment_of(std::vector<Scenario> scenarios, std::int64_t days, std::int64_t warmup_days) {
  Experiment e;
  e.scenarios = std::move(scenarios);
  e.replicates = 2;
  e.options.days = days;
  e.options.record_every = 73;
  e.options.seed = 11;
  e.options.warmup_days = warmup_days;
  e.options.threads = 2;
  return e;
}

}  // namespace

TEST_CASE("An experiment from saved states equals the saved runs carrying on", "[experiments][state]") {
  TempDir dir;
  // Two years after a warm-up, saved; then typical and Just Culture for two more from those states;
  // against four years straight under typical.
  Experiment first = experiment_of({named("typical", Policy::typical())}, 2 * 365, 2 * 365);
  first.save_state = true;
  run_experiment(first, dir.file("first.h5"), FileMode::create);

  Experiment next =
      experiment_of({named("typical", Policy::typical()), named("just", Policy::just_culture())}, 2 * 365, 0);
  next.start = StartFrom{dir.file("first.h5"), "typical"};
  run_experiment(next, dir.file("next.h5"), FileMode::create);

  Experiment straight = experiment_of({named("typical", Policy::typical())}, 4 * 365, 2 * 365);
  run_experiment(straight, dir.file("straight.h5"), FileMode::create);

  const auto a = core::ResultsFile::read(dir.file("straight.h5"));
  const auto b = core::ResultsFile::read(dir.file("next.h5"));
  const std::size_t outputs = a.layout().series.size();
  REQUIRE(a.layout().periods == 20);
  REQUIRE(b.layout().periods == 10);
  for (std::size_t r = 0; r < 2; ++r) {
    const auto whole = a.read_run(0, r);
    const auto rest = b.read_run(0, r);
    const auto just = b.read_run(1, r);
    bool same = true, differs = false;
    for (std::size_t o = 0; o < outputs; ++o) {
      for (std::size_t p = 0; p < 10; ++p) {
        same &= whole[o * 20 + 10 + p] == rest[o * 10 + p];
        differs |= just[o * 10 + p] != rest[o * 10 + p];
      }
    }
    CHECK(same);
    CHECK(differs);  // Just Culture from the same state is another future
  }
  // The file says where it started; resuming it loads the states again and needs the same start.
  const auto attrs = b.root_attributes();
  CHECK(*core::find_attribute(attrs, "start_scenario") == core::AttributeValue(std::string("typical")));
  CHECK(run_experiment(next, dir.file("next.h5"), FileMode::resume) == 0);
  Experiment elsewhere = next;  // the same states from a copy: another start file
  std::filesystem::copy_file(dir.file("first.h5"), dir.file("copy.h5"));
  elsewhere.start->path = dir.file("copy.h5");
  CHECK(
      contains(message_of<ResultsFileError>([&] { run_experiment(elsewhere, dir.file("next.h5"), FileMode::resume); }),
               "start_file differs"));
  // Other states at the same path (issue 18): the start is pinned by its content, not its name.
  Experiment other = first;
  other.options.days = first.options.days + 73;
  run_experiment(other, dir.file("first.h5"), FileMode::overwrite);
  CHECK(contains(message_of<ResultsFileError>([&] { run_experiment(next, dir.file("next.h5"), FileMode::resume); }),
                 "has changed since this file was begun"));
}

TEST_CASE("Starting from the wrong states is refused, naming what is wrong", "[experiments][state][errors]") {
  TempDir dir;
  Experiment first = experiment_of({named("typical", Policy::typical()), named("blame", Policy::blame())}, 73, 0);
  first.save_state = true;
  run_experiment(first, dir.file("first.h5"), FileMode::create);
  Experiment plain = first;
  plain.save_state = false;
  run_experiment(plain, dir.file("plain.h5"), FileMode::create);

  Experiment next = experiment_of({named("typical", Policy::typical())}, 73, 0);
  auto refused = [&](const StartFrom& from) {
    next.start = from;
    return message_of<std::exception>([&] { run_experiment(next, dir.file("next.h5"), FileMode::overwrite); });
  };
  CHECK(contains(refused({dir.file("first.h5"), "typcal"}), "did you mean 'typical'"));
  CHECK(contains(refused({dir.file("first.h5"), ""}), "name the one to start from"));
  CHECK(contains(refused({dir.file("plain.h5"), "typical"}), "holds no saved hospital states"));
  CHECK(contains(refused({dir.file("missing.h5"), "typical"}), "missing.h5"));
  next.replicates = 3;
  CHECK(contains(refused({dir.file("first.h5"), "typical"}), "allowed replicates 1 to 2"));
  next.replicates = 2;
  next.options.seed = 12;
  CHECK(contains(refused({dir.file("first.h5"), "typical"}), "made with seed 11"));
  next.options.seed = 11;
  next.options.warmup_days = 365;
  CHECK(contains(refused({dir.file("first.h5"), "typical"}), "no warm-up of its own"));
  next.options.warmup_days = 0;
  Experiment bigger = next;
  bigger.scenarios[0].hospital = Hospital::default_hospital();
  bigger.start = StartFrom{dir.file("first.h5"), "typical"};
  CHECK(contains(message_of<std::exception>([&] { run_experiment(bigger, dir.file("big.h5"), FileMode::create); }),
                 "the hospital the state was saved from"));
  Experiment mixed = first;
  mixed.scenarios[1].hospital = Hospital::default_hospital();
  CHECK(contains(message_of<InvalidValue>([&] { mixed.validate(); }), "another size"));
}

TEST_CASE("States saved under a stream carry it: they start only runs of that stream", "[experiments][state][stream]") {
  TempDir dir;
  Scenario drawn = named("typical", Policy::typical());
  drawn.stream = 3;
  Experiment first = experiment_of({drawn}, 365, 365);
  first.save_state = true;
  run_experiment(first, dir.file("first.h5"), FileMode::create);
  const auto file = core::ResultsFile::read(dir.file("first.h5"));
  CHECK(*core::find_attribute(file.scenario_attributes(0), "stream") == core::AttributeValue(std::int64_t{3}));
  const auto states = load_start_states(StartFrom{dir.file("first.h5"), ""}, 2, 11);
  REQUIRE(states.size() == 2);
  CHECK(states[1]->replicate == 1);
  CHECK(states[1]->stream == 3);

  // A scenario of another stream cannot carry on from them; one of the same stream can, and equals
  // the saved runs going on.
  Experiment wrong = experiment_of({named("typical", Policy::typical())}, 365, 0);
  wrong.start = StartFrom{dir.file("first.h5"), ""};
  CHECK(contains(message_of<InvalidValue>([&] { run_experiment(wrong, dir.file("wrong.h5"), FileMode::create); }),
                 "stream 3; this run has seed 11, replicate 0, stream 0"));
  Experiment next = experiment_of({drawn}, 365, 0);
  next.start = StartFrom{dir.file("first.h5"), ""};
  run_experiment(next, dir.file("next.h5"), FileMode::create);
  Experiment straight = experiment_of({drawn}, 2 * 365, 365);
  run_experiment(straight, dir.file("straight.h5"), FileMode::create);
  const auto a = core::ResultsFile::read(dir.file("straight.h5"));
  const auto b = core::ResultsFile::read(dir.file("next.h5"));
  const std::size_t outputs = a.layout().series.size();
  REQUIRE(a.layout().periods == 10);
  REQUIRE(b.layout().periods == 5);
  for (std::size_t r = 0; r < 2; ++r) {
    const auto whole = a.read_run(0, r);
    const auto rest = b.read_run(0, r);
    bool same = true;
    for (std::size_t o = 0; o < outputs; ++o) {
      for (std::size_t p = 0; p < 5; ++p) same &= whole[o * 10 + 5 + p] == rest[o * 5 + p];
    }
    CHECK(same);
  }
}
