// RESP2, the Redis protocol, as a pure part: RespParser is fed bytes as they arrive and returns whole commands or a
// protocol error; the reply functions append encoded replies to a buffer. No I/O, no clock. A parser belongs to one
// connection; not thread-safe. See https://redis.io/docs/reference/protocol-spec/ for the format.
//
// Accepted input: multibulk commands ("*<n>\r\n" then n bulk strings "$<len>\r\n<bytes>\r\n") and inline commands (a
// line of space-separated words, with "double" or 'single' quotes for words holding spaces). Errors name what was
// wrong in Redis's wording ("Protocol error: invalid bulk length"); after an error the parser stays failed, since
// the stream can no longer be framed, and the connection should be closed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ringlab::net {

struct RespLimits {
  std::size_t maxBulkBytes = 1u << 20;        // one argument (ringlabd: the largest value a node stores)
  std::size_t maxMultibulkLength = 1u << 20;  // arguments in one command
  std::size_t maxInlineBytes = 64u << 10;     // one inline command line
};

class RespParser {
 public:
  enum class Outcome { kCommand, kNeedMore, kError };

  explicit RespParser(RespLimits limits = {}) : m_limits(limits) {}

  // Appends received bytes.
  void feed(std::string_view bytes);
  // Parses the next command into `args` (cleared first). kNeedMore: no whole command is buffered yet (what was parsed
  // so far is kept); kError: the input is not RESP, error() says why.
  Outcome next(std::vector<std::string>& args);
  const std::string& error() const { return m_error; }
  // Bytes received but not yet returned as commands.
  std::size_t buffered() const { return m_buffer.size() - m_pos; }

 private:
  Outcome fail(std::string message);
  Outcome parseInline(std::vector<std::string>& args);
  // Reads a "<prefix><integer>\r\n" line at m_pos. Returns false when the line is not complete yet.
  bool readLength(char prefix, long long& value, bool& bad);
  void compact();

  RespLimits m_limits;
  std::string m_buffer;
  std::size_t m_pos = 0;
  std::string m_error;
  bool m_failed = false;
  // A multibulk command in progress: arguments still to read and those read so far.
  long long m_remaining = 0;
  bool m_inMultibulk = false;
  long long m_bulkLength = -1;  // the announced length of the bulk being read, -1 before its header
  std::vector<std::string> m_partial;
};

// Reply encoders: append one RESP2 value to `out`.
void appendSimple(std::string& out, std::string_view text);   // +text
void appendError(std::string& out, std::string_view text);    // -text (newlines are replaced by spaces)
void appendInteger(std::string& out, long long value);        // :value
void appendBulk(std::string& out, std::string_view bytes);    // $len bytes
void appendNull(std::string& out);                            // $-1
void appendArrayHeader(std::string& out, std::size_t count);  // *count

}  // namespace ringlab::net
