#pragma once
// A random source whose draws are the same on every machine: std::mt19937_64's output sequence
// is fixed by the standard, but the standard distributions are not, so the draws are made here.

#include <cmath>
#include <cstdint>
#include <random>

namespace sealion {

class Rng {
 public:
  // Independent streams for (seed, stream, index): e.g. (user seed, split, photo id).
  Rng(uint64_t seed, uint64_t stream, uint64_t index) {
    std::seed_seq sequence{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32),
                           static_cast<uint32_t>(stream), static_cast<uint32_t>(index),
                           static_cast<uint32_t>(index >> 32)};
    engine_.seed(sequence);
  }

  uint64_t Bits() { return engine_(); }
  // Uniform in [0, 1).
  double Uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  double Uniform(double low, double high) { return low + (high - low) * Uniform(); }
  // Uniform integer in [low, high].
  int64_t Integer(int64_t low, int64_t high) {
    return low + static_cast<int64_t>(Uniform() * static_cast<double>(high - low + 1));
  }
  bool Chance(double probability) { return Uniform() < probability; }
  // Standard normal (Box-Muller).
  double Normal() {
    const double u = 1.0 - Uniform();
    const double v = Uniform();
    return std::sqrt(-2.0 * std::log(u)) * std::cos(6.283185307179586 * v);
  }
  double Normal(double mean, double sigma) { return mean + sigma * Normal(); }

 private:
  std::mt19937_64 engine_;
};

}  // namespace sealion
