#include <ringlab/sim/workload.h>

#include <fmt/format.h>

namespace ringlab {

Status WorkloadConfig::validate() const {
  auto bad = [](std::string message) { return Status(ErrorCode::kInvalidArgument, std::move(message)); };
  if (model == LoadModel::kOpenLoop && !(ratePerSecond >= 0)) return bad("rate must not be negative");
  if (model == LoadModel::kOpenLoop && ratePerSecond > 10'000'000) return bad("rate must be at most 10000000/s");
  if (model == LoadModel::kClosedLoop && (clients == 0 || clients > 100'000)) {
    return bad("clients must be between 1 and 100000");
  }
  if (thinkTime < Duration{0}) return bad("think time must not be negative");
  if (!(readRatio >= 0 && readRatio <= 1)) return bad("read_ratio must be between 0 and 1");
  if (!(deleteRatio >= 0 && deleteRatio <= 1)) return bad("delete_ratio must be between 0 and 1");
  if (!(incrementRatio >= 0 && incrementRatio <= 1)) return bad("increment_ratio must be between 0 and 1");
  if (!(blindRatio >= 0 && blindRatio <= 1)) return bad("blind_ratio must be between 0 and 1");
  if (readRatio + deleteRatio + incrementRatio > 1 + 1e-12) {
    return bad("read_ratio + delete_ratio + increment_ratio must not exceed 1");
  }
  if (valueBytesMin > valueBytesMax) return bad("the minimum value size is larger than the maximum");
  if (valueBytesMax > (64u << 20)) return bad("values larger than 64 MiB are not supported by the workload");
  if (Status s = keys.validate(); !s.isOk()) return bad("keys: " + s.message());
  if (stop && *stop <= start) return bad("the workload stops before it starts");
  return Status::ok();
}

std::string_view routingName(Routing routing) {
  switch (routing) {
    case Routing::kRandom: return "random";
    case Routing::kTokenAware: return "token_aware";
    case Routing::kProxy: return "proxy";
  }
  return "unknown routing";
}

std::optional<Routing> parseRouting(std::string_view name) {
  for (Routing r : {Routing::kRandom, Routing::kTokenAware, Routing::kProxy})
    if (routingName(r) == name) return r;
  return std::nullopt;
}

std::string WorkloadConfig::describe() const {
  const double putRatio = 1 - readRatio - deleteRatio - incrementRatio;
  std::string load = model == LoadModel::kOpenLoop
                         ? fmt::format("open loop, {:g}/s", ratePerSecond)
                         : fmt::format("closed loop, {} clients, think {}", clients, formatDuration(thinkTime));
  std::string mix = fmt::format("{:.0f}% get / {:.0f}% put", readRatio * 100, putRatio * 100);
  if (deleteRatio > 0) mix += fmt::format(" / {:.0f}% delete", deleteRatio * 100);
  if (incrementRatio > 0) {
    mix += fmt::format(" / {:.0f}% increment ({})", incrementRatio * 100,
                       counter == Counter::kCrdt ? "CRDT counter" : "register read-modify-write");
  }
  std::string values = valueBytesMin == valueBytesMax ? fmt::format("{}-byte values", valueBytesMin)
                                                      : fmt::format("{}-{} byte values", valueBytesMin, valueBytesMax);
  std::string out = fmt::format("{}, {}, {}, {}", load, mix, keys.describe(), values);
  if (routing != Routing::kRandom) out += fmt::format(", {} routing", routingName(routing));
  return out;
}

}  // namespace ringlab
