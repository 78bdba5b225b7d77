// Causality for concurrent writes: version vectors, dotted sibling sets and PN-counters.
//
// The `siblings` conflict mode keeps every write that no later write has seen, instead of letting the newest
// timestamp win. It follows the "causal context + one dot per sibling" design of Riak's DVVSet (Preguiça, Baquero et
// al., "Dotted Version Vectors: Logical Clocks for Optimistic Replication"):
//
//   - every write gets a Dot (the coordinating node and that node's next counter for the key);
//   - a SiblingSet holds the values no write has superseded yet, each with its dot, plus one VersionVector (the
//     causal context) that covers every dot the holder has seen, kept or superseded;
//   - a client reads the siblings and the context, and writes back with that context: the write supersedes exactly
//     the siblings whose dots the context covers and becomes a sibling of the rest.
//
// Invariant (what makes the merge lose nothing): a dot (n, k) with k <= context[n] has been seen by the holder, so a
// sibling that one side still holds and the other side's context covers without holding was superseded there. The
// coordinator keeps it by taking the next counter from its own stored set for the key (never reusing one) and by
// replicating the whole updated set, not only the new sibling.
//
// A PnCounter is the counter CRDT: per-node increment and decrement totals, merged by per-node maximum, so
// increments made through different nodes concurrently are all counted once replicas converge.
//
// Everything here is a pure value: no clock, no I/O; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <ringlab/engine/status.h>
#include <ringlab/engine/types.h>
#include <ringlab/engine/timestamp.h>

namespace ringlab {

// One event of one node: the k-th write a node coordinated for a key.
struct Dot {
  NodeId node = 0;
  std::uint64_t counter = 0;
  friend auto operator<=>(const Dot&, const Dot&) = default;
  friend bool operator==(const Dot&, const Dot&) = default;
  // "n2:7"
  std::string toString() const;
};

// A map from node to the highest counter seen from it; entries kept sorted by node, zero entries never stored.
class VersionVector {
 public:
  struct Entry {
    NodeId node = 0;
    std::uint64_t counter = 0;
    friend bool operator==(const Entry&, const Entry&) = default;
  };

  VersionVector() = default;
  // Entries in any order; duplicates keep the highest counter; zero counters are dropped.
  explicit VersionVector(std::vector<Entry> entries);

  std::uint64_t get(NodeId node) const;
  // Raises the entry of `node` to at least `counter`.
  void advance(NodeId node, std::uint64_t counter);
  bool covers(const Dot& dot) const { return dot.counter <= get(dot.node); }
  bool empty() const { return m_entries.empty(); }
  const std::vector<Entry>& entries() const { return m_entries; }

  // Pointwise maximum (commutative, associative, idempotent).
  void merge(const VersionVector& other);
  static VersionVector merged(const VersionVector& a, const VersionVector& b);
  // True when every entry of `other` is <= the entry here.
  bool descends(const VersionVector& other) const;
  // Drops the entries of nodes `isMember` rejects; returns how many were dropped. See SiblingSet::prune for the cost.
  template <typename Pred>
  std::size_t prune(Pred isMember) {
    const auto before = m_entries.size();
    std::erase_if(m_entries, [&](const Entry& e) { return !isMember(e.node); });
    return before - m_entries.size();
  }

  // "n1:4 n3:2"; "(empty)" when empty.
  std::string toString() const;
  friend bool operator==(const VersionVector&, const VersionVector&) = default;

 private:
  std::vector<Entry> m_entries;
};

// kBefore: a happened before b (b descends a); kAfter the reverse; kConcurrent: neither.
Causality compare(const VersionVector& a, const VersionVector& b);

// One value no write has superseded yet.
struct Sibling {
  Dot dot;
  Value value;
  bool tombstone = false;  // a delete that is concurrent with other writes is kept as a sibling too
  Version stamp;           // the HLC timestamp of the write: only for GET's "newest sibling" and for display
  friend bool operator==(const Sibling&, const Sibling&) = default;
};

// The siblings of one key and the causal context covering them. Siblings are kept sorted by dot.
class SiblingSet {
 public:
  SiblingSet() = default;
  // Builds a set from parts (a decoder's output). Errors: kCorrupt when two siblings share a dot or the context does
  // not cover a sibling's dot.
  static Result<SiblingSet> fromParts(VersionVector context, std::vector<Sibling> siblings);

  const VersionVector& context() const { return m_context; }
  const std::vector<Sibling>& siblings() const { return m_siblings; }
  bool empty() const { return m_siblings.empty(); }

  // The coordinator's write: `readContext` is what the writer read (empty for a blind write). Supersedes the siblings
  // the context covers, adds the new value under dot (coordinator, next counter) and returns that dot. The set's
  // context grows by the read context too, so a reader's knowledge is never lost.
  Dot write(NodeId coordinator, const VersionVector& readContext, Value value, bool tombstone, Version stamp);
  // The dot write() would issue next for `coordinator`.
  Dot nextDot(NodeId coordinator) const { return Dot{coordinator, m_context.get(coordinator) + 1}; }

  // Join of two replicas' states: keeps a sibling unless the other side's context covers its dot and the other side
  // no longer holds it. Commutative, associative, idempotent.
  static SiblingSet merge(const SiblingSet& a, const SiblingSet& b);
  // How two states relate: kEqual when identical, kBefore when merging a into b leaves b unchanged, kAfter the
  // reverse, kConcurrent otherwise.
  static Causality compare(const SiblingSet& a, const SiblingSet& b);
  // True when this state has seen (kept or superseded) the write with `dot`.
  bool covers(const Dot& dot) const { return m_context.covers(dot); }
  // The sibling with the newest timestamp (GET's single answer in siblings mode); nullptr when empty.
  const Sibling* newest() const;

  // Forgets context entries of nodes that left the cluster (keeps entries still naming a held sibling's dot).
  // Cost: this holder can no longer tell that it superseded an old write of that node, so a stale replica's copy of
  // such a write comes back as a sibling (a false conflict a reader must resolve again); nothing is lost. A node id
  // whose entries were pruned must not issue dots again from counter 1 while other replicas still remember them.
  template <typename Pred>
  std::size_t prune(Pred isMember) {
    return m_context.prune([&](NodeId node) {
      if (isMember(node)) return true;
      for (const auto& s : m_siblings) {
        if (s.dot.node == node) return true;
      }
      return false;
    });
  }

  // "[n1:3 'a'] [n2:1 'b'] ctx{n1:3 n2:1}"
  std::string toString() const;
  friend bool operator==(const SiblingSet&, const SiblingSet&) = default;

 private:
  VersionVector m_context;
  std::vector<Sibling> m_siblings;
};

// A PN-counter: per-node totals of increments and decrements. value() = sum(inc) - sum(dec).
class PnCounter {
 public:
  struct Entry {
    NodeId node = 0;
    std::uint64_t increments = 0;
    std::uint64_t decrements = 0;
    friend bool operator==(const Entry&, const Entry&) = default;
  };

  PnCounter() = default;
  // Errors: kCorrupt when a node appears twice.
  static Result<PnCounter> fromEntries(std::vector<Entry> entries);

  // Adds `delta` (negative = decrement) to the entry of `node`.
  void add(NodeId node, std::int64_t delta);
  std::int64_t value() const;
  const std::vector<Entry>& entries() const { return m_entries; }

  // Per-node maximum of both totals: commutative, associative, idempotent.
  static PnCounter merge(const PnCounter& a, const PnCounter& b);
  // kBefore when b has every total of a at least as high, and so on.
  static Causality compare(const PnCounter& a, const PnCounter& b);

  // "n1:+5-1 n2:+3 = 7"
  std::string toString() const;
  friend bool operator==(const PnCounter&, const PnCounter&) = default;

 private:
  Entry& entryFor(NodeId node);
  std::vector<Entry> m_entries;  // sorted by node
};

// The binary forms the wire codec and RocksDB storage carry (docs/WIRE_FORMAT.md, "Causal bodies"), little-endian:
//   sibling set: u32 n, n x (u32 node, u64 counter) context; u32 m, m x (u32 node, u64 counter, u8 tombstone,
//                i64 physical, u32 logical, u32 node, u32 length, bytes) siblings
//   counter:     u32 n, n x (u32 node, u64 increments, u64 decrements)
void appendSiblingSet(std::string& out, const SiblingSet& set);
void appendPnCounter(std::string& out, const PnCounter& counter);
// Errors: kTruncated when the bytes end inside a field, kCorrupt for trailing bytes, an impossible count or a set
// fromParts rejects, kTooLarge for a sibling value over `maxValueBytes`. The message names the field and byte offset.
Result<SiblingSet> parseSiblingSet(std::string_view bytes, std::size_t maxValueBytes);
Result<PnCounter> parsePnCounter(std::string_view bytes);

}  // namespace ringlab
