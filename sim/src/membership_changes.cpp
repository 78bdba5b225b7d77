#include "simulation_internal.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

namespace ringlab {

// ---------------------------------------------------------------------------------------------------------------
// Membership changes

bool MembershipChanges::membershipChangeInProgress() const {
  return std::any_of(m_changes.begin(), m_changes.end(),
                     [](const Simulation::MembershipChange& c) { return !c.finished; });
}

void MembershipChanges::completeMembershipChange(std::size_t changeIndex) {
  Simulation::MembershipChange& c = m_changes[changeIndex];
  if (c.finished) return;
  c.finished = m_sim.m_now;
  Simulation::NodeSlot& slot = m_sim.m_nodes[c.node];
  if (c.kind == Simulation::MembershipChange::Kind::kAdd) {
    // A node that began to leave before its join ended keeps the status its leave gave it.
    if (!slot.leaving && !slot.left) slot.node->setMemberStatus(MemberStatus::kNormal);
  } else {
    slot.node->setMemberStatus(MemberStatus::kLeft);
    // As a real node does before it exits: every member hears that it has left (and tells the others), so no
    // membership view keeps it as a member that went silent.
    if (slot.running) (void)slot.node->announce();
    if (slot.running) {
      slot.running = false;
      ++slot.incarnation;
      slot.node->stop();
    }
    slot.leaving = false;
    slot.left = true;
  }
  m_sim.hash(0xd0e, static_cast<std::uint64_t>(m_sim.m_now.nanos()), c.node, c.recordsStreamed);
  if (m_sim.m_events.wants(EventType::kClusterChanged)) {
    m_sim.m_events.publish(
        ClusterChanged{m_sim.m_now, fmt::format("{} {}: {} records streamed in {} ranges", nodeName(c.node),
                                                c.kind == Simulation::MembershipChange::Kind::kAdd ? "joined" : "left",
                                                c.recordsStreamed, c.transfers.size())});
  }
}

namespace {

// The ranges a node leaving the ring (decommissioned or removed) gives up, to the nodes that replicate them now. The
// ring may have changed since it began to leave (a node joined and took some of its ranges over): the receivers
// planned then may no longer replicate them.
std::vector<RangeTransfer> leavingTransfers(const Simulation::MembershipChange& change, const Ring& now,
                                            std::size_t replicas) {
  std::vector<RangeTransfer> transfers = Ring::diff(*change.before, now, replicas);
  std::erase_if(transfers, [&](const RangeTransfer& t) { return t.from != change.node; });
  return transfers;
}

// Whether `now` (leavingTransfers()) are the transfers `change` streams (those that come from the leaving node).
bool sameTransfers(const std::vector<RangeTransfer>& now, const Simulation::MembershipChange& change) {
  auto planned = change.transfers;
  std::erase_if(planned, [&](const RangeTransfer& t) { return t.from != change.node; });
  return std::equal(now.begin(), now.end(), planned.begin(), planned.end(),
                    [](const RangeTransfer& x, const RangeTransfer& y) {
                      return x.range == y.range && x.from == y.from && x.to == y.to;
                    });
}

}  // namespace

void MembershipChanges::startStreaming(std::size_t changeIndex, const Ring& before) {
  Simulation::MembershipChange& change = m_changes[changeIndex];
  // Group the ranges by receiving node; each receiver tries the previous holder first, then the other replicas the
  // range had before the change.
  std::map<NodeId, std::vector<Node::StreamTask>> byReceiver;
  PreferenceList previous;
  for (const RangeTransfer& transfer : change.transfers) {
    Node::StreamTask task;
    task.range = transfer.range;
    before.preferenceList(transfer.range.end, m_sim.m_config.quorum.n, 0, previous);
    if (transfer.from != change.node || change.kind != Simulation::MembershipChange::Kind::kRemove) {
      task.sources.push_back(transfer.from);
    }
    for (NodeId replica : previous.replicas) {
      if (replica != transfer.to && replica != change.node &&
          std::find(task.sources.begin(), task.sources.end(), replica) == task.sources.end()) {
        task.sources.push_back(replica);
      }
    }
    // The node that gives the range up is the one source sure to hold every write it took: the others may lack
    // some (they were down, or lost their disk, when those were made), and once it is no longer a replica nothing
    // else brings them over. While it runs, only it is asked (a failure streams again a second later). While it is
    // down, a join waits for it, as Cassandra's consistent range movement does: the range is not asked for, counts
    // as failed and goes again a second later. A decommission, and a join after kMaxStreamAttempts, let the other
    // previous replicas stand in; a join then takes what every one of them has, not what the first to answer has.
    const Simulation::NodeSlot& giver = m_sim.m_nodes[transfer.from];
    const bool fromGiver = change.kind != Simulation::MembershipChange::Kind::kRemove && !task.sources.empty() &&
                           task.sources.front() == transfer.from && !giver.left;
    const bool join = change.kind == Simulation::MembershipChange::Kind::kAdd;
    if (fromGiver && join && !giver.running && change.streamAttempts < Simulation::kMaxStreamAttempts) {
      change.rangesFailed++;  // not asked at all: a request to a node that is down would only wait for its deadline
      continue;
    }
    if (fromGiver && giver.running) {
      task.sources.resize(1);
    } else if (fromGiver && join) {
      for (std::size_t i = 1; i < task.sources.size(); ++i) {
        byReceiver[transfer.to].push_back(Node::StreamTask{task.range, {task.sources[i]}});
      }
      if (task.sources.size() == 1) change.rangesFailed++;  // no other previous replica: it did not stream
      continue;
    }
    byReceiver[transfer.to].push_back(std::move(task));
  }
  change.receivers = byReceiver.size();
  auto finishIfDone = [this, changeIndex] {
    Simulation::MembershipChange& c = m_changes[changeIndex];
    if (c.receiversDone < c.receivers || c.finished || c.handingOffHints || c.retryPending) return;
    Simulation::NodeSlot& slot = m_sim.m_nodes[c.node];
    // Some ranges did not stream (a receiver or every source down or cut off): they stream again in a second, while
    // the node joining or leaving runs. A leaving node stays until then; a joining one stays joining.
    const bool nodeNeeded = c.kind != Simulation::MembershipChange::Kind::kRemove;
    // A node that joined while this one was leaving may have taken some of its ranges over, and streamed them from
    // the receivers planned for them, perhaps before those had them: the ranges stream again, to where they are now
    // replicated, before the node goes (its data would otherwise end up only on nodes that no read looks at).
    const bool ringMoved = c.kind != Simulation::MembershipChange::Kind::kAdd && c.before &&
                           !sameTransfers(leavingTransfers(c, *m_sim.m_ring, m_sim.m_config.quorum.n), c);
    // A joining node that crashed before it had every range stays joining: its ranges stream again when it restarts
    // (restarted()). The nodes that gave them up are no longer replicas, and anti-entropy runs only between replicas:
    // writes only they held would otherwise stay where no read looks.
    // (A node that leaves meanwhile ends its join in leaveRing().)
    if (c.kind == Simulation::MembershipChange::Kind::kAdd && c.rangesFailed > 0 && !slot.running && c.before) return;
    if ((c.rangesFailed > 0 || ringMoved) && (slot.running || !nodeNeeded) && c.before &&
        c.streamAttempts < Simulation::kMaxStreamAttempts) {
      c.streamAttempts++;
      c.retryPending = true;
      m_sim.startTimer(
          kNoNode, std::chrono::seconds(1),
          [this, changeIndex] {
            Simulation::MembershipChange& change = m_changes[changeIndex];
            change.retryPending = false;
            if (change.finished) return;  // a join its node's leave ended meanwhile
            if (change.kind != Simulation::MembershipChange::Kind::kAdd) {
              // The ring may have changed since the node began to leave (a node joined and took some of its ranges):
              // its ranges go to the nodes that replicate them now. The receivers planned when it began may no
              // longer replicate them, and the node that joined may have streamed them from such a receiver before
              // it had them: the leaving node would then hand its writes to a node no read looks at.
              auto now = leavingTransfers(change, *m_sim.m_ring, m_sim.m_config.quorum.n);
              if (!sameTransfers(now, change)) {
                for (const RangeTransfer& t : change.transfers) {
                  if (t.from != change.node) now.push_back(t);
                }
                change.transfers = std::move(now);
              }
            }
            streamAgain(changeIndex);
          },
          false);
      return;
    }
    if (c.kind == Simulation::MembershipChange::Kind::kAdd || !slot.running || slot.node->hints().pending() == 0) {
      completeMembershipChange(changeIndex);
      return;
    }
    // Hints it holds for unreachable owners would leave with it: it sends them on first. The change completes
    // however the hand-off ends (a crash of the leaving node cuts it short).
    c.handingOffHints = true;
    // Built in place and never copied: a temporary Done would complete the change (and stop the node, its hints
    // still held) as soon as it is destroyed, before the hand-off has run.
    struct Done {
      Done(MembershipChanges* c, std::size_t i) : changes(c), change(i) {}
      Done(const Done&) = delete;
      Done& operator=(const Done&) = delete;
      ~Done() { changes->completeMembershipChange(change); }
      MembershipChanges* changes;
      std::size_t change;
    };
    m_sim.spawnFiber(c.node, FiberRole::kSystem, "hand-off-hints",
                     [this, changeIndex, done = std::make_shared<Done>(this, changeIndex)] {
                       (void)m_sim.m_nodes[m_changes[changeIndex].node].node->handOffHints();
                     });
  };
  // If a receiver is down, or crashes before or while streaming, its remaining ranges count as failed: they stream
  // again a second later while the node joining or leaving runs, or, for a joining node that crashed, once it is
  // back. The count runs when the fiber's body is released, however the fiber ended.
  struct Completion {
    Completion(MembershipChanges* s, std::size_t c, std::size_t r, std::function<void()> f)
        : changes(s), change(c), ranges(r), finish(std::move(f)) {}
    Completion(const Completion&) = delete;
    Completion& operator=(const Completion&) = delete;
    MembershipChanges* changes;
    std::size_t change;
    std::size_t ranges;
    std::function<void()> finish;
    bool counted = false;
    ~Completion() {
      if (counted) return;
      Simulation::MembershipChange& c = changes->m_changes[change];
      c.rangesFailed += ranges;
      c.receiversDone++;
      finish();
    }
  };
  for (auto& [receiver, tasks] : byReceiver) {
    auto completion = std::make_shared<Completion>(this, changeIndex, tasks.size(), finishIfDone);
    if (!m_sim.m_nodes[receiver].running) continue;  // `completion` counts it as failed right here
    m_sim.spawnFiber(receiver, FiberRole::kSystem, "stream-in",
                     [this, receiver = receiver, tasks = std::move(tasks), changeIndex, finishIfDone, completion] {
                       const Node::StreamOutcome outcome = m_sim.m_nodes[receiver].node->streamIn(tasks);
                       completion->counted = true;
                       Simulation::MembershipChange& c = m_changes[changeIndex];
                       c.recordsStreamed += outcome.records;
                       c.rangesFailed += outcome.rangesFailed;
                       c.receiversDone++;
                       finishIfDone();
                     });
  }
  finishIfDone();
}

void MembershipChanges::restarted(NodeId node) {
  for (std::size_t i = 0; i < m_changes.size(); ++i) {
    Simulation::MembershipChange& c = m_changes[i];
    if (c.finished || c.node != node || c.kind != Simulation::MembershipChange::Kind::kAdd || !c.before ||
        c.retryPending || c.receiversDone < c.receivers || c.rangesFailed == 0) {
      continue;
    }
    // Every range again (the node may have lost its disk); records merge newest-version-first, so a second copy of
    // one it has changes nothing.
    c.streamAttempts = 1;
    streamAgain(i);
  }
}

void MembershipChanges::streamAgain(std::size_t changeIndex) {
  Simulation::MembershipChange& c = m_changes[changeIndex];
  c.receiversDone = 0;
  c.rangesFailed = 0;
  const std::shared_ptr<const Ring> before = c.before;  // startStreaming() may complete the change
  startStreaming(changeIndex, *before);
}

void MembershipChanges::begin(Simulation::MembershipChange::Kind kind, NodeId node, const Ring& before, NodeState state,
                              const char* reason) {
  Simulation::MembershipChange change;
  change.kind = kind;
  change.node = node;
  change.begun = m_sim.m_now;
  change.transfers = Ring::diff(before, *m_sim.m_ring, m_sim.m_config.quorum.n);
  change.before = std::make_shared<const Ring>(before);
  m_changes.push_back(std::move(change));
  if (m_sim.m_events.wants(EventType::kNodeStateChanged)) {
    m_sim.m_events.publish(NodeStateChanged{m_sim.m_now, node, state, reason});
  }
  startStreaming(m_changes.size() - 1, before);
}

NodeId MembershipChanges::addNode() {
  const NodeId id = static_cast<NodeId>(m_sim.m_nodes.size());
  const Ring before = *m_sim.m_ring;
  m_sim.m_config.nodes = m_sim.m_nodes.size() + 1;
  m_sim.m_network.resize(m_sim.m_config.nodes);
  m_sim.addSlot(id);
  m_sim.switchRing(before.withNode(id, m_sim.m_ringRng));
  Simulation::NodeSlot& slot = m_sim.m_nodes[id];
  slot.running = true;
  slot.node->start(slot.incarnation);
  slot.node->setMemberStatus(MemberStatus::kJoining);
  begin(Simulation::MembershipChange::Kind::kAdd, id, before, NodeState::kJoining, "added to the ring");
  return id;
}

Status MembershipChanges::leaveRing(NodeId id, Simulation::MembershipChange::Kind kind) {
  const bool decommission = kind == Simulation::MembershipChange::Kind::kDecommission;
  Simulation::NodeSlot& slot = m_sim.m_nodes[id];
  const Ring before = *m_sim.m_ring;
  if (before.nodes().size() <= m_sim.m_config.quorum.n) {
    return Status(ErrorCode::kInvalidArgument,
                  std::string(decommission ? "decommissioning " : "removing ") + nodeName(id) +
                      " would leave fewer than N = " + std::to_string(m_sim.m_config.quorum.n) + " nodes");
  }
  if (decommission) {
    slot.leaving = true;  // it keeps running until its ranges have streamed out
    slot.node->setMemberStatus(MemberStatus::kLeaving);
  } else {
    slot.left = true;
    slot.node->clearHints();
  }
  // A node that leaves before its join has ended (it waits for a giver, or crashed and is removed) ends that join
  // here: its leave takes over the ranges, and a join left open would keep a membership change in progress for good.
  for (std::size_t i = 0; i < m_changes.size(); ++i) {
    if (m_changes[i].node == id && m_changes[i].kind == Simulation::MembershipChange::Kind::kAdd) {
      completeMembershipChange(i);
    }
  }
  m_sim.switchRing(before.withoutNode(id));
  begin(kind, id, before, decommission ? NodeState::kLeaving : NodeState::kDown,
        decommission ? "decommissioning" : "removed from the ring");
  return Status::ok();
}

Status MembershipChanges::decommission(NodeId id) {
  if (id >= m_sim.m_nodes.size() || !m_sim.m_nodes[id].running || m_sim.m_nodes[id].leaving || m_sim.m_nodes[id].left) {
    return Status(ErrorCode::kInvalidArgument, nodeName(id) + " is not a running member of the ring");
  }
  return leaveRing(id, Simulation::MembershipChange::Kind::kDecommission);
}

Status MembershipChanges::removeNode(NodeId id) {
  if (id >= m_sim.m_nodes.size() || m_sim.m_nodes[id].running || m_sim.m_nodes[id].left) {
    return Status(ErrorCode::kInvalidArgument,
                  nodeName(id) + " is not a crashed member of the ring (decommission a running node instead)");
  }
  return leaveRing(id, Simulation::MembershipChange::Kind::kRemove);
}

}  // namespace ringlab
