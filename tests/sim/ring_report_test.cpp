#include <ringlab/sim/ring_report.h>

#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace ringlab {
namespace {

std::vector<std::string> linesOf(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The numbers on the summary line starting with `label`, in column order.
std::vector<double> numbersAfter(const std::string& report, const std::string& label) {
  for (const std::string& line : linesOf(report)) {
    if (line.rfind(label, 0) != 0) continue;
    std::vector<double> numbers;
    std::istringstream rest(line.substr(label.size()));
    for (double value; rest >> value;) numbers.push_back(value);
    return numbers;
  }
  return {};
}

Ring vnodeRing(std::size_t nodes, std::size_t perNode, std::uint64_t seed) {
  RingConfig config;
  config.strategy = PlacementStrategy::kVnodes;
  config.vnodesPerNode = perNode;
  Rng rng(seed);
  return Ring::build(config, nodes, rng);
}

TEST(RingReportTest, ListsEveryNodeOnItsOwnLine) {
  const Ring ring = vnodeRing(12, 16, 5);
  const std::string report = formatRingReport(ring, 3, {12, 16, 0, 5});
  const std::vector<std::string> lines = linesOf(report);
  for (NodeId node : ring.nodes()) {
    const std::string name = nodeName(node);
    int found = 0;
    for (const std::string& line : lines) {
      if (line.rfind(name + " ", 0) == 0) ++found;
    }
    EXPECT_EQ(found, 1) << name << " in\n" << report;
  }
}

TEST(RingReportTest, PrintedCvMatchesOwnership) {
  const Ring ring = vnodeRing(10, 64, 9);
  const OwnershipStats stats = ring.ownership(3);
  const std::string report = formatRingReport(ring, 3, {10, 64, 0, 9});
  const std::vector<double> cv = numbersAfter(report, "CV (stddev/mean)");
  ASSERT_EQ(cv.size(), 2u) << report;
  EXPECT_NEAR(cv[0], stats.coefficientOfVariation, 0.5e-4);
  EXPECT_NEAR(cv[1], stats.replicatedCoefficientOfVariation, 0.5e-4);
  const std::vector<double> expected = numbersAfter(report, "expected CV");
  ASSERT_FALSE(expected.empty()) << report;
  EXPECT_NEAR(expected[0], expectedVnodeOwnershipCv(10, 64), 0.5e-4);
}

TEST(RingReportTest, EchoesBuildParametersInTitle) {
  const std::string report = formatRingReport(vnodeRing(7, 32, 123), 2, {7, 32, 0, 123});
  const std::string title = linesOf(report).front();
  EXPECT_NE(title.find("7 nodes x 32 tokens"), std::string::npos) << title;
  EXPECT_NE(title.find("seed 123"), std::string::npos) << title;
  EXPECT_NE(title.find("N = 2"), std::string::npos) << title;
}

TEST(RingReportTest, PartitionReportShowsEvenSharesAndNoVnodeExpectation) {
  RingConfig config;
  config.strategy = PlacementStrategy::kPartitions;
  config.partitions = 64;
  Rng rng(0);
  const Ring ring = Ring::build(config, 8, rng);
  const std::string report = formatRingReport(ring, 3, {8, 0, 64, 0});
  EXPECT_NE(report.find("Q = 64"), std::string::npos) << report;
  EXPECT_EQ(report.find("expected CV"), std::string::npos) << report;
  const std::vector<double> cv = numbersAfter(report, "CV (stddev/mean)");
  ASSERT_EQ(cv.size(), 2u);
  EXPECT_EQ(cv[0], 0.0);
  const std::vector<double> mean = numbersAfter(report, "mean");
  ASSERT_FALSE(mean.empty());
  EXPECT_NEAR(mean[0], 12.5, 1e-3);  // percent
}

TEST(RingReportTest, EmptyRingSaysSo) {
  const std::string report = formatRingReport(Ring(), 3, {});
  EXPECT_NE(report.find("empty ring"), std::string::npos) << report;
}

}  // namespace
}  // namespace ringlab
