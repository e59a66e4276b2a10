// The generic HDF5 results file of one experiment: scenarios x replicates x periods of many output
// time series, plus the metadata needed to repeat the experiment. The core knows no clinicians: the
// caller names the series, scenarios and all metadata. HDF5 stays private to core (this header does
// not include hdf5.h). The on-disk layout and the guarantees are in docs/results-format.md.
//
// Guarantees (each tested in tests/cpp/core/test_results_file.cpp and tests/python):
//  - One writer per file (FileLock). A new file is built under a temporary name and published
//    without replacing anything that appeared meanwhile; every write first checks the name still
//    leads to the locked file.
//  - Crash safety: every run is written in its own short write session (open with SWMR write, write
//    the series, flush, store its checksum, set /done[scenario, replicate] = 1, close). A SIGKILL at
//    any time leaves every run whose write_run() returned intact; open() resumes such a file.
//  - Damage is an error, never a crash or a hang: checksummed HDF5 metadata, a CRC-32 of the stored
//    definition and of every finished run, verified by open(), read() and merge_results().
//  - A refused open() or create() writes nothing: every check runs before the first write.
//
// Threads: the Debian HDF5 build is not thread-safe. A ResultsFile, and HDF5 in general, must be
// used from one thread at a time (the ensemble calls it from its single writer thread).
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/attributes.hpp"
#include "core/results_layout.hpp"

namespace culturesim::core {

/// Value of the root attribute `format` of every culturesim results file.
inline constexpr std::string_view kResultsFormat = "culturesim-results";
/// Value of the root attribute `format_version` this code writes and reads. Version 2: fixed-length
/// strings, /checksums and the root attribute definition_crc32.
inline constexpr std::int64_t kResultsFormatVersion = 2;

/// One experiment's HDF5 results file. Opened by create() or open() it is writable and holds the
/// file's lock, so a second writer on the same path, in this or another process, is refused with
/// ResultsFileError; opened by read() it is read-only and locks nothing. Move-only. One thread at a time.
class ResultsFile {
 public:
  /// Creates a new file. Throws FileExists when `path` exists (or appears while this one is being
  /// built) and `overwrite` is false. With `overwrite`, only an HDF5 file nobody is writing is
  /// replaced (never, say, the scenario TOML). The file is built as `<path>.creating.<pid>` and
  /// published when complete; leftovers of killed creations are removed first.
  /// `root_attributes` go on "/" (engine version, seed, years, ...); the names `format`,
  /// `format_version` and `definition_crc32` are reserved. `scenario_attributes[i]` go on group
  /// /scenarios/<name>; `scenario_texts[i]` is the dataset /scenarios/<name>/definition (a TOML/JSON
  /// text, so the run can be repeated exactly). Each vector is either empty or one entry per scenario.
  /// `provenance` (fields of core/provenance.hpp: command, description, software versions, ...) goes
  /// on the group /provenance, completed by complete_provenance() (creation time, engine, HDF5); it
  /// is outside the definition checksum and has its own.
  static ResultsFile create(const std::string& path, const ResultsLayout& layout, const Attributes& root_attributes,
                            const std::vector<Attributes>& scenario_attributes,
                            const std::vector<std::string>& scenario_texts, bool overwrite,
                            const Attributes& provenance = {});

  /// Called by open() with the verified, still unmodified file; throws to refuse it.
  using Check = std::function<void(const ResultsFile&)>;

  /// Opens an existing file to continue it (resume). Throws ResultsFileError naming the path when
  /// it does not exist, is not a culturesim results file (or of another format version), is
  /// damaged (a checksum or HDF5 structure fails), is open for writing by another ResultsFile, its
  /// stored layout differs from `expected` (the message says what differs), or `check` throws.
  /// All of that is decided on a read-only handle; only then are the marks a killed writer leaves
  /// cleared, so a refused open leaves the file's bytes as they were.
  static ResultsFile open(const std::string& path, const ResultsLayout* expected = nullptr, const Check& check = {});

  /// The root attribute `format` of the HDF5 file at `path` ("culturesim-results",
  /// "culturesim-posterior", ...), read as open() reads it: read-only, bounded, fixed-length
  /// strings only. "" when the file is not HDF5 or cannot be opened (damaged); "?" when it opens but
  /// has no such attribute as a fixed-length string (another program's file, an older format).
  /// Never throws for a bad file: it says what a file is before a command replaces or resumes it.
  static std::string format_of(const std::string& path);

  /// Opens an existing file read-only, verified like open(), taking no lock and writing nothing;
  /// write_run() is refused. For merging and for checking a file before reading it elsewhere.
  static ResultsFile read(const std::string& path);

  ResultsFile(ResultsFile&&) noexcept;
  ResultsFile& operator=(ResultsFile&&) noexcept;
  ResultsFile(const ResultsFile&) = delete;
  ResultsFile& operator=(const ResultsFile&) = delete;
  ~ResultsFile();

  const std::string& path() const;
  /// The stored layout (for open() and read(): as read from the file).
  const ResultsLayout& layout() const;
  /// The CRC-32 of everything the file defines (layout, attributes, scenario texts): equal for two
  /// files of the same experiment.
  std::uint32_t definition_checksum() const;

  /// Writes the run (scenario, replicate): `values` is row-major (series, period), series in layout
  /// order, length series*periods. Then stores its checksum, marks /done[scenario, replicate] = 1,
  /// flushes and closes the HDF5 file, so a crash after this returns loses nothing written. Throws
  /// InvalidValue for an index out of range, a wrong length, or a run that is already done (runs are
  /// written once); ResultsFileError when the file is read-only or closed, or its name no longer
  /// leads to the locked file (replaced or removed by someone else: nothing is written then).
  void write_run(std::size_t scenario, std::size_t replicate, std::span<const double> values);

  bool done(std::size_t scenario, std::size_t replicate) const;
  std::size_t done_count() const;
  /// The stored CRC-32 of a finished run's values (verified by open() and read()); InvalidValue
  /// for a run not done.
  std::uint32_t run_checksum(std::size_t scenario, std::size_t replicate) const;
  /// The stored values of one run, row-major (series, period); NaN where nothing was written.
  /// A finished run is checked against its checksum (ResultsFileError if it differs).
  std::vector<double> read_run(std::size_t scenario, std::size_t replicate) const;
  /// Attributes of "/" in creation order, including `format`, `format_version` and `definition_crc32`.
  Attributes root_attributes() const;
  /// Attributes of /scenarios/<name> in creation order.
  Attributes scenario_attributes(std::size_t scenario) const;
  /// The attributes of /provenance in table order, without its checksum; empty for a file written
  /// before provenance was recorded.
  const Attributes& provenance() const;
  /// The text of /scenarios/<name>/definition.
  std::string scenario_text(std::size_t scenario) const;

  /// True while writable (created or opened, not closed).
  bool is_open() const;
  /// Releases the lock; further writes throw ResultsFileError. Idempotent.
  void close();

 private:
  struct Impl;
  explicit ResultsFile(std::unique_ptr<Impl> impl);
  Impl& impl() const;
  std::unique_ptr<Impl> impl_;
};

}  // namespace culturesim::core
