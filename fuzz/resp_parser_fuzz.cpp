// libFuzzer target: both parsers of the RESP codec fed arbitrary bytes in arbitrary pieces must never crash, hang or
// read out of bounds. The command parser (what a node reads from clients) returns only non-empty commands; the reply
// parser (what the app and the tests read from nodes) stays failed once it has said why. Built by scripts/fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include <ringlab/engine/resp.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte picks the size of the pieces the rest arrives in, as reads from a socket would cut it.
  const std::size_t piece = 1 + data[0] % 64;
  ringlab::RespLimits limits;
  limits.maxBulkBytes = 1 << 16;
  limits.maxMultibulkLength = 1 << 12;
  limits.maxInlineBytes = 1 << 12;
  ringlab::RespParser parser(limits);
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  ringlab::RespReplyParser replies;
  for (std::size_t at = 0; at < input.size(); at += piece) {
    replies.feed(input.substr(at, piece));
    while (replies.next()) {
    }
  }
  if (!replies.error().empty() && replies.next()) std::abort();
  std::vector<std::string> args;
  for (std::size_t at = 0; at < input.size(); at += piece) {
    parser.feed(input.substr(at, piece));
    for (;;) {
      const auto outcome = parser.next(args);
      if (outcome == ringlab::RespParser::Outcome::kCommand) {
        if (args.empty()) std::abort();
        continue;
      }
      if (outcome == ringlab::RespParser::Outcome::kError) return 0;
      break;
    }
  }
  return 0;
}
