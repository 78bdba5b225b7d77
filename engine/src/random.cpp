#include <ringlab/engine/random.h>

#include <cmath>
#include <numbers>

#include <xxhash.h>

namespace ringlab {
namespace {
__extension__ using Uint128 = unsigned __int128;
}  // namespace

std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

Rng::Rng(std::uint64_t seed) : m_seed(seed) {
  std::uint64_t s = seed;
  for (auto& word : m_s) {
    s = mix64(s);
    word = s;
  }
  if ((m_s[0] | m_s[1] | m_s[2] | m_s[3]) == 0) m_s[0] = 1;  // xoshiro must not start all-zero
}

Rng Rng::split(std::uint64_t stream) const { return Rng(mix64(m_seed ^ mix64(stream + 0x5bd1e995ull))); }

Rng Rng::split(std::string_view stream) const { return split(XXH3_64bits(stream.data(), stream.size())); }

std::uint64_t Rng::next() {
  // xoshiro256** (Blackman and Vigna)
  auto rotl = [](std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); };
  const std::uint64_t result = rotl(m_s[1] * 5, 7) * 9;
  const std::uint64_t t = m_s[1] << 17;
  m_s[2] ^= m_s[0];
  m_s[3] ^= m_s[1];
  m_s[1] ^= m_s[2];
  m_s[0] ^= m_s[3];
  m_s[2] ^= t;
  m_s[3] = rotl(m_s[3], 45);
  return result;
}

double Rng::uniform01() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

double Rng::uniform(double lo, double hi) { return lo + (hi - lo) * uniform01(); }

std::uint64_t Rng::below(std::uint64_t bound) {
  // Lemire's nearly divisionless method with rejection: unbiased.
  Uint128 m = static_cast<Uint128>(next()) * bound;
  auto low = static_cast<std::uint64_t>(m);
  if (low < bound) {
    const std::uint64_t threshold = -bound % bound;
    while (low < threshold) {
      m = static_cast<Uint128>(next()) * bound;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

bool Rng::chance(double p) {
  if (p <= 0) return false;
  if (p >= 1) return true;
  return uniform01() < p;
}

double Rng::normal() {
  // Marsaglia polar method; the second value is kept for the next call.
  if (m_hasSpare) {
    m_hasSpare = false;
    return m_spareNormal;
  }
  double u, v, s;
  do {
    u = uniform(-1.0, 1.0);
    v = uniform(-1.0, 1.0);
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  const double factor = std::sqrt(-2.0 * std::log(s) / s);
  m_spareNormal = v * factor;
  m_hasSpare = true;
  return u * factor;
}

double Rng::exponential(double mean) {
  // 1 - U lies in (0, 1], so the log is finite.
  return -mean * std::log(1.0 - uniform01());
}

}  // namespace ringlab
