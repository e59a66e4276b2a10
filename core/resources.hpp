// Memory and disk a job will need, checked before it starts: a run whose outputs cannot fit must
// be refused with a clear message, not die with std::bad_alloc after writing gigabytes. The core
// knows no clinicians: the caller estimates the bytes (experiments/resources.cpp) and names them.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace culturesim::core {

/// One named part of an estimate, e.g. {"series of 4 runs in flight", 1.2e9}.
struct ResourceItem {
  std::string what;
  double bytes = 0;
};

struct ResourceNeeds {
  std::vector<ResourceItem> memory;
  std::vector<ResourceItem> disk;
  double memory_bytes() const;
  double disk_bytes() const;
};

/// Upper bounds in bytes; 0 means "what this machine has free" (MemAvailable, free disk space).
struct ResourceLimits {
  double max_memory = 0;
  double max_disk = 0;
};

/// Free memory (MemAvailable from /proc/meminfo, else physical pages) and free disk space in the
/// directory that will hold `path`, in bytes; 0 when unknown (then nothing is refused on that count).
double available_memory();
double available_disk(const std::string& path);

/// Throws InsufficientResources when the needs exceed the limits or what is free (disk only when
/// `disk_path` is not empty). The message gives the estimate, its largest part, the limit and
/// which setting raises it (`memory_hint`, `disk_hint`, e.g. "--max-memory (max_memory=)"; "" when none does).
void check_resources(const ResourceNeeds& needs, const ResourceLimits& limits, const std::string& disk_path,
                     const std::string& job, const std::string& memory_hint, const std::string& disk_hint);

/// "2.3 GB".
std::string format_bytes(double bytes);

}  // namespace culturesim::core
