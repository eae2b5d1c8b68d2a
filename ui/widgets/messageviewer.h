#pragma once

#include "core/protocol/headers.h"

#include <QDateTime>
#include <QWidget>

class QLabel;
class QPlainTextEdit;
class QTabWidget;
class QTableWidget;

namespace jetdeck {

/// One message as an engineer wants to read it: the payload as text, as pretty-printed JSON
/// (or why it is not JSON), and as a hex dump; its headers; and its JetStream metadata.
class MessageViewer : public QWidget {
    Q_OBJECT
public:
    enum Tab { TextTab, JsonTab, HexTab, HeadersTab };

    explicit MessageViewer(QWidget* parent = nullptr);

    /// Metadata lines as (name, value), shown above the tabs.
    void show(const QString& subject, const Headers& headers, const QByteArray& payload,
              const QList<QPair<QString, QString>>& metadata);
    void clear(const QString& why = {});

    /// What a tab shows, for tests.
    QString tabText(Tab tab) const;
    QString metadataText() const;
    QTabWidget* tabs() const { return m_tabs; }

    /// The hex dump of data: offset, 16 bytes in hex, and the printable ASCII.
    static QString hexDump(const QByteArray& data, qsizetype limit = 64 * 1024);
    /// Pretty-printed JSON, or an empty string and *error set.
    static QString prettyJson(const QByteArray& data, QString* error);

private:
    QLabel* m_meta;
    QTabWidget* m_tabs;
    QPlainTextEdit* m_text;
    QPlainTextEdit* m_json;
    QPlainTextEdit* m_hex;
    QTableWidget* m_headers;
};

} // namespace jetdeck
