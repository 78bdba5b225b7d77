#include <ringlab/ui/run_report.h>

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStringList>

namespace ringlab {

namespace {

QString tr(const char* text) { return QCoreApplication::translate("RunReport", text); }

QString number(double v, int decimals = 0) { return QLocale().toString(v, 'f', decimals); }
QString count(const QJsonValue& v) { return QLocale().toString(static_cast<qlonglong>(v.toDouble())); }

QString cell(const QString& text, bool right = false) {
  return right ? QStringLiteral("<td align='right'>%1</td>").arg(text) : QStringLiteral("<td>%1</td>").arg(text);
}

QString header(const QStringList& columns) {
  QString row = QStringLiteral("<tr>");
  bool first = true;
  for (const QString& c : columns) {
    row +=
        first ? QStringLiteral("<th align='left'>%1</th>").arg(c) : QStringLiteral("<th align='right'>%1</th>").arg(c);
    first = false;
  }
  return row + QStringLiteral("</tr>");
}

const QString kTable =
    QStringLiteral("<table cellspacing='0' cellpadding='4' border='1' style='border-collapse: collapse'>");

}  // namespace

QString runReportHtml(const QByteArray& json) {
  QJsonParseError error{};
  const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
  if (error.error != QJsonParseError::NoError || !doc.isObject()) {
    return tr("<p>The report could not be read (%1 at byte %2).</p>")
        .arg(error.errorString().toHtmlEscaped())
        .arg(error.offset);
  }
  const QJsonObject r = doc.object();
  const bool passed = r.value(QStringLiteral("passed")).toBool();
  QString html;
  html += QStringLiteral("<h2>%1</h2>").arg(r.value(QStringLiteral("scenario")).toString().toHtmlEscaped());
  html += tr("<p>Seed %1 · %2 s of virtual time · trace %3 · availability %4 %</p>")
              .arg(count(r.value(QStringLiteral("seed"))))
              .arg(number(r.value(QStringLiteral("duration_s")).toDouble(), 1))
              .arg(r.value(QStringLiteral("trace_hash")).toString())
              .arg(number(r.value(QStringLiteral("availability")).toDouble() * 100, 2));
  html += passed ? tr("<p><b style='color:#2f9e44'>Every expectation holds.</b></p>")
                 : tr("<p><b style='color:#e03131'>Some expectations failed.</b></p>");

  const QJsonArray expectations = r.value(QStringLiteral("expectations")).toArray();
  if (!expectations.isEmpty()) {
    html += tr("<h3>Expectations</h3>") + kTable + header({tr("expectation"), tr("measured"), tr("result")});
    for (const QJsonValue& v : expectations) {
      const QJsonObject e = v.toObject();
      const bool ok = e.value(QStringLiteral("passed")).toBool();
      const QJsonValue measured = e.value(QStringLiteral("measured"));
      html += QStringLiteral("<tr>") + cell(e.value(QStringLiteral("text")).toString().toHtmlEscaped()) +
              cell(measured.isDouble() ? QLocale().toString(measured.toDouble(), 'g', 4) : tr("—"), true) +
              cell(ok ? tr("<span style='color:#2f9e44'>pass</span>") : tr("<b style='color:#e03131'>FAIL</b>"), true) +
              QStringLiteral("</tr>");
    }
    html += QStringLiteral("</table>");
  }

  const QJsonObject operations = r.value(QStringLiteral("operations")).toObject();
  html += tr("<h3>Operations</h3>") + kTable +
          header({tr("operation"), tr("ok"), tr("failed"), tr("ops/s"), tr("p50 ms"), tr("p90 ms"), tr("p99 ms"),
                  tr("p99.9 ms"), tr("max ms"), tr("errors")});
  for (const QString& op : {QStringLiteral("get"), QStringLiteral("put"), QStringLiteral("delete")}) {
    const QJsonObject o = operations.value(op).toObject();
    if (o.isEmpty()) continue;
    const QJsonObject l = o.value(QStringLiteral("latency")).toObject();
    QStringList errors;
    const QJsonObject e = o.value(QStringLiteral("errors")).toObject();
    for (auto it = e.begin(); it != e.end(); ++it) errors << QStringLiteral("%1 %2").arg(it.key(), count(it.value()));
    html += QStringLiteral("<tr>") + cell(op) + cell(count(o.value(QStringLiteral("ok"))), true) +
            cell(count(o.value(QStringLiteral("failed"))), true) +
            cell(number(o.value(QStringLiteral("throughput_per_s")).toDouble()), true);
    for (const char* p : {"p50_ms", "p90_ms", "p99_ms", "p999_ms", "max_ms"})
      html += cell(number(l.value(QLatin1String(p)).toDouble(), 2), true);
    html += cell(errors.join(QStringLiteral(", ")).toHtmlEscaped()) + QStringLiteral("</tr>");
  }
  html += QStringLiteral("</table>");

  const QJsonObject c = r.value(QStringLiteral("consistency")).toObject();
  html += tr("<h3>Consistency</h3>") + kTable + header({tr("measure"), tr("value")});
  const auto row = [&html](const QString& name, const QString& value) {
    html += QStringLiteral("<tr>") + cell(name) + cell(value, true) + QStringLiteral("</tr>");
  };
  row(tr("successful reads"), count(c.value(QStringLiteral("successful_reads"))));
  row(tr("stale reads"), tr("%1 (%2 %)")
                             .arg(count(c.value(QStringLiteral("stale_reads"))))
                             .arg(number(c.value(QStringLiteral("stale_read_rate")).toDouble() * 100, 2)));
  row(tr("acknowledged writes"), count(c.value(QStringLiteral("acknowledged_writes"))));
  row(tr("lost writes"), count(c.value(QStringLiteral("lost_writes"))));
  row(tr("lost updates (last write wins)"), count(c.value(QStringLiteral("lost_updates"))));
  row(tr("keys checked / divergent"), tr("%1 / %2")
                                          .arg(count(c.value(QStringLiteral("keys_checked"))))
                                          .arg(count(c.value(QStringLiteral("divergent_keys")))));
  const QJsonValue convergence = c.value(QStringLiteral("convergence_time_ms"));
  row(tr("converged after the run within"),
      convergence.isDouble() ? tr("%1 ms").arg(number(convergence.toDouble(), 1)) : tr("did not converge"));
  html += QStringLiteral("</table>");

  const QJsonArray updates = c.value(QStringLiteral("lost_update_examples")).toArray();
  if (!updates.isEmpty()) {
    html += tr("<h3>Examples of lost updates</h3>") + kTable +
            header({tr("key"), tr("write"), tr("its version"), tr("overwritten by"), tr("winning version")});
    for (const QJsonValue& v : updates) {
      const QJsonObject u = v.toObject();
      html += QStringLiteral("<tr>") + cell(u.value(QStringLiteral("key")).toString().toHtmlEscaped()) +
              cell(count(u.value(QStringLiteral("write"))), true) +
              cell(u.value(QStringLiteral("version")).toString().toHtmlEscaped(), true) +
              cell(count(u.value(QStringLiteral("superseded_by"))), true) +
              cell(u.value(QStringLiteral("winning_version")).toString().toHtmlEscaped(), true) +
              QStringLiteral("</tr>");
    }
    html += QStringLiteral("</table>");
  }

  const QJsonObject messages = r.value(QStringLiteral("messages")).toObject();
  if (!messages.isEmpty()) {
    html += tr("<h3>Messages</h3>") + kTable +
            header({tr("kind"), tr("sent"), tr("delivered"), tr("dropped"), tr("bytes")});
    for (auto it = messages.begin(); it != messages.end(); ++it) {
      const QJsonObject m = it.value().toObject();
      html += QStringLiteral("<tr>") + cell(it.key().toHtmlEscaped()) +
              cell(count(m.value(QStringLiteral("sent"))), true) +
              cell(count(m.value(QStringLiteral("delivered"))), true) +
              cell(count(m.value(QStringLiteral("dropped"))), true) +
              cell(count(m.value(QStringLiteral("bytes"))), true) + QStringLiteral("</tr>");
    }
    html += QStringLiteral("</table>");
  }
  return html;
}

}  // namespace ringlab
