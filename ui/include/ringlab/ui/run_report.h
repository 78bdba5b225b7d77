// The end-of-run report as a person reads it in the app: the JSON report of a scenario run (formatScenarioJson)
// turned into HTML tables — expectations, operations with their latency percentiles, consistency, messages by kind.
//
// Thread-safety: pure functions; any thread.
#pragma once

#include <QByteArray>
#include <QString>

namespace ringlab {

// HTML for a QTextBrowser. On JSON that does not parse, a paragraph saying so (never throws).
QString runReportHtml(const QByteArray& json);

}  // namespace ringlab
