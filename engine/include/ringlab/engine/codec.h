// The binary encoding of peer messages: versioned, length-prefixed frames with a checksum. See docs/WIRE_FORMAT.md.
//
// Decoding never trusts a length it has not checked against both the bytes present and the configured limits, so
// truncated, oversized, corrupted or random input returns an error (kTruncated, kTooLarge, kCorrupt, kUnsupported)
// and never crashes or allocates by an unchecked length. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <ringlab/engine/message.h>
#include <ringlab/engine/status.h>

namespace ringlab {

// 2: records carry their kind (register, sibling set, counter) and a causal body.
// 3: Merkle exchanges descend from the root (AeTree carries a level and subtrees, not every leaf).
// A peer speaking another version is refused.
inline constexpr std::uint8_t kWireFormatVersion = 3;
// Bytes before the payload: length(4) version(1) kind(1) flags(2) from(4) to(4) requestId(8).
inline constexpr std::size_t kFrameHeaderBytes = 24;
// Bytes after the payload: XXH32 checksum(4).
inline constexpr std::size_t kFrameTrailerBytes = 4;
// The smallest frame the framing accepts (an empty payload); nextFrameSize() reports a smaller one as kCorrupt.
inline constexpr std::size_t kMinFrameBytes = kFrameHeaderBytes + kFrameTrailerBytes;

struct CodecLimits {
  std::size_t maxFrameBytes = 16u << 20;  // whole frame, header and trailer included
  std::size_t maxKeyBytes = 64u << 10;
  std::size_t maxValueBytes = 8u << 20;
};

// Appends the frame for `message` to `out`.
void encodeMessage(const Message& message, std::vector<std::uint8_t>& out);
std::vector<std::uint8_t> encodeMessage(const Message& message);
// The exact size encodeMessage would produce, without encoding.
std::size_t encodedSize(const Message& message);

// Decodes exactly one frame occupying all of `frame`. Errors: kTruncated (fewer bytes than announced or than a field
// needs), kTooLarge (a length beyond the limits), kCorrupt (checksum mismatch, trailing bytes, invalid field),
// kUnsupported (unknown format version or message kind).
Result<Message> decodeMessage(std::span<const std::uint8_t> frame, const CodecLimits& limits = {});

// For stream transports: given the first bytes of a stream, the total size of the next frame. Returns 0 when fewer
// than 4 bytes are present; kTooLarge or kCorrupt when the announced size is beyond the limit or below the minimum.
Result<std::size_t> nextFrameSize(std::span<const std::uint8_t> prefix, const CodecLimits& limits = {});

}  // namespace ringlab
