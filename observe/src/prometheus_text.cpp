#include <ringlab/observe/prometheus_text.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <set>

namespace ringlab {

PrometheusWriter::PrometheusWriter(Labels constantLabels) {
  for (const auto& [name, value] : constantLabels) {
    if (!m_constantLabels.empty()) m_constantLabels += ',';
    m_constantLabels += name + "=\"" + escapeLabel(value) + "\"";
  }
}

void PrometheusWriter::family(std::string_view name, std::string_view type, std::string_view help) {
  m_family = name;
  m_out += "# HELP ";
  m_out += name;
  m_out += ' ';
  for (char c : help) {
    if (c == '\\') {
      m_out += "\\\\";
    } else if (c == '\n') {
      m_out += "\\n";
    } else {
      m_out += c;
    }
  }
  m_out += "\n# TYPE ";
  m_out += name;
  m_out += ' ';
  m_out += type;
  m_out += '\n';
}

void PrometheusWriter::sample(std::string_view suffix, const Labels& labels, double value) {
  m_out += m_family;
  m_out += suffix;
  std::string all = m_constantLabels;
  for (const auto& [name, labelValue] : labels) {
    if (!all.empty()) all += ',';
    all += name + "=\"" + escapeLabel(labelValue) + "\"";
  }
  if (!all.empty()) {
    m_out += '{';
    m_out += all;
    m_out += '}';
  }
  m_out += ' ';
  m_out += formatValue(value);
  m_out += '\n';
}

std::string PrometheusWriter::take() { return std::exchange(m_out, {}); }

std::string PrometheusWriter::escapeLabel(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string PrometheusWriter::formatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[64];
  auto [ptr, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, ptr);
}

std::string_view PrometheusSample::label(std::string_view key) const {
  const auto it = labels.find(std::string(key));
  return it == labels.end() ? std::string_view() : std::string_view(it->second);
}

namespace {

class Reader {
 public:
  static PrometheusText read(std::string_view text) {
    Reader reader;
    reader.run(text);
    return reader.take();
  }

 private:
  PrometheusText take() {
    PrometheusText out;
    out.samples = std::move(m_samples);
    out.problems = std::move(m_problems);
    for (const std::string& name : m_order) out.families.emplace_back(name, m_families[name].type);
    return out;
  }

 private:
  struct Histogram {
    std::vector<std::pair<double, double>> buckets;  // (le, count) in order of appearance
    std::optional<double> count;
    bool sum = false;
    std::size_t line = 0;
  };
  struct Family {
    std::string type;
    bool help = false;
    bool typed = false;
    bool hasSamples = false;
    std::map<std::string, Histogram> histograms;  // by label set without le
  };

  void problem(const std::string& what) { m_problems.push_back("line " + std::to_string(m_line) + ": " + what); }

  static bool isNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
  static bool isDigit(char c) { return c >= '0' && c <= '9'; }
  static bool validMetricName(std::string_view name) {
    if (name.empty() || !(isNameStart(name[0]) || name[0] == ':')) return false;
    for (char c : name) {
      if (!(isNameStart(c) || isDigit(c) || c == ':')) return false;
    }
    return true;
  }
  static bool validLabelName(std::string_view name) {
    if (name.empty() || !isNameStart(name[0])) return false;
    for (char c : name) {
      if (!(isNameStart(c) || isDigit(c))) return false;
    }
    return true;
  }
  static bool endsWith(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
  }

  // A float as Go's strconv.ParseFloat reads it (decimal; the spec's exposition forms), or NaN / +Inf / -Inf.
  static std::optional<double> parseValue(std::string_view text) {
    if (text == "NaN") return std::nan("");
    if (text == "+Inf" || text == "Inf") return HUGE_VAL;
    if (text == "-Inf") return -HUGE_VAL;
    std::size_t i = 0;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    std::size_t digits = 0;
    while (i < text.size() && isDigit(text[i])) ++i, ++digits;
    if (i < text.size() && text[i] == '.') {
      ++i;
      while (i < text.size() && isDigit(text[i])) ++i, ++digits;
    }
    if (digits == 0) return std::nullopt;
    if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
      ++i;
      if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
      std::size_t exponent = 0;
      while (i < text.size() && isDigit(text[i])) ++i, ++exponent;
      if (exponent == 0) return std::nullopt;
    }
    if (i != text.size()) return std::nullopt;
    return std::strtod(std::string(text).c_str(), nullptr);
  }

  // The family a sample name belongs to, given the TYPEs declared so far.
  std::string familyOf(const std::string& name) {
    for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
      if (!endsWith(name, suffix)) continue;
      const std::string base = name.substr(0, name.size() - suffix.size());
      const auto it = m_families.find(base);
      if (it == m_families.end()) continue;
      if (it->second.type == "histogram") return base;
      if (it->second.type == "summary" && suffix != "_bucket") return base;
    }
    return name;
  }

  // Enters `name`'s family: an error when the family was closed by another family's lines.
  Family& enter(const std::string& name) {
    if (name != m_current) {
      if (m_closed.count(name)) problem("the lines of family '" + name + "' are not contiguous");
      if (!m_current.empty()) m_closed.insert(m_current);
      m_current = name;
      if (!m_families.count(name)) m_order.push_back(name);
    }
    return m_families[name];
  }

  void run(std::string_view text) {
    if (!text.empty() && text.back() != '\n') {
      m_line = 1 + static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
      problem("the text does not end with a line feed");
    }
    std::size_t begin = 0;
    m_line = 0;
    while (begin < text.size()) {
      ++m_line;
      std::size_t end = text.find('\n', begin);
      if (end == std::string_view::npos) end = text.size();
      const std::string_view line = text.substr(begin, end - begin);
      begin = end + 1;
      if (line.empty()) continue;
      if (line[0] == '#') {
        comment(line);
      } else {
        sample(line);
      }
    }
    finishHistograms();
  }

  void comment(std::string_view line) {
    std::string_view rest = line.substr(1);
    if (rest.empty() || rest[0] != ' ') return;  // a plain comment
    rest = rest.substr(1);
    const bool isHelp = rest.starts_with("HELP ");
    const bool isType = rest.starts_with("TYPE ");
    if (!isHelp && !isType) return;  // a plain comment
    rest = rest.substr(5);
    const auto space = rest.find(' ');
    const std::string name(rest.substr(0, space));
    const std::string_view value = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
    if (!validMetricName(name)) {
      problem("'" + name + "' is not a valid metric name");
      return;
    }
    Family& family = enter(name);
    if (family.hasSamples) problem(std::string(isHelp ? "HELP" : "TYPE") + " of '" + name + "' after its samples");
    if (isHelp) {
      if (family.help) problem("a second HELP for '" + name + "'");
      family.help = true;
      for (std::size_t i = 0; i < value.size(); ++i) {
        if (value[i] != '\\') continue;
        if (i + 1 >= value.size() || (value[i + 1] != '\\' && value[i + 1] != 'n')) {
          problem("HELP of '" + name + "' has an invalid escape (only \\\\ and \\n)");
          break;
        }
        ++i;
      }
      return;
    }
    if (family.typed) problem("a second TYPE for '" + name + "'");
    static const std::set<std::string_view> kTypes = {"counter", "gauge", "histogram", "summary", "untyped"};
    if (!kTypes.count(value)) {
      problem("TYPE of '" + name + "' is '" + std::string(value) +
              "', not counter, gauge, histogram, summary or untyped");
    }
    family.typed = true;
    family.type = std::string(value);
    if (family.type == "counter" && !endsWith(name, "_total")) {
      problem("counter '" + name + "' does not end in _total");
    }
  }

  void sample(std::string_view line) {
    std::size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
    const std::string name(line.substr(0, i));
    if (!validMetricName(name)) {
      problem("'" + name + "' is not a valid metric name");
      return;
    }
    std::map<std::string, std::string> labels;
    if (i < line.size() && line[i] == '{') {
      ++i;
      for (;;) {
        if (i < line.size() && line[i] == '}') {
          ++i;
          break;
        }
        std::size_t start = i;
        while (i < line.size() && line[i] != '=') ++i;
        const std::string labelName(line.substr(start, i - start));
        if (!validLabelName(labelName) || labelName.starts_with("__")) {
          problem("'" + labelName + "' is not a valid label name");
          return;
        }
        if (i + 1 >= line.size() || line[i + 1] != '"') {
          problem("label '" + labelName + "' has no quoted value");
          return;
        }
        i += 2;
        std::string value;
        bool closed = false;
        while (i < line.size()) {
          const char c = line[i++];
          if (c == '"') {
            closed = true;
            break;
          }
          if (c != '\\') {
            value += c;
            continue;
          }
          if (i >= line.size()) break;
          const char escaped = line[i++];
          if (escaped == '\\' || escaped == '"') {
            value += escaped;
          } else if (escaped == 'n') {
            value += '\n';
          } else {
            problem("label '" + labelName + "' has an invalid escape '\\" + std::string(1, escaped) + "'");
            return;
          }
        }
        if (!closed) {
          problem("label '" + labelName + "' has an unterminated value");
          return;
        }
        if (!labels.emplace(labelName, value).second) problem("label '" + labelName + "' appears twice");
        if (i < line.size() && line[i] == ',') {
          ++i;
        } else if (i >= line.size() || line[i] != '}') {
          problem("expected ',' or '}' after label '" + labelName + "'");
          return;
        }
      }
    }
    if (i >= line.size() || line[i] != ' ') {
      problem("expected a space and a value after '" + name + "'");
      return;
    }
    const std::string_view rest = line.substr(i + 1);
    const auto space = rest.find(' ');
    const auto value = parseValue(rest.substr(0, space));
    if (!value) {
      problem("'" + std::string(rest.substr(0, space)) + "' is not a valid sample value");
      return;
    }
    if (space != std::string_view::npos) {
      const std::string_view timestamp = rest.substr(space + 1);
      bool ok = !timestamp.empty();
      for (std::size_t k = 0; k < timestamp.size(); ++k)
        ok = ok && (isDigit(timestamp[k]) || (k == 0 && timestamp[k] == '-'));
      if (!ok) problem("'" + std::string(timestamp) + "' is not a valid timestamp");
    }

    m_samples.push_back(PrometheusSample{name, labels, *value});
    std::string series = name + "{";
    for (const auto& [k, v] : labels) series += k + "=\"" + v + "\",";
    if (!m_series.insert(series + "}").second) problem("duplicate series " + series + "}");

    const std::string familyName = familyOf(name);
    Family& family = enter(familyName);
    family.hasSamples = true;
    if (!family.typed) problem("sample of '" + familyName + "' before (or without) its TYPE");
    if (!family.help) problem("sample of '" + familyName + "' before (or without) its HELP");
    if (family.type == "counter" && !(*value >= 0)) problem("counter '" + name + "' has a negative or NaN value");
    if (family.type == "summary" && name == familyName && !labels.count("quantile")) {
      problem("summary sample '" + name + "' has no quantile label");
    }
    if (family.type != "histogram") return;
    if (name == familyName) {
      problem("histogram '" + familyName + "' has a sample without _bucket, _sum or _count");
      return;
    }
    std::string key;
    for (const auto& [k, v] : labels) {
      if (k != "le") key += k + "=\"" + v + "\",";
    }
    Histogram& histogram = family.histograms[key];
    if (histogram.line == 0) histogram.line = m_line;
    if (endsWith(name, "_bucket")) {
      const auto le = labels.find("le");
      const auto bound = le == labels.end() ? std::nullopt : parseValue(le->second);
      if (!bound || std::isnan(*bound)) {
        problem("bucket of '" + familyName + "' without a valid le label");
        return;
      }
      if (!histogram.buckets.empty()) {
        const auto& [previousLe, previousCount] = histogram.buckets.back();
        if (!(*bound > previousLe)) problem("le of '" + familyName + "' buckets does not ascend");
        if (*value < previousCount) problem("bucket counts of '" + familyName + "' decrease");
      }
      histogram.buckets.emplace_back(*bound, *value);
    } else if (endsWith(name, "_count")) {
      histogram.count = *value;
    } else {
      histogram.sum = true;
    }
  }

  void finishHistograms() {
    for (const auto& [name, family] : m_families) {
      for (const auto& [key, histogram] : family.histograms) {
        m_line = histogram.line;
        const std::string where = "histogram '" + name + "' {" + key + "}";
        if (histogram.buckets.empty() || !std::isinf(histogram.buckets.back().first)) {
          problem(where + " does not end with an le=\"+Inf\" bucket");
        } else if (!histogram.count || histogram.buckets.back().second != *histogram.count) {
          problem(where + ": the +Inf bucket does not equal _count");
        }
        if (!histogram.count) problem(where + " has no _count");
        if (!histogram.sum) problem(where + " has no _sum");
      }
    }
  }

  std::size_t m_line = 0;
  std::vector<std::string> m_problems;
  std::vector<PrometheusSample> m_samples;
  std::map<std::string, Family> m_families;
  std::vector<std::string> m_order;
  std::set<std::string> m_closed;
  std::set<std::string> m_series;
  std::string m_current;
};

}  // namespace

PrometheusText readPrometheusText(std::string_view text) { return Reader::read(text); }

}  // namespace ringlab
