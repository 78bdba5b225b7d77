// The Prometheus text exposition format (version 0.0.4): the one writer (what a node's /metrics serves) and the one
// strict reader (what the app scrapes and what the tests check), side by side so that they agree.
//
// The reader follows the format's specification and is stricter than Prometheus where the project's own conventions
// are:
//  - a line is a comment ("# HELP name text", "# TYPE name type", any other "# ..."), a sample
//    ("name{label="value",...} value [timestamp]") or empty; every line ends with a line feed;
//  - names match [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]* and do not start with "__"; label
//    values escape only backslash, double quote and line feed (\\ \" \n), HELP text only backslash and line feed;
//  - values are floats as Go's ParseFloat reads them, or NaN, +Inf, -Inf; a timestamp is an integer;
//  - every family has exactly one HELP and one TYPE, both before its first sample (strict: the format allows
//    families without them);
//  - all lines of a family are contiguous: once another family's line appears, the family is closed;
//  - no two samples with the same name and label set; no label twice in one sample;
//  - a counter's name ends in _total, and its values are not negative;
//  - a histogram has only _bucket, _sum and _count samples; per label set, every bucket has an le label, the le
//    values ascend strictly with non-decreasing counts and end with +Inf, whose count equals _count; _sum and
//    _count are present. A summary has only its own name (with a quantile label), _sum and _count.
// Pure; thread-safe (no shared state).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ringlab {

// Writes the format one metric family at a time: HELP and TYPE once, then every sample of the family, so that a
// family's lines stay together as the format requires. Every sample carries the constant labels given at
// construction (a node's node="n1"). Labels are given as (name, value) pairs; values are escaped here.
class PrometheusWriter {
 public:
  using Labels = std::vector<std::pair<std::string, std::string>>;

  explicit PrometheusWriter(Labels constantLabels = {});

  // Starts a family; the samples that follow belong to it. `type` is counter, gauge, histogram, summary or untyped.
  void family(std::string_view name, std::string_view type, std::string_view help);
  // A sample of the current family: its name plus `suffix` ("_bucket", "_sum", "_count" for a histogram).
  void sample(std::string_view suffix, const Labels& labels, double value);
  void sample(const Labels& labels, double value) { sample({}, labels, value); }
  // The text written so far; the writer is empty afterwards.
  std::string take();

  // A label value escaped for the format (backslash, double quote, line feed).
  static std::string escapeLabel(std::string_view value);
  // A sample value: the shortest decimal that reads back the same, or NaN, +Inf, -Inf.
  static std::string formatValue(double value);

 private:
  std::string m_constantLabels;  // already formatted, without braces
  std::string m_family;
  std::string m_out;
};

struct PrometheusSample {
  std::string name;                           // with its suffix: "ringlab_operation_duration_seconds_bucket"
  std::map<std::string, std::string> labels;  // unescaped
  double value = 0;

  // The value of label `key`; empty when the sample has none.
  std::string_view label(std::string_view key) const;
};

// What a text holds, and what is wrong with it.
struct PrometheusText {
  std::vector<PrometheusSample> samples;  // every sample line that parsed, in order (also when others did not)
  std::vector<std::pair<std::string, std::string>> families;  // (name, TYPE) in order of appearance
  std::vector<std::string> problems;                          // each "line N: what is wrong"; empty when valid
};

// Reads `text` against the rules above. Never fails: problems are reported in the result.
PrometheusText readPrometheusText(std::string_view text);

}  // namespace ringlab
