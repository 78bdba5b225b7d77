// Timestamps of writes: hybrid logical clock versions, their total order and the clock that issues them.
//
// A Version is a hybrid logical clock timestamp (physical microseconds, logical counter) plus the id of the node that
// issued it. Versions are totally ordered: physical, then logical, then node id, so two concurrent writes always
// resolve the same way on every replica (last-write-wins with a deterministic tie-break).
// Plain values; thread-compatible.
#pragma once

#include <compare>
#include <cstdint>
#include <string>

#include <ringlab/engine/types.h>

namespace ringlab {

struct Version {
  std::int64_t physicalMicros = 0;  // wall (or virtual) time in microseconds when issued
  std::uint32_t logical = 0;        // HLC counter to order events within one microsecond or under skew
  NodeId node = 0;                  // issuing node: the tie-break

  bool isNull() const { return physicalMicros == 0 && logical == 0 && node == 0; }
  friend auto operator<=>(const Version&, const Version&) = default;
  friend bool operator==(const Version&, const Version&) = default;
  // "1500123.4@n2"
  std::string toString() const;
};

// How two versions relate. With last-write-wins every pair is ordered or equal; a vector-clock scheme adds kConcurrent.
enum class Causality { kBefore, kEqual, kAfter, kConcurrent };
Causality compare(const Version& a, const Version& b);

// A hybrid logical clock (Kulkarni et al., 2014). now() issues a version greater than every version this clock has
// issued or observed; observe() folds in a version seen from another node. The physical part comes from the caller
// (the Runtime's clock) so the clock itself is pure.
class HybridLogicalClock {
 public:
  explicit HybridLogicalClock(NodeId node) : m_node(node) {}

  Version now(std::int64_t physicalMicros);
  // Issues a version for an event caused by a message that carried `after` (a client's request carrying the newest
  // version the client has seen): HLC's receive rule, so the result is greater than `after` as well as than
  // everything this clock issued or observed. When the physical part alone already orders the result after `after`,
  // the result is what now() would give; otherwise the logical counter, not the node id, puts it after `after`.
  // A null `after` is the same as now().
  Version nowAfter(const Version& after, std::int64_t physicalMicros);
  void observe(const Version& remote, std::int64_t physicalMicros);
  Version last() const { return m_last; }

 private:
  NodeId m_node;
  Version m_last;
};

}  // namespace ringlab
