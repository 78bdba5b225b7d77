// Observation events as JSON (Boost.JSON), for the admin endpoint's /events stream. One object per event: "type"
// (eventTypeName), "time_ns" (the node's runtime clock), then the event's fields in snake_case. Node ids are names
// ("n1"), versions "physical.logical@node" strings, tokens decimal strings (64-bit values do not fit a JSON double).
// The schema is documented in docs/ADMIN_API.md. Pure; thread-safe.
#pragma once

#include <string>

#include <boost/json/object.hpp>

#include <ringlab/engine/events.h>

namespace ringlab::net {

boost::json::object eventToJson(const Event& event);
// The object serialized on one line, without the newline.
std::string eventToJsonLine(const Event& event);

}  // namespace ringlab::net
