// Deterministic pseudo-random numbers. One seeded generator per run, split into independent streams per component
// (a node, a client, the network), so that adding draws in one component does not shift the others.
// The algorithms (xoshiro256**, splitmix64) and every distribution below are written out here rather than taken from
// <random>, whose distributions differ between standard libraries: the same seed gives the same numbers everywhere.
// Not thread-safe; give each thread its own stream.
#pragma once

#include <cstdint>
#include <string_view>

namespace ringlab {

class Rng {
 public:
  explicit Rng(std::uint64_t seed = 0);

  // A new, independent stream derived from this generator's seed and a stream name/number. Does not advance *this.
  Rng split(std::uint64_t stream) const;
  Rng split(std::string_view stream) const;

  std::uint64_t next();                      // uniform over all 64-bit values
  double uniform01();                        // uniform in [0, 1)
  double uniform(double lo, double hi);      // uniform in [lo, hi)
  std::uint64_t below(std::uint64_t bound);  // uniform in [0, bound); bound > 0 (unbiased)
  bool chance(double p);                     // true with probability p
  double normal();                           // standard normal (mean 0, sd 1)
  double exponential(double mean);           // exponential with the given mean

  std::uint64_t seed() const { return m_seed; }

 private:
  std::uint64_t m_seed;
  std::uint64_t m_s[4];
  double m_spareNormal = 0;
  bool m_hasSpare = false;
};

// splitmix64 finaliser: a good 64-bit mixing function, used for seeds and hashes of integers.
std::uint64_t mix64(std::uint64_t x);

}  // namespace ringlab
