// The reply half of the RESP codec: the bytes a node sends, in any pieces, become replies, and anything else is an
// error naming the byte where the stream stopped making sense. The app's client and the tests' client read through it.
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <ringlab/engine/random.h>
#include <ringlab/engine/resp.h>

namespace ringlab {
namespace {

using Type = RespValue::Type;

std::vector<RespValue> parseAll(RespReplyParser& parser) {
  std::vector<RespValue> out;
  while (auto reply = parser.next()) out.push_back(std::move(*reply));
  return out;
}

// Every reply type, with CR, LF and a NUL inside the bulk string.
constexpr char kStreamBytes[] =
    "+OK\r\n"
    "-ERR unknown command 'FOO'\r\n"
    ":-42\r\n"
    "$5\r\nhello\r\n"
    "$-1\r\n"
    "$0\r\n\r\n"
    "$4\r\na\r\n\0\r\n"
    "*3\r\n:1\r\n*2\r\n+a\r\n$1\r\nb\r\n$-1\r\n"
    "*-1\r\n"
    "*0\r\n";
const std::string kStream(kStreamBytes, sizeof kStreamBytes - 1);

void expectStream(const std::vector<RespValue>& r) {
  ASSERT_EQ(r.size(), 10u);
  EXPECT_EQ(r[0].type, Type::kSimpleString);
  EXPECT_EQ(r[0].text, "OK");
  EXPECT_EQ(r[1].type, Type::kError);
  EXPECT_EQ(r[1].text, "ERR unknown command 'FOO'");
  EXPECT_EQ(r[2].type, Type::kInteger);
  EXPECT_EQ(r[2].integer, -42);
  EXPECT_EQ(r[3].type, Type::kBulkString);
  EXPECT_EQ(r[3].text, "hello");
  EXPECT_FALSE(r[3].isNull);
  EXPECT_TRUE(r[4].isNull);
  EXPECT_EQ(r[5].type, Type::kBulkString);
  EXPECT_FALSE(r[5].isNull);
  EXPECT_TRUE(r[5].text.empty());
  EXPECT_EQ(r[6].text, std::string("a\r\n\0", 4));
  ASSERT_EQ(r[7].type, Type::kArray);
  ASSERT_EQ(r[7].elements.size(), 3u);
  EXPECT_EQ(r[7].elements[0].integer, 1);
  ASSERT_EQ(r[7].elements[1].elements.size(), 2u);
  EXPECT_EQ(r[7].elements[1].elements[0].text, "a");
  EXPECT_EQ(r[7].elements[1].elements[1].text, "b");
  EXPECT_TRUE(r[7].elements[2].isNull);
  EXPECT_EQ(r[8].type, Type::kArray);
  EXPECT_TRUE(r[8].isNull);
  EXPECT_EQ(r[9].type, Type::kArray);
  EXPECT_FALSE(r[9].isNull);
  EXPECT_TRUE(r[9].elements.empty());
}

TEST(RespReplyParserTest, ParsesEveryReplyTypeInOneFeed) {
  RespReplyParser parser;
  parser.feed(kStream);
  expectStream(parseAll(parser));
  EXPECT_TRUE(parser.error().empty());
  EXPECT_EQ(parser.buffered(), 0u);
}

TEST(RespReplyParserTest, RepliesSplitAtEveryByteBoundaryParseTheSame) {
  for (std::size_t cut = 1; cut < kStream.size(); ++cut) {
    SCOPED_TRACE(cut);
    RespReplyParser parser;
    parser.feed(std::string_view(kStream).substr(0, cut));
    std::vector<RespValue> replies = parseAll(parser);
    parser.feed(std::string_view(kStream).substr(cut));
    for (RespValue& r : parseAll(parser)) replies.push_back(std::move(r));
    expectStream(replies);
    EXPECT_TRUE(parser.error().empty());
  }
}

TEST(RespReplyParserTest, OneByteAtATimeParsesTheSame) {
  RespReplyParser parser;
  std::vector<RespValue> replies;
  for (const char c : kStream) {
    parser.feed(std::string_view(&c, 1));
    for (RespValue& r : parseAll(parser)) replies.push_back(std::move(r));
  }
  expectStream(replies);
}

TEST(RespReplyParserTest, WhatTheServerEncodesReadsBack) {
  std::string out;
  appendSimple(out, "OK");
  appendError(out, "ERR two\nlines");
  appendInteger(out, -7);
  appendBulk(out, std::string("b\0n", 3));
  appendNull(out);
  appendArrayHeader(out, 2);
  appendBulk(out, "x");
  appendInteger(out, 9);
  RespReplyParser parser;
  parser.feed(out);
  const std::vector<RespValue> r = parseAll(parser);
  ASSERT_EQ(r.size(), 6u);
  EXPECT_EQ(r[1].text, "ERR two lines");
  EXPECT_EQ(r[2].integer, -7);
  EXPECT_EQ(r[3].text, std::string("b\0n", 3));
  EXPECT_TRUE(r[4].isNull);
  ASSERT_EQ(r[5].elements.size(), 2u);
  EXPECT_EQ(r[5].elements[1].integer, 9);
  // And a command a client encodes is what the server's parser reads.
  RespParser server;
  server.feed(encodeCommand({"SET", "k", std::string("v\r\n", 3)}));
  std::vector<std::string> args;
  ASSERT_EQ(server.next(args), RespParser::Outcome::kCommand);
  EXPECT_EQ(args, (std::vector<std::string>{"SET", "k", std::string("v\r\n", 3)}));
}

TEST(RespReplyParserTest, ALargeReplyInManyPiecesArrivesWhole) {
  // 40 values of 1 MiB, as an MGET answers, fed in 64 KiB reads: nothing until the last byte, then all of it.
  std::string bytes;
  appendArrayHeader(bytes, 40);
  for (int i = 0; i < 40; ++i) appendBulk(bytes, std::string(1 << 20, static_cast<char>('a' + i % 26)));
  RespReplyParser parser;
  std::optional<RespValue> reply;
  for (std::size_t at = 0; at < bytes.size(); at += 64 * 1024) {
    ASSERT_FALSE(reply.has_value()) << "a reply before its last byte, at " << at;
    parser.feed(std::string_view(bytes).substr(at, 64 * 1024));
    reply = parser.next();
  }
  ASSERT_TRUE(reply.has_value()) << parser.error();
  ASSERT_EQ(reply->elements.size(), 40u);
  EXPECT_EQ(reply->elements[39].text, std::string(1 << 20, static_cast<char>('a' + 39 % 26)));
  EXPECT_EQ(parser.buffered(), 0u);
}

TEST(RespReplyParserTest, GarbageIsAProtocolErrorNamingTheByte) {
  RespReplyParser parser;
  parser.feed("+OK\r\nGET / HTTP/1.1\r\n");
  auto first = parser.next();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->text, "OK");
  EXPECT_FALSE(parser.next().has_value());
  EXPECT_EQ(parser.error().rfind("byte 5: expected '+', '-', ':', '$' or '*'", 0), 0u) << parser.error();
  EXPECT_NE(parser.error().find("\"G\""), std::string::npos) << parser.error();
  // Later input is ignored.
  parser.feed("+OK\r\n");
  EXPECT_FALSE(parser.next().has_value());
}

TEST(RespReplyParserTest, OffsetsCountBytesAlreadyReturned) {
  RespReplyParser parser;
  std::string many;
  for (int i = 0; i < 1000; ++i) many += "+OK\r\n";
  parser.feed(many);
  EXPECT_EQ(parseAll(parser).size(), 1000u);
  parser.feed("+fine\r\n?");
  EXPECT_EQ(parseAll(parser).size(), 1u);
  EXPECT_EQ(parser.error().rfind("byte 5007: ", 0), 0u) << parser.error();
}

TEST(RespReplyParserTest, MalformedRepliesAreErrorsNotWaits) {
  std::string nested;
  for (int i = 0; i < 200; ++i) nested += "*1\r\n";
  const std::vector<std::string> cases = {
      "$abc\r\n",                     // length not a number
      ":12x\r\n",                     // integer with junk
      ":99999999999999999999\r\n",    // integer overflow
      "$-2\r\n",                      // negative length
      "$3\r\nabcd\r\n",               // bulk not ended by CRLF
      "*-5\r\n",                      // negative count
      "+OK\n",                        // LF without CR
      "+O\rK\r\n",                    // CR inside a line
      "$999999999999\r\n",            // longer than any bulk string
      std::string(70000, 'x'),        // no reply type
      "+" + std::string(70000, 'x'),  // a line without end
      nested,                         // nested 200 deep
  };
  for (const std::string& input : cases) {
    SCOPED_TRACE(input.substr(0, 40));
    RespReplyParser parser;
    parser.feed(input);
    EXPECT_FALSE(parser.next().has_value());
    EXPECT_FALSE(parser.error().empty());
  }
}

TEST(RespReplyParserTest, RandomBytesNeverCrashIt) {
  Rng rng(7);
  for (int round = 0; round < 2000; ++round) {
    RespReplyParser parser;
    std::string bytes(static_cast<std::size_t>(rng.below(64)), '\0');
    // Mostly protocol characters, so the parser gets past the first byte often.
    const char alphabet[] = "+-:$*\r\n0123456789-1abc";
    for (char& c : bytes) {
      c = rng.chance(0.9) ? alphabet[rng.below(sizeof alphabet - 1)] : static_cast<char>(rng.below(256));
    }
    parser.feed(bytes);
    while (parser.next()) {
    }
  }
}

TEST(RespReplyParserTest, ShownBytesAreReadable) {
  EXPECT_EQ(shownBytes("GET"), "GET");
  EXPECT_EQ(shownBytes(std::string("a\r\n\0\"", 5)), "a\\x0d\\x0a\\x00\\x22");
  EXPECT_EQ(shownBytes("abcdef", 3), "abc...");
}

}  // namespace
}  // namespace ringlab
