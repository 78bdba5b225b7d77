// RocksDB storage: the Storage contract (supersede by version, tombstones, token-ordered scans, limits) and
// recovery of what was written after the database is closed and opened again.
#include <gtest/gtest.h>

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
