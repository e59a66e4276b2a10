// docs/parameters.md is generated from the parameter and policy tables by culturesim_docs
// (agents/tools/write_parameter_docs.cpp) and must match them exactly: regenerate it with
//   build/agents/culturesim_docs > docs/parameters.md
#include <fstream>
#include <sstream>
#include <string>

#include "agents/parameters.hpp"
#include "agents/policy.hpp"
#include "tests/cpp/catch.hpp"

#ifndef CULTURESIM_SOURCE_DIR
#error "CULTURESIM_SOURCE_DIR must name the source tree (set in tests/cpp/CMakeLists.txt)"
#endif

namespace {

/// What culturesim_docs prints (keep in step with agents/tools/write_parameter_docs.cpp).
std::string generated_docs() {
  return culturesim::parameters_markdown() + "\n## Policy fields\n\n" +
         "`Policy.from_blame(b)` interpolates linearly between the presets; `typical()` is b = 0.6.\n\n" +
         culturesim::policy_markdown();
}

}  // namespace

TEST_CASE("docs/parameters.md matches the parameter and policy tables", "[agents][docs]") {
  const std::string path = std::string(CULTURESIM_SOURCE_DIR) + "/docs/parameters.md";
  std::ifstream file(path, std::ios::binary);
  INFO(path << " (regenerate: build/agents/culturesim_docs > docs/parameters.md)");
  REQUIRE(file.good());
  std::ostringstream text;
  text << file.rdbuf();
  const std::string docs = text.str();
  const std::string expected = generated_docs();
  // On a mismatch, show the first line that differs rather than two whole files.
  std::istringstream a(docs), b(expected);
  std::string line_a, line_b;
  int line = 0;
  while (true) {
    const bool more_a = static_cast<bool>(std::getline(a, line_a));
    const bool more_b = static_cast<bool>(std::getline(b, line_b));
    ++line;
    if (!more_a && !more_b) break;
    INFO("line " << line);
    REQUIRE(line_a == line_b);
    REQUIRE(more_a == more_b);
  }
  CHECK(docs == expected);
}
