// Hospital: the embedded default hospital and validation of user hospitals.
#include <array>
#include <string>
#include <vector>

#include "agents/hospital.hpp"
#include "core/errors.hpp"
#include "tests/cpp/catch.hpp"
#include "tests/cpp/test_helpers.hpp"

using namespace culturesim;

namespace {

using testing::contains;
using testing::message_of;

}  // namespace

TEST_CASE("The default hospital has 1,000 clinicians in ICU, ED, surgery, medicine and pharmacy",
          "[agents][hospital]") {
  const Hospital h = Hospital::default_hospital();
  REQUIRE_NOTHROW(h.validate());
  CHECK(h.name == "default");
  CHECK(h.establishment() == 1000);
  CHECK(h.unit_names() == std::vector<std::string>{"ICU", "ED", "surgery", "medicine", "pharmacy"});
  // 60% nurses, 15% residents, 15% attendings, 10% pharmacists.
  std::array<int, kRoles> by_role{};
  for (const auto& u : h.units) {
    for (std::size_t r = 0; r < kRoles; ++r) by_role[r] += u.headcount[r];
  }
  CHECK(by_role[index(Role::nurse)] == 600);
  CHECK(by_role[index(Role::resident)] == 150);
  CHECK(by_role[index(Role::attending)] == 150);
  CHECK(by_role[index(Role::pharmacist)] == 100);
}

TEST_CASE("Hospital::unit_index finds units and suggests the closest name for unknown ones", "[agents][hospital]") {
  const Hospital h = Hospital::default_hospital();
  CHECK(h.unit_index("ICU") == 0);
  CHECK(h.unit_index("pharmacy") == 4);
  CHECK(contains(message_of<UnknownName>([&] { (void)h.unit_index("surgry"); }), "did you mean 'surgery'"));
  CHECK(contains(message_of<UnknownName>([&] { (void)h.unit_index("oncology"); }), "unit 'oncology'"));
}

TEST_CASE("Hospital::validate rejects malformed hospitals, naming the problem", "[agents][hospital]") {
  Hospital h;
  h.name = "tiny";
  CHECK(contains(message_of<InvalidValue>([&] { h.validate(); }), "no units"));
  h.units = {Unit{"A", {1, 0, 0, 0}}, Unit{"A", {1, 0, 0, 0}}};
  CHECK(contains(message_of<InvalidValue>([&] { h.validate(); }), "'A' is used twice"));
  h.units = {Unit{"", {1, 0, 0, 0}}};
  CHECK(contains(message_of<InvalidValue>([&] { h.validate(); }), "empty name"));
  h.units = {Unit{"A", {0, 0, 0, 0}}};
  CHECK(contains(message_of<InvalidValue>([&] { h.validate(); }), "no clinicians"));
  h.units = {Unit{"A", {3, -1, 0, 0}}};
  CHECK(contains(message_of<InvalidValue>([&] { h.validate(); }), "resident"));
  h.units = {Unit{"A", {3, 0, 0, 0}, 1001.0}};
  CHECK(contains(message_of<InvalidValue>([&] { h.validate(); }), "initial_hazards"));
  h.units = {Unit{"A", {3, 0, 0, 0}, -3.0}};  // no sentinel: a negative count of hazards is refused
  CHECK(contains(message_of<InvalidValue>([&] { h.validate(); }), "initial_hazards = -3 is out of range; allowed 0"));
  h.units = {Unit{"A", {3, 0, 0, 0}, 7.0}};
  CHECK_NOTHROW(h.validate());
  CHECK(h.establishment() == 3);
}
