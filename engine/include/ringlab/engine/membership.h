// A node's view of the cluster membership, spread by gossip (as in Dynamo and Cassandra).
//
// Each member has an entry (generation, heartbeat, status). A node bumps its own heartbeat every gossip round and
// picks a new, higher generation when it restarts; (generation, heartbeat) compared lexicographically orders the
// information about a member, and the status travels with it. Nodes periodically exchange digests with a random peer
// and merge them, keeping the newer entry for each member; rumours reach every node in O(log N) rounds.
//
// A node's own entry is authoritative: remote information about self is never taken.
//
// Pure: no clock and no random source of its own (merge() takes the time, pickPeer() a random value). Iteration is
// in node order, so the view evolves identically for identical inputs. Thread-compatible: const calls may run
// concurrently, anything else needs external synchronisation.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include <ringlab/engine/message.h>
#include <ringlab/engine/types.h>

namespace ringlab {

struct MemberInfo {
  std::uint64_t generation = 0;
  std::uint64_t heartbeat = 0;
  MemberStatus status = MemberStatus::kNormal;
  // When this view last took newer information about the member from gossip; the zero TimePoint if it never has
  // (self, or a seed not heard from yet).
  TimePoint lastChange;
  friend bool operator==(const MemberInfo&, const MemberInfo&) = default;
};

// Bounds on the members gossip may add to a view; 0 is no bound. A real node sets them, so that one peer's digest
// listing thousands of invented members cannot grow its view (and every digest it sends) without end; the
// simulation leaves them off.
struct MembershipLimits {
  std::size_t maxMembers = 0;      // members known at most, self and members that left included
  std::size_t maxNewPerMerge = 0;  // members not known before that one merged digest may add
};

class MembershipView {
  struct Table;

 public:
  // A view holding only `self`, at heartbeat 0 of `generation`.
  explicit MembershipView(NodeId self, std::uint64_t generation, MembershipLimits limits = {});

  // Seed members shared by many views: a simulation gives each of its nodes the same list of every other node, and
  // a thousand nodes holding a thousand entries each is a million entries. Views made from one SeedTable share its
  // memory until one of them takes news about a member from gossip; only then does that view copy it (copy on write).
  // So nodes whose views never change (no heartbeat gossip) hold none of it themselves.
  class SeedTable {
   public:
    // `nodes` in any order, duplicates ignored; every entry at `generation`, heartbeat 0, kNormal (generation 0: a
    // seed not heard from yet; a simulation that starts every node at a known generation may say so).
    explicit SeedTable(std::vector<NodeId> nodes, std::uint64_t generation = 0);
    const std::vector<NodeId>& nodes() const;

   private:
    friend class MembershipView;
    std::shared_ptr<Table> m_table;
  };
  // A view of `self` at heartbeat 0 of `generation`, with every node of `seeds` other than self as a seed: the same
  // view as the constructor above followed by addSeed() for each, sharing the table's memory until it changes.
  MembershipView(NodeId self, std::uint64_t generation, const SeedTable& seeds, MembershipLimits limits = {});

  NodeId self() const { return m_self; }

  // Own heartbeat += 1. Called once per gossip round.
  void beat();
  // Own heartbeat becomes at least `above` + 1 (and at least one more than now); saturates at the largest value. SWIM
  // uses the own heartbeat as its incarnation, raised above a suspicion's to refute it.
  void raiseOwnHeartbeatAbove(std::uint64_t above);

  // Sets the own status. A change also bumps the own heartbeat, so that peers holding the previous heartbeat take
  // it.
  void setOwnStatus(MemberStatus status);

  // Records `node` as a known member from which nothing has been heard yet (generation 0, heartbeat 0, kNormal).
  // No effect for self or a member already known.
  void addSeed(NodeId node);

  // Every entry, own included, sorted by node.
  Gossip digest() const;

  struct MergeResult {
    std::vector<NodeId> advanced;       // members whose (generation, heartbeat) increased; feed to the detector
    std::vector<NodeId> restarted;      // of those, the ones whose generation increased over one already heard of
    std::vector<NodeId> statusChanged;  // members whose status differs from before the merge
  };

  // Merges a peer's digest: for each entry the newer of (generation, heartbeat) wins, and its status with it.
  // A member not known before is added, as if it had been a seed (generation 0, heartbeat 0, kNormal) before the
  // merge: it is reported as advanced unless the remote entry is itself at (0, 0), and as status-changed when its
  // status is not kNormal. Entries about self are ignored. Every list is sorted and excludes self.
  // Unknown members beyond the view's MembershipLimits are left out (in digest order) and counted in refused().
  MergeResult merge(const Gossip& remote, TimePoint now);
  // Unknown members that merges left out because of the limits, since the view was made.
  std::uint64_t refused() const { return m_refused; }

  // An operator's removal of another member that is gone for good: its status becomes kLeft and its heartbeat goes
  // up by one, so that the news wins over what other views hold and spreads by gossip. A member that is still alive
  // comes back with its next own heartbeat. False (nothing changed) for self or a member this view does not know.
  bool markLeft(NodeId node);

  // nullopt for a node this view has never heard of.
  std::optional<MemberInfo> member(NodeId node) const;

  // Every known node, sorted, including self and members that have left.
  std::vector<NodeId> members() const;

  // How many members are known, self included; the i-th of them in node order (i < size()). O(1): a gossip round
  // draws a target by index rather than by scanning the view.
  std::size_t size() const { return m_table->order.size(); }
  NodeId memberAt(std::size_t i) const { return m_table->order[i]; }
  // Members other than self whose status is kLeft.
  std::size_t leftCount() const { return m_leftCount; }

  // The gossip target: a uniformly random known member other than self that has not left, chosen with `random`
  // (uniform over [0, 2^64), drawn by the caller from its Rng). nullopt when there is none.
  std::optional<NodeId> pickPeer(std::uint64_t random) const;

 private:
  struct Table {
    // Every known member, self included (its entry there unused: see m_own), in two parallel arrays sorted by node:
    // a lookup is a binary search over 4-byte ids, a digest a copy of contiguous memory, and a draw by index O(1).
    std::vector<NodeId> order;
    std::vector<MemberInfo> infos;
  };

  NodeId m_self;
  // The table, copied first if another view shares it.
  Table& writable();
  // Adds `node` (not self) as a seed placeholder if unknown; returns its entry.
  MemberInfo& entry(NodeId node);

  static constexpr std::size_t kNotFound = static_cast<std::size_t>(-1);
  // The index of `node` in m_order, or kNotFound.
  std::size_t indexOf(NodeId node) const;

  MembershipLimits m_limits;
  std::uint64_t m_refused = 0;
  std::shared_ptr<Table> m_table;  // shared with other views made from one SeedTable until written
  MemberInfo m_own;                // self's entry, kept here so that a beat does not copy a shared table
  std::size_t m_leftCount = 0;
};

}  // namespace ringlab
