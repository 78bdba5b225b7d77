// Reading and checking admin HTTP requests with no node behind them: the limits a request is read under, the routing
// table (authentication, unknown paths and methods), and the bodies and parameters of the actions, each checked into
// a value or refused with a message naming the field. AdminServer applies what these return to its node; the fuzz
// target fuzz/admin_request_fuzz.cpp feeds them raw bytes. Nothing here does I/O or throws for bad input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/system/error_code.hpp>
#include <boost/url/url_view.hpp>

#include <ringlab/engine/events.h>
#include <ringlab/engine/status.h>
#include <ringlab/engine/types.h>
#include <ringlab/net/host_port.h>

namespace ringlab::net {

using AdminRequest = boost::beast::http::request<boost::beast::http::string_body>;
using AdminResponse = boost::beast::http::response<boost::beast::http::string_body>;

// The limits a request is read under, and the bounds of the actions' numbers.
inline constexpr std::size_t kAdminMaxHeaderBytes = 16 * 1024;
inline constexpr std::size_t kAdminMaxBodyBytes = 64 * 1024;
inline constexpr std::int64_t kAdminMaxDelayMs = 10000;
inline constexpr std::int64_t kAdminMaxPauseMs = 60000;
inline constexpr std::size_t kAdminMaxEventsPerSecond = 100000;

// One request read from `bytes` under the admin limits, as a session reads it from its socket.
struct ParsedAdminRequest {
  std::optional<AdminRequest> request;  // a whole request
  std::optional<AdminResponse> refusal;  // or the answer to one that cannot be read (400, 413, 431)
  std::size_t used = 0;                 // bytes of `bytes` the parser took
};
// Neither a request nor a refusal: the bytes end before the request does.
ParsedAdminRequest parseAdminRequest(std::string_view bytes);

// The answer to a request that could not be read whole, given the reader's error, when there is one to give: a body
// over the limit (413), a header over the limit (431) or malformed HTTP (400). nullopt when the client just went
// away or was too slow.
std::optional<AdminResponse> unreadableRequestResponse(const boost::system::error_code& ec);

// The endpoints, and the routing table: a method on a path. GET routes serve HEAD too.
enum class AdminEndpoint {
  kIndex,
  kMetrics,
  kCluster,
  kEvents,
  kGetFault,
  kPostFault,
  kDecommission,
  kPostMembers,
  kDeleteMembers,
  kHealthz,
  kReadyz,
};
struct AdminRoute {
  std::string_view path;
  boost::beast::http::verb method;
  bool open;  // served without the admin token: probes carry none, and they reveal nothing but readiness
  AdminEndpoint endpoint;
};
// Every route, in the order the index lists them.
std::span<const AdminRoute> adminRoutes();

// Where a request goes: its route, or the error answer's status and message (400 for a malformed target, 401 without
// the token, 404 for an unknown path, 405 for a method the path does not serve, with the methods it does).
struct AdminRouting {
  const AdminRoute* route = nullptr;
  boost::urls::url_view url;  // the parsed target; valid while the request is
  std::string path;           // percent-decoded
  unsigned status = 0;        // when route is null
  std::string error;
  std::string allow;  // for 405: the Allow header ("GET, POST")
};
// `token` is the admin token; empty: none is needed.
AdminRouting routeAdminRequest(const AdminRequest& request, std::string_view token);

// A query parameter of the target, percent-decoded ("types=a%2Cb" is "a,b"); "" when absent or empty.
std::string queryParameter(const boost::urls::url_view& url, std::string_view name);

// GET /events?types=...&rate=...: which event types, and how many per second at most (`defaultRate` when not given).
struct EventStreamRequest {
  EventMask mask = 0;
  std::size_t rate = 0;  // events per second at most
};
Result<EventStreamRequest> parseEventStreamRequest(std::string_view types, std::string_view rate,
                                                   std::size_t defaultRate);

// POST /fault, checked as far as it can be without the node: peers are node names, not this node's own name or a
// known peer's (the caller checks those).
struct FaultRequest {
  enum class Action { kDrop, kDelay, kPause, kHeal };
  Action action = Action::kHeal;
  std::vector<NodeId> peers;  // as named, in the order of the array (peers[i] is field 'peers[i]'); empty: every peer
  double probability = 1.0;        // drop
  std::int64_t delayMs = 0;        // delay
  std::int64_t durationMs = 0;     // pause
};
Result<FaultRequest> parseFaultRequest(std::string_view body);

// POST /decommission takes an empty body or {}.
Status parseDecommissionRequest(std::string_view body);
// POST /members {"peer": "host:port"}: the address to dial, its host checked for shape.
Result<HostPort> parseJoinRequest(std::string_view body);
// DELETE /members {"member": "n5"}.
Result<NodeId> parseRemoveMemberRequest(std::string_view body);

}  // namespace ringlab::net
