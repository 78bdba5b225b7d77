#include <gtest/gtest.h>
#include <ringlab/engine/message.h>

#include <cstdint>
#include <string>
#include <utility>

namespace ringlab {
namespace {

constexpr std::pair<MessageKind, std::string_view> kKinds[] = {
    {MessageKind::kWriteRequest, "write"},
    {MessageKind::kWriteAck, "write_ack"},
    {MessageKind::kReadRequest, "read"},
    {MessageKind::kReadReply, "read_reply"},
    {MessageKind::kGossip, "gossip"},
    {MessageKind::kHintedWrite, "hinted_write"},
    {MessageKind::kHintReplay, "hint_replay"},
    {MessageKind::kReadRepair, "read_repair"},
    {MessageKind::kAeTree, "ae_tree"},
    {MessageKind::kAeDiff, "ae_diff"},
    {MessageKind::kAeFetch, "ae_fetch"},
    {MessageKind::kAeRecords, "ae_records"},
    {MessageKind::kStreamRequest, "stream_request"},
    {MessageKind::kStreamBatch, "stream_batch"},
    {MessageKind::kProbe, "probe"},
    {MessageKind::kProbeAck, "probe_ack"},
};

TEST(MessageTest, EveryKindHasANameThatParsesBack) {
  static_assert(std::size(kKinds) == kMessageKindCount - 1);
  for (std::size_t i = 0; i < std::size(kKinds); ++i) {
    const auto [kind, name] = kKinds[i];
    EXPECT_EQ(static_cast<std::size_t>(kind), i + 1) << name;
    EXPECT_EQ(messageKindName(kind), name);
    EXPECT_EQ(parseMessageKind(name), kind) << name;
  }
}

TEST(MessageTest, WireNumbersOutsideTheTableAreUnknown) {
  EXPECT_EQ(messageKindName(static_cast<MessageKind>(0)), "unknown");
  EXPECT_EQ(messageKindName(static_cast<MessageKind>(17)), "unknown");
  EXPECT_EQ(messageKindName(static_cast<MessageKind>(255)), "unknown");
  EXPECT_EQ(parseMessageKind("unknown"), std::nullopt);
  EXPECT_EQ(parseMessageKind("Write"), std::nullopt);
  EXPECT_EQ(parseMessageKind(""), std::nullopt);
}

TEST(MessageTest, OnlyWireNumbersOneToSixteenAreKnown) {
  for (int wire = 0; wire < 256; ++wire) {
    EXPECT_EQ(isKnownMessageKind(static_cast<std::uint8_t>(wire)), wire >= 1 && wire <= 16) << "wire " << wire;
  }
  EXPECT_FALSE(isKnownMessageKind(kMessageKindCount));
}

TEST(MessageTest, KindFollowsThePayload) {
  const std::pair<Payload, MessageKind> cases[] = {
      {WriteRequest{}, MessageKind::kWriteRequest},
      {WriteAck{}, MessageKind::kWriteAck},
      {ReadRequest{}, MessageKind::kReadRequest},
      {ReadReply{}, MessageKind::kReadReply},
      {Gossip{}, MessageKind::kGossip},
      {HintedWrite{}, MessageKind::kHintedWrite},
      {HintReplay{}, MessageKind::kHintReplay},
      {ReadRepair{}, MessageKind::kReadRepair},
      {AeTree{}, MessageKind::kAeTree},
      {AeDiff{}, MessageKind::kAeDiff},
      {AeFetch{}, MessageKind::kAeFetch},
      {AeRecords{}, MessageKind::kAeRecords},
      {StreamRequest{}, MessageKind::kStreamRequest},
      {StreamBatch{}, MessageKind::kStreamBatch},
      {Probe{}, MessageKind::kProbe},
      {ProbeAck{}, MessageKind::kProbeAck},
  };
  for (const auto& [payload, kind] : cases) {
    Message message;
    message.payload = payload;
    EXPECT_EQ(message.kind(), kind) << messageKindName(kind);
  }
}

}  // namespace
}  // namespace ringlab
