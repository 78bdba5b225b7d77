// Durable Storage on RocksDB, for real nodes.
//
// Records are stored under an 8-byte big-endian token followed by the key, so RocksDB's key order is ring order and
// scan() is a range iteration. The value is the encoded Record (version, tombstone flag, value bytes).
//
// Writes never block the event loop: apply() hands the write to one writer thread, which finds the stored version
// (in its cache of recently overwritten keys, else by reading the whole group's keys at once), applies the record if
// it supersedes it, and commits whole groups of writes in one RocksDB batch (group commit). Purges and clear() run
// on that thread too.
// The calling fiber waits for its group; a caller outside any fiber (a timer callback) waits on the thread. The sync
// policy follows Redis's appendfsync: kAlways syncs the write-ahead log before a write is acknowledged, kEverySec
// syncs it once a second (syncLog(), driven by the daemon), kNo leaves it to the operating system. A process crash
// loses nothing in any mode (the log is written before apply() returns); a machine crash may lose up to a second
// (kEverySec) or more (kNo).
//
// Reads (get, scan, stats) run on the calling thread. get() first looks in a bounded cache (about 32 MiB) of
// registers recently read or overwritten, which never holds what the database no longer holds. Threading: call from
// the loop thread; the writer thread is internal.
#pragma once

#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include <ringlab/engine/status.h>
#include <ringlab/engine/storage.h>

namespace rocksdb {
class Cache;
}

namespace ringlab::net {

enum class SyncPolicy { kAlways, kEverySec, kNo };
// "always", "everysec", "no"
std::string_view syncPolicyName(SyncPolicy policy);
Result<SyncPolicy> parseSyncPolicy(std::string_view text);

class RocksDbStorage : public Storage {
 public:
  // Opens (creating if needed) the database in `path`. Errors name the path and what failed.
  static Result<std::unique_ptr<RocksDbStorage>> open(boost::asio::io_context& io, const std::string& path,
                                                      SyncPolicy sync, StorageLimits limits = {});
  // Asks the writer thread to sync the write-ahead log; does not wait.
  virtual void syncLog() = 0;
  virtual SyncPolicy syncPolicy() const = 0;
  // Wakes the writer thread now for the writes queued so far, rather than once the event loop's pass is over. A
  // caller about to queue another group lets the writer commit this one meanwhile.
  virtual void startQueuedWrites() = 0;
  // Approximate bytes of memory RocksDB uses (memtables, caches).
  virtual std::uint64_t memoryBytes() const = 0;
  // Reads served by the read cache, and reads that went to RocksDB, since the storage was opened.
  struct ReadCounts {
    std::uint64_t cacheHits = 0;
    std::uint64_t cacheMisses = 0;
  };
  virtual ReadCounts readCounts() const = 0;
};

// A new block cache like the one RocksDbStorage::open() gives RocksDB (table blocks, their indexes and filters).
std::shared_ptr<rocksdb::Cache> newRocksDbBlockCache();

}  // namespace ringlab::net
