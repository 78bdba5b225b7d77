#include <ringlab/engine/ring.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <iterator>
#include <map>
#include <tuple>
#include <unordered_set>
#include <utility>

namespace ringlab {
namespace {

__extension__ typedef unsigned __int128 Uint128;

constexpr Uint128 kRingSize = Uint128{1} << 64;

// Width of the range (start, end] in tokens; start == end is the whole ring.
Uint128 widthOf(Token start, Token end) {
  const Token width = end - start;
  return width == 0 ? kRingSize : Uint128{width};
}

// The last token of partition i of q equal partitions: partition i is [floor(i*2^64/q), floor((i+1)*2^64/q) - 1].
Token partitionToken(std::size_t i, std::size_t q) { return static_cast<Token>(((Uint128{i} + 1) << 64) / q - 1); }

bool byToken(const RingEntry& a, const RingEntry& b) { return a.token < b.token; }

bool listHas(const NodeList& list, NodeId node) { return std::find(list.begin(), list.end(), node) != list.end(); }

// Whether `node` holds any of the partitions within two positions of `p` (wrapping), p itself excluded.
bool nearPartitionOf(const std::vector<NodeId>& owners, std::size_t p, NodeId node) {
  const std::size_t q = owners.size();
  for (std::size_t d = 1; d <= 2; ++d) {
    const std::size_t after = (p + d) % q;
    const std::size_t before = (p + q - d % q) % q;
    if ((after != p && owners[after] == node) || (before != p && owners[before] == node)) return true;
  }
  return false;
}

std::vector<RingEntry> partitionEntries(std::size_t q, const std::vector<NodeId>& owners) {
  std::vector<RingEntry> entries(q);
  for (std::size_t i = 0; i < q; ++i) entries[i] = RingEntry{partitionToken(i, q), owners[i]};
  return entries;
}

}  // namespace

bool TokenRange::contains(Token t) const {
  if (start == end) return true;
  if (start < end) return t > start && t <= end;
  return t > start || t <= end;
}

double TokenRange::fraction() const {
  const Token width = end - start;
  if (width == 0) return 1.0;
  return static_cast<double>(width) * 0x1.0p-64;
}

Ring Ring::build(const RingConfig& config, std::size_t nodeCount, Rng& rng) {
  Ring ring;
  ring.m_config = config;
  if (config.strategy == PlacementStrategy::kPartitions) {
    if (config.partitions == 0 || nodeCount == 0) return ring;
    // Round robin puts any N <= nodeCount consecutive partitions on distinct nodes, except across the wrap when
    // Q % nodeCount is 1 or 2. There the last two partitions go instead to the least loaded node clear of their
    // neighbours within two positions; one always exists when nodeCount >= 5 (for 3 or 4 nodes the seam stays).
    const std::size_t q = config.partitions;
    std::vector<NodeId> owners(q);
    std::vector<std::size_t> counts(std::min(nodeCount, q), 0);
    for (std::size_t i = 0; i < q; ++i) {
      owners[i] = static_cast<NodeId>(i % nodeCount);
      ++counts[owners[i]];
    }
    for (std::size_t p = q >= 2 ? q - 2 : 0; p < q; ++p) {
      if (!nearPartitionOf(owners, p, owners[p])) continue;
      std::size_t heir = counts.size();
      for (std::size_t n = 0; n < counts.size(); ++n) {
        if (nearPartitionOf(owners, p, static_cast<NodeId>(n))) continue;
        if (heir == counts.size() || counts[n] < counts[heir]) heir = n;
      }
      if (heir == counts.size()) continue;
      --counts[owners[p]];
      owners[p] = static_cast<NodeId>(heir);
      ++counts[heir];
    }
    ring.m_entries = partitionEntries(config.partitions, owners);
    ring.rebuildIndex();
    return ring;
  }

  const std::size_t total = nodeCount * config.vnodesPerNode;
  std::vector<RingEntry> entries;
  entries.reserve(total);
  // Fast path: draw everything, then check for a repeated token. Only if one occurred (practically never), replay the
  // draws with redraw-on-collision, which is the defined behaviour and gives the same ring when nothing collides.
  const Rng start = rng;
  for (std::size_t node = 0; node < nodeCount; ++node) {
    for (std::size_t v = 0; v < config.vnodesPerNode; ++v) entries.push_back({rng.next(), static_cast<NodeId>(node)});
  }
  std::sort(entries.begin(), entries.end(), byToken);
  const bool collided = std::adjacent_find(entries.begin(), entries.end(), [](const RingEntry& a, const RingEntry& b) {
                          return a.token == b.token;
                        }) != entries.end();
  if (collided) {
    rng = start;
    entries.clear();
    std::unordered_set<Token> taken;
    for (std::size_t node = 0; node < nodeCount; ++node) {
      for (std::size_t v = 0; v < config.vnodesPerNode; ++v) {
        Token token = rng.next();
        while (!taken.insert(token).second) token = rng.next();
        entries.push_back({token, static_cast<NodeId>(node)});
      }
    }
    std::sort(entries.begin(), entries.end(), byToken);
  }
  ring.m_entries = std::move(entries);
  ring.rebuildIndex();
  return ring;
}

Ring Ring::fromEntries(std::vector<RingEntry> entries, const RingConfig& config) {
  Ring ring;
  ring.m_config = config;
  std::stable_sort(entries.begin(), entries.end(), byToken);
  entries.erase(std::unique(entries.begin(), entries.end(),
                            [](const RingEntry& a, const RingEntry& b) { return a.token == b.token; }),
                entries.end());
  ring.m_entries = std::move(entries);
  ring.rebuildIndex();
  return ring;
}

Ring Ring::withNode(NodeId node, Rng& rng) const {
  if (contains(node)) return *this;
  Ring ring;
  ring.m_config = m_config;

  if (m_config.strategy == PlacementStrategy::kVnodes) {
    std::vector<RingEntry> added;
    added.reserve(m_config.vnodesPerNode);
    auto taken = [&](Token t) {
      auto it = std::lower_bound(m_entries.begin(), m_entries.end(), t,
                                 [](const RingEntry& e, Token value) { return e.token < value; });
      if (it != m_entries.end() && it->token == t) return true;
      return std::any_of(added.begin(), added.end(), [t](const RingEntry& e) { return e.token == t; });
    };
    for (std::size_t v = 0; v < m_config.vnodesPerNode; ++v) {
      Token token = rng.next();
      while (taken(token)) token = rng.next();
      added.push_back({token, node});
    }
    std::sort(added.begin(), added.end(), byToken);
    ring.m_entries.resize(m_entries.size() + added.size());
    std::merge(m_entries.begin(), m_entries.end(), added.begin(), added.end(), ring.m_entries.begin(), byToken);
    ring.rebuildIndex();
    return ring;
  }

  // kPartitions. An empty ring gets its partitions laid out, all on the new node.
  if (m_entries.empty()) {
    if (m_config.partitions == 0) return *this;
    ring.m_entries = partitionEntries(m_config.partitions, std::vector<NodeId>(m_config.partitions, node));
    ring.rebuildIndex();
    return ring;
  }
  std::vector<NodeId> owners(m_entries.size());
  for (std::size_t i = 0; i < owners.size(); ++i) owners[i] = m_entries[i].node;
  std::map<NodeId, std::size_t> counts;
  for (NodeId owner : owners) ++counts[owner];
  const std::size_t target = owners.size() / (m_nodes.size() + 1);
  std::size_t claimed = 0;
  while (claimed < target) {
    // The most loaded node; std::map iterates ids ascending, so ties go to the lowest id.
    auto donor = counts.begin();
    for (auto it = counts.begin(); it != counts.end(); ++it) {
      if (it->second > donor->second) donor = it;
    }
    if (donor->second <= claimed) break;  // taking more would leave the new node the most loaded
    std::size_t pick = owners.size();
    std::size_t firstOfDonor = owners.size();
    for (std::size_t p = 0; p < owners.size(); ++p) {
      if (owners[p] != donor->first) continue;
      if (firstOfDonor == owners.size()) firstOfDonor = p;
      if (!nearPartitionOf(owners, p, node)) {
        pick = p;
        break;
      }
    }
    if (pick == owners.size()) pick = firstOfDonor;
    owners[pick] = node;
    --donor->second;
    ++claimed;
  }
  if (claimed == 0) return *this;  // fewer partitions than nodes: the new node gets none
  ring.m_entries = m_entries;
  for (std::size_t i = 0; i < owners.size(); ++i) ring.m_entries[i].node = owners[i];
  ring.rebuildIndex();
  return ring;
}

Ring Ring::withoutNode(NodeId node) const {
  if (!contains(node)) return *this;
  Ring ring;
  ring.m_config = m_config;

  if (m_config.strategy == PlacementStrategy::kVnodes) {
    ring.m_entries.reserve(m_entries.size());
    std::copy_if(m_entries.begin(), m_entries.end(), std::back_inserter(ring.m_entries),
                 [node](const RingEntry& e) { return e.node != node; });
    ring.rebuildIndex();
    return ring;
  }

  // kPartitions: hand the leaving node's partitions, in ring order, to the least loaded remaining nodes.
  if (m_nodes.size() == 1) return ring;  // nobody left to take them
  std::vector<NodeId> owners(m_entries.size());
  for (std::size_t i = 0; i < owners.size(); ++i) owners[i] = m_entries[i].node;
  std::vector<std::pair<std::size_t, NodeId>> load;  // (partitions held, node)
  for (NodeId n : m_nodes) {
    if (n != node) load.emplace_back(static_cast<std::size_t>(std::count(owners.begin(), owners.end(), n)), n);
  }
  for (std::size_t p = 0; p < owners.size(); ++p) {
    if (owners[p] != node) continue;
    std::sort(load.begin(), load.end());
    auto heir = std::find_if(load.begin(), load.end(), [&](const std::pair<std::size_t, NodeId>& l) {
      return !nearPartitionOf(owners, p, l.second);
    });
    if (heir == load.end()) heir = load.begin();
    owners[p] = heir->second;
    ++heir->first;
  }
  ring.m_entries = m_entries;
  for (std::size_t i = 0; i < owners.size(); ++i) ring.m_entries[i].node = owners[i];
  ring.rebuildIndex();
  return ring;
}

void Ring::rebuildIndex() {
  m_nodes.clear();
  m_bucketStart.clear();
  m_indexShift = 63;
  m_uniformPartitions = false;
  if (m_entries.empty()) return;

  m_nodes.reserve(m_entries.size());
  for (const RingEntry& e : m_entries) m_nodes.push_back(e.node);
  std::sort(m_nodes.begin(), m_nodes.end());
  m_nodes.erase(std::unique(m_nodes.begin(), m_nodes.end()), m_nodes.end());
  m_nodes.shrink_to_fit();

  const std::size_t n = m_entries.size();
  if (m_config.strategy == PlacementStrategy::kPartitions && n == m_config.partitions) {
    m_uniformPartitions = true;
    for (std::size_t i = 0; i < n && m_uniformPartitions; ++i) {
      m_uniformPartitions = m_entries[i].token == partitionToken(i, n);
    }
    if (m_uniformPartitions) return;
  }

  // About one entry per bucket.
  const int bits = std::clamp(static_cast<int>(std::bit_width(n - 1)), 1, kMaxIndexBits);
  m_indexShift = 64 - bits;
  const std::size_t buckets = std::size_t{1} << bits;
  m_bucketStart.resize(buckets + 1);
  std::size_t i = 0;
  for (std::size_t b = 0; b < buckets; ++b) {
    while (i < n && (m_entries[i].token >> m_indexShift) < b) ++i;
    m_bucketStart[b] = static_cast<std::uint32_t>(i);
  }
  m_bucketStart[buckets] = static_cast<std::uint32_t>(n);
}

std::size_t Ring::ownerIndex(Token token) const {
  if (m_uniformPartitions) {
    // Partition i holds the tokens t with floor(i*2^64/Q) <= t, that is i*2^64 < (t+1)*Q.
    const Uint128 q = m_entries.size();
    return static_cast<std::size_t>(((Uint128{token} + 1) * q - 1) >> 64);
  }
  const std::size_t bucket = static_cast<std::size_t>(token >> m_indexShift);
  std::size_t lo = m_bucketStart[bucket];
  const std::size_t hi = m_bucketStart[bucket + 1];
  // Entries in [lo, hi) share the token's top bits; the entry at hi (if any) is above the token.
  if (hi - lo <= 8) {
    while (lo < hi && m_entries[lo].token < token) ++lo;
  } else {
    lo = static_cast<std::size_t>(std::lower_bound(m_entries.begin() + static_cast<std::ptrdiff_t>(lo),
                                                   m_entries.begin() + static_cast<std::ptrdiff_t>(hi), token,
                                                   [](const RingEntry& e, Token t) { return e.token < t; }) -
                                  m_entries.begin());
  }
  return lo == m_entries.size() ? 0 : lo;
}

void Ring::collectFrom(std::size_t index, std::size_t replicas, std::size_t maxFallbacks, PreferenceList& out) const {
  out.replicas.clear();
  out.fallbacks.clear();
  const std::size_t size = m_entries.size();
  const std::size_t distinct = m_nodes.size();
  const std::size_t wanted = std::min(distinct, std::min(replicas, distinct) + std::min(maxFallbacks, distinct));
  std::size_t found = 0;
  for (std::size_t step = 0; step < size && found < wanted; ++step) {
    const NodeId node = m_entries[index].node;
    if (++index == size) index = 0;
    if (listHas(out.replicas, node)) continue;
    if (out.replicas.size() < replicas) {
      out.replicas.push_back(node);
      ++found;
    } else if (!listHas(out.fallbacks, node)) {
      out.fallbacks.push_back(node);
      ++found;
    }
  }
}

PreferenceList Ring::preferenceList(Token token, std::size_t replicas, std::size_t maxFallbacks) const {
  PreferenceList out;
  preferenceList(token, replicas, maxFallbacks, out);
  return out;
}

void Ring::preferenceList(Token token, std::size_t replicas, std::size_t maxFallbacks, PreferenceList& out) const {
  if (m_entries.empty()) {
    out.replicas.clear();
    out.fallbacks.clear();
    return;
  }
  collectFrom(ownerIndex(token), replicas, maxFallbacks, out);
}

std::vector<NodeId> Ring::nodes() const { return m_nodes; }

bool Ring::contains(NodeId node) const { return std::binary_search(m_nodes.begin(), m_nodes.end(), node); }

TokenRange Ring::rangeOf(std::size_t entryIndex) const {
  const std::size_t previous = entryIndex == 0 ? m_entries.size() - 1 : entryIndex - 1;
  return TokenRange{m_entries[previous].token, m_entries[entryIndex].token};
}

OwnershipStats Ring::ownership(std::size_t replicas) const {
  OwnershipStats stats;
  stats.replicas = replicas;
  if (m_entries.empty()) return stats;

  const std::size_t count = m_nodes.size();
  auto position = [this](NodeId node) {
    return static_cast<std::size_t>(std::lower_bound(m_nodes.begin(), m_nodes.end(), node) - m_nodes.begin());
  };
  // Exact integer sums in token units; converted once at the end, so primary shares sum to 1 up to rounding.
  std::vector<Uint128> primary(count, 0);
  std::vector<Uint128> replicated(count, 0);
  std::vector<std::size_t> tokens(count, 0);
  PreferenceList list;
  for (std::size_t i = 0; i < m_entries.size(); ++i) {
    const TokenRange range = rangeOf(i);
    const Uint128 width = widthOf(range.start, range.end);
    const std::size_t owner = position(m_entries[i].node);
    primary[owner] += width;
    ++tokens[owner];
    collectFrom(i, replicas, 0, list);
    for (NodeId node : list.replicas) replicated[position(node)] += width;
  }

  stats.nodes.resize(count);
  long double sumPrimary = 0, sumReplicated = 0;
  for (std::size_t k = 0; k < count; ++k) {
    NodeOwnership& o = stats.nodes[k];
    o.node = m_nodes[k];
    o.tokens = tokens[k];
    const long double p = static_cast<long double>(primary[k]) * 0x1.0p-64L;
    const long double r = static_cast<long double>(replicated[k]) * 0x1.0p-64L;
    o.primaryShare = static_cast<double>(p);
    o.replicatedShare = static_cast<double>(r);
    sumPrimary += p;
    sumReplicated += r;
  }
  const long double meanPrimary = sumPrimary / count;
  const long double meanReplicated = sumReplicated / count;
  long double varPrimary = 0, varReplicated = 0;
  double maxReplicated = 0;
  stats.maxPrimary = stats.nodes[0].primaryShare;
  stats.minPrimary = stats.nodes[0].primaryShare;
  for (const NodeOwnership& o : stats.nodes) {
    stats.maxPrimary = std::max(stats.maxPrimary, o.primaryShare);
    stats.minPrimary = std::min(stats.minPrimary, o.primaryShare);
    maxReplicated = std::max(maxReplicated, o.replicatedShare);
    varPrimary += (o.primaryShare - meanPrimary) * (o.primaryShare - meanPrimary);
    varReplicated += (o.replicatedShare - meanReplicated) * (o.replicatedShare - meanReplicated);
  }
  varPrimary /= count;
  varReplicated /= count;
  stats.meanPrimary = static_cast<double>(meanPrimary);
  stats.maxOverMean = static_cast<double>(stats.maxPrimary / meanPrimary);
  stats.coefficientOfVariation = static_cast<double>(std::sqrt(varPrimary) / meanPrimary);
  if (meanReplicated > 0) {
    stats.replicatedMaxOverMean = static_cast<double>(maxReplicated / meanReplicated);
    stats.replicatedCoefficientOfVariation = static_cast<double>(std::sqrt(varReplicated) / meanReplicated);
  }
  return stats;
}

std::vector<RangeTransfer> Ring::diff(const Ring& before, const Ring& after, std::size_t replicas) {
  std::vector<RangeTransfer> transfers;
  if (before.empty() || after.empty() || replicas == 0) return transfers;

  std::vector<Token> bounds;
  bounds.reserve(before.m_entries.size() + after.m_entries.size());
  for (const RingEntry& e : before.m_entries) bounds.push_back(e.token);
  for (const RingEntry& e : after.m_entries) bounds.push_back(e.token);
  std::sort(bounds.begin(), bounds.end());
  bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());
  const std::size_t m = bounds.size();

  // For each (from, to): the index in `transfers` of its latest piece and of its first piece.
  std::map<std::pair<NodeId, NodeId>, std::pair<std::size_t, std::size_t>> pieces;
  PreferenceList was, now;
  NodeList lost;
  std::vector<bool> paired;
  // Elementary intervals (bounds[k-1], bounds[k]] for k = 1..m-1, then the wrapping one (bounds[m-1], bounds[0]].
  // No token of either ring lies inside an interval, so its replica sets are those of its end token.
  for (std::size_t step = 1; step <= m; ++step) {
    const std::size_t k = step % m;
    const TokenRange interval{bounds[(k + m - 1) % m], bounds[k]};
    before.preferenceList(interval.end, replicas, 0, was);
    after.preferenceList(interval.end, replicas, 0, now);
    lost.clear();
    for (NodeId node : was.replicas) {
      if (!listHas(now.replicas, node)) lost.push_back(node);
    }
    paired.assign(lost.size(), false);
    for (std::size_t j = 0; j < now.replicas.size(); ++j) {
      const NodeId to = now.replicas[j];
      if (listHas(was.replicas, to)) continue;
      NodeId from = was.replicas.front();
      auto samePosition = j < was.replicas.size() ? std::find(lost.begin(), lost.end(), was.replicas[j]) : lost.end();
      if (samePosition != lost.end() && !paired[static_cast<std::size_t>(samePosition - lost.begin())]) {
        from = *samePosition;
        paired[static_cast<std::size_t>(samePosition - lost.begin())] = true;
      } else {
        for (std::size_t l = 0; l < lost.size(); ++l) {
          if (!paired[l]) {
            from = lost[l];
            paired[l] = true;
            break;
          }
        }
      }
      auto [it, inserted] = pieces.try_emplace({from, to}, transfers.size(), transfers.size());
      if (!inserted && transfers[it->second.first].range.end == interval.start) {
        transfers[it->second.first].range.end = interval.end;
      } else {
        it->second.first = transfers.size();
        transfers.push_back(RangeTransfer{interval, from, to});
      }
    }
  }

  // The wrapping interval came last: join a piece ending at bounds[0] with the same pair's piece starting there.
  std::vector<bool> erased(transfers.size(), false);
  if (m > 1) {
    for (const auto& [pair, index] : pieces) {
      const auto [last, first] = index;
      if (last != first && transfers[last].range.end == bounds[0] && transfers[first].range.start == bounds[0]) {
        transfers[last].range.end = transfers[first].range.end;
        erased[first] = true;
      }
    }
  }
  std::size_t kept = 0;
  for (std::size_t i = 0; i < transfers.size(); ++i) {
    if (!erased[i]) transfers[kept++] = transfers[i];
  }
  transfers.resize(kept);
  std::sort(transfers.begin(), transfers.end(), [](const RangeTransfer& a, const RangeTransfer& b) {
    return std::tie(a.range.start, a.to, a.from) < std::tie(b.range.start, b.to, b.from);
  });
  return transfers;
}

double expectedVnodeOwnershipCv(std::size_t nodes, std::size_t vnodesPerNode) {
  if (nodes == 0) return 0;
  return std::sqrt(static_cast<double>(nodes - 1) / (static_cast<double>(nodes) * vnodesPerNode + 1));
}

}  // namespace ringlab
