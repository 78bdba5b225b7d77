#include <ringlab/sim/key_distribution.h>

#include <bit>
#include <cmath>
#include <cstdio>

namespace ringlab {

namespace {

// zipfianZeta sums this many leading terms exactly and approximates the rest.
constexpr std::uint64_t kExactZetaTerms = 2048;

// Round keys of the Feistel network that scrambles Zipfian ranks: arbitrary fixed constants, so that a given count
// always gives the same permutation.
constexpr std::uint64_t kScrambleKeys[] = {0x243f6a8885a308d3ull, 0x13198a2e03707344ull, 0xa4093822299f31d0ull,
                                           0x082efa98ec4e6c89ull};

std::string formatNumber(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

Status invalid(std::string message) { return Status(ErrorCode::kInvalidArgument, std::move(message)); }

bool isFraction(double x) { return x > 0 && x <= 1; }

}  // namespace

double zipfianZeta(std::uint64_t n, double theta) {
  const auto term = [theta](double i) { return std::pow(i, -theta); };
  const std::uint64_t exactTerms = n <= kExactZetaTerms ? n : kExactZetaTerms - 1;
  double head = 0;
  for (std::uint64_t i = exactTerms; i >= 1; --i) head += term(static_cast<double>(i));  // smallest terms first
  if (n <= kExactZetaTerms) return head;

  // Euler-Maclaurin for the terms m..n: the integral, the end corrections and the B2 and B4 derivative terms.
  // The next term is below 1e-19 for m = 2048, far under double precision relative to the sum.
  const double m = static_cast<double>(kExactZetaTerms);
  const double x = static_cast<double>(n);
  const double logRatio = std::log(x / m);
  const double oneMinusTheta = 1 - theta;
  const double integral =
      oneMinusTheta == 0 ? logRatio : std::pow(m, oneMinusTheta) * std::expm1(oneMinusTheta * logRatio) / oneMinusTheta;
  const auto firstDerivative = [theta](double v) { return -theta * std::pow(v, -theta - 1); };
  const auto thirdDerivative = [theta](double v) {
    return -theta * (theta + 1) * (theta + 2) * std::pow(v, -theta - 3);
  };
  const double tail = integral + (term(m) + term(x)) / 2 + (firstDerivative(x) - firstDerivative(m)) / 12 -
                      (thirdDerivative(x) - thirdDerivative(m)) / 720;
  return tail + head;
}

KeyDistribution::KeyDistribution() : KeyDistribution(1, Uniform{}) {}

KeyDistribution KeyDistribution::uniform(std::uint64_t count) { return KeyDistribution(count, Uniform{}); }

KeyDistribution KeyDistribution::zipfian(std::uint64_t count, double theta, bool scrambled) {
  Zipfian z;
  z.theta = theta;
  z.scrambled = scrambled;
  z.usable = count > 0 && theta > 0 && std::isfinite(theta);
  if (z.usable) {
    const double n = static_cast<double>(count);
    z.zetaN = zipfianZeta(count, theta);
    z.secondRankEnd = 1 + std::pow(2.0, -theta);
    if (count > 2) {
      // Gray et al.: for u in [zeta(2)/zetaN, 1), rank = n * (1 - eta * (1 - u))^(1 / (1 - theta)), which runs from 2
      // to n. Written with expm1/log1p so that it stays accurate for theta near 1; theta == 1 is its limit,
      // rank = n * (2 / n)^((1 - u) / (1 - zeta(2) / zetaN)).
      const double firstTailU = z.secondRankEnd / z.zetaN;
      if (theta == 1) {
        z.logarithmic = true;
        z.logSpan = std::log(n / 2) / (1 - firstTailU);
      } else {
        z.alpha = 1 / (1 - theta);
        z.eta = -std::expm1((1 - theta) * std::log(2 / n)) / (1 - firstTailU);
      }
    }
  }
  // The Feistel network permutes 0..2^(2 * halfBits) - 1, a power of 4 below 4 * count; scramble() walks the cycle
  // until it lands below count, so on average fewer than 4 rounds of the network are needed.
  const unsigned bits = count > 1 ? static_cast<unsigned>(std::bit_width(count - 1)) : 1;
  z.halfBits = (bits + 1) / 2;
  z.halfMask = (std::uint64_t{1} << z.halfBits) - 1;
  return KeyDistribution(count, z);
}

KeyDistribution KeyDistribution::hotspot(std::uint64_t count, double hotKeyFraction, double hotOpFraction) {
  Hotspot h;
  h.hotKeyFraction = hotKeyFraction;
  h.hotOpFraction = hotOpFraction;
  const double hot = std::round(hotKeyFraction * static_cast<double>(count));
  if (!(hot >= 1)) {
    h.hotKeys = 1;
  } else if (hot >= static_cast<double>(count)) {
    h.hotKeys = count > 0 ? count : 1;
  } else {
    h.hotKeys = static_cast<std::uint64_t>(hot);
  }
  return KeyDistribution(count, h);
}

std::uint64_t KeyDistribution::next(Rng& rng) const {
  if (m_count <= 1) return 0;
  if (const auto* z = std::get_if<Zipfian>(&m_params)) {
    if (!z->usable) return rng.below(m_count);
    const std::uint64_t rank = nextZipfianRank(*z, rng);
    return z->scrambled ? scramble(*z, rank) : rank;
  }
  if (const auto* h = std::get_if<Hotspot>(&m_params)) {
    if (rng.chance(h->hotOpFraction)) return rng.below(h->hotKeys);
    if (h->hotKeys >= m_count) return rng.below(m_count);
    return h->hotKeys + rng.below(m_count - h->hotKeys);
  }
  return rng.below(m_count);
}

std::uint64_t KeyDistribution::nextZipfianRank(const Zipfian& z, Rng& rng) const {
  const double u = rng.uniform01();
  const double uz = u * z.zetaN;
  if (uz < 1) return 0;
  if (uz < z.secondRankEnd || m_count <= 2) return 1;
  const double n = static_cast<double>(m_count);
  const double rank =
      z.logarithmic ? n * std::exp(-(1 - u) * z.logSpan) : n * std::exp(z.alpha * std::log1p(-z.eta * (1 - u)));
  // Rounding can put the approximation a hair outside [2, n); NaN cannot arise from valid parameters but maps to 2.
  if (!(rank >= 2)) return 2;
  if (rank >= n - 1) return m_count - 1;
  return static_cast<std::uint64_t>(rank);
}

std::uint64_t KeyDistribution::scramble(const Zipfian& z, std::uint64_t rank) const {
  std::uint64_t x = rank;
  do {
    std::uint64_t left = x >> z.halfBits;
    std::uint64_t right = x & z.halfMask;
    for (std::uint64_t key : kScrambleKeys) {
      const std::uint64_t mixed = left ^ (mix64(right ^ key) & z.halfMask);
      left = right;
      right = mixed;
    }
    x = (left << z.halfBits) | right;
  } while (x >= m_count);
  return x;
}

double KeyDistribution::theta() const {
  const auto* z = std::get_if<Zipfian>(&m_params);
  return z ? z->theta : 0.0;
}

bool KeyDistribution::scrambled() const {
  const auto* z = std::get_if<Zipfian>(&m_params);
  return z ? z->scrambled : false;
}

double KeyDistribution::hotKeyFraction() const {
  const auto* h = std::get_if<Hotspot>(&m_params);
  return h ? h->hotKeyFraction : 0.0;
}

double KeyDistribution::hotOpFraction() const {
  const auto* h = std::get_if<Hotspot>(&m_params);
  return h ? h->hotOpFraction : 0.0;
}

std::string KeyDistribution::describe() const {
  const std::string keys = std::to_string(m_count) + (m_count == 1 ? " key" : " keys");
  if (const auto* z = std::get_if<Zipfian>(&m_params)) {
    return "zipfian(" + keys + ", theta " + formatNumber(z->theta) + (z->scrambled ? ", scrambled)" : ", unscrambled)");
  }
  if (const auto* h = std::get_if<Hotspot>(&m_params)) {
    return "hotspot(" + keys + ", " + formatNumber(h->hotOpFraction * 100) + "% of ops to the first " +
           std::to_string(h->hotKeys) + (h->hotKeys == 1 ? " key)" : " keys)");
  }
  return "uniform(" + keys + ")";
}

Status KeyDistribution::validate() const {
  const char* kind = std::holds_alternative<Zipfian>(m_params)   ? "zipfian"
                     : std::holds_alternative<Hotspot>(m_params) ? "hotspot"
                                                                 : "uniform";
  if (m_count == 0) return invalid(std::string(kind) + " key distribution needs a key count > 0, got 0");
  if (const auto* z = std::get_if<Zipfian>(&m_params)) {
    if (!(z->theta > 0 && std::isfinite(z->theta))) {
      return invalid("zipfian key distribution theta must be a finite number > 0, got " + formatNumber(z->theta));
    }
  }
  if (const auto* h = std::get_if<Hotspot>(&m_params)) {
    if (!isFraction(h->hotKeyFraction)) {
      return invalid("hotspot key distribution hotKeyFraction must be in (0, 1], got " +
                     formatNumber(h->hotKeyFraction));
    }
    if (!isFraction(h->hotOpFraction)) {
      return invalid("hotspot key distribution hotOpFraction must be in (0, 1], got " + formatNumber(h->hotOpFraction));
    }
  }
  return Status::ok();
}

std::string keyName(std::uint64_t index) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "key:%08llu", static_cast<unsigned long long>(index));
  return buf;
}

}  // namespace ringlab
