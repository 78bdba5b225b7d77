// Throughput of the peer-message codec: encoding into a reused buffer and decoding a whole frame, for a write with a
// 16-byte key and values of 100 B and 4 KiB, and for a read request. Bytes/s counts frame bytes.
#include <benchmark/benchmark.h>
#include <ringlab/engine/codec.h>

#include <cstdint>
#include <string>
#include <vector>

namespace ringlab {
namespace {

constexpr std::size_t kKeyBytes = 16;

Message writeRequest(std::size_t valueBytes) {
  Message message;
  message.from = 1;
  message.to = 2;
  message.requestId = 123456789;
  message.payload = WriteRequest{std::string(kKeyBytes, 'k'),
                                 Record{Version{1'700'000'000'000'000, 3, 1}, std::string(valueBytes, 'v'), false}};
  return message;
}

Message readRequest() {
  Message message;
  message.from = 1;
  message.to = 2;
  message.requestId = 123456789;
  message.payload = ReadRequest{std::string(kKeyBytes, 'k')};
  return message;
}

void encodeLoop(benchmark::State& state, const Message& message) {
  std::vector<std::uint8_t> buffer;
  for (auto _ : state) {
    buffer.clear();
    encodeMessage(message, buffer);
    benchmark::DoNotOptimize(buffer.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * buffer.size()));
  state.counters["frame_bytes"] = static_cast<double>(buffer.size());
}

void decodeLoop(benchmark::State& state, const Message& message) {
  const std::vector<std::uint8_t> frame = encodeMessage(message);
  for (auto _ : state) {
    Result<Message> decoded = decodeMessage(frame);
    if (!decoded) state.SkipWithError(decoded.status().toString().c_str());
    benchmark::DoNotOptimize(decoded);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * frame.size()));
  state.counters["frame_bytes"] = static_cast<double>(frame.size());
}

void BM_EncodeWriteRequest(benchmark::State& state) {
  encodeLoop(state, writeRequest(static_cast<std::size_t>(state.range(0))));
}
BENCHMARK(BM_EncodeWriteRequest)->Arg(100)->Arg(4096);

void BM_DecodeWriteRequest(benchmark::State& state) {
  decodeLoop(state, writeRequest(static_cast<std::size_t>(state.range(0))));
}
BENCHMARK(BM_DecodeWriteRequest)->Arg(100)->Arg(4096);

void BM_EncodeReadRequest(benchmark::State& state) { encodeLoop(state, readRequest()); }
BENCHMARK(BM_EncodeReadRequest);

void BM_DecodeReadRequest(benchmark::State& state) { decodeLoop(state, readRequest()); }
BENCHMARK(BM_DecodeReadRequest);

}  // namespace
}  // namespace ringlab
