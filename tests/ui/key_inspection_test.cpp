// The key inspector's reading of what replicas hold: registers ranked by timestamp, sibling sets and counters by
// causality, and the lines it shows for each sibling and counter entry.
#include <algorithm>

#include <gtest/gtest.h>

#include <ringlab/engine/causal.h>
#include <ringlab/sim/scenario.h>
#include <ringlab/sim/scenario_runner.h>
#include <ringlab/ui/inspector.h>
#include <ringlab/ui/simulation_feed.h>

namespace ringlab {
namespace {

Version at(std::int64_t micros, NodeId node) { return Version{micros, 0, node}; }

KeyInspection::Copy copy(NodeId node, std::optional<Record> record) {
  KeyInspection::Copy c;
  c.node = node;
  c.record = std::move(record);
  return c;
}

Record registerRecord(std::int64_t micros, const std::string& value) {
  return Record{at(micros, 0), Value(value), false};
}

TEST(KeyInspectionTest, RegistersAreRankedByTimestamp) {
  std::vector<KeyInspection::Copy> copies{copy(0, registerRecord(20, "new")), copy(1, registerRecord(10, "old")),
                                          copy(2, std::nullopt)};
  rankCopies(copies);
  EXPECT_TRUE(copies[0].newest);
  EXPECT_FALSE(copies[1].newest);
  EXPECT_FALSE(copies[2].newest);
  EXPECT_EQ(copies[0].standing, "");
  EXPECT_EQ(describeHolding(*copies[0].record), "3 bytes");
  EXPECT_TRUE(describeParts(*copies[0].record).empty());
}

TEST(KeyInspectionTest, SiblingSetsAreRankedByCausality) {
  // n1 and n2 take blind writes during a partition: concurrent. n3 has merged both: it has seen everything.
  SiblingSet a;
  a.write(0, {}, "apple", false, at(10, 0));
  SiblingSet b;
  b.write(1, {}, "pear", false, at(11, 1));
  const SiblingSet both = SiblingSet::merge(a, b);
  std::vector<KeyInspection::Copy> copies{copy(0, Record::fromSiblings(a)), copy(1, Record::fromSiblings(b)),
                                          copy(2, Record::fromSiblings(both))};
  rankCopies(copies);
  EXPECT_EQ(copies[0].standing, "behind n3");
  EXPECT_EQ(copies[1].standing, "behind n3");
  EXPECT_EQ(copies[2].standing, "up to date");
  EXPECT_TRUE(copies[2].newest);
  EXPECT_FALSE(copies[0].newest);
  EXPECT_EQ(describeHolding(*copies[2].record), "2 siblings");
  EXPECT_EQ(describeHolding(*copies[0].record), "1 sibling: 'apple'");
  const std::vector<KeyPart> parts = describeParts(*copies[2].record);
  EXPECT_EQ(parts, (std::vector<KeyPart>{{"n1:1", at(10, 0).toString(), "'apple'"},
                                         {"n2:1", at(11, 1).toString(), "'pear'"}}));

  // Without the merged copy, the two are concurrent with each other.
  copies.pop_back();
  rankCopies(copies);
  EXPECT_EQ(copies[0].standing, "concurrent with n2");
  EXPECT_EQ(copies[1].standing, "concurrent with n1");
  EXPECT_FALSE(copies[0].newest);
}

TEST(KeyInspectionTest, CountersShowTheirEntriesAndWhoIsBehind) {
  PnCounter ahead;
  ahead.add(0, 5);
  ahead.add(0, -1);
  ahead.add(1, 3);
  PnCounter behind;
  behind.add(0, 5);
  std::vector<KeyInspection::Copy> copies{copy(0, Record::fromCounter(ahead, at(30, 0))),
                                          copy(1, Record::fromCounter(behind, at(20, 0)))};
  rankCopies(copies);
  EXPECT_EQ(copies[0].standing, "up to date");
  EXPECT_EQ(copies[1].standing, "behind n1");
  EXPECT_EQ(describeHolding(*copies[0].record), "counter = 7");
  EXPECT_EQ(describeParts(*copies[0].record), (std::vector<KeyPart>{{"n1", "+5 -1", ""}, {"n2", "+3", ""}}));
}

TEST(KeyInspectionTest, ValuesThatAreNotTextShowTheirSize) {
  SiblingSet set;
  set.write(0, {}, std::string("\x01\x02\x03", 3), false, at(1, 0));
  set.write(1, {}, std::string(40, 'x'), false, at(2, 1));
  const std::vector<KeyPart> parts = describeParts(Record::fromSiblings(set));
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].value, "3 bytes");
  EXPECT_EQ(parts[1].value, "'xxxxxxxxx...' (40 bytes)");
}

// What the siblings lesson's narration says at its 12.5 s pause, checked on its own run: key:00000001 has replicas on
// both sides of the partition, and each side's copies hold writes the other's have not seen.
TEST(KeyInspectionTest, TheSiblingsLessonShowsConcurrentCopiesDuringThePartition) {
  auto spec = loadScenarioFile(RINGLAB_SOURCE_DIR "/scenarios/siblings.yaml");
  ASSERT_TRUE(spec.isOk()) << spec.status().toString();
  const auto step = std::find_if(spec->timeline.begin(), spec->timeline.end(),
                                 [](const TimelineEntry& e) { return e.focus && e.focus->key; });
  ASSERT_NE(step, spec->timeline.end());
  EXPECT_EQ(*step->focus->key, "key:00000001");
  ScenarioRunner runner(*spec);
  runner.runUntil(step->at);
  const KeyInspection k = inspectKey(runner, *step->focus->key);
  std::string shown;
  std::size_t concurrent = 0;
  std::size_t largest = 0;
  for (const auto& c : k.copies) {
    shown += nodeName(c.node) + ": " + (c.record ? describeHolding(*c.record) + " / " + c.standing : "nothing") + "\n";
    if (c.standing.starts_with("concurrent with")) ++concurrent;
    if (c.record) largest = std::max(largest, c.record->siblings.siblings().size());
  }
  EXPECT_GE(concurrent, 2u) << shown;
  EXPECT_GE(largest, 2u) << "a side kept concurrent writes as siblings\n" << shown;
}

}  // namespace
}  // namespace ringlab
