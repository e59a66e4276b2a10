// The exclusive ownership of one results file by one writer, and the publishing of a new file
// under its final name without ever replacing a file that appeared meanwhile. Knows no HDF5.
//
// The lock is an open-file-description (OFD) lock on our own descriptor: HDF5 opening and closing
// the same file does not drop it (unlike a classic POSIX lock), it conflicts with a second lock even
// inside one process, and the kernel releases it when the process dies, so a killed writer never
// leaves a stale lock. A lock belongs to an inode, not to a name: every write therefore first checks
// that the name still leads to the locked inode (holds()), so a file replaced behind our back is
// never written into.
#pragma once
#include <string>

namespace culturesim::core {

class FileLock {
 public:
  FileLock() = default;
  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();

  /// Locks an existing file (`create` false) or makes a new, empty one (failing if it exists).
  /// Throws ResultsFileError naming `shown` (the results file the caller asked for) when the file
  /// cannot be opened or another lock holds it.
  static FileLock acquire(const std::string& path, bool create, const std::string& shown);
  /// True when some FileLock (in any process) holds `path`.
  static bool held_by_someone(const std::string& path);
  static std::string busy_message(const std::string& path);

  /// True when `path` names the locked file (same device and inode).
  bool holds(const std::string& path) const;
  /// True when the open descriptor `fd` (e.g. HDF5's) refers to the locked file.
  bool holds_descriptor(int fd) const;
  bool locked() const { return fd_ >= 0; }
  void release();

 private:
  int fd_ = -1;
};

/// Renames `from` to `to` only if nothing exists at `to` (renameat2 RENAME_NOREPLACE, or link()
/// and unlink() where the file system lacks it). Returns false when `to` exists; throws
/// ResultsFileError for other failures.
bool rename_no_replace(const std::string& from, const std::string& to);

/// The temporary name a new results file is built under: `<path>.creating.<pid>`.
std::string creating_name(const std::string& path);
/// Removes the `<path>.creating.<pid>` files left by processes that no longer run (a creation
/// killed before it finished). Files of live processes, or locked ones, are left alone.
void remove_stale_creating(const std::string& path);

}  // namespace culturesim::core
