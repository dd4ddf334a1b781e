#pragma once
// A seeded random stream whose draws are identical on every platform.
//
// std::mt19937_64 is specified bit-for-bit by the standard, but the std::*_distribution
// classes are not, so the few distributions unas needs are written here. Every stream in
// unas derives from (experiment seed, candidate id, purpose) so a re-run repeats itself.
#include <cmath>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <string_view>

namespace unas {

// splitmix64's finaliser: a cheap, well-mixing bijection on 64-bit words.
constexpr std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Seed of the stream used for `purpose` (e.g. "morph", "train") of candidate `id`.
constexpr std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t id, std::string_view purpose) {
  std::uint64_t h = mix64(seed);
  h = mix64(h ^ id);
  for (char ch : purpose) h = mix64(h ^ static_cast<unsigned char>(ch));
  return h;
}

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}

  std::uint64_t next_u64() { return engine_(); }

  // Uniform integer in [lo, hi], both inclusive; unbiased (rejection on the tail).
  std::int64_t uniform_int(std::int64_t lo, std::int64_t hi) {
    if (hi < lo) throw std::invalid_argument("Rng::uniform_int: empty range");
    const std::uint64_t range = static_cast<std::uint64_t>(hi - lo) + 1;  // 0 means 2^64
    if (range == 0) return static_cast<std::int64_t>(next_u64());
    const std::uint64_t limit = UINT64_MAX - UINT64_MAX % range;
    std::uint64_t x;
    do x = next_u64();
    while (x >= limit);
    return lo + static_cast<std::int64_t>(x % range);
  }

  // Uniform index in [0, n).
  std::size_t index(std::size_t n) { return static_cast<std::size_t>(uniform_int(0, static_cast<std::int64_t>(n) - 1)); }

  // Uniform double in [0, 1) with 53 random bits.
  double uniform01() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform01(); }

  bool bernoulli(double p) { return uniform01() < p; }

  // Standard normal by the Box-Muller transform (one value per call, the twin is dropped
  // so that the stream position never depends on earlier calls).
  double normal(double mean = 0.0, double stddev = 1.0) {
    const double u1 = 1.0 - uniform01();  // (0, 1]: log is finite
    const double u2 = uniform01();
    return mean + stddev * std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
  }

 private:
  std::mt19937_64 engine_;
};

}  // namespace unas
