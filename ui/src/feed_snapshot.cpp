#include <ringlab/ui/feed_snapshot.h>

namespace ringlab {

QString trafficClassName(TrafficClass c) {
  switch (c) {
    case TrafficClass::kWrite: return QStringLiteral("write");
    case TrafficClass::kRead: return QStringLiteral("read");
    case TrafficClass::kAck: return QStringLiteral("ack");
    case TrafficClass::kReply: return QStringLiteral("reply");
    case TrafficClass::kGossip: return QStringLiteral("gossip");
    case TrafficClass::kHint: return QStringLiteral("hint");
    case TrafficClass::kRepair: return QStringLiteral("repair");
    case TrafficClass::kAntiEntropy: return QStringLiteral("anti-entropy / streaming");
  }
  return {};
}

QString nodeDisplayStateName(NodeDisplayState state) {
  switch (state) {
    case NodeDisplayState::kUp: return QStringLiteral("up");
    case NodeDisplayState::kSuspect: return QStringLiteral("suspect");
    case NodeDisplayState::kDown: return QStringLiteral("down");
    case NodeDisplayState::kJoining: return QStringLiteral("joining");
    case NodeDisplayState::kLeaving: return QStringLiteral("leaving");
    case NodeDisplayState::kLeft: return QStringLiteral("left");
    case NodeDisplayState::kUnreachable: return QStringLiteral("unreachable");
  }
  return {};
}

}  // namespace ringlab
