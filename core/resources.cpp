#include "core/resources.hpp"

#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/errors.hpp"

namespace culturesim::core {
namespace {

double total(const std::vector<ResourceItem>& items) {
  double sum = 0;
  for (const auto& item : items) sum += item.bytes;
  return sum;
}

std::string largest(const std::vector<ResourceItem>& items) {
  const auto it = std::max_element(items.begin(), items.end(),
                                   [](const ResourceItem& a, const ResourceItem& b) { return a.bytes < b.bytes; });
  return it == items.end() ? std::string{} : " (largest part: " + it->what + ", " + format_bytes(it->bytes) + ")";
}

void refuse(const std::string& job, const char* kind, double need, const std::vector<ResourceItem>& items, double limit,
            bool limit_is_setting, const std::string& hint) {
  std::string message = job + " would need about " + format_bytes(need) + " of " + kind + largest(items) +
                        ", more than " +
                        (limit_is_setting ? "the limit of " + format_bytes(limit) + " set with " + hint
                                          : std::string("the ") + format_bytes(limit) + " this machine has free") +
                        "; nothing was started. Record less (fewer years, a larger record_every, fewer "
                        "replicates, fewer snapshots or a smaller hospital)";
  if (limit_is_setting) {
    message += ", or raise the limit";
  } else if (!hint.empty()) {
    message += ", or raise the limit with " + hint + " if you know it fits";
  }
  throw InsufficientResources(message);
}

}  // namespace

double ResourceNeeds::memory_bytes() const { return total(memory); }
double ResourceNeeds::disk_bytes() const { return total(disk); }

std::string format_bytes(double bytes) {
  const char* units[] = {"bytes", "kB", "MB", "GB", "TB", "PB", "EB"};
  std::size_t u = 0;
  while (bytes >= 1000 && u + 1 < std::size(units)) {
    bytes /= 1000;
    ++u;
  }
  char text[64];
  std::snprintf(text, sizeof text, u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
  return text;
}

double available_memory() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  double kb = 0;
  std::string unit;
  while (meminfo >> key >> kb >> unit) {
    if (key == "MemAvailable:") return kb * 1024.0;
  }
  const long pages = ::sysconf(_SC_AVPHYS_PAGES);
  const long page = ::sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? static_cast<double>(pages) * static_cast<double>(page) : 0.0;
}

double available_disk(const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path parent = fs::absolute(fs::path(path)).parent_path();
  struct statvfs info {};
  if (::statvfs(parent.c_str(), &info) != 0) return 0;
  return static_cast<double>(info.f_bavail) * static_cast<double>(info.f_frsize);
}

void check_resources(const ResourceNeeds& needs, const ResourceLimits& limits, const std::string& disk_path,
                     const std::string& job, const std::string& memory_hint, const std::string& disk_hint) {
  const double memory = needs.memory_bytes();
  if (limits.max_memory > 0) {
    if (memory > limits.max_memory) refuse(job, "memory", memory, needs.memory, limits.max_memory, true, memory_hint);
  } else if (const double free = available_memory(); free > 0 && memory > free) {
    refuse(job, "memory", memory, needs.memory, free, false, memory_hint);
  }
  if (disk_path.empty()) return;
  const double disk = needs.disk_bytes();
  if (limits.max_disk > 0) {
    if (disk > limits.max_disk) refuse(job, "disk space", disk, needs.disk, limits.max_disk, true, disk_hint);
  } else if (const double free = available_disk(disk_path); free > 0 && disk > free) {
    refuse(job, "disk space", disk, needs.disk, free, false, disk_hint);
  }
}

}  // namespace culturesim::core
