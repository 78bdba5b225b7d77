// The peer handshake: the first bytes on every peer connection, before any message frame. It carries the cluster
// name and each side's addresses, and proves that both sides know the cluster secret without sending it (HMAC-SHA256
// over fresh nonces from both sides, so a recorded handshake cannot be replayed). The byte layout is in
// docs/WIRE_FORMAT.md, section "Peer handshake".
//
//   connector -> acceptor  Hello      cluster name, connector's addresses, nonce C
//   acceptor  -> connector Challenge  accepted or refused (reason); acceptor's addresses, nonce S, proof S
//   connector -> acceptor  Proof      proof C, the connector's address book
//   acceptor  -> connector Welcome    accepted or refused (reason); the acceptor's address book
//
// Pure encoding and decoding (decoders check every length against the bytes present and kMaxHandshakeBytes) plus
// the proof computation. Thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <ringlab/engine/status.h>
#include <ringlab/engine/types.h>

namespace ringlab::net {

inline constexpr std::uint32_t kHandshakeMagic = 0x53484c52;  // "RLHS" in little-endian byte order
inline constexpr std::uint8_t kHandshakeVersion = 1;
inline constexpr std::size_t kMaxHandshakeBytes = 64 * 1024;
inline constexpr std::size_t kNonceBytes = 16;
inline constexpr std::size_t kProofBytes = 32;
inline constexpr std::size_t kMaxAddressBook = 1024;

using Nonce = std::array<std::uint8_t, kNonceBytes>;
using Proof = std::array<std::uint8_t, kProofBytes>;

// Where a member can be reached. Ports are 0 when the member does not serve that endpoint.
struct MemberAddress {
  NodeId node = kNoNode;
  std::string host;
  std::uint16_t peerPort = 0;
  std::uint16_t clientPort = 0;
  std::uint16_t adminPort = 0;
  friend bool operator==(const MemberAddress&, const MemberAddress&) = default;
};

enum class HandshakeType : std::uint8_t { kHello = 1, kChallenge = 2, kProof = 3, kWelcome = 4 };

struct HandshakeHello {
  std::string cluster;
  MemberAddress self;
  Nonce nonce{};
  friend bool operator==(const HandshakeHello&, const HandshakeHello&) = default;
};

struct HandshakeChallenge {
  bool accepted = false;
  std::string reason;  // when refused
  MemberAddress self;
  Nonce nonce{};
  Proof proof{};
  friend bool operator==(const HandshakeChallenge&, const HandshakeChallenge&) = default;
};

struct HandshakeProof {
  Proof proof{};
  std::vector<MemberAddress> addressBook;
  friend bool operator==(const HandshakeProof&, const HandshakeProof&) = default;
};

struct HandshakeWelcome {
  bool accepted = false;
  std::string reason;
  std::vector<MemberAddress> addressBook;
  friend bool operator==(const HandshakeWelcome&, const HandshakeWelcome&) = default;
};

// Each returns the whole message: u32 length, then magic, version, type and the body.
std::vector<std::uint8_t> encodeHello(const HandshakeHello& hello);
std::vector<std::uint8_t> encodeChallenge(const HandshakeChallenge& challenge);
std::vector<std::uint8_t> encodeProof(const HandshakeProof& proof);
std::vector<std::uint8_t> encodeWelcome(const HandshakeWelcome& welcome);

// Given at least 4 bytes, the total size of the handshake message they start; kTooLarge beyond kMaxHandshakeBytes,
// kCorrupt when too small to hold the fixed fields.
Result<std::size_t> handshakeMessageSize(std::span<const std::uint8_t> prefix);

// Decode one whole message (as sized by handshakeMessageSize). Errors: kTruncated, kCorrupt (bad magic, wrong type,
// trailing bytes, an invalid field), kUnsupported (another handshake version), kTooLarge (a list or string beyond
// the limits).
Result<HandshakeHello> decodeHello(std::span<const std::uint8_t> bytes);
Result<HandshakeChallenge> decodeChallenge(std::span<const std::uint8_t> bytes);
Result<HandshakeProof> decodeProof(std::span<const std::uint8_t> bytes);
Result<HandshakeWelcome> decodeWelcome(std::span<const std::uint8_t> bytes);

// HMAC-SHA256 keyed with the cluster secret over (role, cluster, own nonce, other nonce, own node, other node).
// `role` is "acceptor" or "connector", so one side's proof never passes as the other's.
Proof computeProof(std::string_view secret, std::string_view role, std::string_view cluster, const Nonce& ownNonce,
                   const Nonce& otherNonce, NodeId ownNode, NodeId otherNode);
// Constant-time comparison.
bool proofsEqual(const Proof& a, const Proof& b);
// A fresh nonce from the operating system's generator.
Nonce randomNonce();

}  // namespace ringlab::net
