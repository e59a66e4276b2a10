#include "core/file_lock.hpp"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

#include "core/errors.hpp"

namespace culturesim::core {
namespace {

std::string in_quotes(const std::string& path) { return "'" + path + "'"; }

bool same_file(const struct stat& a, const struct stat& b) { return a.st_dev == b.st_dev && a.st_ino == b.st_ino; }

}  // namespace

FileLock::FileLock(FileLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    release();
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}
FileLock::~FileLock() { release(); }

void FileLock::release() {
  if (fd_ >= 0) ::close(std::exchange(fd_, -1));
}

FileLock FileLock::acquire(const std::string& path, bool create, const std::string& shown) {
  FileLock lock;
  // O_RDWR is needed for a write lock; opening this way changes nothing in the file.
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

bool FileLock::held_by_someone(const std::string& path) {
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

std::string FileLock::busy_message(const std::string& path) {
  return "results file " + in_quotes(path) +
         " is open for writing by another ResultsFile (in this or another process); close that one "
         "or wait for its experiment to finish";
}

bool FileLock::holds(const std::string& path) const {
  struct stat mine {};
  struct stat named {};
  return fd_ >= 0 && ::fstat(fd_, &mine) == 0 && ::stat(path.c_str(), &named) == 0 && same_file(mine, named);
}

bool FileLock::holds_descriptor(int fd) const {
  struct stat mine {};
  struct stat theirs {};
  return fd_ >= 0 && ::fstat(fd_, &mine) == 0 && ::fstat(fd, &theirs) == 0 && same_file(mine, theirs);
}

bool rename_no_replace(const std::string& from, const std::string& to) {
#ifdef RENAME_NOREPLACE
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return true;
  if (errno == EEXIST) return false;
  if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP) {
    const int error = errno;
    throw ResultsFileError("results file " + in_quotes(to) +
                           ": cannot move the new file into place: " + std::strerror(error));
  }
#endif
  // No RENAME_NOREPLACE on this file system: link() never replaces either.
  if (::link(from.c_str(), to.c_str()) != 0) {
    const int error = errno;
    if (error == EEXIST) return false;
    throw ResultsFileError("results file " + in_quotes(to) +
                           ": cannot move the new file into place: " + std::strerror(error));
  }
  ::unlink(from.c_str());
  return true;
}

std::string creating_name(const std::string& path) { return path + ".creating." + std::to_string(::getpid()); }

void remove_stale_creating(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  const std::string prefix = target.filename().string() + ".creating.";
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string digits = name.substr(prefix.size());
    if (digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 9) continue;
    const auto pid = static_cast<pid_t>(std::stol(digits));
    // Dead process (ESRCH) and nobody's lock: the remains of a killed creation.
    if (pid == ::getpid() || ::kill(pid, 0) == 0 || errno != ESRCH) continue;
    if (FileLock::held_by_someone(it->path().string())) continue;
    fs::remove(it->path(), ec);
  }
}

}  // namespace culturesim::core
