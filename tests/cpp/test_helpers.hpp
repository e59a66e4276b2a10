// Helpers shared by the Catch2 tests: catching a typed exception's message, substring checks.
#pragma once
#include <string>

#include "tests/cpp/catch.hpp"

namespace culturesim::testing {

/// The message of the exception of type E that f() throws; fails the test if none is thrown.
template <class E, class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  FAIL("no exception of the expected type was thrown");
  return {};
}

inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace culturesim::testing
