#include <ringlab/sim/history.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <numeric>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace ringlab {

namespace {

using namespace std::chrono_literals;

// Lower edges of the staleness bands; each band ends where the next begins, the last at Duration::max().
constexpr std::array<Duration, 13> kBandStarts = {0ms,   1ms,   2ms,   5ms, 10ms, 20ms, 50ms,
                                                  100ms, 200ms, 500ms, 1s,  2s,   5s};

std::vector<StalenessBand> emptyBands() {
  std::vector<StalenessBand> bands;
  bands.reserve(kBandStarts.size());
  for (std::size_t i = 0; i < kBandStarts.size(); ++i) {
    StalenessBand band;
    band.from = kBandStarts[i];
    band.to = i + 1 < kBandStarts.size() ? kBandStarts[i + 1] : Duration::max();
    bands.push_back(band);
  }
  return bands;
}

std::size_t bandIndex(Duration delta) {
  const auto after = std::upper_bound(kBandStarts.begin(), kBandStarts.end(), delta);
  if (after == kBandStarts.begin()) return 0;  // not reached: deltas are positive by construction
  return static_cast<std::size_t>(after - kBandStarts.begin()) - 1;
}

bool isWrite(const HistoryEntry& e) { return e.op == Operation::kPut || e.op == Operation::kDelete; }
bool isOk(const HistoryEntry& e) { return e.result == ErrorCode::kOk; }

// Keeps `examples` as the (at most kMaxHistoryExamples) items with the smallest ids seen so far, sorted by id.
// Equal ids keep their arrival order.
template <typename T, typename IdOf>
void keepSmallest(std::vector<T>& examples, T item, IdOf idOf) {
  if (examples.size() == kMaxHistoryExamples && idOf(item) >= idOf(examples.back())) return;
  const auto at = std::upper_bound(examples.begin(), examples.end(), idOf(item),
                                   [&](std::uint64_t id, const T& existing) { return id < idOf(existing); });
  examples.insert(at, std::move(item));
  if (examples.size() > kMaxHistoryExamples) examples.pop_back();
}

// True when some replica of the key holds `version` or a higher one.
bool heldByAnyReplica(const FinalReplicaState& finalState, const Key& key, const Version& version) {
  const auto it = finalState.find(key);
  if (it == finalState.end()) return false;
  return std::any_of(it->second.versions.begin(), it->second.versions.end(),
                     [&](const std::optional<Version>& held) { return held && *held >= version; });
}

// Entries gathered by key: entries[first, last) of each range share a key; ranges are in key order and entries
// within a range in id order, so the result does not depend on the order of the input.
struct KeyGroups {
  std::vector<const HistoryEntry*> entries;
  std::vector<std::pair<std::size_t, std::size_t>> ranges;
};

KeyGroups groupByKey(const std::vector<const HistoryEntry*>& items) {
  // The hash map only numbers the keys; nothing iterates over it.
  std::unordered_map<std::string_view, std::uint32_t> groupOf;
  std::vector<std::string_view> keys;
  std::vector<std::uint32_t> groupOfItem(items.size());
  std::vector<std::size_t> sizes;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const auto [it, inserted] = groupOf.try_emplace(items[i]->key, static_cast<std::uint32_t>(keys.size()));
    if (inserted) {
      keys.push_back(items[i]->key);
      sizes.push_back(0);
    }
    groupOfItem[i] = it->second;
    ++sizes[it->second];
  }

  std::vector<std::uint32_t> order(keys.size());
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) { return keys[a] < keys[b]; });

  KeyGroups groups;
  std::vector<std::size_t> next(keys.size());
  std::size_t offset = 0;
  for (std::uint32_t g : order) {
    next[g] = offset;
    groups.ranges.emplace_back(offset, offset + sizes[g]);
    offset += sizes[g];
  }
  groups.entries.resize(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) groups.entries[next[groupOfItem[i]]++] = items[i];
  for (const auto& [first, last] : groups.ranges) {
    std::sort(groups.entries.begin() + static_cast<std::ptrdiff_t>(first),
              groups.entries.begin() + static_cast<std::ptrdiff_t>(last),
              [](const HistoryEntry* a, const HistoryEntry* b) { return a->id < b->id; });
  }
  return groups;
}

// Per-key sweep state, reused across keys to avoid reallocating.
struct KeySweep {
  // Acknowledged writes ordered by completion; best[i] is the highest-version write among the first i + 1 (the
  // earliest acknowledged one when versions tie).
  std::vector<const HistoryEntry*> acknowledged;
  std::vector<TimePoint> completions;
  std::vector<const HistoryEntry*> best;

  void build(const HistoryEntry* const* begin, const HistoryEntry* const* end) {
    acknowledged.clear();
    for (auto it = begin; it != end; ++it) {
      if (isWrite(**it) && isOk(**it)) acknowledged.push_back(*it);
    }
    std::sort(acknowledged.begin(), acknowledged.end(), [](const HistoryEntry* a, const HistoryEntry* b) {
      if (a->completed != b->completed) return a->completed < b->completed;
      if (a->id != b->id) return a->id < b->id;
      return a->version < b->version;
    });
    completions.clear();
    best.clear();
    for (const HistoryEntry* write : acknowledged) {
      completions.push_back(write->completed);
      best.push_back(best.empty() || write->version > best.back()->version ? write : best.back());
    }
  }

  // The highest-version write acknowledged strictly before `time`, or nullptr when there is none.
  const HistoryEntry* latestBefore(TimePoint time) const {
    const auto count = std::lower_bound(completions.begin(), completions.end(), time) - completions.begin();
    return count == 0 ? nullptr : best[static_cast<std::size_t>(count - 1)];
  }
};

}  // namespace

double HistoryReport::staleReadRate() const {
  return successfulReads ? static_cast<double>(staleReads) / static_cast<double>(successfulReads) : 0.0;
}

HistoryReport checkHistory(const std::vector<HistoryEntry>& history, const FinalReplicaState& finalState) {
  HistoryReport report;
  report.operations = history.size();
  report.staleness = emptyBands();

  // Successful reads and every write (a failed write may still have landed).
  std::vector<const HistoryEntry*> relevant;
  relevant.reserve(history.size());
  for (const HistoryEntry& e : history) {
    if (isWrite(e)) {
      relevant.push_back(&e);
      if (isOk(e)) ++report.acknowledgedWrites;
    } else if (e.op == Operation::kGet && isOk(e)) {
      relevant.push_back(&e);
      ++report.successfulReads;
    }
  }
  const KeyGroups groups = groupByKey(relevant);

  KeySweep sweep;
  for (const auto& [first, last] : groups.ranges) {
    const auto groupBegin = groups.entries.begin() + static_cast<std::ptrdiff_t>(first);
    const auto groupEnd = groups.entries.begin() + static_cast<std::ptrdiff_t>(last);
    const Key& key = (*groupBegin)->key;
    sweep.build(std::to_address(groupBegin), std::to_address(groupEnd));

    // The highest version any write to the key may have left on a replica.
    std::optional<Version> highestWritten;
    for (auto it = groupBegin; it != groupEnd; ++it) {
      const HistoryEntry& e = **it;
      if (isWrite(e) && !e.version.isNull() && (!highestWritten || e.version > *highestWritten)) {
        highestWritten = e.version;
      }
    }

    for (auto it = groupBegin; it != groupEnd; ++it) {
      const HistoryEntry& e = **it;
      if (!isOk(e)) continue;
      const HistoryEntry* latest = sweep.latestBefore(e.invoked);

      if (e.op == Operation::kGet) {
        if (latest == nullptr) continue;
        const Duration delta = e.invoked - latest->completed;
        StalenessBand& band = report.staleness[bandIndex(delta)];
        ++band.reads;
        if (e.version >= latest->version) {
          ++band.fresh;
          continue;
        }
        ++report.staleReads;
        keepSmallest(report.staleReadExamples, StaleRead{e.id, key, e.version, latest->version, delta},
                     [](const StaleRead& r) { return r.readId; });
        continue;
      }

      if (latest != nullptr && latest->version > e.version) {
        ++report.lostUpdates;
        keepSmallest(report.lostUpdateExamples, LostUpdate{e.id, latest->id, key, e.version, latest->version},
                     [](const LostUpdate& u) { return u.writeId; });
      }
      const bool supersededByAnother = highestWritten && *highestWritten > e.version;
      if (!supersededByAnother && !heldByAnyReplica(finalState, key, e.version)) {
        ++report.lostWrites;
        keepSmallest(report.lostWriteExamples, LostWrite{e.id, key, e.version, e.completed},
                     [](const LostWrite& w) { return w.writeId; });
      }
    }
  }
  return report;
}

std::uint64_t countDivergentKeys(const FinalReplicaState& state) {
  std::uint64_t divergent = 0;
  for (const auto& [key, replicas] : state) {
    const auto& versions = replicas.versions;
    if (std::adjacent_find(versions.begin(), versions.end(), std::not_equal_to<>()) != versions.end()) ++divergent;
  }
  return divergent;
}

}  // namespace ringlab
