// Histories recorded against real nodes: the JSON-lines form, its errors, and the value check.
#include <ringlab/sim/history_file.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include <gtest/gtest.h>

namespace ringlab {
namespace {

RecordedOperation write(std::uint64_t id, std::string key, Version version, std::string value, std::int64_t at) {
  RecordedOperation o;
  o.entry.id = id;
  o.entry.client = 1;
  o.entry.op = Operation::kPut;
  o.entry.key = std::move(key);
  o.entry.coordinator = version.node;
  o.entry.invoked = TimePoint{std::chrono::microseconds(at)};
  o.entry.completed = TimePoint{std::chrono::microseconds(at + 100)};
  o.entry.version = version;
  o.value = std::move(value);
  return o;
}

RecordedOperation read(std::uint64_t id, std::string key, Version version, std::string value, std::int64_t at) {
  RecordedOperation o = write(id, std::move(key), version, std::move(value), at);
  o.entry.op = Operation::kGet;
  o.entry.found = !version.isNull();
  return o;
}

TEST(HistoryFileTest, VersionsReadBackFromTheirText) {
  const Version v{1733448000123456, 7, 2};
  ASSERT_EQ(v.toString(), "1733448000123456.7@n3");
  EXPECT_EQ(parseVersion(v.toString()), v);
  for (const char* bad : {"", "12", "12.3", "12@n1", "a.1@n1", "1.b@n1", "1.2@x", "1.2@", "1@2.n1", "-"}) {
    EXPECT_FALSE(parseVersion(bad)) << bad;
  }
}

TEST(HistoryFileTest, AnOperationSurvivesItsJsonLine) {
  RecordedOperation w = write(17, "k12", Version{1500, 0, 1}, "c1-17", 120034);
  auto back = parseRecordedOperation(formatRecordedOperation(w));
  ASSERT_TRUE(back) << back.status().toString();
  EXPECT_EQ(back->entry.id, 17u);
  EXPECT_EQ(back->entry.client, 1u);
  EXPECT_EQ(back->entry.op, Operation::kPut);
  EXPECT_EQ(back->entry.key, "k12");
  EXPECT_EQ(back->entry.coordinator, 1u);
  EXPECT_EQ(back->entry.invoked, w.entry.invoked);
  EXPECT_EQ(back->entry.completed, w.entry.completed);
  EXPECT_EQ(back->entry.version, w.entry.version);
  EXPECT_EQ(back->entry.result, ErrorCode::kOk);
  EXPECT_EQ(back->value, "c1-17");

  RecordedOperation failed = write(18, "k3", Version{}, "c1-18", 200);
  failed.entry.result = ErrorCode::kTimeout;
  failed.error = "no answer within the timeout";
  back = parseRecordedOperation(formatRecordedOperation(failed));
  ASSERT_TRUE(back) << back.status().toString();
  EXPECT_NE(back->entry.result, ErrorCode::kOk);
  EXPECT_TRUE(back->entry.version.isNull());
  EXPECT_EQ(back->error, "no answer within the timeout");

  RecordedOperation missing = read(19, "k4", Version{}, "", 300);
  back = parseRecordedOperation(formatRecordedOperation(missing));
  ASSERT_TRUE(back) << back.status().toString();
  EXPECT_EQ(back->entry.op, Operation::kGet);
  EXPECT_FALSE(back->entry.found);
}

TEST(HistoryFileTest, ABadLineNamesTheField) {
  const auto error = [](std::string_view line) { return parseRecordedOperation(line).status().message(); };
  EXPECT_NE(error("[1]").find("not a JSON object"), std::string::npos);
  EXPECT_NE(error("{\"client\":1").find("not a JSON object"), std::string::npos);
  const std::string base = R"("client":1,"id":2,"key":"k","invoked_us":5,"completed_us":9,"ok":true)";
  EXPECT_NE(error("{" + base + R"(,"op":"scan"})").find("field 'op': 'scan' is not get, put or delete"),
            std::string::npos);
  EXPECT_NE(error("{" + base + R"(,"op":"put"})").find("field 'version': missing for a successful write"),
            std::string::npos);
  EXPECT_NE(error("{" + base + R"(,"op":"put","version":"x"})").find("field 'version': 'x' is not"), std::string::npos);
  EXPECT_NE(error("{" + base + R"(,"op":"get","colour":"red"})").find("field 'colour': unknown field"),
            std::string::npos);
  EXPECT_NE(error(R"({"client":1,"id":2,"op":"get","key":"k","invoked_us":9,"completed_us":5,"ok":true})")
                .find("field 'completed_us': earlier than invoked_us"),
            std::string::npos);
  EXPECT_NE(error(R"({"client":-1,"id":2,"op":"get","key":"k","invoked_us":1,"completed_us":5,"ok":true})")
                .find("field 'client'"),
            std::string::npos);
  EXPECT_NE(error(R"({"id":2,"op":"get","key":"k","invoked_us":1,"completed_us":5,"ok":true})")
                .find("field 'client': missing"),
            std::string::npos);
  EXPECT_TRUE(parseRecordedOperation("{" + base + R"(,"op":"get","found":false})"));
}

TEST(HistoryFileTest, AFileErrorNamesTheLine) {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("ringlab-history-" + std::to_string(::getpid()) + ".jsonl")).string();
  {
    std::ofstream out(path);
    out << formatRecordedOperation(write(1, "k", Version{10, 0, 1}, "a", 0)) << "\n\n";
    out << "{\"client\":1}\n";
  }
  auto history = readRecordedHistory(path);
  ASSERT_FALSE(history);
  EXPECT_EQ(history.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(history.status().message().find(path + ":3: field 'id': missing"), std::string::npos)
      << history.status().message();
  {
    std::ofstream out(path);
    out << formatRecordedOperation(write(1, "k", Version{10, 0, 1}, "a", 0)) << "\n";
  }
  history = readRecordedHistory(path);
  ASSERT_TRUE(history);
  EXPECT_EQ(history->size(), 1u);
  std::remove(path.c_str());
  EXPECT_EQ(readRecordedHistory(path).status().code(), ErrorCode::kNotFound);
}

TEST(HistoryFileTest, AReadMustReturnAValueAWriteSentWithTheVersionItGot) {
  const Version v1{100, 0, 1}, v2{200, 0, 2}, late{300, 0, 2};
  RecordedOperation failed = write(3, "k", Version{}, "third", 1500);
  failed.entry.result = ErrorCode::kTimeout;
  failed.entry.coordinator = 2;  // n3
  const std::vector<RecordedOperation> history = {
      write(1, "k", v1, "first", 0),       write(2, "k", v2, "second", 1000), failed,
      read(4, "k", v2, "second", 2000),     // right
      read(5, "k", v1, "second", 3000),     // second's value under first's version
      read(6, "k", v1, "nobody", 3000),     // a value no write sent
      read(7, "k", late, "third", 4000),    // the failed write landed, with a version of its coordinator: right
      read(8, "k", v1, "third", 4000),      // the failed write's value under a version n3 did not issue
      read(9, "other", v1, "first", 4000),  // first's value under another key
  };
  const std::vector<ValueMismatch> mismatches = findValueMismatches(history);
  ASSERT_EQ(mismatches.size(), 4u);
  EXPECT_EQ(mismatches[0].readId, 5u);
  EXPECT_EQ(mismatches[0].why, "its write got version " + v2.toString());
  EXPECT_EQ(mismatches[1].readId, 6u);
  EXPECT_EQ(mismatches[1].why, "no write to the key sent this value");
  EXPECT_EQ(mismatches[2].readId, 8u);
  EXPECT_EQ(mismatches[2].why, "its write failed at n3, which did not issue this version");
  EXPECT_EQ(mismatches[3].readId, 9u);
}

TEST(HistoryFileTest, RecordedOperationsFeedTheHistoryChecker) {
  // A read that begins after a write was acknowledged and returns the older version is stale, as in the simulation.
  const Version v1{100, 0, 1}, v2{200, 0, 2};
  const std::vector<RecordedOperation> recorded = {write(1, "k", v1, "a", 0), write(2, "k", v2, "b", 1000),
                                                   read(3, "k", v1, "a", 5000)};
  std::vector<HistoryEntry> entries;
  for (const RecordedOperation& o : recorded) entries.push_back(o.entry);
  FinalReplicaState state;
  state["k"] = ReplicaVersions{{0, 1}, {v2, v2}, {}};
  const HistoryReport report = checkHistory(entries, state);
  EXPECT_EQ(report.staleReads, 1u);
  EXPECT_EQ(report.lostWrites, 0u);
}

}  // namespace
}  // namespace ringlab
