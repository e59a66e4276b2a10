// HDF5 results file: plain HDF5 C API behind small RAII handles. See results_file.hpp and
// docs/results-format.md for the layout and the crash-safety design.
#include "core/results_file.hpp"

#include <fcntl.h>
#include <hdf5.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <set>
#include <sstream>

#include "core/clock.hpp"
#include "core/errors.hpp"

namespace culturesim::core {
namespace {

// ---------------------------------------------------------------------------------------------
// Errors

/// Turns HDF5's automatic error printing off for the lifetime of the guard (restored afterwards),
/// so failures surface only as exceptions, never as an error-stack dump on stderr.
class SilenceHdf5Errors {
 public:
  SilenceHdf5Errors() {
    H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~SilenceHdf5Errors() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }
  SilenceHdf5Errors(const SilenceHdf5Errors&) = delete;
  SilenceHdf5Errors& operator=(const SilenceHdf5Errors&) = delete;

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

/// The innermost message of the current HDF5 error stack (the root cause), then clears the stack.
std::string hdf5_reason() {
  std::string reason;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_UPWARD,
      [](unsigned n, const H5E_error2_t* error, void* data) -> herr_t {
        if (n == 0 && error->desc != nullptr) *static_cast<std::string*>(data) = error->desc;
        return 0;
      },
      &reason);
  H5Eclear2(H5E_DEFAULT);
  return reason.empty() ? std::string{} : " (HDF5: " + reason + ")";
}

std::string in_quotes(const std::string& path) { return "'" + path + "'"; }

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw ResultsFileError("results file " + in_quotes(path) + ": " + what + hdf5_reason());
}

// ---------------------------------------------------------------------------------------------
// RAII handles

class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)), closer_(other.closer_) {}
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = std::exchange(other.id_, H5I_INVALID_HID);
      closer_ = other.closer_;
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { reset(); }

  hid_t get() const { return id_; }
  operator hid_t() const { return id_; }  // NOLINT: handles are passed straight to the C API
  /// Closes now; returns false when HDF5 reports a failure (for the file: the final flush failed).
  bool close() {
    const hid_t id = std::exchange(id_, H5I_INVALID_HID);
    return id < 0 || closer_(id) >= 0;
  }
  void reset() { close(); }

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

Handle checked(hid_t id, Handle::Closer closer, const std::string& path, const std::string& what) {
  if (id < 0) fail(path, what);
  return Handle(id, closer);
}
void check(herr_t status, const std::string& path, const std::string& what) {
  if (status < 0) fail(path, what);
}

Handle plist(hid_t cls, const std::string& path) {
  return checked(H5Pcreate(cls), H5Pclose, path, "cannot create a property list");
}
Handle simple_space(std::span<const hsize_t> dims, const std::string& path) {
  return checked(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose, path,
                 "cannot create a dataspace");
}
Handle scalar_space(const std::string& path) {
  return checked(H5Screate(H5S_SCALAR), H5Sclose, path, "cannot create a dataspace");
}
/// Variable-length UTF-8 string type (h5py reads it as str).
Handle utf8_type(const std::string& path) {
  Handle type = checked(H5Tcopy(H5T_C_S1), H5Tclose, path, "cannot create the string type");
  check(H5Tset_size(type, H5T_VARIABLE), path, "cannot create the string type");
  check(H5Tset_cset(type, H5T_CSET_UTF8), path, "cannot create the string type");
  return type;
}
Handle open_group(hid_t loc, const std::string& name, const std::string& path) {
  return checked(H5Gopen2(loc, name.c_str(), H5P_DEFAULT), H5Gclose, path, "cannot open group " + name);
}
Handle open_dataset(hid_t loc, const std::string& name, const std::string& path) {
  return checked(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), H5Dclose, path, "cannot open dataset " + name);
}

/// File access properties: newest format (required for SWMR), HDF5's own flock disabled. Writers
/// are kept exclusive by our lock instead, so a reader (h5py, a notebook) holding the file open never
/// blocks or breaks the experiment that is writing it.
Handle file_access(const std::string& path, bool recover = false) {
  Handle fapl = plist(H5P_FILE_ACCESS, path);
  check(H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST), path, "cannot set the file format");
#if H5_VERSION_GE(1, 10, 7)
  check(H5Pset_file_locking(fapl, false, true), path, "cannot configure file locking");
#endif
  if (recover) {
    // What `h5clear -s` does: clear the "open for (SWMR) writing" marks a killed writer leaves in the
    // superblock, and do not insist that the file is at least as long as its stored end. Both are
    // HDF5's own (private, but registered) file-access properties; set only when this HDF5 has them.
    for (const char* name : {"clear_status_flags", "skip_eof_check"}) {
      if (H5Pexist(fapl, name) > 0) {
        hbool_t on = true;
        check(H5Pset(fapl, name, &on), path, std::string("cannot set ") + name);
      }
    }
  }
  return fapl;
}

// ---------------------------------------------------------------------------------------------
// The advisory lock that keeps one writer per file: an open-file-description (OFD) lock, which
// belongs to our own file descriptor (HDF5 opening and closing the same file does not drop it, unlike
// a classic POSIX lock), conflicts with a second lock even inside the same process, and is released
// by the kernel when the process dies, so a killed writer never leaves a stale lock.

class FileLock {
 public:
  FileLock() = default;
  FileLock(FileLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  FileLock& operator=(FileLock&& other) noexcept {
    if (this != &other) {
      release();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock() { release(); }

  /// Locks an existing file; `create` makes a new, empty one (failing if it exists). Messages name
  /// `shown` (the results file the caller asked for).
  static FileLock acquire(const std::string& path, bool create, const std::string& shown) {
    FileLock lock;
    const int flags = O_RDWR | O_CLOEXEC | (create ? O_CREAT | O_EXCL : 0);
    lock.fd_ = ::open(path.c_str(), flags, 0666);
    if (lock.fd_ < 0) {
      const int error = errno;
      throw ResultsFileError("results file " + in_quotes(shown) + ": cannot " +
                             (create ? "create " + in_quotes(path) : std::string("open it for writing")) + ": " +
                             std::strerror(error));
    }
#ifdef F_OFD_SETLK
    struct flock request {};
    request.l_type = F_WRLCK;
    request.l_whence = SEEK_SET;
    if (::fcntl(lock.fd_, F_OFD_SETLK, &request) != 0) {
      const int error = errno;
      if (error == EAGAIN || error == EACCES) throw ResultsFileError(busy_message(shown));
      // EINVAL / ENOLCK: the file system has no such locks; run unlocked rather than not at all.
    }
#endif
    return lock;
  }

  /// True when some ResultsFile (in any process) holds the lock of `path`.
  static bool held_by_someone(const std::string& path) {
#ifdef F_OFD_GETLK
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    struct flock request {};
    request.l_type = F_WRLCK;
    request.l_whence = SEEK_SET;
    const bool held = ::fcntl(fd, F_OFD_GETLK, &request) == 0 && request.l_type != F_UNLCK;
    ::close(fd);
    return held;
#else
    (void)path;
    return false;
#endif
  }

  static std::string busy_message(const std::string& path) {
    return "results file " + in_quotes(path) +
           " is open for writing by another ResultsFile (in this or another process); close that one "
           "or wait for its experiment to finish";
  }

  void release() {
    if (fd_ >= 0) ::close(std::exchange(fd_, -1));
  }
  bool held() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

// ---------------------------------------------------------------------------------------------
// Attributes

void write_attribute(hid_t object, const std::string& name, const AttributeValue& value, const std::string& path) {
  const std::string what = "cannot write attribute '" + name + "'";
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::int64_t> || std::is_same_v<T, double>) {
          const hid_t type = std::is_same_v<T, double> ? H5T_NATIVE_DOUBLE : H5T_NATIVE_INT64;
          Handle space = scalar_space(path);
          Handle attr = checked(H5Acreate2(object, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
                                path, what);
          check(H5Awrite(attr, type, &v), path, what);
        } else if constexpr (std::is_same_v<T, std::string>) {
          Handle type = utf8_type(path);
          Handle space = scalar_space(path);
          Handle attr =
              checked(H5Acreate2(object, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose, path, what);
          const char* text = v.c_str();
          check(H5Awrite(attr, type, &text), path, what);
        } else if constexpr (std::is_same_v<T, std::vector<double>>) {
          const hsize_t dims[1] = {v.size()};
          Handle space = simple_space(dims, path);
          Handle attr = checked(H5Acreate2(object, name.c_str(), H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT),
                                H5Aclose, path, what);
          if (!v.empty()) check(H5Awrite(attr, H5T_NATIVE_DOUBLE, v.data()), path, what);
        } else {
          const hsize_t dims[1] = {v.size()};
          Handle type = utf8_type(path);
          Handle space = simple_space(dims, path);
          Handle attr =
              checked(H5Acreate2(object, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose, path, what);
          std::vector<const char*> texts;
          for (const auto& s : v) texts.push_back(s.c_str());
          if (!texts.empty()) check(H5Awrite(attr, type, texts.data()), path, what);
        }
      },
      value);
}

/// Reads `count` strings (variable- or fixed-length) from an attribute or dataset.
std::vector<std::string> read_strings(hid_t object, bool is_attribute, hid_t file_type, std::size_t count,
                                      const std::string& path, const std::string& what) {
  std::vector<std::string> out;
  if (count == 0) return out;
  auto read = [&](hid_t mem_type, void* buffer) {
    const herr_t status = is_attribute ? H5Aread(object, mem_type, buffer)
                                       : H5Dread(object, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer);
    check(status, path, what);
  };
  if (H5Tis_variable_str(file_type) > 0) {
    Handle type = utf8_type(path);
    std::vector<char*> texts(count, nullptr);
    read(type, texts.data());
    for (char* text : texts) {
      out.emplace_back(text != nullptr ? text : "");
      H5free_memory(text);
    }
  } else {
    const std::size_t size = H5Tget_size(file_type);
    Handle type = checked(H5Tcopy(H5T_C_S1), H5Tclose, path, what);
    check(H5Tset_size(type, size), path, what);
    std::vector<char> buffer(size * count);
    read(type, buffer.data());
    for (std::size_t i = 0; i < count; ++i) {
      const char* begin = buffer.data() + i * size;
      out.emplace_back(begin, strnlen(begin, size));
    }
  }
  return out;
}

/// Reads one attribute; returns false for kinds outside AttributeValue (compound, enum, ...).
bool read_attribute(hid_t object, const std::string& name, AttributeValue& value, const std::string& path) {
  const std::string what = "cannot read attribute '" + name + "'";
  Handle attr = checked(H5Aopen(object, name.c_str(), H5P_DEFAULT), H5Aclose, path, what);
  Handle type = checked(H5Aget_type(attr), H5Tclose, path, what);
  Handle space = checked(H5Aget_space(attr), H5Sclose, path, what);
  const H5S_class_t shape = H5Sget_simple_extent_type(space);
  const hssize_t points = H5Sget_simple_extent_npoints(space);
  if (points < 0) fail(path, what);
  const auto count = static_cast<std::size_t>(points);
  const bool scalar = shape == H5S_SCALAR;
  switch (H5Tget_class(type)) {
    case H5T_INTEGER:
      if (scalar) {
        std::int64_t v = 0;
        check(H5Aread(attr, H5T_NATIVE_INT64, &v), path, what);
        value = v;
        return true;
      }
      [[fallthrough]];
    case H5T_FLOAT:
      if (scalar) {
        double v = 0;
        check(H5Aread(attr, H5T_NATIVE_DOUBLE, &v), path, what);
        value = v;
      } else {
        std::vector<double> v(shape == H5S_NULL ? 0 : count);
        if (!v.empty()) check(H5Aread(attr, H5T_NATIVE_DOUBLE, v.data()), path, what);
        value = std::move(v);
      }
      return true;
    case H5T_STRING: {
      auto texts = read_strings(attr, true, type, shape == H5S_NULL ? 0 : count, path, what);
      if (scalar) {
        value = texts.empty() ? std::string{} : std::move(texts.front());
      } else {
        value = std::move(texts);
      }
      return true;
    }
    default:
      return false;
  }
}

Attributes read_attributes(hid_t object, const std::string& path) {
  std::vector<std::string> names;
  auto collect = [](hid_t, const char* name, const H5A_info_t*, void* data) -> herr_t {
    static_cast<std::vector<std::string>*>(data)->emplace_back(name);
    return 0;
  };
  hsize_t index = 0;
  if (H5Aiterate2(object, H5_INDEX_CRT_ORDER, H5_ITER_INC, &index, collect, &names) < 0) {
    // Creation order not tracked (a file written by something else): fall back to name order.
    H5Eclear2(H5E_DEFAULT);
    names.clear();
    index = 0;
    check(H5Aiterate2(object, H5_INDEX_NAME, H5_ITER_INC, &index, collect, &names), path, "cannot list attributes");
  }
  Attributes out;
  for (const auto& name : names) {
    AttributeValue value;
    if (read_attribute(object, name, value, path)) out.emplace_back(name, std::move(value));
  }
  return out;
}

void check_attribute_names(const Attributes& attributes, const std::string& where,
                           const std::vector<std::string>& reserved = {}) {
  std::set<std::string> seen;
  for (const auto& [name, value] : attributes) {
    if (name.empty() || name == ".") throw InvalidValue(where + ": attribute names must be non-empty");
    if (std::find(reserved.begin(), reserved.end(), name) != reserved.end()) {
      throw InvalidValue(where + ": attribute name '" + name + "' is reserved by the results format");
    }
    if (!seen.insert(name).second) throw InvalidValue(where + ": duplicate attribute '" + name + "'");
  }
}

// ---------------------------------------------------------------------------------------------
// Datasets

void write_string_dataset(hid_t loc, const std::string& name, const std::vector<std::string>& values, bool scalar,
                          const std::string& path) {
  const std::string what = "cannot write dataset " + name;
  Handle type = utf8_type(path);
  const hsize_t dims[1] = {values.size()};
  Handle space = scalar ? scalar_space(path) : simple_space(dims, path);
  Handle dset = checked(H5Dcreate2(loc, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose,
                        path, what);
  std::vector<const char*> texts;
  for (const auto& v : values) texts.push_back(v.c_str());
  if (!texts.empty()) check(H5Dwrite(dset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, texts.data()), path, what);
}

template <typename T>
void write_numeric_dataset(hid_t loc, const std::string& name, hid_t file_type, hid_t mem_type,
                           const std::vector<T>& values, const char* unit, const std::string& path) {
  const std::string what = "cannot write dataset " + name;
  const hsize_t dims[1] = {values.size()};
  Handle space = simple_space(dims, path);
  Handle dset = checked(H5Dcreate2(loc, name.c_str(), file_type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                        H5Dclose, path, what);
  if (!values.empty()) check(H5Dwrite(dset, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), path, what);
  if (unit != nullptr) write_attribute(dset, "unit", std::string(unit), path);
}

std::vector<hsize_t> dataset_dims(hid_t dset, const std::string& path, const std::string& name) {
  Handle space = checked(H5Dget_space(dset), H5Sclose, path, "cannot read the shape of " + name);
  const int rank = H5Sget_simple_extent_ndims(space);
  if (rank < 0) fail(path, "cannot read the shape of " + name);
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  if (rank > 0) H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  return dims;
}

std::vector<double> read_doubles(hid_t loc, const std::string& name, const std::string& path) {
  Handle dset = open_dataset(loc, name, path);
  const auto dims = dataset_dims(dset, path, name);
  if (dims.size() != 1) fail(path, name + " is not one-dimensional");
  std::vector<double> values(dims[0]);
  if (!values.empty()) {
    check(H5Dread(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), path, "cannot read " + name);
  }
  return values;
}

std::vector<std::string> read_string_dataset(hid_t loc, const std::string& name, const std::string& path) {
  Handle dset = open_dataset(loc, name, path);
  Handle type = checked(H5Dget_type(dset), H5Tclose, path, "cannot read " + name);
  if (H5Tget_class(type) != H5T_STRING) fail(path, name + " is not a string dataset");
  Handle space = checked(H5Dget_space(dset), H5Sclose, path, "cannot read " + name);
  const hssize_t points = H5Sget_simple_extent_npoints(space);
  if (points < 0) fail(path, "cannot read " + name);
  return read_strings(dset, false, type, static_cast<std::size_t>(points), path, "cannot read " + name);
}

std::string string_attribute(hid_t object, const char* name, const std::string& path) {
  if (H5Aexists(object, name) <= 0) return {};
  AttributeValue value;
  if (read_attribute(object, name, value, path) && std::holds_alternative<std::string>(value)) {
    return std::get<std::string>(value);
  }
  return {};
}

// ---------------------------------------------------------------------------------------------
// Layout checks

void check_name(const std::string& name, const std::string& what) {
  if (name.empty()) throw InvalidValue("results layout: " + what + " names must be non-empty");
  if (name == "." || name.find('/') != std::string::npos) {
    throw InvalidValue("results layout: " + what + " name '" + name + "' must not contain '/' or be '.'");
  }
}

std::string join(const std::vector<std::string>& names, std::size_t limit = 8) {
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < limit; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > limit) out += ", ... (" + std::to_string(names.size()) + " in all)";
  return out;
}

/// Describes how two ordered name lists differ, or "" when they are equal.
std::string name_difference(const std::string& what, const std::vector<std::string>& in_file,
                            const std::vector<std::string>& expected) {
  if (in_file == expected) return {};
  std::vector<std::string> missing;  // expected but not in the file
  std::vector<std::string> extra;    // in the file but not expected
  for (const auto& name : expected) {
    if (std::find(in_file.begin(), in_file.end(), name) == in_file.end()) missing.push_back(name);
  }
  for (const auto& name : in_file) {
    if (std::find(expected.begin(), expected.end(), name) == expected.end()) extra.push_back(name);
  }
  std::string out = what + " differ (file has " + std::to_string(in_file.size()) + ", experiment has " +
                    std::to_string(expected.size()) + ")";
  if (!missing.empty()) out += "; not in the file: " + join(missing);
  if (!extra.empty()) out += "; not in the experiment: " + join(extra);
  if (missing.empty() && extra.empty()) out += "; same names in a different order";
  return out;
}

std::string layout_difference(const ResultsLayout& stored, const ResultsLayout& expected) {
  std::vector<std::string> problems;
  auto series_names = [](const ResultsLayout& l) {
    std::vector<std::string> names;
    for (const auto& s : l.series) names.push_back(s.name);
    return names;
  };
  if (auto d = name_difference("series", series_names(stored), series_names(expected)); !d.empty()) {
    problems.push_back(d);
  }
  if (auto d = name_difference("scenarios", stored.scenarios, expected.scenarios); !d.empty()) problems.push_back(d);
  if (stored.replicates != expected.replicates) {
    problems.push_back("replicates differ (file has " + std::to_string(stored.replicates) + ", experiment has " +
                       std::to_string(expected.replicates) + ")");
  }
  if (stored.periods != expected.periods) {
    problems.push_back("periods differ (file has " + std::to_string(stored.periods) + ", experiment has " +
                       std::to_string(expected.periods) + ")");
  } else {
    auto compare = [&](const char* name, const std::vector<double>& a, const std::vector<double>& b) {
      if (b.size() != a.size()) return;  // the caller gave no coordinates
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i] != b[i]) {
          std::ostringstream out;
          out << name << " differs from period " << i << " on (file has " << a[i] << ", experiment has " << b[i]
              << ")";
          problems.push_back(out.str());
          return;
        }
      }
    };
    compare("period_start_day", stored.period_start_day, expected.period_start_day);
    compare("period_days", stored.period_days, expected.period_days);
  }
  std::string out;
  for (std::size_t i = 0; i < problems.size(); ++i) out += (i ? "; " : "") + problems[i];
  return out;
}

std::string run_name(const ResultsLayout& layout, std::size_t scenario, std::size_t replicate) {
  return "run (scenario " + std::to_string(scenario) + " '" + layout.scenarios[scenario] + "', replicate " +
         std::to_string(replicate) + ")";
}


/// Moves one run's rows between memory and every /series dataset: `write` copies `values` into the
/// file, otherwise the file's rows into `values`. Each dataset is closed before the next one: in
/// SWMR mode closing flushes its chunk index, so file space a rewritten chunk gives up is only
/// reused after no index on disk points at it any more.
void transfer_run(hid_t file, const ResultsLayout& layout, std::size_t scenario, std::size_t replicate,
                  double* values, bool write, const std::string& path, const std::string& what) {
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
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Free helpers

void validate_layout(const ResultsLayout& layout) {
  if (layout.series.empty()) throw InvalidValue("results layout: at least one series is required");
  if (layout.scenarios.empty()) throw InvalidValue("results layout: at least one scenario is required");
  if (layout.replicates == 0) throw InvalidValue("results layout: replicates must be at least 1");
  if (layout.periods == 0) throw InvalidValue("results layout: periods must be at least 1");
  std::set<std::string> seen;
  for (const auto& spec : layout.series) {
    check_name(spec.name, "series");
    if (!seen.insert(spec.name).second) throw InvalidValue("results layout: duplicate series '" + spec.name + "'");
  }
  seen.clear();
  for (const auto& name : layout.scenarios) {
    check_name(name, "scenario");
    if (!seen.insert(name).second) throw InvalidValue("results layout: duplicate scenario '" + name + "'");
  }
  if (layout.period_start_day.size() != layout.periods) {
    throw InvalidValue("results layout: period_start_day has " + std::to_string(layout.period_start_day.size()) +
                       " values; it must have one per period (" + std::to_string(layout.periods) + ")");
  }
  if (layout.period_days.size() != layout.periods) {
    throw InvalidValue("results layout: period_days has " + std::to_string(layout.period_days.size()) +
                       " values; it must have one per period (" + std::to_string(layout.periods) + ")");
  }
}

const AttributeValue* find_attribute(const Attributes& attributes, std::string_view name) {
  for (const auto& [key, value] : attributes) {
    if (key == name) return &value;
  }
  return nullptr;
}

// ---------------------------------------------------------------------------------------------
// ResultsFile

struct ResultsFile::Impl {
  std::string path;
  ResultsLayout layout;
  std::vector<std::uint8_t> done;  // (scenario, replicate), row-major
  std::size_t done_count = 0;
  FileLock lock;
  bool open = false;

  std::size_t index(std::size_t scenario, std::size_t replicate) const {
    return scenario * layout.replicates + replicate;
  }
  void check_run(std::size_t scenario, std::size_t replicate) const {
    if (scenario >= layout.scenarios.size()) {
      throw InvalidValue("results file " + in_quotes(path) + ": scenario index " + std::to_string(scenario) +
                         " is out of range; allowed 0.." + std::to_string(layout.scenarios.size() - 1));
    }
    if (replicate >= layout.replicates) {
      throw InvalidValue("results file " + in_quotes(path) + ": replicate index " + std::to_string(replicate) +
                         " is out of range; allowed 0.." + std::to_string(layout.replicates - 1));
    }
  }
  void check_scenario(std::size_t scenario) const {
    if (scenario >= layout.scenarios.size()) {
      throw InvalidValue("results file " + in_quotes(path) + ": scenario index " + std::to_string(scenario) +
                         " is out of range; allowed 0.." + std::to_string(layout.scenarios.size() - 1));
    }
  }
  /// A read-only HDF5 handle; the file is always closed cleanly between runs, so no SWMR needed.
  Handle open_read() const {
    Handle fapl = file_access(path);
    return checked(H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl), H5Fclose, path, "cannot open for reading");
  }
};

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
bool ResultsFile::is_open() const { return impl_ && impl_->open; }

void ResultsFile::close() {
  if (!impl_) return;
  impl_->lock.release();
  impl_->open = false;
}

ResultsFile ResultsFile::create(const std::string& path, const ResultsLayout& layout,
                                const Attributes& root_attributes,
                                const std::vector<Attributes>& scenario_attributes,
                                const std::vector<std::string>& scenario_texts, bool overwrite) {
  validate_layout(layout);
  const std::size_t n_scenarios = layout.scenarios.size();
  if (!scenario_attributes.empty() && scenario_attributes.size() != n_scenarios) {
    throw InvalidValue("results file " + in_quotes(path) + ": scenario_attributes has " +
                       std::to_string(scenario_attributes.size()) + " entries; it must be empty or have one per scenario (" +
                       std::to_string(n_scenarios) + ")");
  }
  if (!scenario_texts.empty() && scenario_texts.size() != n_scenarios) {
    throw InvalidValue("results file " + in_quotes(path) + ": scenario_texts has " + std::to_string(scenario_texts.size()) +
                       " entries; it must be empty or have one per scenario (" + std::to_string(n_scenarios) + ")");
  }
  check_attribute_names(root_attributes, "results file root attributes", {"format", "format_version"});
  for (std::size_t i = 0; i < scenario_attributes.size(); ++i) {
    check_attribute_names(scenario_attributes[i], "attributes of scenario '" + layout.scenarios[i] + "'");
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
  }

  SilenceHdf5Errors silence;
  const std::string temp = path + ".creating." + std::to_string(::getpid());
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->layout = layout;
  impl->done.assign(n_scenarios * layout.replicates, 0);
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

      // Coordinates.
      {
        Handle coords = make_group(file, "coords");
        write_string_dataset(coords, "scenario", layout.scenarios, false, path);
        std::vector<std::int64_t> replicate(layout.replicates);
        for (std::size_t r = 0; r < layout.replicates; ++r) replicate[r] = static_cast<std::int64_t>(r);
        write_numeric_dataset(coords, "replicate", H5T_STD_I64LE, H5T_NATIVE_INT64, replicate, nullptr, path);
        std::vector<std::string> names;
        for (const auto& spec : layout.series) names.push_back(spec.name);
        write_string_dataset(coords, "series", names, false, path);
        write_numeric_dataset(coords, "period_start_day", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, layout.period_start_day,
                              "day", path);
        std::vector<double> years(layout.periods);
        for (std::size_t p = 0; p < layout.periods; ++p) years[p] = layout.period_start_day[p] / kDaysPerYear;
        write_numeric_dataset(coords, "period_start_year", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, years, "year", path);
        write_numeric_dataset(coords, "period_days", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, layout.period_days, "day",
                              path);
      }

      // Series: one chunk per run (and per 2^17 periods), so writing one run never rewrites another.
      {
        Handle series = make_group(file, "series");
        const hsize_t dims[3] = {n_scenarios, layout.replicates, layout.periods};
        const hsize_t chunk[3] = {1, 1, std::min<hsize_t>(layout.periods, hsize_t{1} << 17)};
        Handle space = simple_space(dims, path);
        Handle dcpl = plist(H5P_DATASET_CREATE, path);
        check(H5Pset_chunk(dcpl, 3, chunk), path, "cannot set chunking");
        check(H5Pset_shuffle(dcpl), path, "cannot set the shuffle filter");
        check(H5Pset_deflate(dcpl, 4), path, "cannot set gzip compression");
        const double nan = std::numeric_limits<double>::quiet_NaN();
        check(H5Pset_fill_value(dcpl, H5T_NATIVE_DOUBLE, &nan), path, "cannot set the fill value");
        check(H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_INCR), path, "cannot set the allocation time");
        const std::vector<std::string> dimensions = {"scenario", "replicate", "period"};
        for (const auto& spec : layout.series) {
          Handle dset = checked(H5Dcreate2(series, spec.name.c_str(), H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl,
                                           H5P_DEFAULT),
                                H5Dclose, path, "cannot create dataset /series/" + spec.name);
          write_attribute(dset, "unit", spec.unit, path);
          write_attribute(dset, "kind", spec.kind, path);
          write_attribute(dset, "description", spec.description, path);
          write_attribute(dset, "dimensions", dimensions, path);
        }
      }

      // Completion mask: contiguous and allocated now, so marking a run done is a one-byte write.
      {
        const hsize_t dims[2] = {n_scenarios, layout.replicates};
        Handle space = simple_space(dims, path);
        Handle dcpl = plist(H5P_DATASET_CREATE, path);
        const std::uint8_t zero = 0;
        check(H5Pset_layout(dcpl, H5D_CONTIGUOUS), path, "cannot set the layout of /done");
        check(H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY), path, "cannot set the allocation time");
        check(H5Pset_fill_value(dcpl, H5T_NATIVE_UINT8, &zero), path, "cannot set the fill value");
        check(H5Pset_fill_time(dcpl, H5D_FILL_TIME_ALLOC), path, "cannot set the fill time");
        Handle dset = checked(H5Dcreate2(file, "done", H5T_STD_U8LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), H5Dclose,
                              path, "cannot create dataset /done");
        write_attribute(dset, "description",
                        std::string("1 when the run (scenario, replicate) is completely written, else 0"), path);
        write_attribute(dset, "dimensions", std::vector<std::string>{"scenario", "replicate"}, path);
      }

      // Scenarios: parameters as attributes, the definition text as a dataset.
      {
        Handle scenarios = make_group(file, "scenarios");
        for (std::size_t i = 0; i < n_scenarios; ++i) {
          Handle group = make_group(scenarios, layout.scenarios[i]);
          if (!scenario_attributes.empty()) {
            for (const auto& [name, value] : scenario_attributes[i]) write_attribute(group, name, value, path);
          }
          const std::string text = scenario_texts.empty() ? std::string{} : scenario_texts[i];
          write_string_dataset(group, "definition", {text}, true, path);
        }
      }
      if (!file.close()) fail(path, "cannot close after creating it");
    }
    if (::rename(temp.c_str(), path.c_str()) != 0) {
      const int error = errno;
      throw ResultsFileError("results file " + in_quotes(path) + ": cannot move the new file into place: " +
                             std::strerror(error));
    }
  } catch (...) {
    impl->lock.release();
    std::remove(temp.c_str());
    throw;
  }
  impl->open = true;  // the lock moved with the file (it belongs to the inode, not the name)
  return ResultsFile(std::move(impl));
}

ResultsFile ResultsFile::open(const std::string& path, const ResultsLayout* expected) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(path, ec)) throw ResultsFileError("results file " + in_quotes(path) + " does not exist");
  if (fs::is_directory(path, ec)) throw ResultsFileError("results file " + in_quotes(path) + " is a directory");

  SilenceHdf5Errors silence;
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->lock = FileLock::acquire(path, /*create=*/false, path);

  if (H5Fis_hdf5(path.c_str()) <= 0) {
    H5Eclear2(H5E_DEFAULT);
    throw ResultsFileError("results file " + in_quotes(path) + " is not an HDF5 file, so not a culturesim results file");
  }

  // Read (and check) without modifying. A file a killed writer left marked "open for SWMR writing"
  // only opens in SWMR-read mode.
  {
    Handle fapl = file_access(path);
    hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl);
    if (id < 0) {
      const std::string first_reason = hdf5_reason();
      id = H5Fopen(path.c_str(), H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, fapl);
      if (id < 0) {
        H5Eclear2(H5E_DEFAULT);
        throw ResultsFileError("results file " + in_quotes(path) + ": cannot open" + first_reason);
      }
    }
    Handle file(id, H5Fclose);

    const std::string not_ours = "results file " + in_quotes(path) + " is not a culturesim results file";
    AttributeValue format;
    if (H5Aexists(file, "format") <= 0 || !read_attribute(file, "format", format, path) ||
        !std::holds_alternative<std::string>(format) || std::get<std::string>(format) != kResultsFormat) {
      H5Eclear2(H5E_DEFAULT);
      throw ResultsFileError(not_ours + " (its root attribute 'format' is not '" + std::string(kResultsFormat) + "')");
    }
    AttributeValue version;
    if (H5Aexists(file, "format_version") <= 0 || !read_attribute(file, "format_version", version, path) ||
        !std::holds_alternative<std::int64_t>(version)) {
      H5Eclear2(H5E_DEFAULT);
      throw ResultsFileError(not_ours + " (no integer root attribute 'format_version')");
    }
    if (std::get<std::int64_t>(version) != kResultsFormatVersion) {
      throw ResultsFileError("results file " + in_quotes(path) + " has format_version " +
                             std::to_string(std::get<std::int64_t>(version)) + "; this culturesim reads version " +
                             std::to_string(kResultsFormatVersion));
    }

    ResultsLayout& layout = impl->layout;
    Handle coords = open_group(file, "coords", path);
    layout.scenarios = read_string_dataset(coords, "scenario", path);
    const auto series_names = read_string_dataset(coords, "series", path);
    layout.period_start_day = read_doubles(coords, "period_start_day", path);
    layout.period_days = read_doubles(coords, "period_days", path);
    layout.periods = layout.period_start_day.size();
    Handle done = open_dataset(file, "done", path);
    const auto done_dims = dataset_dims(done, path, "/done");
    if (done_dims.size() != 2 || done_dims[0] != layout.scenarios.size()) {
      fail(path, "/done does not have the shape (scenario, replicate)");
    }
    layout.replicates = done_dims[1];
    Handle series = open_group(file, "series", path);
    for (const auto& name : series_names) {
      Handle dset = open_dataset(series, name, path);
      const auto dims = dataset_dims(dset, path, "/series/" + name);
      if (dims != std::vector<hsize_t>{layout.scenarios.size(), layout.replicates, layout.periods}) {
        fail(path, "/series/" + name + " does not have the shape (scenario, replicate, period)");
      }
      layout.series.push_back({name, string_attribute(dset, "unit", path), string_attribute(dset, "kind", path),
                               string_attribute(dset, "description", path)});
    }
    try {
      validate_layout(layout);
    } catch (const InvalidValue& e) {
      throw ResultsFileError(not_ours + " or is damaged: " + e.what());
    }
    impl->done.assign(layout.scenarios.size() * layout.replicates, 0);
    check(H5Dread(done, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, impl->done.data()), path,
          "cannot read /done");
    for (auto& d : impl->done) {
      d = d != 0 ? 1 : 0;
      impl->done_count += d;
    }
  }

  if (expected != nullptr) {
    const std::string difference = layout_difference(impl->layout, *expected);
    if (!difference.empty()) {
      throw ResultsFileError("results file " + in_quotes(path) +
                             " belongs to a different experiment and cannot be resumed: " + difference);
    }
  }

  // Recovery, done on every open (cheap, and right whatever happened to the file since): we hold the
  // writer lock, so no live writer exists.
  //  1. Clear the "open for writing" marks a killed writer leaves (as `h5clear -s`), so plain readers
  //     (h5py "r") open the file again.
  //  2. Move the file's end of allocation (EOA) past everything a killed writer may have written (as
  //     `h5clear --increment`). A SWMR writer flushes a dataset's chunk index when the dataset is
  //     closed but updates the EOA stored in the superblock only at a full flush, so after a kill the
  //     index of the unfinished run can point at or beyond the stored EOA. Without this step the next
  //     writer would allocate that space again and two chunks would share it. The margin also covers
  //     a file truncated to its stale EOA by `h5clear -s`. The reserved space is a hole (sparse).
  {
    Handle fapl = file_access(path, /*recover=*/true);
    Handle file = checked(H5Fopen(path.c_str(), H5F_ACC_RDWR | H5F_ACC_SWMR_WRITE, fapl), H5Fclose, path,
                          "cannot open for writing");
    const ResultsLayout& layout = impl->layout;
    const hsize_t one_run_bytes = static_cast<hsize_t>(layout.series.size()) * layout.periods * sizeof(double);
    check(H5Fincrement_filesize(file, (hsize_t{1} << 20) + 2 * one_run_bytes), path,
          "cannot reserve space past a killed writer's data");
    if (!file.close()) fail(path, "cannot close after opening for writing");
  }
  impl->open = true;
  return ResultsFile(std::move(impl));
}

void ResultsFile::write_run(std::size_t scenario, std::size_t replicate, std::span<const double> values) {
  Impl& self = impl();
  if (!self.open) throw ResultsFileError("results file " + in_quotes(self.path) + " is closed; cannot write runs");
  self.check_run(scenario, replicate);
  const ResultsLayout& layout = self.layout;
  const std::size_t expected = layout.series.size() * layout.periods;
  if (values.size() != expected) {
    throw InvalidValue("results file " + in_quotes(self.path) + ": " + run_name(layout, scenario, replicate) + " has " +
                       std::to_string(values.size()) + " values; expected series x periods = " +
                       std::to_string(layout.series.size()) + " x " + std::to_string(layout.periods) + " = " +
                       std::to_string(expected));
  }
  if (self.done[self.index(scenario, replicate)] != 0) {
    throw InvalidValue("results file " + in_quotes(self.path) + ": " + run_name(layout, scenario, replicate) +
                       " is already written; each run is written once");
  }

  const std::string& path = self.path;
  const std::string what = "cannot write " + run_name(layout, scenario, replicate);
  SilenceHdf5Errors silence;
  {
    // One short SWMR-write session per run: HDF5 orders its metadata writes so the file stays
    // readable however the process dies, and between runs the file is closed and clean.
    Handle fapl = file_access(path);
    Handle file = checked(H5Fopen(path.c_str(), H5F_ACC_RDWR | H5F_ACC_SWMR_WRITE, fapl), H5Fclose, path,
                          "cannot open for writing");
    transfer_run(file, layout, scenario, replicate, const_cast<double*>(values.data()), true, path, what);
    // The series reach the file before the run is marked done.
    check(H5Fflush(file, H5F_SCOPE_LOCAL), path, what + " (flush)");
    {
      Handle done = open_dataset(file, "done", path);
      Handle space = checked(H5Dget_space(done), H5Sclose, path, what);
      const hsize_t start[2] = {scenario, replicate};
      const hsize_t count[2] = {1, 1};
      check(H5Sselect_hyperslab(space, H5S_SELECT_SET, start, nullptr, count, nullptr), path, what);
      const hsize_t one[1] = {1};
      Handle memory = simple_space(one, path);
      const std::uint8_t mark = 1;
      check(H5Dwrite(done, H5T_NATIVE_UINT8, memory, space, H5P_DEFAULT, &mark), path, what + " (mark /done)");
    }
    check(H5Fflush(file, H5F_SCOPE_LOCAL), path, what + " (flush)");
    if (!file.close()) fail(path, what + " (close)");
  }
  self.done[self.index(scenario, replicate)] = 1;
  ++self.done_count;
}

bool ResultsFile::done(std::size_t scenario, std::size_t replicate) const {
  const Impl& self = impl();
  self.check_run(scenario, replicate);
  return self.done[self.index(scenario, replicate)] != 0;
}

std::size_t ResultsFile::done_count() const { return impl().done_count; }

std::vector<double> ResultsFile::read_run(std::size_t scenario, std::size_t replicate) const {
  const Impl& self = impl();
  self.check_run(scenario, replicate);
  const ResultsLayout& layout = self.layout;
  const std::string& path = self.path;
  const std::string what = "cannot read " + run_name(layout, scenario, replicate);
  SilenceHdf5Errors silence;
  Handle file = self.open_read();
  std::vector<double> values(layout.series.size() * layout.periods);
  transfer_run(file, layout, scenario, replicate, values.data(), false, path, what);
  return values;
}

Attributes ResultsFile::root_attributes() const {
  const Impl& self = impl();
  SilenceHdf5Errors silence;
  Handle file = self.open_read();
  return read_attributes(file, self.path);
}

Attributes ResultsFile::scenario_attributes(std::size_t scenario) const {
  const Impl& self = impl();
  self.check_scenario(scenario);
  SilenceHdf5Errors silence;
  Handle file = self.open_read();
  Handle group = open_group(file, "scenarios/" + self.layout.scenarios[scenario], self.path);
  return read_attributes(group, self.path);
}

std::string ResultsFile::scenario_text(std::size_t scenario) const {
  const Impl& self = impl();
  self.check_scenario(scenario);
  SilenceHdf5Errors silence;
  Handle file = self.open_read();
  Handle group = open_group(file, "scenarios/" + self.layout.scenarios[scenario], self.path);
  if (H5Lexists(group, "definition", H5P_DEFAULT) <= 0) return {};
  const auto texts = read_string_dataset(group, "definition", self.path);
  return texts.empty() ? std::string{} : texts.front();
}

}  // namespace culturesim::core
