// Stateless counter-based random numbers: every draw is a hash of (seed, stream, index), so a
// value depends only on its own coordinates and results are identical for any thread count or
// evaluation order. The hash is the SplitMix64 finaliser (Steele, Lea & Flood 2014, "Fast
// splittable pseudorandom number generators"), a bijective 64-bit mixer.
//
// Each call site keeps its own composition of splitmix64 calls (changing one would change
// published results); what is shared is the mixer and the 53-bit conversion to [0, 1).
#pragma once
#include <cstdint>

namespace skycover {

// SplitMix64 step + finaliser: z + golden ratio, then the two xor-shift-multiply rounds.
constexpr std::uint64_t splitmix64(std::uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// The top 53 bits of a hash as a double uniform in [0, 1) (every value exactly representable).
constexpr double unit_from_hash(std::uint64_t h) { return static_cast<double>(h >> 11) * 0x1.0p-53; }

// Uniform double in [0, 1) from (seed, stream, index): one independent stream per use, so
// changing how one quantity is drawn never shifts another.
constexpr double u01(std::uint64_t seed, std::uint64_t stream, std::uint64_t index) {
  return unit_from_hash(splitmix64(splitmix64(splitmix64(seed) ^ stream) ^ index));
}

}  // namespace skycover
