// In-memory Storage: an intrusive ordered tree of compact records keyed by (token, key), so token ranges iterate in
// ring order.
#include <cstring>
#include <limits>
#include <new>
#include <string>

#include <boost/intrusive/set.hpp>

#include <ringlab/engine/causal.h>
#include <ringlab/engine/hash.h>
#include <ringlab/engine/storage.h>

namespace ringlab {

Status StorageLimits::check(std::string_view key, const Record& record) const {
  if (key.empty()) return Status(ErrorCode::kInvalidArgument, "empty key");
  if (key.size() > maxKeyBytes) {
    return Status(ErrorCode::kTooLarge, "key of " + std::to_string(key.size()) + " bytes exceeds the limit of " +
                                            std::to_string(maxKeyBytes) + " bytes");
  }
  if (record.value.size() > maxValueBytes) {
    return Status(ErrorCode::kTooLarge, "value of " + std::to_string(record.value.size()) +
                                            " bytes exceeds the limit of " + std::to_string(maxValueBytes) + " bytes");
  }
  return Status::ok();
}

namespace {

// One stored record in one heap block: the tree links, the token, the version, then a flags byte, the key and value
// lengths (one byte each when both fit, else four each) and then the key and value bytes. A million 14-byte keys with
// 3-byte values cost about 80 bytes each (one 80-byte malloc chunk) where a std::map of std::string keys and Record
// values costs about 160: the map node, two std::string headers, and a separate allocation for any key past the
// small-string buffer.
class StoredRecord
    : public boost::intrusive::set_base_hook<boost::intrusive::optimize_size<true>,
                                             boost::intrusive::link_mode<boost::intrusive::normal_link>> {
 public:
  static StoredRecord* make(Token token, std::string_view key, const Record& record) {
    // A register keeps its value; a sibling set or a counter keeps its binary form (causal.h) in the value's place.
    std::string body;
    if (record.kind == RecordKind::kSiblings) appendSiblingSet(body, record.siblings);
    if (record.kind == RecordKind::kCounter) appendPnCounter(body, record.counter);
    const std::string_view value = record.kind == RecordKind::kRegister ? std::string_view(record.value) : body;
    const bool shortLengths = key.size() <= 0xff && value.size() <= 0xff;
    const std::size_t lengths = shortLengths ? 2 : 8;
    void* block = ::operator new(sizeof(StoredRecord) + 1 + lengths + key.size() + value.size());
    auto* stored = new (block) StoredRecord(token, record.version);
    char* tail = stored->tail();
    *tail++ = static_cast<char>((record.tombstone ? kTombstone : 0) | (shortLengths ? kShortLengths : 0) |
                                (static_cast<std::uint8_t>(record.kind) << kKindShift));
    auto putLength = [&](std::size_t n) {
      if (shortLengths) {
        *tail++ = static_cast<char>(n);
      } else {
        const auto v = static_cast<std::uint32_t>(n);
        std::memcpy(tail, &v, 4);
        tail += 4;
      }
    };
    putLength(key.size());
    putLength(value.size());
    if (!key.empty()) std::memcpy(tail, key.data(), key.size());
    if (!value.empty()) std::memcpy(tail + key.size(), value.data(), value.size());
    return stored;
  }
  static void destroy(StoredRecord* stored) {
    stored->~StoredRecord();
    ::operator delete(stored);
  }

  Token token() const { return m_token; }
  const Version& version() const { return m_version; }
  bool tombstone() const { return (flags() & kTombstone) != 0; }
  std::string_view key() const { return {bytes(), length(0)}; }
  RecordKind kind() const { return static_cast<RecordKind>(flags() >> kKindShift); }
  // The value bytes of a register; the binary form of a sibling set or counter.
  std::string_view value() const { return {bytes() + length(0), length(1)}; }
  Record record() const {
    switch (kind()) {
      case RecordKind::kSiblings: {
        // Written by make() from a valid set: parsing it back cannot fail.
        auto set = parseSiblingSet(value(), std::numeric_limits<std::size_t>::max());
        return set ? Record::fromSiblings(std::move(*set)) : Record{m_version, Value(), true};
      }
      case RecordKind::kCounter: {
        auto counter = parsePnCounter(value());
        return counter ? Record::fromCounter(std::move(*counter), m_version) : Record{m_version, Value(), true};
      }
      case RecordKind::kRegister: break;
    }
    return Record{m_version, Value(value()), tombstone()};
  }

 private:
  static constexpr std::uint8_t kTombstone = 1;
  static constexpr std::uint8_t kShortLengths = 2;
  static constexpr int kKindShift = 2;  // bits 2-3: the RecordKind

  StoredRecord(Token token, const Version& version) : m_token(token), m_version(version) {}

  char* tail() { return reinterpret_cast<char*>(this) + sizeof(StoredRecord); }
  const char* tail() const { return reinterpret_cast<const char*>(this) + sizeof(StoredRecord); }
  std::uint8_t flags() const { return static_cast<std::uint8_t>(tail()[0]); }
  bool shortLengths() const { return (flags() & kShortLengths) != 0; }
  const char* bytes() const { return tail() + 1 + (shortLengths() ? 2 : 8); }
  std::size_t length(int which) const {
    if (shortLengths()) return static_cast<unsigned char>(tail()[1 + which]);
    std::uint32_t v = 0;
    std::memcpy(&v, tail() + 1 + 4 * which, 4);
    return v;
  }

  // The flags byte, the lengths, the key and the value follow in the same block (no padding in between).
  Token m_token;
  Version m_version;
};
static_assert(sizeof(StoredRecord) == 48, "tree links, token and version, with no padding for the tail to waste");

struct TokenKeyView {
  Token token;
  std::string_view key;
};

struct StoredRecordLess {
  static TokenKeyView view(const StoredRecord& r) { return {r.token(), r.key()}; }
  static const TokenKeyView& view(const TokenKeyView& v) { return v; }
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    const TokenKeyView x = view(a), y = view(b);
    return x.token < y.token || (x.token == y.token && x.key < y.key);
  }
};

using RecordSet = boost::intrusive::set<StoredRecord, boost::intrusive::compare<StoredRecordLess>,
                                        boost::intrusive::constant_time_size<false>>;

class MemoryStorage final : public Storage {
 public:
  explicit MemoryStorage(StorageLimits limits) : m_limits(limits) {}
  ~MemoryStorage() override { clear(); }
  MemoryStorage(const MemoryStorage&) = delete;
  MemoryStorage& operator=(const MemoryStorage&) = delete;

  Result<ApplyOutcome> apply(std::string_view key, const Record& record) override {
    if (Status status = m_limits.check(key, record); !status) return status;
    const TokenKeyView probe{tokenForKey(key), key};
    RecordSet::insert_commit_data commit;
    auto [it, fresh] = m_records.insert_check(probe, StoredRecordLess(), commit);
    if (fresh) {
      m_records.insert_commit(*StoredRecord::make(probe.token, key, record), commit);
      m_stats.records++;
      m_stats.bytes += key.size() + record.footprint();
      if (record.tombstone) m_stats.tombstones++;
      if (holdsSiblings(record)) m_stats.siblingKeys++;
      return ApplyOutcome::kApplied;
    }
    const StoredRecord& current = *it;
    const Record stored = current.record();
    if (!supersedes(record, stored)) return ApplyOutcome::kSuperseded;
    const Record merged = mergeRecords(stored, record);
    m_stats.bytes -= stored.footprint();
    m_stats.bytes += merged.footprint();
    if (stored.tombstone) m_stats.tombstones--;
    if (merged.tombstone) m_stats.tombstones++;
    if (holdsSiblings(stored)) m_stats.siblingKeys--;
    if (holdsSiblings(merged)) m_stats.siblingKeys++;
    StoredRecord* replacement = StoredRecord::make(probe.token, key, merged);
    StoredRecord* old = &*it;
    m_records.replace_node(it, *replacement);
    StoredRecord::destroy(old);
    return ApplyOutcome::kApplied;
  }

  std::optional<Record> get(std::string_view key) const override {
    auto it = m_records.find(TokenKeyView{tokenForKey(key), key}, StoredRecordLess());
    if (it == m_records.end()) return std::nullopt;
    return it->record();
  }

  void scan(const TokenRange& range,
            const std::function<bool(Token, std::string_view, const Record&)>& visit) const override {
    // (start, end]; start == end is the whole ring, visited from start+1 around to end.
    auto visitSpan = [&](Token lo, bool loInclusive, Token hi) -> bool {
      auto it = m_records.lower_bound(TokenKeyView{lo, {}}, StoredRecordLess());
      if (!loInclusive) {
        while (it != m_records.end() && it->token() == lo) ++it;
      }
      Record record;  // reused for registers: the visitor sees one record at a time
      for (; it != m_records.end() && it->token() <= hi; ++it) {
        if (it->kind() != RecordKind::kRegister) {
          if (!visit(it->token(), it->key(), it->record())) return false;
          continue;
        }
        record.version = it->version();
        record.value.assign(it->value());
        record.tombstone = it->tombstone();
        if (!visit(it->token(), it->key(), record)) return false;
      }
      return true;
    };
    if (range.start < range.end) {
      visitSpan(range.start, false, range.end);
    } else {
      // Wraps: (start, max] then [0, end].
      const bool more = range.start == UINT64_MAX ? true : visitSpan(range.start, false, UINT64_MAX);
      if (more) visitSpan(0, true, range.end);
    }
  }

  StorageStats stats() const override { return m_stats; }

  void clear() override {
    m_records.clear_and_dispose(&StoredRecord::destroy);
    m_stats = {};
  }

  const StorageLimits& limits() const override { return m_limits; }

  std::size_t purgeTombstones(std::int64_t beforeMicros) override {
    std::size_t removed = 0;
    for (auto it = m_records.begin(); it != m_records.end();) {
      if (it->kind() != RecordKind::kRegister || !it->tombstone() || it->version().physicalMicros >= beforeMicros) {
        ++it;
        continue;
      }
      m_stats.records--;
      m_stats.tombstones--;
      m_stats.bytes -= it->key().size() + it->record().footprint();
      it = m_records.erase_and_dispose(it, &StoredRecord::destroy);
      ++removed;
    }
    return removed;
  }

 private:
  StorageLimits m_limits;
  RecordSet m_records;
  StorageStats m_stats;
};

}  // namespace

std::unique_ptr<Storage> makeMemoryStorage(StorageLimits limits) { return std::make_unique<MemoryStorage>(limits); }

}  // namespace ringlab
