// The messages nodes exchange. Each message is a plain struct; a Message carries one of them with its routing header.
// The binary encoding is in codec.h and docs/WIRE_FORMAT.md. Plain values; thread-compatible.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>

#include <ringlab/engine/status.h>
#include <ringlab/engine/types.h>
#include <ringlab/engine/version.h>

namespace ringlab {

// Wire numbers are part of the format: never reuse or renumber one.
enum class MessageKind : std::uint8_t {
  kWriteRequest = 1,  // coordinator -> replica: store this record
  kWriteAck = 2,      // replica -> coordinator: stored (or refused, with a code)
  kReadRequest = 3,   // coordinator -> replica: what do you hold for this key?
  kReadReply = 4,     // replica -> coordinator: the record, or none
};
inline constexpr std::size_t kMessageKindCount = 5;  // highest wire number + 1, for per-kind tables

// "write", "write_ack", "read", "read_reply"; "unknown" for anything else.
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

using Payload = std::variant<WriteRequest, WriteAck, ReadRequest, ReadReply>;

struct Message {
  NodeId from = 0;
  NodeId to = 0;
  std::uint64_t requestId = 0;  // correlates replies with the request that caused them
  Payload payload;

  MessageKind kind() const;
  friend bool operator==(const Message&, const Message&) = default;
};

}  // namespace ringlab
