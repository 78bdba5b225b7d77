// A Merkle tree over one token range, for anti-entropy: two replicas build a tree over the same range and depth,
// compare roots, and descend only into differing subtrees to find the leaves (token slices) whose contents differ;
// only those slices are then streamed.
//
// Shape. The range is cut into 2^depth leaves; leaf i covers the i-th of 2^depth equal slices of the range's tokens
// (slice i is tokens start+1+floor(i*L/2^depth) .. start+floor((i+1)*L/2^depth), L being the number of tokens in the
// range, 2^64 for the whole ring, computed exactly in 128 bits). Wrapping ranges (start > end) are handled.
//
// Hashing (leaf hashes travel between nodes, so this is a wire format; changing it needs a protocol version bump):
//  - entry  = XXH3_64bits(key bytes ++ physicalMicros as u64 LE ++ logical as u32 LE ++ node as u32 LE). The version
//    is a fixed-size suffix, so the encoding is injective. The token is not hashed: it is a function of the key.
//  - leaf   = sum of its entry hashes modulo 2^64 (0 when empty). Addition is commutative, so a leaf depends only on
//    the multiset of (key, version) pairs in it, not on the order entries were added. XXH3 already mixes each entry
//    fully; addition (unlike xor) does not cancel an entry added twice.
//  - inner  = XXH3_64bits(left as u64 LE ++ right as u64 LE), except that two zero children give 0, so empty subtrees
//    hash to 0 and compare cheaply. Level 0 is the root, level depth() the leaves; with depth 0 the root is the leaf.
//
// A tree is a plain value and does no I/O. Const members are safe to call from several threads at once; add() is not.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include <ringlab/engine/ring.h>
#include <ringlab/engine/storage.h>
#include <ringlab/engine/types.h>
#include <ringlab/engine/version.h>

namespace ringlab {

class MerkleTree {
 public:
  static constexpr unsigned kMaxDepth = 16;

  // An empty tree over `range` with 2^depth leaves. The depth is clamped to kMaxDepth and, for ranges of fewer than
  // 2^depth tokens, down to floor(log2(tokens)) so that every leaf covers at least one token (a TokenRange cannot
  // express an empty slice). Both sides of an exchange clamp the same way, so their trees stay comparable.
  MerkleTree(TokenRange range, unsigned depth);

  // A tree holding every record (tombstones included) that a scan of `range` visits. Cheaper than add() per entry:
  // inner nodes are computed once at the end.
  static MerkleTree fromStorage(const Storage& storage, TokenRange range, unsigned depth);

  // Adds one entry to the leaf of `token` and rehashes the path to the root (depth() hashes). Entries may be added
  // in any order. Returns false, changing nothing, when `token` lies outside the range.
  bool add(Token token, std::string_view key, const Version& version);

  // The leaf whose slice holds `token`. Precondition: range().contains(token).
  std::size_t leafOf(Token token) const;
  // The slice leaf `leaf` covers (never empty); the slices tile range() in order. Precondition: leaf < 2^depth().
  TokenRange leafRange(std::size_t leaf) const;

  const std::vector<std::uint64_t>& leaves() const { return m_levels.back(); }
  std::uint64_t root() const { return m_levels.front().front(); }
  // The hash of the node at `level` (0 = root, depth() = leaves) and `index` (< 2^level). Returns 0 when out of range.
  std::uint64_t node(unsigned level, std::size_t index) const;

  unsigned depth() const { return m_depth; }
  TokenRange range() const { return m_range; }
  // Entries added so far.
  std::size_t entries() const { return m_entries; }

  // Leaves whose hashes differ between `a` and `b`, ascending, found by descending only into differing subtrees.
  // Trees of different ranges or depths are not comparable: every leaf of `a` is returned.
  static std::vector<std::uint32_t> differingLeaves(const MerkleTree& a, const MerkleTree& b);
  // Leaves whose hashes differ from `peerLeaves` (a peer's leaves() of the same range and depth), ascending. When
  // peerLeaves.size() != 2^depth() every leaf is returned.
  std::vector<std::uint32_t> differingLeaves(const std::vector<std::uint64_t>& peerLeaves) const;

 private:
  // Adds to the leaf only; inner nodes are stale until rebuildInnerNodes().
  void addToLeaf(std::size_t leaf, std::string_view key, const Version& version);
  void rebuildInnerNodes();
  std::vector<std::uint32_t> allLeaves() const;

  TokenRange m_range;
  unsigned m_depth = 0;
  std::size_t m_entries = 0;
  std::vector<std::vector<std::uint64_t>> m_levels;  // m_levels[l] has 2^l hashes; front() is the root level
};

}  // namespace ringlab
