// Phi-accrual failure detection (Hayashibara et al., 2004), in the form Akka and Cassandra use.
//
// Instead of a yes/no timeout, the detector keeps, per peer, a window of the intervals between the heartbeats it
// received and models them as a normal distribution. phi(t) = -log10(P(the next heartbeat arrives later than t after
// the last one)): phi 1 means a 10% chance that a heartbeat is still on its way, phi 8 a one-in-10^8 chance. The
// caller compares phi with thresholds, so one detector adapts to each peer's own rhythm: a peer that gossips
// irregularly (larger spread) is given more time before it is declared down.
//
// The probability uses the logistic approximation of the normal CDF, as Akka does:
//   y = (t - mean) / stddev;  e = exp(-y * (1.5976 + 0.070566 * y^2));  phi = -log10(e / (1 + e)).
//
// Pure: heartbeats and queries are stamped with the caller's TimePoint; nothing reads a clock. Deterministic.
// Thread-compatible: const calls may run concurrently, anything else needs external synchronisation.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include <boost/unordered/unordered_flat_map.hpp>

#include <ringlab/engine/types.h>

namespace ringlab {

struct FailureDetectorConfig {
  double threshold = 8.0;                                     // phi at or above which a peer is considered down
  double suspectThreshold = 4.0;                              // phi at or above which it is suspect (below threshold)
  std::size_t window = 100;                                   // inter-arrival samples kept per peer (0 acts as 1)
  Duration minStdDev = std::chrono::milliseconds(50);         // floor on the standard deviation
  Duration acceptablePause = std::chrono::milliseconds(0);    // added to the mean (tolerated pauses)
  Duration firstHeartbeatEstimate = std::chrono::seconds(1);  // assumed interval before any sample exists
};

// One instance tracks many peers.
class PhiAccrualDetector {
 public:
  enum class Verdict { kUp, kSuspect, kDown, kUnknown };

  // The largest phi reported: a gap far beyond any history gives this rather than infinity.
  static constexpr double kMaxPhi = 1e6;

  explicit PhiAccrualDetector(FailureDetectorConfig config = {});

  // A new heartbeat from `peer` arrived at `now`. The first one seeds the peer's history with
  // firstHeartbeatEstimate as mean and a quarter of it as standard deviation (two samples, as Akka does). As in Akka,
  // the interval that ends an outage (phi at or above `threshold` when the heartbeat arrives) is not added to the
  // history, so one long pause does not distort the statistics. A heartbeat stamped before the previous one is
  // ignored.
  void heartbeat(NodeId peer, TimePoint now);

  // Suspicion level of `peer` at `now`: 0 for a peer never heard from, otherwise a finite value in [0, kMaxPhi],
  // non-decreasing in `now` until the next heartbeat.
  double phi(NodeId peer, TimePoint now) const;

  // kUnknown when never heard from; kDown at or above `threshold`; kSuspect at or above `suspectThreshold`; else kUp.
  Verdict verdict(NodeId peer, TimePoint now) const;

  // Drops the peer's history (it restarted with a new generation, or left). It is unknown until its next heartbeat.
  void forget(NodeId peer);

  // The time after the peer's last heartbeat at which its phi first reaches `threshold`, given its current history:
  // no peer is declared down later than this after its last heartbeat (an upper bound; rounded up to whole
  // nanoseconds). For a peer never heard from, the bound that would apply right after its first heartbeat.
  // Duration::max() when phi can never reach the threshold (e.g. a threshold above kMaxPhi).
  Duration timeToDown(NodeId peer) const;

  // The time after the peer's last heartbeat at which its phi reaches `level`, from the closed-form inverse of the
  // logistic approximation (a cubic in y): O(1), for scheduling the next check of a peer rather than checking every
  // peer every round. May be off by rounding by a few nanoseconds either way, so a caller checks phi() when the time
  // comes. Duration::zero() for a level at or below phi 0's floor; Duration::max() beyond kMaxPhi or for a peer never
  // heard from.
  Duration timeToPhi(NodeId peer, double level) const;

  // When the last heartbeat of `peer` arrived; nullopt for a peer never heard from.
  std::optional<TimePoint> lastHeartbeat(NodeId peer) const;

  // lastHeartbeat(peer) + timeToPhi(peer, level) in one lookup: when phi reaches `level` if no heartbeat comes;
  // nullopt for a peer never heard from or a level phi never reaches.
  std::optional<TimePoint> whenPhiReaches(NodeId peer, double level) const;

  const FailureDetectorConfig& config() const { return m_config; }

 private:
  // A ring buffer of inter-arrival intervals (nanoseconds) with running sums for mean and variance. It grows with
  // the samples it holds, up to the window, rather than taking the whole window at once: a node of a 1,000-node
  // cluster keeps a history for each of 999 peers. Samples take 4 bytes each while every one fits (intervals under
  // 4.29 s, the usual case) and 8 bytes (two words) once one does not, so a full window of 100 costs 400 bytes
  // rather than 800 and the values, and so every phi, are exactly those of 8-byte samples.
  class IntervalHistory {
   public:
    explicit IntervalHistory(std::size_t window)
        : m_window(static_cast<std::uint32_t>(std::clamp<std::size_t>(window, 1, kMaxWindow))) {}
    void add(std::int64_t interval);
    double mean() const;
    double stdDev() const;

    static constexpr std::size_t kMaxWindow = 1u << 24;

   private:
    void recomputeSums();
    std::int64_t sample(std::size_t i) const;
    void setSample(std::size_t i, std::int64_t value);
    void widen();

    std::vector<std::uint32_t> m_words;  // m_count samples, one word each, or two (low, high) once m_wide
    double m_sum = 0;
    double m_sumOfSquares = 0;
    std::uint32_t m_window;
    std::uint32_t m_next = 0;   // slot the next sample goes to
    std::uint32_t m_count = 0;  // samples held, up to the window; slot i holds the same sample a full buffer would
    std::uint32_t m_addsSinceRecompute = 0;
    bool m_wide = false;
  };

  struct PeerState {
    IntervalHistory history;
    TimePoint lastHeartbeat;
  };

  // phi `elapsed` after the last heartbeat, for a history with this mean and standard deviation.
  double phiOf(Duration elapsed, double mean, double stdDev) const;
  double phiFor(const PeerState& state, TimePoint now) const;
  Duration timeToPhiFor(const IntervalHistory& history, double level) const;
  // y of the logistic approximation at which phi reaches `level` (Cardano's root of a cubic in y).
  static double rootFor(double level);
  double effectiveStdDev(const IntervalHistory& history) const;
  Duration timeToDownFor(const IntervalHistory& history) const;
  IntervalHistory seededHistory() const;

  FailureDetectorConfig m_config;
  // rootFor() of the two thresholds, computed once: every check of a peer asks for one of them.
  double m_thresholdRoot = 0;
  double m_suspectRoot = 0;
  // Looked up only, never iterated. An open-addressing table: a lookup per heartbeat and per check, for every peer of
  // every node, is much of a large simulated cluster's time.
  boost::unordered_flat_map<NodeId, PeerState> m_peers;
};

}  // namespace ringlab
