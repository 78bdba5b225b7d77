#include <gtest/gtest.h>
#include <ringlab/engine/codec.h>
#include <ringlab/engine/random.h>
#include <xxhash.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <string>
#include <vector>

// The largest single allocation made while a test watches: proves that the decoder never allocates by a length it
// has not checked. Replaces the global operator new/delete for this test binary only.
namespace {
thread_local bool t_watchAllocations = false;
thread_local std::size_t t_largestAllocation = 0;
}  // namespace

void* operator new(std::size_t size) {
  if (t_watchAllocations && size > t_largestAllocation) t_largestAllocation = size;
  if (void* block = std::malloc(size == 0 ? 1 : size)) return block;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return ::operator new(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return ::operator new(size);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept { return ::operator new(size, tag); }
// GCC flags free() on memory from operator new once these inline into a caller; here that pairing is the point.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* block) noexcept { std::free(block); }
void operator delete[](void* block) noexcept { std::free(block); }
void operator delete(void* block, std::size_t) noexcept { std::free(block); }
void operator delete[](void* block, std::size_t) noexcept { std::free(block); }
void operator delete(void* block, const std::nothrow_t&) noexcept { std::free(block); }
void operator delete[](void* block, const std::nothrow_t&) noexcept { std::free(block); }
#pragma GCC diagnostic pop

namespace ringlab {
namespace {

using Bytes = std::vector<std::uint8_t>;

class AllocationWatch {
 public:
  AllocationWatch() {
    t_largestAllocation = 0;
    t_watchAllocations = true;
  }
  ~AllocationWatch() { t_watchAllocations = false; }
  std::size_t largest() const { return t_largestAllocation; }
};

// Error messages and the like; anything bigger would be an allocation sized by the input.
constexpr std::size_t kSmallAllocation = 1024;

Message makeMessage(Payload payload, NodeId from = 1, NodeId to = 2, std::uint64_t requestId = 42) {
  Message message;
  message.from = from;
  message.to = to;
  message.requestId = requestId;
  message.payload = std::move(payload);
  return message;
}

Record makeRecord(Value value, bool tombstone = false) {
  return Record{Version{1'500'123, 4, 1}, std::move(value), tombstone};
}

std::string binaryString() {
  std::string text;
  for (int i = 0; i < 256; ++i) text.push_back(static_cast<char>(i));
  text += std::string("\0\0nul\0", 6);
  return text;
}

// Small messages covering every kind and the edge cases of every field.
std::vector<Message> sampleMessages() {
  return {
      makeMessage(WriteRequest{"user:42", makeRecord("hello")}),
      makeMessage(WriteRequest{"", makeRecord("")}),
      makeMessage(WriteRequest{"gone", makeRecord("", true)}),
      makeMessage(WriteRequest{binaryString(), makeRecord(binaryString())}),
      makeMessage(WriteRequest{"k", Record{Version{-5, 0xffffffffu, 0xfffffffeu}, "v", false}}, 0xffffffffu, 0,
                  std::numeric_limits<std::uint64_t>::max()),
      makeMessage(WriteAck{"user:42", Version{1'500'123, 4, 1}, ErrorCode::kOk}),
      makeMessage(WriteAck{"", Version{}, ErrorCode::kTooLarge}),
      makeMessage(WriteAck{"k", Version{7, 0, 2}, ErrorCode::kInternal}),
      makeMessage(ReadRequest{"user:42"}),
      makeMessage(ReadRequest{""}),
      makeMessage(ReadReply{"user:42", makeRecord("hello")}),
      makeMessage(ReadReply{"user:42", std::nullopt}),
      makeMessage(ReadReply{"", makeRecord("", true)}),
      makeMessage(ReadReply{std::string("a\0b", 3), makeRecord(binaryString())}),
      makeMessage(Gossip{}),
      makeMessage(Gossip{{GossipEntry{0, 1, 2, MemberStatus::kNormal}, GossipEntry{1, 7, 0, MemberStatus::kJoining},
                          GossipEntry{2, 0, 0, MemberStatus::kLeaving},
                          GossipEntry{0xffffffffu, std::numeric_limits<std::uint64_t>::max(),
                                      std::numeric_limits<std::uint64_t>::max(), MemberStatus::kLeft}}}),
      makeMessage(Probe{}),
      makeMessage(Probe{7, 3, {Rumour{RumourKind::kSuspect, 3, 1, 0, MemberStatus::kNormal}}}),
      makeMessage(ProbeAck{std::numeric_limits<std::uint64_t>::max(),
                           0xffffffffu,
                           {Rumour{RumourKind::kAlive, 0, 2, 5, MemberStatus::kJoining},
                            Rumour{RumourKind::kDead, 0xffffffffu, std::numeric_limits<std::uint64_t>::max(),
                                   std::numeric_limits<std::uint64_t>::max(), MemberStatus::kLeft}}}),
      makeMessage(HintedWrite{"user:42", makeRecord("hello"), 3}),
      makeMessage(HintedWrite{"", makeRecord("", true), 0xffffffffu}),
      makeMessage(HintReplay{"user:42", makeRecord("hello")}),
      makeMessage(HintReplay{"gone", makeRecord("", true)}),
      makeMessage(ReadRepair{binaryString(), makeRecord(binaryString())}),
      makeMessage(ReadRepair{"gone", makeRecord("", true)}),
      makeMessage(AeTree{TokenRange{0, 0}, 0, 0, 0, {0}, {0}}),
      makeMessage(AeTree{TokenRange{std::numeric_limits<std::uint64_t>::max(), 5},
                         5,
                         3,
                         2,
                         {0, 1},
                         {1, 2, 3, 4, 5, 6, 7, 0xfedcba9876543210ull}}),
      makeMessage(AeDiff{}),
      makeMessage(AeDiff{TokenRange{10, 20}, 4, {0, 15, 7}, {}}),
      makeMessage(AeDiff{TokenRange{10, 20},
                         2,
                         {3},
                         {KeyVersion{"a", Version{1, 2, 3}}, KeyVersion{"", Version{-1, 0xffffffffu, 0}}}}),
      makeMessage(AeFetch{}),
      makeMessage(AeFetch{{"a", "", binaryString()}}),
      makeMessage(AeRecords{}),
      makeMessage(AeRecords{{KeyRecord{"a", makeRecord("value")}, KeyRecord{"gone", makeRecord("", true)},
                             KeyRecord{"", makeRecord("")}}}),
      makeMessage(StreamRequest{TokenRange{5, 5}, 500}),
      makeMessage(StreamRequest{TokenRange{std::numeric_limits<Token>::max(), 3}, 0}),
      makeMessage(StreamBatch{TokenRange{1, 2}, {}, 0, true}),
      makeMessage(StreamBatch{TokenRange{10, 900},
                              {KeyRecord{"a", makeRecord("value")}, KeyRecord{"gone", makeRecord("", true)}},
                              777,
                              false}),
  };
}

void putU32(Bytes& out, std::size_t at, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) out[at + i] = static_cast<std::uint8_t>(value >> (8 * i));
}

void appendU32(Bytes& out, std::uint32_t value) {
  out.resize(out.size() + 4);
  putU32(out, out.size() - 4, value);
}

void appendU64(Bytes& out, std::uint64_t value) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

// A token range (start 1, end 2) and a depth: the prefix of AeTree and AeDiff payloads.
Bytes treePrefix(std::uint8_t depth) {
  Bytes payload;
  appendU64(payload, 1);
  appendU64(payload, 2);
  payload.push_back(depth);
  return payload;
}

// Rewrites the length field and the checksum so that a frame edited by a test passes both.
void reseal(Bytes& frame) {
  putU32(frame, 0, static_cast<std::uint32_t>(frame.size() - 4));
  putU32(frame, frame.size() - 4, XXH32(frame.data() + 4, frame.size() - 8, 0));
}

// A frame with a valid header, the given payload and a correct checksum.
Bytes rawFrame(std::uint8_t kind, const Bytes& payload, std::uint8_t formatVersion = kWireFormatVersion,
               std::uint16_t flags = 0) {
  Bytes frame(kFrameHeaderBytes + payload.size() + kFrameTrailerBytes, 0);
  frame[4] = formatVersion;
  frame[5] = kind;
  frame[6] = static_cast<std::uint8_t>(flags);
  frame[7] = static_cast<std::uint8_t>(flags >> 8);
  std::copy(payload.begin(), payload.end(), frame.begin() + kFrameHeaderBytes);
  reseal(frame);
  return frame;
}

Result<Message> decodeRaw(MessageKind kind, const Bytes& payload, const CodecLimits& limits = {}) {
  return decodeMessage(rawFrame(static_cast<std::uint8_t>(kind), payload), limits);
}

Bytes withBytes(Bytes out, std::string_view text) {
  out.insert(out.end(), text.begin(), text.end());
  return out;
}

bool isDecodeError(ErrorCode code) {
  return code == ErrorCode::kTruncated || code == ErrorCode::kTooLarge || code == ErrorCode::kCorrupt ||
         code == ErrorCode::kUnsupported;
}

// The encoding is canonical, so a frame that decodes must be exactly the encoding of what it decodes to.
void expectCanonicalIfDecoded(const Bytes& frame, const Result<Message>& decoded) {
  if (decoded) {
    EXPECT_EQ(encodeMessage(*decoded), frame);
  } else {
    EXPECT_TRUE(isDecodeError(decoded.status().code())) << decoded.status().toString();
  }
}

TEST(CodecTest, RoundTripsEveryMessageKind) {
  std::vector<bool> seen(kMessageKindCount, false);
  for (const Message& message : sampleMessages()) {
    const Bytes frame = encodeMessage(message);
    const Result<Message> decoded = decodeMessage(frame);
    ASSERT_TRUE(decoded) << decoded.status().toString();
    EXPECT_EQ(*decoded, message);
    seen[static_cast<std::size_t>(message.kind())] = true;
  }
  for (std::uint8_t wire = 0; wire < kMessageKindCount; ++wire) {
    EXPECT_EQ(seen[wire], isKnownMessageKind(wire)) << "kind " << int{wire};
  }
}

TEST(CodecTest, RoundTripsValuesAndKeysAtTheLimits) {
  const CodecLimits limits;
  const std::vector<Message> messages = {
      makeMessage(
          WriteRequest{std::string(limits.maxKeyBytes, 'k'), makeRecord(std::string(limits.maxValueBytes, 'v'))}),
      makeMessage(ReadReply{"big", makeRecord(std::string(limits.maxValueBytes, '\0'))}),
  };
  for (const Message& message : messages) {
    const Bytes frame = encodeMessage(message);
    const Result<Message> decoded = decodeMessage(frame, limits);
    ASSERT_TRUE(decoded) << decoded.status().toString();
    EXPECT_TRUE(*decoded == message);
  }
}

TEST(CodecTest, EncodedSizeMatchesTheEncoding) {
  std::vector<Message> messages = sampleMessages();
  messages.push_back(makeMessage(WriteRequest{"big", makeRecord(std::string(100'000, 'x'))}));
  for (const Message& message : messages) {
    EXPECT_EQ(encodedSize(message), encodeMessage(message).size());
  }
}

TEST(CodecTest, EncodeAppendsAfterExistingBytes) {
  const Message first = makeMessage(ReadRequest{"a"});
  const Message second = makeMessage(WriteRequest{"b", makeRecord("value")});
  Bytes stream = {0xde, 0xad};
  encodeMessage(first, stream);
  encodeMessage(second, stream);
  std::span<const std::uint8_t> rest(stream);
  rest = rest.subspan(2);
  for (const Message& expected : {first, second}) {
    const Result<std::size_t> size = nextFrameSize(rest);
    ASSERT_TRUE(size);
    ASSERT_LE(*size, rest.size());
    const Result<Message> decoded = decodeMessage(rest.first(*size));
    ASSERT_TRUE(decoded) << decoded.status().toString();
    EXPECT_EQ(*decoded, expected);
    rest = rest.subspan(*size);
  }
  EXPECT_TRUE(rest.empty());
}

TEST(CodecTest, HeaderCarriesLengthVersionKindAndRouting) {
  const Bytes frame = encodeMessage(makeMessage(ReadRequest{"abc"}, 0x01020304u, 0x0a0b0c0du, 0x1122334455667788ull));
  ASSERT_EQ(frame.size(), kFrameHeaderBytes + 4 + 3 + kFrameTrailerBytes);
  const Bytes header(frame.begin(), frame.begin() + kFrameHeaderBytes);
  const Bytes expected = {static_cast<std::uint8_t>(frame.size() - 4),
                          0,
                          0,
                          0,  // length
                          3,  // format version
                          3,  // kind: read
                          0,
                          0,  // flags
                          0x04,
                          0x03,
                          0x02,
                          0x01,  // from
                          0x0d,
                          0x0c,
                          0x0b,
                          0x0a,  // to
                          0x88,
                          0x77,
                          0x66,
                          0x55,
                          0x44,
                          0x33,
                          0x22,
                          0x11};  // requestId
  EXPECT_EQ(header, expected);
}

TEST(CodecTest, EveryTruncationIsRejectedAsTruncated) {
  for (const Message& message : sampleMessages()) {
    const Bytes frame = encodeMessage(message);
    for (std::size_t size = 0; size < frame.size(); ++size) {
      const Result<Message> decoded = decodeMessage(std::span(frame).first(size));
      ASSERT_FALSE(decoded) << "prefix of " << size << " bytes decoded";
      EXPECT_EQ(decoded.status().code(), ErrorCode::kTruncated) << decoded.status().toString();
    }
  }
}

TEST(CodecTest, EverySingleBitFlipIsRejected) {
  for (const Message& message : sampleMessages()) {
    const Bytes frame = encodeMessage(message);
    Bytes flipped = frame;
    for (std::size_t bit = 0; bit < frame.size() * 8; ++bit) {
      flipped[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
      const Result<Message> decoded = decodeMessage(flipped);
      ASSERT_FALSE(decoded) << "flipping bit " << bit << " of a " << messageKindName(message.kind())
                            << " frame went unnoticed";
      EXPECT_TRUE(isDecodeError(decoded.status().code())) << decoded.status().toString();
      flipped[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    }
  }
}

TEST(CodecTest, HugeLengthFieldIsTooLargeWithoutAllocating) {
  Bytes frame = encodeMessage(makeMessage(ReadRequest{"k"}));
  putU32(frame, 0, 0xffffffffu);
  AllocationWatch watch;
  const Result<Message> decoded = decodeMessage(frame);
  const Result<std::size_t> next = nextFrameSize(frame);
  EXPECT_LE(watch.largest(), kSmallAllocation);
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.status().code(), ErrorCode::kTooLarge);
  EXPECT_NE(decoded.status().message().find("4294967299"), std::string::npos) << decoded.status().message();
  ASSERT_FALSE(next);
  EXPECT_EQ(next.status().code(), ErrorCode::kTooLarge);
}

TEST(CodecTest, ShortFrameReportsAnnouncedAndPresentSizes) {
  Bytes frame(12, 0);
  putU32(frame, 0, 996);
  const Result<Message> decoded = decodeMessage(frame);
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.status().code(), ErrorCode::kTruncated);
  EXPECT_EQ(decoded.status().message(), "frame announces 1000 bytes but 12 are present");
}

TEST(CodecTest, FrameBeyondTheFrameLimitIsTooLarge) {
  const Message message = makeMessage(WriteRequest{"k", makeRecord(std::string(1000, 'v'))});
  const Bytes frame = encodeMessage(message);
  CodecLimits limits;
  limits.maxFrameBytes = frame.size();
  EXPECT_TRUE(decodeMessage(frame, limits));
  limits.maxFrameBytes = frame.size() - 1;
  const Result<Message> decoded = decodeMessage(frame, limits);
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.status().code(), ErrorCode::kTooLarge);
}

TEST(CodecTest, ValueLargerThanTheLimitIsTooLarge) {
  CodecLimits limits;
  limits.maxValueBytes = 100;
  EXPECT_TRUE(decodeMessage(encodeMessage(makeMessage(WriteRequest{"k", makeRecord(std::string(100, 'v'))})), limits));
  for (const Message& message : {makeMessage(WriteRequest{"k", makeRecord(std::string(101, 'v'))}),
                                 makeMessage(ReadReply{"k", makeRecord(std::string(101, 'v'))}),
                                 makeMessage(HintedWrite{"k", makeRecord(std::string(101, 'v')), 2}),
                                 makeMessage(HintReplay{"k", makeRecord(std::string(101, 'v'))}),
                                 makeMessage(ReadRepair{"k", makeRecord(std::string(101, 'v'))}),
                                 makeMessage(AeRecords{{KeyRecord{"a", makeRecord("ok")},
                                                        KeyRecord{"k", makeRecord(std::string(101, 'v'))}}})}) {
    const Result<Message> decoded = decodeMessage(encodeMessage(message), limits);
    ASSERT_FALSE(decoded);
    EXPECT_EQ(decoded.status().code(), ErrorCode::kTooLarge);
    EXPECT_NE(decoded.status().message().find("value length 101"), std::string::npos) << decoded.status().message();
  }
}

TEST(CodecTest, DefaultLimitRejectsAValueOneByteOverIt) {
  const CodecLimits limits;
  const Message message = makeMessage(WriteRequest{"k", makeRecord(std::string(limits.maxValueBytes + 1, 'v'))});
  const Result<Message> decoded = decodeMessage(encodeMessage(message), limits);
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.status().code(), ErrorCode::kTooLarge);
}

TEST(CodecTest, KeyLargerThanTheLimitIsTooLarge) {
  CodecLimits limits;
  limits.maxKeyBytes = 8;
  for (const Message& message :
       {makeMessage(WriteRequest{"123456789", makeRecord("v")}), makeMessage(WriteAck{"123456789", Version{}}),
        makeMessage(ReadRequest{"123456789"}), makeMessage(ReadReply{"123456789", std::nullopt}),
        makeMessage(HintedWrite{"123456789", makeRecord("v"), 1}),
        makeMessage(HintReplay{"123456789", makeRecord("v")}), makeMessage(ReadRepair{"123456789", makeRecord("v")})}) {
    const Result<Message> decoded = decodeMessage(encodeMessage(message), limits);
    ASSERT_FALSE(decoded);
    EXPECT_EQ(decoded.status().code(), ErrorCode::kTooLarge) << decoded.status().toString();
    EXPECT_EQ(decoded.status().message(), "key length 9 at byte 24 exceeds the 8-byte limit");
  }
}

TEST(CodecTest, HugeValueLengthIsTooLargeWithoutAllocating) {
  // WriteRequest with a 16-byte key: key length at 24, key at 28, version at 44, tombstone at 60, value length at 61.
  Bytes frame = encodeMessage(makeMessage(WriteRequest{std::string(16, 'k'), makeRecord("")}));
  putU32(frame, 61, 0xffffffffu);
  reseal(frame);
  AllocationWatch watch;
  const Result<Message> decoded = decodeMessage(frame);
  EXPECT_LE(watch.largest(), kSmallAllocation);
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.status().code(), ErrorCode::kTooLarge);
  EXPECT_EQ(decoded.status().message(), "value length 4294967295 at byte 61 exceeds the 8388608-byte limit");
}

TEST(CodecTest, StringLengthBeyondTheRemainingBytesIsTruncated) {
  Bytes payload;
  appendU32(payload, 100);
  const Bytes frame = rawFrame(3, withBytes(payload, "abc"));
  const Result<Message> decoded = decodeMessage(frame);
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.status().code(), ErrorCode::kTruncated);
  EXPECT_NE(decoded.status().message().find("key length 100 at byte 24"), std::string::npos)
      << decoded.status().message();
}

TEST(CodecTest, UnlimitedStringLengthIsCheckedAgainstTheBytesPresentBeforeAllocating) {
  CodecLimits unlimited;
  unlimited.maxKeyBytes = std::numeric_limits<std::size_t>::max();
  unlimited.maxValueBytes = std::numeric_limits<std::size_t>::max();
  Bytes payload;
  appendU32(payload, 0xffffffffu);
  const Bytes frame = rawFrame(3, withBytes(payload, "abc"));
  AllocationWatch watch;
  const Result<Message> decoded = decodeMessage(frame, unlimited);
  EXPECT_LE(watch.largest(), kSmallAllocation);
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.status().code(), ErrorCode::kTruncated);
}

TEST(CodecTest, FieldCutShortBeforeTheChecksumIsTruncated) {
  Bytes payload;
  appendU32(payload, 1);
  const Bytes keyOnly = withBytes(payload, "k");
  // A write request whose record version stops after 3 bytes; a read reply with no present flag; a key length cut.
  Bytes cutVersion = keyOnly;
  cutVersion.insert(cutVersion.end(), {1, 2, 3});
  for (const Bytes& frame : {rawFrame(1, cutVersion), rawFrame(4, keyOnly), rawFrame(3, Bytes{1, 0})}) {
    const Result<Message> decoded = decodeMessage(frame);
    ASSERT_FALSE(decoded);
    EXPECT_EQ(decoded.status().code(), ErrorCode::kTruncated) << decoded.status().toString();
  }
}

TEST(CodecTest, UnknownFormatVersionIsUnsupported) {
  for (std::uint8_t formatVersion : {0, 1, 2, 4, 255}) {
    Bytes frame = encodeMessage(makeMessage(ReadRequest{"k"}));
    frame[4] = formatVersion;
    reseal(frame);
    const Result<Message> decoded = decodeMessage(frame);
    ASSERT_FALSE(decoded);
    EXPECT_EQ(decoded.status().code(), ErrorCode::kUnsupported) << decoded.status().toString();
  }
}

TEST(CodecTest, UnknownMessageKindIsUnsupported) {
  for (std::uint8_t kind : {std::uint8_t{0}, static_cast<std::uint8_t>(kMessageKindCount), std::uint8_t{255}}) {
    Bytes frame = encodeMessage(makeMessage(ReadRequest{"k"}));
    frame[5] = kind;
    reseal(frame);
    const Result<Message> decoded = decodeMessage(frame);
    ASSERT_FALSE(decoded);
    EXPECT_EQ(decoded.status().code(), ErrorCode::kUnsupported) << decoded.status().toString();
  }
}

TEST(CodecTest, NonzeroFlagsAreUnsupported) {
  for (std::uint16_t flags : {1, 0x8000}) {
    Bytes payload;
    appendU32(payload, 0);
    const Result<Message> decoded = decodeMessage(rawFrame(3, payload, kWireFormatVersion, flags));
    ASSERT_FALSE(decoded);
    EXPECT_EQ(decoded.status().code(), ErrorCode::kUnsupported) << decoded.status().toString();
  }
}

TEST(CodecTest, ChecksumMismatchIsCorrupt) {
  Bytes frame = encodeMessage(makeMessage(WriteRequest{"k", makeRecord("value")}));
  frame[frame.size() - 10] ^= 0x20;
  const Result<Message> decoded = decodeMessage(frame);
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.status().code(), ErrorCode::kCorrupt);
  EXPECT_NE(decoded.status().message().find("checksum"), std::string::npos) << decoded.status().message();
}

TEST(CodecTest, BytesAfterTheFrameAreCorrupt) {
  Bytes frame = encodeMessage(makeMessage(ReadRequest{"k"}));
  frame.push_back(0);
  const Result<Message> decoded = decodeMessage(frame);
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.status().code(), ErrorCode::kCorrupt);
  EXPECT_NE(decoded.status().message().find("trailing bytes"), std::string::npos) << decoded.status().message();
}

TEST(CodecTest, PayloadBytesLeftBeforeTheChecksumAreCorrupt) {
  for (const Message& message : sampleMessages()) {
    Bytes frame = encodeMessage(message);
    frame.insert(frame.end() - kFrameTrailerBytes, 0x00);
    reseal(frame);
    const Result<Message> decoded = decodeMessage(frame);
    ASSERT_FALSE(decoded);
    EXPECT_EQ(decoded.status().code(), ErrorCode::kCorrupt) << decoded.status().toString();
  }
}

TEST(CodecTest, AFrameOfFormatVersionOneIsRefusedNamingBothVersions) {
  Bytes frame = encodeMessage(makeMessage(ReadRequest{"k"}));
  frame[4] = 1;
  reseal(frame);
  const Result<Message> decoded = decodeMessage(frame);
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.status().message(), "format version 1 at byte 4; this build reads version 3");
}

Record siblingRecord() {
  SiblingSet set;
  set.write(0, {}, "from-n1", false, Version{10, 0, 0});
  set.write(2, {}, "", true, Version{11, 3, 2});
  set.write(1, {}, binaryString(), false, Version{9, 0, 1});
  return Record::fromSiblings(set);
}

Record counterRecord() {
  PnCounter counter;
  counter.add(0, 7);
  counter.add(3, -2);
  return Record::fromCounter(counter, Version{12, 0, 3});
}

TEST(CodecTest, SiblingSetsAndCountersRoundTripInEveryRecordCarryingMessage) {
  for (const Record& record : {siblingRecord(), counterRecord()}) {
    for (const Payload& payload :
         {Payload{WriteRequest{"k", record}}, Payload{ReadReply{"k", record}}, Payload{HintedWrite{"k", record, 2}},
          Payload{AeRecords{{KeyRecord{"a", record}, KeyRecord{"b", makeRecord("x")}}}}}) {
      const Message message = makeMessage(payload);
      const Bytes frame = encodeMessage(message);
      EXPECT_EQ(frame.size(), encodedSize(message));
      const Result<Message> decoded = decodeMessage(frame);
      ASSERT_TRUE(decoded) << decoded.status().toString();
      EXPECT_EQ(*decoded, message);
    }
  }
}

TEST(CodecTest, ACausalBodyThatDoesNotHoldTogetherIsCorruptAndSaysWhere) {
  // A sibling whose dot the context does not cover.
  auto appendU32String = [](std::string& out, std::uint32_t value) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(value >> (8 * i)));
  };
  std::string body;
  appendU32String(body, 0);  // empty context
  appendU32String(body, 1);  // one sibling
  body.append(4, '\0');      // node n1
  body.append("\x01\0\0\0\0\0\0\0", 8);  // counter 1
  body.push_back(0);                         // not a tombstone
  body.append(16, '\0');                     // stamp
  appendU32String(body, 0);                  // empty value
  Bytes payload;
  appendU32(payload, 1);
  Bytes frameBody = withBytes(payload, "k");
  frameBody.insert(frameBody.end(), 16, 0);  // version
  frameBody.push_back(1 << 1);               // kind siblings
  appendU32(frameBody, 0);                   // empty value
  appendU32(frameBody, static_cast<std::uint32_t>(body.size()));
  frameBody.insert(frameBody.end(), body.begin(), body.end());
  const Result<Message> decoded = decodeMessage(rawFrame(1, frameBody));
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.status().code(), ErrorCode::kCorrupt);
  EXPECT_NE(decoded.status().message().find("siblings body at byte"), std::string::npos)
      << decoded.status().message();
  EXPECT_NE(decoded.status().message().find("does not cover the dot n1:1"), std::string::npos)
      << decoded.status().message();
}

TEST(CodecTest, FlagBytesOtherThanZeroOrOneAreCorrupt) {
  Bytes payload;
  appendU32(payload, 1);
  const Bytes key = withBytes(payload, "k");
  Bytes version(16, 0);

  Bytes badTombstone = key;
  badTombstone.insert(badTombstone.end(), version.begin(), version.end());
  badTombstone.push_back(7);  // bit 0 tombstone, bits 1-2 kind 3: no such kind
  appendU32(badTombstone, 0);

  Bytes badPresent = key;
  badPresent.push_back(7);

  for (const Bytes& frame : {rawFrame(1, badTombstone), rawFrame(4, badPresent)}) {
    const Result<Message> decoded = decodeMessage(frame);
    ASSERT_FALSE(decoded);
    EXPECT_EQ(decoded.status().code(), ErrorCode::kCorrupt) << decoded.status().toString();
  }
}

TEST(CodecTest, AckResultBeyondTheErrorTableIsCorrupt) {
  Bytes frame = encodeMessage(makeMessage(WriteAck{"k", Version{1, 2, 3}, ErrorCode::kOk}));
  const std::size_t resultAt = frame.size() - kFrameTrailerBytes - 1;
  frame[resultAt] = static_cast<std::uint8_t>(ErrorCode::kInternal);
  reseal(frame);
  EXPECT_TRUE(decodeMessage(frame));
  frame[resultAt] = static_cast<std::uint8_t>(ErrorCode::kInternal) + 1;
  reseal(frame);
  const Result<Message> decoded = decodeMessage(frame);
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.status().code(), ErrorCode::kCorrupt) << decoded.status().toString();
}

TEST(CodecTest, RandomBytesNeverCrashOrDecode) {
  const std::uint64_t seed = 20240601;
  SCOPED_TRACE("seed " + std::to_string(seed));
  Rng rng(seed);
  Bytes bytes;
  int decoded = 0;
  for (int i = 0; i < 100'000; ++i) {
    bytes.resize(rng.chance(0.05) ? rng.below(2000) : rng.below(80));
    for (auto& byte : bytes) byte = static_cast<std::uint8_t>(rng.next());
    // Often give the frame a believable length and format version so the decoder reaches the checksum.
    if (bytes.size() >= 4 && rng.chance(0.5)) putU32(bytes, 0, static_cast<std::uint32_t>(bytes.size() - 4));
    if (bytes.size() >= 5 && rng.chance(0.5)) bytes[4] = kWireFormatVersion;
    const Result<Message> result = decodeMessage(bytes);
    if (result) ++decoded;
    expectCanonicalIfDecoded(bytes, result);
    const Result<std::size_t> next = nextFrameSize(bytes);
    if (next && *next != 0) {
      EXPECT_GE(*next, kMinFrameBytes);
    }
  }
  EXPECT_EQ(decoded, 0);
}

// Random payloads under a valid header, length and checksum, so that the payload parser itself is exercised. The
// payload is built from pieces a parser reacts to: small string lengths that often fit, flag bytes, random bytes.
TEST(CodecTest, RandomPayloadsWithValidFramingNeverCrash) {
  const std::uint64_t seed = 77;
  SCOPED_TRACE("seed " + std::to_string(seed));
  Rng rng(seed);
  std::vector<int> outcomes(static_cast<std::size_t>(ErrorCode::kInternal) + 1, 0);
  for (int i = 0; i < 50'000; ++i) {
    Bytes payload;
    const auto pieces = rng.below(6);
    for (std::uint64_t piece = 0; piece < pieces; ++piece) {
      switch (rng.below(4)) {
        case 0: {
          const auto length = static_cast<std::uint32_t>(rng.chance(0.9) ? rng.below(12) : rng.next());
          appendU32(payload, length);
          const auto present = rng.chance(0.8) ? length : rng.below(12);
          for (std::uint64_t j = 0; j < present && j < 64; ++j)
            payload.push_back(static_cast<std::uint8_t>(rng.next()));
          break;
        }
        case 1: payload.push_back(static_cast<std::uint8_t>(rng.below(3))); break;
        case 2:
          for (int j = 0; j < 16; ++j) payload.push_back(static_cast<std::uint8_t>(rng.next()));
          break;
        default: payload.push_back(static_cast<std::uint8_t>(rng.below(12))); break;
      }
    }
    const auto kind = static_cast<std::uint8_t>(rng.below(kMessageKindCount + 1));
    const Bytes frame = rawFrame(kind, payload);
    const Result<Message> result = decodeMessage(frame);
    ++outcomes[static_cast<std::size_t>(result.status().code())];
    expectCanonicalIfDecoded(frame, result);
  }
  // The parser got past the checksum: some payloads decode and some fail each structural check.
  EXPECT_GT(outcomes[static_cast<std::size_t>(ErrorCode::kOk)], 100);
  EXPECT_GT(outcomes[static_cast<std::size_t>(ErrorCode::kTruncated)], 100);
  EXPECT_GT(outcomes[static_cast<std::size_t>(ErrorCode::kCorrupt)], 100);
  EXPECT_GT(outcomes[static_cast<std::size_t>(ErrorCode::kUnsupported)], 100);
}

TEST(CodecTest, MutatedFramesWithRecomputedChecksumNeverCrash) {
  const std::uint64_t seed = 4242;
  SCOPED_TRACE("seed " + std::to_string(seed));
  Rng rng(seed);
  const std::vector<Message> messages = sampleMessages();
  for (int i = 0; i < 20'000; ++i) {
    Bytes frame = encodeMessage(messages[rng.below(messages.size())]);
    const auto edits = 1 + rng.below(3);
    for (std::uint64_t edit = 0; edit < edits; ++edit) {
      const auto at = 4 + rng.below(frame.size() - 8);
      frame[at] = rng.chance(0.5) ? static_cast<std::uint8_t>(rng.next()) : static_cast<std::uint8_t>(rng.below(4));
    }
    if (rng.chance(0.3)) {
      const auto cut = kFrameHeaderBytes + rng.below(frame.size() - kFrameHeaderBytes - kFrameTrailerBytes + 1);
      frame.erase(frame.begin() + static_cast<std::ptrdiff_t>(cut), frame.end() - kFrameTrailerBytes);
    }
    reseal(frame);
    expectCanonicalIfDecoded(frame, decodeMessage(frame));
  }
}

TEST(CodecTest, NextFrameSizeNeedsFourBytes) {
  const Bytes frame = encodeMessage(makeMessage(ReadRequest{"key"}));
  for (std::size_t size = 0; size < 4; ++size) {
    const Result<std::size_t> next = nextFrameSize(std::span(frame).first(size));
    ASSERT_TRUE(next);
    EXPECT_EQ(*next, 0u);
  }
  for (std::size_t size = 4; size <= frame.size(); ++size) {
    const Result<std::size_t> next = nextFrameSize(std::span(frame).first(size));
    ASSERT_TRUE(next);
    EXPECT_EQ(*next, frame.size());
  }
}

TEST(CodecTest, NextFrameSizeRejectsSizesBelowTheMinimumAsCorrupt) {
  Bytes prefix(4, 0);
  for (std::uint32_t length : {0u, 1u, static_cast<std::uint32_t>(kMinFrameBytes - 5)}) {
    putU32(prefix, 0, length);
    const Result<std::size_t> next = nextFrameSize(prefix);
    ASSERT_FALSE(next);
    EXPECT_EQ(next.status().code(), ErrorCode::kCorrupt);
  }
  putU32(prefix, 0, static_cast<std::uint32_t>(kMinFrameBytes - 4));
  const Result<std::size_t> smallest = nextFrameSize(prefix);
  ASSERT_TRUE(smallest);
  EXPECT_EQ(*smallest, kMinFrameBytes);
}

TEST(CodecTest, NextFrameSizeRejectsSizesBeyondTheLimitAsTooLarge) {
  CodecLimits limits;
  limits.maxFrameBytes = 1000;
  Bytes prefix(4, 0);
  putU32(prefix, 0, 996);
  const Result<std::size_t> atLimit = nextFrameSize(prefix, limits);
  ASSERT_TRUE(atLimit);
  EXPECT_EQ(*atLimit, 1000u);
  putU32(prefix, 0, 997);
  const Result<std::size_t> beyond = nextFrameSize(prefix, limits);
  ASSERT_FALSE(beyond);
  EXPECT_EQ(beyond.status().code(), ErrorCode::kTooLarge);
}

TEST(CodecTest, RoundTripsAMaximumDepthTree) {
  AeTree tree{TokenRange{3, 2}, 16, 16, 16, {0}, {}};
  tree.hashes.resize(std::size_t{1} << 16);
  for (std::size_t i = 0; i < tree.hashes.size(); ++i) tree.hashes[i] = i * 0x9e3779b97f4a7c15ull;
  AeDiff diff{TokenRange{3, 2}, 16, {0, 1, 65535}, {KeyVersion{"k", Version{1, 2, 3}}}};
  for (const Message& message : {makeMessage(std::move(tree)), makeMessage(std::move(diff))}) {
    const Bytes frame = encodeMessage(message);
    EXPECT_EQ(encodedSize(message), frame.size());
    const Result<Message> decoded = decodeMessage(frame);
    ASSERT_TRUE(decoded) << decoded.status().toString();
    EXPECT_TRUE(*decoded == message);
  }
}

TEST(CodecTest, GossipAtTheMemberLimitRoundTripsAndOneMoreIsTooLarge) {
  Gossip gossip;
  gossip.members.resize(65536);
  for (std::size_t i = 0; i < gossip.members.size(); ++i) gossip.members[i].node = static_cast<NodeId>(i);
  const Message atLimit = makeMessage(gossip);
  const Result<Message> decoded = decodeMessage(encodeMessage(atLimit));
  ASSERT_TRUE(decoded) << decoded.status().toString();
  EXPECT_TRUE(*decoded == atLimit);

  gossip.members.emplace_back();
  const Result<Message> beyond = decodeMessage(encodeMessage(makeMessage(std::move(gossip))));
  ASSERT_FALSE(beyond);
  EXPECT_EQ(beyond.status().code(), ErrorCode::kTooLarge);
  EXPECT_EQ(beyond.status().message(), "gossip member count 65537 at byte 24 exceeds the limit of 65536 elements");
}

TEST(CodecTest, EncodedSizeMatchesTheEncodingForListsOfEveryLength) {
  for (std::size_t n = 0; n < 5; ++n) {
    Gossip gossip;
    const auto level = static_cast<std::uint8_t>(n);
    AeTree tree{TokenRange{}, level, level, level, {0}, std::vector<std::uint64_t>(std::size_t{1} << n, 7)};
    AeDiff diff{TokenRange{}, 3, {}, {}};
    AeFetch fetch;
    AeRecords records;
    for (std::size_t i = 0; i < n; ++i) {
      gossip.members.push_back(GossipEntry{static_cast<NodeId>(i), i, i, MemberStatus::kNormal});
      diff.leaves.push_back(static_cast<std::uint32_t>(i));
      diff.entries.push_back(KeyVersion{std::string(i, 'k'), Version{}});
      fetch.keys.push_back(std::string(i * 3, 'k'));
      records.records.push_back(KeyRecord{std::string(i, 'k'), makeRecord(std::string(i * 5, 'v'), i % 2 == 1)});
    }
    for (const Message& message :
         {makeMessage(gossip), makeMessage(tree), makeMessage(diff), makeMessage(fetch), makeMessage(records)}) {
      const Bytes frame = encodeMessage(message);
      EXPECT_EQ(encodedSize(message), frame.size()) << messageKindName(message.kind()) << " with " << n;
      const Result<Message> decoded = decodeMessage(frame);
      ASSERT_TRUE(decoded) << decoded.status().toString();
      EXPECT_EQ(*decoded, message);
    }
  }
}

// Each list kind with a count field that promises far more elements than the frame holds: an error, and no
// allocation sized by the count. The keys and values are unlimited so that only the count checks stand in the way.
TEST(CodecTest, CountsBeyondTheRemainingBytesFailWithoutAllocating) {
  CodecLimits unlimited;
  unlimited.maxKeyBytes = std::numeric_limits<std::size_t>::max();
  unlimited.maxValueBytes = std::numeric_limits<std::size_t>::max();
  struct Case {
    MessageKind kind;
    Bytes prefix;  // the payload before the count
  };
  Bytes diffPrefix = treePrefix(2);
  appendU32(diffPrefix, 0);  // no differing leaves; the entry count follows
  const std::vector<Case> cases = {
      {MessageKind::kGossip, {}},
      {MessageKind::kAeDiff, diffPrefix},
      {MessageKind::kAeFetch, {}},
      {MessageKind::kAeRecords, {}},
  };
  for (const Case& c : cases) {
    for (const std::uint32_t count : {1000u, 65536u, 999'999u, 1'000'000u, 1'000'001u, 0xffffffffu}) {
      Bytes payload = c.prefix;
      appendU32(payload, count);
      payload.resize(payload.size() + 40, 0);
      const Bytes frame = rawFrame(static_cast<std::uint8_t>(c.kind), payload);
      AllocationWatch watch;
      const Result<Message> decoded = decodeMessage(frame, unlimited);
      EXPECT_LE(watch.largest(), kSmallAllocation) << messageKindName(c.kind) << " count " << count;
      ASSERT_FALSE(decoded) << messageKindName(c.kind) << " count " << count;
      const std::uint32_t limit = c.kind == MessageKind::kGossip ? 65536u : 1'000'000u;
      EXPECT_EQ(decoded.status().code(), count > limit ? ErrorCode::kTooLarge : ErrorCode::kTruncated)
          << decoded.status().toString();
    }
  }
}

TEST(CodecTest, LeafCountsBeyondTheRemainingBytesFailWithoutAllocating) {
  Bytes tree = treePrefix(16);
  tree.push_back(16);  // level: the leaves
  tree.push_back(0);   // span: single nodes, so up to 65,536 of them
  appendU32(tree, 65536);
  tree.resize(tree.size() + 100, 0);
  Bytes diff = treePrefix(16);
  appendU32(diff, 65536);
  diff.resize(diff.size() + 100, 0);
  for (const auto& [kind, payload] : {std::pair{MessageKind::kAeTree, tree}, std::pair{MessageKind::kAeDiff, diff}}) {
    const Bytes frame = rawFrame(static_cast<std::uint8_t>(kind), payload);
    AllocationWatch watch;
    const Result<Message> decoded = decodeMessage(frame);
    EXPECT_LE(watch.largest(), kSmallAllocation);
    ASSERT_FALSE(decoded);
    EXPECT_EQ(decoded.status().code(), ErrorCode::kTruncated) << decoded.status().toString();
  }
}

TEST(CodecTest, TreeDepthBeyondSixteenIsCorrupt) {
  for (const MessageKind kind : {MessageKind::kAeTree, MessageKind::kAeDiff}) {
    for (const std::uint8_t depth : {17, 32, 255}) {
      Bytes payload = treePrefix(depth);
      appendU32(payload, 0);
      appendU32(payload, 0);
      const Result<Message> decoded = decodeRaw(kind, payload);
      ASSERT_FALSE(decoded);
      EXPECT_EQ(decoded.status().code(), ErrorCode::kCorrupt) << decoded.status().toString();
      EXPECT_EQ(decoded.status().message(),
                "tree depth " + std::to_string(depth) + " at byte 40 exceeds the maximum of 16");
    }
  }
}

// An AeTree step names nodes inside its tree: a level at most the depth, subtrees that start at or below the root,
// no more subtrees than that level has, and each subtree's index within it.
TEST(CodecTest, TreeStepsOutsideTheTreeAreCorrupt) {
  struct Case {
    std::uint8_t level, span;
    std::vector<std::uint32_t> groups;
    std::string message;
  };
  const std::vector<Case> cases = {
      {3, 0, {0}, "tree level 3 at byte 41 is below the leaves of a depth-2 tree"},
      {1, 2, {0}, "level span 2 at byte 42 reaches above the root from level 1"},
      {2, 1, {0, 1, 0}, "subtree count 3 at byte 43 exceeds the 2 subtrees at level 1"},
      {2, 0, {1, 4}, "subtree index 4 at byte 51 is beyond the 4 subtrees at level 2"},
  };
  for (const Case& c : cases) {
    Bytes payload = treePrefix(2);
    payload.push_back(c.level);
    payload.push_back(c.span);
    appendU32(payload, static_cast<std::uint32_t>(c.groups.size()));
    for (const std::uint32_t group : c.groups) appendU32(payload, group);
    for (std::size_t i = 0; i < (c.groups.size() << std::min<std::uint8_t>(c.span, 4)); ++i) appendU64(payload, i);
    const Result<Message> decoded = decodeRaw(MessageKind::kAeTree, payload);
    ASSERT_FALSE(decoded) << c.message;
    EXPECT_EQ(decoded.status().code(), ErrorCode::kCorrupt) << decoded.status().toString();
    EXPECT_EQ(decoded.status().message(), c.message);
  }
  // Two subtrees of two leaves each: the whole depth-2 tree's leaves.
  Bytes payload = treePrefix(2);
  payload.push_back(2);
  payload.push_back(1);
  appendU32(payload, 2);
  appendU32(payload, 1);
  appendU32(payload, 0);
  for (std::uint64_t i = 0; i < 4; ++i) appendU64(payload, i);
  const Result<Message> decoded = decodeRaw(MessageKind::kAeTree, payload);
  ASSERT_TRUE(decoded) << decoded.status().toString();
  const auto& tree = std::get<AeTree>(decoded->payload);
  EXPECT_EQ(tree.groups, (std::vector<std::uint32_t>{1, 0}));
  EXPECT_EQ(tree.hashes, (std::vector<std::uint64_t>{0, 1, 2, 3}));
  // The hashes a subtree count promises must be there.
  payload.resize(payload.size() - 8);
  const Result<Message> short_ = decodeRaw(MessageKind::kAeTree, payload);
  ASSERT_FALSE(short_);
  EXPECT_EQ(short_.status().code(), ErrorCode::kTruncated) << short_.status().toString();
}

TEST(CodecTest, DiffLeavesBeyondTheTreeAreCorrupt) {
  // More differing leaves than a depth-2 tree has.
  Bytes tooMany = treePrefix(2);
  appendU32(tooMany, 5);
  for (std::uint32_t i = 0; i < 5; ++i) appendU32(tooMany, i % 4);
  appendU32(tooMany, 0);
  // A leaf index past the last leaf.
  Bytes pastEnd = treePrefix(2);
  appendU32(pastEnd, 2);
  appendU32(pastEnd, 3);
  appendU32(pastEnd, 4);
  appendU32(pastEnd, 0);
  for (const Bytes& payload : {tooMany, pastEnd}) {
    const Result<Message> decoded = decodeRaw(MessageKind::kAeDiff, payload);
    ASSERT_FALSE(decoded);
    EXPECT_EQ(decoded.status().code(), ErrorCode::kCorrupt) << decoded.status().toString();
  }
  const Result<Message> pastEndDecoded = decodeRaw(MessageKind::kAeDiff, pastEnd);
  EXPECT_EQ(pastEndDecoded.status().message(), "leaf index 4 at byte 49 is beyond the 4 leaves of a depth-2 tree");

  Bytes atLimit = treePrefix(2);
  appendU32(atLimit, 4);
  for (std::uint32_t i = 0; i < 4; ++i) appendU32(atLimit, 3 - i);
  appendU32(atLimit, 0);
  EXPECT_TRUE(decodeRaw(MessageKind::kAeDiff, atLimit));
}

TEST(CodecTest, MemberStatusBeyondLeftIsCorrupt) {
  Bytes frame = encodeMessage(makeMessage(Gossip{{GossipEntry{1, 2, 3, MemberStatus::kLeft}}}));
  const std::size_t statusAt = frame.size() - kFrameTrailerBytes - 1;
  frame[statusAt] = 4;
  reseal(frame);
  const Result<Message> decoded = decodeMessage(frame);
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.status().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(decoded.status().message(), "member status 4 at byte 48 is not a member status (the highest is 3)");
}

TEST(CodecTest, RumourKindBeyondDeadAndStatusBeyondLeftAreCorrupt) {
  const Bytes frame =
      encodeMessage(makeMessage(Probe{1, 2, {Rumour{RumourKind::kDead, 3, 4, 5, MemberStatus::kLeft}}}));
  ASSERT_EQ(frame.size(), 44u + 22u);
  Bytes badKind = frame;
  badKind[40] = 3;
  reseal(badKind);
  Result<Message> decoded = decodeMessage(badKind);
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.status().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(decoded.status().message(), "rumour kind 3 at byte 40 is not a rumour kind (the highest is 2)");
  Bytes badStatus = frame;
  badStatus[61] = 4;
  reseal(badStatus);
  decoded = decodeMessage(badStatus);
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.status().message(), "member status 4 at byte 61 is not a member status (the highest is 3)");
  Bytes tooMany = frame;
  tooMany[36] = 0x01;
  tooMany[37] = 0x04;  // 1025 rumours
  reseal(tooMany);
  decoded = decodeMessage(tooMany);
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.status().code(), ErrorCode::kTooLarge) << decoded.status().toString();
}

TEST(CodecTest, KeysInListsObeyTheKeyLimit) {
  CodecLimits limits;
  limits.maxKeyBytes = 8;
  for (const Message& message :
       {makeMessage(AeFetch{{"ok", "123456789"}}), makeMessage(AeRecords{{KeyRecord{"123456789", makeRecord("v")}}}),
        makeMessage(AeDiff{TokenRange{}, 0, {0}, {KeyVersion{"123456789", Version{}}}})}) {
    const Result<Message> decoded = decodeMessage(encodeMessage(message), limits);
    ASSERT_FALSE(decoded);
    EXPECT_EQ(decoded.status().code(), ErrorCode::kTooLarge) << decoded.status().toString();
    EXPECT_NE(decoded.status().message().find("key length 9"), std::string::npos) << decoded.status().message();
  }
}

TEST(CodecTest, HintedWriteWithoutItsOwnerIsTruncated) {
  Bytes frame = encodeMessage(makeMessage(HintedWrite{"k", makeRecord("v"), 7}));
  frame.erase(frame.end() - kFrameTrailerBytes - 4, frame.end() - kFrameTrailerBytes);
  reseal(frame);
  const Result<Message> decoded = decodeMessage(frame);
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.status().code(), ErrorCode::kTruncated) << decoded.status().toString();
  EXPECT_NE(decoded.status().message().find("intended owner"), std::string::npos) << decoded.status().message();
}
}  // namespace
}  // namespace ringlab
