#include <ringlab/ui/challenge_dialog.h>

#include <cmath>
#include <stdexcept>

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

#include <ringlab/sim/scenario_writer.h>

namespace ringlab {

namespace {

QString qs(const std::string& s) { return QString::fromStdString(s); }

QString rangeText(const ChallengeKnob& knob) {
  const auto show = [&](double v) { return qs(formatKnobValue(knob.kind, v)); };
  if (knob.min && knob.max) return QObject::tr("from %1 to %2").arg(show(*knob.min), show(*knob.max));
  if (knob.min) return QObject::tr("at least %1").arg(show(*knob.min));
  if (knob.max) return QObject::tr("at most %1").arg(show(*knob.max));
  return {};
}

}  // namespace

ChallengeDialog::ChallengeDialog(std::shared_ptr<const ScenarioSpec> spec, QString path, QWidget* parent)
    : QDialog(parent), m_spec(std::move(spec)), m_path(std::move(path)) {
  setObjectName(QStringLiteral("challengeDialog"));
  setWindowTitle(tr("Challenge — %1").arg(qs(m_spec->name)));
  resize(720, 520);
  auto* layout = new QVBoxLayout(this);
  auto* task = new QLabel(qs(m_spec->challenge->text), this);
  task->setWordWrap(true);
  QFont big = task->font();
  big.setPointSizeF(big.pointSizeF() * 1.25);
  big.setBold(true);
  task->setFont(big);
  layout->addWidget(task);

  auto* goals = new QLabel(this);
  QStringList goalLines;
  for (const Expectation& goal : m_spec->challenge->goals) {
    goalLines << QStringLiteral("%1 %2").arg(qs(std::string(expectMetricName(goal.metric))),
                                             qs(formatRequired(goal.metric, goal.min, goal.max)));
  }
  goals->setText(tr("Goals: %1").arg(goalLines.join(QStringLiteral("; "))));
  goals->setWordWrap(true);
  layout->addWidget(goals);

  auto* form = new QFormLayout;
  for (const ChallengeKnob& knob : m_spec->challenge->knobs) {
    Knob k;
    k.knob = knob;
    const KnobInfo* info = findChallengeKnob(knob.path);
    k.initial = info ? qs(knobValue(*m_spec, *info)) : QString();
    switch (knob.kind) {
      case KnobKind::kInteger: {
        auto* spin = new QSpinBox(this);
        spin->setRange(knob.min ? static_cast<int>(*knob.min) : 0, knob.max ? static_cast<int>(*knob.max) : 100000);
        spin->setValue(k.initial.toInt());
        k.widget = spin;
        break;
      }
      case KnobKind::kBoolean: {
        auto* box = new QCheckBox(tr("on"), this);
        box->setChecked(k.initial == QStringLiteral("true"));
        k.widget = box;
        break;
      }
      case KnobKind::kChoice: {
        auto* combo = new QComboBox(this);
        for (const std::string& c : knob.choices) combo->addItem(qs(c));
        combo->setCurrentText(k.initial);
        k.widget = combo;
        break;
      }
      case KnobKind::kDuration:
      case KnobKind::kRate: {
        auto* edit = new QLineEdit(k.initial, this);
        edit->setPlaceholderText(knob.kind == KnobKind::kDuration ? tr("e.g. 250ms") : tr("e.g. 2000/s"));
        k.widget = edit;
        break;
      }
    }
    k.widget->setObjectName(QString::fromStdString(knob.path));
    const QString range = rangeText(knob);
    form->addRow(range.isEmpty() ? qs(knob.label) : tr("%1 (%2)").arg(qs(knob.label), range), k.widget);
    m_knobs.push_back(std::move(k));
  }
  layout->addLayout(form);

  auto* runRow = new QHBoxLayout;
  m_runButton = new QPushButton(tr("&Run and grade"), this);
  m_runButton->setDefault(true);
  m_progress = new QProgressBar(this);
  m_progress->setRange(0, 100);
  m_progress->setValue(0);
  runRow->addWidget(m_runButton);
  runRow->addWidget(m_progress, 1);
  layout->addLayout(runRow);
  m_status = new QLabel(tr("Set the knobs, then run: the lesson runs with your settings as fast as it can."), this);
  m_status->setWordWrap(true);
  layout->addWidget(m_status);

  m_table = new QTableWidget(0, 5, this);
  m_table->setObjectName(QStringLiteral("challengeGrade"));
  m_table->setHorizontalHeaderLabels({tr("Goal"), tr("Measured"), tr("Required"), tr("Result"), tr("Look at")});
  m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  m_table->horizontalHeader()->setStretchLastSection(true);
  m_table->verticalHeader()->setVisible(false);
  m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  layout->addWidget(m_table, 1);

  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
  layout->addWidget(buttons);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(m_runButton, &QPushButton::clicked, this, &ChallengeDialog::run);
}

ChallengeDialog::~ChallengeDialog() {
  *m_alive = false;
  join();
}

void ChallengeDialog::join() {
  if (m_thread.joinable()) m_thread.join();
}

std::vector<ScenarioOverride> ChallengeDialog::settings() const {
  // The scenario shown may itself be a student's run (read with overrides): those stay unless a knob changes them.
  std::vector<ScenarioOverride> out = m_spec->overrides;
  for (const Knob& k : m_knobs) {
    QString value;
    if (auto* spin = qobject_cast<QSpinBox*>(k.widget)) value = QString::number(spin->value());
    else if (auto* box = qobject_cast<QCheckBox*>(k.widget)) value = box->isChecked() ? QStringLiteral("true") : QStringLiteral("false");
    else if (auto* combo = qobject_cast<QComboBox*>(k.widget)) value = combo->currentText();
    else if (auto* edit = qobject_cast<QLineEdit*>(k.widget)) value = edit->text().trimmed();
    if (value == k.initial) continue;
    std::erase_if(out, [&](const ScenarioOverride& o) { return o.path == k.knob.path; });
    out.push_back(ScenarioOverride{k.knob.path, value.toStdString()});
  }
  return out;
}

QString ChallengeDialog::statusText() const { return m_status->text(); }

bool ChallengeDialog::setKnob(const QString& path, const QString& value) {
  for (Knob& k : m_knobs) {
    if (QString::fromStdString(k.knob.path) != path) continue;
    if (auto* spin = qobject_cast<QSpinBox*>(k.widget)) {
      bool ok = false;
      const int v = value.toInt(&ok);
      if (!ok || v < spin->minimum() || v > spin->maximum()) return false;
      spin->setValue(v);
    } else if (auto* box = qobject_cast<QCheckBox*>(k.widget)) {
      box->setChecked(value == QStringLiteral("true"));
    } else if (auto* combo = qobject_cast<QComboBox*>(k.widget)) {
      if (combo->findText(value) < 0) return false;
      combo->setCurrentText(value);
    } else if (auto* edit = qobject_cast<QLineEdit*>(k.widget)) {
      edit->setText(value);
    }
    return true;
  }
  return false;
}

bool ChallengeDialog::run() {
  if (running()) return false;
  join();
  const std::vector<ScenarioOverride> overrides = settings();
  for (const ScenarioOverride& o : overrides) {
    for (const Knob& k : m_knobs) {
      if (k.knob.path != o.path) continue;
      if (const std::string problem = checkKnobValue(k.knob, o.value); !problem.empty()) {
        m_status->setText(tr("<span style='color:#e03131'>%1</span>").arg(qs(problem).toHtmlEscaped()));
        return false;
      }
    }
  }
  Result<ScenarioSpec> spec = m_path.isEmpty() ? parseScenario(writeScenario(*m_spec), m_spec->sourceName, overrides)
                                               : loadScenarioFile(m_path.toStdString(), overrides);
  if (!spec) {
    m_status->setText(tr("<span style='color:#e03131'>%1</span>").arg(qs(spec.status().message()).toHtmlEscaped()));
    return false;
  }
  auto shared = std::make_shared<const ScenarioSpec>(std::move(*spec));
  m_grade.reset();
  m_table->setRowCount(0);
  m_progress->setValue(0);
  m_runButton->setEnabled(false);
  QStringList changed;
  for (const ScenarioOverride& o : overrides) changed << qs(formatOverride(o));
  m_status->setText(changed.isEmpty() ? tr("Running the lesson as it starts…")
                                      : tr("Running with %1…").arg(changed.join(QStringLiteral(", "))));
  m_done = false;
  const int generation = ++m_generation;
  m_thread = std::thread([this, shared, alive = m_alive, generation] {
    int lastPercent = -1;
    ChallengeRun run = runChallenge(*shared, [&](double fraction, bool quiescing) {
      if (!*alive) throw std::runtime_error("cancelled");  // the dialog is closing: stop the run
      const int percent = quiescing ? 90 + static_cast<int>(10 * std::min(1.0, fraction))
                                    : static_cast<int>(90 * std::min(1.0, fraction));
      if (percent == lastPercent) return;
      lastPercent = percent;
      QMetaObject::invokeMethod(this, [this, percent] { m_progress->setValue(percent); }, Qt::QueuedConnection);
    });
    m_done = true;
    if (!*alive) return;
    QMetaObject::invokeMethod(
        this, [this, shared, run = std::move(run), generation] { finished(shared, run, generation); },
        Qt::QueuedConnection);
  });
  return true;
}

void ChallengeDialog::finished(std::shared_ptr<const ScenarioSpec> spec, ChallengeRun run, int generation) {
  if (generation != m_generation) return;  // a later run has started; its own result follows
  join();
  m_runButton->setEnabled(true);
  m_progress->setValue(100);
  if (!run.grade) {
    m_status->setText(
        tr("<span style='color:#e03131'>The run failed: %1</span>").arg(QString::fromStdString(run.error).toHtmlEscaped()));
    emit graded(false);
    return;
  }
  m_grade = run.grade;
  const ChallengeReport& grade = *m_grade;
  m_table->setRowCount(static_cast<int>(grade.goals.size()));
  for (std::size_t i = 0; i < grade.goals.size(); ++i) {
    const ExpectationResult& goal = grade.goals[i];
    const Expectation& e = goal.expectation;
    const int row = static_cast<int>(i);
    m_table->setItem(row, 0, new QTableWidgetItem(qs(std::string(expectMetricName(e.metric)))));
    m_table->setItem(row, 1, new QTableWidgetItem(qs(formatMetricValue(e.metric, goal.measured))));
    m_table->setItem(row, 2, new QTableWidgetItem(qs(formatRequired(e.metric, e.min, e.max))));
    auto* result = new QTableWidgetItem(goal.passed ? tr("PASS") : tr("FAIL"));
    result->setForeground(goal.passed ? QColor(0x2f, 0x9e, 0x44) : QColor(0xe0, 0x31, 0x31));
    QFont bold = result->font();
    bold.setBold(true);
    result->setFont(bold);
    m_table->setItem(row, 3, result);
    if (!goal.passed && goal.lookAt) {
      auto* open = new QPushButton(tr("Open %1 in the space-time diagram").arg(qs(goal.lookAtText)), m_table);
      open->setObjectName(QStringLiteral("lookAt%1").arg(row));
      const qint64 at = goal.lookAt->nanos();
      connect(open, &QPushButton::clicked, this, [this, spec, at] { emit openRunRequested(spec, at); });
      m_table->setCellWidget(row, 4, open);
    } else {
      m_table->setItem(row, 4, new QTableWidgetItem(goal.passed ? QString() : tr("(no single operation to show)")));
    }
  }
  m_table->resizeColumnsToContents();
  QString text = grade.passed ? tr("<b style='color:#2f9e44'>Challenge met.</b> Every goal holds.")
                              : tr("<b style='color:#e03131'>Not yet.</b> Look at the first failure, change a knob "
                                   "and run again.");
  for (const std::string& problem : grade.problems) text += QStringLiteral("<br>") + qs(problem).toHtmlEscaped();
  m_status->setText(text);
  emit graded(grade.passed);
}

QString ChallengeDialog::gradeText() const {
  QStringList lines;
  for (int row = 0; row < m_table->rowCount(); ++row) {
    QStringList cells;
    for (int col = 0; col < 4; ++col) cells << (m_table->item(row, col) ? m_table->item(row, col)->text() : QString());
    lines << cells.join(QStringLiteral(" | "));
  }
  return lines.join(QLatin1Char('\n'));
}

}  // namespace ringlab
