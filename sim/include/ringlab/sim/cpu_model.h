// CpuModel: each simulated node's cores. A handled message or client request costs the configured CPU time times
// the node's slow-down factor, on the core that frees up first; work queues on busy cores, which is how a slow or
// overloaded node's latency grows. It also keeps the CPU time handed out, so that a node's load over an interval can
// be read (busy()).
//
// Not thread-safe: the simulation's thread only.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include <ringlab/engine/types.h>

namespace ringlab {

class CpuModel {
 public:
  CpuModel(std::size_t coresPerNode, Duration costPerMessage) : m_cores(coresPerNode), m_cost(costPerMessage) {}

  // A new node whose cores are all free at `now`.
  void addNode(TimePoint now);
  // One unit of work on `node` at `now`: when it starts and ends on the core that frees up first. nullopt when the
  // work costs nothing (a cost of zero, or a factor that rounds it to zero).
  struct Slice {
    TimePoint start;
    TimePoint end;
  };
  std::optional<Slice> charge(NodeId node, TimePoint now);
  // The node crashed or restarted: the work queued past `now` is abandoned with the fibers that waited for it.
  void release(NodeId node, TimePoint now);
  // CPU time the node's cores have spent up to `now` (work queued past now not yet done). Zero for an unknown node.
  Duration busy(NodeId node, TimePoint now) const;
  // The slow-down factor (2.0: half as fast); 1.0 unless set, or for an unknown node.
  double factor(NodeId node) const { return node < m_nodes.size() ? m_nodes[node].factor : 1.0; }
  void setFactor(NodeId node, double factor);

 private:
  struct NodeCores {
    std::vector<TimePoint> freeAt;
    Duration charged{0};  // CPU time handed out so far, including work scheduled past now
    double factor = 1.0;
  };
  std::size_t m_cores;
  Duration m_cost;
  std::vector<NodeCores> m_nodes;
};

}  // namespace ringlab
