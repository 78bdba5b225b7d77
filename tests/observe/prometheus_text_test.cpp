// The Prometheus text format: the strict reader on texts that break one rule each (so that a clean result on
// /metrics means something), what it reads out of a valid text, and the writer read back by the reader.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include <ringlab/observe/prometheus_text.h>

namespace ringlab {
namespace {

const std::string kValid =
    "# HELP up_total Times up.\n# TYPE up_total counter\n"
    "up_total{node=\"n1\"} 3\n"
    "# HELP phi Suspicion, escaped \\\\ and \\n.\n# TYPE phi gauge\n"
    "phi{node=\"n1\",peer=\"n2\"} 0.5\nphi{node=\"n1\",peer=\"n\\\"3\\\\\\n\"} +Inf\nphi{node=\"n1\",peer=\"n4\"} NaN\n"
    "# A plain comment.\n"
    "# HELP latency_seconds Latency.\n# TYPE latency_seconds histogram\n"
    "latency_seconds_bucket{op=\"get\",le=\"0.1\"} 1\nlatency_seconds_bucket{op=\"get\",le=\"1e+00\"} 2\n"
    "latency_seconds_bucket{op=\"get\",le=\"+Inf\"} 4\nlatency_seconds_sum{op=\"get\"} 1.5e-3\n"
    "latency_seconds_count{op=\"get\"} 4\n"
    "latency_seconds_bucket{op=\"put\",le=\"+Inf\"} 0\nlatency_seconds_sum{op=\"put\"} 0\n"
    "latency_seconds_count{op=\"put\"} 0 1700000000000\n";

// Whether the checker reports a problem about `what` in `text`; prints what it reported otherwise.
::testing::AssertionResult reports(const std::string& text, const std::string& what) {
  std::string all;
  for (const std::string& problem : readPrometheusText(text).problems) {
    if (problem.find(what) != std::string::npos) return ::testing::AssertionSuccess();
    all += "\n  " + problem;
  }
  return ::testing::AssertionFailure() << "no problem mentions '" << what << "' in:\n" << text << "reported:" << all;
}

TEST(PrometheusTextTest, AcceptsAWellFormedExposition) {
  EXPECT_EQ(readPrometheusText(kValid).problems, std::vector<std::string>());
  const auto families = readPrometheusText(kValid).families;
  ASSERT_EQ(families.size(), 3u);
  EXPECT_EQ(families[2], std::make_pair(std::string("latency_seconds"), std::string("histogram")));
}

TEST(PrometheusTextTest, InterleavedFamiliesAreRejected) {
  // What /metrics once served: the samples of two families alternating under both headers.
  const std::string text =
      "# HELP peer_phi Phi.\n# TYPE peer_phi gauge\n# HELP peer_up Up.\n# TYPE peer_up gauge\n"
      "peer_phi{peer=\"n2\"} 0.1\npeer_up{peer=\"n2\"} 1\npeer_phi{peer=\"n3\"} 0.2\npeer_up{peer=\"n3\"} 1\n";
  EXPECT_TRUE(reports(text, "not contiguous"));
}

TEST(PrometheusTextTest, HelpAndTypeComeOnceAndBeforeTheSamples) {
  EXPECT_TRUE(reports("# TYPE g gauge\ng 1\n# HELP g G.\n", "HELP of 'g' after its samples"));
  EXPECT_TRUE(reports("# HELP g G.\n# TYPE g gauge\n# TYPE g gauge\ng 1\n", "a second TYPE"));
  EXPECT_TRUE(reports("# HELP g G.\n# HELP g G.\n# TYPE g gauge\ng 1\n", "a second HELP"));
  EXPECT_TRUE(reports("# HELP g G.\ng 1\n", "without) its TYPE"));
  EXPECT_TRUE(reports("# TYPE g gauge\ng 1\n", "without) its HELP"));
  EXPECT_TRUE(reports("# HELP g G.\n# TYPE g meter\ng 1\n", "not counter, gauge"));
}

TEST(PrometheusTextTest, NamesLabelsAndEscapesMustBeValid) {
  const std::string header = "# HELP g G.\n# TYPE g gauge\n";
  EXPECT_TRUE(reports("# HELP 1g G.\n", "not a valid metric name"));
  EXPECT_TRUE(reports(header + "g{1a=\"x\"} 1\n", "not a valid label name"));
  EXPECT_TRUE(reports(header + "g{__name=\"x\"} 1\n", "not a valid label name"));
  EXPECT_TRUE(reports(header + "g{a=\"x\\t\"} 1\n", "invalid escape"));
  EXPECT_TRUE(reports(header + "g{a=\"x} 1\n", "unterminated"));
  EXPECT_TRUE(reports(header + "g{a=\"x\",a=\"y\"} 1\n", "appears twice"));
  EXPECT_TRUE(reports(header + "g{a=x} 1\n", "no quoted value"));
  EXPECT_TRUE(reports(header + "g 1,5\n", "not a valid sample value"));
  EXPECT_TRUE(reports(header + "g inf\n", "not a valid sample value"));
  EXPECT_TRUE(reports(header + "g 1 soon\n", "not a valid timestamp"));
  EXPECT_TRUE(reports("# HELP g bad \\t escape\n# TYPE g gauge\ng 1\n", "invalid escape"));
  EXPECT_TRUE(reports(header + "g 1", "does not end with a line feed"));
}

TEST(PrometheusTextTest, CountersEndInTotalAndNeverGoNegative) {
  EXPECT_TRUE(reports("# HELP c C.\n# TYPE c counter\nc 1\n", "does not end in _total"));
  EXPECT_TRUE(reports("# HELP c_total C.\n# TYPE c_total counter\nc_total -1\n", "negative"));
}

TEST(PrometheusTextTest, DuplicateSeriesAreRejectedWhateverTheLabelOrder) {
  const std::string text = "# HELP g G.\n# TYPE g gauge\ng{a=\"1\",b=\"2\"} 1\ng{b=\"2\",a=\"1\"} 2\n";
  EXPECT_TRUE(reports(text, "duplicate series"));
}

TEST(PrometheusTextTest, HistogramBucketsAscendAndEndWithInfEqualToCount) {
  const std::string header = "# HELP h H.\n# TYPE h histogram\n";
  const std::string tail = "h_sum 1\nh_count 3\n";
  EXPECT_TRUE(reports(header + "h_bucket{le=\"1\"} 1\nh_bucket{le=\"0.5\"} 2\nh_bucket{le=\"+Inf\"} 3\n" + tail,
                      "does not ascend"));
  EXPECT_TRUE(
      reports(header + "h_bucket{le=\"1\"} 2\nh_bucket{le=\"2\"} 1\nh_bucket{le=\"+Inf\"} 3\n" + tail, "decrease"));
  EXPECT_TRUE(reports(header + "h_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\n" + tail, "does not equal"));
  EXPECT_TRUE(reports(header + "h_bucket{le=\"1\"} 1\n" + tail, "+Inf"));
  EXPECT_TRUE(reports(header + "h_bucket{le=\"+Inf\"} 3\nh_sum 1\n", "no _count"));
  EXPECT_TRUE(reports(header + "h_bucket{le=\"+Inf\"} 3\nh_count 3\n", "no _sum"));
  EXPECT_TRUE(reports(header + "h_bucket 3\n" + tail, "without a valid le"));
  EXPECT_TRUE(reports(header + "h 3\n", "without _bucket"));
}

TEST(PrometheusTextTest, ReadsTheSamplesWithUnescapedLabels) {
  const PrometheusText read = readPrometheusText(kValid);
  ASSERT_EQ(read.samples.size(), 12u);
  EXPECT_EQ(read.samples[0].name, "up_total");
  EXPECT_EQ(read.samples[0].label("node"), "n1");
  EXPECT_EQ(read.samples[0].value, 3);
  EXPECT_EQ(read.samples[2].label("peer"), "n\"3\\\n");
  EXPECT_TRUE(std::isinf(read.samples[2].value));
  EXPECT_TRUE(std::isnan(read.samples[3].value));
  EXPECT_EQ(read.samples[5].name, "latency_seconds_bucket");
  EXPECT_EQ(read.samples[5].label("le"), "1e+00");
  EXPECT_EQ(read.samples[5].value, 2);
  EXPECT_EQ(read.samples[5].label("missing"), "");
}

TEST(PrometheusTextTest, ASampleThatParsesIsReadEvenWhenAnotherLineIsBroken) {
  const PrometheusText read =
      readPrometheusText("# HELP g G.\n# TYPE g gauge\ng{a=\"1\"} 1\ng{a=\"2} 2\ng{a=\"3\"} 3\n");
  EXPECT_FALSE(read.problems.empty());
  ASSERT_EQ(read.samples.size(), 2u);
  EXPECT_EQ(read.samples[1].label("a"), "3");
}

TEST(PrometheusTextTest, WhatTheWriterWritesTheReaderAcceptsAndReadsBack) {
  PrometheusWriter out(PrometheusWriter::Labels{{"node", "n\"1\\"}});
  out.family("requests_total", "counter", "Requests,\nby op \\ kind.");
  out.sample({{"op", "get"}}, 3);
  out.sample({{"op", "line\nfeed"}}, 0.25);
  out.family("latency_seconds", "histogram", "Latency.");
  out.sample("_bucket", {{"le", PrometheusWriter::formatValue(0.001)}}, 1);
  out.sample("_bucket", {{"le", "+Inf"}}, 2);
  out.sample("_sum", {}, 0.5);
  out.sample("_count", {}, 2);
  out.family("temperature", "gauge", "Odd values.");
  out.sample({{"which", "nan"}}, std::nan(""));
  out.sample({{"which", "-inf"}}, -HUGE_VAL);
  out.sample({{"which", "tiny"}}, 1e-300);
  const std::string text = out.take();
  EXPECT_TRUE(out.take().empty());

  const PrometheusText read = readPrometheusText(text);
  EXPECT_EQ(read.problems, std::vector<std::string>()) << text;
  ASSERT_EQ(read.families.size(), 3u);
  EXPECT_EQ(read.families[1], std::make_pair(std::string("latency_seconds"), std::string("histogram")));
  ASSERT_EQ(read.samples.size(), 9u) << text;
  for (const PrometheusSample& sample : read.samples) EXPECT_EQ(sample.label("node"), "n\"1\\") << text;
  EXPECT_EQ(read.samples[1].label("op"), "line\nfeed");
  EXPECT_EQ(read.samples[1].value, 0.25);
  EXPECT_EQ(read.samples[2].label("le"), "0.001");
  EXPECT_TRUE(std::isnan(read.samples[6].value));
  EXPECT_EQ(read.samples[7].value, -HUGE_VAL);
  EXPECT_EQ(read.samples[8].value, 1e-300);
}

}  // namespace
}  // namespace ringlab
