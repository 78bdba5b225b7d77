// The RESP parser on its own: bytes in, commands or errors out.
#include <gtest/gtest.h>

#include <ringlab/engine/resp.h>

namespace ringlab {
namespace {

using Args = std::vector<std::string>;

std::vector<Args> parseAll(RespParser& parser) {
  std::vector<Args> out;
  Args args;
  while (parser.next(args) == RespParser::Outcome::kCommand) out.push_back(args);
  return out;
}

TEST(RespParserTest, ParsesMultibulkAndInlineCommandsInOrder) {
  RespParser parser;
  parser.feed("*2\r\n$3\r\nGET\r\n$1\r\nk\r\nPING\r\nSET a \"b c\" 'd'\r\n\r\n*0\r\n");
  const auto commands = parseAll(parser);
  ASSERT_EQ(commands.size(), 3u);
  EXPECT_EQ(commands[0], (Args{"GET", "k"}));
  EXPECT_EQ(commands[1], (Args{"PING"}));
  EXPECT_EQ(commands[2], (Args{"SET", "a", "b c", "d"}));
  EXPECT_EQ(parser.buffered(), 0u);
}

TEST(RespParserTest, WaitsForMoreBytesAtEveryPossibleSplit) {
  using namespace std::string_literals;
  const std::string full = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$11\r\nbinary\0\r\nxy\r\n"s;
  for (std::size_t split = 0; split <= full.size(); ++split) {
    RespParser parser;
    Args args;
    parser.feed(std::string_view(full).substr(0, split));
    const auto first = parser.next(args);
    if (split < full.size()) {
      ASSERT_EQ(first, RespParser::Outcome::kNeedMore) << split;
      parser.feed(std::string_view(full).substr(split));
      ASSERT_EQ(parser.next(args), RespParser::Outcome::kCommand) << split;
    } else {
      ASSERT_EQ(first, RespParser::Outcome::kCommand);
    }
    EXPECT_EQ(args.size(), 3u);
  }
}

TEST(RespParserTest, BinaryValuesKeepEveryByte) {
  RespParser parser;
  const std::string value("a\0b\r\nc", 6);
  parser.feed("*2\r\n$4\r\nECHO\r\n$6\r\n" + value + "\r\n");
  Args args;
  ASSERT_EQ(parser.next(args), RespParser::Outcome::kCommand);
  EXPECT_EQ(args[1], value);
}

TEST(RespParserTest, RejectsMalformedInputWithRedisErrors) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"*2\r\n:1\r\n", "expected '$', got ':'"},       {"*1\r\n$-1\r\n", "invalid bulk length"},
      {"*1\r\n$abc\r\n", "invalid bulk length"},       {"*zz\r\n", "invalid multibulk length"},
      {"*1\r\n$3\r\nGETXX", "not terminated by CRLF"}, {"SET a \"unclosed\r\n", "unbalanced quotes"},
  };
  for (const auto& [input, expected] : cases) {
    RespParser parser;
    parser.feed(input);
    Args args;
    ASSERT_EQ(parser.next(args), RespParser::Outcome::kError) << input;
    EXPECT_NE(parser.error().find(expected), std::string::npos) << parser.error();
    // Failed for good: more bytes do not revive it.
    parser.feed("PING\r\n");
    EXPECT_EQ(parser.next(args), RespParser::Outcome::kError);
  }
}

TEST(RespParserTest, EnforcesTheConfiguredLimits) {
  RespLimits limits;
  limits.maxBulkBytes = 8;
  limits.maxMultibulkLength = 3;
  limits.maxInlineBytes = 16;
  Args args;
  {
    RespParser parser(limits);
    parser.feed("*1\r\n$9\r\n");
    EXPECT_EQ(parser.next(args), RespParser::Outcome::kError);
    EXPECT_NE(parser.error().find("invalid bulk length"), std::string::npos);
  }
  {
    RespParser parser(limits);
    parser.feed("*4\r\n");
    EXPECT_EQ(parser.next(args), RespParser::Outcome::kError);
  }
  {
    RespParser parser(limits);
    parser.feed(std::string(40, 'x'));
    EXPECT_EQ(parser.next(args), RespParser::Outcome::kError);
    EXPECT_NE(parser.error().find("too big inline request"), std::string::npos);
  }
  {
    RespParser parser(limits);
    parser.feed("*3\r\n$8\r\n12345678\r\n$0\r\n\r\n$1\r\nx\r\n");
    EXPECT_EQ(parser.next(args), RespParser::Outcome::kCommand);
  }
}

TEST(RespParserTest, RepliesAreEncodedAsRedisDoes) {
  std::string out;
  appendSimple(out, "OK");
  appendError(out, "ERR bad\nthing");
  appendInteger(out, -3);
  appendBulk(out, "hi");
  appendNull(out);
  appendArrayHeader(out, 2);
  EXPECT_EQ(out, "+OK\r\n-ERR bad thing\r\n:-3\r\n$2\r\nhi\r\n$-1\r\n*2\r\n");
}

}  // namespace
}  // namespace ringlab
