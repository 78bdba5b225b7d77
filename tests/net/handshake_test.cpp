// The peer handshake's encoding and proofs.
#include <gtest/gtest.h>

#include <ringlab/net/handshake.h>

namespace ringlab::net {
namespace {

TEST(HandshakeTest, EveryMessageRoundTrips) {
  const MemberAddress self{2, "10.0.0.3", 7380, 6380, 8380};
  const HandshakeHello hello{"prod", self, randomNonce()};
  EXPECT_EQ(*decodeHello(encodeHello(hello)), hello);
  HandshakeChallenge challenge{true, "", self, randomNonce(), {}};
  challenge.proof[0] = 9;
  EXPECT_EQ(*decodeChallenge(encodeChallenge(challenge)), challenge);
  const HandshakeChallenge refused{false, "cluster name mismatch", {}, {}, {}};
  EXPECT_EQ(decodeChallenge(encodeChallenge(refused))->reason, "cluster name mismatch");
  const HandshakeProof proof{{}, {self, MemberAddress{0, "h", 1, 2, 3}}};
  EXPECT_EQ(*decodeProof(encodeProof(proof)), proof);
  const HandshakeWelcome welcome{true, "", {self}};
  EXPECT_EQ(*decodeWelcome(encodeWelcome(welcome)), welcome);
}

TEST(HandshakeTest, TruncatedOrForeignBytesAreErrors) {
  const auto bytes = encodeHello(HandshakeHello{"c", {1, "h", 1, 2, 3}, {}});
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(decodeHello(std::span(bytes.data(), n)).isOk()) << n;
  }
  auto wrongMagic = bytes;
  wrongMagic[4] ^= 0xff;
  EXPECT_EQ(decodeHello(wrongMagic).status().code(), ErrorCode::kCorrupt);
  auto wrongVersion = bytes;
  wrongVersion[8] = 9;
  EXPECT_EQ(decodeHello(wrongVersion).status().code(), ErrorCode::kUnsupported);
  EXPECT_FALSE(decodeChallenge(bytes).isOk());  // a hello is not a challenge
  const std::vector<std::uint8_t> huge = {0xff, 0xff, 0xff, 0x7f};
  EXPECT_EQ(handshakeMessageSize(huge).status().code(), ErrorCode::kTooLarge);
}

TEST(HandshakeTest, ProofsDependOnSecretRoleNoncesAndNodes) {
  const Nonce a = randomNonce(), b = randomNonce();
  const Proof base = computeProof("s", "acceptor", "c", a, b, 1, 2);
  EXPECT_TRUE(proofsEqual(base, computeProof("s", "acceptor", "c", a, b, 1, 2)));
  EXPECT_FALSE(proofsEqual(base, computeProof("t", "acceptor", "c", a, b, 1, 2)));
  EXPECT_FALSE(proofsEqual(base, computeProof("s", "connector", "c", a, b, 1, 2)));
  EXPECT_FALSE(proofsEqual(base, computeProof("s", "acceptor", "d", a, b, 1, 2)));
  EXPECT_FALSE(proofsEqual(base, computeProof("s", "acceptor", "c", b, a, 1, 2)));
  EXPECT_FALSE(proofsEqual(base, computeProof("s", "acceptor", "c", a, b, 2, 1)));
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace ringlab::net
