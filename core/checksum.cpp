#include "core/checksum.hpp"

#include <array>
#include <bit>

namespace culturesim::core {
namespace {

constexpr std::array<std::uint32_t, 256> make_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1U) != 0 ? 0xEDB88320U ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  return table;
}
constexpr auto kTable = make_table();

// The stored checksums are defined over little-endian float64; a big-endian build would need a
// byte swap here, so refuse to build there rather than write checksums nobody else can check.
static_assert(std::endian::native == std::endian::little, "results-file checksums assume a little-endian host");

}  // namespace

std::uint32_t crc32(std::span<const std::byte> bytes, std::uint32_t crc) {
  crc = ~crc;
  for (const std::byte b : bytes) crc = kTable[(crc ^ static_cast<std::uint32_t>(b)) & 0xFFU] ^ (crc >> 8);
  return ~crc;
}

std::uint32_t crc32(std::string_view text, std::uint32_t crc) {
  return crc32(std::as_bytes(std::span<const char>(text.data(), text.size())), crc);
}

std::uint32_t crc32(std::span<const double> values, std::uint32_t crc) { return crc32(std::as_bytes(values), crc); }

}  // namespace culturesim::core
