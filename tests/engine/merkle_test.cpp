#include <ringlab/engine/merkle.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <xxhash.h>

#include <ringlab/engine/hash.h>
#include <ringlab/engine/random.h>
#include <ringlab/engine/storage.h>

namespace ringlab {
namespace {

constexpr Token kMaxToken = std::numeric_limits<Token>::max();
constexpr std::uint64_t kSeed = 20240917;
constexpr TokenRange kWholeRing{0, 0};

// key -> version; a std::map so iteration (and thus insertion order when not shuffled) is deterministic.
using Contents = std::map<std::string, Version>;

Contents randomContents(Rng& rng, std::size_t count) {
  Contents contents;
  for (std::size_t i = 0; i < count; ++i) {
    contents["key-" + std::to_string(rng.next())] =
        Version{static_cast<std::int64_t>(1 + rng.below(1'000'000)), static_cast<std::uint32_t>(rng.below(4)),
                static_cast<NodeId>(rng.below(5))};
  }
  return contents;
}

MerkleTree treeOf(const Contents& contents, TokenRange range, unsigned depth) {
  MerkleTree tree(range, depth);
  for (const auto& [key, version] : contents) tree.add(tokenForKey(key), key, version);
  return tree;
}

std::vector<std::uint32_t> bruteForceDiff(const MerkleTree& a, const MerkleTree& b) {
  std::vector<std::uint32_t> out;
  for (std::size_t i = 0; i < a.leaves().size(); ++i) {
    if (a.leaves()[i] != b.leaves()[i]) out.push_back(static_cast<std::uint32_t>(i));
  }
  return out;
}

// Tokens in the range, counted exactly (2^64 for the whole ring does not fit; callers use it only for small ranges).
std::uint64_t width(TokenRange range) { return range.end - range.start; }

TEST(MerkleTreeTest, EmptyTreeHasRootZeroAndZeroLeaves) {
  for (unsigned depth : {0u, 1u, 10u, 16u}) {
    const MerkleTree tree(kWholeRing, depth);
    EXPECT_EQ(tree.root(), 0u);
    EXPECT_EQ(tree.entries(), 0u);
    EXPECT_EQ(tree.leaves().size(), std::size_t{1} << depth);
    EXPECT_TRUE(std::all_of(tree.leaves().begin(), tree.leaves().end(), [](std::uint64_t h) { return h == 0; }));
  }
}

TEST(MerkleTreeTest, DepthIsClampedToMaxDepth) {
  const MerkleTree tree(kWholeRing, 40);
  EXPECT_EQ(tree.depth(), MerkleTree::kMaxDepth);
  EXPECT_EQ(tree.leaves().size(), std::size_t{1} << MerkleTree::kMaxDepth);
}

TEST(MerkleTreeTest, DepthIsClampedSoEveryLeafCoversAToken) {
  EXPECT_EQ(MerkleTree(TokenRange{100, 105}, 4).depth(), 2u);          // 5 tokens: 4 leaves
  EXPECT_EQ(MerkleTree(TokenRange{100, 101}, 4).depth(), 0u);          // 1 token
  EXPECT_EQ(MerkleTree(TokenRange{kMaxToken - 3, 4}, 8).depth(), 3u);  // 8 tokens across the wrap
}

TEST(MerkleTreeTest, IdenticalContentsGiveIdenticalTreesRegardlessOfInsertionOrder) {
  Rng rng(kSeed);
  const Contents contents = randomContents(rng, 500);
  std::vector<std::pair<std::string, Version>> shuffled(contents.begin(), contents.end());
  for (std::size_t i = shuffled.size(); i > 1; --i) std::swap(shuffled[i - 1], shuffled[rng.below(i)]);

  const MerkleTree ordered = treeOf(contents, kWholeRing, 6);
  MerkleTree reordered(kWholeRing, 6);
  for (const auto& [key, version] : shuffled) ASSERT_TRUE(reordered.add(tokenForKey(key), key, version));

  EXPECT_NE(ordered.root(), 0u);
  EXPECT_EQ(ordered.root(), reordered.root());
  EXPECT_EQ(ordered.leaves(), reordered.leaves());
  EXPECT_EQ(ordered.entries(), 500u);
  EXPECT_TRUE(MerkleTree::differingLeaves(ordered, reordered).empty());
  EXPECT_TRUE(ordered.differingLeaves(reordered.leaves()).empty());
}

TEST(MerkleTreeTest, ChangingOneVersionChangesExactlyItsLeafAndTheRoot) {
  Rng rng(kSeed + 1);
  Contents contents = randomContents(rng, 300);
  const MerkleTree before = treeOf(contents, kWholeRing, 8);
  const std::string key = std::next(contents.begin(), 123)->first;
  contents[key].logical += 1;
  const MerkleTree after = treeOf(contents, kWholeRing, 8);

  const std::uint32_t leaf = static_cast<std::uint32_t>(before.leafOf(tokenForKey(key)));
  EXPECT_EQ(MerkleTree::differingLeaves(before, after), std::vector<std::uint32_t>{leaf});
  EXPECT_EQ(before.differingLeaves(after.leaves()), std::vector<std::uint32_t>{leaf});
  EXPECT_NE(before.root(), after.root());
  // Every node on the leaf's path differs; its sibling subtrees do not.
  for (unsigned level = 0; level <= before.depth(); ++level) {
    const std::size_t index = leaf >> (before.depth() - level);
    EXPECT_NE(before.node(level, index), after.node(level, index)) << "level " << level;
    if (level > 0) {
      EXPECT_EQ(before.node(level, index ^ 1), after.node(level, index ^ 1)) << "level " << level;
    }
  }
}

TEST(MerkleTreeTest, EachVersionFieldAffectsTheHash) {
  const std::string key = "k";
  const Version base{1000, 2, 3};
  const auto rootWith = [&](const Version& version) { return treeOf(Contents{{key, version}}, kWholeRing, 4).root(); };
  EXPECT_NE(rootWith(base), rootWith(Version{1001, 2, 3}));
  EXPECT_NE(rootWith(base), rootWith(Version{1000, 3, 3}));
  EXPECT_NE(rootWith(base), rootWith(Version{1000, 2, 4}));
}

TEST(MerkleTreeTest, KeyPresentOnOneSideOnlyShowsInItsLeaf) {
  Rng rng(kSeed + 2);
  const Contents contents = randomContents(rng, 200);
  Contents withExtra = contents;
  const std::string extra = "only-here";
  withExtra[extra] = Version{42, 0, 1};

  const MerkleTree a = treeOf(contents, kWholeRing, 10);
  const MerkleTree b = treeOf(withExtra, kWholeRing, 10);
  const auto leaf = static_cast<std::uint32_t>(a.leafOf(tokenForKey(extra)));
  EXPECT_EQ(MerkleTree::differingLeaves(a, b), std::vector<std::uint32_t>{leaf});
  EXPECT_EQ(MerkleTree::differingLeaves(b, a), std::vector<std::uint32_t>{leaf});
  EXPECT_EQ(b.entries(), a.entries() + 1);
}

// Leaf and inner hashes cross the wire: pin their encoding.
TEST(MerkleTreeTest, HashesFollowTheDocumentedEncoding) {
  const auto littleEndian = [](std::string& out, std::uint64_t value, int bytes) {
    for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>(value >> (8 * i)));
  };
  const auto entryHash = [&](const std::string& key, const Version& version) {
    std::string bytes = key;
    littleEndian(bytes, static_cast<std::uint64_t>(version.physicalMicros), 8);
    littleEndian(bytes, version.logical, 4);
    littleEndian(bytes, version.node, 4);
    return XXH3_64bits(bytes.data(), bytes.size());
  };
  const std::string longKey(1000, 'x');  // longer than the inline buffer
  const Version v1{1'700'000'000'000'000, 7, 2};
  const Version v2{-5, 0xffffffffu, 9};
  MerkleTree tree(kWholeRing, 1);
  ASSERT_TRUE(tree.add(1, "short", v1));  // leaf 0
  ASSERT_TRUE(tree.add(2, longKey, v2));  // leaf 0
  const std::uint64_t leaf0 = entryHash("short", v1) + entryHash(longKey, v2);
  EXPECT_EQ(tree.leaves()[0], leaf0);
  EXPECT_EQ(tree.leaves()[1], 0u);
  std::string children;
  littleEndian(children, leaf0, 8);
  littleEndian(children, 0, 8);
  EXPECT_EQ(tree.root(), XXH3_64bits(children.data(), children.size()));
}

TEST(MerkleTreeTest, AddingAnEntryTwiceDoesNotCancelOut) {
  MerkleTree once(kWholeRing, 3);
  MerkleTree twice(kWholeRing, 3);
  const Version version{7, 0, 0};
  once.add(tokenForKey("a"), "a", version);
  twice.add(tokenForKey("a"), "a", version);
  twice.add(tokenForKey("a"), "a", version);
  EXPECT_NE(once.root(), twice.root());
  EXPECT_NE(twice.root(), 0u);
}

TEST(MerkleTreeTest, AddRejectsTokensOutsideTheRange) {
  MerkleTree tree(TokenRange{100, 200}, 4);
  EXPECT_FALSE(tree.add(100, "start-is-exclusive", Version{1, 0, 0}));
  EXPECT_FALSE(tree.add(201, "past-the-end", Version{1, 0, 0}));
  EXPECT_EQ(tree.entries(), 0u);
  EXPECT_EQ(tree.root(), 0u);
  EXPECT_TRUE(tree.add(200, "end-is-inclusive", Version{1, 0, 0}));
  EXPECT_EQ(tree.leafOf(200), tree.leaves().size() - 1);
}

TEST(MerkleTreeTest, DifferingLeavesMatchesBruteForceOnRandomData) {
  std::size_t totalDifferences = 0;
  for (std::uint64_t seed = kSeed; seed < kSeed + 20; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    Rng rng(seed);
    const TokenRange range =
        seed % 3 == 0 ? kWholeRing : TokenRange{rng.next(), rng.next()};  // often wrapping, sometimes not
    const unsigned depth = static_cast<unsigned>(rng.below(MerkleTree::kMaxDepth + 1));
    Contents contents;
    for (const auto& [key, version] : randomContents(rng, 400)) {
      if (range.contains(tokenForKey(key))) contents[key] = version;
    }
    Contents modified = contents;
    const std::size_t modifications = 1 + rng.below(6);
    for (std::size_t m = 0; m < modifications && !modified.empty(); ++m) {
      auto it = std::next(modified.begin(), static_cast<std::ptrdiff_t>(rng.below(modified.size())));
      switch (rng.below(3)) {
        case 0: it->second.physicalMicros += 1; break;
        case 1: modified.erase(it); break;
        default: {
          const std::string key = "new-" + std::to_string(rng.next());
          if (range.contains(tokenForKey(key))) modified[key] = Version{5, 0, 0};
        }
      }
    }
    const MerkleTree a = treeOf(contents, range, depth);
    const MerkleTree b = treeOf(modified, range, depth);
    const std::vector<std::uint32_t> expected = bruteForceDiff(a, b);
    EXPECT_EQ(MerkleTree::differingLeaves(a, b), expected);
    EXPECT_EQ(a.differingLeaves(b.leaves()), expected);
    EXPECT_EQ(expected.empty(), a.root() == b.root());
    totalDifferences += expected.size();
  }
  EXPECT_GT(totalDifferences, 20u);  // the modifications did land in the trees
}

TEST(MerkleTreeTest, IncomparableTreesReportEveryLeaf) {
  const MerkleTree a(TokenRange{0, 1000}, 3);
  const MerkleTree otherDepth(TokenRange{0, 1000}, 2);
  const MerkleTree otherRange(TokenRange{1, 1000}, 3);
  const std::vector<std::uint32_t> all{0, 1, 2, 3, 4, 5, 6, 7};
  EXPECT_EQ(MerkleTree::differingLeaves(a, otherDepth), all);
  EXPECT_EQ(MerkleTree::differingLeaves(a, otherRange), all);
  EXPECT_EQ(a.differingLeaves(std::vector<std::uint64_t>(4, 0)), all);
}

TEST(MerkleTreeTest, InnerNodesOfEmptySubtreesAreZeroAndNodeOutOfRangeIsZero) {
  MerkleTree tree(kWholeRing, 4);
  tree.add(1, "first-slice", Version{1, 0, 0});
  EXPECT_EQ(tree.leafOf(1), 0u);
  EXPECT_NE(tree.node(1, 0), 0u);
  EXPECT_EQ(tree.node(1, 1), 0u);
  EXPECT_EQ(tree.node(0, 0), tree.root());
  EXPECT_EQ(tree.node(4, 0), tree.leaves()[0]);
  EXPECT_EQ(tree.node(5, 0), 0u);
  EXPECT_EQ(tree.node(2, 4), 0u);
}

// Checks that the leaf ranges tile `range` in order without gap or overlap, are never empty, and that the first,
// last and some random tokens of each leaf map back to it.
void expectLeavesTile(TokenRange range, unsigned depth, Rng& rng) {
  const MerkleTree tree(range, depth);
  const std::size_t leafCount = tree.leaves().size();
  ASSERT_EQ(leafCount, std::size_t{1} << tree.depth());
  Token expectedStart = range.start;
  for (std::size_t leaf = 0; leaf < leafCount; ++leaf) {
    const TokenRange slice = tree.leafRange(leaf);
    ASSERT_EQ(slice.start, expectedStart) << "leaf " << leaf;
    if (leafCount > 1) {
      ASSERT_NE(slice.start, slice.end) << "leaf " << leaf << " is empty";
    }
    const Token first = slice.start + 1;
    ASSERT_TRUE(range.contains(first));
    ASSERT_TRUE(range.contains(slice.end));
    ASSERT_EQ(tree.leafOf(first), leaf);
    ASSERT_EQ(tree.leafOf(slice.end), leaf);
    if (leaf > 0) {
      ASSERT_EQ(tree.leafOf(slice.start), leaf - 1);
    }
    const std::uint64_t span = slice.end - slice.start;  // 0 only for a whole-ring single leaf
    const Token inside = slice.start + 1 + (span == 0 ? rng.next() : rng.below(span));
    ASSERT_EQ(tree.leafOf(inside), leaf);
    expectedStart = slice.end;
  }
  EXPECT_EQ(expectedStart, range.end);
}

TEST(MerkleTreeTest, LeafRangesTileTheRangeAndMapBackToTheirLeaf) {
  Rng rng(kSeed);
  const std::vector<std::pair<const char*, TokenRange>> ranges = {
      {"normal", TokenRange{1'000'000, 9'000'000'000'000'000'000u}},
      {"wrapping", TokenRange{kMaxToken - 12'345'678'901ull, 98'765'432'101ull}},
      {"whole ring", kWholeRing},
      {"whole ring from a non-zero start", TokenRange{0xdeadbeef, 0xdeadbeef}},
      {"uneven", TokenRange{0, 100'003}},
  };
  for (const auto& [name, range] : ranges) {
    for (unsigned depth : {0u, 1u, 7u, 16u}) {
      SCOPED_TRACE(std::string(name) + " depth " + std::to_string(depth));
      expectLeavesTile(range, depth, rng);
    }
  }
}

TEST(MerkleTreeTest, DepthZeroLeafCoversTheWholeRange) {
  const TokenRange wrapping{kMaxToken - 10, 10};
  EXPECT_EQ(MerkleTree(wrapping, 0).leafRange(0), wrapping);
  EXPECT_EQ(MerkleTree(kWholeRing, 0).leafRange(0), kWholeRing);
  EXPECT_EQ(MerkleTree(kWholeRing, 0).leafOf(12345), 0u);
}

TEST(MerkleTreeTest, WholeRingSlicesAreExactPowersOfTwo) {
  const MerkleTree tree(kWholeRing, 16);
  EXPECT_EQ(tree.leafRange(0), (TokenRange{0, 1ull << 48}));
  EXPECT_EQ(tree.leafRange(65535), (TokenRange{kMaxToken - (1ull << 48) + 1, 0}));
  EXPECT_EQ(tree.leafOf(0), 65535u);  // token 0 is the last token of the ring (start, start]
  EXPECT_EQ(tree.leafOf(1), 0u);
  EXPECT_EQ(tree.leafOf(1ull << 48), 0u);
  EXPECT_EQ(tree.leafOf((1ull << 48) + 1), 1u);
}

TEST(MerkleTreeTest, SmallRangesMapEveryTokenToTheLeafThatCoversIt) {
  for (const TokenRange range : {TokenRange{100, 113}, TokenRange{kMaxToken - 6, 6}}) {
    const MerkleTree tree(range, 16);
    ASSERT_EQ(tree.leaves().size(), 8u);  // 13 tokens: depth clamped to 3
    std::vector<std::size_t> perLeaf(tree.leaves().size(), 0);
    for (std::uint64_t i = 1; i <= width(range); ++i) {
      const Token token = range.start + i;
      const std::size_t leaf = tree.leafOf(token);
      ASSERT_LT(leaf, perLeaf.size());
      ASSERT_TRUE(tree.leafRange(leaf).contains(token)) << "token " << token;
      ++perLeaf[leaf];
    }
    for (std::size_t leaf = 0; leaf < perLeaf.size(); ++leaf) {
      EXPECT_EQ(perLeaf[leaf], width(tree.leafRange(leaf))) << "leaf " << leaf;
      EXPECT_GE(perLeaf[leaf], 1u);
    }
  }
}

TEST(MerkleTreeTest, FromStorageMatchesAddingTheSameEntriesByHand) {
  Rng rng(kSeed + 3);
  const std::unique_ptr<Storage> storage = makeMemoryStorage();
  const Contents contents = randomContents(rng, 1000);
  for (const auto& [key, version] : contents) {
    Record record;
    record.version = version;
    record.value = "v";
    record.tombstone = version.logical == 0;  // tombstones are part of the tree too
    ASSERT_TRUE(storage->apply(key, record).isOk());
  }
  for (const TokenRange range : {kWholeRing, TokenRange{rng.next(), rng.next()}, TokenRange{0, kMaxToken / 2}}) {
    Contents inRange;
    for (const auto& [key, version] : contents) {
      if (range.contains(tokenForKey(key))) inRange[key] = version;
    }
    const MerkleTree scanned = MerkleTree::fromStorage(*storage, range, 9);
    const MerkleTree byHand = treeOf(inRange, range, 9);
    EXPECT_EQ(scanned.entries(), inRange.size());
    EXPECT_EQ(scanned.root(), byHand.root());
    EXPECT_EQ(scanned.leaves(), byHand.leaves());
    for (unsigned level = 0; level <= scanned.depth(); ++level) {
      for (std::size_t i = 0; i < (std::size_t{1} << level); ++i) {
        ASSERT_EQ(scanned.node(level, i), byHand.node(level, i)) << "level " << level << " index " << i;
      }
    }
  }
}

TEST(MerkleTreeTest, FromEmptyStorageHasRootZero) {
  const std::unique_ptr<Storage> storage = makeMemoryStorage();
  EXPECT_EQ(MerkleTree::fromStorage(*storage, kWholeRing, 10).root(), 0u);
}

}  // namespace
}  // namespace ringlab
