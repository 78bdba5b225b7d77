// RESP2, the Redis protocol, as a pure part: the one codec of the node's server, the app's client and the tests.
// RespParser is fed the bytes a client sent and returns whole commands or a protocol error; the reply functions append
// encoded replies to a buffer. RespReplyParser is fed the bytes a node sent and returns whole replies; encodeCommand
// writes a command as a client sends it. No I/O, no clock. A parser belongs to one connection; not thread-safe. See
// https://redis.io/docs/reference/protocol-spec/ for the format.
//
// Accepted input: multibulk commands ("*<n>\r\n" then n bulk strings "$<len>\r\n<bytes>\r\n") and inline commands (a
// line of space-separated words, with "double" or 'single' quotes for words holding spaces). Errors name what was
// wrong in Redis's wording ("Protocol error: invalid bulk length"); after an error the parser stays failed, since
// the stream can no longer be framed, and the connection should be closed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ringlab {

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

// A command as clients send it: an array of bulk strings.
std::string encodeCommand(const std::vector<std::string>& args);
void appendCommand(std::string& out, const std::vector<std::string>& args);

// One reply of a node.
struct RespValue {
  enum class Type : char {
    kSimpleString = '+',  // +OK
    kError = '-',         // -ERR ...: text holds the message
    kInteger = ':',       // :1
    kBulkString = '$',    // $5 hello, or the null bulk string $-1 (isNull)
    kArray = '*',         // *2 ..., or the null array *-1 (isNull)
  };
  Type type = Type::kSimpleString;
  std::string text;  // simple string, error message or bulk string (binary-safe)
  long long integer = 0;
  bool isNull = false;
  std::vector<RespValue> elements;
};

// Turns the bytes of a RESP2 reply stream into replies. Bytes may come in any pieces; a reply split across feeds is
// returned once its last byte arrives.
class RespReplyParser {
 public:
  // Limits beyond which the input is taken for garbage rather than waited for.
  static constexpr long long kMaxBulkLength = 512ll * 1024 * 1024;  // Redis's proto-max-bulk-len
  static constexpr long long kMaxArrayLength = 16ll * 1024 * 1024;
  static constexpr std::size_t kMaxLineLength = 64 * 1024;  // a header, simple string, error or integer line
  static constexpr int kMaxDepth = 64;                      // arrays nested in arrays

  void feed(std::string_view bytes);
  // The next whole reply; nullopt when more bytes are needed or the input is malformed (then error() says why, and
  // every later call returns nullopt).
  std::optional<RespValue> next();
  // Empty while the input is well-formed; otherwise what was wrong and at which byte offset of the whole stream, e.g.
  // "byte 12: expected '+', '-', ':', '$' or '*' to start a reply, got \"G\"".
  const std::string& error() const { return m_error; }
  // Bytes received but not yet returned as replies.
  std::size_t buffered() const { return m_buffer.size() - m_pos; }

 private:
  enum class Outcome : std::uint8_t { kDone, kNeedMore, kMalformed };
  // Parses one reply at `pos` into `out`; with `out` null only checks that it is whole (and well-formed), without
  // copying anything, so that a large reply arriving in many pieces is copied once, when its last byte is here.
  Outcome parse(std::size_t& pos, int depth, RespValue* out);
  Outcome readLine(std::size_t& pos, std::string_view& line);
  Outcome readInteger(std::size_t& pos, long long& value);
  Outcome malformed(std::size_t at, const std::string& what);

  std::string m_buffer;
  std::size_t m_pos = 0;             // start of the first byte not yet returned as a reply
  std::uint64_t m_discarded = 0;     // bytes dropped from the front of m_buffer, for offsets in error messages
  std::string m_error;
};

// A few bytes of input as a person can read them in a message: printable ASCII as is, the rest as \xNN, and "..."
// after `limit` bytes.
std::string shownBytes(std::string_view bytes, std::size_t limit = 32);

}  // namespace ringlab
