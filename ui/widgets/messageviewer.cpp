#include "messageviewer.h"

#include <QFontDatabase>
#include <QHeaderView>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QLabel>
#include <QPlainTextEdit>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>

namespace jetdeck {

namespace {
QPlainTextEdit* readOnlyText(QWidget* parent, bool fixed) {
    auto* e = new QPlainTextEdit(parent);
    e->setReadOnly(true);
    e->setLineWrapMode(fixed ? QPlainTextEdit::NoWrap : QPlainTextEdit::WidgetWidth);
    if (fixed)
        e->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    return e;
}
} // namespace

MessageViewer::MessageViewer(QWidget* parent)
    : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_meta = new QLabel(this);
    m_meta->setObjectName(QStringLiteral("metadata"));
    m_meta->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_meta->setWordWrap(true);
    layout->addWidget(m_meta);
    m_tabs = new QTabWidget(this);
    m_text = readOnlyText(m_tabs, false);
    m_json = readOnlyText(m_tabs, true);
    m_hex = readOnlyText(m_tabs, true);
    m_headers = new QTableWidget(0, 2, m_tabs);
    m_headers->setHorizontalHeaderLabels({tr("Header"), tr("Value")});
    m_headers->horizontalHeader()->setStretchLastSection(true);
    m_headers->verticalHeader()->hide();
    m_headers->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_tabs->addTab(m_text, tr("Text"));
    m_tabs->addTab(m_json, tr("JSON"));
    m_tabs->addTab(m_hex, tr("Hex"));
    m_tabs->addTab(m_headers, tr("Headers"));
    layout->addWidget(m_tabs, 1);
    clear();
}

QString MessageViewer::hexDump(const QByteArray& data, qsizetype limit) {
    QString out;
    const qsizetype n = qMin(data.size(), limit);
    for (qsizetype off = 0; off < n; off += 16) {
        QString hex, ascii;
        for (qsizetype i = off; i < off + 16; ++i) {
            if (i < n) {
                const auto c = static_cast<unsigned char>(data[i]);
                hex += QStringLiteral("%1 ").arg(c, 2, 16, QLatin1Char('0'));
                ascii += (c >= 0x20 && c < 0x7f) ? QLatin1Char(char(c)) : QLatin1Char('.');
            } else {
                hex += QStringLiteral("   ");
            }
            if (i - off == 7)
                hex += QLatin1Char(' ');
        }
        out += QStringLiteral("%1  %2 |%3|\n").arg(off, 8, 16, QLatin1Char('0')).arg(hex, ascii);
    }
    if (data.size() > n)
        out += QObject::tr("... %1 more bytes not shown\n").arg(data.size() - n);
    return out;
}

QString MessageViewer::prettyJson(const QByteArray& data, QString* error) {
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(data, &pe);
    if (pe.error != QJsonParseError::NoError) {
        *error = QObject::tr("Not JSON: %1 at byte %2").arg(pe.errorString()).arg(pe.offset);
        return {};
    }
    return QString::fromUtf8(doc.toJson(QJsonDocument::Indented));
}

void MessageViewer::show(const QString& subject, const Headers& headers, const QByteArray& payload,
                         const QList<QPair<QString, QString>>& metadata) {
    QStringList meta{
        tr("<b>%1</b> — %n byte(s)", nullptr, int(payload.size())).arg(subject.toHtmlEscaped())};
    for (const auto& [k, v] : metadata)
        meta << QStringLiteral("%1: <b>%2</b>").arg(k.toHtmlEscaped(), v.toHtmlEscaped());
    m_meta->setText(meta.join(QStringLiteral(" &nbsp; ")));
    const QString text = QString::fromUtf8(payload);
    const bool binary =
        text.contains(QChar::ReplacementCharacter) ||
        std::any_of(payload.cbegin(), payload.cend(), [](char c) {
            return (static_cast<unsigned char>(c) < 0x20) && c != '\n' && c != '\r' && c != '\t';
        });
    m_text->setPlainText(binary ? tr("(binary payload: see the Hex tab)") : text);
    QString error;
    const QString json = prettyJson(payload, &error);
    m_json->setPlainText(json.isEmpty() ? error : json);
    m_hex->setPlainText(hexDump(payload));
    m_headers->setRowCount(0);
    if (headers.status() != status::None) {
        m_headers->insertRow(0);
        m_headers->setItem(0, 0, new QTableWidgetItem(tr("(status)")));
        m_headers->setItem(
            0, 1,
            new QTableWidgetItem(QStringLiteral("%1 %2")
                                     .arg(headers.status())
                                     .arg(QString::fromUtf8(headers.description()))));
    }
    for (const Headers::Entry& e : headers.entries()) {
        const int row = m_headers->rowCount();
        m_headers->insertRow(row);
        m_headers->setItem(row, 0, new QTableWidgetItem(QString::fromUtf8(e.first)));
        m_headers->setItem(row, 1, new QTableWidgetItem(QString::fromUtf8(e.second)));
    }
    m_tabs->setTabText(HeadersTab, tr("Headers (%1)").arg(m_headers->rowCount()));
    // Open on the most useful view: JSON when it is JSON, hex when it is binary.
    if (!json.isEmpty())
        m_tabs->setCurrentIndex(JsonTab);
    else if (binary)
        m_tabs->setCurrentIndex(HexTab);
    else
        m_tabs->setCurrentIndex(TextTab);
}

void MessageViewer::clear(const QString& why) {
    m_meta->setText(why.isEmpty() ? tr("Select a message to see it here.") : why);
    m_text->clear();
    m_json->clear();
    m_hex->clear();
    m_headers->setRowCount(0);
    m_tabs->setTabText(HeadersTab, tr("Headers"));
}

QString MessageViewer::tabText(Tab tab) const {
    switch (tab) {
    case TextTab:
        return m_text->toPlainText();
    case JsonTab:
        return m_json->toPlainText();
    case HexTab:
        return m_hex->toPlainText();
    case HeadersTab: {
        QStringList lines;
        for (int r = 0; r < m_headers->rowCount(); ++r)
            lines << m_headers->item(r, 0)->text() + QStringLiteral(": ") +
                         m_headers->item(r, 1)->text();
        return lines.join(QLatin1Char('\n'));
    }
    }
    return {};
}

QString MessageViewer::metadataText() const {
    return m_meta->text();
}

} // namespace jetdeck
