// Provenance of a results file: checked and completed by the engine, stored outside the
// definition checksum (so shards made at different times merge), read back verified, and
// recorded part by part in a merged file.
#include "core/provenance.hpp"

#include <regex>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/results_file.hpp"
#include "core/results_merge.hpp"
#include "core/version.hpp"
#include "tests/cpp/catch.hpp"
#include "tests/cpp/core/results_fixtures.hpp"
#include "tests/cpp/test_helpers.hpp"

using culturesim::InvalidValue;
using namespace culturesim::core;
using culturesim::testing::run_values;
using culturesim::testing::small_layout;
using culturesim::testing::TempDir;

namespace {

std::string text(const Attributes& attributes, const std::string& name) {
  const AttributeValue* v = find_attribute(attributes, name);
  REQUIRE(v != nullptr);
  REQUIRE(std::holds_alternative<std::string>(*v));
  return std::get<std::string>(*v);
}

ResultsFile create(const std::string& path, const Attributes& provenance) {
  return ResultsFile::create(path, small_layout(), {{"seed", std::int64_t{1}}}, {}, {}, false, provenance);
}

}  // namespace

TEST_CASE("The engine completes the provenance with the time, its version and its HDF5", "[core][provenance]") {
  const Attributes full = complete_provenance({{"description", std::string("board run")}});
  CHECK(std::regex_match(text(full, "created"), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
  CHECK(text(full, "description") == "board run");
  CHECK(text(full, "software.culturesim").rfind(culturesim::kEngineVersion, 0) == 0);
  CHECK(text(full, "software.hdf5") == hdf5_version());
  // In table order, whatever order the caller gave.
  std::vector<std::string> names;
  for (const auto& [name, value] : full) names.push_back(name);
  CHECK(names == std::vector<std::string>{"created", "description", "software.culturesim", "software.hdf5"});
}

TEST_CASE("Unknown provenance fields and wrong types are refused with the allowed names", "[core][provenance]") {
  CHECK(culturesim::testing::contains(
      culturesim::testing::message_of<InvalidValue>([] { complete_provenance({{"author", std::string("me")}}); }),
      "unknown field 'author'; allowed: created, description, command"));
  CHECK(culturesim::testing::contains(
      culturesim::testing::message_of<InvalidValue>([] { complete_provenance({{"command", std::int64_t{3}}}); }),
      "field 'command' must be a string"));
  CHECK(culturesim::testing::contains(culturesim::testing::message_of<InvalidValue>([] {
                                        complete_provenance({{"merged_from", std::string("one")}});
                                      }),
                                      "field 'merged_from' must be a list of strings"));
}

TEST_CASE("A results file keeps its provenance, outside the definition checksum", "[core][results_file][provenance]") {
  TempDir dir;
  const Attributes given = {{"command", std::string("culturesim sweep exp.toml -o a.h5")},
                            {"description", std::string("first")}};
  std::uint32_t first_definition = 0;
  {
    ResultsFile file = create(dir.file("a.h5"), given);
    first_definition = file.definition_checksum();
    CHECK(text(file.provenance(), "command") == "culturesim sweep exp.toml -o a.h5");
  }
  const ResultsFile read = ResultsFile::read(dir.file("a.h5"));
  CHECK(text(read.provenance(), "description") == "first");
  CHECK(text(read.provenance(), "created").size() == 20);
  CHECK(find_attribute(read.provenance(), "provenance_crc32") == nullptr);  // the checksum is not a field
  // Another command and description: the same experiment, so the same definition checksum.
  ResultsFile other = create(dir.file("b.h5"), {{"description", std::string("second")}});
  CHECK(other.definition_checksum() == first_definition);
}

TEST_CASE("A merged file records each part and keeps their descriptions", "[core][results_merge][provenance]") {
  TempDir dir;
  const auto layout = small_layout();
  for (int k = 0; k < 2; ++k) {
    ResultsFile part = create(dir.file("part" + std::to_string(k) + ".h5"),
                              {{"command", std::string("sweep --shard ") + std::to_string(k) + "/2"},
                               {"description", std::string(k == 0 ? "nightly" : "rerun")}});
    part.write_run(static_cast<std::size_t>(k), 0, run_values(layout, static_cast<std::size_t>(k), 0));
  }
  merge_results({dir.file("part0.h5"), dir.file("part1.h5")}, dir.file("merged.h5"), false,
                {{"command", std::string("culturesim merge part0.h5 part1.h5 -o merged.h5")}});
  const ResultsFile merged = ResultsFile::read(dir.file("merged.h5"));
  const Attributes& p = merged.provenance();
  CHECK(text(p, "command") == "culturesim merge part0.h5 part1.h5 -o merged.h5");
  CHECK(text(p, "description") == "nightly | rerun");
  const auto* lines = find_attribute(p, "merged_from");
  REQUIRE(lines != nullptr);
  const auto& from = std::get<std::vector<std::string>>(*lines);
  REQUIRE(from.size() == 2);
  CHECK(from[0].rfind("part0.h5: created ", 0) == 0);
  CHECK(culturesim::testing::contains(from[0], "by `sweep --shard 0/2`"));
  CHECK(culturesim::testing::contains(from[1], "by `sweep --shard 1/2`"));
  CHECK(merged.done_count() == 2);
}
