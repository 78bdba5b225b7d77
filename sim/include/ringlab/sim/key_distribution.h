// Which key a simulated client operation touches: a choice among `count` keys numbered 0..count-1 (named by
// keyName), uniform, Zipfian (a few keys get most operations) or hotspot (a fixed fraction of operations goes to a
// fixed fraction of the keys). Every draw comes from the caller's Rng, so runs replay exactly.
//
// A KeyDistribution is an immutable value, cheap to copy; safe to use from several threads at once as long as each
// thread draws with its own Rng.
#pragma once

#include <ringlab/engine/random.h>
#include <ringlab/engine/status.h>

#include <cstdint>
#include <string>
#include <variant>

namespace ringlab {

class KeyDistribution {
 public:
  // uniform(1).
  KeyDistribution();

  static KeyDistribution uniform(std::uint64_t count);

  // Rank r (0-based) is chosen with probability proportional to 1 / (r + 1)^theta; theta > 0, and theta == 1 is
  // allowed. Uses the method of Gray et al., "Quickly generating billion-record synthetic databases" (as in YCSB):
  // ranks 0 and 1 exactly, the rest from a continuous approximation. zeta(count, theta) is computed once here, in
  // O(min(count, 2048)) time (an Euler-Maclaurin tail replaces the long sum), and stored in this object.
  // With `scrambled`, rank r maps to key permutation(r) for a fixed pseudo-random bijection of 0..count-1, so the
  // popular keys are spread over the key space; without it, key r is the r-th most popular.
  static KeyDistribution zipfian(std::uint64_t count, double theta, bool scrambled = true);

  // A fraction hotOpFraction of the operations goes uniformly to the first round(hotKeyFraction * count) keys (at
  // least 1), the rest uniformly to the other keys. When every key is hot, all operations are uniform.
  static KeyDistribution hotspot(std::uint64_t count, double hotKeyFraction, double hotOpFraction);

  // A key index in [0, count()). On a distribution that fails validate(), some index below max(count(), 1).
  std::uint64_t next(Rng& rng) const;

  std::uint64_t count() const { return m_count; }

  // The parameters as given to the factory, for code that writes a distribution back out (the scenario writer).
  enum class Shape : std::uint8_t { kUniform, kZipfian, kHotspot };
  Shape shape() const { return static_cast<Shape>(m_params.index()); }
  double theta() const;           // zipfian; 0 otherwise
  bool scrambled() const;         // zipfian; false otherwise
  double hotKeyFraction() const;  // hotspot; 0 otherwise
  double hotOpFraction() const;   // hotspot; 0 otherwise

  // For people: "uniform(1000 keys)", "zipfian(1000 keys, theta 0.99, scrambled)",
  // "hotspot(1000 keys, 80% of ops to the first 200 keys)".
  std::string describe() const;

  // kInvalidArgument naming the parameter when count is 0, theta is not a finite number > 0, or a hotspot fraction
  // is outside (0, 1]; OK otherwise.
  Status validate() const;

 private:
  struct Uniform {};
  struct Zipfian {
    double theta = 1;
    bool scrambled = true;
    bool usable = false;       // parameters valid and precomputed; otherwise next() draws uniformly
    double zetaN = 1;          // zeta(count, theta) = sum over i in 1..count of 1 / i^theta
    double secondRankEnd = 1;  // 1 + 0.5^theta = zeta(2, theta)
    double alpha = 0;          // 1 / (1 - theta); unused when theta == 1
    double eta = 0;            // Gray et al.'s eta
    double logSpan = 0;        // theta == 1 only: ln(count / 2) / (1 - zeta(2) / zetaN)
    bool logarithmic = false;  // theta == 1
    unsigned halfBits = 1;     // the scrambling Feistel network works on 2 * halfBits bits
    std::uint64_t halfMask = 1;
  };
  struct Hotspot {
    double hotKeyFraction = 1;
    double hotOpFraction = 1;
    std::uint64_t hotKeys = 1;
  };
  using Params = std::variant<Uniform, Zipfian, Hotspot>;

  KeyDistribution(std::uint64_t count, Params params) : m_count(count), m_params(params) {}

  std::uint64_t nextZipfianRank(const Zipfian& z, Rng& rng) const;
  std::uint64_t scramble(const Zipfian& z, std::uint64_t rank) const;

  std::uint64_t m_count = 1;
  Params m_params;
};

// zeta(n, theta) = sum over i in 1..n of 1 / i^theta: the Zipfian normalising constant, so rank 0 has probability
// 1 / zipfianZeta(n, theta). Exact summation of the first 2048 terms, Euler-Maclaurin for the rest (relative error
// below 1e-13); 0 for n == 0.
double zipfianZeta(std::uint64_t n, double theta);

// "key:" followed by the index zero-padded to 8 digits: keyName(42) == "key:00000042"; wider indices are not cut.
std::string keyName(std::uint64_t index);

}  // namespace ringlab
