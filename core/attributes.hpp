// Metadata values stored with a results file: attributes of "/" (engine version, seed, ...) and of
// each scenario (its parameters). Plain C++; HDF5 stays in the .cpp files.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace culturesim::core {

/// An HDF5 attribute: int64 scalar, float64 scalar, UTF-8 string, 1-D float64 array, 1-D string array.
using AttributeValue = std::variant<std::int64_t, double, std::string, std::vector<double>, std::vector<std::string>>;
/// Attributes in the order they are written (and read back).
using Attributes = std::vector<std::pair<std::string, AttributeValue>>;

/// The attribute called `name`, or nullptr.
const AttributeValue* find_attribute(const Attributes& attributes, std::string_view name);

/// Throws InvalidValue naming `where` for an empty, reserved or repeated name, or a string value
/// with a NUL character (stored strings are NUL-padded, so it could not be read back intact).
void check_attributes(const Attributes& attributes, const std::string& where,
                      const std::vector<std::string>& reserved = {});

}  // namespace culturesim::core
