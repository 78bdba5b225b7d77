// The scenario format's lesson parts: questions (ask), reveals, challenges, lesson information, teacher's notes, and
// the --set overrides applied to the YAML before anything is read.
#include "scenario_parser.h"

namespace ringlab::scenario_detail {

namespace {

std::vector<std::string> splitPath(std::string_view path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = path.find('.', start);
    parts.emplace_back(path.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return parts;
}

// "workload[1].rate" -> "workload.rate": a path as an override names it.
std::string withoutIndexes(std::string_view path) {
  std::string out;
  bool inIndex = false;
  for (char c : path) {
    if (c == '[') inIndex = true;
    if (!inIndex) out += c;
    if (c == ']') inIndex = false;
  }
  return out;
}

}  // namespace

// --- overrides ----------------------------------------------------------------------------------------------------

void ScenarioParser::applyOverrides(YAML::Node root) {
  for (const ScenarioOverride& o : m_overrides) {
    const std::string where = "--set " + formatOverride(o);
    const std::vector<std::string> parts = splitPath(o.path);
    // Each step may fan out: a list of workloads takes the rest of the path in every workload.
    std::vector<YAML::Node> current{root};
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
      std::vector<YAML::Node> next;
      for (YAML::Node node : current) {
        YAML::Node child = node[parts[i]];
        if (child.IsSequence()) {
          for (std::size_t k = 0; k < child.size(); ++k) {
            if (!child[k].IsMap()) {
              throw ScenarioError{fmt::format("{}: '{}' is a list of values, not of mappings", where, parts[i])};
            }
            next.push_back(child[k]);
          }
        } else if (child.IsScalar() && i >= 1 && parts[i - 1] == "mechanisms") {
          // A mechanism written as true/false: its mapping form keeps the same meaning, and takes the setting.
          YAML::Node section(YAML::NodeType::Map);
          section["enabled"] = YAML::Node(child.Scalar());
          node[parts[i]] = section;
          next.push_back(node[parts[i]]);
        } else if (child.IsScalar()) {
          throw ScenarioError{
              fmt::format("{}: '{}' is a value ({}), not a mapping", where, parts[i], quote(child.Scalar()))};
        } else {
          if (!child.IsMap()) node[parts[i]] = YAML::Node(YAML::NodeType::Map);
          next.push_back(node[parts[i]]);
        }
      }
      current = std::move(next);
    }
    YAML::Node value;
    try {
      value = YAML::Load(o.value);
    } catch (const YAML::Exception& e) {
      throw ScenarioError{fmt::format("{}: the value is not YAML: {}", where, e.msg)};
    }
    if (value.IsNull() && !o.value.empty() && o.value != "null" && o.value != "~") value = YAML::Node(o.value);
    for (YAML::Node node : current) node[parts.back()] = value;
  }
}

const ScenarioOverride* ScenarioParser::overrideFor(std::string_view path) const {
  const std::string plain = withoutIndexes(path);
  for (auto it = m_overrides.rbegin(); it != m_overrides.rend(); ++it) {
    // The override's own path, a setting below it, or a key it created on its way (a misspelled one).
    if (plain == it->path || (plain.starts_with(it->path) && plain[it->path.size()] == '.') ||
        (!plain.empty() && it->path.starts_with(plain) && it->path[plain.size()] == '.')) {
      return &*it;
    }
  }
  return nullptr;
}

// --- questions ----------------------------------------------------------------------------------------------------

double ScenarioParser::metricValue(const Field& f, ExpectMetric metric) {
  const ExpectMetricInfo& info = metricInfo(metric);
  if (info.duration) return static_cast<double>(duration(f, Duration{0}, kMaxScenarioDuration).count());
  if (info.fraction) return number(f, 0, 1);
  return number(f, 0, kUnbounded);
}

std::size_t ScenarioParser::parseAsk(const Field& f, TimePoint at) {
  constexpr std::string_view kShape = "a question: a mapping with id, question and choices or measure";
  const MapView m = mapping(f, kAskKeys, kShape);
  Question q;
  q.where = f.at;
  q.askedAt = at;
  const Field& idField = require(m, "id", "a name for the question, as in 'id: stale-share' (reveal names it)");
  q.id = text(idField, true);
  for (const Question& earlier : m_questions) {
    if (earlier.id == q.id) {
      fail(idField.at, idField.path,
           fmt::format("duplicate question id '{}'; it is already asked at line {}", q.id, earlier.where.line));
    }
  }
  q.text = text(require(m, "question", "the question, as in 'question: How many reads will be stale?'"), true);
  if (const Field* h = m.find("hint")) q.hint = text(*h, true);
  if (const Field* e = m.find("explanation")) q.explanation = text(*e, true);
  const Field* measureField = m.find("measure");
  if (measureField) {
    std::array<std::string_view, kExpectMetrics.size()> names{};
    for (std::size_t i = 0; i < kExpectMetrics.size(); ++i) names[i] = kExpectMetrics[i].name;
    const std::string& name = scalar(*measureField, "a metric name such as stale_read_rate");
    q.measure = parseExpectMetric(name);
    if (!q.measure) {
      fail(measureField->at, measureField->path,
           fmt::format("unknown metric{}; expected one of {}", suggestion(name, names), joinNames(names)));
    }
  }
  const Field* choicesField = m.find("choices");
  if (choicesField) {
    const std::vector<Field> items =
        list(*choicesField, "a list of choices, each a text or a mapping such as {text: None, max: 0, correct: true}");
    if (items.size() < 2 || items.size() > 9) {
      failExpected(*choicesField, "from 2 to 9 choices (the app takes them on keys 1 to 9)");
    }
    for (const Field& item : items) {
      QuestionChoice choice;
      if (item.node.IsScalar()) {
        choice.text = text(item, true);
      } else {
        const MapView c = mapping(item, kChoiceKeys, "a choice: a text, or a mapping such as {text: None, max: 0}");
        choice.text = text(require(c, "text", "the choice's text"), true);
        if (const Field* k = c.find("correct")) choice.correct = boolean(*k);
        const Field* minField = c.find("min");
        const Field* maxField = c.find("max");
        if ((minField || maxField) && !q.measure) {
          fail((minField ? minField : maxField)->at, (minField ? minField : maxField)->path,
               "a choice's range needs the question to name a metric ('measure: stale_read_rate')");
        }
        if (minField) choice.min = metricValue(*minField, *q.measure);
        if (maxField) choice.max = metricValue(*maxField, *q.measure);
        if (choice.min && choice.max && *choice.min > *choice.max) {
          failExpected(*maxField, fmt::format("a maximum no smaller than min ({})", minField->node.Scalar()));
        }
      }
      if (q.measure && !choice.min && !choice.max) {
        fail(item.at, item.path,
             fmt::format("expected a range of {} for which this choice is right ({{min: ..}}, {{max: ..}} or "
                         "both): a question that measures is graded by what the run measured",
                         expectMetricName(*q.measure)));
      }
      q.choices.push_back(std::move(choice));
    }
    const auto marked = std::count_if(q.choices.begin(), q.choices.end(), [](const auto& c) { return c.correct; });
    if (marked != 1) {
      fail(choicesField->at, choicesField->path,
           fmt::format("expected exactly one choice marked 'correct: true' (the lesson's answer), got {}", marked));
    }
    for (const char* numberKey : {"answer", "tolerance"}) {
      if (const Field* k = m.find(numberKey)) {
        fail(k->at, k->path, "only applies to a question answered with a number (one without choices)");
      }
    }
  } else {
    if (!q.measure) {
      fail(f.at, f.path,
           "expected 'choices' (a multiple-choice question) or 'measure' (a question answered with a number)");
    }
    q.answer = metricValue(require(m, "answer", "the lesson's answer, as in 'answer: 0.05'"), *q.measure);
    q.tolerance = metricValue(
        require(m, "tolerance", "how far from the measured value an answer may be, as in 'tolerance: 0.02'"),
        *q.measure);
  }
  m_questions.push_back(std::move(q));
  m_questionFields.push_back(f);
  return m_questions.size() - 1;
}

std::vector<std::string> ScenarioParser::parseRevealNames(const Field& f) {
  std::vector<std::string> names;
  if (f.node.IsSequence()) {
    for (const Field& item : list(f, "a question id, or a list of them")) names.push_back(text(item, true));
  } else {
    names.push_back(text(f, true));
  }
  return names;
}

// Links reveals to their questions once every entry is parsed and sorted (a reveal comes after its question).
void ScenarioParser::resolveReveals(std::vector<PendingEntry*>& entries) {
  std::vector<bool> revealed(m_questions.size(), false);
  for (PendingEntry* p : entries) {
    for (std::size_t i = 0; i < p->revealNames.size(); ++i) {
      const std::string& name = p->revealNames[i];
      const Field& field = p->revealFields[i];
      const auto it = std::find_if(m_questions.begin(), m_questions.end(), [&](const Question& q) { return q.id == name; });
      if (it == m_questions.end()) {
        std::vector<std::string_view> ids;
        for (const Question& q : m_questions) ids.push_back(q.id);
        fail(field.at, field.path,
             fmt::format("no question has the id '{}'{}", name,
                         ids.empty() ? std::string(" (no step asks one)") : "; expected one of " + joinNames(ids)));
      }
      const std::size_t index = static_cast<std::size_t>(it - m_questions.begin());
      if (revealed[index]) fail(field.at, field.path, fmt::format("question '{}' is already revealed", name));
      if (p->entry.at <= it->askedAt) {
        fail(field.at, field.path,
             fmt::format("a reveal comes after its question, which is asked at {}",
                         formatScenarioDuration(it->askedAt.sinceStart)));
      }
      if (it->measure && !isWindowMetric(*it->measure)) {
        fail(field.at, field.path,
             fmt::format("{} {}, so its question is revealed at the end: leave out this reveal",
                         expectMetricName(*it->measure),
                         *it->measure == ExpectMetric::kDetectionTime ? "is measured over the whole run's crashes"
                                                                      : "needs the replicas' state after the run"));
      }
      revealed[index] = true;
      it->revealAt = p->entry.at;
      p->entry.reveals.push_back(index);
    }
  }
}

// --- challenges and lessons ---------------------------------------------------------------------------------------

Challenge ScenarioParser::parseChallenge(const Field& f) {
  const MapView m = mapping(f, kChallengeKeys, "a challenge: a mapping with text, knobs and goals");
  Challenge c;
  c.where = f.at;
  c.text = text(require(m, "text", "the task, as the student reads it"), true);
  const Field& knobsField = require(m, "knobs", "the settings the student may change, as in [{set: cluster.replication.r}]");
  std::vector<std::string_view> knobNames;
  for (const KnobInfo& info : challengeKnobs()) knobNames.push_back(info.path);
  for (const Field& item : list(knobsField, "a list of knobs such as {set: cluster.replication.r, min: 1, max: 3}")) {
    const MapView k = mapping(item, kKnobKeys, "a knob such as {set: cluster.replication.r, min: 1, max: 3}");
    const Field& setField = require(k, "set", "the setting's path, as in 'set: cluster.replication.r'");
    const std::string& path = scalar(setField, "a setting's path");
    const KnobInfo* info = findChallengeKnob(path);
    if (info == nullptr) {
      fail(setField.at, setField.path,
           fmt::format("not a setting a challenge can offer{}; expected one of {}", suggestion(path, knobNames),
                       joinNames(knobNames)));
    }
    for (const ChallengeKnob& earlier : c.knobs) {
      if (earlier.path == path) fail(setField.at, setField.path, "this setting is already a knob");
    }
    ChallengeKnob knob;
    knob.path = std::string(info->path);
    knob.label = std::string(info->label);
    knob.kind = info->kind;
    if (const Field* l = k.find("label")) knob.label = text(*l, true);
    const Field* minField = k.find("min");
    const Field* maxField = k.find("max");
    const auto value = [&](const Field& v) -> double {
      switch (info->kind) {
        case KnobKind::kInteger: return static_cast<double>(integer(v, 0, 1'000'000));
        case KnobKind::kDuration: return static_cast<double>(duration(v, Duration{0}, kOneHour).count());
        case KnobKind::kRate: return rate(v);
        case KnobKind::kBoolean:
        case KnobKind::kChoice: break;
      }
      fail(v.at, v.path, "only applies to a knob that takes a number, a duration or a rate");
    };
    if (minField) knob.min = value(*minField);
    if (maxField) knob.max = value(*maxField);
    if (knob.min && knob.max && *knob.min > *knob.max) {
      failExpected(*maxField, fmt::format("a maximum no smaller than min ({})", minField->node.Scalar()));
    }
    if (info->kind == KnobKind::kChoice) {
      if (const Field* choices = k.find("choices")) {
        for (const Field& choice : list(*choices, "a list of the values allowed")) {
          const std::string& v = scalar(choice, "a value");
          if (std::find(info->choices.begin(), info->choices.end(), v) == info->choices.end()) {
            failExpected(choice, fmt::format("one of {}", joinNames(info->choices)));
          }
          knob.choices.push_back(v);
        }
      } else {
        for (std::string_view v : info->choices) knob.choices.emplace_back(v);
      }
    } else if (const Field* choices = k.find("choices")) {
      fail(choices->at, choices->path, "only applies to a knob with named values (cluster.conflicts)");
    }
    c.knobs.push_back(std::move(knob));
  }
  if (c.knobs.empty()) failExpected(knobsField, "at least one knob");
  parseExpectations(require(m, "goals", "what a run must meet, as in {availability: 0.999, stale_reads: 0}"), c.goals);
  if (c.goals.empty()) fail(f.at, child(f.path, "goals"), "expected at least one goal");
  if (const Field* s = m.find("solution")) {
    const MapView sm = anyKeyMapping(*s, "a mapping from knob paths to values, as in {cluster.replication.r: 2}");
    for (const MapEntry& entry : sm.entries) {
      const auto knob = std::find_if(c.knobs.begin(), c.knobs.end(), [&](const auto& k) { return k.path == entry.key; });
      if (knob == c.knobs.end()) {
        std::vector<std::string_view> paths;
        for (const ChallengeKnob& k : c.knobs) paths.push_back(k.path);
        fail(entry.keyAt, entry.value.path, fmt::format("not a knob of this challenge; expected one of {}", joinNames(paths)));
      }
      const std::string& v = scalar(entry.value, "a value for the knob");
      if (const std::string problem = checkKnobValue(*knob, v); !problem.empty()) {
        fail(entry.value.at, entry.value.path, problem);
      }
      c.solution.push_back(ScenarioOverride{entry.key, v});
    }
  }
  return c;
}

LessonInfo ScenarioParser::parseLesson(const Field& f) {
  const MapView m = mapping(f, kLessonKeys, "a mapping such as {teaches: Consistent hashing, minutes: 5}");
  LessonInfo lesson;
  lesson.teaches = text(require(m, "teaches", "the concept the lesson teaches, as in 'teaches: Consistent hashing'"), true);
  if (const Field* mins = m.find("minutes")) lesson.minutes = static_cast<int>(integer(*mins, 1, 120));
  if (const Field* s = m.find("summary")) lesson.summary = text(*s, true);
  return lesson;
}

}  // namespace ringlab::scenario_detail
