#pragma once
// A hash that is the same on every machine and run (FNV-1a), for splits and per-item seeds.

#include <cstdint>
#include <string_view>

namespace sealion {

inline uint64_t StableHash(std::string_view text, uint64_t seed) {
  uint64_t hash = 1469598103934665603ull ^ seed;
  for (const unsigned char c : text) hash = (hash ^ c) * 1099511628211ull;
  return hash;
}

// Mixes two numbers into a seed (splitmix64 finaliser).
inline uint64_t MixSeed(uint64_t a, uint64_t b) {
  uint64_t z = a * 0x9E3779B97F4A7C15ull + b + 0x632BE59BD9B4E5Bull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace sealion
