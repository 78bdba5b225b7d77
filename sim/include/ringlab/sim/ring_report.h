// A plain-text report of how a ring divides the token space among its nodes, for comparing placement strategies:
// one line per node (tokens held, primary and replicated share, a bar) and a summary of the spread, with the
// analytic expectation for random virtual nodes beside the measured coefficient of variation.
// Pure function of its arguments; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <ringlab/engine/ring.h>

namespace ringlab {

// The parameters the ring was built with, echoed in the report's title line.
struct RingReportOptions {
  std::size_t nodes = 0;          // nodes asked for when building
  std::size_t vnodesPerNode = 0;  // kVnodes: tokens per node
  std::size_t partitions = 0;     // kPartitions: Q
  std::uint64_t seed = 0;         // seed of the Rng the tokens came from
};

// The report for `ring` with N = `replicas`, lines separated by '\n'. The strategy is the ring's own
// (ring.config().strategy); for kVnodes the expected CV uses the ring's node count and config().vnodesPerNode.
// An empty ring gives the title and a line saying so.
std::string formatRingReport(const Ring& ring, std::size_t replicas, const RingReportOptions& options);

}  // namespace ringlab
