#include <ringlab/observe/cluster_snapshot.h>

#include <algorithm>

namespace ringlab {

TrafficClass trafficClassOf(MessageKind kind) {
  switch (kind) {
    case MessageKind::kWriteRequest: return TrafficClass::kWrite;
    case MessageKind::kReadRequest: return TrafficClass::kRead;
    case MessageKind::kWriteAck: return TrafficClass::kAck;
    case MessageKind::kReadReply: return TrafficClass::kReply;
    case MessageKind::kGossip:
    case MessageKind::kProbe:
    case MessageKind::kProbeAck: return TrafficClass::kGossip;
    case MessageKind::kHintedWrite:
    case MessageKind::kHintReplay: return TrafficClass::kHint;
    case MessageKind::kReadRepair: return TrafficClass::kRepair;
    case MessageKind::kAeTree:
    case MessageKind::kAeDiff:
    case MessageKind::kAeFetch:
    case MessageKind::kAeRecords:
    case MessageKind::kStreamRequest:
    case MessageKind::kStreamBatch: return TrafficClass::kAntiEntropy;
  }
  return TrafficClass::kGossip;
}

NodeState NodeInfo::verdictOn(NodeId peer) const {
  const auto it = std::lower_bound(doubts.begin(), doubts.end(), peer,
                                   [](const std::pair<NodeId, NodeState>& d, NodeId p) { return d.first < p; });
  return it != doubts.end() && it->first == peer ? it->second : NodeState::kUp;
}

void applyViewpoint(std::vector<NodeInfo>& nodes, NodeId viewer) {
  if (viewer >= nodes.size() || !nodes[viewer].running) return;
  const NodeInfo& self = nodes[viewer];
  if (self.state == NodeDisplayState::kLeft || !self.judged) return;
  for (NodeInfo& n : nodes) {
    if (n.id == viewer) {
      if (n.state == NodeDisplayState::kSuspect) n.state = NodeDisplayState::kUp;  // no node suspects itself
      continue;
    }
    switch (n.state) {
      case NodeDisplayState::kUp:
      case NodeDisplayState::kSuspect:
      case NodeDisplayState::kDown: break;
      default: continue;  // membership changes and unreachable processes are facts, not opinions
    }
    switch (self.verdictOn(n.id)) {
      case NodeState::kUp: n.state = NodeDisplayState::kUp; break;
      case NodeState::kSuspect: n.state = NodeDisplayState::kSuspect; break;
      case NodeState::kDown: n.state = NodeDisplayState::kDown; break;
      default: break;
    }
  }
}

}  // namespace ringlab
