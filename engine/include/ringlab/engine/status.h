// Errors as values. Every failure a caller can react to in engine/ and sim/ is a Status with a code from the one
// table below; Result<T> carries either a value or a non-OK Status. Plain values; thread-compatible.
#pragma once

#include <cassert>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace ringlab {

enum class ErrorCode : std::uint8_t {
  kOk = 0,
  kInvalidArgument,  // the caller asked for something malformed (bad key, bad config)
  kNotFound,         // the thing asked for does not exist
  kTooLarge,         // a value, frame or count exceeds its configured limit
  kUnavailable,      // too few replicas can be reached to meet the quorum
  kTimeout,          // too few answers arrived before the deadline
  kCorrupt,          // bytes failed a checksum or are structurally invalid
  kTruncated,        // bytes ended before the structure they announce
  kUnsupported,      // a version or kind this build does not understand
  kCancelled,        // the operation was abandoned (its node crashed or stopped)
  kInternal,         // a broken invariant; a bug
};

std::string_view errorCodeName(ErrorCode code);

// [[nodiscard]]: a failure is a value, so a call that drops one is a bug the compiler points at.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message) : m_code(code), m_message(std::move(message)) {}

  static Status ok() { return {}; }

  bool isOk() const { return m_code == ErrorCode::kOk; }
  explicit operator bool() const { return isOk(); }
  ErrorCode code() const { return m_code; }
  const std::string& message() const { return m_message; }
  // "timeout: 1 of 2 acks within 500ms"
  std::string toString() const;

 private:
  ErrorCode m_code = ErrorCode::kOk;
  std::string m_message;
};

// Either a T or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : m_state(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : m_state(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(m_state).isOk() && "a Result built from a Status must carry an error");
  }
  Result(ErrorCode code, std::string message) : Result(Status(code, std::move(message))) {}

  bool isOk() const { return std::holds_alternative<T>(m_state); }
  explicit operator bool() const { return isOk(); }

  const T& value() const& { return std::get<T>(m_state); }
  T& value() & { return std::get<T>(m_state); }
  T&& value() && { return std::get<T>(std::move(m_state)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  // The error; Status::ok() when the result holds a value.
  Status status() const { return isOk() ? Status::ok() : std::get<Status>(m_state); }

 private:
  std::variant<T, Status> m_state;
};

}  // namespace ringlab
