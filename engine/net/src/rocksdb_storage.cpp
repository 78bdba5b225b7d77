#include <ringlab/net/rocksdb_storage.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <limits>
#include <mutex>
#include <thread>
#include <unordered_map>

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>
#include <spdlog/spdlog.h>

#include <ringlab/net/fiber_loop.h>
#include <boost/asio/post.hpp>
#include <boost/fiber/condition_variable.hpp>
#include <boost/fiber/context.hpp>
#include <boost/fiber/mutex.hpp>
#include <boost/unordered/unordered_flat_map.hpp>

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
// The block cache in 8 shards of 8 MiB. RocksDB's default for 64 MiB is 64 shards of 1 MiB, and a block larger than its
// shard is dropped as soon as it is released: the filter of a table file of level 1 or below (64 MiB of small
// records, about 1-2.5 MiB of filter) was read from the file and checksummed again by every version read that
// consulted it, and by every read of a key not in the read cache. With 8 MiB shards, sustained writes over a large data
// set did a third more SETs a second on a fifth less CPU, and GETs over it ran about 40 times faster.
constexpr int kBlockCacheShardBits = 3;
// Keys whose stored version the writer remembers (VersionCache): two generations of half as many each.
constexpr std::size_t kVersionCacheEntries = 1u << 18;
constexpr std::size_t kMaxCachedKey = 30;  // longer keys are read from the database each time
constexpr std::size_t kReadCacheBytes = 32u << 20;  // records recently read, for reads (ReadCache)
constexpr std::size_t kMaxReadCachedBytes = 4096;   // a larger key and value together are read from the database
constexpr std::size_t kInlineString = std::string().capacity();  // what a string holds without the heap

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

// The stored versions of recently overwritten plain registers, by key. Last-write-wins needs the stored version before
// every write; a hit here replaces a read through the memtable and the table files, which was 40% of the writer
// thread under pipelined SETs. Two generations bound it: a key found in the old one moves to the young one, and when
// the young one is full it becomes the old one and the old one is dropped, so memory stays under
// kVersionCacheEntries entries whatever the number of keys: open-addressing tables of 64-byte slots, about 31 MB
// when both generations are full.
//
// Only the writer thread touches it, and every entry agrees with the database: writes, purges and clears all run on
// that thread and update it after they commit; a failed commit empties it. Counters, sibling sets and keys longer
// than kMaxCachedKey are never cached (their writes read the stored record, which a merge needs anyway).
class VersionCache {
 public:
  struct Entry {
    Version version;
    std::uint32_t valueBytes = 0;
    bool tombstone = false;
    std::uint8_t keyBytes = 0;
    std::array<char, kMaxCachedKey> key{};
  };

  std::optional<Entry> find(Token token, std::string_view key) {
    if (key.size() > kMaxCachedKey) return std::nullopt;
    if (auto it = m_young.find(token); it != m_young.end()) {
      if (!matches(it->second, key)) return std::nullopt;
      return it->second;
    }
    auto it = m_old.find(token);
    if (it == m_old.end() || !matches(it->second, key)) return std::nullopt;
    const Entry entry = it->second;
    m_old.erase(it);
    insert(token, entry);
    return entry;
  }

  // Remembers a register's version, or forgets the key for any other record (the writer reads those).
  void update(Token token, std::string_view key, const Record& record) {
    if (record.kind != RecordKind::kRegister || key.size() > kMaxCachedKey) {
      erase(token);
      return;
    }
    Entry entry;
    entry.version = record.version;
    entry.valueBytes = static_cast<std::uint32_t>(record.value.size());
    entry.tombstone = record.tombstone;
    entry.keyBytes = static_cast<std::uint8_t>(key.size());
    std::memcpy(entry.key.data(), key.data(), key.size());
    if (auto it = m_young.find(token); it != m_young.end()) {
      it->second = entry;
      return;
    }
    m_old.erase(token);
    insert(token, entry);
  }

  // By token: a key sharing another's token loses nothing but a cache entry.
  void erase(Token token) {
    m_young.erase(token);
    m_old.erase(token);
    publishBytes();
  }

  void clear() {
    m_young = {};
    m_old = {};
    publishBytes();
  }

  // From any thread: the slots both tables hold (their capacity, not just the entries in use).
  std::size_t bytes() const { return m_bytes.load(std::memory_order_relaxed); }

 private:
  static constexpr std::size_t kGeneration = kVersionCacheEntries / 2;

  static bool matches(const Entry& entry, std::string_view key) {
    return entry.keyBytes == key.size() && std::memcmp(entry.key.data(), key.data(), key.size()) == 0;
  }

  void insert(Token token, const Entry& entry) {
    if (m_young.size() >= kGeneration) {
      m_old = std::move(m_young);
      m_young = {};
      m_young.reserve(kGeneration);
    }
    m_young.emplace(token, entry);
    publishBytes();
  }

  boost::unordered_flat_map<Token, Entry> m_young;
  boost::unordered_flat_map<Token, Entry> m_old;
  std::atomic<std::size_t> m_bytes{0};

  void publishBytes() {
    m_bytes.store((m_young.bucket_count() + m_old.bucket_count()) * sizeof(std::pair<Token, Entry>),
                  std::memory_order_relaxed);
  }
};

// Registers recently read or written, by key, for reads: a read of such a key takes its record from here instead of
// searching the memtables and the table files (about 40% of a node under pipelined GETs, most of it the memtable's
// skip list). Two generations bound its memory to about kReadCacheBytes: a key found in the old one moves to the young
// one, and when the young one holds half the budget it becomes the old one and the old one is dropped.
//
// It never holds what the database no longer holds:
// - a write forgets its key when it is queued; when it is done, the cache learns the register it stored over an
//   older record, if no other write to the key was queued after it (writes commit in the order they are queued in),
//   none is still in flight, and no purge or clear was in flight at any time since it was queued (a purge's later
//   chunks go behind the writes queued meanwhile); otherwise the key stays forgotten;
// - no read fills a key while a write to it is in flight (the read may have seen the database before or after the
//   commit), nor while a purge or a clear is: those forget everything when they are queued and when they are done;
// - a read fills only if nothing was queued or finished between its database read and the fill (the epoch), which
//   matters only when threads other than the loop's read and write at once.
// Counters, sibling sets and large records are never cached. A key the database does not hold is remembered as
// absent, under the same rules, which also keep it from answering "missing" for a key the database holds (a key
// comes to exist only through a write, which forgets it when it is queued): a read of a missing key (a third of
// redis-benchmark's GETs, whose keys are drawn from a range the SETs before them only partly filled) otherwise searches
// the memtables and every level's filters.
class ReadCache {
 public:
  // What the cache knows of a key: nullopt when nothing (read the database, then fill() with `epoch`); otherwise
  // the stored register, or nullopt inside when the database does not hold the key.
  std::optional<std::optional<Record>> find(Token token, std::string_view key, std::uint64_t& epoch) {
    std::lock_guard lock(m_mutex);
    epoch = m_epoch;
    if (auto it = m_young.find(token); it != m_young.end()) {
      if (!matches(it->second, key)) return std::nullopt;
      return std::optional<std::optional<Record>>(std::in_place, toRecord(it->second));
    }
    auto it = m_old.find(token);
    if (it == m_old.end() || !matches(it->second, key)) return std::nullopt;
    Entry entry = std::move(it->second);
    m_old.erase(it);
    m_oldBytes -= cost(entry);
    std::optional<std::optional<Record>> known(std::in_place, toRecord(entry));
    insert(token, std::move(entry));
    return known;
  }

  // After a read of the database that began at `epoch` found `record` (null: found nothing).
  void fill(Token token, std::string_view key, const Record* record, std::uint64_t epoch) {
    std::lock_guard lock(m_mutex);
    if (epoch != m_epoch || m_wipes > 0 || m_writing.contains(token)) return;
    eraseLocked(token);
    if (record) {
      insert(token, key, *record);
    } else if (key.size() <= kMaxReadCachedBytes) {
      Entry entry;
      entry.absent = true;
      entry.keyBytes = static_cast<std::uint32_t>(key.size());
      entry.bytes.assign(key);
      insert(token, std::move(entry));
    }
  }

  // A write to `token` is queued (call in queue order): the number writeEnds() takes.
  std::uint64_t writeBegins(Token token) {
    std::lock_guard lock(m_mutex);
    const std::uint64_t sequence = ++m_epoch;
    Writing& writing = m_writing[token];
    writing.inFlight++;
    writing.lastQueued = sequence;
    eraseLocked(token);
    return sequence;
  }
  // The write queued as `sequence` is done; `stored` is the record it stored (null: it stored nothing).
  void writeEnds(Token token, std::uint64_t sequence, std::string_view key, const Record* stored) {
    std::lock_guard lock(m_mutex);
    ++m_epoch;
    auto it = m_writing.find(token);
    const bool last = it->second.lastQueued == sequence;
    const bool idle = --it->second.inFlight == 0;
    if (idle) m_writing.erase(it);
    if (stored && last && idle && m_wipes == 0 && m_lastWipe < sequence) {
      eraseLocked(token);  // nothing should hold it (nothing fills a token while a write to it is in flight)
      insert(token, key, *stored);
    }
  }
  // A purge or a clear is queued (call in queue order): any record may go.
  void wipeBegins() {
    std::lock_guard lock(m_mutex);
    m_lastWipe = ++m_epoch;
    ++m_wipes;
    clearLocked();
  }
  // A purge's later chunks go behind the writes queued meanwhile, so no write that overlapped it is learned.
  void wipeEnds() {
    std::lock_guard lock(m_mutex);
    m_lastWipe = ++m_epoch;
    --m_wipes;
    clearLocked();
  }

  // From any thread: the tables' slots (their capacity, not just the entries in use) and the records' heap bytes.
  std::size_t bytes() const { return m_bytes.load(std::memory_order_relaxed); }

 private:
  struct Entry {
    Version version;
    std::string bytes;  // the key, then the value
    std::uint32_t keyBytes = 0;
    bool tombstone = false;
    bool absent = false;  // the database does not hold the key
  };
  using Table = boost::unordered_flat_map<Token, Entry>;

  static bool matches(const Entry& entry, std::string_view key) {
    return entry.keyBytes == key.size() && std::string_view(entry.bytes).substr(0, entry.keyBytes) == key;
  }
  static std::optional<Record> toRecord(const Entry& entry) {
    if (entry.absent) return std::nullopt;
    Record record;
    record.version = entry.version;
    record.tombstone = entry.tombstone;
    record.value.assign(entry.bytes, entry.keyBytes);
    return record;
  }
  // The heap bytes of an entry (its slot is counted with the table's).
  static std::size_t cost(const Entry& entry) {
    return entry.bytes.capacity() > kInlineString ? entry.bytes.capacity() + 1 : 0;
  }
  static std::size_t slotBytes(const Table& table) { return table.bucket_count() * sizeof(Table::value_type); }

  // A register not too large; the caller has erased the token.
  void insert(Token token, std::string_view key, const Record& record) {
    if (record.kind != RecordKind::kRegister || key.size() + record.value.size() > kMaxReadCachedBytes) return;
    Entry entry;
    entry.version = record.version;
    entry.tombstone = record.tombstone;
    entry.keyBytes = static_cast<std::uint32_t>(key.size());
    entry.bytes.reserve(key.size() + record.value.size());
    entry.bytes.append(key).append(record.value);
    insert(token, std::move(entry));
  }
  void insert(Token token, Entry entry) {
    if (m_youngBytes + slotBytes(m_young) >= kReadCacheBytes / 2) {
      m_old = std::move(m_young);
      m_oldBytes = m_youngBytes;
      m_young = Table();
      m_youngBytes = 0;
    }
    m_youngBytes += cost(entry);
    m_young.emplace(token, std::move(entry));
    publishBytes();
  }
  void eraseLocked(Token token) {
    if (auto it = m_young.find(token); it != m_young.end()) {
      m_youngBytes -= cost(it->second);
      m_young.erase(it);
    }
    if (auto it = m_old.find(token); it != m_old.end()) {
      m_oldBytes -= cost(it->second);
      m_old.erase(it);
    }
    publishBytes();
  }
  void clearLocked() {
    m_young = Table();
    m_old = Table();
    m_youngBytes = m_oldBytes = 0;
    publishBytes();
  }
  void publishBytes() {
    m_bytes.store(m_youngBytes + m_oldBytes + slotBytes(m_young) + slotBytes(m_old), std::memory_order_relaxed);
  }

  std::mutex m_mutex;
  Table m_young;
  Table m_old;
  std::size_t m_youngBytes = 0;  // heap bytes of the young generation's records
  std::size_t m_oldBytes = 0;
  struct Writing {
    std::uint32_t inFlight = 0;    // writes queued and not done
    std::uint64_t lastQueued = 0;  // the last one's sequence
  };
  std::uint64_t m_epoch = 0;  // counts queued and finished writes, purges and clears (a write's sequence)
  boost::unordered_flat_map<Token, Writing> m_writing;
  std::uint32_t m_wipes = 0;     // purges and clears queued and not done
  std::uint64_t m_lastWipe = 0;  // the last one's sequence
  std::atomic<std::size_t> m_bytes{0};
};

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
    m_alive.reset();
    {
      std::lock_guard lock(m_mutex);
      m_closing = true;
    }
    m_wake.notify_one();
    m_writer.join();
    if (m_sync != SyncPolicy::kNo) m_db->SyncWAL();
    m_db->Close();
  }

  void startQueuedWrites() override {
    bool queued = false;
    {
      std::lock_guard lock(m_mutex);
      queued = !m_queue.empty();
    }
    if (queued) m_wake.notify_one();
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
    const Token token = tokenForKey(key);
    std::uint64_t epoch = 0;
    if (auto cached = m_reads.find(token, key, epoch)) {
      m_cacheHits.fetch_add(1, std::memory_order_relaxed);
      return std::move(*cached);
    }
    m_cacheMisses.fetch_add(1, std::memory_order_relaxed);
    std::string value;
    const rocksdb::Status s = m_db->Get(rocksdb::ReadOptions(), storedKey(token, key), &value);
    if (!s.ok()) {
      if (s.IsNotFound()) {
        m_reads.fill(token, key, nullptr, epoch);
      } else {
        spdlog::error("RocksDB read failed: {}", s.ToString());
      }
      return std::nullopt;
    }
    auto record = decodeRecord(value);
    if (record) m_reads.fill(token, key, &*record, epoch);
    return record;
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

  // On the writer thread, like every write, so that the version cache and the counts follow.
  void clear() override {
    auto op = std::make_shared<WriteOp>();
    op->clearAll = true;
    submit(op);
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

  ReadCounts readCounts() const override {
    return {m_cacheHits.load(std::memory_order_relaxed), m_cacheMisses.load(std::memory_order_relaxed)};
  }

  std::uint64_t memoryBytes() const override {
    std::uint64_t total = 0, v = 0;
    // Every memtable, those flushed but still read by an open iterator included.
    if (m_db->GetIntProperty("rocksdb.size-all-mem-tables", &v)) total += v;
    if (m_db->GetIntProperty("rocksdb.estimate-table-readers-mem", &v)) total += v;
    if (m_db->GetIntProperty("rocksdb.block-cache-usage", &v)) total += v;
    return total + m_versions.bytes() + m_reads.bytes();
  }

 private:
  struct WriteOp {
    std::string key;
    Token token = 0;  // the key's (set by submit())
    Record record;
    bool fiber = false;
    Status status;
    ApplyOutcome outcome = ApplyOutcome::kSuperseded;
    std::optional<std::int64_t> purgeBeforeMicros;  // set: a tombstone purge, not a write
    bool clearAll = false;                          // a removal of every record, not a write
    bool overwrote = false;                         // applied over a stored record
    std::size_t purged = 0;
    std::string purgeResume;     // the first key the purge's next chunk looks at ("" : the first key)
    bool purgeFinished = false;  // every key looked at
    bool done = false;  // guarded by m_mutex (waiters outside fibers)
    bool fiberDone = false;
    boost::fibers::mutex fiberMutex;
    boost::fibers::condition_variable fiberReady;
  };

  // Runs `op` on the writer thread; the read cache forgets what it may change and learns what a write stored.
  void submit(const std::shared_ptr<WriteOp>& op) {
    const bool wipe = op->clearAll || op->purgeBeforeMicros.has_value();
    if (!wipe) op->token = tokenForKey(op->key);
    std::uint64_t sequence = 0;
    queueAndWait(op, [&] {
      if (wipe) {
        m_reads.wipeBegins();
      } else {
        sequence = m_reads.writeBegins(op->token);
      }
    });
    if (wipe) {
      m_reads.wipeEnds();
    } else {
      // Only an overwrite is learned: a bulk load of new keys would fill the cache for nothing (10.9 s of the
      // server's CPU against 9.9 s for a million keys, medians of three, when every write was learned).
      const bool learn = op->status.isOk() && op->outcome == ApplyOutcome::kApplied && op->overwrote;
      m_reads.writeEnds(op->token, sequence, op->key, learn ? &op->record : nullptr);
    }
  }

  // Queues `op` for the writer thread and waits for it (a fiber yields; a caller outside fibers blocks).
  //
  // A fiber does not wake the writer itself: it posts one wake-up to the event loop, which runs it once every fiber
  // ready in this pass has run. The writes of a pipeline's run of commands, and those of every connection served in
  // the same pass, then reach the writer together and land in one group commit, instead of the writer waking for
  // the first and committing it alone while the others queue behind it. (startQueuedWrites() wakes it sooner: a
  // connection whose long pipeline has more runs of writes to come lets the writer commit one while it parses the
  // next.)
  // `queued` runs as `op` is queued, under the queue's lock: in the order the writes commit in.
  template <typename Queued>
  void queueAndWait(const std::shared_ptr<WriteOp>& op, Queued&& queued) {
    op->fiber = inFiber();
    {
      std::lock_guard lock(m_mutex);
      queued();
      m_queue.push_back(op);
    }
    if (!op->fiber) {
      m_wake.notify_one();
    } else if (!m_wakePosted) {
      m_wakePosted = true;
      boost::asio::post(m_io, [this, alive = std::weak_ptr<void>(m_alive)] {
        if (alive.expired()) return;  // the storage closed before the loop ran this
        m_wakePosted = false;
        m_wake.notify_one();
      });
    }
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
        // A purge or a clear goes alone: the writes before it are committed first, those after it see its deletions.
        while (!m_queue.empty() && group.size() < kMaxGroup) {
          const bool alone = m_queue.front()->purgeBeforeMicros.has_value() || m_queue.front()->clearAll;
          if (alone && !group.empty()) break;
          group.push_back(std::move(m_queue.front()));
          m_queue.pop_front();
          if (alone) break;
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
    std::vector<Token> removedTokens;
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
      removedTokens.push_back(tokenOf(it->key()));
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
      m_versions.clear();
      return;
    }
    for (const Token token : removedTokens) m_versions.erase(token);
    op.purged += removed.records;
    std::lock_guard lock(m_mutex);
    m_stats.records -= removed.records;
    m_stats.tombstones -= removed.records;
    m_stats.bytes -= removed.bytes;
  }

  void clearAll() {
    std::unique_ptr<rocksdb::Iterator> it(m_db->NewIterator(rocksdb::ReadOptions()));
    rocksdb::WriteBatch batch;
    for (it->SeekToFirst(); it->Valid(); it->Next()) batch.Delete(it->key());
    rocksdb::WriteOptions options;
    options.sync = m_sync == SyncPolicy::kAlways;
    const rocksdb::Status s = m_db->Write(options, &batch);
    m_versions.clear();
    if (!s.ok()) {
      spdlog::error("RocksDB clear failed (nothing was removed): {}", s.ToString());
      return;
    }
    std::lock_guard lock(m_mutex);
    m_stats = {};
  }

  void commit(std::vector<std::shared_ptr<WriteOp>>& group) {
    if (group.size() == 1 && group.front()->clearAll) {
      clearAll();
    } else if (group.size() == 1 && group.front()->purgeBeforeMicros) {
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
    const std::size_t n = group.size();
    rocksdb::WriteBatch batch;
    StorageStats delta;
    std::int64_t bytesDelta = 0;
    // Last-write-wins needs the stored version of every key. A register written over a cached register takes it
    // from the version cache; every other write reads the stored record, all of them in one MultiGet rather than a
    // lookup per write (a pipeline of SETs is one group).
    std::vector<std::string> storedKeys;
    storedKeys.reserve(n);
    std::vector<std::optional<VersionCache::Entry>> cached(n);
    std::vector<std::size_t> readSlot(n, n);  // where write i's read is in the MultiGet arrays (n: not read)
    std::vector<rocksdb::Slice> slices;
    for (std::size_t i = 0; i < n; ++i) {
      const WriteOp& op = *group[i];
      storedKeys.push_back(storedKey(op.token, op.key));
      if (op.record.kind == RecordKind::kRegister) cached[i] = m_versions.find(op.token, op.key);
      if (cached[i]) continue;
      readSlot[i] = slices.size();
      slices.emplace_back(storedKeys.back());
    }
    std::vector<rocksdb::PinnableSlice> values(slices.size());
    std::vector<rocksdb::Status> statuses(slices.size());
    if (!slices.empty()) {
      m_db->MultiGet(rocksdb::ReadOptions(), m_db->DefaultColumnFamily(), slices.size(), slices.data(), values.data(),
                     statuses.data());
    }
    // Into the batch in key order (writes to one key keep their order): consecutive memtable inserts then land near
    // one another, and with the insert hint set in open() the skip list searches on from the previous insert's
    // position instead of from the top.
    std::vector<std::size_t> order(n);
    for (std::size_t i = 0; i < n; ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return storedKeys[a] < storedKeys[b]; });
    std::unordered_map<std::string_view, const Record*> staged;  // what this group wrote last, by stored key
    // Stored records read and not overwritten: the version cache learns them once the batch is committed.
    std::vector<std::pair<std::size_t, Record>> learned;
    for (const std::size_t i : order) {
      auto& op = group[i];
      const std::string_view stored = storedKeys[i];
      // What is stored now: this group's last write to the key, else the cached version, else the read.
      const Record* current = nullptr;
      std::optional<Record> read;
      if (auto it = staged.find(stored); it != staged.end()) {
        current = it->second;
      } else if (!cached[i]) {
        const rocksdb::Status& status = statuses[readSlot[i]];
        if (status.ok()) {
          read = decodeRecord(std::string_view(values[readSlot[i]].data(), values[readSlot[i]].size()));
          if (read) current = &*read;
        } else if (!status.IsNotFound()) {
          op->status = Status(ErrorCode::kInternal, "RocksDB read failed: " + status.ToString());
          continue;
        }
      }
      struct Before {
        std::size_t footprint;
        bool tombstone;
        bool siblings;
      };
      std::optional<Before> before;
      if (current) {
        if (!supersedes(op->record, *current)) {
          op->outcome = ApplyOutcome::kSuperseded;
          if (read) learned.emplace_back(i, std::move(*read));
          continue;
        }
        before = Before{current->footprint(), current->tombstone, holdsSiblings(*current)};
        op->record = mergeRecords(*current, op->record);  // causal kinds: the merge, not the incoming
      } else if (cached[i]) {
        // A register over a register: the newer one, whole.
        if (!(op->record.version > cached[i]->version)) {
          op->outcome = ApplyOutcome::kSuperseded;
          continue;
        }
        before = Before{cached[i]->valueBytes + sizeof(Version) + 1, cached[i]->tombstone, false};
      }
      op->outcome = ApplyOutcome::kApplied;
      batch.Put(storedKeys[i], encodeRecord(op->record));
      op->overwrote = before.has_value();  // what the version cache and the read cache learn
      if (!before) {
        delta.records++;
        bytesDelta += static_cast<std::int64_t>(op->key.size() + op->record.footprint());
        if (op->record.tombstone) delta.tombstones++;
        if (holdsSiblings(op->record)) delta.siblingKeys++;
      } else {
        bytesDelta += static_cast<std::int64_t>(op->record.footprint()) - static_cast<std::int64_t>(before->footprint);
        if (before->tombstone && !op->record.tombstone) delta.tombstones--;
        if (!before->tombstone && op->record.tombstone) delta.tombstones++;
        // Unsigned deltas wrap and add back exactly (mod 2^64), as the tombstone delta does.
        if (before->siblings) delta.siblingKeys--;
        if (holdsSiblings(op->record)) delta.siblingKeys++;
      }
      staged[stored] = &op->record;
    }
    bool committed = true;
    if (batch.Count() > 0) {
      rocksdb::WriteOptions options;
      options.sync = m_sync == SyncPolicy::kAlways;
      const rocksdb::Status s = m_db->Write(options, &batch);
      if (!s.ok()) {
        committed = false;
        for (auto& op : group) {
          if (op->status.isOk() && op->outcome == ApplyOutcome::kApplied) {
            op->status = Status(ErrorCode::kInternal, "RocksDB write failed: " + s.ToString());
          }
        }
        delta = {};
        bytesDelta = 0;
      }
    }
    if (committed) {
      // Reads first (they saw what was there before the batch), then the writes in the order they were applied.
      for (const auto& [i, record] : learned) m_versions.update(group[i]->token, group[i]->key, record);
      // A key written for the first time is not remembered until it is overwritten: a bulk load of new keys would
      // fill the cache with keys written once and pay for it (7.5 s against 6.5 s for a million keys).
      for (const std::size_t i : order) {
        if (group[i]->overwrote && group[i]->status.isOk() && group[i]->outcome == ApplyOutcome::kApplied) {
          m_versions.update(group[i]->token, group[i]->key, group[i]->record);
        }
      }
    } else {
      m_versions.clear();
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
  bool m_wakePosted = false;  // the event loop's: a wake-up of the writer is posted and has not run yet
  std::shared_ptr<void> m_alive = std::make_shared<char>();  // expires with the storage (for posted wake-ups)
  StorageStats m_stats;
  VersionCache m_versions;  // the writer thread's (bytes() from any)
  mutable ReadCache m_reads;
  mutable std::atomic<std::uint64_t> m_cacheHits{0};
  mutable std::atomic<std::uint64_t> m_cacheMisses{0};
  std::thread m_writer;
};

}  // namespace

std::shared_ptr<rocksdb::Cache> newRocksDbBlockCache() {
  return rocksdb::NewLRUCache(kBlockCacheBytes, kBlockCacheShardBits);
}

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
  // Small memtables: the skip list of a 4 MiB one stays in the caches, where inserting into a 16 MiB one took a cache
  // miss per level and was most of the writer thread's time. Four of them are flushed together into one level-0 file
  // of about 16 MiB, as before: flushed one by one, four times as many level-0 files were compacted into level 1, and
  // sustained writes over a large data set lost a fifth of their speed. (docs/PERFORMANCE.md, "Smaller memtables".)
  // Up to eight: RocksDB slows writes down when one memtable short of the most it may hold waits for a flush, so
  // while four are being flushed three more fill at full speed (12 MiB; with two of 16 MiB, one filled).
  options.write_buffer_size = 4u << 20;
  options.min_write_buffer_number_to_merge = 4;
  options.max_write_buffer_number = 8;
  // A group's writes go into the batch in key order (commitWrites), so each memtable insert lands near the previous
  // one. RocksDB reuses the previous insert's search path only when given an insert hint (one per prefix of the
  // extractor here: the empty prefix, one hint for all keys); without one it searches from the top for any key that is
  // not the very next. With it, the memtable insert took a third less of a bulk load's CPU, and `-P 16` SETs used 12%
  // less CPU (docs/PERFORMANCE.md, "Memtable inserts from where the last one ended").
  options.memtable_insert_with_hint_prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(0));
  // Two limits of RocksDB 7.8 to keep in mind: the hint is used only by a write group of one writer (the writer
  // thread is the only one that writes; a second one would turn it off silently, see
  // WriteOptions::memtable_insert_hint_per_batch), and it must not be combined with DeleteRange, whose range
  // tombstones share the hint with the point keys and can be lost from scans (facebook/rocksdb#5118).
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  // Index and filter blocks live in the block cache, so resident memory is bounded by the cache (and the memtables)
  // whatever the number of keys.
  table.block_cache = newRocksDbBlockCache();
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
