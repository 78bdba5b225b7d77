#include <ringlab/sim/ring_report.h>

#include <algorithm>
#include <cmath>
#include <iterator>

#include <fmt/format.h>

namespace ringlab {
namespace {

constexpr std::size_t kBarWidth = 40;

struct Spread {
  double mean = 0;
  double min = 0;
  double max = 0;
};

template <typename Share>
Spread spreadOf(const OwnershipStats& stats, Share share) {
  Spread s;
  s.min = share(stats.nodes.front());
  s.max = s.min;
  double sum = 0;
  for (const NodeOwnership& o : stats.nodes) {
    s.min = std::min(s.min, share(o));
    s.max = std::max(s.max, share(o));
    sum += share(o);
  }
  s.mean = sum / static_cast<double>(stats.nodes.size());
  return s;
}

}  // namespace

std::string formatRingReport(const Ring& ring, std::size_t replicas, const RingReportOptions& options) {
  const bool vnodes = ring.config().strategy == PlacementStrategy::kVnodes;
  std::string out;
  auto line = std::back_inserter(out);
  if (vnodes) {
    fmt::format_to(line, "Ring placement: random virtual nodes, {} nodes x {} tokens, seed {}, N = {} replicas\n",
                   options.nodes, options.vnodesPerNode, options.seed, replicas);
  } else {
    fmt::format_to(line, "Ring placement: Q = {} equal partitions over {} nodes, seed {}, N = {} replicas\n",
                   options.partitions, options.nodes, options.seed, replicas);
  }
  const OwnershipStats stats = ring.ownership(replicas);
  if (stats.nodes.empty()) {
    out += "(empty ring: no node owns any token)\n";
    return out;
  }

  fmt::format_to(line, "\n{:<6} {:>10} {:>9} {:>11}  primary share (longest bar = largest)\n", "node",
                 vnodes ? "tokens" : "partitions", "primary", "replicated");
  for (const NodeOwnership& o : stats.nodes) {
    const double relative = stats.maxPrimary > 0 ? o.primaryShare / stats.maxPrimary : 0;
    const auto bar = static_cast<std::size_t>(std::lround(relative * kBarWidth));
    fmt::format_to(line, "{:<6} {:>10} {:>8.3f}% {:>10.3f}%  {}\n", nodeName(o.node), o.tokens, o.primaryShare * 100,
                   o.replicatedShare * 100, std::string(bar, '#'));
  }

  const Spread primary = spreadOf(stats, [](const NodeOwnership& o) { return o.primaryShare; });
  const Spread replicated = spreadOf(stats, [](const NodeOwnership& o) { return o.replicatedShare; });
  fmt::format_to(line, "\n{:<18} {:>10} {:>11}\n", "", "primary", "replicated");
  fmt::format_to(line, "{:<18} {:>9.3f}% {:>10.3f}%\n", "mean", primary.mean * 100, replicated.mean * 100);
  fmt::format_to(line, "{:<18} {:>9.3f}% {:>10.3f}%\n", "min", primary.min * 100, replicated.min * 100);
  fmt::format_to(line, "{:<18} {:>9.3f}% {:>10.3f}%\n", "max", primary.max * 100, replicated.max * 100);
  fmt::format_to(line, "{:<18} {:>10.3f} {:>11.3f}\n", "max/mean", stats.maxOverMean, stats.replicatedMaxOverMean);
  fmt::format_to(line, "{:<18} {:>10.4f} {:>11.4f}\n", "CV (stddev/mean)", stats.coefficientOfVariation,
                 stats.replicatedCoefficientOfVariation);
  if (vnodes) {
    const std::size_t n = stats.nodes.size();
    const std::size_t v = ring.config().vnodesPerNode;
    fmt::format_to(line, "{:<18} {:>10.4f} {:>11}  sqrt((n-1)/(n*v+1)) with n = {}, v = {}\n", "expected CV",
                   expectedVnodeOwnershipCv(n, v), "", n, v);
  }
  return out;
}

}  // namespace ringlab
