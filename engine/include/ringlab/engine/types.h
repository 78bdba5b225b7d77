// Basic vocabulary of the engine: node identifiers, tokens, virtual or real time, keys and values.
// Plain value types; safe to copy between threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace ringlab {

// A node's identity inside a cluster: a small dense index (0, 1, 2, ...). Display names are "n1", "n2", ...
using NodeId = std::uint32_t;
inline constexpr NodeId kNoNode = 0xffffffffu;

// Position on the hash ring: the full 64-bit space, wrapping from 2^64-1 to 0.
using Token = std::uint64_t;

// Time as the Runtime sees it: nanoseconds since the start of the run (virtual in the simulation, since process
// start on real nodes). Durations share the representation.
using Duration = std::chrono::nanoseconds;
struct TimePoint {
  Duration sinceStart{0};
  friend auto operator<=>(const TimePoint&, const TimePoint&) = default;
  TimePoint operator+(Duration d) const { return TimePoint{sinceStart + d}; }
  Duration operator-(TimePoint other) const { return sinceStart - other.sinceStart; }
  std::int64_t nanos() const { return sinceStart.count(); }
};

using Key = std::string;
using Value = std::string;

// "n1" for node 0, "n2" for node 1, ...
std::string nodeName(NodeId id);

// Inverse of nodeName: "n3" -> 2. Returns kNoNode when the text is not a node name.
NodeId parseNodeName(std::string_view name);

// Formats a duration for people: "850ns", "12.5us", "3.20ms", "1.500s".
std::string formatDuration(Duration d);

}  // namespace ringlab
