// A network address as operators write it: "host:port", with IPv6 hosts in brackets ("[::1]:7380").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <ringlab/engine/status.h>

namespace ringlab::net {

struct HostPort {
  std::string host;  // without the brackets of an IPv6 address
  std::uint16_t port = 0;
  std::string toString() const { return host + ":" + std::to_string(port); }
};

// Parses "host:port"; kInvalidArgument with a reason otherwise.
Result<HostPort> parseHostPort(std::string_view text);

}  // namespace ringlab::net
