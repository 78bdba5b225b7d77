// Histories recorded outside the simulation, as JSON lines, so that the history checker (history.h) judges real
// nodes by the same rules as simulated ones (the real-node nemesis, docs/NEMESIS.md).
//
// One operation per line, in any order:
//   {"client":3,"id":17,"op":"put","key":"k12","node":"n2","invoked_us":120034,"completed_us":121002,
//    "ok":true,"version":"1733448000123456.0@n2","value":"c3-17"}
//   {"client":1,"id":18,"op":"get","key":"k12","node":"n1","invoked_us":120500,"completed_us":121900,
//    "ok":true,"found":true,"version":"1733448000123456.0@n2","value":"c3-17"}
//   {"client":2,"id":19,"op":"put","key":"k3","node":"n3","invoked_us":130000,"completed_us":132000,
//    "ok":false,"error":"timed out after 2000 ms","value":"c2-19"}
// Times are microseconds on the recording client's monotonic clock (one clock for the whole history, so real-time
// order holds whatever the nodes' clocks say). `version` is Version::toString's form, "PHYSICAL.LOGICAL@NODE"; a
// failed write has none (it may still have landed, with a version its coordinator `node` issued). `value` is what a
// write sent or a read returned.
// Pure functions over plain values; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <ringlab/engine/status.h>
#include <ringlab/engine/timestamp.h>
#include <ringlab/sim/history.h>

namespace ringlab {

struct RecordedOperation {
  HistoryEntry entry;  // coordinator: the node the client sent the operation to
  std::string value;   // put: the value sent; get: the value returned when found
  std::string error;   // why a failed operation failed, as the client saw it
};

// Parses Version::toString's form ("1733448000123456.0@n2"); nullopt when `text` is not one.
std::optional<Version> parseVersion(std::string_view text);

// One JSON line (without the line end).
std::string formatRecordedOperation(const RecordedOperation& operation);
// kInvalidArgument naming the field that is missing or wrong.
Result<RecordedOperation> parseRecordedOperation(std::string_view line);

// Reads a history file: every non-empty line must parse. Errors name the file and line ("h.jsonl:12: field 'op':
// 'scan' is not get or put"); a file that cannot be read is kNotFound.
Result<std::vector<RecordedOperation>> readRecordedHistory(const std::string& path);

// Histories whose writes each send a value no other write to the key sends (as the nemesis load does) allow a check
// by value: every read that found a value must have read one some write to the key sent, with the version that write
// got when it was acknowledged, or, when it failed (it may still have landed), a version its coordinator issued.
// A mismatch is a node that mixed up records or made a value up.
struct ValueMismatch {
  std::uint64_t readId = 0;
  Key key;
  Version version;
  std::string returned;
  std::string why;  // "no write sent this value", "written with version ...", "its write failed at n2"
};
std::vector<ValueMismatch> findValueMismatches(const std::vector<RecordedOperation>& history);

}  // namespace ringlab
