// Counter-based random numbers (Random123 Philox4x64-10).
//
// The key is (seed, replicate + (stream << 32)); the counter is (entity, day, purpose, index).
// Every draw in the model is therefore a pure function of who draws it, when and why: results do
// not depend on the thread count or on how work is split, and two scenarios run with the same seed,
// replicate and stream share their random numbers (common random numbers) wherever their agents do
// the same thing. Stream 0 is the key (seed, replicate): runs without a stream are unchanged.
#pragma once
#include <Random123/philox.h>

#include <array>
#include <cassert>
#include <cstdint>

namespace culturesim::core {

/// Four independent uniforms in [0, 1), from one Philox block.
struct Uniforms {
  std::array<double, 4> u;
  double operator[](std::size_t i) const { return u[i]; }
};

/// 53 random bits of a 64-bit word mapped to [0, 1).
inline double to_unit_interval(std::uint64_t bits) { return static_cast<double>(bits >> 11) * 0x1.0p-53; }

class RandomStream {
 public:
  using Generator = r123::Philox4x64;

  /// Replicates stay below 2^32 (kMaxReplicates is far below), so (replicate, stream) is one-to-one.
  static constexpr std::uint64_t kReplicateLimit = std::uint64_t{1} << 32;

  /// The key's second word: the replicate in the low 32 bits, the stream in the high 32.
  static constexpr std::uint64_t key_word(std::uint64_t replicate, std::uint32_t stream) {
    return replicate + (static_cast<std::uint64_t>(stream) << 32);
  }

  RandomStream(std::uint64_t seed, std::uint64_t replicate, std::uint32_t stream = 0)
      : key_{{seed, key_word(replicate, stream)}} {
    assert(replicate < kReplicateLimit);
  }

  /// The raw Philox block for (entity, day, purpose, index): the known-answer tests pin this.
  [[gnu::always_inline]] Generator::ctr_type block(std::uint64_t entity, std::uint64_t day, std::uint64_t purpose,
                                                   std::uint64_t index = 0) const {
    const Generator::ctr_type counter{{entity, day, purpose, index}};
    return generator_(counter, key_);
  }

  /// Four uniforms for (entity, day, purpose, index).
  [[gnu::always_inline]] Uniforms uniforms(std::uint64_t entity, std::uint64_t day, std::uint64_t purpose,
                                           std::uint64_t index = 0) const {
    const auto bits = block(entity, day, purpose, index);
    return Uniforms{
        {to_unit_interval(bits[0]), to_unit_interval(bits[1]), to_unit_interval(bits[2]), to_unit_interval(bits[3])}};
  }

  std::uint64_t seed() const { return key_[0]; }
  std::uint64_t replicate() const { return key_[1] & (kReplicateLimit - 1); }
  std::uint32_t stream() const { return static_cast<std::uint32_t>(key_[1] >> 32); }

 private:
  Generator::key_type key_;
  Generator generator_{};
};

}  // namespace culturesim::core
