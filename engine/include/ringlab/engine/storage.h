// Where a replica keeps its records. Storage applies records by version (a write only lands if it supersedes what is
// there), answers reads, and iterates a token range in token order for streaming and anti-entropy.
// Implementations are used from one thread (a node's fibers); not thread-safe.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>

#include <ringlab/engine/ring.h>
#include <ringlab/engine/status.h>
#include <ringlab/engine/version.h>

namespace ringlab {

struct StorageLimits {
  std::size_t maxKeyBytes = 64u << 10;
  std::size_t maxValueBytes = 1u << 20;

  // Whether a storage may take `record` under `key`: kInvalidArgument for an empty key, kTooLarge naming the size
  // and the limit for a key or value over it, OK otherwise. Every Storage implementation applies it first.
  Status check(std::string_view key, const Record& record) const;
};

enum class ApplyOutcome : std::uint8_t {
  kApplied,     // the record is now stored
  kSuperseded,  // an equal or newer version is already stored; nothing changed
};

struct StorageStats {
  std::size_t records = 0;  // live values and tombstones
  std::size_t tombstones = 0;
  std::size_t bytes = 0;  // keys plus record footprints
  std::size_t siblingKeys = 0;  // keys whose record holds more than one sibling (conflicts: siblings)
};

// True for a sibling set of two or more: a key a reader must resolve (what StorageStats::siblingKeys counts).
inline bool holdsSiblings(const Record& record) {
  return record.kind == RecordKind::kSiblings && record.siblings.siblings().size() > 1;
}

class Storage {
 public:
  virtual ~Storage() = default;

  // Stores `record` under `key` if it supersedes the stored one. Errors: kTooLarge when the key or value exceeds the
  // limits (nothing is stored), kInvalidArgument for an empty key.
  virtual Result<ApplyOutcome> apply(std::string_view key, const Record& record) = 0;
  // The stored record (tombstones included), or nullopt.
  virtual std::optional<Record> get(std::string_view key) const = 0;
  // Calls `visit` for every record whose key's token lies in `range`, in token order (ties by key). Stops early when
  // `visit` returns false. The key and record `visit` sees are valid only during that call (an implementation may
  // build them in place for each visit); copy what must outlive it.
  virtual void scan(const TokenRange& range,
                    const std::function<bool(Token, std::string_view, const Record&)>& visit) const = 0;
  virtual StorageStats stats() const = 0;
  // Removes everything (a wiped disk).
  virtual void clear() = 0;
  // Removes the tombstones of deleted keys written (by their version's physical time) before `beforeMicros`, as
  // replicas do once a tombstone's grace period is over; returns how many. A key whose record is a sibling set or a
  // counter is never removed (its causal history must stay). After this a removed key reads as never written, so a
  // replica that missed the delete and still holds the value can bring it back.
  virtual std::size_t purgeTombstones(std::int64_t beforeMicros) = 0;
  virtual const StorageLimits& limits() const = 0;
};

std::unique_ptr<Storage> makeMemoryStorage(StorageLimits limits = {});

}  // namespace ringlab
