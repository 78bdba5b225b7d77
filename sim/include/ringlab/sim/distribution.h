// How long a message takes to cross a simulated link: a small description of a random delay (constant, uniform,
// normal, exponential, Pareto, lognormal, a weighted mixture of those, optionally shifted by a constant), sampled
// once per simulated message with the caller's Rng so that runs replay exactly.
//
// A LatencyDistribution is an immutable value: cheap to copy (a mixture's parts are shared, never copied), and
// safe to use from several threads at once as long as each thread samples with its own Rng.
#pragma once

#include <ringlab/engine/random.h>
#include <ringlab/engine/status.h>
#include <ringlab/engine/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace ringlab {

class LatencyDistribution {
 public:
  // Every sample lies in [0, kMaxSample]; larger draws (a heavy tail, a long shift) are capped here.
  static constexpr Duration kMaxSample = std::chrono::hours(1);

  // constant(0).
  LatencyDistribution();

  static LatencyDistribution constant(Duration value);
  // Uniform in [lo, hi).
  static LatencyDistribution uniform(Duration lo, Duration hi);
  // Gaussian; negative draws become 0.
  static LatencyDistribution normal(Duration mean, Duration stddev);
  static LatencyDistribution exponential(Duration mean);
  // P(X > x) = (scale / x)^shape for x >= scale: scale is the smallest value, a smaller shape a heavier tail.
  static LatencyDistribution pareto(Duration scale, double shape);
  // exp(ln(median) + sigma * Z) with Z standard normal.
  static LatencyDistribution lognormal(Duration median, double sigma);
  // Picks part i with probability weight_i / sum(weights), then samples it. Weights need not sum to 1.
  static LatencyDistribution mixture(std::vector<std::pair<double, LatencyDistribution>> weightedParts);

  // This distribution with `offset` added to every sample (after this distribution's own clamping at 0).
  // Shifts accumulate: d.plus(a).plus(b) == d.plus(a + b).
  LatencyDistribution plus(Duration offset) const;

  // One draw, rounded down to whole nanoseconds and capped to [0, kMaxSample]. Does not allocate. On a
  // distribution that fails validate() the result is unspecified but still within [0, kMaxSample].
  Duration sample(Rng& rng) const;

  // The analytic mean in nanoseconds: +infinity for a Pareto with shape <= 1 (or a mixture containing one). Exact
  // for the zero clamp of the normal distribution (the mean of max(X, 0)); ignores the kMaxSample cap.
  double meanNanos() const;

  // For people: "exponential(mean 2.00ms)", "mixture(0.9 x constant(1.00ms), 0.1 x pareto(scale 5.00ms, shape 1.5))",
  // "uniform(1.00ms, 3.00ms) + 500.0us".
  std::string describe() const;

  // kInvalidArgument naming the offending parameter (and, inside a mixture, which part) for a negative duration,
  // lo > hi, a shape, sigma or weight that is not a finite number > 0, or an empty mixture; OK otherwise.
  Status validate() const;

  // What a distribution is, for code that writes it back out (the scenario writer): the parameters exactly as given
  // to the factory that built it.
  struct Constant {
    Duration value;
  };
  struct Uniform {
    Duration lo;
    Duration hi;
  };
  struct Normal {
    Duration mean;
    Duration stddev;
  };
  struct Exponential {
    Duration mean;
  };
  struct Pareto {
    Duration scale;
    double shape;
  };
  struct Lognormal {
    Duration median;
    double sigma;
  };
  struct MixtureTable;  // parts, weights and cumulative probabilities; defined in distribution.cpp
  struct Mixture {
    std::shared_ptr<const MixtureTable> table;
  };
  using Params = std::variant<Constant, Uniform, Normal, Exponential, Pareto, Lognormal, Mixture>;

  const Params& params() const { return m_params; }
  // The accumulated shift of plus() (0 when none).
  Duration shift() const { return m_offset; }
  // A mixture's parts with their weights as given to mixture(); empty for any other distribution.
  std::vector<std::pair<double, LatencyDistribution>> mixtureParts() const;

 private:
  explicit LatencyDistribution(Params params) : m_params(std::move(params)) {}

  // A draw as a double in [0, kMaxSample] nanoseconds, shift included.
  double sampleNanos(Rng& rng) const;
  void describeTo(std::string& out, bool parenthesiseShift) const;

  Params m_params;
  Duration m_offset{0};
};

}  // namespace ringlab
