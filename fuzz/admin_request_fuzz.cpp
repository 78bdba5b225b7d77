// libFuzzer target: what a client may send to the admin port. Arbitrary bytes are read as an HTTP request under the
// admin limits, routed with an admin token configured, and their body and query handed to the parser of the
// endpoint they reach; the bytes also go straight to every body parser, where most of the input space lies. None
// may crash or throw; a refusal must be one of the statuses the API documents, with a message; whatever a parser
// accepts must be within the bounds it promises. Built by scripts/fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <ringlab/net/admin_request.h>

namespace {

using namespace ringlab;
using namespace ringlab::net;

void require(bool condition) {
  if (!condition) std::abort();
}

template <typename T>
void checkRefusal(const Result<T>& result) {
  if (!result) require(!result.status().message().empty());
}

void checkFault(std::string_view body) {
  const auto fault = parseFaultRequest(body);
  checkRefusal(fault);
  if (!fault) return;
  require(fault->probability >= 0 && fault->probability <= 1);
  require(fault->delayMs >= 0 && fault->delayMs <= kAdminMaxDelayMs);
  require(fault->durationMs >= 0 && fault->durationMs <= kAdminMaxPauseMs);
  if (fault->action == FaultRequest::Action::kPause) require(fault->durationMs >= 1 && fault->peers.empty());
  for (NodeId peer : fault->peers) require(peer != kNoNode);
}

void checkBodies(std::string_view body) {
  checkFault(body);
  const auto join = parseJoinRequest(body);
  checkRefusal(join);
  if (join) require(!join->host.empty() && join->port != 0);
  const auto member = parseRemoveMemberRequest(body);
  checkRefusal(member);
  if (member) require(*member != kNoNode);
  const Status decommission = parseDecommissionRequest(body);
  require(decommission.isOk() || !decommission.message().empty());
}

void checkEvents(std::string_view types, std::string_view rate) {
  const auto events = parseEventStreamRequest(types, rate, 1000);
  checkRefusal(events);
  if (events) require(events->rate >= 1 && events->rate <= kAdminMaxEventsPerSecond);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const ParsedAdminRequest parsed = parseAdminRequest(bytes);
  require(parsed.used <= bytes.size());
  require(!(parsed.request && parsed.refusal));
  if (parsed.refusal) {
    const unsigned status = parsed.refusal->result_int();
    require(status == 400 || status == 413 || status == 431);
    require(!parsed.refusal->body().empty() && !parsed.refusal->keep_alive());
  }
  if (parsed.request) {
    require(parsed.request->body().size() <= kAdminMaxBodyBytes);
    const AdminRouting routing = routeAdminRequest(*parsed.request, "secret");
    if (!routing.route) {
      require(routing.status == 400 || routing.status == 401 || routing.status == 404 || routing.status == 405);
      require(!routing.error.empty());
      if (routing.status == 405) require(!routing.allow.empty());
    } else {
      const std::string_view body = parsed.request->body();
      switch (routing.route->endpoint) {
        case AdminEndpoint::kEvents:
          checkEvents(queryParameter(routing.url, "types"), queryParameter(routing.url, "rate"));
          break;
        case AdminEndpoint::kPostFault: checkFault(body); break;
        case AdminEndpoint::kPostMembers:
        case AdminEndpoint::kDeleteMembers:
        case AdminEndpoint::kDecommission: checkBodies(body); break;
        default: break;
      }
    }
  }
  checkBodies(bytes);
  const auto split = bytes.find('&');
  checkEvents(bytes.substr(0, split), split == std::string_view::npos ? std::string_view() : bytes.substr(split + 1));
  return 0;
}
