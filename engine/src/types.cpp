#include <ringlab/engine/types.h>

#include <charconv>
#include <cstdio>

namespace ringlab {

std::string nodeName(NodeId id) {
  if (id == kNoNode) return "none";
  return "n" + std::to_string(static_cast<std::uint64_t>(id) + 1);
}

NodeId parseNodeName(std::string_view name) {
  if (name.size() < 2 || name.size() > 7 || name[0] != 'n' || name[1] == '0') return kNoNode;
  std::uint32_t number = 0;
  auto [end, ec] = std::from_chars(name.data() + 1, name.data() + name.size(), number);
  if (ec != std::errc() || end != name.data() + name.size() || number == 0) return kNoNode;
  return number - 1;
}

std::string formatDuration(Duration d) {
  const auto ns = d.count();
  const auto magnitude = ns < 0 ? -ns : ns;
  char buf[48];
  if (magnitude < 1'000) {
    std::snprintf(buf, sizeof buf, "%lldns", static_cast<long long>(ns));
  } else if (magnitude < 1'000'000) {
    std::snprintf(buf, sizeof buf, "%.1fus", static_cast<double>(ns) / 1e3);
  } else if (magnitude < 1'000'000'000) {
    std::snprintf(buf, sizeof buf, "%.2fms", static_cast<double>(ns) / 1e6);
  } else {
    std::snprintf(buf, sizeof buf, "%.3fs", static_cast<double>(ns) / 1e9);
  }
  return buf;
}

}  // namespace ringlab
