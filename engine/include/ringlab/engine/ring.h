// The consistent-hash ring: which nodes own which tokens, and the preference list of a key.
//
// Two placement strategies:
//  - kVnodes: each node picks `vnodesPerNode` random tokens (Cassandra style). Balance improves with more tokens:
//    the coefficient of variation of ownership is about sqrt((n-1)/(n*v+1)).
//  - kPartitions: the token space is cut into Q equal partitions and nodes claim whole partitions (Dynamo's
//    "strategy 3", Riak). Balance is as even as Q/n allows.
// A token t is owned by the first ring entry clockwise at or after t (entries own the range (previous, own]).
//
// A Ring is an immutable-after-build value: copying it is cheap enough for membership changes, and lookups are const
// and thread-safe. Mutating calls (addNode, removeNode) return a new Ring.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <boost/container/small_vector.hpp>

#include <ringlab/engine/random.h>
#include <ringlab/engine/types.h>

namespace ringlab {

enum class PlacementStrategy : std::uint8_t { kVnodes, kPartitions };

struct RingEntry {
  Token token = 0;
  NodeId node = 0;
  friend bool operator==(const RingEntry&, const RingEntry&) = default;
};

// A half-open range of tokens (start, end]. start == end means the whole ring.
struct TokenRange {
  Token start = 0;  // exclusive
  Token end = 0;    // inclusive
  bool contains(Token t) const;
  // Fraction of the 2^64 token space this range covers, in (0, 1].
  double fraction() const;
  friend bool operator==(const TokenRange&, const TokenRange&) = default;
};

using NodeList = boost::container::small_vector<NodeId, 8>;

// The nodes responsible for a token: the first N distinct nodes clockwise (`replicas`, in order; the first is the
// primary) and, after them, further distinct nodes in ring order to stand in when replicas fail (`fallbacks`).
struct PreferenceList {
  NodeList replicas;
  NodeList fallbacks;
};

struct NodeOwnership {
  NodeId node = 0;
  std::size_t tokens = 0;      // ring entries (vnodes or partitions) this node holds
  double primaryShare = 0;     // fraction of the token space this node is primary for
  double replicatedShare = 0;  // fraction of the token space this node holds a replica of (with N replicas)
};

struct OwnershipStats {
  std::vector<NodeOwnership>
      nodes;  // one per node in the ring, in increasing node id (not indexed by id: ids may skip)
  // The entry of `node`; null when it holds no tokens.
  const NodeOwnership* of(NodeId node) const {
    const auto it =
        std::lower_bound(nodes.begin(), nodes.end(), node, [](const NodeOwnership& o, NodeId n) { return o.node < n; });
    return it != nodes.end() && it->node == node ? &*it : nullptr;
  }
  std::size_t replicas = 0;  // the N used for replicatedShare
  double meanPrimary = 0;
  double maxPrimary = 0;
  double minPrimary = 0;
  double maxOverMean = 0;             // maxPrimary / meanPrimary
  double coefficientOfVariation = 0;  // stddev / mean of primaryShare (population stddev)
  double replicatedMaxOverMean = 0;
  double replicatedCoefficientOfVariation = 0;
};

// One piece of data movement caused by a membership change: `range` is now held by `to` and was held by `from`.
struct RangeTransfer {
  TokenRange range;
  NodeId from = 0;
  NodeId to = 0;
};

struct RingConfig {
  PlacementStrategy strategy = PlacementStrategy::kVnodes;
  std::size_t vnodesPerNode = 16;  // kVnodes
  std::size_t partitions = 64;     // kPartitions: Q
};

class Ring {
 public:
  Ring() = default;

  // Builds a ring over nodes 0..nodeCount-1. Random tokens come from `rng` (kVnodes only; node 0's are drawn
  // first). kPartitions: partition i (token floor((i+1)*2^64/Q) - 1) goes to node i % nodeCount, except that when
  // round robin would put one node twice within three partitions across the wrap, the last two partitions go to
  // the least loaded node that avoids it (possible from 5 nodes on). With Q < nodeCount, nodes >= Q own nothing.
  static Ring build(const RingConfig& config, std::size_t nodeCount, Rng& rng);
  // A ring from explicit entries (any order; duplicates of a token keep the first).
  static Ring fromEntries(std::vector<RingEntry> entries, const RingConfig& config);

  // A copy of this ring with `node` added: new random tokens (kVnodes) or partitions claimed from the most loaded
  // nodes (kPartitions). Adding a node that is already present returns an unchanged copy, and so does adding one to a
  // kPartitions ring with fewer partitions than nodes (the newcomer's fair share, floor(Q / nodes), is zero).
  Ring withNode(NodeId node, Rng& rng) const;
  // A copy without `node`; its ranges fall to the next entries (kVnodes) or are redistributed (kPartitions).
  Ring withoutNode(NodeId node) const;

  // Preference list for `token`: `replicas` distinct nodes and up to `maxFallbacks` further distinct nodes.
  // When the ring has fewer distinct nodes than asked, the lists are shorter. Empty ring: both lists empty.
  PreferenceList preferenceList(Token token, std::size_t replicas, std::size_t maxFallbacks = 0) const;
  // Same, written into `out` (cleared first) to avoid allocation in hot paths.
  void preferenceList(Token token, std::size_t replicas, std::size_t maxFallbacks, PreferenceList& out) const;
  // Index into entries() of the entry that owns `token`. Requires a non-empty ring.
  std::size_t ownerIndex(Token token) const;

  const std::vector<RingEntry>& entries() const { return m_entries; }
  // Distinct nodes, ascending.
  std::vector<NodeId> nodes() const;
  bool contains(NodeId node) const;
  bool empty() const { return m_entries.empty(); }
  const RingConfig& config() const { return m_config; }
  // The range owned by entry i: (entries[i-1].token, entries[i].token].
  TokenRange rangeOf(std::size_t entryIndex) const;

  OwnershipStats ownership(std::size_t replicas) const;

  // Which ranges move from which node to which when the ring changes from `before` to `after`, for N = `replicas`.
  // Adjacent pieces with the same (from, to) are merged. A range gained by a node is attributed to the node of the
  // old replica set at the same position of the preference list when it lost it, else to another node of the old
  // replica set that lost it (so a removed node hands its ranges over), else to the old primary.
  // Sorted by (range.start, to). Empty when either ring is empty (nothing to copy from, or nobody to copy to).
  static std::vector<RangeTransfer> diff(const Ring& before, const Ring& after, std::size_t replicas);

 private:
  void rebuildIndex();
  // Fills `out` (cleared first) walking clockwise from entry `index`. Requires a non-empty ring.
  void collectFrom(std::size_t index, std::size_t replicas, std::size_t maxFallbacks, PreferenceList& out) const;

  static constexpr int kMaxIndexBits = 20;

  RingConfig m_config;
  std::vector<RingEntry> m_entries;  // sorted by token, unique tokens
  std::vector<NodeId> m_nodes;       // distinct nodes of m_entries, ascending
  // Lookup acceleration: m_bucketStart[b] is the first entry index whose token's top bits (token >> m_indexShift) are
  // >= b; about one entry per bucket, at most 2^kMaxIndexBits buckets. Left empty when m_uniformPartitions.
  std::vector<std::uint32_t> m_bucketStart;
  int m_indexShift = 63;
  // The entries are exactly the Q equal partitions of m_config.partitions: the owner index is computed directly.
  bool m_uniformPartitions = false;
};

// The coefficient of variation of ownership expected for n nodes with v random tokens each: sqrt((n-1)/(n*v+1)).
double expectedVnodeOwnershipCv(std::size_t nodes, std::size_t vnodesPerNode);

}  // namespace ringlab
