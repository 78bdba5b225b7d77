// In-memory Storage: an ordered map keyed by (token, key), so token ranges iterate in ring order.
#include <map>
#include <string>
#include <tuple>

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

struct TokenKey {
  Token token;
  std::string key;
};

struct TokenKeyView {
  Token token;
  std::string_view key;
};

struct TokenKeyLess {
  using is_transparent = void;
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    return std::tie(a.token, a.key) < std::tie(b.token, b.key);
  }
  bool operator()(const TokenKey& a, const TokenKeyView& b) const {
    return a.token < b.token || (a.token == b.token && std::string_view(a.key) < b.key);
  }
  bool operator()(const TokenKeyView& a, const TokenKey& b) const {
    return a.token < b.token || (a.token == b.token && a.key < std::string_view(b.key));
  }
};

class MemoryStorage final : public Storage {
 public:
  explicit MemoryStorage(StorageLimits limits) : m_limits(limits) {}

  Result<ApplyOutcome> apply(std::string_view key, const Record& record) override {
    if (Status status = m_limits.check(key, record); !status) return status;
    const TokenKeyView probe{tokenForKey(key), key};
    auto it = m_records.find(probe);
    if (it == m_records.end()) {
      m_records.emplace(TokenKey{probe.token, std::string(key)}, record);
      m_stats.records++;
      m_stats.bytes += key.size() + record.footprint();
      if (record.tombstone) m_stats.tombstones++;
      return ApplyOutcome::kApplied;
    }
    if (!supersedes(record, it->second)) return ApplyOutcome::kSuperseded;
    Record merged = mergeRecords(it->second, record);
    m_stats.bytes -= it->second.footprint();
    m_stats.bytes += merged.footprint();
    if (it->second.tombstone) m_stats.tombstones--;
    if (merged.tombstone) m_stats.tombstones++;
    it->second = std::move(merged);
    return ApplyOutcome::kApplied;
  }

  std::optional<Record> get(std::string_view key) const override {
    auto it = m_records.find(TokenKeyView{tokenForKey(key), key});
    if (it == m_records.end()) return std::nullopt;
    return it->second;
  }

  void scan(const TokenRange& range,
            const std::function<bool(Token, std::string_view, const Record&)>& visit) const override {
    // (start, end]; start == end is the whole ring, visited from start+1 around to end.
    auto visitSpan = [&](Token lo, bool loInclusive, Token hi) -> bool {
      auto it = loInclusive ? m_records.lower_bound(TokenKeyView{lo, {}}) : m_records.upper_bound(TokenKeyView{lo, {}});
      if (!loInclusive) {
        while (it != m_records.end() && it->first.token == lo) ++it;
      }
      for (; it != m_records.end() && it->first.token <= hi; ++it) {
        if (!visit(it->first.token, it->first.key, it->second)) return false;
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
    m_records.clear();
    m_stats = {};
  }

  const StorageLimits& limits() const override { return m_limits; }

 private:
  StorageLimits m_limits;
  std::map<TokenKey, Record, TokenKeyLess> m_records;
  StorageStats m_stats;
};

}  // namespace

std::unique_ptr<Storage> makeMemoryStorage(StorageLimits limits) { return std::make_unique<MemoryStorage>(limits); }

}  // namespace ringlab
