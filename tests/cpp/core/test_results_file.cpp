// The HDF5 results file: layout, round trip, completion mask, refusal to overwrite or to resume a
// different experiment, and crash safety against a writer killed with SIGKILL.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/results_file.hpp"
#include "tests/cpp/catch.hpp"
#include "tests/cpp/core/results_fixtures.hpp"
#include "tests/cpp/test_helpers.hpp"

namespace fs = std::filesystem;
using culturesim::FileExists;
using culturesim::InvalidValue;
using culturesim::ResultsFileError;
using namespace culturesim::core;
using culturesim::testing::create_small;
using culturesim::testing::run_values;
using culturesim::testing::small_layout;
using culturesim::testing::TempDir;

namespace {

bool all_nan(const std::vector<double>& values) {
  for (double v : values) {
    if (!std::isnan(v)) return false;
  }
  return true;
}

using culturesim::testing::contains;
// thrown_message: the shared message_of (which also fails the test when nothing is thrown).
template <typename E, typename F>
std::string thrown_message(F&& action) {
  return culturesim::testing::message_of<E>(std::forward<F>(action));
}

template <typename T>
const T& attribute_as(const Attributes& attributes, const std::string& name) {
  const AttributeValue* value = find_attribute(attributes, name);
  REQUIRE(value != nullptr);
  REQUIRE(std::holds_alternative<T>(*value));
  return std::get<T>(*value);
}

}  // namespace

TEST_CASE("A results file round-trips run values, attributes and scenario definitions", "[core][results_file]") {
  TempDir dir;
  const std::string path = dir.file("results.h5");
  const ResultsLayout layout = small_layout();
  const Attributes root = {{"engine_version", std::string("0.1.0")},
                           {"seed", std::int64_t{20240601}},
                           {"years", 10.0},
                           {"record_every", std::string("month")},
                           {"outputs", std::vector<std::string>{"reports", "staff", "burnout"}},
                           {"no_values", std::vector<double>{}}};
  std::vector<Attributes> per_scenario;
  for (std::size_t s = 0; s < layout.scenarios.size(); ++s) {
    per_scenario.push_back({{"policy", std::string(s == 0 ? "blame" : "just_culture")},
                            {"alpha_base", 0.1 * static_cast<double>(s + 1)},
                            {"peer_support", std::vector<double>{0.5, 0.25, static_cast<double>(s)}},
                            {"peer_support__keys", std::vector<std::string>{"nurse", "physician", "resident"}},
                            {"note", std::string("Zürich — ünïcode")}});
  }
  const std::vector<std::string> texts = {"[scenario]\nname = \"scenario_0\"\n", "{\"name\": \"scenario_1\"}"};

  {
    ResultsFile file = ResultsFile::create(path, layout, root, per_scenario, texts, false);
    for (std::size_t s = 0; s < layout.scenarios.size(); ++s) {
      for (std::size_t r = 0; r < layout.replicates; ++r) file.write_run(s, r, run_values(layout, s, r));
    }
    REQUIRE(file.done_count() == layout.scenarios.size() * layout.replicates);
  }

  ResultsFile file = ResultsFile::open(path, &layout);
  const ResultsLayout& stored = file.layout();
  REQUIRE(stored.series.size() == layout.series.size());
  for (std::size_t i = 0; i < layout.series.size(); ++i) {
    CHECK(stored.series[i].name == layout.series[i].name);
    CHECK(stored.series[i].unit == layout.series[i].unit);
    CHECK(stored.series[i].kind == layout.series[i].kind);
    CHECK(stored.series[i].description == layout.series[i].description);
  }
  CHECK(stored.scenarios == layout.scenarios);
  CHECK(stored.replicates == layout.replicates);
  CHECK(stored.periods == layout.periods);
  CHECK(stored.period_start_day == layout.period_start_day);
  CHECK(stored.period_days == layout.period_days);

  for (std::size_t s = 0; s < layout.scenarios.size(); ++s) {
    for (std::size_t r = 0; r < layout.replicates; ++r) {
      CHECK(file.done(s, r));
      CHECK(file.read_run(s, r) == run_values(layout, s, r));
    }
  }

  const Attributes root_back = file.root_attributes();
  CHECK(attribute_as<std::string>(root_back, "format") == "culturesim-results");
  CHECK(attribute_as<std::int64_t>(root_back, "format_version") == kResultsFormatVersion);
  CHECK(attribute_as<std::string>(root_back, "engine_version") == "0.1.0");
  CHECK(attribute_as<std::int64_t>(root_back, "seed") == 20240601);
  CHECK(attribute_as<double>(root_back, "years") == 10.0);
  CHECK(attribute_as<std::vector<std::string>>(root_back, "outputs") ==
        std::vector<std::string>{"reports", "staff", "burnout"});
  CHECK(attribute_as<std::vector<double>>(root_back, "no_values").empty());
  // Creation order is kept: the format marker first, then the caller's attributes as given, then
  // the checksum of the whole definition.
  REQUIRE(root_back.size() == root.size() + 3);
  CHECK(root_back.back().first == "definition_crc32");
  CHECK(attribute_as<std::int64_t>(root_back, "definition_crc32") == file.definition_checksum());
  for (std::size_t i = 0; i < root.size(); ++i) CHECK(root_back[i + 2].first == root[i].first);

  for (std::size_t s = 0; s < layout.scenarios.size(); ++s) {
    const Attributes back = file.scenario_attributes(s);
    REQUIRE(back.size() == per_scenario[s].size());
    for (std::size_t i = 0; i < back.size(); ++i) {
      CHECK(back[i].first == per_scenario[s][i].first);
      CHECK(back[i].second == per_scenario[s][i].second);
    }
    CHECK(file.scenario_text(s) == texts[s]);
  }
}

TEST_CASE("Runs not yet written read as NaN and are not marked done", "[core][results_file]") {
  TempDir dir;
  const std::string path = dir.file("partial.h5");
  const ResultsLayout layout = small_layout();
  ResultsFile file = create_small(path, layout);
  CHECK(file.done_count() == 0);
  file.write_run(1, 2, run_values(layout, 1, 2));

  CHECK(file.done(1, 2));
  CHECK_FALSE(file.done(0, 0));
  CHECK_FALSE(file.done(1, 1));
  CHECK(file.done_count() == 1);
  CHECK(all_nan(file.read_run(0, 0)));
  CHECK(all_nan(file.read_run(1, 1)));
  CHECK(file.read_run(1, 2) == run_values(layout, 1, 2));
  file.close();

  const ResultsFile reopened = ResultsFile::open(path);
  CHECK(reopened.done_count() == 1);
  CHECK(reopened.done(1, 2));
  CHECK_FALSE(reopened.done(0, 2));
  CHECK(all_nan(reopened.read_run(0, 2)));
}

TEST_CASE("A results file refuses to overwrite an existing file unless asked", "[core][results_file]") {
  TempDir dir;
  const std::string path = dir.file("existing.h5");
  const ResultsLayout layout = small_layout();
  {
    ResultsFile file = create_small(path, layout);
    file.write_run(0, 0, run_values(layout, 0, 0));
  }
  try {
    create_small(path, layout);
    FAIL("create() overwrote an existing file");
  } catch (const FileExists& e) {
    const std::string message = e.what();
    CHECK(message.find(path) != std::string::npos);
    CHECK(message.find("overwrite") != std::string::npos);
    CHECK(message.find("--force") != std::string::npos);
  }
  CHECK(ResultsFile::open(path).done_count() == 1);  // the old file is untouched

  ResultsFile replaced = create_small(path, layout, /*overwrite=*/true);
  CHECK(replaced.done_count() == 0);
  replaced.close();
  CHECK(ResultsFile::open(path).done_count() == 0);
  // No temporary file is left next to the result.
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(fs::path(path).parent_path())) ++entries;
  CHECK(entries == 1);
}

TEST_CASE("A results file cannot be opened twice for writing", "[core][results_file]") {
  TempDir dir;
  const std::string path = dir.file("busy.h5");
  const ResultsLayout layout = small_layout();
  ResultsFile writer = create_small(path, layout);
  writer.write_run(0, 0, run_values(layout, 0, 0));

  CHECK_THROWS_AS(ResultsFile::open(path), ResultsFileError);
  try {
    ResultsFile::open(path);
  } catch (const ResultsFileError& e) {
    const std::string message = e.what();
    CHECK(message.find(path) != std::string::npos);
    CHECK(message.find("open for writing") != std::string::npos);
    CHECK(message.find("HDF5") == std::string::npos);  // our message, not an HDF5 error stack
  }
  CHECK_THROWS_AS(create_small(path, layout, /*overwrite=*/true), ResultsFileError);

  writer.write_run(0, 1, run_values(layout, 0, 1));  // the refused attempts did not disturb the writer
  writer.close();
  CHECK_THROWS_AS(writer.write_run(0, 2, run_values(layout, 0, 2)), ResultsFileError);
  const ResultsFile reopened = ResultsFile::open(path);
  CHECK(reopened.done_count() == 2);
}

TEST_CASE("Opening a results file checks that it belongs to the same experiment", "[core][results_file]") {
  TempDir dir;
  const std::string path = dir.file("experiment.h5");
  const ResultsLayout layout = small_layout();
  create_small(path, layout).close();

  CHECK(ResultsFile::open(path, &layout).layout().scenarios == layout.scenarios);

  auto message_of = [&](const ResultsLayout& expected) {
    try {
      ResultsFile::open(path, &expected);
    } catch (const ResultsFileError& e) {
      return std::string(e.what());
    }
    FAIL("open() accepted a different layout");
    return std::string();
  };

  ResultsLayout more_series = layout;
  more_series.series.push_back({"turnover", "persons", "flow", "staff who left"});
  std::string message = message_of(more_series);
  CHECK(message.find(path) != std::string::npos);
  CHECK(message.find("series differ") != std::string::npos);
  CHECK(message.find("turnover") != std::string::npos);

  ResultsLayout renamed = layout;
  renamed.scenarios[1] = "just_culture";
  message = message_of(renamed);
  CHECK(message.find("scenarios differ") != std::string::npos);
  CHECK(message.find("just_culture") != std::string::npos);
  CHECK(message.find("scenario_1") != std::string::npos);

  ResultsLayout reordered = layout;
  std::swap(reordered.series[0], reordered.series[1]);
  CHECK(message_of(reordered).find("different order") != std::string::npos);

  ResultsLayout more_replicates = layout;
  more_replicates.replicates = 7;
  CHECK(message_of(more_replicates).find("replicates differ (file has 3, experiment has 7)") != std::string::npos);

  ResultsLayout fewer_periods = small_layout(2, 3, 4);
  CHECK(message_of(fewer_periods).find("periods differ (file has 5, experiment has 4)") != std::string::npos);

  ResultsLayout shifted = layout;
  shifted.period_start_day[2] += 1.0;
  CHECK(message_of(shifted).find("period_start_day differs from period 2") != std::string::npos);
}

TEST_CASE("Opening a file that is not a culturesim results file fails with a clear error", "[core][results_file]") {
  TempDir dir;
  const std::string missing = dir.file("missing.h5");
  CHECK_THROWS_AS(ResultsFile::open(missing), ResultsFileError);

  const std::string text = dir.file("notes.txt");
  { std::ofstream(text) << "not hdf5\n"; }
  try {
    ResultsFile::open(text);
    FAIL("opened a text file");
  } catch (const ResultsFileError& e) {
    CHECK(std::string(e.what()).find(text) != std::string::npos);
    CHECK(std::string(e.what()).find("not a culturesim results file") != std::string::npos);
  }
}

TEST_CASE("A results file rejects bad layouts, indices and run lengths", "[core][results_file]") {
  TempDir dir;
  const ResultsLayout layout = small_layout();

  ResultsLayout empty;
  CHECK_THROWS_AS(create_small(dir.file("a.h5"), empty), InvalidValue);
  ResultsLayout duplicate = layout;
  duplicate.series.push_back(layout.series[0]);
  CHECK(contains(thrown_message<InvalidValue>([&] { create_small(dir.file("b.h5"), duplicate); }),
                 "duplicate series 'reports'"));
  ResultsLayout slash = layout;
  slash.series[1].name = "staff/nurses";
  CHECK(contains(thrown_message<InvalidValue>([&] { create_small(dir.file("c.h5"), slash); }), "'staff/nurses'"));
  ResultsLayout bad_scenario = layout;
  bad_scenario.scenarios[0] = "a/b";
  CHECK_THROWS_AS(create_small(dir.file("d.h5"), bad_scenario), InvalidValue);
  ResultsLayout short_coords = layout;
  short_coords.period_days.pop_back();
  CHECK(contains(thrown_message<InvalidValue>([&] { create_small(dir.file("e.h5"), short_coords); }), "period_days"));
  CHECK_THROWS_AS(ResultsFile::create(dir.file("f.h5"), layout, {{"format", std::string("mine")}}, {}, {}, false),
                  InvalidValue);
  CHECK_THROWS_AS(ResultsFile::create(dir.file("g.h5"), layout, {}, {{}}, {}, false), InvalidValue);
  CHECK_FALSE(fs::exists(dir.file("a.h5")));

  ResultsFile file = create_small(dir.file("ok.h5"), layout);
  const auto values = run_values(layout, 0, 0);
  std::string message = thrown_message<InvalidValue>([&] { file.write_run(2, 0, values); });
  CHECK(contains(message, "scenario index 2"));
  CHECK(contains(message, "0..1"));
  message = thrown_message<InvalidValue>([&] { file.write_run(0, 3, values); });
  CHECK(contains(message, "replicate index 3"));
  CHECK(contains(message, "0..2"));
  CHECK(contains(thrown_message<InvalidValue>([&] { file.write_run(0, 0, std::vector<double>(values.size() - 1)); }),
                 "expected series x periods = 3 x 5 = 15"));
  CHECK_THROWS_AS(file.done(0, 3), InvalidValue);
  file.write_run(0, 0, values);
  CHECK(contains(thrown_message<InvalidValue>([&] { file.write_run(0, 0, values); }), "already written"));
  CHECK(file.done_count() == 1);
}

TEST_CASE("A writer killed with SIGKILL leaves every finished run readable and the file resumable",
          "[core][results_file]") {
  TempDir dir;
  const std::string path = dir.file("killed.h5");
  const ResultsLayout layout = small_layout(4, 60, 24);
  create_small(path, layout).close();
  const std::size_t total = layout.scenarios.size() * layout.replicates;
  const std::size_t kill_after = 40;

  int report[2];
  REQUIRE(::pipe(report) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // The writer: resume the file and write every run, reporting each finished one to the parent.
    ::close(report[0]);
    try {
      ResultsFile file = ResultsFile::open(path, &layout);
      for (std::size_t s = 0; s < layout.scenarios.size(); ++s) {
        for (std::size_t r = 0; r < layout.replicates; ++r) {
          file.write_run(s, r, run_values(layout, s, r));
          const char finished = 1;
          if (::write(report[1], &finished, 1) != 1) ::_exit(3);
        }
      }
    } catch (...) {
      ::_exit(2);
    }
    ::_exit(0);
  }
  ::close(report[1]);
  std::size_t reported = 0;
  char byte = 0;
  while (reported < kill_after && ::read(report[0], &byte, 1) == 1) ++reported;
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  ::close(report[0]);
  REQUIRE(reported == kill_after);  // the child wrote runs until it was killed
  REQUIRE(WIFSIGNALED(status));

  std::size_t finished = 0;
  {
    ResultsFile file = ResultsFile::open(path, &layout);
    finished = file.done_count();
    CHECK(finished >= kill_after);
    if (finished == total) WARN("the writer finished before it was killed; the kill did not land mid-way");
    // The finished runs are exactly the first `finished` in the writer's order, with intact values.
    for (std::size_t k = 0; k < total; ++k) {
      const std::size_t s = k / layout.replicates;
      const std::size_t r = k % layout.replicates;
      INFO("run " << k << " (scenario " << s << ", replicate " << r << ")");
      CHECK(file.done(s, r) == (k < finished));
      if (k < finished) {
        CHECK(file.read_run(s, r) == run_values(layout, s, r));
      } else if (k > finished) {
        CHECK(all_nan(file.read_run(s, r)));  // never started
      }
    }

    // Resume: write the rest.
    for (std::size_t k = finished; k < total; ++k) {
      file.write_run(k / layout.replicates, k % layout.replicates,
                     run_values(layout, k / layout.replicates, k % layout.replicates));
    }
    CHECK(file.done_count() == total);
  }
  const ResultsFile resumed = ResultsFile::open(path, &layout);
  CHECK(resumed.done_count() == total);
  for (std::size_t s = 0; s < layout.scenarios.size(); ++s) {
    for (std::size_t r = 0; r < layout.replicates; ++r) CHECK(resumed.read_run(s, r) == run_values(layout, s, r));
  }
}

TEST_CASE("Resuming a finished file changes no byte of it (issue 18)", "[core][results_file]") {
  TempDir dir;
  const std::string path = dir.file("finished.h5");
  const ResultsLayout layout = small_layout();
  {
    ResultsFile writer = create_small(path, layout);
    for (std::size_t s = 0; s < layout.scenarios.size(); ++s) {
      for (std::size_t r = 0; r < layout.replicates; ++r) writer.write_run(s, r, run_values(layout, s, r));
    }
  }
  auto bytes = [&] {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  const std::string before = bytes();
  for (int k = 0; k < 3; ++k) {
    const ResultsFile again = ResultsFile::open(path);
    CHECK(again.done_count() == layout.scenarios.size() * layout.replicates);
  }
  CHECK(bytes() == before);  // not grown by the reserve an unfinished file gets
}
