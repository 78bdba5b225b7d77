#include <ringlab/engine/overloaded.h>
#include <ringlab/sim/distribution.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <numbers>

namespace ringlab {

namespace {

constexpr double kMaxSampleNanos = static_cast<double>(LatencyDistribution::kMaxSample.count());

double nanos(Duration d) { return static_cast<double>(d.count()); }

// Caps a draw to [0, kMaxSample]; NaN becomes 0.
double clampNanos(double x) {
  if (!(x > 0)) return 0;
  return x < kMaxSampleNanos ? x : kMaxSampleNanos;
}

bool isPositiveFinite(double x) { return x > 0 && std::isfinite(x); }

std::string formatNumber(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

Status invalid(std::string message) { return Status(ErrorCode::kInvalidArgument, std::move(message)); }

Status checkNonNegative(Duration d, const char* what) {
  if (d.count() >= 0) return Status::ok();
  return invalid(std::string(what) + " must be >= 0, got " + formatDuration(d));
}

}  // namespace

struct LatencyDistribution::MixtureTable {
  std::vector<double> weights;     // as given, for validate() and describe()
  std::vector<double> cumulative;  // cumulative[i] = P(part <= i); the last entry is exactly 1
  std::vector<LatencyDistribution> parts;
};

LatencyDistribution::LatencyDistribution() : LatencyDistribution(Constant{Duration{0}}) {}

LatencyDistribution LatencyDistribution::constant(Duration value) { return LatencyDistribution(Constant{value}); }

LatencyDistribution LatencyDistribution::uniform(Duration lo, Duration hi) {
  return LatencyDistribution(Uniform{lo, hi});
}

LatencyDistribution LatencyDistribution::normal(Duration mean, Duration stddev) {
  return LatencyDistribution(Normal{mean, stddev});
}

LatencyDistribution LatencyDistribution::exponential(Duration mean) { return LatencyDistribution(Exponential{mean}); }

LatencyDistribution LatencyDistribution::pareto(Duration scale, double shape) {
  return LatencyDistribution(Pareto{scale, shape});
}

LatencyDistribution LatencyDistribution::lognormal(Duration median, double sigma) {
  return LatencyDistribution(Lognormal{median, sigma});
}

LatencyDistribution LatencyDistribution::mixture(std::vector<std::pair<double, LatencyDistribution>> weightedParts) {
  auto table = std::make_shared<MixtureTable>();
  table->weights.reserve(weightedParts.size());
  table->parts.reserve(weightedParts.size());
  for (auto& [weight, part] : weightedParts) {
    table->weights.push_back(weight);
    table->parts.push_back(std::move(part));
  }
  // Invalid weights (rejected by validate()) count as 0 here, and all-invalid weights as equal ones, so that
  // sampling an invalid mixture stays well defined.
  double total = 0;
  for (double w : table->weights) total += isPositiveFinite(w) ? w : 0;
  const bool equalWeights = !isPositiveFinite(total);
  double running = 0;
  table->cumulative.reserve(table->weights.size());
  for (double w : table->weights) {
    running += equalWeights ? 1.0 : (isPositiveFinite(w) ? w : 0);
    table->cumulative.push_back(running / (equalWeights ? static_cast<double>(table->weights.size()) : total));
  }
  if (!table->cumulative.empty()) table->cumulative.back() = 1.0;
  return LatencyDistribution(Mixture{std::move(table)});
}

std::vector<std::pair<double, LatencyDistribution>> LatencyDistribution::mixtureParts() const {
  std::vector<std::pair<double, LatencyDistribution>> parts;
  if (const auto* m = std::get_if<Mixture>(&m_params)) {
    parts.reserve(m->table->parts.size());
    for (std::size_t i = 0; i < m->table->parts.size(); ++i)
      parts.emplace_back(m->table->weights[i], m->table->parts[i]);
  }
  return parts;
}

LatencyDistribution LatencyDistribution::plus(Duration offset) const {
  LatencyDistribution shifted = *this;
  shifted.m_offset += offset;
  return shifted;
}

Duration LatencyDistribution::sample(Rng& rng) const { return Duration{static_cast<std::int64_t>(sampleNanos(rng))}; }

double LatencyDistribution::sampleNanos(Rng& rng) const {
  const double base = std::visit(
      Overloaded{
          [](const Constant& p) { return nanos(p.value); },
          [&rng](const Uniform& p) { return rng.uniform(nanos(p.lo), nanos(p.hi)); },
          [&rng](const Normal& p) { return nanos(p.mean) + nanos(p.stddev) * rng.normal(); },
          [&rng](const Exponential& p) { return rng.exponential(nanos(p.mean)); },
          // Inverse transform; 1 - U lies in (0, 1], so the power is finite or +inf (capped below).
          [&rng](const Pareto& p) { return nanos(p.scale) * std::pow(1.0 - rng.uniform01(), -1.0 / p.shape); },
          [&rng](const Lognormal& p) { return nanos(p.median) * std::exp(p.sigma * rng.normal()); },
          [&rng](const Mixture& p) {
            const MixtureTable& table = *p.table;
            if (table.parts.empty()) return 0.0;
            const double u = rng.uniform01();
            const auto it = std::upper_bound(table.cumulative.begin(), table.cumulative.end(), u);
            const auto index =
                std::min<std::size_t>(static_cast<std::size_t>(it - table.cumulative.begin()), table.parts.size() - 1);
            return table.parts[index].sampleNanos(rng);
          },
      },
      m_params);
  return clampNanos(clampNanos(base) + nanos(m_offset));
}

double LatencyDistribution::meanNanos() const {
  const double base =
      std::visit(Overloaded{
                     [](const Constant& p) { return std::max(0.0, nanos(p.value)); },
                     [](const Uniform& p) { return (nanos(p.lo) + nanos(p.hi)) / 2; },
                     [](const Normal& p) {
                       // E[max(X, 0)] for X ~ N(mu, s^2) is mu * Phi(mu / s) + s * phi(mu / s).
                       const double mu = nanos(p.mean);
                       const double s = nanos(p.stddev);
                       if (!(s > 0)) return std::max(0.0, mu);
                       const double z = mu / s;
                       const double cdf = 0.5 * std::erfc(-z / std::numbers::sqrt2);
                       const double pdf = std::exp(-0.5 * z * z) / std::sqrt(2 * std::numbers::pi);
                       return mu * cdf + s * pdf;
                     },
                     [](const Exponential& p) { return nanos(p.mean); },
                     [](const Pareto& p) {
                       if (!(p.shape > 1)) return std::numeric_limits<double>::infinity();
                       return nanos(p.scale) * p.shape / (p.shape - 1);
                     },
                     [](const Lognormal& p) { return nanos(p.median) * std::exp(p.sigma * p.sigma / 2); },
                     [](const Mixture& p) {
                       const MixtureTable& table = *p.table;
                       double mean = 0;
                       double previous = 0;
                       for (std::size_t i = 0; i < table.parts.size(); ++i) {
                         const double probability = table.cumulative[i] - previous;
                         previous = table.cumulative[i];
                         if (probability > 0) mean += probability * table.parts[i].meanNanos();
                       }
                       return mean;
                     },
                 },
                 m_params);
  return base + nanos(m_offset);
}

std::string LatencyDistribution::describe() const {
  std::string out;
  describeTo(out, false);
  return out;
}

void LatencyDistribution::describeTo(std::string& out, bool parenthesiseShift) const {
  const bool shifted = m_offset.count() != 0;
  if (shifted && parenthesiseShift) out += '(';
  std::visit(
      Overloaded{
          [&out](const Constant& p) { out += "constant(" + formatDuration(p.value) + ")"; },
          [&out](const Uniform& p) { out += "uniform(" + formatDuration(p.lo) + ", " + formatDuration(p.hi) + ")"; },
          [&out](const Normal& p) {
            out += "normal(mean " + formatDuration(p.mean) + ", sd " + formatDuration(p.stddev) + ")";
          },
          [&out](const Exponential& p) { out += "exponential(mean " + formatDuration(p.mean) + ")"; },
          [&out](const Pareto& p) {
            out += "pareto(scale " + formatDuration(p.scale) + ", shape " + formatNumber(p.shape) + ")";
          },
          [&out](const Lognormal& p) {
            out += "lognormal(median " + formatDuration(p.median) + ", sigma " + formatNumber(p.sigma) + ")";
          },
          [&out](const Mixture& p) {
            const MixtureTable& table = *p.table;
            out += "mixture(";
            double previous = 0;
            for (std::size_t i = 0; i < table.parts.size(); ++i) {
              if (i > 0) out += ", ";
              out += formatNumber(table.cumulative[i] - previous);
              previous = table.cumulative[i];
              out += " x ";
              table.parts[i].describeTo(out, true);
            }
            out += ")";
          },
      },
      m_params);
  if (shifted) {
    out += m_offset.count() > 0 ? " + " : " - ";
    out += formatDuration(m_offset.count() > 0 ? m_offset : -m_offset);
    if (parenthesiseShift) out += ')';
  }
}

Status LatencyDistribution::validate() const {
  Status status = std::visit(
      Overloaded{
          [](const Constant& p) { return checkNonNegative(p.value, "constant latency"); },
          [](const Uniform& p) {
            if (Status s = checkNonNegative(p.lo, "uniform latency lower bound"); !s) return s;
            if (Status s = checkNonNegative(p.hi, "uniform latency upper bound"); !s) return s;
            if (p.lo > p.hi) {
              return invalid("uniform latency needs lo <= hi, got lo " + formatDuration(p.lo) + " > hi " +
                             formatDuration(p.hi));
            }
            return Status::ok();
          },
          [](const Normal& p) {
            if (Status s = checkNonNegative(p.mean, "normal latency mean"); !s) return s;
            return checkNonNegative(p.stddev, "normal latency stddev");
          },
          [](const Exponential& p) { return checkNonNegative(p.mean, "exponential latency mean"); },
          [](const Pareto& p) {
            if (Status s = checkNonNegative(p.scale, "pareto latency scale"); !s) return s;
            if (!isPositiveFinite(p.shape)) {
              return invalid("pareto latency shape must be a finite number > 0, got " + formatNumber(p.shape));
            }
            return Status::ok();
          },
          [](const Lognormal& p) {
            if (Status s = checkNonNegative(p.median, "lognormal latency median"); !s) return s;
            if (!isPositiveFinite(p.sigma)) {
              return invalid("lognormal latency sigma must be a finite number > 0, got " + formatNumber(p.sigma));
            }
            return Status::ok();
          },
          [](const Mixture& p) {
            const MixtureTable& table = *p.table;
            if (table.parts.empty()) return invalid("mixture latency is empty: it needs at least one part");
            for (std::size_t i = 0; i < table.parts.size(); ++i) {
              const std::string part =
                  "mixture latency part " + std::to_string(i + 1) + " of " + std::to_string(table.parts.size());
              if (!isPositiveFinite(table.weights[i])) {
                return invalid(part + ": weight must be a finite number > 0, got " + formatNumber(table.weights[i]));
              }
              if (Status s = table.parts[i].validate(); !s) return invalid(part + ": " + s.message());
            }
            return Status::ok();
          },
      },
      m_params);
  if (!status) return status;
  return checkNonNegative(m_offset, "latency shift (plus)");
}

}  // namespace ringlab
