// The generic HDF5 results file of one experiment: scenarios x replicates x periods of many output
// time series, plus the metadata needed to repeat the experiment. The core knows no clinicians: the
// model layer passes the series specs, scenario names and all metadata. HDF5 stays private to core
// (this header does not include hdf5.h). The on-disk layout is documented in docs/results-format.md.
//
// Crash safety: every run is written in its own short write session (open with SWMR write, write
// the series, flush, set /done[scenario, replicate] = 1, close). A SIGKILL at any time leaves every
// run whose write_run() returned intact and marked done; ResultsFile::open() resumes such a file.
//
// Threads: the Debian HDF5 build is not thread-safe. A ResultsFile, and HDF5 in general, must be
// used from one thread at a time (the ensemble calls it from its single writer thread).
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/series.hpp"

namespace culturesim::core {

/// Value of the root attribute `format` of every culturesim results file.
inline constexpr std::string_view kResultsFormat = "culturesim-results";
/// Value of the root attribute `format_version` this code writes and reads.
inline constexpr std::int64_t kResultsFormatVersion = 1;

/// The shape of one experiment's results.
struct ResultsLayout {
  std::vector<SeriesSpec> series;        ///< one dataset per output: /series/<name>, (scenario, replicate, period), float64
  std::vector<std::string> scenarios;    ///< scenario names, in order
  std::size_t replicates = 0;
  std::size_t periods = 0;
  std::vector<double> period_start_day;  ///< length periods; /coords/period_start_day (and period_start_year = day/365)
  std::vector<double> period_days;       ///< length periods: how many days each period covers
};

/// An HDF5 attribute: int64 scalar, float64 scalar, UTF-8 string, 1-D float64 array, 1-D string array.
using AttributeValue =
    std::variant<std::int64_t, double, std::string, std::vector<double>, std::vector<std::string>>;
/// Attributes in the order they are written (and read back).
using Attributes = std::vector<std::pair<std::string, AttributeValue>>;

/// Throws InvalidValue unless the layout is usable: at least one series, scenario, replicate and
/// period; series and scenario names non-empty, unique, without '/' and not "."; coordinate vectors
/// of length `periods`.
void validate_layout(const ResultsLayout& layout);

/// The attribute called `name`, or nullptr.
const AttributeValue* find_attribute(const Attributes& attributes, std::string_view name);

/// One experiment's HDF5 results file, open for writing runs. Holds an advisory lock on the file
/// (an open-file-description lock, released by the kernel if the process dies), so a second
/// ResultsFile on the same path, in this or another process, is refused with ResultsFileError.
/// Move-only. Use from one thread at a time.
class ResultsFile {
 public:
  /// Creates a new file. Throws FileExists when `path` exists and `overwrite` is false. The file is
  /// built under a temporary name next to `path` and renamed into place when complete, so an
  /// existing file is only replaced by a complete new one.
  /// `root_attributes` go on "/" (engine version, build info, seed, years, record_every, ...);
  /// the names `format` and `format_version` are reserved.
  /// `scenario_attributes[i]` go on group /scenarios/<name> (the full parameter set, policy, ...);
  /// `scenario_texts[i]` is the string dataset /scenarios/<name>/definition (a TOML/JSON text so the
  /// run can be repeated exactly). Each of the two vectors is either empty or one entry per scenario.
  static ResultsFile create(const std::string& path, const ResultsLayout& layout,
                            const Attributes& root_attributes,
                            const std::vector<Attributes>& scenario_attributes,
                            const std::vector<std::string>& scenario_texts, bool overwrite);

  /// Opens an existing file to continue it (resume). Throws ResultsFileError naming the path when
  /// it does not exist, is not a culturesim results file, is open for writing by another
  /// ResultsFile, or (when `expected` is given) its stored layout differs from `expected` in series
  /// names, scenario names, replicates, periods or period coordinates; the message says what
  /// differs. Clears the "open for writing" marks a killed writer leaves in the file.
  static ResultsFile open(const std::string& path, const ResultsLayout* expected = nullptr);

  ResultsFile(ResultsFile&&) noexcept;
  ResultsFile& operator=(ResultsFile&&) noexcept;
  ResultsFile(const ResultsFile&) = delete;
  ResultsFile& operator=(const ResultsFile&) = delete;
  ~ResultsFile();

  const std::string& path() const;
  /// The stored layout (for open(): as read from the file).
  const ResultsLayout& layout() const;

  /// Writes the run (scenario, replicate): `values` is row-major (series, period), series in layout
  /// order, length series*periods. Then marks /done[scenario, replicate] = 1, flushes and closes
  /// the HDF5 file, so a crash after this returns loses nothing written. Throws InvalidValue for an
  /// index out of range, a wrong length, or a run that is already done (runs are written once).
  void write_run(std::size_t scenario, std::size_t replicate, std::span<const double> values);

  bool done(std::size_t scenario, std::size_t replicate) const;
  std::size_t done_count() const;
  /// The stored values of one run, row-major (series, period); NaN where nothing was written.
  std::vector<double> read_run(std::size_t scenario, std::size_t replicate) const;
  /// Attributes of "/" in creation order, including `format` and `format_version`.
  Attributes root_attributes() const;
  /// Attributes of /scenarios/<name> in creation order.
  Attributes scenario_attributes(std::size_t scenario) const;
  /// The text of /scenarios/<name>/definition.
  std::string scenario_text(std::size_t scenario) const;

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
