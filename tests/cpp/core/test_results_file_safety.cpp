// The results file under races, damage and refused commands: exclusive creation without replacing,
// writes only into the locked file, stale temporary files cleaned, refused opens leaving the
// file's bytes as they were, checksums of the definition and of every run.
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/checksum.hpp"
#include "core/errors.hpp"
#include "core/file_lock.hpp"
#include "core/results_file.hpp"
#include "tests/cpp/catch.hpp"
#include "tests/cpp/core/results_fixtures.hpp"
#include "tests/cpp/test_helpers.hpp"

namespace fs = std::filesystem;
using culturesim::DamagedResultsFile;
using culturesim::FileExists;
using culturesim::ResultsFileError;
using culturesim::testing::contains;
using culturesim::testing::create_small;
using culturesim::testing::message_of;
using culturesim::testing::run_values;
using culturesim::testing::small_layout;
using culturesim::testing::TempDir;
using culturesim::testing::write_small;
using namespace culturesim::core;

namespace {

std::string bytes_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

/// The id of a process that has exited (and been reaped), so no process runs under it now.
pid_t dead_pid() {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  int status = 0;
  ::waitpid(child, &status, 0);
  return child;
}

}  // namespace

TEST_CASE("CRC-32 matches the zlib known answer", "[core][checksum]") {
  CHECK(crc32(std::string_view("123456789")) == 0xCBF43926U);
  CHECK(crc32(std::string_view("")) == 0U);
  // Continuing a checksum equals one checksum over the concatenation.
  CHECK(crc32(std::string_view("6789"), crc32(std::string_view("12345"))) == 0xCBF43926U);
}

TEST_CASE("Publishing a new file never replaces one that appeared meanwhile", "[core][results_file][race]") {
  TempDir dir;
  const std::string from = dir.file("new.tmp");
  const std::string to = dir.file("target.h5");
  write_bytes(from, "new");
  write_bytes(to, "theirs");
  CHECK_FALSE(rename_no_replace(from, to));
  CHECK(bytes_of(to) == "theirs");
  CHECK(fs::exists(from));
  fs::remove(to);
  CHECK(rename_no_replace(from, to));
  CHECK(bytes_of(to) == "new");
  CHECK_FALSE(fs::exists(from));
}

TEST_CASE("A writer whose file was replaced behind its back writes nothing", "[core][results_file][race]") {
  TempDir dir;
  const std::string path = dir.file("results.h5");
  const ResultsLayout layout = small_layout();
  ResultsFile writer = create_small(path, layout);
  writer.write_run(0, 0, run_values(layout, 0, 0));

  // Someone else's file takes the name (as a second `--force` writer's rename would do).
  const std::string other = dir.file("other.h5");
  write_small(other, layout, {});
  fs::rename(other, path);
  const std::string before = bytes_of(path);

  const std::string message = message_of<ResultsFileError>([&] { writer.write_run(0, 1, run_values(layout, 0, 1)); });
  CHECK(contains(message, path));
  CHECK(contains(message, "no longer the file"));
  CHECK(bytes_of(path) == before);
  CHECK(ResultsFile::read(path).done_count() == 0);
}

TEST_CASE("Creation removes the temporary files of killed creations, and only those", "[core][results_file]") {
  TempDir dir;
  const std::string path = dir.file("results.h5");
  const std::string stale = path + ".creating." + std::to_string(dead_pid());
  const std::string live = path + ".creating." + std::to_string(::getppid());  // our parent runs
  const std::string unrelated = dir.file("results.h5.creating.notes");
  for (const auto* p : {&stale, &live, &unrelated}) write_bytes(*p, "partial");

  create_small(path, small_layout()).close();
  CHECK_FALSE(fs::exists(stale));
  CHECK(fs::exists(live));
  CHECK(fs::exists(unrelated));
}

TEST_CASE("A refused open leaves the file's bytes exactly as they were", "[core][results_file]") {
  TempDir dir;
  const std::string path = dir.file("results.h5");
  const ResultsLayout layout = small_layout();
  write_small(path, layout, {{1, 2}});
  const std::string before = bytes_of(path);

  ResultsLayout other = layout;
  other.replicates = 9;
  CHECK_THROWS_AS(ResultsFile::open(path, &other), ResultsFileError);
  CHECK(bytes_of(path) == before);

  // The caller's own check (seed, scenario texts, ...) runs before any write too.
  const std::string message = message_of<ResultsFileError>([&] {
    ResultsFile::open(path, &layout, [](const ResultsFile&) { throw ResultsFileError("a different seed"); });
  });
  CHECK(message == "a different seed");
  CHECK(bytes_of(path) == before);

  // Reading never writes either.
  CHECK(ResultsFile::read(path).done_count() == 1);
  CHECK(bytes_of(path) == before);
}

TEST_CASE("Overwriting replaces only results files, never another kind of file", "[core][results_file]") {
  TempDir dir;
  const std::string toml = dir.file("experiment.toml");
  write_bytes(toml, "[scenario]\nname = 'mine'\n");
  const std::string message = message_of<ResultsFileError>([&] { create_small(toml, small_layout(), true); });
  CHECK(contains(message, toml));
  CHECK(contains(message, "not an HDF5 file"));
  CHECK(bytes_of(toml) == "[scenario]\nname = 'mine'\n");

  CHECK_THROWS_AS(create_small("", small_layout()), culturesim::InvalidValue);
}

TEST_CASE("Damaged bytes are reported as a damaged file naming it, never a crash", "[core][results_file][damage]") {
  TempDir dir;
  const std::string path = dir.file("results.h5");
  const ResultsLayout layout = small_layout();
  write_small(path, layout, {{0, 1}, {1, 1}});
  const std::string intact = bytes_of(path);
  // Every 97th byte flipped in turn, and a few truncations: each is either refused with a clear
  // error naming the file, or (a byte HDF5 never reads) opens with exactly the intact contents.
  std::size_t refused = 0;
  std::size_t same = 0;
  for (std::size_t offset = 0; offset < intact.size(); offset += 97) {
    std::string damaged = intact;
    damaged[offset] = static_cast<char>(damaged[offset] ^ 0x10);
    write_bytes(path, damaged);
    try {
      const ResultsFile file = ResultsFile::read(path);
      CHECK(file.done_count() == 2);
      CHECK(file.read_run(0, 1) == run_values(layout, 0, 1));
      CHECK(file.read_run(1, 1) == run_values(layout, 1, 1));
      ++same;
    } catch (const ResultsFileError& e) {
      CHECK(contains(e.what(), path));
      ++refused;
    }
  }
  for (const std::size_t keep : {std::size_t{0}, std::size_t{7}, intact.size() / 2, intact.size() - 1}) {
    write_bytes(path, intact.substr(0, keep));
    CHECK(contains(message_of<ResultsFileError>([&] { (void)ResultsFile::read(path); }), path));
  }
  CHECK(refused > 0);
  INFO("flips refused " << refused << ", read intact " << same);
}

TEST_CASE("Two processes creating one new file: exactly one wins and the file is consistent",
          "[core][results_file][race]") {
  TempDir dir;
  const ResultsLayout layout = small_layout(1, 2, 4);
  constexpr int kTries = 30;
  int late_losers = 0;
  for (int t = 0; t < kTries; ++t) {
    const std::string path = dir.file("try" + std::to_string(t) + ".h5");
    int go[2];
    REQUIRE(::pipe(go) == 0);
    pid_t children[2];
    for (int k = 0; k < 2; ++k) {
      children[k] = ::fork();
      REQUIRE(children[k] >= 0);
      if (children[k] == 0) {
        // Both wait for the same byte-less event: the parent closing the pipe releases them together.
        ::close(go[1]);
        char byte = 0;
        (void)::read(go[0], &byte, 1);
        int code = 2;
        try {
          ResultsFile file = ResultsFile::create(path, layout, {{"writer", std::int64_t{k}}}, {}, {}, false);
          std::vector<double> values = run_values(layout, 0, 0);
          for (double& v : values) v += 1e6 * k;  // each writer's runs carry its mark
          file.write_run(0, 0, values);
          code = 0;
        } catch (const FileExists& e) {
          code = contains(e.what(), "appeared while") ? 3 : 1;
        } catch (...) {
        }
        ::_exit(code);
      }
    }
    ::close(go[0]);
    ::close(go[1]);
    int codes[2];
    for (int k = 0; k < 2; ++k) {
      int status = 0;
      REQUIRE(::waitpid(children[k], &status, 0) == children[k]);
      REQUIRE(WIFEXITED(status));
      codes[k] = WEXITSTATUS(status);
    }
    INFO("try " << t << ": exit codes " << codes[0] << ", " << codes[1]);
    const int winner = codes[0] == 0 ? 0 : 1;
    REQUIRE(codes[winner] == 0);
    REQUIRE((codes[1 - winner] == 1 || codes[1 - winner] == 3));
    late_losers += codes[1 - winner] == 3;
    const ResultsFile file = ResultsFile::read(path);
    const Attributes stored = file.root_attributes();
    const AttributeValue* writer = find_attribute(stored, "writer");
    REQUIRE(writer != nullptr);
    CHECK(std::get<std::int64_t>(*writer) == winner);
    std::vector<double> expected = run_values(layout, 0, 0);
    for (double& v : expected) v += 1e6 * winner;
    CHECK(file.read_run(0, 0) == expected);
  }
  // Stale names: nothing but the results is left in the directory.
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(fs::path(dir.file("x")).parent_path())) ++entries;
  CHECK(entries == static_cast<std::size_t>(kTries));
  WARN(kTries << " tries: one winner each; " << late_losers << " losers were refused only when publishing");
}
