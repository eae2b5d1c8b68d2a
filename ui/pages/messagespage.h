#pragma once

#include "core/jetstream/messagebrowser.h"
#include "ui/pages/sessionpage.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTableView;
class QToolButton;

namespace jetdeck {

class MessageViewer;
class StoredMessageModel;

/// A stream's messages, read without a consumer (js::MessageBrowser: STREAM.MSG.GET only), so
/// looking takes nothing from the services that consume the stream: pages from the first
/// message, a sequence, a time ("10m" ago or a date), the newest, or the last message of each
/// subject, with a subject filter; the viewer (text, JSON, hex, headers, metadata); delete a
/// message after a confirmation that names it; copy it as a jetdeck-cli command; publish a
/// copy, edited or not; export the selection as JSON lines. Reads only when asked: nothing
/// polls the stream.
class MessagesPage : public SessionPage {
    Q_OBJECT
public:
    explicit MessagesPage(QWidget* parent = nullptr);
    ~MessagesPage() override;

    /// Reads the current page again (the Refresh button; no timer calls it).
    void refresh() override;

    /// The streams the chooser offers (the streams page's listing).
    void setStreams(const QStringList& names);
    /// Chooses `stream` and reads its first page.
    void openStream(const QString& stream);
    /// Reads the page the form describes (the Read button).
    void readFromForm();
    /// Reads `request` on the chosen stream; previous pages are remembered for Previous.
    void read(const js::BrowseRequest& request);
    void readNext();
    void readPrevious();

    QString stream() const;
    StoredMessageModel* model() const { return m_model; }
    QTableView* view() const { return m_view; }
    MessageViewer* viewer() const { return m_viewer; }
    QString statusText() const;
    /// The last page read (empty before the first).
    const js::BrowsePage& lastPage() const { return m_page; }
    int pagesRead() const { return m_pagesRead; }
    bool hasNext() const;
    bool hasPrevious() const { return !m_history.isEmpty(); }

    // The actions, reachable from tests; the buttons and the context menu call them.
    /// Asks first (naming stream, sequence and subject) unless `confirmed`.
    void deleteMessage(quint64 seq, bool confirmed = false);
    /// `jetdeck-cli -s URL stream get STREAM --seq N`: reads the message again from a shell.
    QString getCommand(quint64 seq) const;
    /// `jetdeck-cli -s URL pub SUBJECT 'PAYLOAD' --header K:V ...`: publishes it again; empty
    /// when the payload cannot be given on a command line (not UTF-8, or a NUL byte).
    QString pubCommand(quint64 seq) const;
    /// Publishes `payload` with the message's headers (unless `withHeaders` is false) to
    /// `subject`; the status line says when the server has it, or why not.
    void publishCopy(quint64 seq, const QString& subject, const QByteArray& payload,
                     bool withHeaders = true);
    /// The selected messages (all of the page when none is selected) as JSON lines.
    Status exportSelection(const QString& path) const;
    /// Sequences of the selected rows, ascending.
    QList<quint64> selectedSequences() const;

signals:
    /// A page was read (ok), or the read failed (the status line says why).
    void pageRead(bool ok);
    /// A delete, a publish or an export finished.
    void actionFinished(bool ok, const QString& message);

protected:
    void connectionChanged(const std::shared_ptr<ConnectionThread>& connection) override;

private:
    /// Reads `request` on `stream` (the chosen one for read(); the shown one for paging and
    /// refresh, whatever the chooser holds meanwhile).
    void readPage(const QString& stream, const js::BrowseRequest& request);
    const js::StoredMessage* messageAt(quint64 seq) const;
    void showSelected();
    void setStatus(const QString& text, bool error);
    void updateForm();
    void updateActions();
    void contextMenu(const QPoint& pos);
    void askPublishCopy(quint64 seq);
    void askExport();
    QString serverArgument() const;

    QComboBox* m_streamCombo;
    QComboBox* m_from;
    QLineEdit* m_seq;
    QLineEdit* m_since;
    QLineEdit* m_subject;
    QSpinBox* m_count;
    QPushButton* m_readButton;
    QToolButton* m_previousButton;
    QToolButton* m_nextButton;
    QToolButton* m_deleteButton;
    QToolButton* m_copyButton;
    QToolButton* m_publishButton;
    QToolButton* m_exportButton;
    StoredMessageModel* m_model;
    QTableView* m_view;
    MessageViewer* m_viewer;
    QLabel* m_status;

    QString m_stream; ///< the stream of the page shown
    js::BrowseRequest m_request;
    js::BrowsePage m_page;
    QList<js::BrowseRequest> m_history; ///< the pages before this one, for Previous
    int m_pagesRead = 0;
    quint64 m_generation = 0; ///< a read still under way when another starts reports to nobody
    bool m_reading = false;
};

} // namespace jetdeck
