// CRC-32 (the zlib / PNG polynomial), so anyone can check a results file's stored checksums with
// Python's zlib.crc32 and no culturesim code (docs/results-format.md says over which bytes).
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace culturesim::core {

/// Continues the CRC-32 `crc` (0 to start) over `bytes`; equal to zlib.crc32(bytes, crc).
std::uint32_t crc32(std::span<const std::byte> bytes, std::uint32_t crc = 0);
std::uint32_t crc32(std::string_view text, std::uint32_t crc = 0);
/// Over the values' bytes as stored in memory (float64 little-endian on every platform we build for).
std::uint32_t crc32(std::span<const double> values, std::uint32_t crc = 0);

}  // namespace culturesim::core
