// Size checks before a job starts: the estimate against a limit, or against what is free.
#include "core/errors.hpp"
#include "core/resources.hpp"
#include "tests/cpp/catch.hpp"
#include "tests/cpp/test_helpers.hpp"

using culturesim::InsufficientResources;
using culturesim::testing::contains;
using culturesim::testing::message_of;
using namespace culturesim::core;

TEST_CASE("Sizes read as people write them", "[core][resources]") {
  CHECK(format_bytes(512) == "512 bytes");
  CHECK(format_bytes(2.345e9) == "2.3 GB");
  CHECK(format_bytes(6.4e10) == "64.0 GB");
}

TEST_CASE("A job above its memory or disk limit is refused naming the estimate, its largest part and the limit",
          "[core][resources]") {
  const ResourceNeeds needs{{{"clinician state", 3e9}, {"series", 1e9}}, {{"series of 8 runs", 5e9}}};
  const std::string memory = message_of<InsufficientResources>([&] {
    check_resources(needs, {1e9, 0}, "", "this sweep", "--max-memory", "--max-disk");
  });
  CHECK(contains(memory, "this sweep would need about 4.0 GB of memory (largest part: clinician state, 3.0 GB)"));
  CHECK(contains(memory, "the limit of 1.0 GB set with --max-memory"));
  CHECK(contains(memory, "nothing was started"));
  const std::string disk = message_of<InsufficientResources>([&] {
    check_resources(needs, {1e12, 1e9}, "results.h5", "this sweep", "--max-memory", "--max-disk");
  });
  CHECK(contains(disk, "5.0 GB of disk space"));
  CHECK_NOTHROW(check_resources(needs, {1e12, 1e12}, "results.h5", "this sweep", "--max-memory", "--max-disk"));
}

TEST_CASE("Without limits, a job is compared with what the machine has free", "[core][resources]") {
  REQUIRE(available_memory() > 0);
  const ResourceNeeds too_much{{{"everything", 1e21}}, {}};
  const std::string message =
      message_of<InsufficientResources>([&] { check_resources(too_much, {}, "", "this run", "", ""); });
  CHECK(contains(message, "this machine has free"));
  CHECK_FALSE(contains(message, "raise the limit with"));  // no setting raises it here
  CHECK_NOTHROW(check_resources({{{"a little", 1e3}}, {{"a little", 1e3}}}, {}, "results.h5", "this run", "", ""));
}
