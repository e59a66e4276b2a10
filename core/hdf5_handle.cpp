#include "core/hdf5_handle.hpp"

#include "core/errors.hpp"

namespace culturesim::core::h5 {

SilenceErrors::SilenceErrors() {
  H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}
// Printing stays off: HDF5 1.10.8 keeps internal state alive after a metadata read fails its
// checksum (no identifier of ours: every Handle is closed), and at exit, with printing on, reports
// that as "infinite loop closing library". The engine reports every HDF5 failure as an exception,
// and in Python h5py brings its own HDF5 library, so nothing else relies on this library's printing.
SilenceErrors::~SilenceErrors() = default;

std::string reason() {
  std::string text;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_UPWARD,
      [](unsigned n, const H5E_error2_t* error, void* data) -> herr_t {
        if (n == 0 && error->desc != nullptr) *static_cast<std::string*>(data) = error->desc;
        return 0;
      },
      &text);
  H5Eclear2(H5E_DEFAULT);
  return text.empty() ? std::string{} : " (HDF5: " + text + ")";
}

void fail(const std::string& path, const std::string& what) {
  throw ResultsFileError("results file '" + path + "': " + what + reason());
}

Handle& Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    close();
    id_ = std::exchange(other.id_, H5I_INVALID_HID);
    closer_ = other.closer_;
  }
  return *this;
}

bool Handle::close() {
  const hid_t id = std::exchange(id_, H5I_INVALID_HID);
  return id < 0 || closer_(id) >= 0;
}

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
Handle fixed_string_type(std::size_t size, const std::string& path) {
  Handle type = checked(H5Tcopy(H5T_C_S1), H5Tclose, path, "cannot create a string type");
  check(H5Tset_size(type, size == 0 ? 1 : size), path, "cannot create a string type");
  check(H5Tset_strpad(type, H5T_STR_NULLPAD), path, "cannot create a string type");
  check(H5Tset_cset(type, H5T_CSET_UTF8), path, "cannot create a string type");
  return type;
}
Handle open_group(hid_t loc, const std::string& name, const std::string& path) {
  return checked(H5Gopen2(loc, name.c_str(), H5P_DEFAULT), H5Gclose, path, "cannot open group " + name);
}
Handle open_dataset(hid_t loc, const std::string& name, const std::string& path) {
  return checked(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), H5Dclose, path, "cannot open dataset " + name);
}

std::vector<hsize_t> dataset_dims(hid_t dset, const std::string& path, const std::string& name) {
  Handle space = checked(H5Dget_space(dset), H5Sclose, path, "cannot read the shape of " + name);
  const int rank = H5Sget_simple_extent_ndims(space);
  if (rank < 0 || rank > 8) fail(path, "cannot read the shape of " + name);
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  if (rank > 0 && H5Sget_simple_extent_dims(space, dims.data(), nullptr) < 0) {
    fail(path, "cannot read the shape of " + name);
  }
  return dims;
}

Handle file_access(const std::string& path, bool recover) {
  Handle fapl = plist(H5P_FILE_ACCESS, path);
  check(H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST), path, "cannot set the file format");
#if H5_VERSION_GE(1, 10, 7)
  check(H5Pset_file_locking(fapl, false, true), path, "cannot configure file locking");
#endif
  // HDF5 retries a metadata read whose checksum fails (by default 100 times with growing sleeps in
  // SWMR mode), which on a damaged file looks like a hang. Our writer closes the file after every
  // run, so a reader never races a half-written piece of metadata: two tries are plenty.
  check(H5Pset_metadata_read_attempts(fapl, 2), path, "cannot set the metadata read attempts");
  // Closing the file closes whatever HDF5 still holds open inside it, also after a failed read.
  check(H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG), path, "cannot set the close degree");
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

int file_descriptor(hid_t file) {
  void* handle = nullptr;
  if (H5Fget_vfd_handle(file, H5P_DEFAULT, &handle) < 0 || handle == nullptr) {
    H5Eclear2(H5E_DEFAULT);
    return -1;
  }
  return *static_cast<int*>(handle);
}

}  // namespace culturesim::core::h5
