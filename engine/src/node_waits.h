// The node's private wait types, shared by node.cpp and node_maintenance.cpp. They hold the fiber primitives that
// node.h keeps out of its public interface.
#pragma once

#include <deque>
#include <optional>
#include <vector>

#include <boost/fiber/condition_variable.hpp>
#include <boost/fiber/mutex.hpp>

#include <ringlab/engine/node.h>
#include <ringlab/engine/reply_wait.h>

namespace ringlab {

// Fallbacks are the next distinct nodes clockwise; a handful is plenty (they stand in for the few replicas that fail
// at once), and walking the whole ring for them costs O(nodes^2) per request in a large cluster.
inline constexpr std::size_t kMaxFallbacks = 16;

// A period with +-20% jitter, so nodes do not act in lockstep.
inline Duration jittered(Duration period, Rng& rng) {
  return Duration(static_cast<std::int64_t>(static_cast<double>(period.count()) * rng.uniform(0.8, 1.2)));
}

// Peers a round may go to: members other than self that have not left and are not doubted (a count, O(1)).
inline std::size_t trustedPeerCount(const MembershipView& view, std::size_t doubted) {
  const std::size_t excluded = 1 + view.leftCount() + doubted;
  return view.size() > excluded ? view.size() - excluded : 0;
}

// A doubted peer (suspect or down) for this round, with probability doubted / (trusted + 1), always when no peer is
// trusted; nullopt otherwise. So that a healed link or a restarted node is heard of again, while a round with no
// doubted peer draws nothing.
inline std::optional<NodeId> drawDoubtedPeer(const std::vector<NodeId>& doubted, std::size_t trusted, Rng& rng) {
  if (doubted.empty()) return std::nullopt;
  if (trusted != 0 && rng.uniform01() >= static_cast<double>(doubted.size()) / static_cast<double>(trusted + 1)) {
    return std::nullopt;
  }
  __extension__ typedef unsigned __int128 Uint128;
  return doubted[static_cast<std::size_t>((static_cast<Uint128>(rng.next()) * doubted.size()) >> 64)];
}

// A coordinated request: the quorum it waits for, and what the coordinator needs to answer, hint and repair.
struct Node::PendingRequest : ReplyWait {
  PendingRequest(Runtime& runtime, std::uint64_t requestId, std::size_t needed)
      : ReplyWait(runtime, WaitFor{WaitKind::kReplies, kNoNode, requestId}, needed, 0), id(requestId) {}

  std::uint64_t id;
  Operation op{};
  Key key;
  Record record;                       // writes: what is being written
  std::optional<ErrorCode> localResult;  // causal writes: the coordinator's own apply, done before sending
  std::vector<ReplicaAnswer> answers;  // in arrival order, late ones included
  std::vector<NodeId> replicas;        // the preference list's N replicas
  std::vector<NodeId> fallbacks;       // further nodes, in ring order, that may stand in for failed replicas
  std::vector<NodeId> hintedOwners;    // replicas a hinted copy was sent for (kNoNode: the fallback refused it)
  std::vector<NodeId> usedFallbacks;

  // The key's only replica is the coordinator `self`: the answer comes without a message, so no answer can be late
  // and no replica can stay silent.
  bool servedAlone(NodeId self) const { return replicas.size() == 1 && replicas.front() == self; }
};

// A range batch asked for while streaming in.
struct Node::StreamWait : ReplyWait {
  using ReplyWait::ReplyWait;
  std::optional<StreamBatch> batch;
};

// Replica requests waiting for a replica fiber.
struct Node::Inbox {
  std::deque<Message> queue;
  boost::fibers::mutex mutex;
  boost::fibers::condition_variable ready;
};

}  // namespace ringlab
