// The background mechanisms of a node: gossip, failure detection, hint storage and replay, and anti-entropy.
#include <algorithm>
#include <set>

#include <ringlab/engine/codec.h>
#include <ringlab/engine/hash.h>
#include <ringlab/engine/merkle.h>
#include <ringlab/engine/node.h>

#include "node_waits.h"

namespace ringlab {
namespace {

__extension__ typedef unsigned __int128 Uint128;

// How many levels a Merkle exchange descends per message: a differing node is answered with its 16 descendants four
// levels down, so a depth-8 tree is compared in three steps (root, level 4, leaves).
constexpr unsigned kAeLevelsPerStep = 4;

}  // namespace

NodeStatus Node::status() const {
  const StorageStats storage = m_storage.stats();
  NodeStatus status;
  status.records = storage.records;
  status.bytes = storage.bytes;
  status.siblingKeys = storage.siblingKeys;
  status.tombstones = storage.tombstones;
  status.hintsHeld = m_hints.pending();
  if (const auto self = m_membership.member(m_config.id)) status.membership = self->status;
  return status;
}

NodeState Node::peerState(NodeId peer) const {
  if (peer == m_config.id || !m_config.mechanisms.gossip || !m_config.mechanisms.failureDetector) {
    return NodeState::kUp;
  }
  auto it = m_peerStates.find(peer);
  return it == m_peerStates.end() ? NodeState::kUp : it->second;
}

double Node::peerPhi(NodeId peer) const {
  if (peer == m_config.id || !m_config.mechanisms.failureDetector) return 0;
  return m_detector.phi(peer, m_rt.now());
}

void Node::sendMaintenance(NodeId to, Payload payload) {
  Message message;
  message.to = to;
  message.payload = std::move(payload);
  const MessageKind kind = message.kind();
  if (kind >= MessageKind::kAeTree && kind <= MessageKind::kAeRecords) {
    m_stats.antiEntropyBytesSent += encodedSize(message);
  }
  m_rt.send(std::move(message));
}

// --- gossip and failure detection ---------------------------------------------------------------------------------

// A gossip round's target: one peer the failure detector has no doubt about, chosen uniformly; and, now and then, one
// it doubts.
//
// A peer's heartbeat reaches this node only through the peers it exchanges digests with. When most known peers are
// unreachable (crashed, or across a partition), a target drawn uniformly from all of them is usually one that cannot
// answer, and the few reachable peers go seconds without an exchange: their heartbeats stop arriving although their
// links are up, and the detector, which learned a ~1s rhythm, declares them down. So, as Cassandra's gossiper does,
// each round goes to a peer the detector believes up, and to a doubted one (suspect or down) only with probability
// doubted / (trusted + 1), so that a healed link or a restarted node is still heard of. With no doubted peer this is
// exactly one uniform draw over every peer, as before.
void Node::runGossip() {
  for (;;) {
    // Nothing with a destructor lives across the sleep: a node that stops unwinds this fiber from there, and an
    // unwind through a cleanup frame on a fiber stack trips AddressSanitizer's stack bookkeeping.
    m_rt.sleepFor(jittered(m_config.mechanisms.gossipInterval, m_rt.rng()));
    m_rt.chargeCpu();
    m_membership.beat();
    m_stats.gossipRounds++;
    // Counts, not lists: a round costs O(1) whatever the size of the cluster.
    const std::size_t trusted = trustedPeerCount(m_membership, m_doubted.size());
    if (trusted > 0) {
      if (const auto peer = drawTrustedPeer()) askForGossip(*peer);
    }
    if (const auto peer = drawDoubtedPeer(m_doubted, trusted, m_rt.rng())) askForGossip(*peer);
  }
}

void Node::askForGossip(NodeId peer) {
  // A request carries a request id, an answer none.
  Message message;
  message.to = peer;
  message.requestId = nextRequestId();
  message.payload = m_membership.digest();
  m_rt.send(std::move(message));
}

void Node::addPeer(NodeId peer) {
  if (peer == m_config.id) return;
  m_membership.addSeed(peer);
  const auto info = m_membership.member(peer);
  const bool heardFrom = info && (info->generation != 0 || info->heartbeat != 0);
  if (swimming()) return;  // SWIM keeps no state about a peer until some news is about it
  if (!heardFrom && m_detector.verdict(peer, m_rt.now()) == PhiAccrualDetector::Verdict::kUnknown) {
    onHeartbeat(peer, m_rt.now());
  }
}

std::vector<NodeId> Node::announce() {
  std::vector<NodeId> asked;
  for (NodeId peer : m_membership.members()) {
    if (peer == m_config.id || m_membership.member(peer)->status == MemberStatus::kLeft) continue;
    askForGossip(peer);
    asked.push_back(peer);
  }
  return asked;
}

std::optional<NodeId> Node::drawTrustedPeer() {
  const auto trustedPeer = [this](NodeId node) {
    if (node == m_config.id || peerState(node) != NodeState::kUp) return false;
    const auto info = m_membership.member(node);
    return info && info->status != MemberStatus::kLeft;
  };
  const std::size_t size = m_membership.size();
  // Rejection sampling: uniform over the trusted peers, and O(1) expected while most peers are trusted. After a few
  // misses (most of the cluster doubted or gone), one scan.
  constexpr int kAttempts = 16;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    const NodeId node = m_membership.memberAt(static_cast<std::size_t>((static_cast<Uint128>(m_rt.rng().next()) * size) >> 64));
    if (trustedPeer(node)) return node;
  }
  std::vector<NodeId> candidates;
  for (std::size_t i = 0; i < size; ++i) {
    if (trustedPeer(m_membership.memberAt(i))) candidates.push_back(m_membership.memberAt(i));
  }
  if (candidates.empty()) return std::nullopt;
  return candidates[static_cast<std::size_t>((static_cast<Uint128>(m_rt.rng().next()) * candidates.size()) >> 64)];
}

void Node::onGossip(const Message& message) {
  const auto& gossip = std::get<Gossip>(message.payload);
  const TimePoint now = m_rt.now();
  m_gossipHeard[message.from] = now;
  const MembershipView::MergeResult merged = m_membership.merge(gossip, now);
  if (swimming()) {
    // A full exchange of views (a node joining, announce()): what it taught this node spreads as rumours.
    for (NodeId advanced : merged.advanced) {
      const MemberInfo info = *m_membership.member(advanced);
      const Rumour alive{RumourKind::kAlive, advanced, info.generation, info.heartbeat, info.status};
      const bool statusNews = std::binary_search(merged.statusChanged.begin(), merged.statusChanged.end(), advanced);
      // Passed on only when it is news here too: a stale alive must not displace a queued suspicion or death.
      if (applyRumour(alive, now) || statusNews) spread(alive);
      if (info.status == MemberStatus::kLeft) setDoubted(advanced, false);
    }
    if (message.requestId != 0) {
      sendMaintenance(message.from, m_membership.digest());
    } else {
      m_syncAskedOf.reset();  // the answer to a push-pull
    }
    return;
  }
  for (NodeId restarted : merged.restarted) m_detector.forget(restarted);
  for (NodeId advanced : merged.advanced) onHeartbeat(advanced, now);
  for (NodeId changed : merged.statusChanged) {
    // A member that left is neither trusted nor doubted: gossip no longer goes to it.
    if (m_membership.member(changed)->status == MemberStatus::kLeft) setDoubted(changed, false);
  }
  if (message.requestId != 0) sendMaintenance(message.from, m_membership.digest());
}

Status Node::removeMember(NodeId member) {
  if (member == m_config.id) {
    return Status(ErrorCode::kInvalidArgument, nodeName(member) + " is this node (decommission it instead)");
  }
  if (!m_membership.markLeft(member)) {
    return Status(ErrorCode::kNotFound, nodeName(member) + " is not a member this node knows");
  }
  setDoubted(member, false);  // as for any member that left: gossip no longer goes to it
  if (swimming()) {
    const MemberInfo info = *m_membership.member(member);
    spread(Rumour{RumourKind::kAlive, member, info.generation, info.heartbeat, MemberStatus::kLeft});
  }
  return Status::ok();
}

void Node::onHeartbeat(NodeId peer, TimePoint now) {
  m_detector.heartbeat(peer, now);
  if (!m_config.mechanisms.gossip || !m_config.mechanisms.failureDetector) return;
  if (peerState(peer) != NodeState::kUp) {
    scheduleCheck(peer, now);  // it may be back: look at the next check
  } else if (!m_checkDue.contains(peer)) {
    if (const auto due = nextCheck(peer, NodeState::kUp)) scheduleCheck(peer, *due);
  }
  // An up peer already scheduled keeps its entry: when it comes due, its phi is computed from this newer heartbeat
  // and it is rescheduled. So a heartbeat costs O(1), and a peer costs O(log n) about once per heartbeat interval.
}

std::optional<TimePoint> Node::nextCheck(NodeId peer, NodeState state) const {
  if (state == NodeState::kDown) return std::nullopt;
  const FailureDetectorConfig& config = m_detector.config();
  return m_detector.whenPhiReaches(peer, state == NodeState::kUp ? config.suspectThreshold : config.threshold);
}

void Node::scheduleCheck(NodeId peer, TimePoint due) {
  m_checkDue[peer] = due;
  m_checkQueue.push(DueCheck{due, peer});
}

void Node::setDoubted(NodeId peer, bool doubted) {
  const auto it = m_doubtedIndex.find(peer);
  if (doubted && it == m_doubtedIndex.end()) {
    m_doubtedIndex.emplace(peer, m_doubted.size());
    m_doubted.push_back(peer);
  } else if (!doubted && it != m_doubtedIndex.end()) {
    const std::size_t index = it->second;
    m_doubtedIndex.erase(it);
    if (index + 1 != m_doubted.size()) {
      m_doubted[index] = m_doubted.back();
      m_doubtedIndex[m_doubted[index]] = index;
    }
    m_doubted.pop_back();
  }
}

void Node::runDetector() {
  for (;;) {
    m_rt.sleepFor(m_config.mechanisms.detectorInterval);
    if (!m_unstored.empty()) {  // InjectedBug::kAckBeforeStore: the writes acknowledged since the last check
      std::vector<KeyRecord> unstored;
      unstored.swap(m_unstored);
      for (const KeyRecord& entry : unstored) applyLocally(entry.key, entry.record);
    }
    const TimePoint now = m_rt.now();
    // Only the peers that are due, in (due time, node) order.
    while (!m_checkQueue.empty() && m_checkQueue.top().due <= now) {
      const DueCheck check = m_checkQueue.top();
      m_checkQueue.pop();
      const auto due = m_checkDue.find(check.peer);
      if (due == m_checkDue.end() || due->second != check.due) continue;  // stale: rescheduled since
      m_checkDue.erase(due);
      const NodeId peer = check.peer;
      const auto info = m_membership.member(peer);
      if (!info || info->status == MemberStatus::kLeft) continue;
      NodeState state = NodeState::kUp;
      switch (m_detector.verdict(peer, now)) {
        case PhiAccrualDetector::Verdict::kDown: state = NodeState::kDown; break;
        case PhiAccrualDetector::Verdict::kSuspect: state = NodeState::kSuspect; break;
        default: state = NodeState::kUp; break;
      }
      auto [it, inserted] = m_peerStates.try_emplace(peer, NodeState::kUp);
      if (it->second != state) {
        // A peer that has just become suspect may only have been out of this node's gossip rounds: ask it directly
        // (push-pull). If it is reachable, its answer brings its newer heartbeat before phi reaches the threshold.
        if (state == NodeState::kSuspect && it->second == NodeState::kUp && m_config.mechanisms.gossip) {
          askForGossip(peer);
        }
        it->second = state;
        setDoubted(peer, state != NodeState::kUp);
        auto& bus = m_rt.events();
        if (bus.wants(EventType::kPeerStateChanged)) {
          bus.publish(PeerStateChanged{now, m_config.id, peer, state, m_detector.phi(peer, now)});
        }
      }
      // Rounding in the inverse of phi may put the next threshold a hair early: never before the next check.
      if (const auto next = nextCheck(peer, state)) scheduleCheck(peer, std::max(*next, now + Duration(1)));
    }
  }
}

// --- hinted handoff -----------------------------------------------------------------------------------------------

void Node::storeHint(NodeId owner, const Key& key, const Record& record) {
  const std::uint64_t droppedBefore = m_hints.stats().dropped;
  m_hints.store(owner, key, record, m_rt.now());
  auto& bus = m_rt.events();
  if (bus.wants(EventType::kHintEvent)) {
    bus.publish(HintEvent{m_rt.now(), m_config.id, owner, HintAction::kStored, key, m_hints.pending(), record.version});
    for (std::uint64_t d = droppedBefore; d < m_hints.stats().dropped; ++d) {
      bus.publish(HintEvent{m_rt.now(), m_config.id, owner, HintAction::kDropped, {}, m_hints.pending()});
    }
  }
}

void Node::runHintReplay() {
  for (;;) {
    m_rt.sleepFor(jittered(m_config.mechanisms.hintReplayInterval, m_rt.rng()));
    if (m_config.injectedBug == InjectedBug::kSkipHintReplay) continue;
    // Acks of the previous round that never came are given up on; those hints are still stored and go again.
    m_hintReplays.clear();
    const bool leaving = selfLeaving();
    for (NodeId owner : m_hints.owners()) {
      // An owner that left the ring will never come back for its hints: they go to the key's current replicas
      // instead, which now hold the range in its place (the data it streamed out when it left did not have them).
      const auto info = m_membership.member(owner);
      const bool departed = (info && info->status == MemberStatus::kLeft) || !m_ring->contains(owner);
      const bool ownerUp = isUp(owner);
      for (const Hint& hint : m_hints.pendingFor(owner, m_config.mechanisms.hintReplayBatch)) {
        // An owner still in the ring may no longer replicate the key (a node joined and took the range over since
        // the hint was stored): it would store the record where no read, anti-entropy or stream looks for it. The
        // hint goes to the key's current replicas instead, as for an owner that left.
        PreferenceList list;
        m_ring->preferenceList(tokenForKey(hint.key), m_config.quorum.n, 0, list);
        const bool moved =
            departed || std::find(list.replicas.begin(), list.replicas.end(), owner) == list.replicas.end();
        if (!moved && !ownerUp) continue;
        m_rt.chargeCpu();
        std::vector<NodeId> targets;
        if (moved) {
          for (NodeId replica : list.replicas) {
            if (replica != owner && isUp(replica) && !(leaving && replica == m_config.id) &&
                !handOverStored(owner, hint.key, hint.record, replica)) {
              targets.push_back(replica);
            }
          }
        } else {
          targets.push_back(owner);
        }
        for (NodeId to : targets) {
          if (to == m_config.id) {  // this node is a current replica itself: it stores the record as one of them
            if (applyLocally(hint.key, hint.record) == ErrorCode::kOk) {
              settleHint(ReplayedHint{owner, hint.key, hint.record, moved, to, moved});
            }
            continue;
          }
          const std::uint64_t id = nextRequestId();
          m_hintReplays.emplace(id, ReplayedHint{owner, hint.key, hint.record, moved, to, moved});
          Message message;
          message.to = to;
          message.requestId = id;
          message.payload = HintReplay{hint.key, hint.record};
          m_rt.send(std::move(message));
        }
      }
    }
  }
}

std::size_t Node::handOffHints(int rounds) {
  for (int round = 0; round < rounds && m_hints.pending() > 0; ++round) {
    for (NodeId owner : m_hints.owners()) {
      const auto info = m_membership.member(owner);
      const bool ownerLeft = (info && info->status == MemberStatus::kLeft) || !m_ring->contains(owner);
      for (const Hint& hint : m_hints.pendingFor(owner, m_hints.pending())) {
        m_rt.chargeCpu();
        PreferenceList list;
        m_ring->preferenceList(tokenForKey(hint.key), m_config.quorum.n, kMaxFallbacks, list);
        // An owner that no longer replicates the key (it left, or a join took the range over) is as good as gone.
        const bool departed =
            ownerLeft || std::find(list.replicas.begin(), list.replicas.end(), owner) == list.replicas.end();
        const bool toOwner = !departed && isUp(owner);
        const auto send = [&](NodeId to, Payload payload) {
          const std::uint64_t id = nextRequestId();
          const bool toReplica = std::holds_alternative<HintReplay>(payload) && to != owner;
          m_hintReplays.emplace(id, ReplayedHint{owner, hint.key, hint.record, !toOwner, to, toReplica});
          Message message;
          message.to = to;
          message.requestId = id;
          message.payload = std::move(payload);
          m_rt.send(std::move(message));
        };
        if (toOwner) {
          send(owner, HintReplay{hint.key, hint.record});
          continue;
        }
        // An owner that is still a member but out of reach: the hint goes on, still for it, to the next fallback
        // that is up. A replica of the key may already hold the write: a copy there would not add one.
        const auto fallback = std::find_if(list.fallbacks.begin(), list.fallbacks.end(),
                                           [&](NodeId n) { return n != m_config.id && isUp(n); });
        if (!departed && fallback != list.fallbacks.end()) {
          send(*fallback, HintedWrite{hint.key, hint.record, owner});
          continue;
        }
        // The owner left the ring (or no fallback is up): the key's current replicas store the record.
        for (NodeId replica : list.replicas) {
          if (replica != owner && replica != m_config.id && isUp(replica) &&
              !handOverStored(owner, hint.key, hint.record, replica)) {
            send(replica, HintReplay{hint.key, hint.record});
          }
        }
      }
    }
    m_rt.sleepFor(m_config.requestTimeout);
  }
  return m_hints.pending();
}

// --- anti-entropy -------------------------------------------------------------------------------------------------

void Node::runAntiEntropy() {
  for (;;) {
    m_rt.sleepFor(jittered(m_config.mechanisms.antiEntropyInterval, m_rt.rng()));
    const Ring& ring = *m_ring;
    const std::size_t ranges = ring.entries().size();
    if (ranges == 0) continue;
    // The next range (in ring order) this node replicates, and another replica of it that is up.
    const std::vector<std::uint32_t>& mine = replicatedRanges();
    if (mine.empty()) continue;
    const auto next = std::lower_bound(mine.begin(), mine.end(), m_aeCursor % ranges);
    PreferenceList list;
    {
      const std::size_t index = next != mine.end() ? *next : mine.front();
      ring.preferenceList(ring.entries()[index].token, m_config.quorum.n, 0, list);
      m_aeCursor = index + 1;
      std::vector<NodeId> peers;
      for (NodeId replica : list.replicas) {
        if (replica != m_config.id && isUp(replica)) peers.push_back(replica);
      }
      if (peers.empty()) continue;
      const NodeId peer = peers[m_rt.rng().below(peers.size())];
      m_rt.chargeCpu();
      const MerkleTree tree = MerkleTree::fromStorage(m_storage, ring.rangeOf(index), m_config.mechanisms.merkleDepth);
      m_stats.antiEntropyExchanges++;
      // The exchange starts at the root: replicas in sync compare one hash and stop there.
      sendMaintenance(peer, AeTree{tree.range(), static_cast<std::uint8_t>(tree.depth()), 0, 0, {0}, {tree.root()}});
    }
  }
}

// The ranges (ring entry indices, ascending) whose preference list holds this node, for the current ring and N.
// Found from this node's own tokens: walking back from one, the ranges before it hold the node until N other
// distinct nodes come between (a range further back has at least as many). So a node with v tokens asks for about
// v x (N + 1) preference lists once per ring, where scanning the ring for its next range cost a preference list per
// range of the whole ring (a few thousand per anti-entropy round at 10,000 nodes).
const std::vector<std::uint32_t>& Node::replicatedRanges() {
  const Ring& ring = *m_ring;
  if (m_replicatedRing == m_ring && m_replicatedN == m_config.quorum.n) return m_replicated;
  m_replicatedRing = m_ring;
  m_replicatedN = m_config.quorum.n;
  m_replicated.clear();
  const auto& entries = ring.entries();
  const std::size_t size = entries.size();
  PreferenceList list;
  for (std::size_t own = 0; own < size; ++own) {
    if (entries[own].node != m_config.id) continue;
    for (std::size_t back = 0; back < size; ++back) {
      const std::size_t index = (own + size - back) % size;
      ring.preferenceList(entries[index].token, m_config.quorum.n, 0, list);
      if (std::find(list.replicas.begin(), list.replicas.end(), m_config.id) == list.replicas.end()) break;
      m_replicated.push_back(static_cast<std::uint32_t>(index));
    }
  }
  std::sort(m_replicated.begin(), m_replicated.end());
  m_replicated.erase(std::unique(m_replicated.begin(), m_replicated.end()), m_replicated.end());
  return m_replicated;
}

// Drops tombstones older than the grace period, by this node's clock (as Cassandra compares a tombstone's local
// deletion time with its own).
void Node::runTombstoneGc() {
  const Duration grace = m_config.mechanisms.tombstoneGrace;
  const Duration period = std::clamp<Duration>(grace / 10, std::chrono::seconds(1), std::chrono::hours(1));
  for (;;) {
    m_rt.sleepFor(jittered(period, m_rt.rng()));
    const std::int64_t graceMicros = std::chrono::duration_cast<std::chrono::microseconds>(grace).count();
    m_rt.chargeCpu();
    m_stats.tombstonesPurged += m_storage.purgeTombstones(m_rt.wallClockMicros() - graceMicros);
  }
}

// One step of the descent: compare the sender's hashes with this node's tree; where they differ, answer with this
// node's hashes a few levels further down, or, at the leaves, with what it holds there (AeDiff). Both sides rebuild
// the tree from storage at every step, so each step compares the data as it is now.
void Node::onAeTree(const Message& message) {
  const auto& request = std::get<AeTree>(message.payload);
  const MerkleTree mine = MerkleTree::fromStorage(m_storage, request.range, request.depth);
  if (mine.depth() != request.depth || request.level > request.depth || request.span > request.level ||
      request.hashes.size() != (request.groups.size() << request.span)) {
    return;  // not a tree this node can build over that range: nothing to compare
  }
  std::vector<std::uint32_t> differing;
  const std::size_t perGroup = std::size_t{1} << request.span;
  for (std::size_t g = 0; g < request.groups.size(); ++g) {
    for (std::size_t c = 0; c < perGroup; ++c) {
      const std::size_t index = (std::size_t{request.groups[g]} << request.span) + c;
      if (mine.node(request.level, index) != request.hashes[g * perGroup + c]) {
        differing.push_back(static_cast<std::uint32_t>(index));
      }
    }
  }
  if (differing.empty()) return;
  if (request.level < request.depth) {
    const unsigned next = std::min<unsigned>(request.level + kAeLevelsPerStep, request.depth);
    AeTree step{request.range, request.depth, static_cast<std::uint8_t>(next),
                static_cast<std::uint8_t>(next - request.level), {}, {}};
    const std::size_t children = std::size_t{1} << step.span;
    step.hashes.reserve(differing.size() * children);
    for (const std::uint32_t parent : differing) {
      for (std::size_t c = 0; c < children; ++c) step.hashes.push_back(mine.node(next, (std::size_t{parent} << step.span) + c));
    }
    step.groups = std::move(differing);
    sendMaintenance(message.from, std::move(step));
    return;
  }
  AeDiff diff{request.range, request.depth, differing, {}};
  for (std::uint32_t leaf : differing) {
    m_storage.scan(mine.leafRange(leaf), [&](Token, std::string_view key, const Record& record) {
      diff.entries.push_back(KeyVersion{Key(key), syncVersion(record)});
      return true;
    });
  }
  sendMaintenance(message.from, std::move(diff));
}

void Node::onAeDiff(const Message& message) {
  const auto& diff = std::get<AeDiff>(message.payload);
  const MerkleTree shape(diff.range, diff.depth);
  std::map<std::string_view, Version> theirs;
  for (const KeyVersion& entry : diff.entries) theirs.emplace(entry.key, entry.version);
  AeRecords push;
  AeFetch fetch;
  std::set<std::string, std::less<>> mine;
  for (std::uint32_t leaf : diff.leaves) {
    m_storage.scan(shape.leafRange(leaf), [&](Token, std::string_view key, const Record& record) {
      mine.emplace(key);
      auto it = theirs.find(key);
      const Version mineVersion = syncVersion(record);
      if (it != theirs.end() && (isDigest(mineVersion) || isDigest(it->second))) {
        // Sibling sets and counters have no order to compare: when the digests differ each side takes the other's
        // state and merges it (merging is idempotent, so a needless copy changes nothing).
        if (mineVersion != it->second) {
          push.records.push_back(KeyRecord{Key(key), record});
          fetch.keys.emplace_back(key);
        }
      } else if (it == theirs.end() || it->second < record.version) {
        push.records.push_back(KeyRecord{Key(key), record});
      } else if (record.version < it->second) {
        fetch.keys.emplace_back(key);
      }
      return true;
    });
  }
  for (const KeyVersion& entry : diff.entries) {
    if (!mine.count(entry.key)) fetch.keys.push_back(entry.key);
  }
  auto& bus = m_rt.events();
  if (bus.wants(EventType::kAntiEntropyExchanged)) {
    bus.publish(AntiEntropyExchanged{
        m_rt.now(), m_config.id, message.from, diff.range, static_cast<std::uint32_t>(diff.leaves.size()),
        static_cast<std::uint32_t>(push.records.size()), static_cast<std::uint32_t>(fetch.keys.size())});
  }
  if (!push.records.empty()) sendMaintenance(message.from, std::move(push));
  if (!fetch.keys.empty()) sendMaintenance(message.from, std::move(fetch));
}

void Node::onAeFetch(const Message& message) {
  const auto& fetch = std::get<AeFetch>(message.payload);
  AeRecords records;
  for (const Key& key : fetch.keys) {
    if (auto record = m_storage.get(key)) records.records.push_back(KeyRecord{key, std::move(*record)});
  }
  if (!records.records.empty()) sendMaintenance(message.from, std::move(records));
}

void Node::applyRecords(const AeRecords& records) {
  if (m_config.injectedBug == InjectedBug::kDropAntiEntropyRecords) return;
  for (const KeyRecord& entry : records.records) {
    m_hlc.observe(entry.record.version, m_rt.wallClockMicros());
    auto outcome = m_storage.apply(entry.key, entry.record);
    if (outcome.isOk() && *outcome == ApplyOutcome::kApplied) {
      m_stats.antiEntropyKeysRepaired++;
      m_stats.antiEntropyBytesRepaired += entry.key.size() + entry.record.footprint();
      auto& bus = m_rt.events();
      if (bus.wants(EventType::kStorageWritten)) {
        bus.publish(
            StorageWritten{m_rt.now(), m_config.id, entry.key, entry.record.version, true, entry.record.tombstone});
      }
    }
  }
}

}  // namespace ringlab

namespace ringlab {

// --- membership changes: streaming ranges -------------------------------------------------------------------------

namespace {
constexpr std::uint32_t kStreamBatchRecords = 500;
}  // namespace

void Node::onStreamRequest(const Message& message) {
  const auto& request = std::get<StreamRequest>(message.payload);
  StreamBatch batch;
  batch.range = request.range;
  batch.done = true;
  const std::uint32_t limit = std::max<std::uint32_t>(1, request.maxRecords);
  m_storage.scan(request.range, [&](Token token, std::string_view key, const Record& record) {
    if (batch.records.size() >= limit && token != batch.lastToken) {
      batch.done = false;  // more to come; records sharing the last token all went in this batch
      return false;
    }
    batch.records.push_back(KeyRecord{Key(key), record});
    batch.lastToken = token;
    return true;
  });
  Message reply;
  reply.to = message.from;
  reply.requestId = message.requestId;
  reply.payload = std::move(batch);
  m_rt.send(std::move(reply));
}

Node::StreamOutcome Node::streamIn(const std::vector<StreamTask>& tasks) {
  StreamOutcome outcome;
  const Duration timeout = m_config.requestTimeout * 4;
  std::size_t index = 0;
  for (const StreamTask& task : tasks) {
    ++index;
    NodeId usedSource = kNoNode;
    std::uint64_t records = 0;
    bool complete = false;
    for (NodeId source : task.sources) {
      TokenRange remaining = task.range;
      bool sourceFailed = false;
      while (!complete && !sourceFailed) {
        const std::uint64_t id = nextRequestId();
        auto wait = std::make_shared<StreamWait>(m_rt, WaitFor{WaitKind::kStream, source, id}, 1, 1);
        m_streams.add(id, wait);
        wait->startDeadline(timeout);
        Message message;
        message.to = source;
        message.requestId = id;
        message.payload = StreamRequest{remaining, kStreamBatchRecords};
        m_rt.send(std::move(message));
        const ReplyWait::Outcome answered = wait->await();
        m_streams.release(id);
        if (answered != ReplyWait::Outcome::kReached) {
          sourceFailed = true;
          break;
        }
        m_rt.chargeCpu();
        const StreamBatch& batch = *wait->batch;
        for (const KeyRecord& entry : batch.records) {
          m_hlc.observe(entry.record.version, m_rt.wallClockMicros());
          (void)m_storage.apply(entry.key, entry.record);
        }
        records += batch.records.size();
        usedSource = source;
        if (batch.done || batch.lastToken == remaining.end) {
          complete = true;
        } else {
          remaining.start = batch.lastToken;
        }
      }
      if (complete) break;
    }
    if (complete) {
      outcome.rangesDone++;
    } else {
      outcome.rangesFailed++;
      usedSource = kNoNode;
    }
    outcome.records += records;
    auto& bus = m_rt.events();
    if (bus.wants(EventType::kRangeStreamed)) {
      bus.publish(RangeStreamed{m_rt.now(), m_config.id, usedSource, task.range, records, index, tasks.size()});
    }
  }
  return outcome;
}

Node::StreamOutcome Node::handOff(const std::vector<HandOffTask>& tasks) {
  StreamOutcome outcome;
  const Duration timeout = m_config.requestTimeout * 4;
  std::size_t index = 0;
  for (const HandOffTask& task : tasks) {
    ++index;
    std::uint64_t records = 0;
    bool failed = false;
    TokenRange remaining = task.range;
    for (;;) {
      // The next batch in token order; records sharing the last token all go in the same batch, so that the next
      // one can start after it.
      std::vector<KeyRecord> batch;
      Token lastToken = 0;
      bool more = false;
      m_storage.scan(remaining, [&](Token token, std::string_view key, const Record& record) {
        if (batch.size() >= kStreamBatchRecords && token != lastToken) {
          more = true;
          return false;
        }
        batch.push_back(KeyRecord{Key(key), record});
        lastToken = token;
        return true;
      });
      if (batch.empty()) break;
      // One request id per record: the receiver acknowledges each. The batch succeeds when all are acknowledged.
      std::vector<std::uint64_t> ids(batch.size());
      for (std::uint64_t& id : ids) id = nextRequestId();
      auto wait = std::make_shared<ReplyWait>(m_rt, WaitFor{WaitKind::kReplies, task.to, ids.front()}, batch.size(),
                                              batch.size());
      for (std::size_t i = 0; i < batch.size(); ++i) {
        m_handOffs.add(ids[i], wait);
        Message message;
        message.to = task.to;
        message.requestId = ids[i];
        message.payload = HintReplay{std::move(batch[i].key), std::move(batch[i].record)};
        m_rt.send(std::move(message));
      }
      wait->startDeadline(timeout);
      const ReplyWait::Outcome acknowledged = wait->await();
      wait->close();
      for (std::uint64_t id : ids) m_handOffs.take(id);
      m_rt.chargeCpu();
      records += wait->arrived();
      if (acknowledged != ReplyWait::Outcome::kReached) {
        failed = true;
        break;
      }
      if (!more || lastToken == remaining.end) break;
      remaining.start = lastToken;
    }
    if (failed) {
      outcome.rangesFailed++;
    } else {
      outcome.rangesDone++;
    }
    outcome.records += records;
    auto& bus = m_rt.events();
    if (bus.wants(EventType::kRangeStreamed)) {
      bus.publish(
          RangeStreamed{m_rt.now(), task.to, failed ? kNoNode : m_config.id, task.range, records, index, tasks.size()});
    }
  }
  return outcome;
}

}  // namespace ringlab
