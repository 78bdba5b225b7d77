// The scenario format's timeline: entries, narration focus, actions, and the checks that the timeline can happen (nodes
// that exist, quorums that fit, cuts that were made).
#include "scenario_parser.h"

namespace ringlab::scenario_detail {

// --- timeline ---------------------------------------------------------------------------------------------------

void ScenarioParser::parseTimeline(const Field& f, std::vector<TimelineEntry>& timeline) {
  // Nodes added by the timeline may be named in it: accept their names here; checkTimeline then verifies, in time
  // order, that a node exists (was added before) wherever it is named.
  m_initialNodeCount = m_nodeCount;
  if (f.node.IsSequence()) {
    for (const auto& item : f.node) {
      if (item.IsMap() && item["add_node"]) ++m_nodeCount;
    }
  }
  std::vector<PendingEntry> pending;
  for (const Field& item : list(f, "a list of timeline entries such as {at: 10s, crash: n3}")) {
    pending.push_back(parseEntry(item));
  }
  std::vector<PendingEntry*> order;
  order.reserve(pending.size());
  for (PendingEntry& p : pending) order.push_back(&p);
  std::stable_sort(order.begin(), order.end(),
                   [](const PendingEntry* a, const PendingEntry* b) { return a->entry.at < b->entry.at; });
  checkTimeline(order);
  resolveReveals(order);
  timeline.reserve(timeline.size() + order.size());
  for (PendingEntry* p : order) timeline.push_back(std::move(p->entry));
}

PendingEntry ScenarioParser::parseEntry(const Field& f) {
  const MapView m = mapping(f, kTimelineKeys, "a timeline entry such as {at: 10s, crash: n3}");
  PendingEntry p;
  p.entry.where = f.at;
  const Field& atField = require(m, "at", "the time of the entry, as in 'at: 10s'");
  const Duration at = duration(atField, Duration{0}, kMaxScenarioDuration);
  if (at > m_duration) {
    failExpected(atField, fmt::format("a time within the scenario's duration (0s to {})", m_durationText));
  }
  p.entry.at = TimePoint{at};
  bool narration = false;
  for (const MapEntry& entry : m.entries) {
    if (entry.key == "at") continue;
    if (entry.key == "say") {
      p.entry.say = text(entry.value, false);
      narration = true;
    } else if (entry.key == "pause") {
      p.entry.pause = boolean(entry.value);
      narration = true;
    } else if (entry.key == "focus") {
      p.entry.focus = parseFocus(entry.value);
      p.focusField = entry.value;
      narration = true;
    } else if (entry.key == "ask") {
      p.entry.ask = parseAsk(entry.value, p.entry.at);
      narration = true;
    } else if (entry.key == "reveal") {
      p.revealNames = parseRevealNames(entry.value);
      for (std::size_t i = 0; i < p.revealNames.size(); ++i) {
        p.revealFields.push_back(entry.value.node.IsSequence()
                                     ? Field{element(entry.value.path, i), entry.value.node[i],
                                             locationOf(entry.value.node[i], entry.value.at)}
                                     : entry.value);
      }
      narration = true;
    } else if (entry.key == "notes") {
      p.entry.notes = text(entry.value, true);
      narration = true;
    } else {
      p.entry.actions.push_back(parseAction(entry.key, entry.value));
      p.actionFields.push_back(entry.value);
    }
  }
  if (p.entry.actions.empty() && !narration) {
    fail(f.at, f.path,
         fmt::format("expected an action ({}) or say/pause/focus/ask/reveal/notes, got only 'at'",
                     joinNames(kActionKeys, " or ")));
  }
  return p;
}

NarrationFocus ScenarioParser::parseFocus(const Field& f) {
  constexpr std::string_view kShape = "a mapping such as {node: n7, view: fibers} or {key: \"key:00000042\"}";
  const MapView m = mapping(f, kFocusKeys, kShape);
  NarrationFocus focus;
  if (const Field* n = m.find("node")) focus.node = node(*n);
  if (const Field* k = m.find("key")) focus.key = text(*k, true);
  if (const Field* v = m.find("view")) {
    const std::string expected = fmt::format("a view name: one of {}", joinNames(kFocusViewNames));
    focus.view = parseFocusView(scalar(*v, expected));
    if (!focus.view) failExpected(*v, expected);
  }
  if (const Field* c = m.find("chart")) {
    const std::string expected = fmt::format("a chart name: one of {}", joinNames(kFocusChartNames));
    focus.chart = parseFocusChart(scalar(*c, expected));
    if (!focus.chart) failExpected(*c, expected);
  }
  if (!focus.node && !focus.key && !focus.view && !focus.chart) {
    fail(f.at, f.path, "expected at least one of node, key, view or chart, got none");
  }
  return focus;
}

ScenarioAction ScenarioParser::parseAction(std::string_view key, const Field& f) {
  if (key == "add_node") {
    if (!boolean(f)) failExpected(f, "true (add_node: true adds the next node)");
    return AddNodeAction{};
  }
  if (key == "decommission") return DecommissionAction{node(f)};
  if (key == "remove_node") return RemoveNodeAction{node(f)};
  if (key == "crash") return CrashAction{node(f)};
  if (key == "wipe") return WipeAction{node(f)};
  if (key == "restart") {
    if (f.node.IsMap()) {
      const MapView m = mapping(f, kRestartKeys, "a node name, or a mapping such as {node: n3, wipe: true}");
      RestartAction action{node(require(m, "node", "the node to restart, as in 'node: n3'"))};
      if (const Field* w = m.find("wipe")) action.wipe = boolean(*w);
      return action;
    }
    if (!f.node.IsScalar()) failExpected(f, "a node name, or a mapping such as {node: n3, wipe: true}");
    return RestartAction{node(f)};
  }
  if (key == "partition") {
    constexpr std::string_view kShape = "a list of at least 2 groups of nodes, such as [[n1, n2], [n3]]";
    PartitionAction action;
    std::map<NodeId, std::string> seen;  // node -> the group path it is in
    const std::vector<Field> groups = list(f, kShape);
    for (const Field& group : groups) {
      std::vector<NodeId> members;
      std::vector<Field> memberFields;
      if (group.node.IsScalar()) {
        memberFields.push_back(group);  // a lone node name is a one-node group
      } else {
        memberFields = list(group, "a group: a list of node names such as [n1, n2], or one node name");
        if (memberFields.empty()) failExpected(group, "a non-empty group of nodes");
      }
      for (const Field& member : memberFields) {
        const NodeId id = node(member);
        if (const auto it = seen.find(id); it != seen.end()) {
          fail(member.at, member.path,
               fmt::format("{} is already in {}; a node can be in one group only", nodeName(id), it->second));
        }
        seen.emplace(id, group.path);
        members.push_back(id);
      }
      action.groups.push_back(std::move(members));
    }
    if (action.groups.size() < 2) {
      fail(f.at, f.path, fmt::format("expected at least 2 groups of nodes, got {}", action.groups.size()));
    }
    return action;
  }
  if (key == "cut") {
    const MapView m = mapping(f, kCutKeys, "a mapping such as {from: n1, to: n2}");
    const NodeId from = node(require(m, "from", "the sending node, as in 'from: n1'"));
    const Field& toField = require(m, "to", "the receiving node, as in 'to: n2'");
    const NodeId to = node(toField);
    if (from == to) failExpected(toField, fmt::format("a node other than 'from' ({})", nodeName(from)));
    return CutLinkAction{from, to};
  }
  if (key == "heal") {
    if (!boolean(f)) failExpected(f, "true (heal: true restores every link)");
    return HealAction{};
  }
  if (key == "link") {
    const MapView m = mapping(f, kLinkKeys, "a mapping such as {from: n1, to: n2, latency: 50ms}");
    LinkAction action;
    action.from = node(require(m, "from", "the sending node, as in 'from: n1'"));
    const Field& toField = require(m, "to", "the receiving node, as in 'to: n2'");
    action.to = node(toField);
    if (action.from == action.to) {
      failExpected(toField, fmt::format("a node other than 'from' ({})", nodeName(action.from)));
    }
    if (const Field* b = m.find("both_ways")) action.bothWays = boolean(*b);
    if (const Field* l = m.find("latency")) action.latency = latency(*l);
    if (const Field* l = m.find("loss")) action.loss = number(*l, 0, 1);
    if (!action.latency && !action.loss) fail(f.at, f.path, "expected at least one of latency or loss, got neither");
    return action;
  }
  if (key == "network") {
    const MapView m = mapping(f, kNetworkActionKeys, "a mapping such as {latency: 5ms, loss: 0.01}");
    NetworkAction action;
    if (const Field* l = m.find("latency")) action.latency = latency(*l);
    if (const Field* l = m.find("loss")) action.loss = number(*l, 0, 1);
    if (const Field* d = m.find("duplication")) action.duplication = number(*d, 0, 1);
    if (!action.latency && !action.loss && !action.duplication) {
      fail(f.at, f.path, "expected at least one of latency, loss or duplication, got none");
    }
    return action;
  }
  if (key == "clock") {
    const MapView m = mapping(f, kClockKeys, "a mapping such as {node: n2, offset: 150ms} (offset: 0ms restores)");
    ClockAction action;
    action.node = node(require(m, "node", "the node whose clock moves, as in 'node: n2'"));
    action.offset = duration(require(m, "offset", "the clock's offset from true time, as in 'offset: -80ms'"),
                             -std::chrono::hours(1), std::chrono::hours(1));
    return action;
  }
  if (key == "slow") {
    const MapView m = mapping(f, kSlowKeys, "a mapping such as {node: n2, factor: 10}");
    SlowNodeAction action;
    action.node = node(require(m, "node", "the node to slow down, as in 'node: n2'"));
    action.factor =
        number(require(m, "factor", "the CPU cost multiplier, as in 'factor: 10' (1 restores)"), 0, 1000, true);
    return action;
  }
  if (key == "workload") {
    if (m_workloadCount == 0) fail(f.at, f.path, "there is no workload to change; add a 'workload' section");
    const MapView m = mapping(f, kWorkloadActionKeys, "a mapping such as {rate: 5000/s, read_ratio: 0.5}");
    WorkloadAction action;
    if (const Field* r = m.find("rate")) action.ratePerSecond = rate(*r);
    if (const Field* r = m.find("read_ratio")) action.readRatio = number(*r, 0, 1);
    if (const Field* d = m.find("delete_ratio")) action.deleteRatio = number(*d, 0, 1);
    if (const Field* k = m.find("keys")) action.keys = parseKeys(*k);
    if (const Field* r = m.find("routing")) action.routing = routing(*r);
    if (!action.ratePerSecond && !action.readRatio && !action.deleteRatio && !action.keys && !action.routing) {
      fail(f.at, f.path, "expected at least one of rate, read_ratio, delete_ratio, keys or routing, got none");
    }
    return action;
  }
  // The only key left is quorum (every action key is handled above; mapping() rejected the rest). The values are
  // checked against N and the running nodes in checkTimeline, which knows both at the entry's time.
  const MapView m = mapping(f, kQuorumKeys, "a mapping such as {r: 1, w: 1} or {n: 5, r: 3, w: 3}");
  QuorumAction action;
  if (const Field* n = m.find("n")) action.n = integer(*n);
  if (const Field* r = m.find("r")) action.r = integer(*r);
  if (const Field* w = m.find("w")) action.w = integer(*w);
  if (!action.r && !action.w && !action.n) fail(f.at, f.path, "expected at least one of n, r or w, got none");
  return action;
}

// Walks the sorted timeline checking what depends on earlier entries: crash only running nodes, restart only crashed
// ones, keep every workload's read_ratio + delete_ratio at most 1, and keep 1 <= R, W <= N <= running nodes.
void ScenarioParser::checkTimeline(const std::vector<PendingEntry*>& entries) {
  std::vector<bool> running(m_nodeCount, true);
  std::size_t existing = m_initialNodeCount;   // nodes n1..n<existing> exist at the current point in time
  std::vector<bool> gone(m_nodeCount, false);  // decommissioned or removed
  const auto nodesNamed = [](const ScenarioAction& action) {
    std::vector<NodeId> named;
    std::visit(
        [&](const auto& a) {
          using A = std::decay_t<decltype(a)>;
          if constexpr (requires { a.node; }) named.push_back(a.node);
          if constexpr (std::is_same_v<A, CutLinkAction> || std::is_same_v<A, LinkAction>) {
            named.push_back(a.from);
            named.push_back(a.to);
          }
          if constexpr (std::is_same_v<A, PartitionAction>) {
            for (const auto& group : a.groups) named.insert(named.end(), group.begin(), group.end());
          }
        },
        action);
    return named;
  };
  std::vector<std::pair<double, double>> mix = m_workloadMix;
  QuorumConfig quorum = m_quorum;
  std::map<std::pair<NodeId, NodeId>, int> cutAt;  // links cut and not healed -> the line that cut them
  std::vector<std::pair<double, int>> slowed(m_nodeCount, {1.0, 0});  // CPU factor in force and the line that set it
  const auto runningCount = [&] {
    std::size_t count = 0;
    for (std::size_t i = 0; i < existing; ++i) count += running[i] && !gone[i] ? 1 : 0;
    return count;
  };
  for (const PendingEntry* p : entries) {
    const std::string at = formatScenarioDuration(p->entry.at.sinceStart);
    for (std::size_t i = 0; i < p->entry.actions.size(); ++i) {
      const Field& f = p->actionFields[i];
      const ScenarioAction& action = p->entry.actions[i];
      for (NodeId named : nodesNamed(action)) {
        if (named >= existing) {
          fail(f.at, f.path,
               fmt::format("{} does not exist yet at {} (only n1..n{}; add_node adds the next one)", nodeName(named),
                           at, existing));
        }
        if (gone[named]) fail(f.at, f.path, fmt::format("{} has left the cluster before {}", nodeName(named), at));
      }
      if (std::holds_alternative<AddNodeAction>(action)) {
        ++existing;
        continue;
      }
      if (const auto* leave = std::get_if<DecommissionAction>(&action)) {
        if (!running[leave->node]) {
          fail(f.at, f.path,
               fmt::format("expected a running node, but {} is down at {} (take a crashed node out with "
                           "'remove_node: {}')",
                           nodeName(leave->node), at, nodeName(leave->node)));
        }
        gone[leave->node] = true;
        continue;
      }
      if (const auto* remove = std::get_if<RemoveNodeAction>(&action)) {
        if (running[remove->node]) {
          fail(f.at, f.path,
               fmt::format("expected a crashed node, but {} is running at {} (decommission a running node with "
                           "'decommission: {}')",
                           nodeName(remove->node), at, nodeName(remove->node)));
        }
        gone[remove->node] = true;
        continue;
      }
      if (const auto* crash = std::get_if<CrashAction>(&action)) {
        if (!running[crash->node]) {
          fail(f.at, f.path,
               fmt::format("expected a running node, but {} is already down at {}", nodeName(crash->node), at));
        }
        running[crash->node] = false;
      } else if (const auto* restart = std::get_if<RestartAction>(&action)) {
        if (running[restart->node]) {
          fail(f.at, f.path,
               fmt::format("expected a crashed node, but {} is running at {} (to wipe a running node, use "
                           "'wipe: {}')",
                           nodeName(restart->node), at, nodeName(restart->node)));
        }
        running[restart->node] = true;
      } else if (const auto* wipe = std::get_if<WipeAction>(&action)) {
        if (!running[wipe->node]) {
          fail(f.at, f.path,
               fmt::format("expected a running node, but {} is down at {} (to bring it back empty, use "
                           "'restart: {{node: {}, wipe: true}}')",
                           nodeName(wipe->node), at, nodeName(wipe->node)));
        }
      } else if (const auto* partition = std::get_if<PartitionAction>(&action)) {
        for (std::size_t g = 0; g < partition->groups.size(); ++g) {
          for (std::size_t h = 0; h < partition->groups.size(); ++h) {
            if (g == h) continue;
            for (NodeId a : partition->groups[g]) {
              for (NodeId b : partition->groups[h]) cutAt.try_emplace({a, b}, f.at.line);
            }
          }
        }
      } else if (const auto* cut = std::get_if<CutLinkAction>(&action)) {
        if (auto it = cutAt.find({cut->from, cut->to}); it != cutAt.end()) {
          warn(f.at, f.path,
               fmt::format("the link {} -> {} is already cut at {} (by line {}, with no heal since), so this cuts "
                           "nothing new",
                           nodeName(cut->from), nodeName(cut->to), at, it->second));
        } else {
          cutAt.emplace(std::make_pair(cut->from, cut->to), f.at.line);
        }
      } else if (std::holds_alternative<HealAction>(action)) {
        if (cutAt.empty()) {
          warn(f.at, f.path,
               fmt::format("nothing is cut at {} (no partition or cut before it that is not healed "
                           "already), so this heals nothing",
                           at));
        }
        cutAt.clear();
      } else if (const auto* slow = std::get_if<SlowNodeAction>(&action)) {
        auto& [factor, line] = slowed[slow->node];
        if (slow->factor == factor) {
          warn(f.at, f.path,
               factor == 1.0
                   ? fmt::format("{} is not slowed at {}, so factor 1 restores nothing", nodeName(slow->node), at)
                   : fmt::format("{} already runs with factor {} at {} (set by line {}), so this changes "
                                 "nothing",
                                 nodeName(slow->node), formatNumber(factor), at, line));
        }
        factor = slow->factor;
        line = f.at.line;
      } else if (const auto* q = std::get_if<QuorumAction>(&action)) {
        checkQuorumAction(*q, f, at, runningCount(), quorum);
      } else if (const auto* change = std::get_if<WorkloadAction>(&action)) {
        for (std::size_t w = 0; w < mix.size(); ++w) {
          if (change->readRatio) mix[w].first = *change->readRatio;
          if (change->deleteRatio) mix[w].second = *change->deleteRatio;
          if (mix[w].first + mix[w].second > 1 + 1e-12) {
            fail(f.at, f.path,
                 fmt::format("read_ratio ({}) + delete_ratio ({}) would exceed 1 for {}", formatNumber(mix[w].first),
                             formatNumber(mix[w].second),
                             mix.size() == 1 ? std::string("the workload") : element("workload", w)));
          }
        }
      }
    }
    // The focus is applied after the entry's actions: it may point at a node the same entry adds.
    if (p->entry.focus && p->entry.focus->node && p->focusField) {
      const NodeId named = *p->entry.focus->node;
      const YAML::Node value = p->focusField->node["node"];
      const Field f{child(p->focusField->path, "node"), value, locationOf(value, p->focusField->at)};
      if (named >= existing) {
        fail(f.at, f.path,
             fmt::format("{} does not exist yet at {} (only n1..n{}; add_node adds the next one)", nodeName(named), at,
                         existing));
      }
      if (gone[named]) fail(f.at, f.path, fmt::format("{} has left the cluster before {}", nodeName(named), at));
    }
  }
}

// Checks a quorum change against N (the new one, or the one in force) and the nodes running at `at`, then applies it
// to `quorum`.
void ScenarioParser::checkQuorumAction(const QuorumAction& action, const Field& f, std::string_view at,
                                       std::size_t running, QuorumConfig& quorum) {
  const auto sub = [&](std::string_view key) {
    const YAML::Node& map = f.node;
    const YAML::Node value = map[std::string(key)];
    return Field{child(f.path, key), value, locationOf(value, f.at)};
  };
  QuorumConfig next = quorum;
  if (action.n) {
    next.n = *action.n;
    if (next.n < 1 || next.n > running) {
      const Field n = sub("n");
      fail(n.at, n.path,
           fmt::format("N ({}) must be between 1 and the number of nodes running at {} ({})", next.n, at, running));
    }
  }
  for (const char name : {'r', 'w'}) {
    const std::optional<std::size_t>& given = name == 'r' ? action.r : action.w;
    const char upper = static_cast<char>(name - 'a' + 'A');
    if (given) {
      if (*given < 1 || *given > next.n) {
        const Field field = sub(std::string(1, name));
        fail(field.at, field.path, fmt::format("{} ({}) must be between 1 and N ({})", upper, *given, next.n));
      }
      (name == 'r' ? next.r : next.w) = *given;
    } else if ((name == 'r' ? next.r : next.w) > next.n) {
      const Field n = sub("n");
      fail(n.at, n.path,
           fmt::format("N ({}) is smaller than {} ({}), which is in force at {}; set {} as well", next.n, upper,
                       name == 'r' ? next.r : next.w, at, name));
    }
  }
  quorum = next;
}

}  // namespace ringlab::scenario_detail
