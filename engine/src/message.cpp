#include <ringlab/engine/message.h>

#include <type_traits>

namespace ringlab {

std::string_view messageKindName(MessageKind kind) {
  switch (kind) {
    case MessageKind::kWriteRequest: return "write";
    case MessageKind::kWriteAck: return "write_ack";
    case MessageKind::kReadRequest: return "read";
    case MessageKind::kReadReply: return "read_reply";
  }
  return "unknown";
}

std::optional<MessageKind> parseMessageKind(std::string_view name) {
  for (const auto kind :
       {MessageKind::kWriteRequest, MessageKind::kWriteAck, MessageKind::kReadRequest, MessageKind::kReadReply}) {
    if (messageKindName(kind) == name) return kind;
  }
  return std::nullopt;
}

bool isKnownMessageKind(std::uint8_t wire) {
  return wire >= static_cast<std::uint8_t>(MessageKind::kWriteRequest) &&
         wire <= static_cast<std::uint8_t>(MessageKind::kReadReply);
}

MessageKind Message::kind() const {
  return std::visit(
      [](const auto& body) {
        using Body = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<Body, WriteRequest>) {
          return MessageKind::kWriteRequest;
        } else if constexpr (std::is_same_v<Body, WriteAck>) {
          return MessageKind::kWriteAck;
        } else if constexpr (std::is_same_v<Body, ReadRequest>) {
          return MessageKind::kReadRequest;
        } else {
          static_assert(std::is_same_v<Body, ReadReply>, "every payload alternative needs a wire kind");
          return MessageKind::kReadReply;
        }
      },
      payload);
}

}  // namespace ringlab
