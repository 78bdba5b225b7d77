#include <ringlab/engine/codec.h>
#include <xxhash.h>

#include <bit>
#include <cstdio>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

namespace ringlab {
namespace {

constexpr std::size_t kLengthFieldBytes = 4;
constexpr std::size_t kFormatVersionOffset = 4;
constexpr std::size_t kKindOffset = 5;
constexpr std::size_t kFlagsOffset = 6;
constexpr std::size_t kFromOffset = 8;
constexpr std::size_t kToOffset = 12;
constexpr std::size_t kRequestIdOffset = 16;
constexpr std::size_t kStringLengthBytes = 4;
constexpr std::size_t kVersionBytes = 16;  // i64 physicalMicros, u32 logical, u32 node
constexpr std::size_t kFlagBytes = 1;      // tombstone, present, result
constexpr std::uint8_t kHighestErrorCode = static_cast<std::uint8_t>(ErrorCode::kInternal);
constexpr std::uint8_t kHighestMemberStatus = static_cast<std::uint8_t>(MemberStatus::kLeft);
constexpr std::size_t kCountBytes = 4;         // u32 element count in front of every list
constexpr std::size_t kRangeBytes = 16;        // u64 start, u64 end
constexpr std::size_t kGossipEntryBytes = 21;  // u32 node, u64 generation, u64 heartbeat, u8 status
constexpr std::size_t kRumourBytes = 22;       // u8 kind, u32 node, u64 generation, u64 incarnation, u8 status
constexpr std::size_t kProbeHeaderBytes = 12;  // u64 sequence, u32 target
constexpr std::uint8_t kHighestRumourKind = static_cast<std::uint8_t>(RumourKind::kDead);
constexpr std::uint32_t kMaxRumours = 1024;
constexpr std::size_t kLeafHashBytes = 8;      // u64 per Merkle leaf
constexpr std::size_t kLeafIndexBytes = 4;     // u32 per differing leaf
constexpr std::size_t kDepthBytes = 1;         // u8 Merkle tree depth
constexpr std::size_t kNodeIdBytes = 4;        // u32 node id
constexpr std::size_t kMinStringBytes = kStringLengthBytes;
constexpr std::size_t kMinRecordBytes = kVersionBytes + kFlagBytes + kStringLengthBytes;
constexpr std::uint8_t kMaxTreeDepth = 16;
constexpr std::uint32_t kMaxGossipMembers = 65536;
constexpr std::uint32_t kMaxListCount = 1'000'000;

static_assert(kRequestIdOffset + 8 == kFrameHeaderBytes);

template <typename T>
void storeLe(std::uint8_t* out, T value) {
  static_assert(std::is_unsigned_v<T>);
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(out, &value, sizeof value);
  } else {
    for (std::size_t i = 0; i < sizeof value; ++i) out[i] = static_cast<std::uint8_t>(value >> (8 * i));
  }
}

template <typename T>
T loadLe(const std::uint8_t* in) {
  static_assert(std::is_unsigned_v<T>);
  T value = 0;
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(&value, in, sizeof value);
  } else {
    for (std::size_t i = 0; i < sizeof value; ++i) value |= static_cast<T>(static_cast<T>(in[i]) << (8 * i));
  }
  return value;
}

std::uint32_t frameChecksum(const std::uint8_t* frame, std::size_t frameSize) {
  return XXH32(frame + kLengthFieldBytes, frameSize - kLengthFieldBytes - kFrameTrailerBytes, 0);
}

// Joins text and numbers into an error message. Only called on error paths.
template <typename... Parts>
std::string describe(const Parts&... parts) {
  std::string out;
  auto append = [&out](const auto& part) {
    if constexpr (std::is_integral_v<std::decay_t<decltype(part)>>) {
      out += std::to_string(part);
    } else {
      out += part;
    }
  };
  (append(parts), ...);
  return out;
}

std::string hex(std::uint32_t value, int digits) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%0*x", digits, static_cast<unsigned>(value));
  return buf;
}

// ---- Encoding --------------------------------------------------------------------------------------------------

std::size_t stringSize(const std::string& text) { return kStringLengthBytes + text.size(); }
// The causal body (sibling set or counter) a record of that kind carries after its value, as a length-prefixed string.
std::string causalBody(const Record& record) {
  std::string body;
  if (record.kind == RecordKind::kSiblings) appendSiblingSet(body, record.siblings);
  if (record.kind == RecordKind::kCounter) appendPnCounter(body, record.counter);
  return body;
}

std::size_t recordSize(const Record& record) {
  const std::size_t size = kVersionBytes + kFlagBytes + stringSize(record.value);
  if (record.kind == RecordKind::kRegister) return size;
  return size + kStringLengthBytes + causalBody(record).size();
}

// Exact payload sizes. Fixed-size lists cost O(1); lists of strings add up their lengths and allocate nothing.
struct PayloadSize {
  std::size_t operator()(const WriteRequest& m) const { return stringSize(m.key) + recordSize(m.record); }
  std::size_t operator()(const WriteAck& m) const { return stringSize(m.key) + kVersionBytes + kFlagBytes; }
  std::size_t operator()(const ReadRequest& m) const { return stringSize(m.key); }
  std::size_t operator()(const ReadReply& m) const {
    return stringSize(m.key) + kFlagBytes + (m.record ? recordSize(*m.record) : 0);
  }
  std::size_t operator()(const Gossip& m) const { return kCountBytes + m.members.size() * kGossipEntryBytes; }
  std::size_t operator()(const Probe& m) const {
    return kProbeHeaderBytes + kCountBytes + m.rumours.size() * kRumourBytes;
  }
  std::size_t operator()(const ProbeAck& m) const {
    return kProbeHeaderBytes + kCountBytes + m.rumours.size() * kRumourBytes;
  }
  std::size_t operator()(const HintedWrite& m) const { return stringSize(m.key) + recordSize(m.record) + kNodeIdBytes; }
  std::size_t operator()(const HintReplay& m) const { return stringSize(m.key) + recordSize(m.record); }
  std::size_t operator()(const ReadRepair& m) const { return stringSize(m.key) + recordSize(m.record); }
  std::size_t operator()(const AeTree& m) const {
    return kRangeBytes + 3 * kDepthBytes + kCountBytes + m.groups.size() * kLeafIndexBytes +
           m.hashes.size() * kLeafHashBytes;
  }
  std::size_t operator()(const AeDiff& m) const {
    std::size_t size = kRangeBytes + kDepthBytes + kCountBytes + m.leaves.size() * kLeafIndexBytes + kCountBytes;
    for (const KeyVersion& entry : m.entries) size += stringSize(entry.key) + kVersionBytes;
    return size;
  }
  std::size_t operator()(const AeFetch& m) const {
    std::size_t size = kCountBytes;
    for (const Key& key : m.keys) size += stringSize(key);
    return size;
  }
  std::size_t operator()(const AeRecords& m) const {
    std::size_t size = kCountBytes;
    for (const KeyRecord& entry : m.records) size += stringSize(entry.key) + recordSize(entry.record);
    return size;
  }
  std::size_t operator()(const StreamRequest&) const { return kRangeBytes + kCountBytes; }
  std::size_t operator()(const StreamBatch& m) const {
    std::size_t size = kRangeBytes + kCountBytes + 8 + kFlagBytes;
    for (const KeyRecord& entry : m.records) size += stringSize(entry.key) + recordSize(entry.record);
    return size;
  }
};

// Writes fields into a buffer that the caller has already sized with encodedSize(); it does no bounds checks.
class ByteWriter {
 public:
  explicit ByteWriter(std::uint8_t* out) : m_out(out) {}

  std::uint8_t* position() const { return m_out; }

  void u8(std::uint8_t value) { *m_out++ = value; }
  void u16(std::uint16_t value) { put(value); }
  void u32(std::uint32_t value) { put(value); }
  void u64(std::uint64_t value) { put(value); }

  void string(const std::string& text) {
    u32(static_cast<std::uint32_t>(text.size()));
    if (!text.empty()) std::memcpy(m_out, text.data(), text.size());
    m_out += text.size();
  }

  void version(const Version& version) {
    u64(static_cast<std::uint64_t>(version.physicalMicros));
    u32(version.logical);
    u32(version.node);
  }

  // Flags: bit 0 tombstone, bits 1-2 the record kind (0 for a register, as in format version 1).
  void record(const Record& record) {
    version(record.version);
    u8(static_cast<std::uint8_t>((record.tombstone ? 1 : 0) | (static_cast<std::uint8_t>(record.kind) << 1)));
    string(record.value);
    if (record.kind != RecordKind::kRegister) string(causalBody(record));
  }

  void range(const TokenRange& range) {
    u64(range.start);
    u64(range.end);
  }

  // Every element takes at least 4 bytes, so the u32 frame length bounds every count.
  void count(std::size_t elements) { u32(static_cast<std::uint32_t>(elements)); }

  void operator()(const WriteRequest& m) {
    string(m.key);
    record(m.record);
  }
  void operator()(const WriteAck& m) {
    string(m.key);
    version(m.version);
    u8(static_cast<std::uint8_t>(m.result));
  }
  void operator()(const ReadRequest& m) { string(m.key); }
  void operator()(const ReadReply& m) {
    string(m.key);
    u8(m.record ? 1 : 0);
    if (m.record) record(*m.record);
  }
  void operator()(const Gossip& m) {
    count(m.members.size());
    for (const GossipEntry& entry : m.members) {
      u32(entry.node);
      u64(entry.generation);
      u64(entry.heartbeat);
      u8(static_cast<std::uint8_t>(entry.status));
    }
  }
  void operator()(const Probe& m) { probe(m.sequence, m.target, m.rumours); }
  void operator()(const ProbeAck& m) { probe(m.sequence, m.target, m.rumours); }
  void probe(std::uint64_t sequence, NodeId target, const std::vector<Rumour>& rumours) {
    u64(sequence);
    u32(target);
    count(rumours.size());
    for (const Rumour& rumour : rumours) {
      u8(static_cast<std::uint8_t>(rumour.kind));
      u32(rumour.node);
      u64(rumour.generation);
      u64(rumour.incarnation);
      u8(static_cast<std::uint8_t>(rumour.status));
    }
  }
  void operator()(const HintedWrite& m) {
    string(m.key);
    record(m.record);
    u32(m.intendedOwner);
  }
  void operator()(const HintReplay& m) {
    string(m.key);
    record(m.record);
  }
  void operator()(const ReadRepair& m) {
    string(m.key);
    record(m.record);
  }
  void operator()(const AeTree& m) {
    range(m.range);
    u8(m.depth);
    u8(m.level);
    u8(m.span);
    count(m.groups.size());
    for (const std::uint32_t group : m.groups) u32(group);
    for (const std::uint64_t hash : m.hashes) u64(hash);
  }
  void operator()(const AeDiff& m) {
    range(m.range);
    u8(m.depth);
    count(m.leaves.size());
    for (const std::uint32_t leaf : m.leaves) u32(leaf);
    count(m.entries.size());
    for (const KeyVersion& entry : m.entries) {
      string(entry.key);
      version(entry.version);
    }
  }
  void operator()(const AeFetch& m) {
    count(m.keys.size());
    for (const Key& key : m.keys) string(key);
  }
  void operator()(const AeRecords& m) {
    count(m.records.size());
    for (const KeyRecord& entry : m.records) {
      string(entry.key);
      record(entry.record);
    }
  }
  void operator()(const StreamRequest& m) {
    range(m.range);
    u32(m.maxRecords);
  }
  void operator()(const StreamBatch& m) {
    range(m.range);
    count(m.records.size());
    for (const KeyRecord& entry : m.records) {
      string(entry.key);
      record(entry.record);
    }
    u64(m.lastToken);
    u8(m.done ? 1 : 0);
  }

 private:
  template <typename T>
  void put(T value) {
    storeLe(m_out, value);
    m_out += sizeof value;
  }

  std::uint8_t* m_out;
};

// ---- Decoding --------------------------------------------------------------------------------------------------

// Reads fields from frame[position, end), where end is the start of the checksum. Every read checks the bytes
// remaining first; error messages give the field and its byte offset within the frame.
class ByteReader {
 public:
  ByteReader(std::span<const std::uint8_t> frame, std::size_t begin, std::size_t end)
      : m_frame(frame), m_position(begin), m_end(end) {}

  std::size_t position() const { return m_position; }
  std::size_t remaining() const { return m_end - m_position; }

  Status u8(std::uint8_t& value, std::string_view what) { return get(value, what); }
  Status u32(std::uint32_t& value, std::string_view what) { return get(value, what); }
  Status u64(std::uint64_t& value, std::string_view what) { return get(value, what); }

  // A u32 element count, checked against `limit` (kTooLarge) and against the bytes present, at `minElementBytes`
  // per element (kTruncated), so that a caller may allocate `count` elements without trusting the input.
  Status count(std::uint32_t& count, std::string_view what, std::uint32_t limit, std::size_t minElementBytes) {
    const std::size_t at = m_position;
    if (Status status = get(count, what); !status) return status;
    if (count > limit) {
      return Status(ErrorCode::kTooLarge,
                    describe(what, " ", count, " at byte ", at, " exceeds the limit of ", limit, " elements"));
    }
    return fits(count, minElementBytes, what, at);
  }

  // Whether `count` elements of at least `minElementBytes` each can fit in the bytes that remain; kTruncated if not.
  // `at` is the offset of the count field, for the message.
  Status fits(std::uint32_t count, std::size_t minElementBytes, std::string_view what, std::size_t at) const {
    const std::size_t needed = std::size_t{count} * minElementBytes;
    if (needed <= remaining()) return Status::ok();
    return Status(ErrorCode::kTruncated, describe(what, " ", count, " at byte ", at, " needs at least ", needed,
                                                  " bytes, but ", remaining(), " remain before the checksum"));
  }

  Status range(TokenRange& range, std::string_view what) {
    if (Status status = need(kRangeBytes, what); !status) return status;
    range.start = take<std::uint64_t>();
    range.end = take<std::uint64_t>();
    return Status::ok();
  }

  // A byte that must be 0 or 1.
  Status flag(bool& value, std::string_view what) {
    const std::size_t at = m_position;
    std::uint8_t byte = 0;
    if (Status status = u8(byte, what); !status) return status;
    if (byte > 1) {
      return Status(ErrorCode::kCorrupt, describe(what, " ", byte, " at byte ", at, " is neither 0 nor 1"));
    }
    value = byte == 1;
    return Status::ok();
  }

  // A u32 length and that many bytes. The length is checked against `limit` and the bytes present before anything
  // is allocated.
  Status string(std::string& text, std::string_view what, std::size_t limit) {
    const std::size_t at = m_position;
    if (remaining() < kStringLengthBytes) {
      return Status(ErrorCode::kTruncated,
                    describe("frame ends inside the ", what, " length at byte ", at, ": it needs ", kStringLengthBytes,
                             " bytes, ", remaining(), " remain before the checksum"));
    }
    const auto length = take<std::uint32_t>();
    if (length > limit) {
      return Status(ErrorCode::kTooLarge,
                    describe(what, " length ", length, " at byte ", at, " exceeds the ", limit, "-byte limit"));
    }
    if (length > remaining()) {
      return Status(ErrorCode::kTruncated, describe(what, " length ", length, " at byte ", at, " runs past the ",
                                                    remaining(), " bytes that remain before the checksum"));
    }
    const auto* bytes = reinterpret_cast<const char*>(m_frame.data() + m_position);
    text.assign(bytes, length);
    m_position += length;
    return Status::ok();
  }

  Status version(Version& version, std::string_view what) {
    if (Status status = need(kVersionBytes, what); !status) return status;
    version.physicalMicros = static_cast<std::int64_t>(take<std::uint64_t>());
    version.logical = take<std::uint32_t>();
    version.node = take<std::uint32_t>();
    return Status::ok();
  }

 private:
  Status need(std::size_t bytes, std::string_view what) const {
    if (remaining() >= bytes) return Status::ok();
    return Status(ErrorCode::kTruncated,
                  describe("frame ends inside the ", what, " at byte ", m_position, ": it needs ", bytes, " bytes, ",
                           remaining(), " remain before the checksum"));
  }

  // Callers have checked with need() that the bytes are there.
  template <typename T>
  T take() {
    const T value = loadLe<T>(m_frame.data() + m_position);
    m_position += sizeof value;
    return value;
  }

  template <typename T>
  Status get(T& value, std::string_view what) {
    if (Status status = need(sizeof value, what); !status) return status;
    value = take<T>();
    return Status::ok();
  }

  std::span<const std::uint8_t> m_frame;
  std::size_t m_position;
  std::size_t m_end;
};

Status readRecord(ByteReader& reader, const CodecLimits& limits, Record& record) {
  if (Status status = reader.version(record.version, "record version"); !status) return status;
  const std::size_t flagsAt = reader.position();
  std::uint8_t flags = 0;
  if (Status status = reader.u8(flags, "record flags"); !status) return status;
  const std::uint8_t kind = flags >> 1;
  if (kind > kHighestRecordKind) {
    return Status(ErrorCode::kCorrupt, describe("record flags ", flags, " at byte ", flagsAt, " name kind ", kind,
                                                "; kinds are 0 (register), 1 (siblings) and 2 (counter)"));
  }
  record.tombstone = (flags & 1) != 0;
  record.kind = static_cast<RecordKind>(kind);
  if (Status status = reader.string(record.value, "value", limits.maxValueBytes); !status) return status;
  if (record.kind == RecordKind::kRegister) return Status::ok();
  const std::size_t bodyAt = reader.position();
  std::string body;
  if (Status status = reader.string(body, "causal body", limits.maxFrameBytes); !status) return status;
  auto located = [&](const Status& status) {
    return Status(status.code(), describe(recordKindName(record.kind), " body at byte ", bodyAt, ": ",
                                          status.message()));
  };
  if (record.kind == RecordKind::kSiblings) {
    auto set = parseSiblingSet(body, limits.maxValueBytes);
    if (!set) return located(set.status());
    record = Record::fromSiblings(std::move(*set));
  } else {
    auto counter = parsePnCounter(body);
    if (!counter) return located(counter.status());
    record = Record::fromCounter(std::move(*counter), record.version);
  }
  return Status::ok();
}

Status readKeyedRecord(ByteReader& reader, const CodecLimits& limits, Key& key, Record& record) {
  if (Status status = reader.string(key, "key", limits.maxKeyBytes); !status) return status;
  return readRecord(reader, limits, record);
}

// A Merkle tree depth, at most kMaxTreeDepth.
Status readDepth(ByteReader& reader, std::uint8_t& depth) {
  const std::size_t at = reader.position();
  if (Status status = reader.u8(depth, "tree depth"); !status) return status;
  if (depth > kMaxTreeDepth) {
    return Status(ErrorCode::kCorrupt,
                  describe("tree depth ", depth, " at byte ", at, " exceeds the maximum of ", kMaxTreeDepth));
  }
  return Status::ok();
}

// An enumeration held in one byte (a member status, a rumour kind, an error code): 0..highest, else kCorrupt,
// naming the field and what its values are.
template <typename Enum>
Status readEnumByte(ByteReader& reader, Enum& out, const char* field, const char* what, std::uint8_t highest) {
  const std::size_t at = reader.position();
  std::uint8_t value = 0;
  if (Status status = reader.u8(value, field); !status) return status;
  if (value > highest) {
    return Status(ErrorCode::kCorrupt,
                  describe(field, " ", value, " at byte ", at, " is not ", what, " (the highest is ", highest, ")"));
  }
  out = static_cast<Enum>(value);
  return Status::ok();
}

// A member status byte (gossip entries, rumours).
Status readMemberStatus(ByteReader& reader, MemberStatus& out) {
  return readEnumByte(reader, out, "member status", "a member status", kHighestMemberStatus);
}

// A probe and its acknowledgement share a layout: u64 sequence, u32 target, then the rumours.
Status readProbe(ByteReader& reader, std::uint64_t& sequence, NodeId& target, std::vector<Rumour>& rumours) {
  if (Status status = reader.u64(sequence, "probe sequence"); !status) return status;
  if (Status status = reader.u32(target, "probe target"); !status) return status;
  std::uint32_t count = 0;
  if (Status status = reader.count(count, "rumour count", kMaxRumours, kRumourBytes); !status) return status;
  rumours.resize(count);
  for (Rumour& rumour : rumours) {
    if (Status status = readEnumByte(reader, rumour.kind, "rumour kind", "a rumour kind", kHighestRumourKind);
        !status) {
      return status;
    }
    if (Status status = reader.u32(rumour.node, "rumour node id"); !status) return status;
    if (Status status = reader.u64(rumour.generation, "rumour generation"); !status) return status;
    if (Status status = reader.u64(rumour.incarnation, "rumour incarnation"); !status) return status;
    if (Status status = readMemberStatus(reader, rumour.status); !status) return status;
  }
  return Status::ok();
}

Status readGossip(ByteReader& reader, Gossip& body) {
  std::uint32_t count = 0;
  if (Status status = reader.count(count, "gossip member count", kMaxGossipMembers, kGossipEntryBytes); !status) {
    return status;
  }
  body.members.resize(count);
  for (GossipEntry& entry : body.members) {
    if (Status status = reader.u32(entry.node, "gossip node id"); !status) return status;
    if (Status status = reader.u64(entry.generation, "gossip generation"); !status) return status;
    if (Status status = reader.u64(entry.heartbeat, "gossip heartbeat"); !status) return status;
    if (Status status = readMemberStatus(reader, entry.status); !status) return status;
  }
  return Status::ok();
}

Status readAeTree(ByteReader& reader, AeTree& body) {
  if (Status status = reader.range(body.range, "token range"); !status) return status;
  if (Status status = readDepth(reader, body.depth); !status) return status;
  std::size_t at = reader.position();
  if (Status status = reader.u8(body.level, "tree level"); !status) return status;
  if (body.level > body.depth) {
    return Status(ErrorCode::kCorrupt, describe("tree level ", body.level, " at byte ", at,
                                                " is below the leaves of a depth-", body.depth, " tree"));
  }
  at = reader.position();
  if (Status status = reader.u8(body.span, "level span"); !status) return status;
  if (body.span > body.level) {
    return Status(ErrorCode::kCorrupt,
                  describe("level span ", body.span, " at byte ", at, " reaches above the root from level ", body.level));
  }
  // Groups are subtrees rooted `span` levels up; there are 2^(level - span) of them.
  const std::uint32_t groupLimit = std::uint32_t{1} << (body.level - body.span);
  const std::size_t groupBytes = kLeafIndexBytes + (std::size_t{1} << body.span) * kLeafHashBytes;
  at = reader.position();
  std::uint32_t count = 0;
  if (Status status = reader.u32(count, "subtree count"); !status) return status;
  if (count > groupLimit) {
    return Status(ErrorCode::kCorrupt, describe("subtree count ", count, " at byte ", at, " exceeds the ", groupLimit,
                                                " subtrees at level ", body.level - body.span));
  }
  if (Status status = reader.fits(count, groupBytes, "subtree count", at); !status) return status;
  body.groups.resize(count);
  for (std::uint32_t& group : body.groups) {
    const std::size_t groupAt = reader.position();
    if (Status status = reader.u32(group, "subtree index"); !status) return status;
    if (group >= groupLimit) {
      return Status(ErrorCode::kCorrupt, describe("subtree index ", group, " at byte ", groupAt, " is beyond the ",
                                                  groupLimit, " subtrees at level ", body.level - body.span));
    }
  }
  body.hashes.resize(std::size_t{count} << body.span);
  for (std::uint64_t& hash : body.hashes) {
    if (Status status = reader.u64(hash, "subtree hash"); !status) return status;
  }
  return Status::ok();
}

Status readAeDiff(ByteReader& reader, const CodecLimits& limits, AeDiff& body) {
  if (Status status = reader.range(body.range, "token range"); !status) return status;
  if (Status status = readDepth(reader, body.depth); !status) return status;
  const std::uint32_t leafCount = std::uint32_t{1} << body.depth;
  const std::size_t at = reader.position();
  std::uint32_t count = 0;
  if (Status status = reader.u32(count, "differing leaf count"); !status) return status;
  if (count > leafCount) {
    return Status(ErrorCode::kCorrupt, describe("differing leaf count ", count, " at byte ", at, " exceeds the ",
                                                leafCount, " leaves of a depth-", body.depth, " tree"));
  }
  if (Status status = reader.fits(count, kLeafIndexBytes, "differing leaf count", at); !status) return status;
  body.leaves.resize(count);
  for (std::uint32_t& leaf : body.leaves) {
    const std::size_t leafAt = reader.position();
    if (Status status = reader.u32(leaf, "leaf index"); !status) return status;
    if (leaf >= leafCount) {
      return Status(ErrorCode::kCorrupt, describe("leaf index ", leaf, " at byte ", leafAt, " is beyond the ",
                                                  leafCount, " leaves of a depth-", body.depth, " tree"));
    }
  }
  if (Status status = reader.count(count, "key-version count", kMaxListCount, kMinStringBytes + kVersionBytes);
      !status) {
    return status;
  }
  body.entries.resize(count);
  for (KeyVersion& entry : body.entries) {
    if (Status status = reader.string(entry.key, "key", limits.maxKeyBytes); !status) return status;
    if (Status status = reader.version(entry.version, "key version"); !status) return status;
  }
  return Status::ok();
}

Status readAeFetch(ByteReader& reader, const CodecLimits& limits, AeFetch& body) {
  std::uint32_t count = 0;
  if (Status status = reader.count(count, "key count", kMaxListCount, kMinStringBytes); !status) return status;
  body.keys.resize(count);
  for (Key& key : body.keys) {
    if (Status status = reader.string(key, "key", limits.maxKeyBytes); !status) return status;
  }
  return Status::ok();
}

Status readStreamRequest(ByteReader& reader, StreamRequest& body) {
  if (Status status = reader.range(body.range, "token range"); !status) return status;
  return reader.u32(body.maxRecords, "record limit");
}

Status readStreamBatch(ByteReader& reader, const CodecLimits& limits, StreamBatch& body) {
  if (Status status = reader.range(body.range, "token range"); !status) return status;
  std::uint32_t count = 0;
  if (Status status = reader.count(count, "record count", kMaxListCount, kMinStringBytes + kMinRecordBytes); !status) {
    return status;
  }
  body.records.resize(count);
  for (KeyRecord& entry : body.records) {
    if (Status status = readKeyedRecord(reader, limits, entry.key, entry.record); !status) return status;
  }
  if (Status status = reader.u64(body.lastToken, "last token"); !status) return status;
  const std::size_t at = reader.position();
  std::uint8_t done = 0;
  if (Status status = reader.u8(done, "done flag"); !status) return status;
  if (done > 1)
    return Status(ErrorCode::kCorrupt, describe("done flag ", int(done), " at byte ", at, " is not 0 or 1"));
  body.done = done == 1;
  return Status::ok();
}

Status readAeRecords(ByteReader& reader, const CodecLimits& limits, AeRecords& body) {
  std::uint32_t count = 0;
  if (Status status = reader.count(count, "record count", kMaxListCount, kMinStringBytes + kMinRecordBytes); !status) {
    return status;
  }
  body.records.resize(count);
  for (KeyRecord& entry : body.records) {
    if (Status status = readKeyedRecord(reader, limits, entry.key, entry.record); !status) return status;
  }
  return Status::ok();
}

Status readPayload(MessageKind kind, ByteReader& reader, const CodecLimits& limits, Payload& payload) {
  switch (kind) {
    case MessageKind::kWriteRequest: {
      auto& body = payload.emplace<WriteRequest>();
      if (Status status = reader.string(body.key, "key", limits.maxKeyBytes); !status) return status;
      return readRecord(reader, limits, body.record);
    }
    case MessageKind::kWriteAck: {
      auto& body = payload.emplace<WriteAck>();
      if (Status status = reader.string(body.key, "key", limits.maxKeyBytes); !status) return status;
      if (Status status = reader.version(body.version, "acknowledged version"); !status) return status;
      return readEnumByte(reader, body.result, "result code", "an error code", kHighestErrorCode);
    }
    case MessageKind::kReadRequest: {
      auto& body = payload.emplace<ReadRequest>();
      return reader.string(body.key, "key", limits.maxKeyBytes);
    }
    case MessageKind::kReadReply: {
      auto& body = payload.emplace<ReadReply>();
      if (Status status = reader.string(body.key, "key", limits.maxKeyBytes); !status) return status;
      bool present = false;
      if (Status status = reader.flag(present, "record-present flag"); !status) return status;
      if (!present) return Status::ok();
      return readRecord(reader, limits, body.record.emplace());
    }
    case MessageKind::kGossip: return readGossip(reader, payload.emplace<Gossip>());
    case MessageKind::kHintedWrite: {
      auto& body = payload.emplace<HintedWrite>();
      if (Status status = readKeyedRecord(reader, limits, body.key, body.record); !status) return status;
      return reader.u32(body.intendedOwner, "intended owner");
    }
    case MessageKind::kHintReplay: {
      auto& body = payload.emplace<HintReplay>();
      return readKeyedRecord(reader, limits, body.key, body.record);
    }
    case MessageKind::kReadRepair: {
      auto& body = payload.emplace<ReadRepair>();
      return readKeyedRecord(reader, limits, body.key, body.record);
    }
    case MessageKind::kAeTree: return readAeTree(reader, payload.emplace<AeTree>());
    case MessageKind::kAeDiff: return readAeDiff(reader, limits, payload.emplace<AeDiff>());
    case MessageKind::kAeFetch: return readAeFetch(reader, limits, payload.emplace<AeFetch>());
    case MessageKind::kAeRecords: return readAeRecords(reader, limits, payload.emplace<AeRecords>());
    case MessageKind::kStreamRequest: return readStreamRequest(reader, payload.emplace<StreamRequest>());
    case MessageKind::kStreamBatch: return readStreamBatch(reader, limits, payload.emplace<StreamBatch>());
    case MessageKind::kProbe: {
      auto& body = payload.emplace<Probe>();
      return readProbe(reader, body.sequence, body.target, body.rumours);
    }
    case MessageKind::kProbeAck: {
      auto& body = payload.emplace<ProbeAck>();
      return readProbe(reader, body.sequence, body.target, body.rumours);
    }
  }
  return Status(ErrorCode::kInternal, "readPayload called with an unknown kind");  // callers check the kind first
}

// The frame size a length field announces, checked against the limit and the minimum.
Result<std::size_t> announcedFrameSize(std::span<const std::uint8_t> frame, const CodecLimits& limits) {
  const std::uint64_t announced = std::uint64_t{loadLe<std::uint32_t>(frame.data())} + kLengthFieldBytes;
  if (announced > limits.maxFrameBytes) {
    return {ErrorCode::kTooLarge,
            describe("frame announces ", announced, " bytes, beyond the ", limits.maxFrameBytes, "-byte limit")};
  }
  if (announced < kMinFrameBytes) {
    return {ErrorCode::kCorrupt, describe("frame announces ", announced, " bytes, fewer than the ", kMinFrameBytes,
                                          "-byte minimum (header and checksum)")};
  }
  return static_cast<std::size_t>(announced);
}

}  // namespace

std::size_t encodedSize(const Message& message) {
  return kFrameHeaderBytes + std::visit(PayloadSize{}, message.payload) + kFrameTrailerBytes;
}

void encodeMessage(const Message& message, std::vector<std::uint8_t>& out) {
  const std::size_t size = encodedSize(message);
  // Each string length must fit its u32 field; the whole frame bounds them all.
  if (size - kLengthFieldBytes > std::numeric_limits<std::uint32_t>::max()) {
    throw std::length_error("encodeMessage: a " + std::to_string(size) + "-byte frame does not fit the u32 length");
  }
  const std::size_t start = out.size();
  out.resize(start + size);
  std::uint8_t* frame = out.data() + start;

  ByteWriter writer(frame);
  writer.u32(static_cast<std::uint32_t>(size - kLengthFieldBytes));
  writer.u8(kWireFormatVersion);
  writer.u8(static_cast<std::uint8_t>(message.kind()));
  writer.u16(0);  // flags
  writer.u32(message.from);
  writer.u32(message.to);
  writer.u64(message.requestId);
  std::visit(writer, message.payload);
  writer.u32(frameChecksum(frame, size));
}

std::vector<std::uint8_t> encodeMessage(const Message& message) {
  std::vector<std::uint8_t> out;
  encodeMessage(message, out);
  return out;
}

Result<Message> decodeMessage(std::span<const std::uint8_t> frame, const CodecLimits& limits) {
  if (frame.size() < kLengthFieldBytes) {
    return {ErrorCode::kTruncated,
            describe("frame has ", frame.size(), " bytes; its length field alone needs ", kLengthFieldBytes)};
  }
  const Result<std::size_t> announced = announcedFrameSize(frame, limits);
  if (!announced) return announced.status();
  if (frame.size() > limits.maxFrameBytes) {
    return {ErrorCode::kTooLarge,
            describe("frame of ", frame.size(), " bytes exceeds the ", limits.maxFrameBytes, "-byte limit")};
  }
  if (*announced > frame.size()) {
    return {ErrorCode::kTruncated,
            describe("frame announces ", *announced, " bytes but ", frame.size(), " are present")};
  }
  if (*announced < frame.size()) {
    return {ErrorCode::kCorrupt,
            describe("frame announces ", *announced, " bytes but ", frame.size(), " are present: trailing bytes")};
  }

  // The format version decides the rest of the layout, the checksum included, so it is checked first.
  const std::uint8_t formatVersion = frame[kFormatVersionOffset];
  if (formatVersion != kWireFormatVersion) {
    return {ErrorCode::kUnsupported, describe("format version ", formatVersion, " at byte ", kFormatVersionOffset,
                                              "; this build reads version ", kWireFormatVersion)};
  }
  const std::size_t checksumAt = frame.size() - kFrameTrailerBytes;
  const std::uint32_t carried = loadLe<std::uint32_t>(frame.data() + checksumAt);
  const std::uint32_t computed = frameChecksum(frame.data(), frame.size());
  if (carried != computed) {
    return {ErrorCode::kCorrupt,
            describe("checksum ", hex(carried, 8), " at byte ", checksumAt, " does not match ", hex(computed, 8),
                     " computed over bytes ", kLengthFieldBytes, "..", checksumAt)};
  }
  const auto flags = loadLe<std::uint16_t>(frame.data() + kFlagsOffset);
  if (flags != 0) {
    return {ErrorCode::kUnsupported,
            describe("flags ", hex(flags, 4), " at byte ", kFlagsOffset, "; this build knows no flags")};
  }
  const std::uint8_t wireKind = frame[kKindOffset];
  if (!isKnownMessageKind(wireKind)) {
    return {ErrorCode::kUnsupported, describe("message kind ", wireKind, " at byte ", kKindOffset, " is unknown")};
  }
  const auto kind = static_cast<MessageKind>(wireKind);

  Message message;
  message.from = loadLe<std::uint32_t>(frame.data() + kFromOffset);
  message.to = loadLe<std::uint32_t>(frame.data() + kToOffset);
  message.requestId = loadLe<std::uint64_t>(frame.data() + kRequestIdOffset);
  ByteReader reader(frame, kFrameHeaderBytes, checksumAt);
  if (Status status = readPayload(kind, reader, limits, message.payload); !status) return status;
  if (reader.remaining() != 0) {
    return {ErrorCode::kCorrupt,
            describe(messageKindName(kind), " payload ends at byte ", reader.position(), " but ", reader.remaining(),
                     " bytes remain before the checksum at byte ", checksumAt)};
  }
  return message;
}

Result<std::size_t> nextFrameSize(std::span<const std::uint8_t> prefix, const CodecLimits& limits) {
  if (prefix.size() < kLengthFieldBytes) return std::size_t{0};
  return announcedFrameSize(prefix, limits);
}

}  // namespace ringlab
