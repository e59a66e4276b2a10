// The results file: creation, verification, resume and run writes. HDF5 handles, values, the file
// lock and the layout live in their own units (hdf5_handle, hdf5_values, file_lock,
// results_layout); this file puts them together. See results_file.hpp and docs/results-format.md.
#include "core/results_file.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>

#include "core/checksum.hpp"
#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/file_lock.hpp"
#include "core/hdf5_values.hpp"
#include "core/provenance.hpp"

namespace culturesim::core {
namespace {

using namespace h5;  // NOLINT: this file is the one user of the private HDF5 helpers

const std::vector<std::string> kReservedRootAttributes = {"format", "format_version", "definition_crc32"};

std::string in_quotes(const std::string& path) { return "'" + path + "'"; }

/// The file's length: no dataset or attribute of an uncompressed kind can hold more bytes.
std::size_t file_length(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  return ec ? 0 : static_cast<std::size_t>(size);
}

void check_path(const std::string& path) {
  if (path.empty()) throw InvalidValue("results file path is empty; give a file name such as results.h5");
  if (path.find('\0') != std::string::npos) throw InvalidValue("results file path contains a NUL character");
}

/// For open() and read(): the path must name an existing file.
void check_existing(const std::string& path) {
  check_path(path);
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(path, ec)) throw ResultsFileError("results file " + in_quotes(path) + " does not exist");
  if (fs::is_directory(path, ec)) throw ResultsFileError("results file " + in_quotes(path) + " is a directory");
  // Only a regular file: a FIFO would block the open forever, a device never ends.
  if (!fs::is_regular_file(path, ec)) {
    throw ResultsFileError("results file " + in_quotes(path) +
                           " is not a regular file (a FIFO, device or socket); give a results file");
  }
}

// ---------------------------------------------------------------------------------------------
// The definition checksum: CRC-32 over everything the file defines, each piece length-prefixed so
// that no two different definitions serialise alike.

void feed(std::uint32_t& crc, std::string_view text) {
  const std::uint64_t size = text.size();
  crc = crc32(std::as_bytes(std::span<const std::uint64_t>(&size, 1)), crc);
  crc = crc32(text, crc);
}
void feed(std::uint32_t& crc, std::span<const double> values) {
  const std::uint64_t size = values.size();
  crc = crc32(std::as_bytes(std::span<const std::uint64_t>(&size, 1)), crc);
  crc = crc32(values, crc);
}
void feed(std::uint32_t& crc, std::int64_t value) {
  crc = crc32(std::as_bytes(std::span<const std::int64_t>(&value, 1)), crc);
}
void feed(std::uint32_t& crc, const Attributes& attributes) {
  for (const auto& [name, value] : attributes) {
    if (std::find(kReservedRootAttributes.begin(), kReservedRootAttributes.end(), name) !=
        kReservedRootAttributes.end()) {
      continue;
    }
    feed(crc, name);
    feed(crc, static_cast<std::int64_t>(value.index()));
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::int64_t>) {
            feed(crc, v);
          } else if constexpr (std::is_same_v<T, double>) {
            feed(crc, std::span<const double>(&v, 1));
          } else if constexpr (std::is_same_v<T, std::string>) {
            feed(crc, std::string_view(v));
          } else if constexpr (std::is_same_v<T, std::vector<double>>) {
            feed(crc, std::span<const double>(v));
          } else {
            feed(crc, static_cast<std::int64_t>(v.size()));
            for (const auto& s : v) feed(crc, std::string_view(s));
          }
        },
        value);
  }
}

/// Reads the layout (coordinates, shapes, series metadata) from an open file.
ResultsLayout read_layout(hid_t file, const std::string& path, std::size_t limit) {
  ResultsLayout layout;
  Handle coords = open_group(file, "coords", path);
  layout.scenarios = read_string_dataset(coords, "scenario", path, limit);
  const auto series_names = read_string_dataset(coords, "series", path, limit);
  layout.period_start_day = read_numeric_dataset<double>(coords, "period_start_day", H5T_NATIVE_DOUBLE, 1, path, limit);
  layout.period_days = read_numeric_dataset<double>(coords, "period_days", H5T_NATIVE_DOUBLE, 1, path, limit);
  layout.periods = layout.period_start_day.size();
  Handle done = open_dataset(file, "done", path);
  const auto done_dims = dataset_dims(done, path, "/done");
  if (done_dims.size() != 2 || done_dims[0] != layout.scenarios.size()) {
    fail(path, "/done does not have the shape (scenario, replicate)");
  }
  layout.replicates = done_dims[1];
  Handle series = open_group(file, "series", path);
  for (const auto& name : series_names) {
    if (name.empty() || name.find('/') != std::string::npos || name == ".") fail(path, "a series name is damaged");
    Handle dset = open_dataset(series, name, path);
    const auto dims = dataset_dims(dset, path, "/series/" + name);
    if (dims != std::vector<hsize_t>{layout.scenarios.size(), layout.replicates, layout.periods}) {
      fail(path, "/series/" + name + " does not have the shape (scenario, replicate, period)");
    }
    layout.series.push_back({name, string_attribute(dset, "unit", path, limit),
                             string_attribute(dset, "kind", path, limit),
                             string_attribute(dset, "description", path, limit)});
  }
  // Run arrays (optional: files without them have no /coords/array).
  if (H5Lexists(coords, "array", H5P_DEFAULT) > 0) {
    Handle arrays = open_group(file, "arrays", path);
    for (const auto& name : read_string_dataset(coords, "array", path, limit)) {
      if (name.empty() || name.find('/') != std::string::npos || name == ".") fail(path, "an array name is damaged");
      Handle dset = open_dataset(arrays, name, path);
      const auto dims = dataset_dims(dset, path, "/arrays/" + name);
      // An array's length is bounded by what the file could hold at deflate's largest ratio (about
      // 1000:1), before a run's worth of memory is allocated for it.
      if (dims.size() != 3 || dims[0] != layout.scenarios.size() || dims[1] != layout.replicates || dims[2] == 0 ||
          dims[2] > limit * 128) {
        fail(path, "/arrays/" + name + " does not have the shape (scenario, replicate, element)");
      }
      layout.arrays.push_back(
          {name, static_cast<std::size_t>(dims[2]), string_attribute(dset, "description", path, limit)});
    }
  }
  return layout;
}

std::uint32_t compute_definition_crc(hid_t file, const ResultsLayout& layout, const std::string& path,
                                     std::size_t limit) {
  std::uint32_t crc = 0;
  for (const auto& spec : layout.series) {
    for (const auto* text : {&spec.name, &spec.unit, &spec.kind, &spec.description}) feed(crc, *text);
  }
  feed(crc, static_cast<std::int64_t>(layout.scenarios.size()));
  for (const auto& name : layout.scenarios) feed(crc, name);
  feed(crc, static_cast<std::int64_t>(layout.replicates));
  feed(crc, std::span<const double>(layout.period_start_day));
  feed(crc, std::span<const double>(layout.period_days));
  for (const auto& spec : layout.arrays) {  // none in files without arrays: their CRC is as before
    feed(crc, spec.name);
    feed(crc, static_cast<std::int64_t>(spec.length));
    feed(crc, spec.description);
  }
  feed(crc, read_attributes(file, path, limit));
  Handle scenarios = open_group(file, "scenarios", path);
  for (const auto& name : layout.scenarios) {
    Handle group = open_group(scenarios, name, path);
    feed(crc, read_attributes(group, path, limit));
    const auto texts = read_string_dataset(group, "definition", path, limit);
    feed(crc, texts.empty() ? std::string_view{} : std::string_view(texts.front()));
  }
  return crc;
}

/// The CRC-32 of the provenance attributes (without their checksum), each length-prefixed.
std::uint32_t provenance_crc(const Attributes& provenance) {
  std::uint32_t crc = 0;
  feed(crc, provenance);
  return crc;
}

/// Writes /provenance (the attributes, then their checksum computed from what was read back).
void write_provenance(hid_t file, const Attributes& provenance, const std::string& path) {
  Handle gcpl = plist(H5P_GROUP_CREATE, path);
  check(H5Pset_attr_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED), path,
        "cannot set creation order");
  const std::string name(kProvenanceGroup);
  Handle group = checked(H5Gcreate2(file, name.c_str(), H5P_DEFAULT, gcpl, H5P_DEFAULT), H5Gclose, path,
                         "cannot create group " + name);
  for (const auto& [key, value] : provenance) write_attribute(group, key, value, path);
  const auto crc = provenance_crc(read_attributes(group, path, std::numeric_limits<std::size_t>::max()));
  write_attribute(group, std::string(kProvenanceChecksum), static_cast<std::int64_t>(crc), path);
}

/// The verified provenance of `file`, or {} when it has none (a file written before it existed).
Attributes read_provenance(hid_t file, const std::string& path, std::size_t limit) {
  const std::string name(kProvenanceGroup);
  const htri_t exists = H5Lexists(file, name.c_str(), H5P_DEFAULT);
  if (exists < 0) fail(path, "its root group's links cannot be read");
  if (exists == 0) return {};
  Handle group = open_group(file, name, path);
  Attributes attributes = read_attributes(group, path, limit);
  const auto stored =
      std::find_if(attributes.begin(), attributes.end(), [](const auto& a) { return a.first == kProvenanceChecksum; });
  if (stored == attributes.end() || !std::holds_alternative<std::int64_t>(stored->second)) {
    throw DamagedResultsFile("results file " + in_quotes(path) + " is damaged: /provenance has no checksum");
  }
  const auto expected = std::get<std::int64_t>(stored->second);
  attributes.erase(stored);
  if (static_cast<std::int64_t>(provenance_crc(attributes)) != expected) {
    throw DamagedResultsFile("results file " + in_quotes(path) +
                             " is damaged: its provenance (/provenance) does not match its checksum");
  }
  return attributes;
}

/// Creation properties of a (scenario, replicate, element) dataset of float64: one chunk per run
/// (and per 2^17 elements), so writing one run never rewrites another; shuffle and gzip; Fletcher-32
/// per chunk, so plain h5py readers detect a damaged chunk too; NaN where nothing was written.
Handle per_run_chunks(std::size_t length, const std::string& path) {
  const hsize_t chunk[3] = {1, 1, std::min<hsize_t>(length, hsize_t{1} << 17)};
  Handle dcpl = plist(H5P_DATASET_CREATE, path);
  check(H5Pset_chunk(dcpl, 3, chunk), path, "cannot set chunking");
  check(H5Pset_shuffle(dcpl), path, "cannot set the shuffle filter");
  check(H5Pset_deflate(dcpl, 4), path, "cannot set gzip compression");
  check(H5Pset_fletcher32(dcpl), path, "cannot set the Fletcher-32 filter");
  const double nan = std::numeric_limits<double>::quiet_NaN();
  check(H5Pset_fill_value(dcpl, H5T_NATIVE_DOUBLE, &nan), path, "cannot set the fill value");
  check(H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_INCR), path, "cannot set the allocation time");
  return dcpl;
}

/// Moves one run's rows between memory and every /series dataset: `write` copies `values` into the
/// file, otherwise the file's rows into `values`. Each dataset is closed before the next one: in
/// SWMR mode closing flushes its chunk index, so file space a rewritten chunk gives up is only
/// reused after no index on disk points at it any more.
void transfer_run(hid_t file, const ResultsLayout& layout, std::size_t scenario, std::size_t replicate, double* values,
                  bool write, const std::string& path, const std::string& what) {
  Handle series = open_group(file, "series", path);
  const hsize_t count[3] = {1, 1, layout.periods};
  const hsize_t start[3] = {scenario, replicate, 0};
  Handle memory = simple_space(std::span<const hsize_t>(count + 2, 1), path);
  for (std::size_t i = 0; i < layout.series.size(); ++i) {
    Handle dset = open_dataset(series, layout.series[i].name, path);
    Handle space = checked(H5Dget_space(dset), H5Sclose, path, what);
    check(H5Sselect_hyperslab(space, H5S_SELECT_SET, start, nullptr, count, nullptr), path, what);
    double* row = values + i * layout.periods;
    check(write ? H5Dwrite(dset, H5T_NATIVE_DOUBLE, memory, space, H5P_DEFAULT, row)
                : H5Dread(dset, H5T_NATIVE_DOUBLE, memory, space, H5P_DEFAULT, row),
          path, what + (write ? " to /series/" : " from /series/") + layout.series[i].name);
  }
  if (layout.arrays.empty()) return;
  Handle arrays = open_group(file, "arrays", path);
  double* at = values + layout.series.size() * layout.periods;
  for (const auto& spec : layout.arrays) {
    const hsize_t array_count[3] = {1, 1, spec.length};
    Handle array_memory = simple_space(std::span<const hsize_t>(array_count + 2, 1), path);
    Handle dset = open_dataset(arrays, spec.name, path);
    Handle space = checked(H5Dget_space(dset), H5Sclose, path, what);
    check(H5Sselect_hyperslab(space, H5S_SELECT_SET, start, nullptr, array_count, nullptr), path, what);
    check(write ? H5Dwrite(dset, H5T_NATIVE_DOUBLE, array_memory, space, H5P_DEFAULT, at)
                : H5Dread(dset, H5T_NATIVE_DOUBLE, array_memory, space, H5P_DEFAULT, at),
          path, what + (write ? " to /arrays/" : " from /arrays/") + spec.name);
    at += spec.length;
  }
}

/// Writes one element (scenario, replicate) of a 2-D dataset such as /done or /checksums.
void write_cell(hid_t file, const char* name, hid_t mem_type, std::size_t scenario, std::size_t replicate,
                const void* value, const std::string& path, const std::string& what) {
  Handle dset = open_dataset(file, name, path);
  Handle space = checked(H5Dget_space(dset), H5Sclose, path, what);
  const hsize_t start[2] = {scenario, replicate};
  const hsize_t count[2] = {1, 1};
  check(H5Sselect_hyperslab(space, H5S_SELECT_SET, start, nullptr, count, nullptr), path, what);
  const hsize_t one[1] = {1};
  Handle memory = simple_space(one, path);
  check(H5Dwrite(dset, mem_type, memory, space, H5P_DEFAULT, value), path, what + std::string(" (/") + name + ")");
}

/// A contiguous (scenario, replicate) dataset allocated and zero-filled at creation, so marking a
/// run later is a small in-place write.
void create_run_table(hid_t file, const char* name, hid_t file_type, hid_t mem_type, const ResultsLayout& layout,
                      const std::string& description, const std::string& path) {
  const hsize_t dims[2] = {layout.scenarios.size(), layout.replicates};
  Handle space = simple_space(dims, path);
  Handle dcpl = plist(H5P_DATASET_CREATE, path);
  const std::uint64_t zero = 0;
  check(H5Pset_layout(dcpl, H5D_CONTIGUOUS), path, std::string("cannot set the layout of /") + name);
  check(H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY), path, "cannot set the allocation time");
  check(H5Pset_fill_value(dcpl, mem_type, &zero), path, "cannot set the fill value");
  check(H5Pset_fill_time(dcpl, H5D_FILL_TIME_ALLOC), path, "cannot set the fill time");
  Handle dset = checked(H5Dcreate2(file, name, file_type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), H5Dclose, path,
                        std::string("cannot create dataset /") + name);
  write_attribute(dset, "description", description, path);
  write_attribute(dset, "dimensions", std::vector<std::string>{"scenario", "replicate"}, path);
}

/// Writes the whole new file into the open `file` (layout, attributes, definitions, empty tables).
void write_new_file(hid_t file, const ResultsLayout& layout, const Attributes& root_attributes,
                    const std::vector<Attributes>& scenario_attributes, const std::vector<std::string>& scenario_texts,
                    const std::string& path) {
  const std::size_t n_scenarios = layout.scenarios.size();
  Handle gcpl = plist(H5P_GROUP_CREATE, path);
  check(H5Pset_link_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED), path,
        "cannot set creation order");
  check(H5Pset_attr_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED), path,
        "cannot set creation order");
  auto make_group = [&](hid_t loc, const std::string& name) {
    return checked(H5Gcreate2(loc, name.c_str(), H5P_DEFAULT, gcpl, H5P_DEFAULT), H5Gclose, path,
                   "cannot create group " + name);
  };

  // Root attributes: the format marker first, then the caller's.
  write_attribute(file, "format", std::string(kResultsFormat), path);
  write_attribute(file, "format_version", kResultsFormatVersion, path);
  for (const auto& [name, value] : root_attributes) write_attribute(file, name, value, path);

  {
    Handle coords = make_group(file, "coords");
    write_string_dataset(coords, "scenario", layout.scenarios, false, path);
    std::vector<std::int64_t> replicate(layout.replicates);
    for (std::size_t r = 0; r < layout.replicates; ++r) replicate[r] = static_cast<std::int64_t>(r);
    write_numeric_dataset(coords, "replicate", H5T_STD_I64LE, H5T_NATIVE_INT64, replicate, nullptr, path);
    std::vector<std::string> names;
    for (const auto& spec : layout.series) names.push_back(spec.name);
    write_string_dataset(coords, "series", names, false, path);
    write_numeric_dataset(coords, "period_start_day", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, layout.period_start_day, "day",
                          path);
    std::vector<double> years(layout.periods);
    for (std::size_t p = 0; p < layout.periods; ++p) years[p] = layout.period_start_day[p] / kDaysPerYear;
    write_numeric_dataset(coords, "period_start_year", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, years, "year", path);
    write_numeric_dataset(coords, "period_days", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, layout.period_days, "day", path);
  }

  // Series: one chunk per run (and per 2^17 periods), so writing one run never rewrites another.
  // Fletcher-32 per chunk lets plain h5py readers detect a damaged chunk too.
  {
    Handle series = make_group(file, "series");
    const hsize_t dims[3] = {n_scenarios, layout.replicates, layout.periods};
    Handle space = simple_space(dims, path);
    Handle dcpl = per_run_chunks(layout.periods, path);
    const std::vector<std::string> dimensions = {"scenario", "replicate", "period"};
    for (const auto& spec : layout.series) {
      Handle dset =
          checked(H5Dcreate2(series, spec.name.c_str(), H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
                  H5Dclose, path, "cannot create dataset /series/" + spec.name);
      write_attribute(dset, "unit", spec.unit, path);
      write_attribute(dset, "kind", spec.kind, path);
      write_attribute(dset, "description", spec.description, path);
      write_attribute(dset, "dimensions", dimensions, path);
    }
  }

  // Run arrays: like the series, one chunk per run (and per 2^17 elements), compressed and checksummed.
  if (!layout.arrays.empty()) {
    {
      Handle coords = open_group(file, "coords", path);
      std::vector<std::string> names;
      for (const auto& spec : layout.arrays) names.push_back(spec.name);
      write_string_dataset(coords, "array", names, false, path);
    }
    Handle arrays = make_group(file, "arrays");
    const std::vector<std::string> dimensions = {"scenario", "replicate", "element"};
    for (const auto& spec : layout.arrays) {
      const hsize_t dims[3] = {n_scenarios, layout.replicates, spec.length};
      Handle space = simple_space(dims, path);
      Handle dcpl = per_run_chunks(spec.length, path);
      Handle dset =
          checked(H5Dcreate2(arrays, spec.name.c_str(), H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
                  H5Dclose, path, "cannot create dataset /arrays/" + spec.name);
      write_attribute(dset, "description", spec.description, path);
      write_attribute(dset, "dimensions", dimensions, path);
    }
  }

  create_run_table(file, "done", H5T_STD_U8LE, H5T_NATIVE_UINT8, layout,
                   "1 when the run (scenario, replicate) is completely written, else 0", path);
  create_run_table(file, "checksums", H5T_STD_U32LE, H5T_NATIVE_UINT32, layout,
                   "CRC-32 (zlib.crc32) of the run's values as float64 little-endian, series in /coords/series "
                   "order, each series' periods in order, then any /arrays in /coords/array order; valid where "
                   "/done is 1",
                   path);

  {
    Handle scenarios = make_group(file, "scenarios");
    for (std::size_t i = 0; i < n_scenarios; ++i) {
      Handle group = make_group(scenarios, layout.scenarios[i]);
      if (!scenario_attributes.empty()) {
        for (const auto& [name, value] : scenario_attributes[i]) write_attribute(group, name, value, path);
      }
      write_string_dataset(group, "definition", {scenario_texts.empty() ? std::string{} : scenario_texts[i]}, true,
                           path);
    }
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// ResultsFile

struct ResultsFile::Impl {
  std::string path;
  ResultsLayout layout;
  std::vector<std::uint8_t> done;        // (scenario, replicate), row-major
  std::vector<std::uint32_t> checksums;  // idem; valid where done
  std::size_t done_count = 0;
  std::uint32_t definition_crc = 0;
  Attributes provenance;  // verified; empty for files written before provenance was recorded
  FileLock lock;
  bool writable = false;

  std::size_t index(std::size_t scenario, std::size_t replicate) const {
    return scenario * layout.replicates + replicate;
  }
  void check_scenario(std::size_t scenario) const {
    if (scenario >= layout.scenarios.size()) {
      throw InvalidValue("results file " + in_quotes(path) + ": scenario index " + std::to_string(scenario) +
                         " is out of range; allowed 0.." + std::to_string(layout.scenarios.size() - 1));
    }
  }
  void check_run(std::size_t scenario, std::size_t replicate) const {
    check_scenario(scenario);
    if (replicate >= layout.replicates) {
      throw InvalidValue("results file " + in_quotes(path) + ": replicate index " + std::to_string(replicate) +
                         " is out of range; allowed 0.." + std::to_string(layout.replicates - 1));
    }
  }
  /// A read-only HDF5 handle. A file a killed writer left marked "open for SWMR writing" only
  /// opens in SWMR-read mode.
  Handle open_read() const {
    Handle fapl = file_access(path);
    hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl);
    if (id < 0) {
      const std::string first_reason = reason();
      id = H5Fopen(path.c_str(), H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, fapl);
      if (id < 0) {
        H5Eclear2(H5E_DEFAULT);
        throw DamagedResultsFile("results file " + in_quotes(path) + " cannot be opened as HDF5" + first_reason +
                                 "; it is damaged or not a results file");
      }
    }
    return Handle(id, H5Fclose);
  }
  /// Throws unless the name still leads to the file this writer locked.
  void check_still_ours(int descriptor, const std::string& what) const {
    if (!lock.holds(path) || (descriptor >= 0 && !lock.holds_descriptor(descriptor))) {
      throw ResultsFileError("results file " + in_quotes(path) +
                             " is no longer the file this experiment created or opened (another process replaced "
                             "or removed it); " +
                             what + " was not written");
    }
  }
  std::vector<double> read_values(hid_t file, std::size_t scenario, std::size_t replicate) const {
    std::vector<double> values(run_size(layout));
    transfer_run(file, layout, scenario, replicate, values.data(), false, path,
                 "cannot read " + run_name(layout, scenario, replicate));
    if (done[index(scenario, replicate)] != 0 &&
        crc32(std::span<const double>(values)) != checksums[index(scenario, replicate)]) {
      throw DamagedResultsFile("results file " + in_quotes(path) + " is damaged: the values of " +
                               run_name(layout, scenario, replicate) + " do not match their stored checksum");
    }
    return values;
  }
  void read_and_verify();
};

/// Reads the layout, tables and definition checksum from the file and checks every finished run,
/// all on a read-only handle. Any failure is a DamagedResultsFile (or ResultsFileError for a file
/// that is not ours) naming the file and what is wrong.
void ResultsFile::Impl::read_and_verify() {
  SilenceErrors silence;
  const std::string not_ours = "results file " + in_quotes(path) + " is not a culturesim results file";
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    H5Eclear2(H5E_DEFAULT);
    throw ResultsFileError(not_ours + " (not an HDF5 file, or its HDF5 superblock is damaged)");
  }
  const std::size_t limit = file_length(path);
  Handle file = open_read();
  // The version first (an integer, safe to read in any format), then everything else. An error
  // (rather than "absent") from H5Aexists means the root group's header itself is damaged.
  for (const char* name : {"format_version", "format"}) {
    if (H5Aexists(file, name) < 0) {
      throw DamagedResultsFile("results file " + in_quotes(path) + " is damaged: its root attributes cannot be read" +
                               reason());
    }
  }
  // Another format first: a culturesim posterior (or any file naming its own format) is named as
  // such, rather than by its format version, which means something else there.
  AttributeValue format;
  if (H5Aexists(file, "format") > 0 && read_attribute(file, "format", format, path, limit) &&
      std::holds_alternative<std::string>(format) && std::get<std::string>(format) != kResultsFormat) {
    const std::string& other = std::get<std::string>(format);
    throw ResultsFileError(
        not_ours + (other == "culturesim-posterior"
                        ? " but a culturesim posterior file (of cs.calibrate); open it with cs.open_posterior, or "
                          "give it to an experiment as its params"
                        : " (its root attribute 'format' is '" + other.substr(0, 60) + "')"));
  }
  H5Eclear2(H5E_DEFAULT);
  AttributeValue version;
  if (H5Aexists(file, "format_version") <= 0 || !read_attribute(file, "format_version", version, path, limit) ||
      !std::holds_alternative<std::int64_t>(version)) {
    H5Eclear2(H5E_DEFAULT);
    throw ResultsFileError(not_ours + " (no integer root attribute 'format_version')");
  }
  const auto v = std::get<std::int64_t>(version);
  if (v != kResultsFormatVersion) {
    throw ResultsFileError("results file " + in_quotes(path) + " has results format version " + std::to_string(v) +
                           "; this culturesim reads version " + std::to_string(kResultsFormatVersion) +
                           (v < kResultsFormatVersion ? " (run the experiment again, or read the file with plain h5py)"
                                                      : " (use a newer culturesim)"));
  }
  if (H5Aexists(file, "format") <= 0 || !read_attribute(file, "format", format, path, limit) ||
      !std::holds_alternative<std::string>(format) || std::get<std::string>(format) != kResultsFormat) {
    H5Eclear2(H5E_DEFAULT);
    throw ResultsFileError(not_ours + " (its root attribute 'format' is not '" + std::string(kResultsFormat) + "')");
  }
  // Everything after the format check is damage when it fails.
  try {
    layout = read_layout(file, path, limit);
    try {
      validate_layout(layout);
    } catch (const InvalidValue& e) {
      throw DamagedResultsFile("results file " + in_quotes(path) + " is damaged: " + e.what());
    }
    const std::size_t runs = layout.scenarios.size() * layout.replicates;
    done = read_numeric_dataset<std::uint8_t>(file, "done", H5T_NATIVE_UINT8, 2, path, limit);
    checksums = read_numeric_dataset<std::uint32_t>(file, "checksums", H5T_NATIVE_UINT32, 2, path, limit);
    if (done.size() != runs || checksums.size() != runs) fail(path, "/done or /checksums has the wrong shape");
    done_count = 0;
    for (auto& d : done) {
      d = d != 0 ? 1 : 0;
      done_count += d;
    }
    AttributeValue stored;
    if (H5Aexists(file, "definition_crc32") <= 0 || !read_attribute(file, "definition_crc32", stored, path, limit) ||
        !std::holds_alternative<std::int64_t>(stored)) {
      fail(path, "no integer root attribute 'definition_crc32'");
    }
    definition_crc = compute_definition_crc(file, layout, path, limit);
    if (static_cast<std::int64_t>(definition_crc) != std::get<std::int64_t>(stored)) {
      throw DamagedResultsFile("results file " + in_quotes(path) +
                               " is damaged: its stored definition (layout, attributes or scenario texts) does not "
                               "match its checksum");
    }
    provenance = read_provenance(file, path, limit);
    for (std::size_t s = 0; s < layout.scenarios.size(); ++s) {
      for (std::size_t r = 0; r < layout.replicates; ++r) {
        if (done[index(s, r)] != 0) read_values(file, s, r);
      }
    }
  } catch (const DamagedResultsFile&) {
    throw;
  } catch (const ResultsFileError& e) {
    throw DamagedResultsFile(std::string(e.what()) + "; the file is damaged");
  } catch (const std::bad_alloc&) {
    throw DamagedResultsFile("results file " + in_quotes(path) + " is damaged: it claims sizes larger than memory");
  }
}

ResultsFile::ResultsFile(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ResultsFile::ResultsFile(ResultsFile&&) noexcept = default;
ResultsFile& ResultsFile::operator=(ResultsFile&&) noexcept = default;
ResultsFile::~ResultsFile() = default;  // no HDF5 handle outlives a call; only the lock is released

ResultsFile::Impl& ResultsFile::impl() const {
  if (!impl_) throw ResultsFileError("results file: this ResultsFile was moved from");
  return *impl_;
}

const std::string& ResultsFile::path() const { return impl().path; }
const ResultsLayout& ResultsFile::layout() const { return impl().layout; }
std::uint32_t ResultsFile::definition_checksum() const { return impl().definition_crc; }
const Attributes& ResultsFile::provenance() const { return impl().provenance; }
bool ResultsFile::is_open() const { return impl_ && impl_->writable; }

void ResultsFile::close() {
  if (!impl_) return;
  impl_->lock.release();
  impl_->writable = false;
}

ResultsFile ResultsFile::create(const std::string& path, const ResultsLayout& layout, const Attributes& root_attributes,
                                const std::vector<Attributes>& scenario_attributes,
                                const std::vector<std::string>& scenario_texts, bool overwrite,
                                const Attributes& provenance) {
  // Every check first: a refused create writes nothing.
  check_path(path);
  const Attributes full_provenance = complete_provenance(provenance);
  validate_layout(layout);
  const std::size_t n_scenarios = layout.scenarios.size();
  if (!scenario_attributes.empty() && scenario_attributes.size() != n_scenarios) {
    throw InvalidValue("results file " + in_quotes(path) + ": scenario_attributes has " +
                       std::to_string(scenario_attributes.size()) +
                       " entries; it must be empty or have one per scenario (" + std::to_string(n_scenarios) + ")");
  }
  if (!scenario_texts.empty() && scenario_texts.size() != n_scenarios) {
    throw InvalidValue("results file " + in_quotes(path) + ": scenario_texts has " +
                       std::to_string(scenario_texts.size()) + " entries; it must be empty or have one per scenario (" +
                       std::to_string(n_scenarios) + ")");
  }
  check_attributes(root_attributes, "results file root attributes", kReservedRootAttributes);
  for (std::size_t i = 0; i < scenario_attributes.size(); ++i) {
    check_attributes(scenario_attributes[i], "attributes of scenario '" + layout.scenarios[i] + "'");
  }
  for (std::size_t i = 0; i < scenario_texts.size(); ++i) {
    if (scenario_texts[i].find('\0') != std::string::npos) {
      throw InvalidValue("definition of scenario '" + layout.scenarios[i] + "' contains a NUL character");
    }
  }

  namespace fs = std::filesystem;
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (fs::exists(status)) {
    if (!overwrite) {
      throw FileExists("results file " + in_quotes(path) +
                       " already exists; pass overwrite=true (--force on the command line) to replace it, or "
                       "resume it with ResultsFile::open");
    }
    if (fs::is_directory(status)) throw ResultsFileError("results file " + in_quotes(path) + " is a directory");
    if (FileLock::held_by_someone(path)) throw ResultsFileError(FileLock::busy_message(path));
    SilenceErrors silence;
    if (fs::file_size(path, ec) > 0 && H5Fis_hdf5(path.c_str()) <= 0) {
      H5Eclear2(H5E_DEFAULT);
      throw ResultsFileError("results file " + in_quotes(path) +
                             " exists and is not an HDF5 file; overwriting replaces only results files, so it is "
                             "left as it is (choose another output, or remove it yourself)");
    }
  }
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty() && !fs::is_directory(parent, ec)) {
    throw ResultsFileError("results file " + in_quotes(path) + ": the directory " + in_quotes(parent.string()) +
                           " does not exist");
  }

  remove_stale_creating(path);
  SilenceErrors silence;
  const std::string temp = creating_name(path);
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->layout = layout;
  impl->done.assign(n_scenarios * layout.replicates, 0);
  impl->checksums.assign(n_scenarios * layout.replicates, 0);
  impl->lock = FileLock::acquire(temp, /*create=*/true, path);
  try {
    {
      Handle fcpl = plist(H5P_FILE_CREATE, path);
      check(H5Pset_link_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED), path,
            "cannot set creation order");
      check(H5Pset_attr_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED), path,
            "cannot set creation order");
      Handle fapl = file_access(path);
      Handle file = checked(H5Fcreate(temp.c_str(), H5F_ACC_TRUNC, fcpl, fapl), H5Fclose, path,
                            "cannot create the new file " + temp);
      write_new_file(file, layout, root_attributes, scenario_attributes, scenario_texts, path);
      // The checksum is computed from what was written, read back, exactly as open() will.
      impl->definition_crc = compute_definition_crc(file, layout, path, std::numeric_limits<std::size_t>::max());
      write_attribute(file, "definition_crc32", static_cast<std::int64_t>(impl->definition_crc), path);
      write_provenance(file, full_provenance, path);
      impl->provenance = full_provenance;
      if (!file.close()) fail(path, "cannot close after creating it");
    }
    if (overwrite) {
      if (::rename(temp.c_str(), path.c_str()) != 0) {
        const int error = errno;
        throw ResultsFileError("results file " + in_quotes(path) +
                               ": cannot move the new file into place: " + std::strerror(error));
      }
    } else if (!rename_no_replace(temp, path)) {
      throw FileExists("results file " + in_quotes(path) +
                       " appeared while this one was being created (another process created it first); it was "
                       "left as it is");
    }
  } catch (...) {
    impl->lock.release();
    std::remove(temp.c_str());
    throw;
  }
  impl->writable = true;  // the lock moved with the file (it belongs to the inode, not the name)
  return ResultsFile(std::move(impl));
}

std::string ResultsFile::format_of(const std::string& path) {
  try {
    check_existing(path);
    SilenceErrors silence;
    if (H5Fis_hdf5(path.c_str()) <= 0) {
      H5Eclear2(H5E_DEFAULT);
      return "";
    }
    Impl probe;
    probe.path = path;
    Handle file = probe.open_read();
    const htri_t exists = H5Aexists(file, "format");
    if (exists < 0) {  // the root's header itself is damaged
      H5Eclear2(H5E_DEFAULT);
      return "";
    }
    AttributeValue format;
    try {
      if (exists > 0 && read_attribute(file, "format", format, path, file_length(path)) &&
          std::holds_alternative<std::string>(format)) {
        return std::get<std::string>(format);
      }
    } catch (const std::exception&) {  // a 'format' of another type or encoding: another program's
    }
    H5Eclear2(H5E_DEFAULT);
    return "?";
  } catch (const std::exception&) {  // damaged, unreadable: no format to name
  }
  return "";
}

ResultsFile ResultsFile::read(const std::string& path) {
  check_existing(path);
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->read_and_verify();
  return ResultsFile(std::move(impl));
}

ResultsFile ResultsFile::open(const std::string& path, const ResultsLayout* expected, const Check& check_file) {
  check_existing(path);

  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->lock = FileLock::acquire(path, /*create=*/false, path);  // opens for writing, writes nothing
  impl->check_still_ours(-1, "nothing");
  impl->read_and_verify();
  if (expected != nullptr) {
    const std::string difference = layout_difference(impl->layout, *expected);
    if (!difference.empty()) {
      throw ResultsFileError("results file " + in_quotes(path) +
                             " belongs to a different experiment and cannot be resumed: " + difference);
    }
  }
  ResultsFile file(std::move(impl));
  if (check_file) check_file(file);

  // Every check passed: now recover, on every open (cheap, and right whatever happened to the file
  // since): we hold the writer lock, so no live writer exists.
  //  1. Clear the "open for writing" marks a killed writer leaves (as `h5clear -s`), so plain readers
  //     (h5py "r") open the file again.
  //  2. Move the file's end of allocation (EOA) past everything a killed writer may have written (as
  //     `h5clear --increment`). A SWMR writer flushes a dataset's chunk index when the dataset is
  //     closed but updates the EOA stored in the superblock only at a full flush, so after a kill the
  //     index of the unfinished run can point at or beyond the stored EOA. Without this step the next
  //     writer would allocate that space again and two chunks would share it. The margin also covers
  //     a file truncated to its stale EOA by `h5clear -s`. The reserved space is a hole (sparse).
  Impl& self = file.impl();
  // A finished file that plain readers open has nothing to recover and nothing left to write:
  // it stays byte for byte as it is (resuming it is a no-op, not a growth by the reserve below).
  if (self.done_count == self.done.size()) {
    SilenceErrors silence;
    const hid_t plain = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    if (plain >= 0) {
      H5Fclose(plain);
      self.writable = true;
      return file;
    }
    H5Eclear2(H5E_DEFAULT);
  }
  {
    SilenceErrors silence;
    Handle fapl = file_access(path, /*recover=*/true);
    Handle h5file = checked(H5Fopen(path.c_str(), H5F_ACC_RDWR | H5F_ACC_SWMR_WRITE, fapl), H5Fclose, path,
                            "cannot open for writing");
    self.check_still_ours(file_descriptor(h5file), "nothing");
    const hsize_t one_run_bytes = static_cast<hsize_t>(run_size(self.layout)) * sizeof(double);
    check(H5Fincrement_filesize(h5file, (hsize_t{1} << 20) + 2 * one_run_bytes), path,
          "cannot reserve space past a killed writer's data");
    if (!h5file.close()) fail(path, "cannot close after opening for writing");
  }
  self.writable = true;
  return file;
}

void ResultsFile::write_run(std::size_t scenario, std::size_t replicate, std::span<const double> values) {
  Impl& self = impl();
  if (!self.writable) {
    throw ResultsFileError("results file " + in_quotes(self.path) + " is closed or open read-only; cannot write runs");
  }
  self.check_run(scenario, replicate);
  const ResultsLayout& layout = self.layout;
  const std::size_t expected = run_size(layout);
  if (values.size() != expected) {
    throw InvalidValue(
        "results file " + in_quotes(self.path) + ": " + run_name(layout, scenario, replicate) + " has " +
        std::to_string(values.size()) + " values; expected series x periods = " + std::to_string(layout.series.size()) +
        " x " + std::to_string(layout.periods) +
        (layout.arrays.empty() ? std::string{} : " plus the run arrays' elements") + " = " + std::to_string(expected));
  }
  if (self.done[self.index(scenario, replicate)] != 0) {
    throw InvalidValue("results file " + in_quotes(self.path) + ": " + run_name(layout, scenario, replicate) +
                       " is already written; each run is written once");
  }

  const std::string& path = self.path;
  const std::string what = run_name(layout, scenario, replicate);
  self.check_still_ours(-1, what);
  const std::uint32_t crc = crc32(values);
  SilenceErrors silence;
  {
    // One short SWMR-write session per run: HDF5 orders its metadata writes so the file stays
    // readable however the process dies, and between runs the file is closed and clean.
    Handle fapl = file_access(path);
    Handle file = checked(H5Fopen(path.c_str(), H5F_ACC_RDWR | H5F_ACC_SWMR_WRITE, fapl), H5Fclose, path,
                          "cannot open for writing");
    self.check_still_ours(file_descriptor(file), what);
    transfer_run(file, layout, scenario, replicate, const_cast<double*>(values.data()), true, path,
                 "cannot write " + what);
    // The series reach the file before the run is marked done.
    check(H5Fflush(file, H5F_SCOPE_LOCAL), path, "cannot write " + what + " (flush)");
    write_cell(file, "checksums", H5T_NATIVE_UINT32, scenario, replicate, &crc, path, "cannot write " + what);
    const std::uint8_t mark = 1;
    write_cell(file, "done", H5T_NATIVE_UINT8, scenario, replicate, &mark, path, "cannot write " + what);
    check(H5Fflush(file, H5F_SCOPE_LOCAL), path, "cannot write " + what + " (flush)");
    if (!file.close()) fail(path, "cannot write " + what + " (close)");
  }
  self.done[self.index(scenario, replicate)] = 1;
  self.checksums[self.index(scenario, replicate)] = crc;
  ++self.done_count;
}

bool ResultsFile::done(std::size_t scenario, std::size_t replicate) const {
  const Impl& self = impl();
  self.check_run(scenario, replicate);
  return self.done[self.index(scenario, replicate)] != 0;
}

std::size_t ResultsFile::done_count() const { return impl().done_count; }

std::uint32_t ResultsFile::run_checksum(std::size_t scenario, std::size_t replicate) const {
  const Impl& self = impl();
  if (!done(scenario, replicate)) {
    throw InvalidValue("results file " + in_quotes(self.path) + ": " + run_name(self.layout, scenario, replicate) +
                       " is not finished, so it has no checksum");
  }
  return self.checksums[self.index(scenario, replicate)];
}

std::vector<double> ResultsFile::read_run(std::size_t scenario, std::size_t replicate) const {
  const Impl& self = impl();
  self.check_run(scenario, replicate);
  SilenceErrors silence;
  Handle file = self.open_read();
  return self.read_values(file, scenario, replicate);
}

Attributes ResultsFile::root_attributes() const {
  const Impl& self = impl();
  SilenceErrors silence;
  Handle file = self.open_read();
  return read_attributes(file, self.path, file_length(self.path));
}

Attributes ResultsFile::scenario_attributes(std::size_t scenario) const {
  const Impl& self = impl();
  self.check_scenario(scenario);
  SilenceErrors silence;
  Handle file = self.open_read();
  Handle group = open_group(file, "scenarios/" + self.layout.scenarios[scenario], self.path);
  return read_attributes(group, self.path, file_length(self.path));
}

std::string ResultsFile::scenario_text(std::size_t scenario) const {
  const Impl& self = impl();
  self.check_scenario(scenario);
  SilenceErrors silence;
  Handle file = self.open_read();
  Handle group = open_group(file, "scenarios/" + self.layout.scenarios[scenario], self.path);
  const auto texts = read_string_dataset(group, "definition", self.path, file_length(self.path));
  return texts.empty() ? std::string{} : texts.front();
}

}  // namespace culturesim::core
