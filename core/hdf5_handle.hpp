// Small RAII wrappers around the HDF5 C API, private to core (only core's .cpp files include this,
// so hdf5.h never leaks into the engine's public headers). Every failure becomes a
// ResultsFileError naming the file and what could not be done, with HDF5's innermost reason.
#pragma once
#include <hdf5.h>

#include <cstddef>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace culturesim::core::h5 {

/// Turns HDF5's automatic error printing off (and leaves it off, see the .cpp), so failures
/// surface only as exceptions, never as an error-stack dump on stderr.
class SilenceErrors {
 public:
  SilenceErrors();
  ~SilenceErrors();
  SilenceErrors(const SilenceErrors&) = delete;
  SilenceErrors& operator=(const SilenceErrors&) = delete;

 private:
  H5E_auto2_t func_ = nullptr;  // what was set before, kept for debugging sessions
  void* data_ = nullptr;
};

/// " (HDF5: <innermost message>)" of the current error stack, or ""; clears the stack.
std::string reason();
[[noreturn]] void fail(const std::string& path, const std::string& what);

/// Owns one HDF5 identifier and closes it with the matching H5?close.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)), closer_(other.closer_) {}
  Handle& operator=(Handle&& other) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { close(); }

  hid_t get() const { return id_; }
  operator hid_t() const { return id_; }  // NOLINT: handles are passed straight to the C API
  /// Closes now; false when HDF5 reports a failure (for a file: the final flush failed).
  bool close();

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

Handle checked(hid_t id, Handle::Closer closer, const std::string& path, const std::string& what);
void check(herr_t status, const std::string& path, const std::string& what);

Handle plist(hid_t cls, const std::string& path);
Handle simple_space(std::span<const hsize_t> dims, const std::string& path);
Handle scalar_space(const std::string& path);
/// Fixed-length UTF-8 string type of `size` bytes, NUL-padded (no global heap, which a damaged
/// file could point anywhere).
Handle fixed_string_type(std::size_t size, const std::string& path);
Handle open_group(hid_t loc, const std::string& name, const std::string& path);
Handle open_dataset(hid_t loc, const std::string& name, const std::string& path);
std::vector<hsize_t> dataset_dims(hid_t dset, const std::string& path, const std::string& name);

/// File access properties: newest format (checksummed metadata; required for SWMR), HDF5's own
/// flock off (our FileLock keeps writers exclusive, so readers never block a writer), and few
/// metadata read retries, so a damaged checksum fails at once instead of retrying for minutes.
/// `recover`: also clear the "open for writing" marks a killed writer leaves (as `h5clear -s`).
Handle file_access(const std::string& path, bool recover = false);

/// The file descriptor HDF5 uses for `file` (sec2 driver), or -1.
int file_descriptor(hid_t file);

}  // namespace culturesim::core::h5
