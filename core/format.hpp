// Numbers in messages and in TOML text.
#pragma once
#include <charconv>
#include <sstream>
#include <string>

namespace culturesim::core {

/// A number as people read it in messages (6 significant digits: 0.6, 1e+15, -3).
inline std::string format_number(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

/// The shortest text that reads back to exactly `v` (bit for bit), as a TOML float written the
/// way Python's repr writes it: 0.1, 2.0, 0.0005, 500000.0, 1e-05, 1e+16, nan, inf.
inline std::string exact_number(double v) {
  if (v != v) return "nan";
  if (v == 1.0 / 0.0) return "inf";
  if (v == -1.0 / 0.0) return "-inf";
  char buffer[400];  // a fixed double needs up to 309 digits; fixed is used below 1e16 only
  const double a = v < 0 ? -v : v;
  const auto format = (a == 0.0 || (a >= 1e-4 && a < 1e16)) ? std::chars_format::fixed : std::chars_format::scientific;
  const auto end = std::to_chars(buffer, buffer + sizeof buffer, v, format).ptr;
  std::string s(buffer, end);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";  // TOML floats need a dot or exponent
  return s;
}

}  // namespace culturesim::core
