// Run arrays: fixed-length per-run arrays beside the series (a saved end state, say). They are
// written, checksummed, resumed and merged with their run, and files without them are unchanged.
#include <hdf5.h>

#include <vector>

#include "core/errors.hpp"
#include "core/results_file.hpp"
#include "core/results_merge.hpp"
#include "tests/cpp/catch.hpp"
#include "tests/cpp/core/results_fixtures.hpp"
#include "tests/cpp/test_helpers.hpp"

using namespace culturesim;
using namespace culturesim::testing;

namespace {

core::ResultsLayout layout_with_arrays() {
  core::ResultsLayout layout = small_layout(2, 2, 4);
  layout.arrays = {{"state_a", 7, "seven values"}, {"state_b", 1, "one value"}};
  return layout;
}

}  // namespace

TEST_CASE("Run arrays round-trip with their run and are part of its checksum", "[core][results_file][arrays]") {
  TempDir dir;
  const auto layout = layout_with_arrays();
  REQUIRE(core::run_size(layout) == 3 * 4 + 7 + 1);
  const std::string path = dir.file("a.h5");
  write_small(path, layout, {{0, 0}, {1, 1}});
  const auto file = core::ResultsFile::read(path);
  CHECK(file.layout().arrays == layout.arrays);
  CHECK(file.read_run(1, 1) == run_values(layout, 1, 1));
  CHECK(file.read_run(0, 0) == run_values(layout, 0, 0));

  // A value of an array changed behind the engine's back fails the run's checksum.
  {
    hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t d = H5Dopen2(f, "arrays/state_a", H5P_DEFAULT);
    std::vector<double> all(2 * 2 * 7);
    H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, all.data());
    all[3] += 1.0;  // scenario 0, replicate 0, element 3
    H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, all.data());
    H5Dclose(d);
    H5Fclose(f);
  }
  CHECK(contains(message_of<DamagedResultsFile>([&] { core::ResultsFile::read(path); }), "checksum"));
}

TEST_CASE("A file is resumed and merged only with the same run arrays", "[core][results_file][arrays]") {
  TempDir dir;
  const auto layout = layout_with_arrays();
  const std::string path = dir.file("a.h5");
  write_small(path, layout, {{0, 0}});
  core::ResultsLayout other = layout;
  other.arrays[0].length = 8;
  CHECK(contains(message_of<ResultsFileError>([&] { core::ResultsFile::open(path, &other); }), "run arrays"));
  core::ResultsLayout none = layout;
  none.arrays.clear();
  CHECK(contains(message_of<ResultsFileError>([&] { core::ResultsFile::open(path, &none); }), "run arrays"));
  {
    auto file = core::ResultsFile::open(path, &layout);
    file.write_run(1, 0, run_values(layout, 1, 0));
  }
  // Two parts of one experiment merge with their arrays.
  const std::string part = dir.file("b.h5");
  write_small(part, layout, {{0, 1}, {1, 1}});
  const std::string merged = dir.file("m.h5");
  CHECK(core::merge_results({path, part}, merged, false) == 4);
  const auto file = core::ResultsFile::read(merged);
  for (std::size_t s = 0; s < 2; ++s) {
    for (std::size_t r = 0; r < 2; ++r) CHECK(file.read_run(s, r) == run_values(layout, s, r));
  }
}

TEST_CASE("Run arrays need names and at least one element", "[core][results_file][arrays]") {
  TempDir dir;
  auto layout = layout_with_arrays();
  layout.arrays[1].length = 0;
  CHECK(contains(message_of<InvalidValue>([&] { create_small(dir.file("x.h5"), layout); }), "at least one element"));
  layout = layout_with_arrays();
  layout.arrays[1].name = "state_a";
  CHECK(contains(message_of<InvalidValue>([&] { create_small(dir.file("x.h5"), layout); }), "duplicate array"));
  layout.arrays[1].name = "a/b";
  CHECK_THROWS_AS(create_small(dir.file("x.h5"), layout), InvalidValue);
}
