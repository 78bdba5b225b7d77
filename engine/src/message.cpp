#include <ringlab/engine/message.h>

#include <array>

namespace ringlab {
namespace {

// Indexed by wire number.
constexpr std::array<std::string_view, kMessageKindCount> kKindNames = {
    "unknown",      "write",          "write_ack",    "read",    "read_reply", "gossip",
    "hinted_write", "hint_replay",    "read_repair",  "ae_tree", "ae_diff",    "ae_fetch",
    "ae_records",   "stream_request", "stream_batch", "probe",   "probe_ack",
};

static_assert(std::variant_size_v<Payload> == kMessageKindCount - 1,
              "Payload alternatives are listed in wire-number order, one per kind");

}  // namespace

std::string_view messageKindName(MessageKind kind) {
  const auto wire = static_cast<std::size_t>(kind);
  return wire < kKindNames.size() ? kKindNames[wire] : "unknown";
}

std::optional<MessageKind> parseMessageKind(std::string_view name) {
  for (std::size_t wire = 1; wire < kKindNames.size(); ++wire) {
    if (kKindNames[wire] == name) return static_cast<MessageKind>(wire);
  }
  return std::nullopt;
}

std::string_view rumourKindName(RumourKind kind) {
  switch (kind) {
    case RumourKind::kAlive: return "alive";
    case RumourKind::kSuspect: return "suspect";
    case RumourKind::kDead: return "dead";
  }
  return "unknown";
}

bool isKnownMessageKind(std::uint8_t wire) { return wire >= 1 && wire < kMessageKindCount; }

MessageKind Message::kind() const { return static_cast<MessageKind>(payload.index() + 1); }

}  // namespace ringlab
