// core::RandomStream: Philox4x64-10 keyed by (seed, replicate), counter (entity, day, purpose, index).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <set>
#include <type_traits>
#include <utility>

#include "core/random_stream.hpp"
#include "tests/cpp/catch.hpp"

using culturesim::core::RandomStream;
using culturesim::core::to_unit_interval;

namespace {

struct KnownAnswer {
  std::uint64_t counter[4];
  std::uint64_t key[2];
  std::uint64_t expected[4];
};

// The Random123 reference known-answer vectors for Philox4x64 with 10 rounds, copied from
// Random123 1.14's tests/kat_vectors (Debian librandom123-doc,
// /usr/share/doc/librandom123-dev/tests/kat_vectors.gz):
//   philox4x64 10 <ctr x4> <key x2>   <expected x4>
// The third vector's counter and key are the first hex digits of pi.
constexpr KnownAnswer kPhilox4x64_10[] = {
    {{0x0000000000000000, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000},
     {0x0000000000000000, 0x0000000000000000},
     {0x16554d9eca36314c, 0xdb20fe9d672d0fdc, 0xd7e772cee186176b, 0x7e68b68aec7ba23b}},
    {{0xffffffffffffffff, 0xffffffffffffffff, 0xffffffffffffffff, 0xffffffffffffffff},
     {0xffffffffffffffff, 0xffffffffffffffff},
     {0x87b092c3013fe90b, 0x438c3c67be8d0224, 0x9cc7d7c69cd777b6, 0xa09caebf594f0ba0}},
    {{0x243f6a8885a308d3, 0x13198a2e03707344, 0xa4093822299f31d0, 0x082efa98ec4e6c89},
     {0x452821e638d01377, 0xbe5466cf34e90c6c},
     {0xa528f45403e61d95, 0x38c72dbd566e9788, 0xa5a1610e72fd18b5, 0x57bd43b5e52b7fe6}},
};

}  // namespace

TEST_CASE("RandomStream uses Philox4x64 with 10 rounds", "[core][random]") {
  STATIC_REQUIRE(std::is_same_v<RandomStream::Generator, r123::Philox4x64_R<10>>);
}

TEST_CASE("RandomStream blocks equal the Random123 known-answer vectors of Philox4x64-10", "[core][random]") {
  for (const auto& kat : kPhilox4x64_10) {
    // The key is (seed, replicate) and the counter (entity, day, purpose, index).
    const RandomStream stream(kat.key[0], kat.key[1]);
    const auto block = stream.block(kat.counter[0], kat.counter[1], kat.counter[2], kat.counter[3]);
    INFO("counter word 0 = " << std::hex << kat.counter[0]);
    for (std::size_t i = 0; i < 4; ++i) CHECK(block[i] == kat.expected[i]);
  }
}

TEST_CASE("RandomStream index defaults to 0", "[core][random]") {
  const RandomStream stream(7, 3);
  CHECK(stream.block(11, 12, 13) == stream.block(11, 12, 13, 0));
  CHECK_FALSE(stream.block(11, 12, 13) == stream.block(11, 12, 13, 1));
}

TEST_CASE("RandomStream reports its seed and replicate", "[core][random]") {
  const RandomStream stream(123456789, 42);
  CHECK(stream.seed() == 123456789);
  CHECK(stream.replicate() == 42);
}

TEST_CASE("to_unit_interval maps 64 random bits to the unit interval using the top 53", "[core][random]") {
  CHECK(to_unit_interval(0) == 0.0);
  const double largest = to_unit_interval(std::numeric_limits<std::uint64_t>::max());
  CHECK(largest < 1.0);
  CHECK(largest == 1.0 - 0x1.0p-53);
  CHECK(to_unit_interval(std::uint64_t{1} << 63) == 0.5);
  // The low 11 bits are dropped.
  CHECK(to_unit_interval(0x7ff) == 0.0);
  CHECK(to_unit_interval(0x800) == 0x1.0p-53);
}

TEST_CASE("RandomStream uniforms are the block's words mapped to the unit interval", "[core][random]") {
  const RandomStream stream(2024, 5);
  const auto bits = stream.block(3, 4, 5, 6);
  const auto u = stream.uniforms(3, 4, 5, 6);
  for (std::size_t i = 0; i < 4; ++i) CHECK(u[i] == to_unit_interval(bits[i]));
}

TEST_CASE("RandomStream uniforms lie in the half-open unit interval and average one half", "[core][random]") {
  const RandomStream stream(99, 1);
  double sum = 0.0;
  double lo = 1.0, hi = 0.0;
  std::size_t n = 0;
  for (std::uint64_t entity = 0; entity < 250; ++entity) {
    for (std::uint64_t day = 0; day < 400; ++day) {
      const auto u = stream.uniforms(entity, day, 2);
      for (double x : u.u) {
        REQUIRE(x >= 0.0);
        REQUIRE(x < 1.0);
        lo = std::min(lo, x);
        hi = std::max(hi, x);
        sum += x;
        ++n;
      }
    }
  }
  // 400,000 uniforms: the mean's standard error is about 0.00046.
  CHECK(std::abs(sum / static_cast<double>(n) - 0.5) < 0.003);
  CHECK(lo < 1e-4);
  CHECK(hi > 1.0 - 1e-4);
}

TEST_CASE("RandomStream gives the same draws for the same inputs", "[core][random]") {
  const RandomStream a(31, 2);
  const RandomStream b(31, 2);
  for (std::uint64_t i = 0; i < 100; ++i) {
    CHECK(a.block(i, 2 * i, 3, i % 4) == b.block(i, 2 * i, 3, i % 4));
    CHECK(a.block(i, 2 * i, 3, i % 4) == a.block(i, 2 * i, 3, i % 4));
  }
}

TEST_CASE("RandomStream gives different draws for different entities, days, purposes, indices and keys",
          "[core][random]") {
  const RandomStream stream(5, 0);
  const auto base = stream.block(10, 20, 2, 0);
  CHECK_FALSE(stream.block(11, 20, 2, 0) == base);              // entity
  CHECK_FALSE(stream.block(10, 21, 2, 0) == base);              // day
  CHECK_FALSE(stream.block(10, 20, 3, 0) == base);              // purpose
  CHECK_FALSE(stream.block(10, 20, 2, 1) == base);              // index
  CHECK_FALSE(RandomStream(6, 0).block(10, 20, 2, 0) == base);  // seed
  CHECK_FALSE(RandomStream(5, 1).block(10, 20, 2, 0) == base);  // replicate

  // No collisions among the first words of many neighbouring counters (swapping two counter words
  // must not give the same block either).
  std::set<std::uint64_t> first_words;
  std::size_t draws = 0;
  for (std::uint64_t entity = 0; entity < 20; ++entity) {
    for (std::uint64_t day = 0; day < 20; ++day) {
      for (std::uint64_t purpose = 0; purpose < 7; ++purpose) {
        first_words.insert(stream.block(entity, day, purpose)[0]);
        ++draws;
      }
    }
  }
  CHECK(first_words.size() == draws);
  CHECK_FALSE(stream.block(1, 2, 3) == stream.block(2, 1, 3));
}

TEST_CASE("RandomStream's stream is the key's high word: stream 0 is the key (seed, replicate)", "[core][random]") {
  const RandomStream::Generator philox;
  for (const auto& kat : kPhilox4x64_10) {
    const std::uint64_t replicate = kat.key[1] & 0xffffffffu;
    const RandomStream::Generator::ctr_type counter{{kat.counter[0], kat.counter[1], kat.counter[2], kat.counter[3]}};
    // Stream 0, given or not: the key (seed, replicate) of runs before streams existed.
    const RandomStream old(kat.key[0], replicate);
    const RandomStream zero(kat.key[0], replicate, 0);
    CHECK(old.block(kat.counter[0], kat.counter[1], kat.counter[2], kat.counter[3]) ==
          philox(counter, {{kat.key[0], replicate}}));
    CHECK(zero.block(kat.counter[0], kat.counter[1], kat.counter[2], kat.counter[3]) ==
          philox(counter, {{kat.key[0], replicate}}));
    // Stream k: the key (seed, replicate + (k << 32)).
    for (const std::uint32_t k : {1u, 7u, 0xffffffffu}) {
      const RandomStream s(kat.key[0], replicate, k);
      CHECK(s.block(kat.counter[0], kat.counter[1], kat.counter[2], kat.counter[3]) ==
            philox(counter, {{kat.key[0], replicate + (std::uint64_t{k} << 32)}}));
      CHECK(s.seed() == kat.key[0]);
      CHECK(s.replicate() == replicate);
      CHECK(s.stream() == k);
      CHECK_FALSE(s.block(kat.counter[0], kat.counter[1], kat.counter[2], kat.counter[3]) ==
                  zero.block(kat.counter[0], kat.counter[1], kat.counter[2], kat.counter[3]));
    }
  }
  CHECK(RandomStream(5, 3).stream() == 0);
  // (replicate, stream) is one-to-one: stream 1 replicate 0 is not stream 0 of any replicate below 2^32.
  CHECK(RandomStream::key_word(0, 1) == RandomStream::kReplicateLimit);
  CHECK_FALSE(RandomStream(5, 0, 1).block(1, 2, 3) == RandomStream(5, 1, 0).block(1, 2, 3));
}
