// The messages nodes exchange. Each message is a plain struct; a Message carries one of them with its routing header.
// The binary encoding is in codec.h and docs/WIRE_FORMAT.md. Plain values; thread-compatible.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include <ringlab/engine/ring.h>
#include <ringlab/engine/status.h>
#include <ringlab/engine/types.h>
#include <ringlab/engine/version.h>

namespace ringlab {

// Wire numbers are part of the format: never reuse or renumber one.
enum class MessageKind : std::uint8_t {
  kWriteRequest = 1,    // coordinator -> replica: store this record
  kWriteAck = 2,        // replica -> coordinator: stored (or refused, with a code)
  kReadRequest = 3,     // coordinator -> replica: what do you hold for this key?
  kReadReply = 4,       // replica -> coordinator: the record, or none
  kGossip = 5,          // node -> random peer: my view of the membership (heartbeats, states)
  kHintedWrite = 6,     // coordinator -> fallback: store this record for an owner that is down (sloppy quorum)
  kHintReplay = 7,      // fallback -> owner: a hinted record, delivered now that the owner is back (acked)
  kReadRepair = 8,      // coordinator -> stale replica: the newest record among a read's replies (not acked)
  kAeTree = 9,          // anti-entropy: my Merkle hashes for some subtrees of a token range
  kAeDiff = 10,         // anti-entropy: the leaves that differ, with the keys and versions I hold in them
  kAeFetch = 11,        // anti-entropy: send me your records for these keys
  kAeRecords = 12,      // anti-entropy: records to apply (a push, or the answer to a fetch)
  kStreamRequest = 13,  // membership change: send me your records in this token range (a batch at a time)
  kStreamBatch = 14,    // membership change: a batch of records of the requested range
  kProbe = 15,          // SWIM failure detection: are you alive? (or: ask that node for me), with rumours
  kProbeAck = 16,       // SWIM failure detection: the probed node is alive, with rumours
};
inline constexpr std::size_t kMessageKindCount = 17;  // highest wire number + 1, for per-kind tables

// "write", "write_ack", "read", "read_reply", "gossip", "hinted_write", "hint_replay", "read_repair", "ae_tree",
// "ae_diff", "ae_fetch", "ae_records", "stream_request", "stream_batch", "probe", "probe_ack"; "unknown" for anything
// else.
std::string_view messageKindName(MessageKind kind);
// Inverse of messageKindName; nullopt for an unknown name.
std::optional<MessageKind> parseMessageKind(std::string_view name);
// True for kinds this build can decode.
bool isKnownMessageKind(std::uint8_t wire);

struct WriteRequest {
  Key key;
  Record record;
  friend bool operator==(const WriteRequest&, const WriteRequest&) = default;
};

struct WriteAck {
  Key key;
  Version version;                    // the version the coordinator asked to store
  ErrorCode result = ErrorCode::kOk;  // kOk when stored or already superseded; kTooLarge when refused
  friend bool operator==(const WriteAck&, const WriteAck&) = default;
};

struct ReadRequest {
  Key key;
  friend bool operator==(const ReadRequest&, const ReadRequest&) = default;
};

struct ReadReply {
  Key key;
  std::optional<Record> record;  // nullopt: this replica holds nothing for the key
  friend bool operator==(const ReadReply&, const ReadReply&) = default;
};

enum class MemberStatus : std::uint8_t {
  kNormal = 0,   // serving its ranges
  kJoining = 1,  // streaming in the ranges it will own
  kLeaving = 2,  // streaming its ranges out before leaving
  kLeft = 3,     // gone for good (decommissioned or removed)
};

// One member as a gossiping node sees it. A higher (generation, heartbeat) is newer information; generation changes
// when the node restarts.
struct GossipEntry {
  NodeId node = 0;
  std::uint64_t generation = 0;
  std::uint64_t heartbeat = 0;
  MemberStatus status = MemberStatus::kNormal;
  friend bool operator==(const GossipEntry&, const GossipEntry&) = default;
};

struct Gossip {
  std::vector<GossipEntry> members;  // sorted by node
  friend bool operator==(const Gossip&, const Gossip&) = default;
};

// SWIM failure detection (Das, Gupta and Motivala, 2002, with the refinements of HashiCorp's memberlist): news about
// one member, carried on probes and their acknowledgements. (generation, incarnation) orders the news about a member:
// only the member itself raises its incarnation, to refute a suspicion about it, and its generation when it restarts.
// Of two rumours at the same (generation, incarnation), dead beats suspect and suspect beats alive.
enum class RumourKind : std::uint8_t { kAlive = 0, kSuspect = 1, kDead = 2 };
std::string_view rumourKindName(RumourKind kind);  // "alive", "suspect", "dead"

struct Rumour {
  RumourKind kind = RumourKind::kAlive;
  NodeId node = 0;
  std::uint64_t generation = 0;
  std::uint64_t incarnation = 0;
  MemberStatus status = MemberStatus::kNormal;  // the member's status (joining, normal, leaving, left)
  friend bool operator==(const Rumour&, const Rumour&) = default;
};

// A probe to `target`: when the receiver is the target it answers with a ProbeAck; otherwise the sender asks it to
// probe `target` on its behalf (an indirect probe) and relay the acknowledgement.
struct Probe {
  std::uint64_t sequence = 0;  // the sender's probe number, echoed by the acknowledgement
  NodeId target = 0;
  std::vector<Rumour> rumours;
  friend bool operator==(const Probe&, const Probe&) = default;
};

// `target` answered the probe `sequence` (directly, or relayed by the node asked to probe it).
struct ProbeAck {
  std::uint64_t sequence = 0;
  NodeId target = 0;
  std::vector<Rumour> rumours;
  friend bool operator==(const ProbeAck&, const ProbeAck&) = default;
};

struct HintedWrite {
  Key key;
  Record record;
  NodeId intendedOwner = 0;  // the replica this record belongs to
  friend bool operator==(const HintedWrite&, const HintedWrite&) = default;
};

struct HintReplay {
  Key key;
  Record record;
  friend bool operator==(const HintReplay&, const HintReplay&) = default;
};

struct ReadRepair {
  Key key;
  Record record;
  friend bool operator==(const ReadRepair&, const ReadRepair&) = default;
};

// One step of a Merkle exchange, which descends from the root only into subtrees whose hashes differ. The hashes are
// the sender's, in groups of 2^span consecutive nodes at `level` (0 = root, depth = leaves): group i holds the
// descendants at `level` of node groups[i] at level `level - span`. The first step carries the root alone (level 0,
// span 0, groups {0}); the receiver answers with the children of the nodes that differ, a few levels down, until the
// leaves are reached and an AeDiff names the differing ones. Replicas in sync exchange one hash.
struct AeTree {
  TokenRange range;
  std::uint8_t depth = 0;
  std::uint8_t level = 0;
  std::uint8_t span = 0;
  std::vector<std::uint32_t> groups;
  std::vector<std::uint64_t> hashes;  // groups.size() * 2^span
  friend bool operator==(const AeTree&, const AeTree&) = default;
};

struct KeyVersion {
  Key key;
  Version version;
  friend bool operator==(const KeyVersion&, const KeyVersion&) = default;
};

struct AeDiff {
  TokenRange range;
  std::uint8_t depth = 0;
  std::vector<std::uint32_t> leaves;  // indices of the leaves whose hashes differ
  std::vector<KeyVersion> entries;    // what the sender holds in those leaves
  friend bool operator==(const AeDiff&, const AeDiff&) = default;
};

struct AeFetch {
  std::vector<Key> keys;
  friend bool operator==(const AeFetch&, const AeFetch&) = default;
};

struct KeyRecord {
  Key key;
  Record record;
  friend bool operator==(const KeyRecord&, const KeyRecord&) = default;
};

struct AeRecords {
  std::vector<KeyRecord> records;
  friend bool operator==(const AeRecords&, const AeRecords&) = default;
};

// Asks for up to `maxRecords` records whose tokens lie in `range`, in token order.
struct StreamRequest {
  TokenRange range;
  std::uint32_t maxRecords = 0;
  friend bool operator==(const StreamRequest&, const StreamRequest&) = default;
};

// The answer: records of the requested range in token order. When `done` is false, ask again for
// (lastToken, range.end] to continue.
struct StreamBatch {
  TokenRange range;
  std::vector<KeyRecord> records;
  Token lastToken = 0;
  bool done = false;
  friend bool operator==(const StreamBatch&, const StreamBatch&) = default;
};

using Payload =
    std::variant<WriteRequest, WriteAck, ReadRequest, ReadReply, Gossip, HintedWrite, HintReplay, ReadRepair, AeTree,
                 AeDiff, AeFetch, AeRecords, StreamRequest, StreamBatch, Probe, ProbeAck>;

struct Message {
  NodeId from = 0;
  NodeId to = 0;
  std::uint64_t requestId = 0;  // correlates replies with the request that caused them
  Payload payload;

  MessageKind kind() const;
  friend bool operator==(const Message&, const Message&) = default;
};

}  // namespace ringlab
