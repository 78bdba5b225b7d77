// Observation events as JSON lines: the one encoder and the one decoder of the admin endpoint's /events stream and
// of recorded sessions. One object per event: "type" (eventTypeName), "time_ns" (the node's runtime clock), then
// every field of the event in snake_case. Node ids are names ("n1"; "" for no node), versions
// "physical.logical@node" strings, tokens decimal strings (64-bit values do not fit a JSON double), enums their
// engine names. The schema is documented in docs/ADMIN_API.md.
//
// Decoding is strict about what is there and lenient about what is not: a field that is present must have the
// type and, for enums and node names, a value the schema allows, or the line is refused with a message naming the
// field; a field that is absent reads as its zero value, so that lines written by an older node still decode.
// Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include <ringlab/engine/events.h>
#include <ringlab/engine/status.h>

namespace ringlab {

boost::json::object eventToJson(const Event& event);
// The object serialized on one line, without the newline.
std::string eventToJsonLine(const Event& event);

// The event an object describes. Fails (kInvalidArgument) when "type" is missing or names no event type, or a
// present field is malformed; the message names the type and the field.
Result<Event> eventFromJson(const boost::json::object& object);
// The same for one serialized line; also fails (kCorrupt) when the line is not a JSON object.
Result<Event> eventFromJsonLine(std::string_view line);

// When the event happened on its node's clock: its `time`, or a fiber slice's start.
TimePoint eventTime(const Event& event);

}  // namespace ringlab
