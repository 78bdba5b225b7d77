// libFuzzer target: what a peer may send before and after the handshake. Arbitrary bytes go through the stream
// framing (nextFrameSize), the frame decoder and the handshake decoders; none may crash, and a frame that decodes
// must encode back to the same bytes. Built by scripts/fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include <ringlab/engine/codec.h>
#include <ringlab/net/handshake.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  ringlab::CodecLimits limits;
  limits.maxFrameBytes = 1 << 20;
  std::size_t at = 0;
  while (at < bytes.size()) {
    auto frameSize = ringlab::nextFrameSize(bytes.subspan(at), limits);
    if (!frameSize || *frameSize == 0 || *frameSize > bytes.size() - at) break;
    const auto frame = bytes.subspan(at, *frameSize);
    auto message = ringlab::decodeMessage(frame, limits);
    if (message) {
      const auto again = ringlab::encodeMessage(*message);
      if (again.size() != frame.size() || !std::equal(again.begin(), again.end(), frame.begin())) std::abort();
    }
    at += *frameSize;
  }
  (void)ringlab::net::decodeHello(bytes);
  (void)ringlab::net::decodeChallenge(bytes);
  (void)ringlab::net::decodeProof(bytes);
  (void)ringlab::net::decodeWelcome(bytes);
  (void)ringlab::net::handshakeMessageSize(bytes);
  return 0;
}
