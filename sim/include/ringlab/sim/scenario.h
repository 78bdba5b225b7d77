// Scenarios: a cluster, a network, a client workload, a timeline of faults and changes with narration, and
// expectations. A scenario is a lesson and a test at once. This header is the parsed, validated form; the YAML file
// format is documented key by key in docs/SCENARIOS.md.
//
// Parsing never runs anything: an invalid file is rejected with file:line:column, the key and what was expected,
// before a simulation is built. Plain values; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <ringlab/engine/status.h>
#include <ringlab/engine/types.h>
#include <ringlab/sim/distribution.h>
#include <ringlab/sim/history.h>
#include <ringlab/sim/key_distribution.h>
#include <ringlab/sim/lesson.h>
#include <ringlab/sim/simulation.h>
#include <ringlab/sim/workload.h>

namespace ringlab {

// --- timeline actions -------------------------------------------------------------------------------------------

struct CrashAction {
  NodeId node = 0;
};
struct RestartAction {
  NodeId node = 0;
  bool wipe = false;  // restart with empty storage
};
// Wipes a running node's storage in place (a lost disk): crash, wipe, restart at the same instant.
struct WipeAction {
  NodeId node = 0;
};
// Two-way partition: links between different groups are cut. Nodes in no group keep their links.
struct PartitionAction {
  std::vector<std::vector<NodeId>> groups;
};
// One-way cut: messages from `from` to `to` are lost, the other direction works.
struct CutLinkAction {
  NodeId from = 0;
  NodeId to = 0;
};
struct HealAction {};
// Latency and/or loss of one directed link (both directions when `bothWays`).
struct LinkAction {
  NodeId from = 0;
  NodeId to = 0;
  bool bothWays = true;
  std::optional<LatencyDistribution> latency;
  std::optional<double> loss;
};
// Network-wide default latency, loss and/or duplication (the chance a delivered message arrives twice).
struct NetworkAction {
  std::optional<LatencyDistribution> latency;
  std::optional<double> loss;
  std::optional<double> duplication{};
};
// Multiplies a node's CPU cost per message (grey failure); 1.0 restores it.
struct SlowNodeAction {
  NodeId node = 0;
  double factor = 1.0;
};
// Sets a node's clock offset from true time (a skew when it lasts, a jump when it changes; 0 restores). The node's
// hybrid logical clock never goes backwards, so a jump back only slows its versions until true time catches up.
struct ClockAction {
  NodeId node = 0;
  Duration offset{};
};
// Changes the workload (every workload of the scenario): rate, mix and/or which keys it touches.
struct WorkloadAction {
  std::optional<double> ratePerSecond;
  std::optional<double> readRatio;
  std::optional<double> deleteRatio;
  std::optional<KeyDistribution> keys{};  // replaces the whole key distribution
  std::optional<Routing> routing{};
};
// Changes R, W and/or N on every node. Unset values stay; 1 <= R, W <= N <= the nodes running at that time.
struct QuorumAction {
  std::optional<std::size_t> r;
  std::optional<std::size_t> w;
  std::optional<std::size_t> n{};
};

// Adds a node (the next id after every node so far); it streams in the ranges it takes over.
struct AddNodeAction {};
// A running node hands its ranges to their new owners, then leaves.
struct DecommissionAction {
  NodeId node = 0;
};
// A crashed node is taken out of the ring for good; the survivors stream its ranges among themselves.
struct RemoveNodeAction {
  NodeId node = 0;
};

using ScenarioAction = std::variant<CrashAction, RestartAction, WipeAction, PartitionAction, CutLinkAction, HealAction,
                                    LinkAction, NetworkAction, SlowNodeAction, WorkloadAction, QuorumAction,
                                    AddNodeAction, DecommissionAction, RemoveNodeAction, ClockAction>;

// "crash n3", "partition [n1 n2] [n3]", ... for narration and logs.
std::string describeAction(const ScenarioAction& action);

// A view of the desktop app that narration can bring to the front.
enum class FocusView : std::uint8_t { kRing, kTraffic, kCharts, kNodes, kSpacetime, kFibers, kInspector };
std::string_view focusViewName(FocusView view);  // the YAML name: "ring", "fibers", ...
std::optional<FocusView> parseFocusView(std::string_view name);

// One of the app's live charts, which narration can put on screen (in presentation mode, in place of the oldest of
// the presenter's charts).
enum class FocusChart : std::uint8_t {
  kThroughput,
  kGetLatency,
  kPutLatency,
  kErrors,
  kMessages,
  kStaleness,
  kDetection,  // crash detection: running nodes that mark a crashed node down
};
std::string_view focusChartName(FocusChart chart);  // the YAML name: "throughput", "staleness", ...
std::optional<FocusChart> parseFocusChart(std::string_view name);

// What the screen should point at while a narration is read: a node (selected in the node table, the fiber view
// and the inspector), a key (looked up on the ring) and/or a view brought to the front. Headless runs ignore it.
struct NarrationFocus {
  std::optional<NodeId> node;
  std::optional<std::string> key;
  std::optional<FocusView> view;
  std::optional<FocusChart> chart;
  friend bool operator==(const NarrationFocus&, const NarrationFocus&) = default;
};

// One timeline entry: everything that happens at one instant, with optional narration and a pause point.
struct TimelineEntry {
  TimePoint at;
  std::vector<ScenarioAction> actions;  // applied in file order
  std::string say;                      // narration shown by the app and printed headless (may be empty)
  bool pause = false;                   // the app stops here for the class; headless runs pass through
  std::optional<NarrationFocus> focus;  // what the app selects when the entry is reached
  // Lessons: the question asked here (an index into ScenarioSpec::questions; the app stops for the answer), the
  // questions revealed here, and notes for the teacher (shown in the app's teacher view only).
  std::optional<std::size_t> ask;
  std::vector<std::size_t> reveals;
  std::string notes;
  SourceLocation where;

  // True when the app stops or shows something here: a say, a pause, a focus, a question or a reveal.
  bool isNarration() const {
    return !say.empty() || pause || focus.has_value() || ask.has_value() || !reveals.empty() || !notes.empty();
  }
};

// One line for a log of the run: the time, every action, the narration and a pause mark, as in
// "   10.000s  crash n3: n3 crashes, writes go to fallback nodes  [pause]". No trailing newline.
std::string formatTimelineEntry(const TimelineEntry& entry);

// One entry holding one action at `at` (for scenarios built in code: tests, campaigns, benchmarks).
TimelineEntry timelineEntry(Duration at, ScenarioAction action);

// --- expectations -----------------------------------------------------------------------------------------------

// A measured figure a scenario can make claims about. See docs/SCENARIOS.md for each one's definition.
enum class ExpectMetric : std::uint8_t {
  kLostWrites,     // acknowledged writes absent from every replica after quiesce (count)
  kLostUpdates,    // acknowledged writes discarded by last-write-wins although they began after a newer-versioned
                   // write was acknowledged (count)
  kStaleReads,     // reads that returned a version older than one acknowledged before they began (count)
  kStaleReadRate,  // stale reads / successful reads
  kAvailability,   // successful operations / all operations
  kGetAvailability,
  kPutAvailability,
  kConvergenceTime,  // from the last heal to all replicas agreeing (duration; unbounded if never)
  kDivergentKeys,    // keys whose replicas still disagree when the run ends (count)
  kGetP50,
  kGetP99,
  kGetP999,
  kPutP50,
  kPutP99,
  kPutP999,
  kThroughput,          // successful operations per virtual second during the scenario's duration
  kTimeouts,            // operations that failed with timeout (count)
  kUnavailable,         // operations that failed with unavailable (count)
  kFreshAfter,          // time since acknowledgement at which P(fresh read) first reaches 99.9 %, interpolated from the
                        // staleness curve (duration; unbounded if never)
  kLostIncrements,      // acknowledged counter increments missing from the converged totals (count)
  kLostCrdtIncrements,  // the same, on keys that are CRDT counters (count)
  kSiblingsCreated,     // acknowledged writes that left their key with several siblings (count)
  kLargestSiblingSet,   // the most siblings one key had (count)
  kSiblingSetsResolved,      // times a write resolved a key's siblings back to one (count)
  kUnexplainedLostWrites,    // lost writes that no disk loss explains (count)
  kInventedValues,           // reads that returned a version no client wrote (count; last-write-wins)
  kMembershipDisagreements,  // (node, member) pairs whose view disagrees after quiesce (count)
  kDetectionTime,  // from a crash to the last running node marking the crashed node down, the longest over the
                   // run's crashes (duration; unbounded if some node never did)
};
std::string_view expectMetricName(ExpectMetric metric);  // the YAML key, e.g. "lost_writes"
std::optional<ExpectMetric> parseExpectMetric(std::string_view name);
// True when a bare bound in a file is a minimum (availability, throughput), false when it is a maximum.
bool isHigherBetter(ExpectMetric metric);
// True when the metric's values are durations (written "20ms" in files, compared in nanoseconds).
bool isDurationMetric(ExpectMetric metric);

struct Expectation {
  ExpectMetric metric{};
  std::optional<double> min;  // inclusive; durations in nanoseconds
  std::optional<double> max;  // inclusive
  SourceLocation where;
};

// A challenge: the settings a student may change and the goals a run with them must meet (see lesson.h).
struct Challenge {
  std::string text;  // the task, as the student reads it
  std::vector<ChallengeKnob> knobs;
  std::vector<Expectation> goals;
  std::vector<ScenarioOverride> solution;  // a reference solution, for `course check`
  SourceLocation where;
};

// --- the scenario -----------------------------------------------------------------------------------------------

struct QuiesceConfig {
  Duration limit = std::chrono::seconds(30);  // how long to wait for convergence after the duration
  Duration checkEvery = std::chrono::milliseconds(100);
};

// The longest `duration` a scenario may have (and the cap on every other time in the file).
inline constexpr Duration kMaxScenarioDuration = std::chrono::hours(24);

struct ScenarioSpec {
  std::string name;
  std::string description;
  std::string sourceName;  // the file it came from (for messages)
  Duration duration{};
  SimulationConfig cluster;  // cluster.seed is the scenario's seed
  std::vector<WorkloadConfig> workloads;
  std::vector<TimelineEntry> timeline;  // sorted by time (stable: file order within an instant)
  std::vector<Expectation> expectations;
  QuiesceConfig quiesce;
  std::vector<Duration> stalenessBands =
      defaultStalenessBandEdges();  // upper edges of the staleness bands but the last
  // Timeline entries that contradict the ones before them without making the run impossible (a heal with nothing
  // cut, a cut of a link already cut, a slow-down to the factor already in force), as
  // "<sourceName>:<line>:<column>: warning: <key path>: <what and why>". A timeline that cannot run (a crash of a
  // node already down, a restart of a running node) is an error instead.
  std::vector<std::string> warnings;

  // Lessons (see lesson.h): questions in the order they are asked, a challenge, what the lesson teaches, and the
  // teacher's notes for the whole lesson.
  std::vector<Question> questions;
  std::optional<Challenge> challenge;
  std::optional<LessonInfo> lesson;
  std::string notes;
  // The --set overrides the spec was parsed with, in order.
  std::vector<ScenarioOverride> overrides;
};

// Parses and validates a scenario. `sourceName` names the input in error messages ("scenarios/partition.yaml").
// Errors are kInvalidArgument with a message of the form
//   "<sourceName>:<line>:<column>: <key path>: <what was expected>, got <what was found>".
// `overrides` edit the YAML before it is validated: each path of mapping keys is created where missing and its value
// replaced; a path into a list of workloads (workload.rate) edits every workload. An error in an overridden value
// names the override ("--set cluster.replication.r=9: ...").
Result<ScenarioSpec> parseScenario(std::string_view yamlText, std::string_view sourceName,
                                   std::span<const ScenarioOverride> overrides = {});
// Reads and parses a file. A file that cannot be read is kNotFound with the path and the reason.
Result<ScenarioSpec> loadScenarioFile(const std::string& path, std::span<const ScenarioOverride> overrides = {});

// Parses "250ms", "10s", "1.5s", "2m", "500us", "100ns" (a number followed by a unit; a bare "0" is zero; a leading
// "-" gives a negative duration, which callers accept only where it makes sense). nullopt when malformed.
std::optional<Duration> parseDuration(std::string_view text);
// "250ms", "1500us", "2m", "-50ms": a whole number of the largest unit that holds `d` exactly, which parseDuration
// reads back to the same value; "0s" for zero.
std::string formatScenarioDuration(Duration d);
// "64KiB", "1MiB", "1000B": a whole number of the largest binary unit that holds `bytes` exactly; parseSize reads it
// back to the same value.
std::string formatScenarioSize(std::uint64_t bytes);
// Parses staleness band edges written as a comma-separated list of durations, "1ms,5ms,20ms" (spaces allowed around
// the commas). kInvalidArgument naming the item at fault when one is not a duration, or when the list breaks
// validateStalenessBandEdges.
Result<std::vector<Duration>> parseStalenessBands(std::string_view text);
// Parses "2000/s", "120/m", "5/ms", or a bare number (per second). nullopt when malformed.
std::optional<double> parseRate(std::string_view text);
// Parses "64KiB", "1MiB", "100B", "100", "1MB" (decimal) into bytes. nullopt when malformed or above 2^62.
std::optional<std::uint64_t> parseSize(std::string_view text);

}  // namespace ringlab
