#include <ringlab/sim/history.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <numeric>
#include <stdexcept>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace ringlab {

namespace {

using namespace std::chrono_literals;

std::vector<StalenessBand> emptyBands(const std::vector<Duration>& edges) {
  std::vector<StalenessBand> bands(edges.size() + 1);
  for (std::size_t i = 0; i < bands.size(); ++i) {
    bands[i].from = i == 0 ? Duration{0} : edges[i - 1];
    bands[i].to = i < edges.size() ? edges[i] : Duration::max();
  }
  return bands;
}

// The band of a delay: the number of edges at or below it.
std::size_t bandIndex(const std::vector<Duration>& edges, Duration delta) {
  return static_cast<std::size_t>(std::upper_bound(edges.begin(), edges.end(), delta) - edges.begin());
}

// Where each phase starts: 0, then the given starts after 0, increasing and without repeats.
std::vector<TimePoint> phaseStartsOf(const std::vector<TimePoint>& given) {
  std::vector<TimePoint> starts{TimePoint{}};
  std::vector<TimePoint> sorted = given;
  std::sort(sorted.begin(), sorted.end());
  for (TimePoint t : sorted) {
    if (t > starts.back()) starts.push_back(t);
  }
  return starts;
}

std::size_t phaseIndex(const std::vector<TimePoint>& starts, TimePoint invoked) {
  const auto after = std::upper_bound(starts.begin(), starts.end(), invoked);
  return after == starts.begin() ? 0 : static_cast<std::size_t>(after - starts.begin()) - 1;
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

// Whether no replica holds anything for `key` (nor ever did, or its tombstone was collected).
bool heldByNoReplica(const FinalReplicaState& finalState, const Key& key) {
  const auto it = finalState.find(key);
  if (it == finalState.end()) return true;
  return std::none_of(it->second.versions.begin(), it->second.versions.end(),
                      [](const std::optional<Version>& held) { return held.has_value(); });
}

// The merge of every replica's record of a key (nullopt when none holds one or the records were not kept).
std::optional<Record> mergedFinalRecord(const FinalReplicaState& finalState, const Key& key) {
  const auto it = finalState.find(key);
  if (it == finalState.end()) return std::nullopt;
  return reconcile(it->second.records);
}

// Siblings mode: whether a write with `dot` and `stamp` survived in `merged`.
bool holdsSibling(const std::optional<Record>& merged, const Dot& dot, const Version& stamp) {
  if (!merged || merged->kind != RecordKind::kSiblings) return false;
  const auto& siblings = merged->siblings.siblings();
  return std::any_of(siblings.begin(), siblings.end(),
                     [&](const Sibling& s) { return s.dot == dot && s.stamp == stamp; });
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

  // The highest-version write acknowledged before `op` began, or nullptr when there is none: every write
  // acknowledged strictly before op.invoked, and those acknowledged at that very instant that the same client issued
  // earlier (causal order within an instant).
  const HistoryEntry* latestBefore(const HistoryEntry& op) const {
    const TimePoint time = op.invoked;
    const auto count =
        static_cast<std::size_t>(std::lower_bound(completions.begin(), completions.end(), time) - completions.begin());
    const HistoryEntry* latest = count == 0 ? nullptr : best[count - 1];
    if (op.client == 0) return latest;
    for (std::size_t i = count; i < completions.size() && completions[i] == time; ++i) {
      const HistoryEntry* write = acknowledged[i];
      if (write->client != op.client || write->id >= op.id) continue;
      if (latest == nullptr || write->version > latest->version) latest = write;
    }
    return latest;
  }
};

}  // namespace

double HistoryReport::staleReadRate() const {
  return successfulReads ? static_cast<double>(staleReads) / static_cast<double>(successfulReads) : 0.0;
}

double PhaseStaleness::staleReadRate() const {
  return successfulReads ? static_cast<double>(staleReads) / static_cast<double>(successfulReads) : 0.0;
}

std::vector<Duration> defaultStalenessBandEdges() {
  return {1ms, 2ms, 5ms, 10ms, 20ms, 50ms, 100ms, 200ms, 500ms, 1s, 2s, 5s};
}

Status validateStalenessBandEdges(const std::vector<Duration>& edges) {
  if (edges.size() > kMaxStalenessBandEdges) {
    return Status(ErrorCode::kInvalidArgument, "at most " + std::to_string(kMaxStalenessBandEdges) +
                                                   " band edges, got " + std::to_string(edges.size()));
  }
  for (std::size_t i = 0; i < edges.size(); ++i) {
    if (edges[i] <= Duration{0}) {
      return Status(ErrorCode::kInvalidArgument,
                    "band edge " + std::to_string(i + 1) + " (" + formatDuration(edges[i]) + ") is not positive");
    }
    if (i > 0 && edges[i] <= edges[i - 1]) {
      return Status(ErrorCode::kInvalidArgument, "band edge " + std::to_string(i + 1) + " (" +
                                                     formatDuration(edges[i]) + ") is not above the one before it (" +
                                                     formatDuration(edges[i - 1]) + ")");
    }
  }
  return Status::ok();
}

std::optional<Duration> timeToFreshProbability(const std::vector<StalenessBand>& bands, double target) {
  std::optional<std::pair<double, double>> previous;  // (nanoseconds, P(fresh)) of the last band with reads
  for (const StalenessBand& band : bands) {
    if (band.reads == 0) continue;
    const double from = static_cast<double>(band.from.count());
    const double x = band.to == Duration::max() ? from : from + static_cast<double>((band.to - band.from).count()) / 2;
    const double p = band.freshProbability();
    if (p >= target) {
      if (!previous) return band.from;
      const auto [x0, p0] = *previous;
      const double t = x0 + (target - p0) / (p - p0) * (x - x0);
      return Duration(static_cast<std::int64_t>(std::llround(t)));
    }
    previous = std::pair{x, p};
  }
  return std::nullopt;
}

HistoryReport checkHistory(const std::vector<HistoryEntry>& history, const FinalReplicaState& finalState,
                           const HistoryCheckOptions& options) {
  if (Status s = validateStalenessBandEdges(options.bandEdges); !s.isOk()) {
    throw std::invalid_argument("staleness bands: " + s.message());
  }
  const std::vector<Duration>& edges = options.bandEdges;
  HistoryReport report;
  report.operations = history.size();
  report.staleness = emptyBands(edges);
  const std::vector<TimePoint> phaseStarts = phaseStartsOf(options.phaseStarts);
  report.phases.resize(phaseStarts.size());
  for (std::size_t i = 0; i < phaseStarts.size(); ++i) {
    PhaseStaleness& phase = report.phases[i];
    phase.from = phaseStarts[i];
    if (i + 1 < phaseStarts.size()) phase.to = phaseStarts[i + 1];
    phase.staleness = emptyBands(edges);
  }

  // Counters: acknowledged increments per key against what the replicas converged to.
  std::map<Key, std::int64_t> increments;
  for (const HistoryEntry& e : history) {
    if (e.op == Operation::kIncrement && isOk(e)) increments[e.key] += e.delta;
  }
  for (const auto& [key, acknowledged] : increments) {
    std::int64_t converged = 0;
    const auto merged = mergedFinalRecord(finalState, key);
    const bool crdt = merged && merged->kind == RecordKind::kCounter;
    if (merged && !merged->tombstone) {
      converged = crdt ? merged->counter.value() : std::strtoll(merged->value.c_str(), nullptr, 10);
    }
    report.acknowledgedIncrements += acknowledged;
    report.convergedCounterTotal += converged;
    if (acknowledged > converged) {
      report.lostIncrements += static_cast<std::uint64_t>(acknowledged - converged);
      if (crdt) report.lostCrdtIncrements += static_cast<std::uint64_t>(acknowledged - converged);
    }
  }
  for (const auto& [key, replicas] : finalState) {
    for (const auto& record : replicas.records) {
      if (record && record->kind == RecordKind::kSiblings) {
        report.largestSiblingSet = std::max<std::uint64_t>(report.largestSiblingSet, record->siblings.siblings().size());
      }
    }
  }

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

    // Siblings: their sizes, and how long a key kept several before a write resolved them (in completion order).
    std::optional<Record> merged;
    bool causal = false;
    {
      std::vector<const HistoryEntry*> byCompletion;
      for (auto it = groupBegin; it != groupEnd; ++it) {
        if (isOk(**it) && (*it)->siblings > 0) byCompletion.push_back(*it);
        causal = causal || (*it)->dot.has_value();
      }
      std::stable_sort(byCompletion.begin(), byCompletion.end(),
                       [](const HistoryEntry* a, const HistoryEntry* b) { return a->completed < b->completed; });
      std::optional<TimePoint> since;
      for (const HistoryEntry* e : byCompletion) {
        report.largestSiblingSet = std::max<std::uint64_t>(report.largestSiblingSet, e->siblings);
        if (e->siblings > 1) {
          if (isWrite(*e)) ++report.siblingsCreated;
          if (!since) since = e->completed;
        } else if (since && isWrite(*e)) {
          ++report.siblingSetsResolved;
          report.longestSiblingLife = std::max(report.longestSiblingLife, e->completed - *since);
          since.reset();
        }
      }
      if (causal) merged = mergedFinalRecord(finalState, key);
    }
    // Every version a write to this key carried (for reads that return a version nobody wrote).
    std::vector<Version> writtenVersions;
    std::vector<const HistoryEntry*> unversionedWrites;  // cut short with no version known: may have landed
    const bool checkInvented = options.checkInventedValues && !causal && !increments.count(key);
    if (checkInvented) {
      for (auto it = groupBegin; it != groupEnd; ++it) {
        if (!isWrite(**it)) continue;
        if (!(*it)->version.isNull()) {
          writtenVersions.push_back((*it)->version);
        } else if (!isOk(**it) && (*it)->coordinator != kNoNode) {
          unversionedWrites.push_back(*it);
        }
      }
      std::sort(writtenVersions.begin(), writtenVersions.end());
    }
    const auto written = [&](const HistoryEntry& read) {
      if (std::binary_search(writtenVersions.begin(), writtenVersions.end(), read.version)) return true;
      return std::any_of(unversionedWrites.begin(), unversionedWrites.end(), [&](const HistoryEntry* w) {
        return w->coordinator == read.version.node && w->invoked <= read.completed;
      });
    };
    const auto countLost = [&](const HistoryEntry& e) {
      ++report.lostWrites;
      const bool diskLoss = options.lostToDiskLoss && options.lostToDiskLoss(key, e.version);
      if (diskLoss) ++report.lostWritesToDiskLoss;
      keepSmallest(report.lostWriteExamples, LostWrite{e.id, key, e.version, e.completed, diskLoss},
                   [](const LostWrite& w) { return w.writeId; });
    };
    // Some write's context covers a dot exactly when the join of all of them does (a write's own context never
    // covers its own, new dot).
    VersionVector allContexts;
    if (causal) {
      for (auto it = groupBegin; it != groupEnd; ++it) {
        if (isWrite(**it)) allContexts.merge((*it)->context);
      }
    }

    for (auto it = groupBegin; it != groupEnd; ++it) {
      const HistoryEntry& e = **it;
      if (!isOk(e)) continue;
      const HistoryEntry* latest = sweep.latestBefore(e);

      if (isWrite(e) && e.dot) {
        // Siblings mode: lost only if no replica holds it and no write's context covered it (superseded on purpose).
        if (holdsSibling(merged, *e.dot, e.version)) continue;
        if (!allContexts.covers(*e.dot)) countLost(e);
        continue;
      }

      if (e.op == Operation::kGet && checkInvented && !e.version.isNull() && !written(e)) {
        ++report.inventedReads;
        keepSmallest(report.inventedReadExamples, InventedRead{e.id, key, e.version},
                     [](const InventedRead& r) { return r.readId; });
      }
      if (e.op == Operation::kGet) {
        PhaseStaleness& phase = report.phases[phaseIndex(phaseStarts, e.invoked)];
        ++phase.successfulReads;
        if (latest == nullptr) continue;
        const Duration delta = e.invoked - latest->completed;
        const std::size_t bandAt = bandIndex(edges, delta);
        StalenessBand& band = report.staleness[bandAt];
        StalenessBand& phaseBand = phase.staleness[bandAt];
        ++band.reads;
        ++phaseBand.reads;
        const bool collectedDelete = options.tombstonesCollected && latest->op == Operation::kDelete && !e.found &&
                                     e.version.isNull();
        if (e.version >= latest->version || collectedDelete) {
          ++band.fresh;
          ++phaseBand.fresh;
          continue;
        }
        ++report.staleReads;
        ++phase.staleReads;
        report.staleReadTimes.push_back(e.completed);
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
      const bool collected =
          options.tombstonesCollected && e.op == Operation::kDelete && heldByNoReplica(finalState, key);
      if (!supersededByAnother && !collected && !heldByAnyReplica(finalState, key, e.version)) countLost(e);
    }
  }
  std::sort(report.staleReadTimes.begin(), report.staleReadTimes.end());
  report.freshAfter = timeToFreshProbability(report.staleness, kFreshTarget);
  for (PhaseStaleness& phase : report.phases) phase.freshAfter = timeToFreshProbability(phase.staleness, kFreshTarget);
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
