#pragma once
// Fault campaigns over many seeds: `ringlab-sim campaign --seeds A..B` runs every seed of a range, or one shard of
// it, on worker processes (the program itself, replaying one seed each), and `ringlab-sim campaign-merge` combines
// the JSON results of shards run on other machines. A seed whose worker crashes or aborts is a failed seed, never
// the end of the run. The result file format is written down in docs/CAMPAIGNS.md.
//
// Not thread-safe: the runner forks and waits for its own children, and prints to stdout and stderr.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ringlab {

// The seeds A..B (inclusive), parsed from "A..B". Returns std::nullopt for anything else (A > B, no "..", a sign).
// Callers refuse the one range whose size does not fit 64 bits, 0..18446744073709551615.
struct SeedRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
};
std::optional<SeedRange> parseSeedRange(std::string_view text);

// The I-th (1-based) of K disjoint slices of a seed range: the seeds s with (s - first) % count == index - 1.
struct Shard {
  std::uint64_t index = 1;
  std::uint64_t count = 1;
};
// "I/K" with 1 <= I <= K; std::nullopt otherwise.
std::optional<Shard> parseShard(std::string_view text);
// How many seeds of `range` the shard holds.
std::uint64_t shardSize(SeedRange range, Shard shard);
// Whether `seed` is in the shard's slice of `range`.
bool inShard(SeedRange range, Shard shard, std::uint64_t seed);

struct SeedFailure {
  std::uint64_t seed = 0;
  std::string reason;  // one line: the failed expectations, or how the worker died
};

// What a multi-seed run or a merge of shards found.
struct CampaignResult {
  SeedRange seeds;
  Shard shard;
  std::string conflicts = "lww";
  std::vector<std::string> options;  // the options every seed was replayed with, after --seed N
  std::uint64_t seedsRun = 0;
  std::uint64_t passed = 0;
  std::vector<SeedFailure> failures;  // by seed
  double wallSeconds = 0;
};

struct CampaignBatchOptions {
  std::string program;  // the executable to run for each seed (this program)
  SeedRange seeds;
  Shard shard;
  unsigned jobs = 1;
  std::string conflicts = "lww";
  std::vector<std::string> options;  // forwarded to each worker after "campaign --seed N --quiet"
  bool progress = false;             // draw a progress bar on stderr
};

// Runs every seed of the shard, `jobs` at a time. Never throws for a worker that fails or cannot be started: that
// seed is a failure with the reason.
CampaignResult runCampaignBatch(const CampaignBatchOptions& options);

// The human summary: counts, each failure with its seed and reason, how to replay one, wall time.
std::string formatCampaignSummary(const CampaignResult& result, unsigned jobs);
// The JSON result (docs/CAMPAIGNS.md), one object followed by a newline.
std::string formatCampaignJson(const CampaignResult& result);

// Merges the JSON results in `files`. Returns the merged result (shard 1/1) and, in `problems`, one message per
// malformed or inconsistent file naming the file and what is wrong, and in `missing` the shards no file holds.
// A merge with problems has no meaningful result.
struct CampaignMerge {
  CampaignResult result;
  std::vector<std::string> problems;
  std::vector<std::uint64_t> missingShards;  // 1-based shard indices
  std::uint64_t shardCount = 1;
  double longestWallSeconds = 0;
};
CampaignMerge mergeCampaignResults(const std::vector<std::string>& files);

}  // namespace ringlab
