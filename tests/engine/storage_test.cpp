#include <ringlab/engine/storage.h>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include <ringlab/engine/causal.h>
#include <ringlab/engine/hash.h>
#include <ringlab/engine/random.h>

namespace ringlab {
namespace {

constexpr Token kMaxToken = std::numeric_limits<Token>::max();
constexpr std::uint64_t kSeed = 20240917;

Record valueRecord(std::int64_t physicalMicros, std::string value, NodeId node = 0, std::uint32_t logical = 0) {
  Record record;
  record.version = Version{physicalMicros, logical, node};
  record.value = std::move(value);
  return record;
}

Record tombstoneRecord(std::int64_t physicalMicros, NodeId node = 0) {
  Record record;
  record.version = Version{physicalMicros, 0, node};
  record.tombstone = true;
  return record;
}

ApplyOutcome applyOk(Storage& storage, std::string_view key, const Record& record) {
  const auto result = storage.apply(key, record);
  EXPECT_TRUE(result.isOk()) << result.status().toString();
  return result.isOk() ? *result : ApplyOutcome::kSuperseded;
}

struct Visited {
  Token token = 0;
  std::string key;
  Record record;
  friend bool operator==(const Visited&, const Visited&) = default;
};

std::vector<Visited> scanAll(const Storage& storage, TokenRange range) {
  std::vector<Visited> out;
  storage.scan(range, [&](Token token, std::string_view key, const Record& record) {
    out.push_back(Visited{token, std::string(key), record});
    return true;
  });
  return out;
}

// The reference for TokenRange membership, written from its definition: (start, end], start == end is the whole ring.
bool inRange(TokenRange range, Token t) {
  if (range.start < range.end) return range.start < t && t <= range.end;
  if (range.start > range.end) return t > range.start || t <= range.end;
  return true;
}

std::string keyNumber(std::size_t i) { return "key-" + std::to_string(i); }

TEST(StorageTest, ApplyStoresNewKey) {
  auto storage = makeMemoryStorage();
  const Record record = valueRecord(100, "hello");

  EXPECT_EQ(applyOk(*storage, "greeting", record), ApplyOutcome::kApplied);

  EXPECT_EQ(storage->get("greeting"), record);
  const StorageStats stats = storage->stats();
  EXPECT_EQ(stats.records, 1u);
  EXPECT_EQ(stats.tombstones, 0u);
  EXPECT_EQ(stats.bytes, std::string("greeting").size() + record.footprint());
}

TEST(StorageTest, NewerVersionReplacesStoredRecord) {
  auto storage = makeMemoryStorage();
  applyOk(*storage, "k", valueRecord(100, "old"));

  const Record newer = valueRecord(200, "newer value");
  EXPECT_EQ(applyOk(*storage, "k", newer), ApplyOutcome::kApplied);

  EXPECT_EQ(storage->get("k"), newer);
  EXPECT_EQ(storage->stats().records, 1u);
  EXPECT_EQ(storage->stats().bytes, 1 + newer.footprint());
}

TEST(StorageTest, ReplacementOfTheSameLengthIsSeenByGetScanAndStatsAndAnOlderOneStillLoses) {
  // A newer value of the same length is written over the stored one (no new allocation): get, scan and the stats
  // see it at once, the records around it are untouched, and versions still decide.
  auto storage = makeMemoryStorage();
  for (std::size_t i = 0; i < 300; ++i)
    applyOk(*storage, keyNumber(i), valueRecord(100, "v-" + std::to_string(i % 10)));
  const StorageStats before = storage->stats();

  EXPECT_EQ(applyOk(*storage, keyNumber(7), valueRecord(200, "new")), ApplyOutcome::kApplied);
  EXPECT_EQ(applyOk(*storage, keyNumber(7), valueRecord(150, "old")), ApplyOutcome::kSuperseded);
  EXPECT_EQ(applyOk(*storage, keyNumber(7), valueRecord(200, "tie")), ApplyOutcome::kSuperseded);

  EXPECT_EQ(storage->get(keyNumber(7)), valueRecord(200, "new"));
  EXPECT_EQ(storage->get(keyNumber(8)), valueRecord(100, "v-8"));
  std::size_t seen = 0;
  storage->scan(TokenRange{0, 0}, [&](Token token, std::string_view key, const Record& record) {
    EXPECT_EQ(token, tokenForKey(key));
    if (key == keyNumber(7)) EXPECT_EQ(record, valueRecord(200, "new"));
    ++seen;
    return true;
  });
  EXPECT_EQ(seen, 300u);
  EXPECT_EQ(storage->stats().records, before.records);
  EXPECT_EQ(storage->stats().bytes, before.bytes);
  EXPECT_EQ(storage->stats().tombstones, before.tombstones);

  // The long layout (a length past 255 bytes takes four bytes): a key of 300 bytes, and a value of 300 bytes.
  const std::string longKey(300, 'k');
  applyOk(*storage, longKey, valueRecord(10, "abc"));
  ASSERT_EQ(applyOk(*storage, longKey, valueRecord(20, "xyz")), ApplyOutcome::kApplied);
  EXPECT_EQ(storage->get(longKey), valueRecord(20, "xyz"));
  applyOk(*storage, "long value", valueRecord(10, std::string(300, 'a')));
  ASSERT_EQ(applyOk(*storage, "long value", valueRecord(20, std::string(300, 'b'))), ApplyOutcome::kApplied);
  EXPECT_EQ(storage->get("long value"), valueRecord(20, std::string(300, 'b')));
  std::size_t longSeen = 0;
  storage->scan(TokenRange{0, 0}, [&](Token, std::string_view key, const Record& record) {
    if (key == longKey) {
      EXPECT_EQ(record, valueRecord(20, "xyz"));
      ++longSeen;
    }
    if (key == "long value") {
      EXPECT_EQ(record, valueRecord(20, std::string(300, 'b')));
      ++longSeen;
    }
    return true;
  });
  EXPECT_EQ(longSeen, 2u);

  // An empty value and a tombstone have the same (empty) length: the flag changes in place, and back.
  applyOk(*storage, "empty", valueRecord(10, ""));
  ASSERT_EQ(applyOk(*storage, "empty", tombstoneRecord(20)), ApplyOutcome::kApplied);
  EXPECT_EQ(storage->get("empty"), tombstoneRecord(20));
  EXPECT_EQ(storage->stats().tombstones, before.tombstones + 1);
  ASSERT_EQ(applyOk(*storage, "empty", valueRecord(30, "")), ApplyOutcome::kApplied);
  EXPECT_EQ(storage->get("empty"), valueRecord(30, ""));
  EXPECT_EQ(storage->stats().tombstones, before.tombstones);
}

TEST(StorageTest, KeysAndValuesAroundTheCompactLengthBoundaryRoundTripThroughGetScanAndReplacement) {
  // Records keep their lengths in one byte each while key and value are both under 256 bytes, else in four each;
  // every mix of sides reads back whole, and a replacement may switch between the two layouts.
  auto storage = makeMemoryStorage();
  std::map<std::string, Record> model;
  for (std::size_t keyBytes : {1u, 255u, 256u, 300u}) {
    for (std::size_t valueBytes : {0u, 255u, 256u, 4000u}) {
      std::string key(keyBytes, 'k');
      key[0] = static_cast<char>('a' + model.size() % 26);
      key += std::to_string(valueBytes);
      const Record record = valueRecord(100, std::string(valueBytes, 'v'), 3, 7);
      ASSERT_EQ(applyOk(*storage, key, record), ApplyOutcome::kApplied);
      model[key] = record;
    }
  }
  // Replace every record with one whose value sits on the other side of the boundary.
  for (auto& [key, record] : model) {
    const Record newer = valueRecord(200, std::string(record.value.size() < 256 ? 300 : 10, 'w'), 1);
    ASSERT_EQ(applyOk(*storage, key, newer), ApplyOutcome::kApplied);
    record = newer;
  }
  for (const auto& [key, record] : model) EXPECT_EQ(storage->get(key), record) << key.size() << "-byte key";
  std::size_t visited = 0;
  storage->scan(TokenRange{0, 0}, [&](Token token, std::string_view key, const Record& record) {
    EXPECT_EQ(token, tokenForKey(key));
    auto it = model.find(std::string(key));
    EXPECT_TRUE(it != model.end() && it->second == record) << key.size() << "-byte key";
    ++visited;
    return true;
  });
  EXPECT_EQ(visited, model.size());
  EXPECT_EQ(storage->stats().records, model.size());
}

TEST(StorageTest, NewerLogicalCounterOrNodeIdReplacesAtTheSamePhysicalTime) {
  auto storage = makeMemoryStorage();
  applyOk(*storage, "k", valueRecord(100, "a", /*node=*/5, /*logical=*/1));

  const Record higherLogical = valueRecord(100, "b", /*node=*/0, /*logical=*/2);
  EXPECT_EQ(applyOk(*storage, "k", higherLogical), ApplyOutcome::kApplied);
  EXPECT_EQ(storage->get("k"), higherLogical);

  const Record higherNode = valueRecord(100, "c", /*node=*/1, /*logical=*/2);
  EXPECT_EQ(applyOk(*storage, "k", higherNode), ApplyOutcome::kApplied);
  EXPECT_EQ(storage->get("k"), higherNode);
}

TEST(StorageTest, OlderVersionIsSupersededAndLeavesRecord) {
  auto storage = makeMemoryStorage();
  const Record stored = valueRecord(200, "current");
  applyOk(*storage, "k", stored);
  const StorageStats before = storage->stats();

  EXPECT_EQ(applyOk(*storage, "k", valueRecord(100, "stale and much longer")), ApplyOutcome::kSuperseded);
  EXPECT_EQ(applyOk(*storage, "k", tombstoneRecord(199)), ApplyOutcome::kSuperseded);

  EXPECT_EQ(storage->get("k"), stored);
  const StorageStats after = storage->stats();
  EXPECT_EQ(after.records, before.records);
  EXPECT_EQ(after.tombstones, before.tombstones);
  EXPECT_EQ(after.bytes, before.bytes);
}

TEST(StorageTest, EqualVersionIsSupersededEvenWithADifferentValue) {
  auto storage = makeMemoryStorage();
  const Record stored = valueRecord(200, "first", /*node=*/3, /*logical=*/7);
  applyOk(*storage, "k", stored);
  const StorageStats before = storage->stats();

  EXPECT_EQ(applyOk(*storage, "k", valueRecord(200, "second, longer", /*node=*/3, /*logical=*/7)),
            ApplyOutcome::kSuperseded);
  EXPECT_EQ(applyOk(*storage, "k", stored), ApplyOutcome::kSuperseded);

  EXPECT_EQ(storage->get("k"), stored);
  EXPECT_EQ(storage->stats().bytes, before.bytes);
}

TEST(StorageTest, SiblingSetsAndCountersAreStoredWholeAndKeysWithSiblingsAreCounted) {
  auto storage = makeMemoryStorage();
  SiblingSet a;
  a.write(0, {}, "from-n1", false, Version{1, 0, 0});
  SiblingSet b;
  b.write(1, {}, std::string(300, 'b'), false, Version{2, 0, 1});  // past the one-byte lengths of compact records
  EXPECT_EQ(*storage->apply("k", Record::fromSiblings(a)), ApplyOutcome::kApplied);
  EXPECT_EQ(storage->stats().siblingKeys, 0u) << "one sibling is nothing to resolve";
  EXPECT_EQ(*storage->apply("k", Record::fromSiblings(b)), ApplyOutcome::kApplied);
  EXPECT_EQ(storage->stats().siblingKeys, 1u);
  const auto both = storage->get("k");
  ASSERT_TRUE(both);
  EXPECT_EQ(both->siblings, SiblingSet::merge(a, b));
  EXPECT_EQ(both->value, std::string(300, 'b')) << "GET's single answer: the newest sibling";
  std::size_t scanned = 0;
  storage->scan(TokenRange{0, 0}, [&](Token, std::string_view key, const Record& r) {
    if (key == "k") {
      EXPECT_EQ(r.siblings.siblings().size(), 2u);
    }
    ++scanned;
    return true;
  });
  EXPECT_EQ(scanned, 1u);
  // A write that read both resolves them.
  SiblingSet resolved = SiblingSet::merge(a, b);
  resolved.write(0, resolved.context(), "merged", false, Version{3, 0, 0});
  EXPECT_EQ(*storage->apply("k", Record::fromSiblings(resolved)), ApplyOutcome::kApplied);
  EXPECT_EQ(storage->stats().siblingKeys, 0u);
  EXPECT_EQ(storage->get("k")->value, "merged");
  // Counters merge by per-node maximum.
  PnCounter up;
  up.add(0, 5);
  PnCounter other;
  other.add(1, 2);
  EXPECT_EQ(*storage->apply("c", Record::fromCounter(up, Version{4, 0, 0})), ApplyOutcome::kApplied);
  EXPECT_EQ(*storage->apply("c", Record::fromCounter(other, Version{5, 0, 1})), ApplyOutcome::kApplied);
  EXPECT_EQ(storage->get("c")->counter.value(), 7);
  EXPECT_EQ(storage->stats().records, 2u);
}

// Tombstone collection drops register tombstones older than the cutoff and nothing else: not newer tombstones, not
// live values however old, not sibling sets (whose causal context must stay). Afterwards the key reads as never
// written, so an old value for it is taken again: the resurrection a grace period must prevent.
TEST(StorageTest, PurgingDropsOnlyTombstonesOlderThanTheCutoff) {
  auto storage = makeMemoryStorage();
  SiblingSet deleted;
  deleted.write(0, {}, "", true, Version{10, 0, 0});
  applyOk(*storage, "old-delete", tombstoneRecord(100));
  applyOk(*storage, "new-delete", tombstoneRecord(500));
  applyOk(*storage, "live", valueRecord(50, "still here"));
  applyOk(*storage, "siblings", Record::fromSiblings(deleted));
  const StorageStats before = storage->stats();
  EXPECT_EQ(before.tombstones, 3u) << "a sibling set of deletes counts as a tombstone";

  EXPECT_EQ(storage->purgeTombstones(200), 1u);
  EXPECT_FALSE(storage->get("old-delete").has_value());
  EXPECT_TRUE(storage->get("new-delete").has_value());
  EXPECT_EQ(storage->get("live")->value, "still here");
  EXPECT_TRUE(storage->get("siblings").has_value());
  const StorageStats after = storage->stats();
  EXPECT_EQ(after.records, before.records - 1);
  EXPECT_EQ(after.tombstones, 2u);
  EXPECT_EQ(after.bytes, before.bytes - std::string("old-delete").size() - tombstoneRecord(100).footprint());
  EXPECT_EQ(scanAll(*storage, TokenRange{0, 0}).size(), 3u);
  EXPECT_EQ(storage->purgeTombstones(200), 0u) << "nothing left to drop";

  EXPECT_EQ(applyOk(*storage, "old-delete", valueRecord(40, "back")), ApplyOutcome::kApplied);
  EXPECT_EQ(storage->get("old-delete")->value, "back");
}

// Point lookups go through a hash index beside the ordered tree: after thousands of inserts (the index grows many
// times), purges that empty slots in the middle of probe runs, replacements and re-inserts, every key is found with
// its latest value, purged keys are gone, and a scan still sees exactly the stored keys.
TEST(StorageTest, LookupsFindEveryKeyThroughGrowthPurgesAndReplacements) {
  auto storage = makeMemoryStorage();
  constexpr int kKeys = 6000;
  auto key = [](int i) { return "k" + std::to_string(i); };
  for (int i = 0; i < kKeys; ++i) {
    applyOk(*storage, key(i), i % 3 == 0 ? tombstoneRecord(100) : valueRecord(100, "v" + std::to_string(i)));
  }
  for (int i = 1; i < kKeys; i += 3) applyOk(*storage, key(i), valueRecord(200, "w" + std::to_string(i)));
  EXPECT_EQ(storage->purgeTombstones(150), static_cast<std::size_t>(kKeys / 3));
  std::set<std::string> expected;
  for (int i = 0; i < kKeys; ++i) {
    const auto found = storage->get(key(i));
    if (i % 3 == 0) {
      EXPECT_FALSE(found.has_value()) << key(i) << " was purged";
      continue;
    }
    expected.insert(key(i));
    ASSERT_TRUE(found.has_value()) << key(i);
    EXPECT_EQ(found->value, (i % 3 == 1 ? "w" : "v") + std::to_string(i)) << key(i);
  }
  std::set<std::string> scanned;
  for (const Visited& visited : scanAll(*storage, TokenRange{0, 0})) scanned.insert(visited.key);
  EXPECT_EQ(scanned, expected);
  for (int i = 0; i < kKeys; i += 3) applyOk(*storage, key(i), valueRecord(300, "back"));
  for (int i = 0; i < kKeys; i += 3) EXPECT_EQ(storage->get(key(i))->value, "back") << key(i);
  EXPECT_EQ(storage->stats().records, static_cast<std::uint64_t>(kKeys));
  storage->clear();
  EXPECT_FALSE(storage->get(key(1)).has_value());
  applyOk(*storage, key(1), valueRecord(1, "after clear"));
  EXPECT_EQ(storage->get(key(1))->value, "after clear");
}

TEST(StorageTest, TombstoneIsStoredAndCounted) {
  auto storage = makeMemoryStorage();
  const Record tombstone = tombstoneRecord(50);

  EXPECT_EQ(applyOk(*storage, "gone", tombstone), ApplyOutcome::kApplied);

  const auto got = storage->get("gone");
  ASSERT_TRUE(got.has_value());
  EXPECT_TRUE(got->tombstone);
  EXPECT_EQ(*got, tombstone);
  const StorageStats stats = storage->stats();
  EXPECT_EQ(stats.records, 1u);
  EXPECT_EQ(stats.tombstones, 1u);
  EXPECT_EQ(stats.bytes, std::string("gone").size() + tombstone.footprint());
}

TEST(StorageTest, StatsFollowValueToTombstoneToValue) {
  auto storage = makeMemoryStorage();
  applyOk(*storage, "other", valueRecord(1, "x"));
  const Record value = valueRecord(10, "twelve bytes");
  applyOk(*storage, "k", value);
  const std::size_t otherBytes = 5 + valueRecord(1, "x").footprint();

  const Record tombstone = tombstoneRecord(20);
  ASSERT_EQ(applyOk(*storage, "k", tombstone), ApplyOutcome::kApplied);
  StorageStats stats = storage->stats();
  EXPECT_EQ(stats.records, 2u);
  EXPECT_EQ(stats.tombstones, 1u);
  EXPECT_EQ(stats.bytes, otherBytes + 1 + tombstone.footprint());

  // A second, newer tombstone replaces the first without double counting.
  ASSERT_EQ(applyOk(*storage, "k", tombstoneRecord(25)), ApplyOutcome::kApplied);
  EXPECT_EQ(storage->stats().tombstones, 1u);

  const Record revived = valueRecord(30, "back");
  ASSERT_EQ(applyOk(*storage, "k", revived), ApplyOutcome::kApplied);
  stats = storage->stats();
  EXPECT_EQ(stats.records, 2u);
  EXPECT_EQ(stats.tombstones, 0u);
  EXPECT_EQ(stats.bytes, otherBytes + 1 + revived.footprint());
}

TEST(StorageTest, StatsMatchStoredRecordsThroughRandomApplies) {
  Rng rng(kSeed);
  auto storage = makeMemoryStorage();
  std::map<std::string, Record> model;
  for (int step = 0; step < 3000; ++step) {
    const std::string key = keyNumber(rng.below(150));
    Record record = rng.chance(0.25)
                        ? tombstoneRecord(static_cast<std::int64_t>(rng.below(1000)) + 1)
                        : valueRecord(static_cast<std::int64_t>(rng.below(1000)) + 1, std::string(rng.below(40), 'v'));
    record.version.node = static_cast<NodeId>(rng.below(3));

    auto it = model.find(key);
    const bool expectApplied = it == model.end() || record.version > it->second.version;
    ASSERT_EQ(applyOk(*storage, key, record), expectApplied ? ApplyOutcome::kApplied : ApplyOutcome::kSuperseded)
        << "seed " << kSeed << " step " << step;
    if (expectApplied) model[key] = record;

    StorageStats expected;
    for (const auto& [k, r] : model) {
      expected.records++;
      if (r.tombstone) expected.tombstones++;
      expected.bytes += k.size() + r.footprint();
    }
    const StorageStats actual = storage->stats();
    ASSERT_EQ(actual.records, expected.records) << "seed " << kSeed << " step " << step;
    ASSERT_EQ(actual.tombstones, expected.tombstones) << "seed " << kSeed << " step " << step;
    ASSERT_EQ(actual.bytes, expected.bytes) << "seed " << kSeed << " step " << step;
  }
  for (const auto& [key, record] : model) EXPECT_EQ(storage->get(key), record) << key;
}

TEST(StorageTest, ClearRemovesEveryRecordAndResetsStats) {
  auto storage = makeMemoryStorage();
  applyOk(*storage, "a", valueRecord(100, "1"));
  applyOk(*storage, "b", tombstoneRecord(100));

  storage->clear();

  EXPECT_EQ(storage->get("a"), std::nullopt);
  EXPECT_EQ(storage->get("b"), std::nullopt);
  const StorageStats stats = storage->stats();
  EXPECT_EQ(stats.records, 0u);
  EXPECT_EQ(stats.tombstones, 0u);
  EXPECT_EQ(stats.bytes, 0u);
  EXPECT_TRUE(scanAll(*storage, TokenRange{0, 0}).empty());
}

TEST(StorageTest, ApplyAfterClearAcceptsVersionsOlderThanTheWipedOnes) {
  auto storage = makeMemoryStorage();
  applyOk(*storage, "a", valueRecord(100, "new"));
  storage->clear();

  const Record older = valueRecord(1, "old");
  EXPECT_EQ(applyOk(*storage, "a", older), ApplyOutcome::kApplied);
  EXPECT_EQ(storage->get("a"), older);
  EXPECT_EQ(storage->stats().records, 1u);
  EXPECT_EQ(storage->stats().bytes, 1 + older.footprint());
}

TEST(StorageTest, EmptyKeyIsInvalidArgument) {
  auto storage = makeMemoryStorage();

  const auto result = storage->apply("", valueRecord(1, "v"));

  ASSERT_FALSE(result.isOk());
  EXPECT_EQ(result.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(storage->get(""), std::nullopt);
  EXPECT_EQ(storage->stats().records, 0u);
  EXPECT_EQ(storage->stats().bytes, 0u);
}

TEST(StorageTest, KeyOverLimitIsTooLargeAndNothingIsStored) {
  auto storage = makeMemoryStorage(StorageLimits{.maxKeyBytes = 8, .maxValueBytes = 16});
  const std::string longKey(9, 'k');

  const auto result = storage->apply(longKey, valueRecord(1, "v"));

  ASSERT_FALSE(result.isOk());
  EXPECT_EQ(result.status().code(), ErrorCode::kTooLarge);
  EXPECT_EQ(storage->get(longKey), std::nullopt);
  EXPECT_EQ(storage->stats().records, 0u);
  EXPECT_EQ(storage->stats().bytes, 0u);
}

TEST(StorageTest, KeyExactlyAtLimitIsAccepted) {
  auto storage = makeMemoryStorage(StorageLimits{.maxKeyBytes = 8, .maxValueBytes = 16});
  const std::string key(8, 'k');

  EXPECT_EQ(applyOk(*storage, key, valueRecord(1, "v")), ApplyOutcome::kApplied);
  EXPECT_TRUE(storage->get(key).has_value());
}

TEST(StorageTest, ValueOverLimitIsTooLargeAndNothingIsStored) {
  auto storage = makeMemoryStorage(StorageLimits{.maxKeyBytes = 8, .maxValueBytes = 16});

  const auto result = storage->apply("k", valueRecord(1, std::string(17, 'v')));

  ASSERT_FALSE(result.isOk());
  EXPECT_EQ(result.status().code(), ErrorCode::kTooLarge);
  EXPECT_EQ(storage->get("k"), std::nullopt);
  EXPECT_EQ(storage->stats().records, 0u);
  EXPECT_EQ(storage->stats().bytes, 0u);
}

TEST(StorageTest, ValueOverLimitDoesNotReplaceTheStoredRecord) {
  auto storage = makeMemoryStorage(StorageLimits{.maxKeyBytes = 8, .maxValueBytes = 16});
  const Record stored = valueRecord(1, "small");
  applyOk(*storage, "k", stored);
  const StorageStats before = storage->stats();

  const auto result = storage->apply("k", valueRecord(2, std::string(17, 'v')));

  ASSERT_FALSE(result.isOk());
  EXPECT_EQ(result.status().code(), ErrorCode::kTooLarge);
  EXPECT_EQ(storage->get("k"), stored);
  EXPECT_EQ(storage->stats().bytes, before.bytes);
}

TEST(StorageTest, ValueExactlyAtLimitIsAccepted) {
  auto storage = makeMemoryStorage(StorageLimits{.maxKeyBytes = 8, .maxValueBytes = 16});
  const Record record = valueRecord(1, std::string(16, 'v'));

  EXPECT_EQ(applyOk(*storage, "k", record), ApplyOutcome::kApplied);
  EXPECT_EQ(storage->get("k"), record);
}

TEST(StorageTest, DefaultLimitsAcceptA1MiBValueAndRefuseOneByteMore) {
  auto storage = makeMemoryStorage();
  EXPECT_EQ(storage->limits().maxKeyBytes, 64u << 10);
  EXPECT_EQ(storage->limits().maxValueBytes, 1u << 20);

  EXPECT_EQ(applyOk(*storage, "k", valueRecord(1, std::string(1u << 20, 'v'))), ApplyOutcome::kApplied);
  const auto result = storage->apply("k", valueRecord(2, std::string((1u << 20) + 1, 'v')));
  ASSERT_FALSE(result.isOk());
  EXPECT_EQ(result.status().code(), ErrorCode::kTooLarge);
  EXPECT_EQ(storage->get("k")->version.physicalMicros, 1);
}

TEST(StorageTest, LimitsReportsTheConfiguredLimits) {
  auto storage = makeMemoryStorage(StorageLimits{.maxKeyBytes = 3, .maxValueBytes = 5});
  EXPECT_EQ(storage->limits().maxKeyBytes, 3u);
  EXPECT_EQ(storage->limits().maxValueBytes, 5u);
}

TEST(StorageTest, GetReturnsNulloptForUnknownKey) {
  auto storage = makeMemoryStorage();
  EXPECT_EQ(storage->get("missing"), std::nullopt);
  EXPECT_EQ(storage->get(""), std::nullopt);

  applyOk(*storage, "present", valueRecord(1, "v"));
  EXPECT_EQ(storage->get("missing"), std::nullopt);
  EXPECT_EQ(storage->get("presen"), std::nullopt);
  EXPECT_EQ(storage->get("present!"), std::nullopt);
}

TEST(StorageTest, ScanOfEmptyStorageVisitsNothing) {
  auto storage = makeMemoryStorage();
  EXPECT_TRUE(scanAll(*storage, TokenRange{0, 0}).empty());
  EXPECT_TRUE(scanAll(*storage, TokenRange{kMaxToken, 5}).empty());
  EXPECT_TRUE(scanAll(*storage, TokenRange{5, kMaxToken}).empty());
}

// A storage holding `count` keys (a few of them tombstones) and the same content as a plain map.
struct Filled {
  std::unique_ptr<Storage> storage = makeMemoryStorage();
  std::map<std::string, Record> model;
  std::vector<Token> tokens;  // ascending
};

Filled fill(std::size_t count) {
  Filled filled;
  for (std::size_t i = 0; i < count; ++i) {
    const std::string key = keyNumber(i);
    const Record record = i % 7 == 3 ? tombstoneRecord(static_cast<std::int64_t>(i) + 1)
                                     : valueRecord(static_cast<std::int64_t>(i) + 1, "value-" + std::to_string(i));
    applyOk(*filled.storage, key, record);
    filled.model.emplace(key, record);
    filled.tokens.push_back(tokenForKey(key));
  }
  std::sort(filled.tokens.begin(), filled.tokens.end());
  return filled;
}

TEST(StorageTest, ScanMatchesBruteForceFilterOverRandomRanges) {
  const Filled filled = fill(3000);
  // Views into the model and the storage, so that thousands of scans stay cheap under the sanitizers.
  struct Entry {
    Token token;
    std::string_view key;
    const Record* record;
  };
  // The reference: all keys sorted by (token, key) once, filtered per range, then rotated so that a wrapping range
  // lists (start, max] before [0, end].
  std::vector<Entry> all;
  for (const auto& [key, record] : filled.model) all.push_back(Entry{tokenForKey(key), key, &record});
  std::sort(all.begin(), all.end(),
            [](const Entry& a, const Entry& b) { return a.token < b.token || (a.token == b.token && a.key < b.key); });

  Rng rng(kSeed);
  // Endpoints are random tokens, stored keys' tokens (to pin down which end is inclusive), their neighbours, and the
  // extremes of the token space.
  auto endpoint = [&]() -> Token {
    switch (rng.below(6)) {
      case 0: return filled.tokens[rng.below(filled.tokens.size())];
      case 1: return filled.tokens[rng.below(filled.tokens.size())] - 1;
      case 2: return filled.tokens[rng.below(filled.tokens.size())] + 1;
      case 3: return rng.chance(0.5) ? 0 : kMaxToken;
      default: return rng.next();
    }
  };
  std::vector<Entry> expected;
  std::vector<Entry> actual;
  for (int i = 0; i < 400; ++i) {
    TokenRange range{endpoint(), endpoint()};
    if (i % 10 == 0) range.end = range.start;  // whole ring
    SCOPED_TRACE(testing::Message() << "seed " << kSeed << " range (" << range.start << ", " << range.end << "]");

    expected.clear();
    std::copy_if(all.begin(), all.end(), std::back_inserter(expected),
                 [&](const Entry& e) { return inRange(range, e.token); });
    std::stable_partition(expected.begin(), expected.end(), [&](const Entry& e) { return e.token > range.start; });

    // The record a visit sees lives only for that visit: compare it there.
    actual.clear();
    std::size_t mismatched = expected.size();
    filled.storage->scan(range, [&](Token token, std::string_view key, const Record& record) {
      const std::size_t j = actual.size();
      if (mismatched == expected.size() && (j >= expected.size() || record != *expected[j].record)) mismatched = j;
      actual.push_back(Entry{token, key, nullptr});
      return true;
    });

    ASSERT_EQ(actual.size(), expected.size());
    for (std::size_t j = 0; j < actual.size(); ++j) {
      ASSERT_EQ(actual[j].token, expected[j].token) << "at position " << j;
      ASSERT_EQ(actual[j].key, expected[j].key) << "at position " << j;
    }
    ASSERT_EQ(mismatched, expected.size()) << "the record at position " << mismatched << " differs from the model";
  }
}

TEST(StorageTest, ScanVisitsRangeInTokenOrder) {
  const Filled filled = fill(500);
  const TokenRange range{filled.tokens[100], filled.tokens[400]};

  const auto visited = scanAll(*filled.storage, range);

  ASSERT_EQ(visited.size(), 300u);
  EXPECT_EQ(visited.front().token, filled.tokens[101]);  // start is exclusive
  EXPECT_EQ(visited.back().token, filled.tokens[400]);   // end is inclusive
  for (std::size_t i = 1; i < visited.size(); ++i) EXPECT_LT(visited[i - 1].token, visited[i].token);
  for (const auto& v : visited) {
    EXPECT_EQ(v.token, tokenForKey(v.key));
    EXPECT_EQ(v.record, filled.model.at(v.key));
  }
}

TEST(StorageTest, ScanIncludesTombstones) {
  auto storage = makeMemoryStorage();
  applyOk(*storage, "dead", tombstoneRecord(1));
  applyOk(*storage, "alive", valueRecord(1, "v"));

  const auto visited = scanAll(*storage, TokenRange{0, 0});

  ASSERT_EQ(visited.size(), 2u);
  const auto dead = std::find_if(visited.begin(), visited.end(), [](const Visited& v) { return v.key == "dead"; });
  ASSERT_NE(dead, visited.end());
  EXPECT_TRUE(dead->record.tombstone);
}

TEST(StorageTest, ScanOfWrappingRangeVisitsTopOfRingThenBottom) {
  const Filled filled = fill(500);
  const TokenRange range{filled.tokens[450], filled.tokens[30]};  // start > end

  const auto visited = scanAll(*filled.storage, range);

  std::vector<Token> expected(filled.tokens.begin() + 451, filled.tokens.end());
  expected.insert(expected.end(), filled.tokens.begin(), filled.tokens.begin() + 31);
  std::vector<Token> actual;
  for (const auto& v : visited) actual.push_back(v.token);
  EXPECT_EQ(actual, expected);
}

TEST(StorageTest, ScanOfWholeRingVisitsEveryKeyOnceStartingAfterStart) {
  const Filled filled = fill(500);
  const Token start = filled.tokens[200];

  const auto visited = scanAll(*filled.storage, TokenRange{start, start});

  ASSERT_EQ(visited.size(), 500u);
  EXPECT_EQ(visited.front().token, filled.tokens[201]);
  EXPECT_EQ(visited.back().token, start);  // the key at `start` itself comes last, as the inclusive end
  std::set<std::string> keys;
  for (const auto& v : visited) keys.insert(v.key);
  EXPECT_EQ(keys.size(), 500u);
}

TEST(StorageTest, ScanOfWholeRingAtTheExtremesVisitsEveryKeyInAscendingOrder) {
  const Filled filled = fill(300);
  for (const Token t : {Token{0}, kMaxToken}) {
    SCOPED_TRACE(testing::Message() << "range (" << t << ", " << t << "]");
    std::vector<Token> actual;
    for (const auto& v : scanAll(*filled.storage, TokenRange{t, t})) actual.push_back(v.token);
    EXPECT_EQ(actual, filled.tokens);
  }
}

TEST(StorageTest, ScanWithEndAtMaxTokenReachesTheTopOfTheRing) {
  const Filled filled = fill(500);
  const Token start = filled.tokens[480];

  std::vector<Token> actual;
  for (const auto& v : scanAll(*filled.storage, TokenRange{start, kMaxToken})) actual.push_back(v.token);

  EXPECT_EQ(actual, std::vector<Token>(filled.tokens.begin() + 481, filled.tokens.end()));
}

TEST(StorageTest, ScanWithStartAtMaxTokenCoversTheBottomOfTheRing) {
  const Filled filled = fill(500);
  const Token end = filled.tokens[20];

  std::vector<Token> actual;
  for (const auto& v : scanAll(*filled.storage, TokenRange{kMaxToken, end})) actual.push_back(v.token);

  EXPECT_EQ(actual, std::vector<Token>(filled.tokens.begin(), filled.tokens.begin() + 21));
}

TEST(StorageTest, ScanStopsWhenVisitorReturnsFalse) {
  const Filled filled = fill(500);
  const TokenRange range{filled.tokens[10], filled.tokens[400]};

  std::vector<Token> visited;
  filled.storage->scan(range, [&](Token token, std::string_view, const Record&) {
    visited.push_back(token);
    return visited.size() < 5;
  });

  EXPECT_EQ(visited, std::vector<Token>(filled.tokens.begin() + 11, filled.tokens.begin() + 16));
}

TEST(StorageTest, ScanOfWrappingRangeStoppedAtTheTopDoesNotContinueAtTheBottom) {
  const Filled filled = fill(500);
  const TokenRange range{filled.tokens[495], filled.tokens[50]};

  // Stops on the last key of the top span (tokens[499]): nothing from [0, end] may follow.
  std::vector<Token> visited;
  filled.storage->scan(range, [&](Token token, std::string_view, const Record&) {
    visited.push_back(token);
    return token != filled.tokens.back();
  });

  EXPECT_EQ(visited, std::vector<Token>(filled.tokens.begin() + 496, filled.tokens.end()));
}

TEST(StorageTest, ScanOfWrappingRangeStopsInsideTheBottomSpan) {
  const Filled filled = fill(500);
  const TokenRange range{filled.tokens[495], filled.tokens[50]};

  std::vector<Token> visited;
  filled.storage->scan(range, [&](Token token, std::string_view, const Record&) {
    visited.push_back(token);
    return visited.size() < 10;
  });

  std::vector<Token> expected(filled.tokens.begin() + 496, filled.tokens.end());
  expected.insert(expected.end(), filled.tokens.begin(), filled.tokens.begin() + 6);
  EXPECT_EQ(visited, expected);
}

}  // namespace
}  // namespace ringlab
