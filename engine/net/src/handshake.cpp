#include <ringlab/net/handshake.h>

#include <chrono>
#include <cstring>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

namespace ringlab::net {
namespace {

constexpr std::size_t kMaxHandshakeString = 1024;
constexpr std::size_t kFixedBytes = 4 + 4 + 1 + 1;  // length, magic, version, type

class Writer {
 public:
  explicit Writer(HandshakeType type) {
    u32(0);  // length, patched in finish()
    u32(kHandshakeMagic);
    u8(kHandshakeVersion);
    u8(static_cast<std::uint8_t>(type));
  }
  void u8(std::uint8_t v) { m_out.push_back(v); }
  void u16(std::uint16_t v) {
    for (int i = 0; i < 2; ++i) m_out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void u32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) m_out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void str(std::string_view s) {
    u16(static_cast<std::uint16_t>(s.size()));
    m_out.insert(m_out.end(), s.begin(), s.end());
  }
  template <std::size_t N>
  void bytes(const std::array<std::uint8_t, N>& a) {
    m_out.insert(m_out.end(), a.begin(), a.end());
  }
  void address(const MemberAddress& a) {
    u32(a.node);
    str(a.host);
    u16(a.peerPort);
    u16(a.clientPort);
    u16(a.adminPort);
  }
  void book(const std::vector<MemberAddress>& book) {
    const std::size_t n = std::min(book.size(), kMaxAddressBook);
    u16(static_cast<std::uint16_t>(n));
    for (std::size_t i = 0; i < n; ++i) address(book[i]);
  }
  std::vector<std::uint8_t> finish() {
    const auto length = static_cast<std::uint32_t>(m_out.size() - 4);
    for (int i = 0; i < 4; ++i) m_out[i] = static_cast<std::uint8_t>(length >> (8 * i));
    return std::move(m_out);
  }

 private:
  std::vector<std::uint8_t> m_out;
};

class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> bytes) : m_bytes(bytes) {}
  Status header(HandshakeType expected) {
    std::uint32_t length = 0, magic = 0;
    std::uint8_t version = 0, type = 0;
    if (!u32(length) || !u32(magic) || !u8(version) || !u8(type)) return fail();
    if (length != m_bytes.size() - 4) return Status(ErrorCode::kCorrupt, "handshake length does not match its bytes");
    if (magic != kHandshakeMagic) return Status(ErrorCode::kCorrupt, "not a RingLab peer handshake (bad magic)");
    if (version != kHandshakeVersion) {
      return Status(ErrorCode::kUnsupported, "handshake version " + std::to_string(version) + " (this build speaks " +
                                                 std::to_string(kHandshakeVersion) + ")");
    }
    if (type != static_cast<std::uint8_t>(expected)) {
      return Status(ErrorCode::kCorrupt, "unexpected handshake message type " + std::to_string(type));
    }
    return Status::ok();
  }
  bool u8(std::uint8_t& v) {
    if (m_pos + 1 > m_bytes.size()) return false;
    v = m_bytes[m_pos++];
    return true;
  }
  bool u16(std::uint16_t& v) {
    if (m_pos + 2 > m_bytes.size()) return false;
    v = static_cast<std::uint16_t>(m_bytes[m_pos] | (m_bytes[m_pos + 1] << 8));
    m_pos += 2;
    return true;
  }
  bool u32(std::uint32_t& v) {
    if (m_pos + 4 > m_bytes.size()) return false;
    v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(m_bytes[m_pos + i]) << (8 * i);
    m_pos += 4;
    return true;
  }
  bool str(std::string& s) {
    std::uint16_t n = 0;
    if (!u16(n) || n > kMaxHandshakeString || m_pos + n > m_bytes.size()) return false;
    s.assign(reinterpret_cast<const char*>(m_bytes.data() + m_pos), n);
    m_pos += n;
    return true;
  }
  template <std::size_t N>
  bool bytes(std::array<std::uint8_t, N>& a) {
    if (m_pos + N > m_bytes.size()) return false;
    std::memcpy(a.data(), m_bytes.data() + m_pos, N);
    m_pos += N;
    return true;
  }
  bool address(MemberAddress& a) {
    return u32(a.node) && str(a.host) && u16(a.peerPort) && u16(a.clientPort) && u16(a.adminPort);
  }
  bool book(std::vector<MemberAddress>& book) {
    std::uint16_t n = 0;
    if (!u16(n) || n > kMaxAddressBook) return false;
    for (std::uint16_t i = 0; i < n; ++i) {
      MemberAddress a;
      if (!address(a)) return false;
      book.push_back(std::move(a));
    }
    return true;
  }
  Status fail() const { return Status(ErrorCode::kTruncated, "handshake message ends inside a field"); }
  Status end() const {
    if (m_pos != m_bytes.size()) return Status(ErrorCode::kCorrupt, "trailing bytes after the handshake message");
    return Status::ok();
  }

 private:
  std::span<const std::uint8_t> m_bytes;
  std::size_t m_pos = 0;
};

template <typename T, typename Body>
Result<T> decodeWith(std::span<const std::uint8_t> bytes, HandshakeType type, Body body) {
  if (bytes.size() > kMaxHandshakeBytes) return Status(ErrorCode::kTooLarge, "handshake message too large");
  Reader reader(bytes);
  if (Status s = reader.header(type); !s.isOk()) return s;
  T value;
  if (!body(reader, value)) return reader.fail();
  if (Status s = reader.end(); !s.isOk()) return s;
  return value;
}

}  // namespace

std::vector<std::uint8_t> encodeHello(const HandshakeHello& hello) {
  Writer w(HandshakeType::kHello);
  w.str(hello.cluster);
  w.address(hello.self);
  w.bytes(hello.nonce);
  return w.finish();
}

std::vector<std::uint8_t> encodeChallenge(const HandshakeChallenge& challenge) {
  Writer w(HandshakeType::kChallenge);
  w.u8(challenge.accepted ? 1 : 0);
  if (!challenge.accepted) {
    w.str(challenge.reason);
    return w.finish();
  }
  w.address(challenge.self);
  w.bytes(challenge.nonce);
  w.bytes(challenge.proof);
  return w.finish();
}

std::vector<std::uint8_t> encodeProof(const HandshakeProof& proof) {
  Writer w(HandshakeType::kProof);
  w.bytes(proof.proof);
  w.book(proof.addressBook);
  return w.finish();
}

std::vector<std::uint8_t> encodeWelcome(const HandshakeWelcome& welcome) {
  Writer w(HandshakeType::kWelcome);
  w.u8(welcome.accepted ? 1 : 0);
  if (!welcome.accepted) {
    w.str(welcome.reason);
    return w.finish();
  }
  w.book(welcome.addressBook);
  return w.finish();
}

Result<std::size_t> handshakeMessageSize(std::span<const std::uint8_t> prefix) {
  if (prefix.size() < 4) return std::size_t{0};
  std::uint32_t length = 0;
  for (int i = 0; i < 4; ++i) length |= static_cast<std::uint32_t>(prefix[i]) << (8 * i);
  const std::size_t total = std::size_t{length} + 4;
  if (total > kMaxHandshakeBytes) {
    return Status(ErrorCode::kTooLarge, "handshake message of " + std::to_string(total) + " bytes exceeds " +
                                            std::to_string(kMaxHandshakeBytes));
  }
  if (total < kFixedBytes) return Status(ErrorCode::kCorrupt, "handshake message too short");
  return total;
}

Result<HandshakeHello> decodeHello(std::span<const std::uint8_t> bytes) {
  return decodeWith<HandshakeHello>(bytes, HandshakeType::kHello, [](Reader& r, HandshakeHello& v) {
    return r.str(v.cluster) && r.address(v.self) && r.bytes(v.nonce);
  });
}

Result<HandshakeChallenge> decodeChallenge(std::span<const std::uint8_t> bytes) {
  return decodeWith<HandshakeChallenge>(bytes, HandshakeType::kChallenge, [](Reader& r, HandshakeChallenge& v) {
    std::uint8_t accepted = 0;
    if (!r.u8(accepted) || accepted > 1) return false;
    v.accepted = accepted == 1;
    if (!v.accepted) return r.str(v.reason);
    return r.address(v.self) && r.bytes(v.nonce) && r.bytes(v.proof);
  });
}

Result<HandshakeProof> decodeProof(std::span<const std::uint8_t> bytes) {
  return decodeWith<HandshakeProof>(bytes, HandshakeType::kProof, [](Reader& r, HandshakeProof& v) {
    return r.bytes(v.proof) && r.book(v.addressBook);
  });
}

Result<HandshakeWelcome> decodeWelcome(std::span<const std::uint8_t> bytes) {
  return decodeWith<HandshakeWelcome>(bytes, HandshakeType::kWelcome, [](Reader& r, HandshakeWelcome& v) {
    std::uint8_t accepted = 0;
    if (!r.u8(accepted) || accepted > 1) return false;
    v.accepted = accepted == 1;
    if (!v.accepted) return r.str(v.reason);
    return r.book(v.addressBook);
  });
}

Proof computeProof(std::string_view secret, std::string_view role, std::string_view cluster, const Nonce& ownNonce,
                   const Nonce& otherNonce, NodeId ownNode, NodeId otherNode) {
  std::vector<std::uint8_t> data;
  auto append = [&](std::string_view s) {
    const auto n = static_cast<std::uint32_t>(s.size());
    for (int i = 0; i < 4; ++i) data.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
    data.insert(data.end(), s.begin(), s.end());
  };
  append(role);
  append(cluster);
  data.insert(data.end(), ownNonce.begin(), ownNonce.end());
  data.insert(data.end(), otherNonce.begin(), otherNonce.end());
  for (NodeId id : {ownNode, otherNode}) {
    for (int i = 0; i < 4; ++i) data.push_back(static_cast<std::uint8_t>(id >> (8 * i)));
  }
  Proof proof{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), data.data(), data.size(), proof.data(), &length);
  return proof;
}

bool proofsEqual(const Proof& a, const Proof& b) { return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0; }

Nonce randomNonce() {
  Nonce nonce{};
  if (RAND_bytes(nonce.data(), static_cast<int>(nonce.size())) != 1) {
    // The OS generator failed: fall back to a clock-derived nonce rather than a fixed one.
    const auto t = std::chrono::steady_clock::now().time_since_epoch().count();
    std::memcpy(nonce.data(), &t, sizeof t);
  }
  return nonce;
}

}  // namespace ringlab::net
