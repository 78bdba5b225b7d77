// RocksDB storage: the Storage contract (supersede by version, tombstones, token-ordered scans, limits) and
// recovery of what was written after the database is closed and opened again.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <latch>
#include <memory>
#include <thread>

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <boost/asio/io_context.hpp>

#include <ringlab/engine/hash.h>
#include <ringlab/net/rocksdb_storage.h>

#include "harness.h"

namespace ringlab::net {
namespace {

Record record(std::int64_t micros, std::string value, bool tombstone = false) {
  return Record{Version{micros, 0, 1}, std::move(value), tombstone};
}

TEST(RocksDbStorageTest, AppliesOnlyNewerVersionsAndKeepsTombstones) {
  testing::TempDir dir("ringlab-rocks");
  boost::asio::io_context io;
  auto storage = RocksDbStorage::open(io, dir.sub("db"), SyncPolicy::kAlways);
  ASSERT_TRUE(storage.isOk()) << storage.status().toString();
  Storage& s = **storage;
  EXPECT_EQ(*s.apply("k", record(10, "a")), ApplyOutcome::kApplied);
  EXPECT_EQ(*s.apply("k", record(5, "old")), ApplyOutcome::kSuperseded);
  EXPECT_EQ(s.get("k")->value, "a");
  EXPECT_EQ(*s.apply("k", record(20, "", true)), ApplyOutcome::kApplied);
  EXPECT_TRUE(s.get("k")->tombstone);
  EXPECT_FALSE(s.get("missing"));
  EXPECT_EQ(s.stats().records, 1u);
  EXPECT_EQ(s.stats().tombstones, 1u);
  EXPECT_EQ(s.apply("", record(1, "x")).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.apply(std::string(s.limits().maxKeyBytes + 1, 'k'), record(1, "x")).status().code(),
            ErrorCode::kTooLarge);
}

TEST(RocksDbStorageTest, ScansTokenRangesInTokenOrder) {
  testing::TempDir dir("ringlab-rocks");
  boost::asio::io_context io;
  auto storage = RocksDbStorage::open(io, dir.sub("db"), SyncPolicy::kNo);
  ASSERT_TRUE(storage.isOk());
  Storage& s = **storage;
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(s.apply("key" + std::to_string(i), record(1, "v")).isOk());
  std::vector<Token> seen;
  s.scan(TokenRange{0, 0}, [&](Token t, std::string_view key, const Record&) {
    EXPECT_EQ(t, tokenForKey(key));
    seen.push_back(t);
    return true;
  });
  ASSERT_EQ(seen.size(), 200u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  // A wrapping range (start, end] with start > end covers both ends of the token space.
  const TokenRange wrap{seen[150], seen[49]};
  std::size_t inWrap = 0;
  s.scan(wrap, [&](Token t, std::string_view, const Record&) {
    EXPECT_TRUE(wrap.contains(t));
    ++inWrap;
    return true;
  });
  EXPECT_EQ(inWrap, 49u + 50u);
}

TEST(RocksDbStorageTest, ReopeningRecoversEveryWrite) {
  testing::TempDir dir("ringlab-rocks");
  boost::asio::io_context io;
  {
    auto storage = RocksDbStorage::open(io, dir.sub("db"), SyncPolicy::kEverySec);
    ASSERT_TRUE(storage.isOk());
    for (int i = 0; i < 100; ++i) ASSERT_TRUE((*storage)->apply("k" + std::to_string(i), record(i + 1, "v")).isOk());
  }
  auto storage = RocksDbStorage::open(io, dir.sub("db"), SyncPolicy::kEverySec);
  ASSERT_TRUE(storage.isOk());
  EXPECT_EQ((*storage)->stats().records, 100u);
  EXPECT_EQ((*storage)->get("k42")->version.physicalMicros, 43);
}

TEST(RocksDbStorageTest, AnUnusableDirectoryIsAnErrorNamingIt) {
  testing::TempDir dir("ringlab-rocks");
  boost::asio::io_context io;
  testing::shell("touch " + dir.sub("file"));
  auto storage = RocksDbStorage::open(io, dir.sub("file") + "/db", SyncPolicy::kAlways);
  ASSERT_FALSE(storage.isOk());
  EXPECT_NE(storage.status().message().find(dir.sub("file") + "/db"), std::string::npos) << storage.status().message();
}

}  // namespace
}  // namespace ringlab::net

namespace ringlab::net {
namespace {

TEST(RocksDbStorageTest, RecordsWrittenBeforeSiblingsAndCountersExistedReadUnchanged) {
  testing::TempDir dir("ringlab-rocks");
  {
    // The layout every build wrote before format version 2: big-endian token + key -> i64 physical, u32 logical,
    // u32 node, u8 tombstone, value.
    rocksdb::Options options;
    options.create_if_missing = true;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(options, dir.sub("db"), &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    const Token token = tokenForKey("old");
    std::string key(8, '\0');
    for (int i = 0; i < 8; ++i) key[i] = static_cast<char>(token >> (56 - 8 * i));
    key += "old";
    std::string value = {'\x10', '\x27', 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 0};  // 10000.3@n3, live
    value += "kept";
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), key, value).ok());
  }
  boost::asio::io_context io;
  auto storage = RocksDbStorage::open(io, dir.sub("db"), SyncPolicy::kAlways);
  ASSERT_TRUE(storage.isOk()) << storage.status().toString();
  const auto old = (*storage)->get("old");
  ASSERT_TRUE(old);
  EXPECT_EQ(old->kind, RecordKind::kRegister);
  EXPECT_EQ(old->version, (Version{10000, 3, 2}));
  EXPECT_EQ(old->value, "kept");
  EXPECT_FALSE(old->tombstone);
}

// The purge runs on the writer thread, ordered with writes: tombstones older than the cutoff go, the rest stays, the
// counts follow, and a reopened database agrees with them.
TEST(RocksDbStorageTest, PurgingDropsOldTombstonesAndTheCountsFollow) {
  testing::TempDir dir("ringlab-rocks");
  StorageStats after;
  {
    boost::asio::io_context io;
    auto storage = RocksDbStorage::open(io, dir.sub("db"), SyncPolicy::kAlways);
    ASSERT_TRUE(storage.isOk()) << storage.status().toString();
    Storage& s = **storage;
    for (int i = 0; i < 100; ++i) {
      ASSERT_TRUE(s.apply("d" + std::to_string(i), record(100 + i, "", true)).isOk());
      ASSERT_TRUE(s.apply("v" + std::to_string(i), record(100 + i, "value")).isOk());
    }
    EXPECT_EQ(s.stats().tombstones, 100u);
    EXPECT_EQ(s.purgeTombstones(150), 50u);
    EXPECT_FALSE(s.get("d0"));
    EXPECT_TRUE(s.get("d50"));
    EXPECT_EQ(s.get("v0")->value, "value");
    after = s.stats();
    EXPECT_EQ(after.records, 150u);
    EXPECT_EQ(after.tombstones, 50u);
    EXPECT_EQ(s.purgeTombstones(150), 0u);
  }
  boost::asio::io_context io;
  auto storage = RocksDbStorage::open(io, dir.sub("db"), SyncPolicy::kAlways);
  ASSERT_TRUE(storage.isOk()) << storage.status().toString();
  EXPECT_FALSE((*storage)->get("d0"));
  EXPECT_EQ((*storage)->stats().records, after.records);
  EXPECT_EQ((*storage)->stats().tombstones, after.tombstones);
  EXPECT_EQ((*storage)->stats().bytes, after.bytes);
}

// The writer remembers recent versions instead of reading them (VersionCache): what it remembers must follow every
// change to the database, or an older write would be refused against a record that is gone.
TEST(RocksDbStorageTest, WritesDecideAgainstWhatIsStoredAfterPurgesAndClears) {
  testing::TempDir dir("ringlab-rocks");
  boost::asio::io_context io;
  auto storage = RocksDbStorage::open(io, dir.sub("db"), SyncPolicy::kNo);
  ASSERT_TRUE(storage.isOk()) << storage.status().toString();
  Storage& s = **storage;
  ASSERT_EQ(*s.apply("gone", record(10, "a")), ApplyOutcome::kApplied);
  ASSERT_EQ(*s.apply("gone", record(20, "", true)), ApplyOutcome::kApplied);
  EXPECT_EQ(*s.apply("gone", record(15, "older")), ApplyOutcome::kSuperseded);
  ASSERT_EQ(s.purgeTombstones(30), 1u);
  EXPECT_EQ(*s.apply("gone", record(15, "back")), ApplyOutcome::kApplied);
  EXPECT_EQ(s.get("gone")->value, "back");

  // Written twice, so that the writer remembers the version (it learns a key when it is overwritten).
  ASSERT_EQ(*s.apply("cleared", record(40, "w")), ApplyOutcome::kApplied);
  ASSERT_EQ(*s.apply("cleared", record(50, "x")), ApplyOutcome::kApplied);
  s.clear();
  EXPECT_EQ(s.stats().records, 0u);
  EXPECT_FALSE(s.get("cleared"));
  EXPECT_EQ(*s.apply("cleared", record(5, "y")), ApplyOutcome::kApplied);
  EXPECT_EQ(s.get("cleared")->value, "y");

  // A counter over a remembered register merges with the stored record, and a register after it is decided against
  // the counter, not against the register remembered before.
  ASSERT_EQ(*s.apply("mixed", record(5, "first")), ApplyOutcome::kApplied);
  ASSERT_EQ(*s.apply("mixed", record(10, "reg")), ApplyOutcome::kApplied);
  PnCounter counter;
  counter.add(1, 3);
  ASSERT_EQ(*s.apply("mixed", Record::fromCounter(counter, Version{40, 0, 1})), ApplyOutcome::kApplied);
  EXPECT_EQ(s.get("mixed")->kind, RecordKind::kCounter);
  EXPECT_EQ(*s.apply("mixed", record(30, "older than the counter")), ApplyOutcome::kSuperseded);
  EXPECT_EQ(s.get("mixed")->value, "3");
}

// Overwrites decided from remembered versions keep the counts exact: after many writers race on a few keys, each key
// holds its newest write and the counts equal a fresh count of the reopened database.
TEST(RocksDbStorageTest, RacingOverwritesKeepTheNewestAndExactCounts) {
  testing::TempDir dir("ringlab-rocks");
  constexpr int kKeys = 8, kThreads = 4, kWrites = 400;
  StorageStats before;
  {
    boost::asio::io_context io;
    auto storage = RocksDbStorage::open(io, dir.sub("db"), SyncPolicy::kNo);
    ASSERT_TRUE(storage.isOk()) << storage.status().toString();
    Storage& s = **storage;
    std::vector<std::thread> writers;
    for (int t = 0; t < kThreads; ++t) {
      writers.emplace_back([&s, t] {
        for (int w = 0; w < kWrites; ++w) {
          // Distinct versions; every third write of a key is a tombstone; values of varying length.
          const std::int64_t micros = 1 + w * kThreads + t;
          const bool tombstone = micros % 3 == 0;
          const std::string value = tombstone ? "" : std::string(1 + micros % 17, 'v');
          ASSERT_TRUE(s.apply("key" + std::to_string(w % kKeys), record(micros, value, tombstone)).isOk());
        }
      });
    }
    for (auto& w : writers) w.join();
    for (int k = 0; k < kKeys; ++k) {
      // The newest write to key k: the last round w with w % kKeys == k, by the last thread.
      const int lastRound = kWrites - kKeys + k;
      const std::int64_t newest = 1 + lastRound * kThreads + (kThreads - 1);
      auto stored = s.get("key" + std::to_string(k));
      ASSERT_TRUE(stored);
      EXPECT_EQ(stored->version.physicalMicros, newest) << "key" << k;
      EXPECT_EQ(stored->tombstone, newest % 3 == 0) << "key" << k;
    }
    before = s.stats();
    EXPECT_EQ(before.records, static_cast<std::size_t>(kKeys));
  }
  boost::asio::io_context io;
  auto storage = RocksDbStorage::open(io, dir.sub("db"), SyncPolicy::kNo);
  ASSERT_TRUE(storage.isOk()) << storage.status().toString();
  EXPECT_EQ((*storage)->stats().records, before.records);
  EXPECT_EQ((*storage)->stats().tombstones, before.tombstones);
  EXPECT_EQ((*storage)->stats().bytes, before.bytes);
}

// Reads are served from a cache of records read before; a read still sees every write, purge and clear that came
// after the record was cached.
TEST(RocksDbStorageTest, ReadsOfAKeyReadBeforeSeeEveryLaterChange) {
  testing::TempDir dir("ringlab-rocks");
  boost::asio::io_context io;
  auto storage = RocksDbStorage::open(io, dir.sub("db"), SyncPolicy::kNo);
  ASSERT_TRUE(storage.isOk()) << storage.status().toString();
  Storage& s = **storage;
  ASSERT_EQ(*s.apply("k", record(10, "a")), ApplyOutcome::kApplied);
  ASSERT_EQ(s.get("k")->value, "a");
  ASSERT_EQ(s.get("k")->value, "a");  // twice: the second from the cache
  ASSERT_EQ(*s.apply("k", record(20, "b")), ApplyOutcome::kApplied);
  EXPECT_EQ(s.get("k")->value, "b");
  EXPECT_EQ(*s.apply("k", record(15, "older")), ApplyOutcome::kSuperseded);
  EXPECT_EQ(s.get("k")->value, "b");
  EXPECT_EQ(s.get("k")->version.physicalMicros, 20);
  ASSERT_EQ(*s.apply("k", record(30, "", true)), ApplyOutcome::kApplied);
  EXPECT_TRUE(s.get("k")->tombstone);
  EXPECT_TRUE(s.get("k")->tombstone);
  ASSERT_EQ(s.purgeTombstones(40), 1u);
  EXPECT_FALSE(s.get("k"));
  ASSERT_EQ(*s.apply("k", record(5, "after the purge")), ApplyOutcome::kApplied);
  EXPECT_EQ(s.get("k")->value, "after the purge");
  s.clear();
  EXPECT_FALSE(s.get("k"));

  // A counter written over a cached register reads as the counter.
  ASSERT_EQ(*s.apply("c", record(5, "register")), ApplyOutcome::kApplied);
  ASSERT_EQ(s.get("c")->value, "register");
  PnCounter counter;
  counter.add(1, 7);
  ASSERT_EQ(*s.apply("c", Record::fromCounter(counter, Version{9, 0, 1})), ApplyOutcome::kApplied);
  EXPECT_EQ(s.get("c")->kind, RecordKind::kCounter);
  EXPECT_EQ(s.get("c")->value, "7");

  // Many keys, read twice each, keep their own values (the cache's entries do not mix keys up), and a value
  // too large for the cache reads back whole.
  for (int i = 0; i < 2000; ++i) ASSERT_TRUE(s.apply("m" + std::to_string(i), record(1, std::to_string(i))).isOk());
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 2000; ++i) ASSERT_EQ(s.get("m" + std::to_string(i))->value, std::to_string(i)) << i;
  }
  const std::string large(100000, 'L');
  ASSERT_TRUE(s.apply("large", record(1, large)).isOk());
  EXPECT_EQ(s.get("large")->value, large);
  EXPECT_EQ(s.get("large")->value, large);
}

// A key the database does not hold is remembered as missing, so that reading it again reads nothing from RocksDB,
// until a write stores it; a purge that removes it makes it missing again.
TEST(RocksDbStorageTest, AMissingKeyReadsFromTheCacheUntilItIsWritten) {
  testing::TempDir dir("ringlab-rocks");
  boost::asio::io_context io;
  auto storage = RocksDbStorage::open(io, dir.sub("db"), SyncPolicy::kNo);
  ASSERT_TRUE(storage.isOk()) << storage.status().toString();
  RocksDbStorage& rocks = **storage;
  Storage& s = rocks;
  EXPECT_FALSE(s.get("k"));
  const RocksDbStorage::ReadCounts first = rocks.readCounts();
  EXPECT_FALSE(s.get("k"));
  EXPECT_EQ(rocks.readCounts().cacheHits, first.cacheHits + 1);
  EXPECT_EQ(rocks.readCounts().cacheMisses, first.cacheMisses);

  ASSERT_EQ(*s.apply("k", record(10, "stored")), ApplyOutcome::kApplied);
  EXPECT_EQ(s.get("k")->value, "stored");
  ASSERT_EQ(*s.apply("k", record(20, "", true)), ApplyOutcome::kApplied);
  EXPECT_TRUE(s.get("k")->tombstone);
  ASSERT_EQ(s.purgeTombstones(30), 1u);
  EXPECT_FALSE(s.get("k"));
  const RocksDbStorage::ReadCounts purged = rocks.readCounts();
  EXPECT_FALSE(s.get("k"));
  EXPECT_EQ(rocks.readCounts().cacheHits, purged.cacheHits + 1);
  ASSERT_EQ(*s.apply("k", record(5, "back")), ApplyOutcome::kApplied);
  EXPECT_EQ(s.get("k")->value, "back");

  // Many missing keys, then every other one written: each reads as what it is.
  for (int i = 0; i < 1000; ++i) ASSERT_FALSE(s.get("m" + std::to_string(i))) << i;
  for (int i = 0; i < 1000; i += 2) ASSERT_TRUE(s.apply("m" + std::to_string(i), record(1, std::to_string(i))).isOk());
  for (int i = 0; i < 1000; ++i) {
    auto stored = s.get("m" + std::to_string(i));
    if (i % 2 == 0) {
      ASSERT_TRUE(stored) << i;
      EXPECT_EQ(stored->value, std::to_string(i));
    } else {
      EXPECT_FALSE(stored) << i;
    }
  }
  s.clear();
  EXPECT_FALSE(s.get("m0"));
}

// Readers racing a writer on one key never see its version go back, nor a key that was stored go missing, and once
// the writes are done every reader sees the newest.
TEST(RocksDbStorageTest, ReadsRacingWritesNeverGoBackInTime) {
  testing::TempDir dir("ringlab-rocks");
  boost::asio::io_context io;
  auto storage = RocksDbStorage::open(io, dir.sub("db"), SyncPolicy::kNo);
  ASSERT_TRUE(storage.isOk()) << storage.status().toString();
  Storage& s = **storage;
  constexpr int kWrites = 1500;
  std::atomic<bool> done{false};
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&] {
      std::int64_t seen = 0;
      bool warmSeen = false;  // read as stored once: never missing again (neither key is ever purged whole)
      while (!done.load()) {
        for (const char* key : {"hot", "warm"}) {
          auto stored = s.get(key);
          const bool hot = std::string_view(key) == "hot";
          if (!stored) {
            EXPECT_FALSE(hot ? seen > 0 : warmSeen) << key << " went missing after it was read";
            continue;
          }
          if (!hot) {
            warmSeen = true;
            continue;
          }
          EXPECT_GE(stored->version.physicalMicros, seen);
          seen = stored->version.physicalMicros;
        }
      }
    });
  }
  for (int w = 1; w <= kWrites; ++w) {
    // EXPECT, not ASSERT: the readers must be joined whatever happens.
    EXPECT_TRUE(s.apply("hot", record(w, std::string(1 + w % 9, 'v'), w % 5 == 0)).isOk());
    if (w % 3 == 0) {
      EXPECT_TRUE(s.apply("warm", record(w, "w")).isOk());
    }
    if (w % 500 == 0) s.purgeTombstones(w - 100);  // tombstones of "hot" only ever older than its newest write
  }
  done = true;
  for (auto& reader : readers) reader.join();
  auto stored = s.get("hot");
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->version.physicalMicros, kWrites);
  stored = s.get("warm");
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->version.physicalMicros, kWrites);
}

// Readers keep reading the keys a writer is about to create, so that reads which found a key missing race the writes
// that store it: a reader that saw a key stored never sees it missing afterwards, and every key reads as stored once
// the writes are done (a missing key remembered after its write was queued would stay missing).
TEST(RocksDbStorageTest, ReadsRacingFirstWritesNeverRememberAStoredKeyAsMissing) {
  testing::TempDir dir("ringlab-rocks");
  boost::asio::io_context io;
  auto storage = RocksDbStorage::open(io, dir.sub("db"), SyncPolicy::kNo);
  ASSERT_TRUE(storage.isOk()) << storage.status().toString();
  Storage& s = **storage;
  constexpr int kKeys = 2000;
  std::atomic<int> written{0};  // keys 0 .. written-1 are stored
  std::atomic<bool> done{false};
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&] {
      std::vector<char> seen(kKeys, 0);
      while (!done.load()) {
        const int next = written.load();
        // The key being written and the few after it, and one already stored.
        for (int k = std::max(0, next - 1); k < std::min(kKeys, next + 3); ++k) {
          const int doneBefore = written.load();  // keys stored before this read began
          const bool stored = s.get("k" + std::to_string(k)).has_value();
          EXPECT_TRUE(stored || !seen[k]) << "k" << k << " went missing after it was read";
          EXPECT_TRUE(stored || k >= doneBefore) << "k" << k << " read as missing after its write was done";
          if (stored) seen[k] = 1;
        }
      }
    });
  }
  for (int k = 0; k < kKeys; ++k) {
    EXPECT_TRUE(s.apply("k" + std::to_string(k), record(1, "v")).isOk());
    written.store(k + 1);
  }
  done = true;
  for (auto& reader : readers) reader.join();
  for (int k = 0; k < kKeys; ++k) EXPECT_TRUE(s.get("k" + std::to_string(k))) << k;
}

// Writes to one key from several threads at once finish in any order; whichever finishes last, a read afterwards
// sees the newest (the cache learns a write's record only if no later write to the key was queued).
TEST(RocksDbStorageTest, ConcurrentWritesToOneKeyReadBackTheNewest) {
  testing::TempDir dir("ringlab-rocks");
  boost::asio::io_context io;
  auto storage = RocksDbStorage::open(io, dir.sub("db"), SyncPolicy::kNo);
  ASSERT_TRUE(storage.isOk()) << storage.status().toString();
  Storage& s = **storage;
  constexpr int kThreads = 4, kRounds = 300;
  ASSERT_TRUE(s.apply("one", record(1, "first")).isOk());
  for (int round = 1; round <= kRounds; ++round) {
    std::latch start(kThreads);
    std::vector<std::thread> writers;
    for (int t = 0; t < kThreads; ++t) {
      writers.emplace_back([&, t] {
        start.arrive_and_wait();
        ASSERT_TRUE(s.apply("one", record(round * 10 + t, "v" + std::to_string(t))).isOk());
      });
    }
    for (auto& w : writers) w.join();
    auto stored = s.get("one");
    ASSERT_TRUE(stored);
    ASSERT_EQ(stored->version.physicalMicros, round * 10 + kThreads - 1) << "round " << round;
  }
}

TEST(RocksDbStorageTest, APurgeOfManyTombstonesGoesInChunksMissesNoneAndLetsWritesThrough) {
  testing::TempDir dir("ringlab-rocks");
  boost::asio::io_context io;
  auto storage = RocksDbStorage::open(io, dir.sub("db"), SyncPolicy::kNo);
  ASSERT_TRUE(storage.isOk()) << storage.status().toString();
  Storage& s = **storage;
  // More records than several chunks of the writer's turn, old tombstones spread among newer ones and values.
  constexpr int kKeys = 12000;
  int old = 0;
  for (int i = 0; i < kKeys; ++i) {
    const bool tombstone = i % 3 != 0;
    const bool isOld = tombstone && i % 2 == 0;
    old += isOld ? 1 : 0;
    ASSERT_TRUE(s.apply("k" + std::to_string(i), record(isOld ? 100 : 1000, tombstone ? "" : "v", tombstone)).isOk());
  }
  // A write from another thread while the purge runs is applied (between two chunks, or before or after the purge).
  std::thread writer([&] { EXPECT_TRUE(s.apply("late", record(50, "", true)).isOk()); });
  const std::size_t purged = s.purgeTombstones(500);
  writer.join();
  EXPECT_GE(purged, static_cast<std::size_t>(old));
  EXPECT_LE(purged, static_cast<std::size_t>(old) + 1);  // "late" is old too, if the sweep came by after it
  EXPECT_EQ(s.stats().records, static_cast<std::uint64_t>(kKeys + 1 - purged));
  for (int i = 0; i < kKeys; ++i) {
    const bool tombstone = i % 3 != 0;
    EXPECT_EQ(s.get("k" + std::to_string(i)).has_value(), !(tombstone && i % 2 == 0)) << i;
  }
  const bool lateKept = s.get("late").has_value();  // written after the sweep passed its key
  EXPECT_EQ(s.purgeTombstones(500), lateKept ? 1u : 0u);
  EXPECT_EQ(s.stats().tombstones, static_cast<std::uint64_t>(kKeys - kKeys / 3 - old));
}

// A table file of level 1 or below holds up to 64 MiB of small records, and its filter 1-2.5 MiB. Such a filter must
// stay in the block cache once a read has released it: a cache split into shards smaller than the block (RocksDB's
// default for 64 MiB is 1 MiB shards) drops it then, and every read that consults the file reads the whole filter
// from the file again (GETs over a large data set were 40 times slower).
TEST(RocksDbStorageTest, TheBlockCacheKeepsAFilterAsLargeAsALevelOneTablesOnceReleased) {
  const std::shared_ptr<rocksdb::Cache> cache = newRocksDbBlockCache();
  constexpr std::size_t kFilterBytes = 5u << 19;  // 2.5 MiB
  constexpr std::size_t kDataBlocks = 256;        // 1 MiB of data blocks read after it
  constexpr std::size_t kDataBlockBytes = 4096;
  auto deleter = [](const rocksdb::Slice&, void* value) { delete[] static_cast<char*>(value); };
  rocksdb::Cache::Handle* handle = nullptr;
  ASSERT_TRUE(cache->Insert("filter", new char[kFilterBytes], kFilterBytes, deleter, &handle).ok());
  cache->Release(handle);
  for (std::size_t i = 0; i < kDataBlocks; ++i) {
    ASSERT_TRUE(cache->Insert("block-" + std::to_string(i), new char[kDataBlockBytes], kDataBlockBytes, deleter).ok());
  }
  rocksdb::Cache::Handle* again = cache->Lookup("filter");
  EXPECT_NE(again, nullptr) << "a released 2.5 MiB filter is no longer cached (cache of " << cache->GetCapacity()
                            << " bytes)";
  if (again) cache->Release(again);
  EXPECT_GE(cache->GetUsage(), kFilterBytes + kDataBlocks * kDataBlockBytes);
}

TEST(RocksDbStorageTest, SiblingSetsAndCountersMergeOnApplyAndSurviveReopening) {
  testing::TempDir dir("ringlab-rocks");
  SiblingSet a;
  a.write(0, {}, "from-n1", false, Version{1, 0, 0});
  SiblingSet b;
  b.write(1, {}, "from-n2", false, Version{2, 0, 1});
  PnCounter up;
  up.add(0, 5);
  PnCounter other;
  other.add(1, 2);
  {
    boost::asio::io_context io;
    auto storage = RocksDbStorage::open(io, dir.sub("db"), SyncPolicy::kAlways);
    ASSERT_TRUE(storage.isOk()) << storage.status().toString();
    Storage& s = **storage;
    EXPECT_EQ(*s.apply("k", Record::fromSiblings(a)), ApplyOutcome::kApplied);
    EXPECT_EQ(*s.apply("k", Record::fromSiblings(b)), ApplyOutcome::kApplied);
    EXPECT_EQ(*s.apply("k", Record::fromSiblings(a)), ApplyOutcome::kSuperseded);
    EXPECT_EQ(s.stats().siblingKeys, 1u);
    EXPECT_EQ(*s.apply("c", Record::fromCounter(up, Version{3, 0, 0})), ApplyOutcome::kApplied);
    EXPECT_EQ(*s.apply("c", Record::fromCounter(other, Version{4, 0, 1})), ApplyOutcome::kApplied);
  }
  boost::asio::io_context io;
  auto storage = RocksDbStorage::open(io, dir.sub("db"), SyncPolicy::kAlways);
  ASSERT_TRUE(storage.isOk()) << storage.status().toString();
  const auto k = (*storage)->get("k");
  ASSERT_TRUE(k);
  EXPECT_EQ(k->siblings, SiblingSet::merge(a, b));
  EXPECT_EQ(k->value, "from-n2");
  EXPECT_EQ((*storage)->stats().siblingKeys, 1u) << "counted again on reopening";
  const auto c = (*storage)->get("c");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->counter.value(), 7);
  EXPECT_EQ(c->value, "7");
}

}  // namespace
}  // namespace ringlab::net
