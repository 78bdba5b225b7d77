#include <ringlab/engine/merkle.h>

#include <algorithm>
#include <array>
#include <numeric>
#include <string>

#include <xxhash.h>

namespace ringlab {
namespace {

__extension__ using Uint128 = unsigned __int128;

constexpr std::size_t kVersionBytes = 16;
constexpr std::size_t kInlineKeyBytes = 240;  // longer keys are hashed from a heap buffer

void putLittleEndian(unsigned char* out, std::uint64_t value, std::size_t bytes) {
  for (std::size_t i = 0; i < bytes; ++i) out[i] = static_cast<unsigned char>(value >> (8 * i));
}

void encodeVersion(unsigned char* out, const Version& version) {
  putLittleEndian(out, static_cast<std::uint64_t>(version.physicalMicros), 8);
  putLittleEndian(out + 8, version.logical, 4);
  putLittleEndian(out + 12, version.node, 4);
}

std::uint64_t entryHash(std::string_view key, const Version& version) {
  if (key.size() <= kInlineKeyBytes) {
    std::array<unsigned char, kInlineKeyBytes + kVersionBytes> buffer;
    std::copy(key.begin(), key.end(), buffer.begin());
    encodeVersion(buffer.data() + key.size(), version);
    return XXH3_64bits(buffer.data(), key.size() + kVersionBytes);
  }
  std::string buffer(key);
  buffer.resize(key.size() + kVersionBytes);
  encodeVersion(reinterpret_cast<unsigned char*>(buffer.data()) + key.size(), version);
  return XXH3_64bits(buffer.data(), buffer.size());
}

std::uint64_t innerHash(std::uint64_t left, std::uint64_t right) {
  if (left == 0 && right == 0) return 0;
  std::array<unsigned char, 16> buffer;
  putLittleEndian(buffer.data(), left, 8);
  putLittleEndian(buffer.data() + 8, right, 8);
  return XXH3_64bits(buffer.data(), buffer.size());
}

// Number of tokens in the range: 1 .. 2^64.
Uint128 tokenCount(const TokenRange& range) {
  const Token width = range.end - range.start;
  return width == 0 ? Uint128{1} << 64 : Uint128{width};
}

// First token offset (0-based from start+1) of slice `slice` out of 2^depth.
Uint128 sliceBegin(Uint128 length, unsigned depth, Uint128 slice) { return (slice * length) >> depth; }

}  // namespace

MerkleTree::MerkleTree(TokenRange range, unsigned depth) : m_range(range) {
  const Uint128 length = tokenCount(range);
  m_depth = std::min(depth, kMaxDepth);
  while (m_depth > 0 && (Uint128{1} << m_depth) > length) --m_depth;
  m_levels.resize(m_depth + 1);
  for (unsigned level = 0; level <= m_depth; ++level) m_levels[level].assign(std::size_t{1} << level, 0);
}

MerkleTree MerkleTree::fromStorage(const Storage& storage, TokenRange range, unsigned depth) {
  MerkleTree tree(range, depth);
  storage.scan(range, [&tree](Token token, std::string_view key, const Record& record) {
    tree.addToLeaf(tree.leafOf(token), key, syncVersion(record));  // a digest covers every sibling
    return true;
  });
  tree.rebuildInnerNodes();
  return tree;
}

bool MerkleTree::add(Token token, std::string_view key, const Version& version) {
  if (!m_range.contains(token)) return false;
  std::size_t index = leafOf(token);
  addToLeaf(index, key, version);
  for (unsigned level = m_depth; level > 0; --level) {
    const std::vector<std::uint64_t>& children = m_levels[level];
    const std::size_t left = index & ~std::size_t{1};
    index >>= 1;
    m_levels[level - 1][index] = innerHash(children[left], children[left + 1]);
  }
  return true;
}

void MerkleTree::addToLeaf(std::size_t leaf, std::string_view key, const Version& version) {
  m_levels.back()[leaf] += entryHash(key, version);
  ++m_entries;
}

void MerkleTree::rebuildInnerNodes() {
  for (unsigned level = m_depth; level > 0; --level) {
    const std::vector<std::uint64_t>& children = m_levels[level];
    std::vector<std::uint64_t>& parents = m_levels[level - 1];
    for (std::size_t i = 0; i < parents.size(); ++i) parents[i] = innerHash(children[2 * i], children[2 * i + 1]);
  }
}

std::size_t MerkleTree::leafOf(Token token) const {
  const Uint128 offset = static_cast<Token>(token - m_range.start - 1);
  // The largest i with sliceBegin(i) <= offset, i.e. i * length < (offset + 1) * 2^depth.
  return static_cast<std::size_t>((((offset + 1) << m_depth) - 1) / tokenCount(m_range));
}

TokenRange MerkleTree::leafRange(std::size_t leaf) const {
  const Uint128 length = tokenCount(m_range);
  const Uint128 begin = sliceBegin(length, m_depth, leaf);
  const Uint128 end = sliceBegin(length, m_depth, Uint128{leaf} + 1);
  // Offsets [begin, end) are tokens start+1+begin .. start+end, i.e. the half-open (start+begin, start+end].
  return TokenRange{static_cast<Token>(m_range.start + static_cast<Token>(begin)),
                    static_cast<Token>(m_range.start + static_cast<Token>(end))};
}

std::uint64_t MerkleTree::node(unsigned level, std::size_t index) const {
  if (level > m_depth || index >= m_levels[level].size()) return 0;
  return m_levels[level][index];
}

std::vector<std::uint32_t> MerkleTree::allLeaves() const {
  std::vector<std::uint32_t> all(leaves().size());
  std::iota(all.begin(), all.end(), std::uint32_t{0});
  return all;
}

std::vector<std::uint32_t> MerkleTree::differingLeaves(const MerkleTree& a, const MerkleTree& b) {
  if (a.m_range != b.m_range || a.m_depth != b.m_depth) return a.allLeaves();
  std::vector<std::uint32_t> out;
  // Depth-first, left child first, so leaves come out ascending. At most depth + 1 levels deep.
  auto descend = [&](auto& self, unsigned level, std::size_t index) -> void {
    if (a.m_levels[level][index] == b.m_levels[level][index]) return;
    if (level == a.m_depth) {
      out.push_back(static_cast<std::uint32_t>(index));
      return;
    }
    self(self, level + 1, 2 * index);
    self(self, level + 1, 2 * index + 1);
  };
  descend(descend, 0, 0);
  return out;
}

std::vector<std::uint32_t> MerkleTree::differingLeaves(const std::vector<std::uint64_t>& peerLeaves) const {
  const std::vector<std::uint64_t>& own = leaves();
  if (peerLeaves.size() != own.size()) return allLeaves();
  std::vector<std::uint32_t> out;
  for (std::size_t i = 0; i < own.size(); ++i) {
    if (own[i] != peerLeaves[i]) out.push_back(static_cast<std::uint32_t>(i));
  }
  return out;
}

}  // namespace ringlab
