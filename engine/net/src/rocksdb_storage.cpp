#include <ringlab/net/rocksdb_storage.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <limits>
#include <map>
#include <mutex>
#include <thread>

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>
#include <spdlog/spdlog.h>

#include <ringlab/net/fiber_loop.h>
#include <boost/asio/post.hpp>
#include <boost/fiber/condition_variable.hpp>
#include <boost/fiber/context.hpp>
#include <boost/fiber/mutex.hpp>

#include <ringlab/engine/hash.h>

namespace ringlab::net {

std::string_view syncPolicyName(SyncPolicy policy) {
  switch (policy) {
    case SyncPolicy::kAlways: return "always";
    case SyncPolicy::kEverySec: return "everysec";
    case SyncPolicy::kNo: return "no";
  }
  return "unknown";
}

Result<SyncPolicy> parseSyncPolicy(std::string_view text) {
  if (text == "always") return SyncPolicy::kAlways;
  if (text == "everysec") return SyncPolicy::kEverySec;
  if (text == "no") return SyncPolicy::kNo;
  return Status(ErrorCode::kInvalidArgument,
                "sync policy '" + std::string(text) + "' (expected always, everysec or no)");
}

namespace {

constexpr std::size_t kRecordHeader = 8 + 4 + 4 + 1;
constexpr std::size_t kMaxGroup = 1024;
// Records a tombstone purge looks at in one turn of the writer thread (a few milliseconds of work).
constexpr std::size_t kPurgeChunk = 4096;
constexpr std::size_t kBlockCacheBytes = 64u << 20;  // table blocks, their indexes and filters

std::string storedKey(Token token, std::string_view key) {
  std::string out(8 + key.size(), '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(token >> (56 - 8 * i));
  if (!key.empty()) std::memcpy(out.data() + 8, key.data(), key.size());
  return out;
}

Token tokenOf(const rocksdb::Slice& stored) {
  Token t = 0;
  for (int i = 0; i < 8; ++i) t = (t << 8) | static_cast<unsigned char>(stored.data()[i]);
  return t;
}

// A stored record: i64 physical, u32 logical, u32 node, u8 form, then the body. Form 0 and 1 (a register, 1 for a
// tombstone; the only forms before sibling sets and counters existed, so old databases read unchanged) are followed
// by the value; form 2 by a sibling set and form 3 by a counter, in causal.h's binary forms.
constexpr char kFormTombstone = 1;
constexpr char kFormSiblings = 2;
constexpr char kFormCounter = 3;

std::string encodeRecord(const Record& record) {
  std::string out(kRecordHeader, '\0');
  auto put = [&](std::size_t at, std::uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) out[at + i] = static_cast<char>(v >> (8 * i));
  };
  put(0, static_cast<std::uint64_t>(record.version.physicalMicros), 8);
  put(8, record.version.logical, 4);
  put(12, record.version.node, 4);
  switch (record.kind) {
    case RecordKind::kRegister:
      out[16] = record.tombstone ? kFormTombstone : 0;
      out += record.value;
      break;
    case RecordKind::kSiblings:
      out[16] = kFormSiblings;
      appendSiblingSet(out, record.siblings);
      break;
    case RecordKind::kCounter:
      out[16] = kFormCounter;
      appendPnCounter(out, record.counter);
      break;
  }
  return out;
}

std::optional<Record> decodeRecord(std::string_view bytes) {
  if (bytes.size() < kRecordHeader) return std::nullopt;
  auto get = [&](std::size_t at, int n) {
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[at + i])) << (8 * i);
    return v;
  };
  Version version;
  version.physicalMicros = static_cast<std::int64_t>(get(0, 8));
  version.logical = static_cast<std::uint32_t>(get(8, 4));
  version.node = static_cast<NodeId>(get(12, 4));
  const char form = bytes[16];
  const std::string_view body = bytes.substr(kRecordHeader);
  if (form == kFormSiblings) {
    auto set = parseSiblingSet(body, std::numeric_limits<std::size_t>::max());
    if (!set) {
      spdlog::error("RocksDB record with an unreadable sibling set skipped: {}", set.status().toString());
      return std::nullopt;
    }
    return Record::fromSiblings(std::move(*set));
  }
  if (form == kFormCounter) {
    auto counter = parsePnCounter(body);
    if (!counter) {
      spdlog::error("RocksDB record with an unreadable counter skipped: {}", counter.status().toString());
      return std::nullopt;
    }
    return Record::fromCounter(std::move(*counter), version);
  }
  Record record;
  record.version = version;
  record.tombstone = form != 0;
  record.value.assign(body);
  return record;
}

bool inFiber() {
  auto* ctx = boost::fibers::context::active();
  return ctx && ctx->is_context(boost::fibers::type::worker_context);
}

class RocksDbStorageImpl final : public RocksDbStorage {
 public:
  RocksDbStorageImpl(boost::asio::io_context& io, std::unique_ptr<rocksdb::DB> db, SyncPolicy sync,
                     StorageLimits limits)
      : m_io(io), m_db(std::move(db)), m_sync(sync), m_limits(limits) {
    countRecords();
    m_writer = std::thread([this] { writerLoop(); });
  }

  ~RocksDbStorageImpl() override {
    {
      std::lock_guard lock(m_mutex);
      m_closing = true;
    }
    m_wake.notify_one();
    m_writer.join();
    if (m_sync != SyncPolicy::kNo) m_db->SyncWAL();
    m_db->Close();
  }

  Result<ApplyOutcome> apply(std::string_view key, const Record& record) override {
    if (Status status = m_limits.check(key, record); !status) return status;
    auto op = std::make_shared<WriteOp>();
    op->key = std::string(key);
    op->record = record;
    submit(op);
    if (!op->status.isOk()) return op->status;
    return op->outcome;
  }

  // Runs on the writer thread, between groups, so that no write to a key can fall between reading its tombstone and
  // deleting it; in chunks of kPurgeChunk records, with the writes that arrive meanwhile going between chunks.
  std::size_t purgeTombstones(std::int64_t beforeMicros) override {
    auto op = std::make_shared<WriteOp>();
    op->purgeBeforeMicros = beforeMicros;
    submit(op);
    return op->purged;
  }

  std::optional<Record> get(std::string_view key) const override {
    std::string value;
    const rocksdb::Status s = m_db->Get(rocksdb::ReadOptions(), storedKey(tokenForKey(key), key), &value);
    if (!s.ok()) {
      if (!s.IsNotFound()) spdlog::error("RocksDB read failed: {}", s.ToString());
      return std::nullopt;
    }
    return decodeRecord(value);
  }

  void scan(const TokenRange& range,
            const std::function<bool(Token, std::string_view, const Record&)>& visit) const override {
    std::unique_ptr<rocksdb::Iterator> it(m_db->NewIterator(rocksdb::ReadOptions()));
    auto visitSpan = [&](Token lo, bool loInclusive, Token hi) -> bool {
      it->Seek(storedKey(lo, {}));
      for (; it->Valid(); it->Next()) {
        const rocksdb::Slice k = it->key();
        if (k.size() < 8) continue;
        const Token t = tokenOf(k);
        if (!loInclusive && t == lo) continue;
        if (t > hi) break;
        auto record = decodeRecord(std::string_view(it->value().data(), it->value().size()));
        if (!record) continue;
        if (!visit(t, std::string_view(k.data() + 8, k.size() - 8), *record)) return false;
      }
      return true;
    };
    if (range.start < range.end) {
      visitSpan(range.start, false, range.end);
    } else {
      const bool more = range.start == UINT64_MAX ? true : visitSpan(range.start, false, UINT64_MAX);
      if (more) visitSpan(0, true, range.end);
    }
  }

  StorageStats stats() const override {
    std::lock_guard lock(m_mutex);
    return m_stats;
  }

  void clear() override {
    std::unique_ptr<rocksdb::Iterator> it(m_db->NewIterator(rocksdb::ReadOptions()));
    rocksdb::WriteBatch batch;
    for (it->SeekToFirst(); it->Valid(); it->Next()) batch.Delete(it->key());
    rocksdb::WriteOptions options;
    options.sync = m_sync == SyncPolicy::kAlways;
    m_db->Write(options, &batch);
    std::lock_guard lock(m_mutex);
    m_stats = {};
  }

  const StorageLimits& limits() const override { return m_limits; }

  void syncLog() override {
    {
      std::lock_guard lock(m_mutex);
      m_syncRequested = true;
    }
    m_wake.notify_one();
  }

  SyncPolicy syncPolicy() const override { return m_sync; }

  std::uint64_t memoryBytes() const override {
    std::uint64_t total = 0, v = 0;
    if (m_db->GetIntProperty("rocksdb.cur-size-all-mem-tables", &v)) total += v;
    if (m_db->GetIntProperty("rocksdb.estimate-table-readers-mem", &v)) total += v;
    if (m_db->GetIntProperty("rocksdb.block-cache-usage", &v)) total += v;
    return total;
  }

 private:
  struct WriteOp {
    std::string key;
    Record record;
    bool fiber = false;
    Status status;
    ApplyOutcome outcome = ApplyOutcome::kSuperseded;
    std::optional<std::int64_t> purgeBeforeMicros;  // set: a tombstone purge, not a write
    std::size_t purged = 0;
    std::string purgeResume;     // the first key the purge's next chunk looks at ("" : the first key)
    bool purgeFinished = false;  // every key looked at
    bool done = false;  // guarded by m_mutex (waiters outside fibers)
    bool fiberDone = false;
    boost::fibers::mutex fiberMutex;
    boost::fibers::condition_variable fiberReady;
  };

  // Queues `op` for the writer thread and waits for it (a fiber yields; a caller outside fibers blocks).
  void submit(const std::shared_ptr<WriteOp>& op) {
    op->fiber = inFiber();
    {
      std::lock_guard lock(m_mutex);
      m_queue.push_back(op);
    }
    m_wake.notify_one();
    if (op->fiber) {
      std::unique_lock lock(op->fiberMutex);
      while (!op->fiberDone) {
        noteWait(WaitFor{WaitKind::kStorage});
        op->fiberReady.wait(lock);
      }
    } else {
      std::unique_lock lock(m_mutex);
      m_done.wait(lock, [&] { return op->done; });
    }
  }

  void countRecords() {
    std::unique_ptr<rocksdb::Iterator> it(m_db->NewIterator(rocksdb::ReadOptions()));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      auto record = decodeRecord(std::string_view(it->value().data(), it->value().size()));
      if (!record) continue;
      m_stats.records++;
      if (record->tombstone) m_stats.tombstones++;
      if (holdsSiblings(*record)) m_stats.siblingKeys++;
      m_stats.bytes += it->key().size() - 8 + record->footprint();
    }
  }

  void writerLoop() {
    for (;;) {
      std::vector<std::shared_ptr<WriteOp>> group;
      bool sync = false;
      {
        std::unique_lock lock(m_mutex);
        m_wake.wait(lock, [&] { return m_closing || !m_queue.empty() || m_syncRequested; });
        if (m_queue.empty() && m_closing) return;
        // A purge goes alone: the writes before it are committed first, those after it see its deletions.
        while (!m_queue.empty() && group.size() < kMaxGroup) {
          const bool purge = m_queue.front()->purgeBeforeMicros.has_value();
          if (purge && !group.empty()) break;
          group.push_back(std::move(m_queue.front()));
          m_queue.pop_front();
          if (purge) break;
        }
        sync = m_syncRequested;
        m_syncRequested = false;
      }
      if (sync) {
        const rocksdb::Status s = m_db->SyncWAL();
        if (!s.ok()) spdlog::error("RocksDB log sync failed: {}", s.ToString());
      }
      if (group.empty()) continue;
      commit(group);
    }
  }

  // One chunk of a purge: up to kPurgeChunk records from where the last one stopped. Between chunks the writes
  // queued meanwhile go first, so a sweep of a large database holds no write back for long.
  void purge(WriteOp& op) {
    rocksdb::WriteBatch batch;
    StorageStats removed;
    std::unique_ptr<rocksdb::Iterator> it(m_db->NewIterator(rocksdb::ReadOptions()));
    if (op.purgeResume.empty()) {
      it->SeekToFirst();
    } else {
      it->Seek(op.purgeResume);
    }
    for (std::size_t looked = 0; it->Valid() && looked < kPurgeChunk; it->Next(), ++looked) {
      auto record = decodeRecord(std::string_view(it->value().data(), it->value().size()));
      if (!record || record->kind != RecordKind::kRegister || !record->tombstone ||
          record->version.physicalMicros >= *op.purgeBeforeMicros) {
        continue;
      }
      batch.Delete(it->key());
      removed.records++;
      removed.bytes += it->key().size() - 8 + record->footprint();
    }
    op.purgeFinished = !it->Valid();
    if (!op.purgeFinished) op.purgeResume = it->key().ToString();
    if (batch.Count() == 0) return;
    rocksdb::WriteOptions options;
    options.sync = m_sync == SyncPolicy::kAlways;
    if (const rocksdb::Status s = m_db->Write(options, &batch); !s.ok()) {
      spdlog::error("RocksDB tombstone purge failed: {}", s.ToString());
      op.purgeFinished = true;
      return;
    }
    op.purged += removed.records;
    std::lock_guard lock(m_mutex);
    m_stats.records -= removed.records;
    m_stats.tombstones -= removed.records;
    m_stats.bytes -= removed.bytes;
  }

  void commit(std::vector<std::shared_ptr<WriteOp>>& group) {
    if (group.size() == 1 && group.front()->purgeBeforeMicros) {
      purge(*group.front());
      if (!group.front()->purgeFinished) {
        // Its next chunk goes behind the writes that came in meanwhile.
        std::lock_guard lock(m_mutex);
        m_queue.push_back(std::move(group.front()));
        return;
      }
    } else {
      commitWrites(group);
    }
    bool anyFiber = false;
    {
      std::lock_guard lock(m_mutex);
      for (auto& op : group) {
        op->done = true;
        anyFiber = anyFiber || op->fiber;
      }
    }
    m_done.notify_all();
    if (anyFiber) {
      // Wake the waiting fibers on the loop thread.
      boost::asio::post(m_io, [group = std::move(group)] {
        for (auto& op : group) {
          if (!op->fiber) continue;
          op->fiberDone = true;
          op->fiberReady.notify_one();
        }
      });
    }
  }

  void commitWrites(std::vector<std::shared_ptr<WriteOp>>& group) {
    rocksdb::WriteBatch batch;
    std::map<std::string, Record> staged;  // records this group already wrote, by stored key
    StorageStats delta;
    std::int64_t bytesDelta = 0;
    // Last-write-wins needs the stored version of every key: read them all in one MultiGet rather than a lookup
    // per write (a pipeline of SETs is one group).
    std::vector<std::string> storedKeys;
    storedKeys.reserve(group.size());
    for (auto& op : group) storedKeys.push_back(storedKey(tokenForKey(op->key), op->key));
    std::vector<rocksdb::Slice> slices(storedKeys.begin(), storedKeys.end());
    std::vector<rocksdb::PinnableSlice> values(group.size());
    std::vector<rocksdb::Status> statuses(group.size());
    m_db->MultiGet(rocksdb::ReadOptions(), m_db->DefaultColumnFamily(), slices.size(), slices.data(), values.data(),
                   statuses.data());
    // Into the batch in key order (writes to one key keep their order): consecutive memtable inserts then land near
    // one another, and the skip list reuses the upper levels of the previous insert's search.
    std::vector<std::size_t> order(group.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return storedKeys[a] < storedKeys[b]; });
    for (const std::size_t i : order) {
      auto& op = group[i];
      const std::string& stored = storedKeys[i];
      std::optional<Record> current;
      if (auto it = staged.find(stored); it != staged.end()) {
        current = it->second;
      } else if (statuses[i].ok()) {
        current = decodeRecord(std::string_view(values[i].data(), values[i].size()));
      } else if (!statuses[i].IsNotFound()) {
        op->status = Status(ErrorCode::kInternal, "RocksDB read failed: " + statuses[i].ToString());
        continue;
      }
      if (current && !supersedes(op->record, *current)) {
        op->outcome = ApplyOutcome::kSuperseded;
        continue;
      }
      op->outcome = ApplyOutcome::kApplied;
      if (current) op->record = mergeRecords(*current, op->record);  // causal kinds: the merge, not the incoming
      batch.Put(stored, encodeRecord(op->record));
      if (!current) {
        delta.records++;
        bytesDelta += static_cast<std::int64_t>(op->key.size() + op->record.footprint());
        if (op->record.tombstone) delta.tombstones++;
        if (holdsSiblings(op->record)) delta.siblingKeys++;
      } else {
        bytesDelta +=
            static_cast<std::int64_t>(op->record.footprint()) - static_cast<std::int64_t>(current->footprint());
        if (current->tombstone && !op->record.tombstone) delta.tombstones--;
        if (!current->tombstone && op->record.tombstone) delta.tombstones++;
        // Unsigned deltas wrap and add back exactly (mod 2^64), as the tombstone delta does.
        if (holdsSiblings(*current)) delta.siblingKeys--;
        if (holdsSiblings(op->record)) delta.siblingKeys++;
      }
      staged[stored] = op->record;
    }
    if (batch.Count() > 0) {
      rocksdb::WriteOptions options;
      options.sync = m_sync == SyncPolicy::kAlways;
      const rocksdb::Status s = m_db->Write(options, &batch);
      if (!s.ok()) {
        for (auto& op : group) {
          if (op->status.isOk() && op->outcome == ApplyOutcome::kApplied) {
            op->status = Status(ErrorCode::kInternal, "RocksDB write failed: " + s.ToString());
          }
        }
        delta = {};
        bytesDelta = 0;
      }
    }
    std::lock_guard lock(m_mutex);
    m_stats.records += delta.records;
    m_stats.tombstones += delta.tombstones;
    m_stats.siblingKeys += delta.siblingKeys;
    m_stats.bytes = static_cast<std::size_t>(static_cast<std::int64_t>(m_stats.bytes) + bytesDelta);
  }

  boost::asio::io_context& m_io;
  std::unique_ptr<rocksdb::DB> m_db;
  SyncPolicy m_sync;
  StorageLimits m_limits;
  mutable std::mutex m_mutex;
  std::condition_variable m_wake;
  std::condition_variable m_done;
  std::deque<std::shared_ptr<WriteOp>> m_queue;
  bool m_closing = false;
  bool m_syncRequested = false;
  StorageStats m_stats;
  std::thread m_writer;
};

}  // namespace

Result<std::unique_ptr<RocksDbStorage>> RocksDbStorage::open(boost::asio::io_context& io, const std::string& path,
                                                             SyncPolicy sync, StorageLimits limits) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.max_open_files = 256;
  options.keep_log_file_num = 4;
  // Every write reads the stored version first (last-write-wins), and most writes of a bulk load are to keys not
  // stored yet: Bloom filters answer "not here" for the memtable and for each table file without searching them
  // (the memtable's skip list search was a third of a bulk load's time).
  options.memtable_prefix_bloom_size_ratio = 0.1;
  options.memtable_whole_key_filtering = true;
  options.write_buffer_size = 16u << 20;
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  // Index and filter blocks live in the block cache, so resident memory is bounded by the cache (and the memtables)
  // whatever the number of keys.
  table.block_cache = rocksdb::NewLRUCache(kBlockCacheBytes);
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  rocksdb::DB* raw = nullptr;
  const rocksdb::Status s = rocksdb::DB::Open(options, path, &raw);
  if (!s.ok()) return Status(ErrorCode::kUnavailable, "cannot open RocksDB in '" + path + "': " + s.ToString());
  std::unique_ptr<rocksdb::DB> db(raw);
  return std::unique_ptr<RocksDbStorage>(new RocksDbStorageImpl(io, std::move(db), sync, limits));
}

}  // namespace ringlab::net
