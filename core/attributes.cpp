#include "core/attributes.hpp"

#include <algorithm>
#include <set>

#include "core/errors.hpp"

namespace culturesim::core {
namespace {

bool has_nul(const AttributeValue& value) {
  auto nul = [](const std::string& s) { return s.find('\0') != std::string::npos; };
  if (const auto* s = std::get_if<std::string>(&value)) return nul(*s);
  if (const auto* v = std::get_if<std::vector<std::string>>(&value)) return std::any_of(v->begin(), v->end(), nul);
  return false;
}

}  // namespace

const AttributeValue* find_attribute(const Attributes& attributes, std::string_view name) {
  for (const auto& [key, value] : attributes) {
    if (key == name) return &value;
  }
  return nullptr;
}

void check_attributes(const Attributes& attributes, const std::string& where,
                      const std::vector<std::string>& reserved) {
  std::set<std::string> seen;
  for (const auto& [name, value] : attributes) {
    if (name.empty() || name == "." || name.find('\0') != std::string::npos) {
      throw InvalidValue(where + ": attribute names must be non-empty and without NUL characters");
    }
    if (std::find(reserved.begin(), reserved.end(), name) != reserved.end()) {
      throw InvalidValue(where + ": attribute name '" + name + "' is reserved by the results format");
    }
    if (!seen.insert(name).second) throw InvalidValue(where + ": duplicate attribute '" + name + "'");
    if (has_nul(value)) {
      throw InvalidValue(where + ": attribute '" + name + "' contains a NUL character; allowed: text without NUL");
    }
  }
}

}  // namespace culturesim::core
