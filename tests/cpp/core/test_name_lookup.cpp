// core name lookup: edit distance, the closest valid name, and "did you mean ...?" messages.
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/name_lookup.hpp"
#include "tests/cpp/catch.hpp"

using namespace culturesim::core;

TEST_CASE("edit_distance counts insertions, deletions and substitutions", "[core][names]") {
  CHECK(edit_distance("", "") == 0);
  CHECK(edit_distance("alpha", "alpha") == 0);
  CHECK(edit_distance("", "abc") == 3);
  CHECK(edit_distance("abc", "") == 3);
  CHECK(edit_distance("kitten", "sitting") == 3);
  CHECK(edit_distance("sitting", "kitten") == 3);
  CHECK(edit_distance("alpha_bse", "alpha_base") == 1);   // one insertion
  CHECK(edit_distance("alpha_baes", "alpha_base") == 2);  // a transposition is two edits
  CHECK(edit_distance("flaw", "lawn") == 2);
}

TEST_CASE("closest_name suggests the nearest candidate and nothing when none is plausible", "[core][names]") {
  const std::vector<std::string> names{"alpha_base", "alpha_support", "delta_base", "delta_witness"};
  CHECK(closest_name("alpha_bse", names) == "alpha_base");
  CHECK(closest_name("alpha_suport", names) == "alpha_support");
  CHECK(closest_name("delta_wittness", names) == "delta_witness");
  CHECK(closest_name("witness", names) == "delta_witness");  // contained in a candidate
  CHECK(closest_name("quit_rate", names).empty());
  CHECK(closest_name("x", names).empty());
  CHECK(closest_name("alpha_base", {}).empty());
}

TEST_CASE("unknown_name_message suggests the closest name", "[core][names]") {
  const std::vector<std::string> names{"alpha_base", "alpha_support"};
  CHECK(unknown_name_message("parameter", "alpha_bse", names) ==
        "unknown parameter 'alpha_bse'; did you mean 'alpha_base'?");
}

TEST_CASE("unknown_name_message lists a short list of allowed names when none is close", "[core][names]") {
  const std::vector<std::string> roles{"nurse", "resident", "attending", "pharmacist"};
  CHECK(unknown_name_message("role", "surgeon", roles) ==
        "unknown role 'surgeon'; allowed: nurse, resident, attending, pharmacist");
  // A long list is not printed.
  std::vector<std::string> many;
  for (int i = 0; i < 13; ++i) many.push_back("name_" + std::to_string(i) + "_long");
  const std::string message = unknown_name_message("output", "zzzzzzzzzzzzzzzzzzzz", many);
  CHECK(message == "unknown output 'zzzzzzzzzzzzzzzzzzzz'");
}

TEST_CASE("throw_unknown_name throws UnknownName with the message", "[core][names]") {
  const std::vector<std::string> names{"alpha_base"};
  try {
    throw_unknown_name("parameter", "alpha_bse", names);
    FAIL("throw_unknown_name returned");
  } catch (const culturesim::UnknownName& e) {
    CHECK(std::string(e.what()) == "unknown parameter 'alpha_bse'; did you mean 'alpha_base'?");
  }
}
