// SWIM failure detection (DetectionProtocol::kSwim): probes, indirect probes, suspicion, refutation, and rumours
// piggybacked on the probes. The alternative to gossiping heartbeats when a cluster has thousands of nodes.
//
// Each protocol period (the gossip interval, jittered) a node probes one peer it believes up. If no acknowledgement
// comes within the probe timeout, it asks a few other peers to probe that peer for it (the answer may have been lost
// on one link only); if nothing has come by the end of the period, it suspects the peer and says so. News travels as
// rumours on every probe and acknowledgement, each sent a logarithmic number of times, so it reaches every node in
// O(log n) periods like any epidemic. A node that hears a suspicion about itself refutes it with a higher
// incarnation; a suspicion nobody refutes within the suspicion timeout becomes a death.
//
// A node keeps state only about peers some rumour was about: with one crash in a 10,000-node cluster each node holds
// one entry, not 10,000 detector histories.
#include <algorithm>
#include <cmath>
#include <tuple>

#include <ringlab/engine/node.h>

#include "node_waits.h"

namespace ringlab {
namespace {

// More rumours than this wait for their turn no longer: the most-sent are dropped first.
constexpr std::size_t kMaxQueuedRumours = 512;
// Unanswered exchanges of views asked again before the next scheduled one (see runProbes).
constexpr std::uint32_t kSyncRetries = 8;

}  // namespace

std::string_view detectionProtocolName(DetectionProtocol protocol) {
  switch (protocol) {
    case DetectionProtocol::kPhiAccrual: return "phi_accrual";
    case DetectionProtocol::kSwim: return "swim";
  }
  return "unknown";
}

std::optional<DetectionProtocol> parseDetectionProtocol(std::string_view name) {
  if (name == "phi_accrual") return DetectionProtocol::kPhiAccrual;
  if (name == "swim") return DetectionProtocol::kSwim;
  return std::nullopt;
}

void Node::setMemberStatus(MemberStatus status) {
  m_membership.setOwnStatus(status);
  if (swimming() && m_running) spread(ownAlive());
}

Rumour Node::ownAlive() const {
  const MemberInfo own = *m_membership.member(m_config.id);
  return Rumour{RumourKind::kAlive, m_config.id, own.generation, own.heartbeat, own.status};
}

Duration Node::suspicionTimeout() const {
  const double members = static_cast<double>(std::max<std::size_t>(m_membership.size(), 1));
  const double periods = m_config.mechanisms.swim.suspicionMultiplier * std::max(1.0, std::log10(members));
  return Duration(static_cast<std::int64_t>(periods * static_cast<double>(m_config.mechanisms.gossipInterval.count())));
}

void Node::startSwim() {
  m_swimPeers.clear();
  m_rumours.clear();
  m_relays.clear();
  m_probe = {};
  m_nextSync = m_rt.now();
  m_syncAskedOf.reset();
  m_syncRetries = 0;
  // Peers that believe this node dead (it restarted) take it back when this news reaches them.
  spread(ownAlive());
  m_rt.spawn(FiberRole::kDetector, "swim-probe", [this] { runProbes(); });
}

void Node::storeUnstored() {
  if (m_unstored.empty()) return;
  std::vector<KeyRecord> unstored;
  unstored.swap(m_unstored);
  for (const KeyRecord& entry : unstored) applyLocally(entry.key, entry.record);
}

void Node::runProbes() {
  const MechanismConfig& mechanisms = m_config.mechanisms;
  Duration wait = jittered(mechanisms.gossipInterval, m_rt.rng());
  for (;;) {
    // Nothing with a destructor lives across a sleep (see runGossip).
    m_rt.sleepFor(wait);
    m_rt.chargeCpu();
    storeUnstored();
    const TimePoint now = m_rt.now();
    // The previous period's probe: nobody got an answer from its target, directly or through helpers.
    if (m_probe.sequence != 0) {
      const ProbeInFlight probe = m_probe;
      m_probe = {};
      const auto info = m_membership.member(probe.target);
      if (!probe.acked && info && info->status != MemberStatus::kLeft) {
        const auto [at, inserted] = m_swimPeers.try_emplace(probe.target);
        SwimPeer& peer = at->second;
        if (inserted) peer.generation = info->generation;
        if (peer.state == NodeState::kUp) {
          peer.state = NodeState::kSuspect;
          peer.suspectedUntil = now + suspicionTimeout();
          peer.askedAtLast = false;
          publishPeerState(probe.target, NodeState::kSuspect, now);
          spread(Rumour{RumourKind::kSuspect, probe.target, peer.generation, peer.incarnation, info->status});
          // Tell the suspect itself too: if it is alive and only a link failed, it refutes at once.
          sendMaintenance(probe.target, Probe{++m_probeSequence, probe.target, piggyback(probe.target)});
        }
      }
    }
    expireSuspicions(now);
    boost::unordered::erase_if(
        m_relays, [&](const auto& relay) { return now - relay.second.sent > 2 * mechanisms.gossipInterval; });
    m_stats.gossipRounds++;
    probeDoubted();
    // Push-pull: now and then (and at the first round, to join) a full exchange of views with one peer, as
    // memberlist does: it brings members and statuses whose rumours this node missed (it joined or restarted later).
    // An exchange that got no answer by the next round is asked again, of another peer when there is one: a
    // restarted node's first request can meet a peer that still thinks it dead and whose connection to it is down,
    // and the next scheduled exchange is a sync interval away. At most kSyncRetries times, so that answers slower
    // than a round do not bring a whole view every round.
    // An exchange that finds no peer to ask (a real node learns its seed's id only once its connection to the seed
    // is up) stays due.
    const bool syncDue = m_nextSync && now >= *m_nextSync;
    const bool retry = !syncDue && m_syncAskedOf && m_syncRetries < kSyncRetries;
    if (syncDue || retry) {
      std::optional<NodeId> peer = drawTrustedPeer();
      if (peer && retry && peer == m_syncAskedOf) peer = drawTrustedPeer();
      if (peer) {
        if (syncDue) {
          m_nextSync.reset();
          if (mechanisms.swim.syncInterval > Duration{0}) m_nextSync = now + mechanisms.swim.syncInterval;
          m_syncRetries = 0;
        } else {
          ++m_syncRetries;
        }
        m_syncAskedOf = peer;
        askForGossip(*peer);
      }
    }
    const Duration period = jittered(mechanisms.gossipInterval, m_rt.rng());
    const std::optional<NodeId> target = drawTrustedPeer();
    if (!target) {
      wait = period;
      continue;
    }
    const std::uint64_t sequence = ++m_probeSequence;
    m_probe = ProbeInFlight{*target, sequence, false};
    sendProbe(*target, sequence, *target);
    const Duration timeout = std::min(mechanisms.swim.probeTimeout, period);
    m_rt.sleepFor(timeout);
    if (m_probe.sequence == sequence && !m_probe.acked && mechanisms.swim.indirectProbes > 0) {
      // Helpers: distinct peers believed up, other than the target; a few draws at most.
      std::size_t asked = 0;
      NodeId helpers[16] = {};
      const std::size_t wanted = std::min<std::size_t>(mechanisms.swim.indirectProbes, std::size(helpers));
      for (std::size_t attempt = 0; attempt < 2 * wanted && asked < wanted; ++attempt) {
        const std::optional<NodeId> helper = drawTrustedPeer();
        if (!helper) break;
        if (*helper == *target || std::find(helpers, helpers + asked, *helper) != helpers + asked) continue;
        helpers[asked++] = *helper;
        sendProbe(*helper, sequence, *target);
      }
    }
    wait = period - timeout;
  }
}

void Node::sendProbe(NodeId to, std::uint64_t sequence, NodeId target) {
  sendMaintenance(to, Probe{sequence, target, piggyback(to)});
}

// A peer this node believes suspect or down is not probed in the normal rounds, and once the rumours of its death
// have been sent their share of times nobody tells it: after a partition heals, both sides would go on believing the
// other dead. So, as the heartbeat gossip does, a round also probes a doubted peer with probability
// doubted / (trusted + 1), and tells it what this node believes; alive, it refutes that in its acknowledgement.
void Node::probeDoubted() {
  const std::size_t trusted = trustedPeerCount(m_membership, m_doubted.size());
  if (const auto peer = drawDoubtedPeer(m_doubted, trusted, m_rt.rng())) {
    sendMaintenance(*peer, Probe{++m_probeSequence, *peer, piggyback(*peer)});
  }
}

void Node::onProbe(const Message& message) {
  const auto& probe = std::get<Probe>(message.payload);
  applyRumours(probe.rumours);
  if (probe.target == m_config.id) {
    sendMaintenance(message.from, ProbeAck{probe.sequence, m_config.id, piggyback(message.from)});
    return;
  }
  // An indirect probe: ask the target on the sender's behalf, and relay its acknowledgement.
  const std::uint64_t sequence = ++m_probeSequence;
  m_relays[sequence] = Relay{message.from, probe.sequence, m_rt.now()};
  sendProbe(probe.target, sequence, probe.target);
}

void Node::onProbeAck(const Message& message) {
  const auto& ack = std::get<ProbeAck>(message.payload);
  applyRumours(ack.rumours);
  if (const auto relay = m_relays.find(ack.sequence); relay != m_relays.end()) {
    const Relay to = relay->second;
    m_relays.erase(relay);
    sendMaintenance(to.origin, ProbeAck{to.originSequence, ack.target, piggyback(to.origin)});
    return;
  }
  if (ack.sequence == m_probe.sequence && ack.target == m_probe.target) m_probe.acked = true;
}

void Node::applyRumours(const std::vector<Rumour>& rumours) {
  const TimePoint now = m_rt.now();
  // As for a gossip digest, one message may introduce only so many members this node does not know (a real node's
  // MembershipLimits): otherwise one peer could fill the view, and every probe, with invented members.
  const std::size_t maxNew = m_config.membershipLimits.maxNewPerMerge;
  std::size_t added = 0;
  for (const Rumour& rumour : rumours) {
    if (maxNew != 0 && rumour.node != m_config.id && !m_membership.member(rumour.node)) {
      if (added >= maxNew) continue;
      ++added;
    }
    if (applyRumour(rumour, now)) spread(rumour);
  }
}

bool Node::applyRumour(const Rumour& rumour, TimePoint now) {
  const NodeId self = m_config.id;
  if (rumour.node == self) {
    const MemberInfo own = *m_membership.member(self);
    // An operator's removal of this node while it runs (alive, status left) is refuted like a suspicion: a member
    // that is still alive comes back, as with heartbeat gossip.
    const bool removed =
        rumour.kind == RumourKind::kAlive && rumour.status == MemberStatus::kLeft && own.status != MemberStatus::kLeft;
    if (rumour.kind == RumourKind::kAlive && !removed) return false;
    // Suspected, or declared dead, while alive: refute with a new incarnation, above the rumour's. It is raised even
    // when the rumour names an older one, so that the refutation (incarnation above 0) is news to every node, which
    // keeps it and passes it on, rather than only to the nodes the suspicion has reached so far: those it reaches
    // later would otherwise take it with nothing to tell them it is stale. The rumour goes no further from here.
    if (own.heartbeat > 0 &&
        std::tie(rumour.generation, rumour.incarnation) < std::tie(own.generation, own.heartbeat)) {
      spread(ownAlive());  // already refuted: say it again
      return false;
    }
    m_membership.raiseOwnHeartbeatAbove(rumour.generation == own.generation ? rumour.incarnation : 0);
    spread(ownAlive());
    return false;
  }
  bool changed = false;
  // Membership news (a member not known yet, its first generation, a status change) goes into the view, as a gossip
  // merge would take it. Later generations (restarts) stay with the liveness state below.
  if (rumour.kind == RumourKind::kAlive) {
    const auto known = m_membership.member(rumour.node);
    if (!known || known->status != rumour.status || (known->generation == 0 && rumour.generation != 0)) {
      const Gossip one{{GossipEntry{rumour.node, rumour.generation, rumour.incarnation, rumour.status}}};
      const MembershipView::MergeResult merged = m_membership.merge(one, now);
      changed = !merged.advanced.empty();
      if (changed && rumour.status == MemberStatus::kLeft) {
        setDoubted(rumour.node, false);
        m_peerStates.erase(rumour.node);
      }
    }
  }
  const auto info = m_membership.member(rumour.node);
  if (!info || info->status == MemberStatus::kLeft) return changed;

  // A peer without an entry is up at the generation the view knows, incarnation 0: so a death rumoured before it
  // restarted (at that generation) is recognised as older than its restart's announcement.
  const auto found = m_swimPeers.find(rumour.node);
  const std::uint64_t knownGeneration = found != m_swimPeers.end() ? found->second.generation : info->generation;
  const std::uint64_t knownIncarnation = found != m_swimPeers.end() ? found->second.incarnation : 0;
  const NodeState state = found != m_swimPeers.end() ? found->second.state : NodeState::kUp;
  const auto version = std::tie(rumour.generation, rumour.incarnation);
  const auto known = std::tie(knownGeneration, knownIncarnation);
  switch (rumour.kind) {
    case RumourKind::kAlive: {
      if (version <= known) return changed;
      // A peer that starts announces itself at incarnation 0 of the generation the view already has: a node that
      // has no doubt about it keeps no entry (at 10,000 nodes that would be 10,000 entries each). A refutation
      // (incarnation above 0) or a restart (a later generation) is kept, so that a suspicion or death rumoured
      // before it, still on its way, is recognised as older when it comes.
      if (found == m_swimPeers.end() && rumour.incarnation == 0 && rumour.generation <= info->generation) {
        return changed;
      }
      SwimPeer& peer = m_swimPeers[rumour.node];
      peer.generation = rumour.generation;
      peer.incarnation = rumour.incarnation;
      if (state != NodeState::kUp) {
        peer.state = NodeState::kUp;
        publishPeerState(rumour.node, NodeState::kUp, now);
      }
      return true;
    }
    case RumourKind::kSuspect: {
      // A peer already declared dead stays dead until it says it is alive (as memberlist does).
      if (version < known || state == NodeState::kDown || (version == known && state != NodeState::kUp)) {
        return changed;
      }
      SwimPeer& peer = m_swimPeers[rumour.node];
      peer.generation = rumour.generation;
      peer.incarnation = rumour.incarnation;
      peer.suspectedUntil = now + suspicionTimeout();
      peer.askedAtLast = false;
      if (peer.state != NodeState::kSuspect) {
        peer.state = NodeState::kSuspect;
        publishPeerState(rumour.node, NodeState::kSuspect, now);
      }
      return true;
    }
    case RumourKind::kDead: {
      if (version < known || (version == known && state == NodeState::kDown)) return changed;
      SwimPeer& peer = m_swimPeers[rumour.node];
      peer.generation = rumour.generation;
      peer.incarnation = rumour.incarnation;
      if (peer.state != NodeState::kDown) {
        peer.state = NodeState::kDown;
        publishPeerState(rumour.node, NodeState::kDown, now);
      }
      return true;
    }
  }
  return changed;
}

void Node::expireSuspicions(TimePoint now) {
  // m_doubted holds every suspect (and down) peer; a suspect that turns down stays in it.
  for (std::size_t i = 0; i < m_doubted.size(); ++i) {
    const NodeId node = m_doubted[i];
    const auto found = m_swimPeers.find(node);
    if (found == m_swimPeers.end() || found->second.state != NodeState::kSuspect) continue;
    SwimPeer& peer = found->second;
    if (peer.suspectedUntil > now) continue;
    if (!peer.askedAtLast) {
      // A last chance: ask the suspect directly, with the suspicion attached. Alive, it refutes in its answer (or in
      // its next messages) before the next round; the refutation may simply not have reached this node yet.
      peer.askedAtLast = true;
      peer.suspectedUntil = now + m_config.mechanisms.swim.probeTimeout;
      sendMaintenance(node, Probe{++m_probeSequence, node, piggyback(node)});
      continue;
    }
    peer.state = NodeState::kDown;
    publishPeerState(node, NodeState::kDown, now);
    const auto info = m_membership.member(node);
    spread(Rumour{RumourKind::kDead, node, peer.generation, peer.incarnation,
                  info ? info->status : MemberStatus::kNormal});
  }
}

std::vector<Node::SwimPeerStatus> Node::swimPeers() const {
  std::vector<SwimPeerStatus> out;
  if (!swimming()) return out;
  out.reserve(m_swimPeers.size());
  for (const auto& [id, peer] : m_swimPeers) {
    if (id == m_config.id) continue;
    SwimPeerStatus status{id, peer.state, peer.incarnation, std::nullopt};
    if (peer.state == NodeState::kSuspect) status.deathDue = peer.suspectedUntil;
    out.push_back(status);
  }
  std::sort(out.begin(), out.end(), [](const SwimPeerStatus& a, const SwimPeerStatus& b) { return a.peer < b.peer; });
  return out;
}

void Node::publishPeerState(NodeId peer, NodeState state, TimePoint now) {
  if (state == NodeState::kUp) {
    m_peerStates.erase(peer);
  } else {
    m_peerStates[peer] = state;
  }
  setDoubted(peer, state != NodeState::kUp);
  auto& bus = m_rt.events();
  if (bus.wants(EventType::kPeerStateChanged)) bus.publish(PeerStateChanged{now, m_config.id, peer, state, 0.0});
}

void Node::spread(const Rumour& rumour) {
  const auto same = std::find_if(m_rumours.begin(), m_rumours.end(),
                                 [&](const QueuedRumour& queued) { return queued.rumour.node == rumour.node; });
  if (same != m_rumours.end()) m_rumours.erase(same);
  m_rumours.push_back(QueuedRumour{rumour, 0, m_rumourOrder++});
}

std::vector<Rumour> Node::piggyback(NodeId to) {
  std::vector<Rumour> out;
  // What this node doubts about `to`, even when the rumour has been sent its share of times already.
  if (const auto found = m_swimPeers.find(to); found != m_swimPeers.end() && found->second.state != NodeState::kUp) {
    const auto info = m_membership.member(to);
    const RumourKind kind = found->second.state == NodeState::kDown ? RumourKind::kDead : RumourKind::kSuspect;
    out.push_back(Rumour{kind, to, found->second.generation, found->second.incarnation,
                         info ? info->status : MemberStatus::kNormal});
  }
  if (m_rumours.empty()) return out;
  const SwimConfig& swim = m_config.mechanisms.swim;
  const double members = static_cast<double>(m_membership.size());
  const auto limit = static_cast<std::uint32_t>(
      std::max<double>(1.0, static_cast<double>(swim.retransmitMultiplier) * std::ceil(std::log10(members + 1))));
  // This node's own news (a refutation) first: a suspicion about it must not outlive its answer for want of room.
  const NodeId self = m_config.id;
  const auto leastSent = [self](const QueuedRumour& a, const QueuedRumour& b) {
    return std::make_tuple(a.rumour.node != self, a.sent, a.order) <
           std::make_tuple(b.rumour.node != self, b.sent, b.order);
  };
  std::sort(m_rumours.begin(), m_rumours.end(), leastSent);
  if (m_rumours.size() > kMaxQueuedRumours) m_rumours.resize(kMaxQueuedRumours);
  const std::size_t count = std::min(swim.maxPiggyback, m_rumours.size());
  out.reserve(out.size() + count);
  for (std::size_t i = 0; i < count; ++i) {
    if (!out.empty() && m_rumours[i].rumour.node == to && out.front().node == to) continue;  // said already
    out.push_back(m_rumours[i].rumour);
    ++m_rumours[i].sent;
  }
  std::erase_if(m_rumours, [&](const QueuedRumour& queued) { return queued.sent >= limit; });
  return out;
}

}  // namespace ringlab
