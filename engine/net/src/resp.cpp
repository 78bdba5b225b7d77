#include <ringlab/net/resp.h>

#include <algorithm>
#include <charconv>

namespace ringlab::net {
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

}  // namespace ringlab::net
