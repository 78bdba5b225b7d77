#pragma once
// How ringlabd writes its log lines: for people (spdlog's default text) or for log shippers (one JSON object per
// line). Thread-safe as spdlog formatters are: each sink clones its own.

#include <memory>
#include <optional>
#include <string_view>

#include <spdlog/formatter.h>

namespace ringlab {

enum class LogFormat { kText, kJson };

// "text" or "json"; nullopt for anything else.
std::optional<LogFormat> parseLogFormat(std::string_view name);

// A formatter for `format`. JSON lines look like
//   {"time":"2026-12-04T06:01:02.345Z","level":"info","logger":"ringlabd","message":"..."}
// with the time in UTC, the message escaped as JSON requires, and a "source" field ("file:line") when the call site
// gave one.
std::unique_ptr<spdlog::formatter> makeLogFormatter(LogFormat format);

}  // namespace ringlab
