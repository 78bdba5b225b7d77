#include <ringlab/ui/models.h>

#include <algorithm>
#include <array>
#include <cmath>

#include <QBrush>
#include <QFileInfo>

#include <ringlab/ui/theme.h>

namespace ringlab {

// --- NodeTableModel

QString shareText(double fraction) {
  const double percent = fraction * 100.0;
  if (percent <= 0) return QStringLiteral("0 %");
  // Two significant digits below 1 %, down to 0.0001 %.
  const int digits = percent >= 1.0 ? 1 : percent >= 0.1 ? 2 : percent >= 0.01 ? 3 : 4;
  return QStringLiteral("%1 %").arg(percent, 0, 'f', digits);
}

QString cpuLoadText(const NodeInfo& node) {
  QString text = QStringLiteral("%1 %").arg(std::round(node.cpuUtilization * 100.0), 0, 'f', 0);
  if (node.cpuFactor != 1.0) text += QObject::tr(" · %1x slower").arg(node.cpuFactor);
  return text;
}

int NodeTableModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(m_nodes.size());
}

int NodeTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : kColumnCount; }

QVariant NodeTableModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
  const NodeInfo& node = m_nodes[static_cast<std::size_t>(index.row())];
  if (role == kNodeIdRole) return static_cast<uint>(node.id);
  if (role == kSortRole) {
    switch (index.column()) {
      case kName: return static_cast<uint>(node.id);
      case kState: {  // by severity: up, changing, doubted, gone
        constexpr std::array<uint, kNodeDisplayStateCount> kRank = {0, 3, 5, 1, 2, 6, 4};  // NodeDisplayState order
        const auto state = static_cast<std::size_t>(node.state);
        return state < kRank.size() ? kRank[state] : 0u;
      }
      case kOwnership: return node.primaryShare;
      case kTokens: return static_cast<qulonglong>(node.tokens);
      case kKeys: return static_cast<qulonglong>(node.keys);
      case kHints: return static_cast<qulonglong>(node.hintsHeld);
      case kCpu: return node.cpuUtilization;
    }
    return {};
  }
  if (role == Qt::DecorationRole && index.column() == kName) return nodeColor(node.id);
  if (role == Qt::ForegroundRole && index.column() == kState) {
    return QBrush(nodeStateColor(node.state, Theme::make(ThemeKind::kLight, false)));
  }
  if (role == Qt::TextAlignmentRole && index.column() >= kOwnership) {
    return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
  }
  if (role == Qt::ToolTipRole && index.column() == kCpu) {
    return tr("Share of its cores busy over the last quarter second%1")
        .arg(node.cpuFactor != 1.0 ? tr("; every message costs it %1 times the normal CPU time").arg(node.cpuFactor)
                                   : QString());
  }
  if (role == Qt::ToolTipRole && index.column() == kState && node.suspectedBy > 0) {
    return tr("%n peer(s) suspect this node", nullptr, static_cast<int>(node.suspectedBy));
  }
  if (role != Qt::DisplayRole) return {};
  switch (index.column()) {
    case kName: return QString::fromStdString(nodeName(node.id));
    case kState: return nodeDisplayStateName(node.state);
    case kOwnership: return shareText(node.primaryShare);
    case kTokens: return static_cast<qulonglong>(node.tokens);
    case kKeys: return static_cast<qulonglong>(node.keys);
    case kHints: return static_cast<qulonglong>(node.hintsHeld);
    case kCpu: return cpuLoadText(node);
  }
  return {};
}

QVariant NodeTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case kName: return tr("Node");
    case kState: return tr("State");
    case kOwnership: return tr("Owns");
    case kTokens: return tr("Tokens");
    case kKeys: return tr("Keys");
    case kHints: return tr("Hints");
    case kCpu: return tr("CPU");
  }
  return {};
}

void NodeTableModel::update(const std::vector<NodeInfo>& nodes) {
  const auto old = static_cast<int>(m_nodes.size());
  const auto now = static_cast<int>(nodes.size());
  if (now < old) {  // a new run with fewer nodes
    beginResetModel();
    m_nodes = nodes;
    endResetModel();
    return;
  }
  if (now > old) {
    beginInsertRows({}, old, now - 1);
    m_nodes.insert(m_nodes.end(), nodes.begin() + old, nodes.end());
    endInsertRows();
  }
  if (old > 0) {
    std::copy(nodes.begin(), nodes.begin() + old, m_nodes.begin());
    emit dataChanged(index(0, 0), index(old - 1, kColumnCount - 1));
  }
}

// --- ScenarioListModel

int ScenarioListModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(m_entries.size());
}

QVariant ScenarioListModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
  const Entry& e = m_entries[static_cast<std::size_t>(index.row())];
  switch (role) {
    case Qt::DisplayRole: return e.title.isEmpty() ? e.fileName : e.title;
    case Qt::ToolTipRole: return e.error.isEmpty() ? e.description : e.error;
    case kPathRole: return e.path;
    case kDescriptionRole: return e.description;
    default: return {};
  }
}

void ScenarioListModel::setFiles(const std::vector<std::filesystem::path>& files) {
  beginResetModel();
  m_entries.clear();
  for (const auto& file : files) {
    Entry e;
    e.path = QString::fromStdString(file.string());
    e.fileName = QString::fromStdString(file.stem().string());
    auto spec = loadScenarioFile(file.string());
    if (spec.isOk()) {
      e.title = QString::fromStdString(spec.value().name);
      e.description = QString::fromStdString(spec.value().description).trimmed();
    } else {
      e.error = QString::fromStdString(spec.status().message());
    }
    m_entries.push_back(std::move(e));
  }
  endResetModel();
}

int ScenarioListModel::rowOf(const QString& fileName) const {
  for (std::size_t i = 0; i < m_entries.size(); ++i)
    if (m_entries[i].fileName == fileName) return static_cast<int>(i);
  return -1;
}

// --- ActionLogModel

int ActionLogModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(m_actions.size());
}

int ActionLogModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : kColumnCount; }

QVariant ActionLogModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
  if (role != Qt::DisplayRole) return {};
  const LoggedAction& a = m_actions[static_cast<std::size_t>(index.row())];
  return index.column() == kTime ? formatVirtualTime(a.atNs) : a.description;
}

QVariant ActionLogModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  return section == kTime ? tr("Time") : tr("Action");
}

void ActionLogModel::append(const LoggedAction& action) {
  const auto row = static_cast<int>(m_actions.size());
  beginInsertRows({}, row, row);
  m_actions.push_back(action);
  endInsertRows();
}

void ActionLogModel::clear() {
  if (m_actions.empty()) return;
  beginResetModel();
  m_actions.clear();
  endResetModel();
}

QString formatVirtualTime(std::int64_t ns) {
  return QStringLiteral("%1 s").arg(static_cast<double>(ns) / 1e9, 0, 'f', 3);
}

ScenarioSpec scenarioWithActions(const ScenarioSpec& spec, const std::vector<LoggedAction>& actions,
                                 std::uint64_t seed) {
  ScenarioSpec out = spec;
  out.cluster.seed = seed;
  for (const LoggedAction& a : actions) {
    TimelineEntry entry = timelineEntry(Duration(a.atNs), a.action);
    // After every entry of the same instant, as the action was taken after the scenario's own.
    auto at = std::upper_bound(out.timeline.begin(), out.timeline.end(), entry.at,
                               [](TimePoint t, const TimelineEntry& e) { return t < e.at; });
    out.timeline.insert(at, std::move(entry));
  }
  return out;
}

}  // namespace ringlab
