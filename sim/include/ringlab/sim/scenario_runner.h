// Runs a scenario: builds the cluster, starts the workloads, applies the timeline as virtual time passes (with
// narration), then quiesces (clients stop, faults heal, the run goes on until the replicas converge or a limit
// passes), reads every replica directly, checks the clients' history and evaluates the expectations.
//
// The runner can be driven in steps (runUntil, nextTimelineTime) for the desktop app, or all at once (run) for the
// headless runner and the tests. Not thread-safe: use it from the thread that owns its simulation.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <ringlab/sim/challenge.h>
#include <ringlab/sim/history.h>
#include <ringlab/sim/metrics.h>
#include <ringlab/sim/scenario.h>
#include <ringlab/sim/simulation.h>

namespace ringlab {

struct ScenarioRunOptions {
  std::optional<std::uint64_t> seed;  // overrides the scenario's seed
  std::optional<Duration> duration;   // overrides the scenario's duration (timeline entries after it are skipped)
  // Override the scenario's staleness band edges (valid per validateStalenessBandEdges).
  std::optional<std::vector<Duration>> stalenessBands;
  // Called when a timeline entry with narration, a pause or a focus is reached (after its actions are applied).
  std::function<void(const TimelineEntry&)> onNarration;
  // Called for each question a timeline entry reveals, with what the run measured, before the entry's onNarration.
  std::function<void(const Reveal&)> onReveal;
  // Called after every timeline entry is applied, with or without narration (a log of what the run did).
  std::function<void(const TimelineEntry&)> onEntryApplied;
  // Called now and then with the fraction of the main phase done (0..1) and whether the run is quiescing.
  std::function<void(double fraction, bool quiescing)> onProgress;
};

// A node that crashed during the main phase, and when each node that was running then marked it down (its failure
// detector's PeerStateChanged to down). The window closes when the crashed node restarts or the main phase ends; a
// node that itself crashes before marking it down no longer counts as an observer.
struct CrashDetection {
  NodeId node = 0;
  TimePoint crashedAt;
  std::size_t observers = 0;            // nodes expected to mark it down
  std::vector<Duration> detectedAfter;  // ascending: from the crash to each observer's first down verdict
  // From the crash to the last observer's verdict; nullopt if some observer had not marked it down when the window
  // closed.
  std::optional<Duration> allDetected() const;
  // From the crash until `share` (0..1] of the observers had marked it down; nullopt if that many never did.
  std::optional<Duration> detectedBy(double share) const;
};

struct ScenarioReport {
  std::string name;
  std::string sourceName;
  std::uint64_t seed = 0;
  Duration duration{};     // the main phase
  Duration quiesceTime{};  // how long the quiesce phase ran
  Metrics metrics;         // whole run (workloads stop when the main phase ends)
  HistoryReport history;   // its phases begin at 0 and at every instant actions were applied (timeline or by hand)
  std::vector<std::string> phaseChanges;  // parallel to history.phases: the actions that began each phase ("" for
                                          // the first phase when nothing was applied at 0s)
  std::uint64_t keysChecked = 0;          // keys written during the run whose replicas were read at the end
  std::uint64_t divergentKeys = 0;        // at the end of the run
  // After quiesce: (running node, member) pairs where the node's membership view disagrees with the cluster's (a
  // member that left seen as still there, or a member seen as joining, leaving or gone); the first few described.
  std::uint64_t membershipDisagreements = 0;
  std::vector<std::string> membershipDisagreementExamples;
  // From the start of the quiesce phase (clients stopped, remaining faults healed) to every replica of every written
  // key agreeing; nullopt if that never happened within the quiesce limit.
  std::optional<Duration> convergenceTime;
  TimePoint lastHeal;  // when the last fault was healed (by the timeline or by the quiesce phase)
  std::vector<CrashDetection> crashDetections;  // in crash order
  Duration gossipInterval{};                    // the cluster's gossip round (to read detection times in rounds)
  std::vector<ExpectationResult> expectations;
  bool passed = true;  // every expectation holds
  // Lessons: every question asked, in question order, with what the run measured; the challenge's grade.
  std::vector<Reveal> reveals;
  std::optional<ChallengeReport> challenge;
  std::uint64_t traceHash = 0;
  std::uint64_t eventsProcessed = 0;
  std::uint64_t messagesDelivered = 0;
  std::size_t timelineEntriesApplied = 0;
  std::size_t timelineEntriesSkipped = 0;  // beyond a shortened duration

  double availability() const;  // successful operations / all operations (1 when none)
};

class ScenarioRunner {
 public:
  // Builds the simulation (throws std::invalid_argument if the spec's cluster is invalid, which parseScenario
  // prevents) and starts the workloads.
  ScenarioRunner(ScenarioSpec spec, ScenarioRunOptions options = {});
  ~ScenarioRunner();
  ScenarioRunner(const ScenarioRunner&) = delete;
  ScenarioRunner& operator=(const ScenarioRunner&) = delete;

  // Advances the main phase to `until` (capped at the duration), applying timeline entries on the way.
  void runUntil(TimePoint until);
  // Time of the next timeline entry not yet applied, if any within the duration.
  std::optional<TimePoint> nextTimelineTime() const;
  bool mainPhaseDone() const { return m_sim->now() >= end(); }
  TimePoint end() const { return TimePoint{m_spec.duration}; }

  // Runs whatever is left of the main phase, then quiesces and checks. Call once.
  ScenarioReport finish();
  // runUntil(end()) then finish().
  ScenarioReport run();

  Simulation& simulation() { return *m_sim; }
  const ScenarioSpec& spec() const { return m_spec; }
  const std::vector<HistoryEntry>& history() const { return m_history; }

  // Applies one action now (the timeline uses this; the app uses it for manual actions).
  void apply(const ScenarioAction& action);

  // What every replica of every key written so far holds now.
  FinalReplicaState readReplicas() const;

  // The reveal of question `index` (ScenarioSpec::questions) once its reveal step has been applied (before the
  // entry's narration callback runs); end-of-run reveals come with the report.
  const Reveal* reveal(std::size_t index) const;

 private:
  void applyEntry(const TimelineEntry& entry);
  void healEverything();
  void evaluate(ScenarioReport& report) const;
  ExpectationResult evaluateExpectation(const Expectation& expectation, const ScenarioReport& report) const;
  void gradeChallenge(ScenarioReport& report) const;
  void lookAtFailure(const Expectation& expectation, const ScenarioReport& report, ExpectationResult& result) const;
  // What the run measured for a question over [its asking, `to`) (window metrics), or over the whole run (`whole`).
  Reveal measureReveal(std::size_t index, TimePoint to, const ScenarioReport* whole) const;
  // Running nodes' views of the membership that disagree with the cluster's (ScenarioReport::membershipDisagreements).
  std::uint64_t membershipDisagreements(std::vector<std::string>* examples) const;

  ScenarioSpec m_spec;
  ScenarioRunOptions m_options;
  std::unique_ptr<Simulation> m_sim;
  std::vector<HistoryEntry> m_history;
  std::set<Key> m_writtenKeys;  // every key a put or delete was attempted on (a failed write may still have landed)
  std::size_t m_nextEntry = 0;
  TimePoint m_lastHeal;
  bool m_finished = false;
  std::vector<NodeId> m_crashed;                            // crashed and not restarted, for the quiesce phase
  std::vector<std::pair<TimePoint, std::string>> m_phases;  // where each phase began and the actions that began it
  std::vector<double> m_cpuFactors;
  // When the timeline loses disks: which nodes acknowledged each acknowledged write and when the write began, and
  // when each node lost its disk, so that a lost write is told apart as one the model allows (every acknowledging
  // node wiped after the write began: its copy may have gone with the disk).
  bool m_trackAcks = false;
  struct Ack {
    NodeId node = 0;
    TimePoint since;      // when the write began: the node stored it at some point after
    bool asHint = false;  // a fallback's acknowledgement (the copy is a hint, which may move on); else a replica's
  };
  std::map<std::pair<Key, Version>, std::vector<Ack>> m_ackedBy;
  std::map<NodeId, std::vector<TimePoint>> m_wipes;
  // Hints that left their holder for good: replayed to their owner, handed to a fallback, or stored by every current
  // replica of the key in place of an owner that no longer replicates it. The copy a fallback acknowledged moves
  // with the hint: it is lost to disks only if every node it moved to lost its disk afterwards.
  struct HintMove {
    NodeId from = 0;
    std::vector<NodeId> to;
    TimePoint at;
  };
  std::map<std::pair<Key, Version>, std::vector<HintMove>> m_hintMoves;
  EventBus::SubscriptionId m_hintWatch = 0;
  // Crashes whose detection window is open: the report's entry and the observers that have not yet marked it down.
  struct OpenDetection {
    std::size_t index = 0;  // into m_detections
    std::set<NodeId> waiting;
  };
  void openDetection(NodeId crashed);
  void closeDetection(NodeId restarted);
  void dropObserver(NodeId node);  // it can no longer mark anyone down: open detections stop waiting for it
  void onPeerStateChanged(const PeerStateChanged& change);
  std::vector<CrashDetection> m_detections;
  std::vector<OpenDetection> m_openDetections;
  EventBus::SubscriptionId m_detectionWatch = 0;
  std::vector<std::optional<Reveal>> m_reveals;  // by question
  std::vector<bool> m_asked;                     // by question: its step was applied
};

// "3.2 % of reads were stale (141 of 4,410)": a measured value with what it is made of. `report` holds the counts
// (a window's or the whole run's).
std::string describeMeasured(ExpectMetric metric, double value, const ScenarioReport& report);

// The measured value of an expectation metric in a report (durations in nanoseconds).
double measureExpectation(ExpectMetric metric, const ScenarioReport& report);

}  // namespace ringlab
