#include <ringlab/ui/feed_snapshot.h>

namespace ringlab {

TrafficClass trafficClassOf(MessageKind kind) {
  switch (kind) {
    case MessageKind::kWriteRequest: return TrafficClass::kWrite;
    case MessageKind::kReadRequest: return TrafficClass::kRead;
    case MessageKind::kWriteAck: return TrafficClass::kAck;
    case MessageKind::kReadReply: return TrafficClass::kReply;
    case MessageKind::kGossip: return TrafficClass::kGossip;
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
