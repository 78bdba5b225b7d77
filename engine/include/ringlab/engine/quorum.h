// QuorumConfig: how many replicas hold each key (N) and how many answers a read (R) or a write (W) waits for. A value
// type of its own, so that code describing a cluster (snapshots, reports) needs no node.
#pragma once

#include <cstddef>

#include <ringlab/engine/status.h>

namespace ringlab {

struct QuorumConfig {
  std::size_t n = 3;  // replicas per key
  std::size_t r = 2;  // replies a read waits for
  std::size_t w = 2;  // acknowledgements a write waits for
  // kInvalidArgument when r or w is 0 or larger than n, or n is 0.
  Status validate() const;
  friend bool operator==(const QuorumConfig&, const QuorumConfig&) = default;
};

}  // namespace ringlab
