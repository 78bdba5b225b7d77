// ringlabd's log formats: JSON lines that a log shipper can parse whatever the message holds.
#include <gtest/gtest.h>

#include <sstream>

#include <boost/json.hpp>
#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>

#include <ringlab/net/log_format.h>

namespace ringlab {
namespace {

TEST(LogFormatTest, ParsesTheTwoFormatNamesOnly) {
  EXPECT_EQ(parseLogFormat("text"), LogFormat::kText);
  EXPECT_EQ(parseLogFormat("json"), LogFormat::kJson);
  EXPECT_FALSE(parseLogFormat("JSON").has_value());
  EXPECT_FALSE(parseLogFormat("").has_value());
}

TEST(LogFormatTest, JsonLinesParseAndCarryLevelLoggerAndTheExactMessage) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(out);
  sink->set_formatter(makeLogFormatter(LogFormat::kJson));
  spdlog::logger logger("ringlabd", sink);
  logger.set_level(spdlog::level::trace);
  const std::string tricky = "client 127.0.0.1:5000: \"bad\" \\ bulk\nsecond line\ttab \xc3\xa9";
  logger.warn("{}", tricky);
  logger.info("plain");

  std::istringstream lines(out.str());
  std::string line;
  ASSERT_TRUE(std::getline(lines, line));
  const boost::json::object first = boost::json::parse(line).as_object();
  EXPECT_EQ(first.at("level").as_string(), "warning");
  EXPECT_EQ(first.at("logger").as_string(), "ringlabd");
  EXPECT_EQ(std::string(first.at("message").as_string()), tricky);
  const std::string time(first.at("time").as_string());
  ASSERT_EQ(time.size(), 24u) << time;  // 2026-12-04T06:01:02.345Z
  EXPECT_EQ(time[10], 'T');
  EXPECT_EQ(time.back(), 'Z');
  ASSERT_TRUE(std::getline(lines, line));
  EXPECT_EQ(boost::json::parse(line).as_object().at("message").as_string(), "plain");
  EXPECT_FALSE(std::getline(lines, line)) << "one line per message, even when the message holds a newline";
}

TEST(LogFormatTest, TextIsSpdlogsHumanFormat) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(out);
  sink->set_formatter(makeLogFormatter(LogFormat::kText));
  spdlog::logger logger("ringlabd", sink);
  logger.info("hello");
  EXPECT_NE(out.str().find("[info] hello"), std::string::npos) << out.str();
  EXPECT_EQ(out.str().find('{'), std::string::npos);
}

}  // namespace
}  // namespace ringlab
