#include <ringlab/engine/resp.h>

#include <algorithm>
#include <charconv>

namespace ringlab {
namespace {

// Finds "\r\n" (or a bare "\n" for inline commands) from `from`; npos when absent.
std::size_t findLineEnd(const std::string& buffer, std::size_t from) { return buffer.find('\n', from); }

}  // namespace

void RespParser::feed(std::string_view bytes) {
  if (m_failed) return;
  compact();
  m_buffer.append(bytes);
}

void RespParser::compact() {
  if (m_pos == 0) return;
  if (m_pos == m_buffer.size()) {
    m_buffer.clear();
    m_pos = 0;
  } else if (m_pos > 4096 && m_pos * 2 > m_buffer.size()) {
    m_buffer.erase(0, m_pos);
    m_pos = 0;
  }
}

RespParser::Outcome RespParser::fail(std::string message) {
  m_failed = true;
  m_error = std::move(message);
  return Outcome::kError;
}

bool RespParser::readLength(char prefix, long long& value, bool& bad) {
  bad = false;
  const std::size_t lineEnd = findLineEnd(m_buffer, m_pos);
  if (lineEnd == std::string::npos) {
    // A length line is short: a long run without a newline is garbage.
    if (m_buffer.size() - m_pos > 64) bad = true;
    return false;
  }
  if (m_buffer[m_pos] != prefix || lineEnd < m_pos + 2 || m_buffer[lineEnd - 1] != '\r') {
    bad = true;
    return false;
  }
  const char* first = m_buffer.data() + m_pos + 1;
  const char* last = m_buffer.data() + lineEnd - 1;
  auto [ptr, ec] = std::from_chars(first, last, value);
  if (ec != std::errc() || ptr != last) {
    bad = true;
    return false;
  }
  m_pos = lineEnd + 1;
  return true;
}

RespParser::Outcome RespParser::next(std::vector<std::string>& args) {
  args.clear();
  if (m_failed) return Outcome::kError;
  for (;;) {
    if (!m_inMultibulk) {
      if (m_pos >= m_buffer.size()) return Outcome::kNeedMore;
      if (m_buffer[m_pos] != '*') {
        const Outcome inlineOutcome = parseInline(args);
        if (inlineOutcome == Outcome::kCommand && args.empty()) continue;  // an empty line
        return inlineOutcome;
      }
      long long count = 0;
      bool bad = false;
      if (!readLength('*', count, bad)) {
        return bad ? fail("Protocol error: invalid multibulk length") : Outcome::kNeedMore;
      }
      if (count > static_cast<long long>(m_limits.maxMultibulkLength)) {
        return fail("Protocol error: invalid multibulk length");
      }
      if (count <= 0) continue;  // "*0" and "*-1" are empty commands: ignored, as Redis does
      m_inMultibulk = true;
      m_remaining = count;
      m_bulkLength = -1;
      m_partial.clear();
      m_partial.reserve(static_cast<std::size_t>(std::min<long long>(count, 1024)));
    }
    while (m_remaining > 0) {
      if (m_bulkLength < 0) {
        if (m_pos >= m_buffer.size()) return Outcome::kNeedMore;
        if (m_buffer[m_pos] != '$') {
          return fail(std::string("Protocol error: expected '$', got '") + m_buffer[m_pos] + "'");
        }
        long long length = 0;
        bool bad = false;
        if (!readLength('$', length, bad)) {
          return bad ? fail("Protocol error: invalid bulk length") : Outcome::kNeedMore;
        }
        if (length < 0 || length > static_cast<long long>(m_limits.maxBulkBytes)) {
          return fail("Protocol error: invalid bulk length");
        }
        m_bulkLength = length;
      }
      const auto need = static_cast<std::size_t>(m_bulkLength) + 2;
      if (m_buffer.size() - m_pos < need) return Outcome::kNeedMore;
      if (m_buffer[m_pos + need - 2] != '\r' || m_buffer[m_pos + need - 1] != '\n') {
        return fail("Protocol error: bulk string not terminated by CRLF");
      }
      m_partial.emplace_back(m_buffer, m_pos, static_cast<std::size_t>(m_bulkLength));
      m_pos += need;
      m_bulkLength = -1;
      --m_remaining;
    }
    m_inMultibulk = false;
    args.swap(m_partial);
    m_partial.clear();
    return Outcome::kCommand;
  }
}

RespParser::Outcome RespParser::parseInline(std::vector<std::string>& args) {
  const std::size_t lineEnd = findLineEnd(m_buffer, m_pos);
  if (lineEnd == std::string::npos) {
    if (m_buffer.size() - m_pos > m_limits.maxInlineBytes) return fail("Protocol error: too big inline request");
    return Outcome::kNeedMore;
  }
  if (lineEnd - m_pos > m_limits.maxInlineBytes) return fail("Protocol error: too big inline request");
  std::size_t end = lineEnd;
  if (end > m_pos && m_buffer[end - 1] == '\r') --end;
  const std::string_view line(m_buffer.data() + m_pos, end - m_pos);
  m_pos = lineEnd + 1;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i == line.size()) break;
    std::string word;
    if (line[i] == '"' || line[i] == '\'') {
      const char quote = line[i++];
      bool closed = false;
      while (i < line.size()) {
        char c = line[i++];
        if (c == quote) {
          closed = true;
          break;
        }
        if (c == '\\' && quote == '"' && i < line.size()) {
          const char e = line[i++];
          switch (e) {
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            default: c = e; break;
          }
        }
        word.push_back(c);
      }
      if (!closed || (i < line.size() && line[i] != ' ' && line[i] != '\t')) {
        return fail("Protocol error: unbalanced quotes in request");
      }
    } else {
      while (i < line.size() && line[i] != ' ' && line[i] != '\t') word.push_back(line[i++]);
    }
    args.push_back(std::move(word));
  }
  return Outcome::kCommand;
}

void appendSimple(std::string& out, std::string_view text) {
  out += '+';
  out += text;
  out += "\r\n";
}

void appendError(std::string& out, std::string_view text) {
  out += '-';
  for (char c : text) out += (c == '\r' || c == '\n') ? ' ' : c;
  out += "\r\n";
}

void appendInteger(std::string& out, long long value) {
  out += ':';
  out += std::to_string(value);
  out += "\r\n";
}

void appendBulk(std::string& out, std::string_view bytes) {
  out += '$';
  out += std::to_string(bytes.size());
  out += "\r\n";
  out += bytes;
  out += "\r\n";
}

void appendNull(std::string& out) { out += "$-1\r\n"; }

void appendArrayHeader(std::string& out, std::size_t count) {
  out += '*';
  out += std::to_string(count);
  out += "\r\n";
}

std::string encodeCommand(const std::vector<std::string>& args) {
  std::string out;
  appendCommand(out, args);
  return out;
}

void appendCommand(std::string& out, const std::vector<std::string>& args) {
  appendArrayHeader(out, args.size());
  for (const std::string& arg : args) appendBulk(out, arg);
}

std::string shownBytes(std::string_view bytes, std::size_t limit) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < std::min(bytes.size(), limit); ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  if (bytes.size() > limit) out += "...";
  return out;
}

// --- RespReplyParser

void RespReplyParser::feed(std::string_view bytes) {
  if (!m_error.empty() || bytes.empty()) return;
  // Drop the replies already returned once they are at least half the buffer, so a long stream costs linear time.
  if (m_pos > 0 && m_pos >= m_buffer.size() / 2) {
    m_buffer.erase(0, m_pos);
    m_discarded += m_pos;
    m_pos = 0;
  }
  m_buffer.append(bytes);
}

std::optional<RespValue> RespReplyParser::next() {
  if (!m_error.empty() || m_pos >= m_buffer.size()) return std::nullopt;
  std::size_t end = m_pos;
  if (parse(end, 0, nullptr) != Outcome::kDone) return std::nullopt;
  std::size_t pos = m_pos;
  RespValue reply;
  parse(pos, 0, &reply);
  m_pos = pos;
  return reply;
}

RespReplyParser::Outcome RespReplyParser::malformed(std::size_t at, const std::string& what) {
  m_error = "byte " + std::to_string(m_discarded + at) + ": " + what;
  return Outcome::kMalformed;
}

RespReplyParser::Outcome RespReplyParser::readLine(std::size_t& pos, std::string_view& line) {
  const std::size_t end = m_buffer.find('\n', pos);
  if (end == std::string::npos) {
    if (m_buffer.size() - pos > kMaxLineLength) {
      return malformed(pos, "no line end within " + std::to_string(kMaxLineLength) + " bytes");
    }
    return Outcome::kNeedMore;
  }
  if (end == pos || m_buffer[end - 1] != '\r') return malformed(end, "line feed without carriage return");
  line = std::string_view(m_buffer).substr(pos, end - 1 - pos);
  if (line.size() > kMaxLineLength) {
    return malformed(pos, "line longer than " + std::to_string(kMaxLineLength) + " bytes");
  }
  if (const std::size_t cr = line.find('\r'); cr != std::string_view::npos) {
    return malformed(pos + cr, "carriage return inside a line");
  }
  pos = end + 1;
  return Outcome::kDone;
}

RespReplyParser::Outcome RespReplyParser::readInteger(std::size_t& pos, long long& value) {
  const std::size_t start = pos;
  std::string_view line;
  if (const Outcome o = readLine(pos, line); o != Outcome::kDone) return o;
  const bool negative = !line.empty() && line[0] == '-';
  const std::string_view digits = line.substr(negative ? 1 : 0);
  // Up to 2^63 - 1, or 2^63 when negative.
  const std::uint64_t limit = negative ? std::uint64_t{1} << 63 : (std::uint64_t{1} << 63) - 1;
  bool ok = !digits.empty();
  std::uint64_t v = 0;
  for (const char c : digits) {
    if (c < '0' || c > '9' || v > (limit - static_cast<std::uint64_t>(c - '0')) / 10) {
      ok = false;
      break;
    }
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (!ok) return malformed(start, "expected an integer, got \"" + shownBytes(line) + "\"");
  value = negative ? static_cast<long long>(0 - v) : static_cast<long long>(v);
  return Outcome::kDone;
}

RespReplyParser::Outcome RespReplyParser::parse(std::size_t& pos, int depth, RespValue* out) {
  RespValue scratch;  // what a check-only pass parses headers into
  RespValue& value = out ? *out : scratch;
  if (pos >= m_buffer.size()) return Outcome::kNeedMore;
  const std::size_t start = pos;
  const char marker = m_buffer[pos++];
  switch (marker) {
    case '+':
    case '-': {
      std::string_view line;
      if (const Outcome o = readLine(pos, line); o != Outcome::kDone) return o;
      value.type = marker == '+' ? RespValue::Type::kSimpleString : RespValue::Type::kError;
      if (out) value.text.assign(line);
      return Outcome::kDone;
    }
    case ':': {
      value.type = RespValue::Type::kInteger;
      return readInteger(pos, value.integer);
    }
    case '$': {
      long long length = 0;
      if (const Outcome o = readInteger(pos, length); o != Outcome::kDone) return o;
      value.type = RespValue::Type::kBulkString;
      if (length == -1) {
        value.isNull = true;
        return Outcome::kDone;
      }
      if (length < 0 || length > kMaxBulkLength) {
        return malformed(start, "bulk string length " + std::to_string(length) + " outside 0.." +
                                    std::to_string(kMaxBulkLength));
      }
      const auto size = static_cast<std::size_t>(length);
      if (m_buffer.size() - pos < size + 2) return Outcome::kNeedMore;
      if (m_buffer[pos + size] != '\r' || m_buffer[pos + size + 1] != '\n') {
        return malformed(pos + size, "bulk string of " + std::to_string(length) + " bytes not followed by CRLF");
      }
      if (out) value.text.assign(m_buffer, pos, size);
      pos += size + 2;
      return Outcome::kDone;
    }
    case '*': {
      long long count = 0;
      if (const Outcome o = readInteger(pos, count); o != Outcome::kDone) return o;
      value.type = RespValue::Type::kArray;
      if (count == -1) {
        value.isNull = true;
        return Outcome::kDone;
      }
      if (count < 0 || count > kMaxArrayLength) {
        return malformed(start, "array length " + std::to_string(count) + " outside 0.." +
                                    std::to_string(kMaxArrayLength));
      }
      if (depth + 1 > kMaxDepth) return malformed(start, "arrays nested deeper than " + std::to_string(kMaxDepth));
      if (out) value.elements.reserve(static_cast<std::size_t>(std::min<long long>(count, 1024)));
      for (long long i = 0; i < count; ++i) {
        RespValue element;
        if (const Outcome o = parse(pos, depth + 1, out ? &element : nullptr); o != Outcome::kDone) return o;
        if (out) value.elements.push_back(std::move(element));
      }
      return Outcome::kDone;
    }
    default:
      return malformed(start, "expected '+', '-', ':', '$' or '*' to start a reply, got \"" +
                                  shownBytes(std::string_view(m_buffer).substr(start, 1)) + "\"");
  }
}

}  // namespace ringlab
