// In-memory Storage: compact records, held in (token, key) order by a two-level sorted array so that token ranges
// iterate in ring order, and in a hash index for point lookups.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <new>
#include <string>

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

// One stored record in one heap block: the version, then a flags byte, the key and value lengths (one byte each when
// both fit, else four each) and then the key and value bytes. The token is not stored here: it is the key's hash, and
// the order (TokenOrder) keeps it beside the record's address. A million 14-byte keys with 3-byte values cost 36 bytes
// each (a 48-byte allocation), plus about 21 in the order and 10 to 20 in the hash index, where a std::map of
// std::string keys and Record values costs about 160: the map node, two std::string headers, and a separate
// allocation for any key past the small-string buffer.
class StoredRecord {
 public:
  static StoredRecord* make(std::string_view key, const Record& record) {
    // A register keeps its value; a sibling set or a counter keeps its binary form (causal.h) in the value's place.
    std::string body;
    if (record.kind == RecordKind::kSiblings) appendSiblingSet(body, record.siblings);
    if (record.kind == RecordKind::kCounter) appendPnCounter(body, record.counter);
    const std::string_view value = record.kind == RecordKind::kRegister ? std::string_view(record.value) : body;
    const bool shortLengths = key.size() <= 0xff && value.size() <= 0xff;
    const std::size_t lengths = shortLengths ? 2 : 8;
    void* block = ::operator new(sizeof(StoredRecord) + 1 + lengths + key.size() + value.size());
    auto* stored = new (block) StoredRecord(record.version);
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
  // Overwrites a register with `record`, a newer register whose value has the same length (the block has exactly
  // that room): an update of a key to a value of the same size costs no allocation and leaves the order and the index
  // as they are. False, changing nothing, for anything else.
  bool overwrite(const Record& record) {
    if (kind() != RecordKind::kRegister || record.kind != RecordKind::kRegister || record.value.size() != length(1)) {
      return false;
    }
    m_version = record.version;
    tail()[0] = static_cast<char>((flags() & ~kTombstone) | (record.tombstone ? kTombstone : 0));
    if (!record.value.empty()) std::memcpy(bytes() + length(0), record.value.data(), record.value.size());
    return true;
  }
  static void destroy(StoredRecord* stored) {
    stored->~StoredRecord();
    ::operator delete(stored);
  }

  Token token() const { return tokenForKey(key()); }
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

  explicit StoredRecord(const Version& version) : m_version(version) {}

  char* tail() { return reinterpret_cast<char*>(this) + sizeof(StoredRecord); }
  const char* tail() const { return reinterpret_cast<const char*>(this) + sizeof(StoredRecord); }
  std::uint8_t flags() const { return static_cast<std::uint8_t>(tail()[0]); }
  bool shortLengths() const { return (flags() & kShortLengths) != 0; }
  const char* bytes() const { return tail() + 1 + (shortLengths() ? 2 : 8); }
  char* bytes() { return tail() + 1 + (shortLengths() ? 2 : 8); }
  std::size_t length(int which) const {
    if (shortLengths()) return static_cast<unsigned char>(tail()[1 + which]);
    std::uint32_t v = 0;
    std::memcpy(&v, tail() + 1 + 4 * which, 4);
    return v;
  }

  // The flags byte, the lengths, the key and the value follow in the same block (no padding in between).
  Version m_version;
};
static_assert(sizeof(StoredRecord) == 16, "the version, with no padding for the tail to waste");

struct OrderEntry {
  Token token;
  StoredRecord* record;
};

// Whether `entry` comes before (token, key) in (token, key) order; its key is read only when the tokens are equal.
bool after(const OrderEntry& entry, Token token, std::string_view key) {
  return entry.token < token || (entry.token == token && entry.record->key() < key);
}

// The first entry of a sorted bucket that does not come before (token, key).
std::vector<OrderEntry>::const_iterator positionIn(const std::vector<OrderEntry>& bucket, Token token,
                                                   std::string_view key) {
  return std::lower_bound(bucket.begin(), bucket.end(), token,
                          [&](const OrderEntry& e, Token) { return after(e, token, key); });
}

// The records in (token, key) order: a sorted sequence of buckets, each a sorted array of at most kMaxBucket (token,
// record) pairs, with the last token of every bucket in an array of its own. Finding a place searches that small
// array (8 bytes a bucket: 40 KB for a million keys, in cache) and then one bucket, comparing tokens held inline, so an
// insert costs a couple of cache misses and a memmove of a few KB where a tree costs a miss per level; a full bucket
// splits in two. A scan walks the arrays in order and never hashes a key. About 21 bytes per record at the usual 3/4
// fill, against 24 for the links of a red-black tree.
class TokenOrder {
 public:
  struct Position {
    std::size_t bucket = 0;
    std::size_t index = 0;
  };

  void insert(Token token, StoredRecord* record) {
    const std::string_view key = record->key();
    if (m_buckets.empty()) {
      m_buckets.emplace_back(1, OrderEntry{token, record});
      m_lastTokens.push_back(token);
      return;
    }
    // The first bucket whose last entry is not before the new one, or the last bucket.
    std::size_t b = bucketFor(token, key);
    if (b == m_buckets.size()) b = m_buckets.size() - 1;
    auto& bucket = m_buckets[b];
    const auto offset = positionIn(bucket, token, key) - bucket.cbegin();
    if (bucket.size() == bucket.capacity()) {
      // Grow to at most the split size: a vector left to double would hold 512 entries' room for 256.
      bucket.reserve(std::min(kMaxBucket + 1, std::max<std::size_t>(8, 2 * bucket.size())));
    }
    bucket.insert(bucket.begin() + offset, OrderEntry{token, record});
    m_lastTokens[b] = bucket.back().token;
    if (bucket.size() > kMaxBucket) split(b);
  }

  // `replacement` has the same key (and token) as `old`.
  void replace(Token token, const StoredRecord* old, StoredRecord* replacement) {
    const Position at = find(token, old);
    m_buckets[at.bucket][at.index].record = replacement;
  }

  // The first entry whose token is at least `token`.
  Position lowerBound(Token token) const {
    const auto b = static_cast<std::size_t>(std::lower_bound(m_lastTokens.begin(), m_lastTokens.end(), token) -
                                            m_lastTokens.begin());
    if (b == m_buckets.size()) return end();
    const auto& bucket = m_buckets[b];
    const auto at =
        std::lower_bound(bucket.begin(), bucket.end(), token, [](const OrderEntry& e, Token t) { return e.token < t; });
    return Position{b, static_cast<std::size_t>(at - bucket.begin())};
  }
  Position end() const { return Position{m_buckets.size(), 0}; }
  bool atEnd(const Position& at) const { return at.bucket == m_buckets.size(); }
  const OrderEntry& entry(const Position& at) const { return m_buckets[at.bucket][at.index]; }
  void next(Position& at) const {
    if (++at.index == m_buckets[at.bucket].size()) {
      ++at.bucket;
      at.index = 0;
    }
  }

  // Removes the records for which `remove(record)` is true (it runs before the entry goes, and may free the record).
  template <typename Remove>
  void eraseIf(Remove remove) {
    std::size_t kept = 0;
    for (std::size_t b = 0; b < m_buckets.size(); ++b) {
      auto& bucket = m_buckets[b];
      bucket.erase(std::remove_if(bucket.begin(), bucket.end(), [&](const OrderEntry& e) { return remove(e.record); }),
                   bucket.end());
      if (bucket.empty()) continue;
      m_lastTokens[kept] = bucket.back().token;
      if (kept != b) m_buckets[kept] = std::move(bucket);
      ++kept;
    }
    m_buckets.resize(kept);
    m_lastTokens.resize(kept);
  }

  template <typename Visit>
  void forEach(Visit visit) const {
    for (const auto& bucket : m_buckets) {
      for (const OrderEntry& e : bucket) visit(e.record);
    }
  }

  void clear() {
    std::vector<std::vector<OrderEntry>>().swap(m_buckets);
    std::vector<Token>().swap(m_lastTokens);
  }

 private:
  // A full bucket's room is 256 entries, 4 KiB: an allocator size class exactly.
  static constexpr std::size_t kMaxBucket = 255;

  // The first bucket whose last entry is not before (token, key); size() if there is none.
  std::size_t bucketFor(Token token, std::string_view key) const {
    auto b = static_cast<std::size_t>(std::lower_bound(m_lastTokens.begin(), m_lastTokens.end(), token) -
                                      m_lastTokens.begin());
    // Equal tokens (a hash collision, or one key's own token) are told apart by key.
    while (b < m_buckets.size() && m_lastTokens[b] == token && after(m_buckets[b].back(), token, key)) ++b;
    return b;
  }

  Position find(Token token, const StoredRecord* record) const {
    const std::string_view key = record->key();
    const std::size_t b = bucketFor(token, key);
    const auto& bucket = m_buckets[b];
    return Position{b, static_cast<std::size_t>(positionIn(bucket, token, key) - bucket.begin())};
  }

  void split(std::size_t b) {
    auto& full = m_buckets[b];
    const auto half = static_cast<std::ptrdiff_t>(full.size() / 2);
    std::vector<OrderEntry> lower, upper;
    lower.reserve(kMaxBucket + 1);
    upper.reserve(kMaxBucket + 1);
    lower.assign(full.begin(), full.begin() + half);
    upper.assign(full.begin() + half, full.end());
    full = std::move(lower);
    m_lastTokens[b] = full.back().token;
    m_buckets.insert(m_buckets.begin() + static_cast<std::ptrdiff_t>(b + 1), std::move(upper));
    m_lastTokens.insert(m_lastTokens.begin() + static_cast<std::ptrdiff_t>(b + 1), m_buckets[b + 1].back().token);
  }

  std::vector<std::vector<OrderEntry>> m_buckets;
  std::vector<Token> m_lastTokens;  // m_lastTokens[b] == m_buckets[b].back().token
};

// The records again, by key: open addressing with linear probing over slots of one word each, a record's pointer
// with four bits of its token in the low bits that the 16-byte alignment of operator new leaves free. A lookup starts
// at the slot the token's high bits name and reads only the records whose four bits match, so a point lookup costs
// about one cache miss where the tree costs one per level (20 for a million keys). Kept between 40% and 80% full: 10
// to 20 bytes per record. Tokens are hashes already, so their bits serve directly.
class RecordIndex {
 public:
  StoredRecord* find(Token token, std::string_view key) const {
    if (m_slots.empty()) return nullptr;
    for (std::size_t i = home(token);; i = (i + 1) & m_mask) {
      const std::uintptr_t slot = m_slots[i];
      if (slot == 0) return nullptr;
      if ((slot & kTagMask) != tag(token)) continue;
      StoredRecord* record = pointer(slot);
      if (record->key() == key) return record;  // the same key has the same token
    }
  }
  // `record`, whose key hashes to `token`, must not be indexed yet (no record with its key is).
  void insert(Token token, StoredRecord* record) {
    if ((m_count + 1) * 5 > m_slots.size() * 4) grow();
    place(token, record);
    ++m_count;
  }
  // Points the slot of `old` at `replacement`, which has the same key (and so token).
  void replace(Token token, const StoredRecord* old, StoredRecord* replacement) {
    m_slots[slotOf(token, old)] = pack(token, replacement);
  }
  void erase(const StoredRecord* record) {
    // Backward-shift deletion: the records after the hole that may live there move up, so that no probe sequence
    // is cut short and no tombstone slots accumulate.
    std::size_t hole = slotOf(record->token(), record);
    for (std::size_t i = (hole + 1) & m_mask; m_slots[i] != 0; i = (i + 1) & m_mask) {
      const std::size_t want = home(pointer(m_slots[i])->token());
      // The record at i may fill the hole unless its home lies cyclically in (hole, i].
      const bool homeAfterHole = hole <= i ? (hole < want && want <= i) : (hole < want || want <= i);
      if (homeAfterHole) continue;
      m_slots[hole] = m_slots[i];
      hole = i;
    }
    m_slots[hole] = 0;
    --m_count;
  }
  void clear() {
    std::vector<std::uintptr_t>().swap(m_slots);
    m_count = 0;
    m_mask = 0;
    m_shift = 64;
  }

 private:
  static constexpr std::uintptr_t kTagMask = 0xf;
  static_assert(__STDCPP_DEFAULT_NEW_ALIGNMENT__ > kTagMask, "operator new leaves the tag bits of a pointer free");

  static std::uintptr_t tag(Token token) { return static_cast<std::uintptr_t>(token) & kTagMask; }
  static std::uintptr_t pack(Token token, StoredRecord* record) {
    return reinterpret_cast<std::uintptr_t>(record) | tag(token);
  }
  static StoredRecord* pointer(std::uintptr_t slot) { return reinterpret_cast<StoredRecord*>(slot & ~kTagMask); }
  std::size_t home(Token token) const { return static_cast<std::size_t>(token >> m_shift); }

  std::size_t slotOf(Token token, const StoredRecord* record) const {
    for (std::size_t i = home(token);; i = (i + 1) & m_mask) {
      if (pointer(m_slots[i]) == record) return i;
    }
  }
  void place(Token token, StoredRecord* record) {
    std::size_t i = home(token);
    while (m_slots[i] != 0) i = (i + 1) & m_mask;
    m_slots[i] = pack(token, record);
  }
  void grow() {
    const std::size_t size = m_slots.empty() ? 16 : m_slots.size() * 2;
    std::vector<std::uintptr_t> old(size, 0);
    old.swap(m_slots);
    m_mask = size - 1;
    m_shift = 64 - static_cast<unsigned>(__builtin_ctzll(size));
    for (std::uintptr_t slot : old) {
      if (slot != 0) place(pointer(slot)->token(), pointer(slot));
    }
  }

  std::vector<std::uintptr_t> m_slots;  // 0 is empty
  std::size_t m_count = 0;
  std::size_t m_mask = 0;
  unsigned m_shift = 64;  // home() is the top log2(size) bits of the token
};

class MemoryStorage final : public Storage {
 public:
  explicit MemoryStorage(StorageLimits limits) : m_limits(limits) {}
  ~MemoryStorage() override { clear(); }
  MemoryStorage(const MemoryStorage&) = delete;
  MemoryStorage& operator=(const MemoryStorage&) = delete;

  Result<ApplyOutcome> apply(std::string_view key, const Record& record) override {
    if (Status status = m_limits.check(key, record); !status) return status;
    const Token token = tokenForKey(key);
    StoredRecord* current = m_index.find(token, key);
    if (!current) {
      StoredRecord* stored = StoredRecord::make(key, record);
      m_order.insert(token, stored);
      m_index.insert(token, stored);
      m_stats.records++;
      m_stats.bytes += key.size() + record.footprint();
      if (record.tombstone) m_stats.tombstones++;
      if (holdsSiblings(record)) m_stats.siblingKeys++;
      return ApplyOutcome::kApplied;
    }
    // Last-write-wins between registers needs only the versions: the stored value is not decoded to decide.
    const bool registers = record.kind == RecordKind::kRegister && current->kind() == RecordKind::kRegister;
    if (registers) {
      if (!(record.version > current->version())) return ApplyOutcome::kSuperseded;
      const bool wasTombstone = current->tombstone();
      if (current->overwrite(record)) {  // same value length: the same footprint
        if (wasTombstone) m_stats.tombstones--;
        if (record.tombstone) m_stats.tombstones++;
        return ApplyOutcome::kApplied;
      }
    }
    const Record stored = current->record();
    if (!registers && !supersedes(record, stored)) return ApplyOutcome::kSuperseded;
    const Record merged = mergeRecords(stored, record);
    m_stats.bytes -= stored.footprint();
    m_stats.bytes += merged.footprint();
    if (stored.tombstone) m_stats.tombstones--;
    if (merged.tombstone) m_stats.tombstones++;
    if (holdsSiblings(stored)) m_stats.siblingKeys--;
    if (holdsSiblings(merged)) m_stats.siblingKeys++;
    StoredRecord* replacement = StoredRecord::make(key, merged);
    m_order.replace(token, current, replacement);
    m_index.replace(token, current, replacement);
    StoredRecord::destroy(current);
    return ApplyOutcome::kApplied;
  }

  std::optional<Record> get(std::string_view key) const override {
    const StoredRecord* record = m_index.find(tokenForKey(key), key);
    if (!record) return std::nullopt;
    return record->record();
  }

  void scan(const TokenRange& range,
            const std::function<bool(Token, std::string_view, const Record&)>& visit) const override {
    // (start, end]; start == end is the whole ring, visited from start+1 around to end.
    auto visitSpan = [&](Token lo, bool loInclusive, Token hi) -> bool {
      TokenOrder::Position at = m_order.lowerBound(lo);
      if (!loInclusive) {
        while (!m_order.atEnd(at) && m_order.entry(at).token == lo) m_order.next(at);
      }
      Record record;  // reused for registers: the visitor sees one record at a time
      for (; !m_order.atEnd(at); m_order.next(at)) {
        const auto [token, stored] = m_order.entry(at);
        if (token > hi) break;
        if (stored->kind() != RecordKind::kRegister) {
          if (!visit(token, stored->key(), stored->record())) return false;
          continue;
        }
        record.version = stored->version();
        record.value.assign(stored->value());
        record.tombstone = stored->tombstone();
        if (!visit(token, stored->key(), record)) return false;
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
    m_index.clear();
    m_order.forEach(&StoredRecord::destroy);
    m_order.clear();
    m_stats = {};
  }

  const StorageLimits& limits() const override { return m_limits; }

  std::size_t purgeTombstones(std::int64_t beforeMicros) override {
    std::size_t removed = 0;
    m_order.eraseIf([&](StoredRecord* stored) {
      if (stored->kind() != RecordKind::kRegister || !stored->tombstone() ||
          stored->version().physicalMicros >= beforeMicros) {
        return false;
      }
      m_stats.records--;
      m_stats.tombstones--;
      m_stats.bytes -= stored->key().size() + stored->record().footprint();
      m_index.erase(stored);
      StoredRecord::destroy(stored);
      ++removed;
      return true;
    });
    return removed;
  }

 private:
  StorageLimits m_limits;
  TokenOrder m_order;   // in (token, key) order, for scans
  RecordIndex m_index;  // the same records, by key
  StorageStats m_stats;
};

}  // namespace

std::unique_ptr<Storage> makeMemoryStorage(StorageLimits limits) { return std::make_unique<MemoryStorage>(limits); }

}  // namespace ringlab
