#pragma once

#include "core/client/subscription.h"
#include "core/client/tailsampler.h"
#include "ui/pages/sessionpage.h"

#include <QElapsedTimer>

#include <memory>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSortFilterProxyModel;
class QSpinBox;
class QTableView;
class QTabWidget;
class QTreeWidget;

namespace jetdeck {

class MessageViewer;
class TailModel;

/// Live traffic by hand. Tail: subscribe to a subject (wildcards allowed) and watch it: the
/// rate, the newest N messages in a bounded table with a filter, pause and resume, the viewer.
/// However fast the subject runs the window stays responsive: each tick shows at most a sample
/// (TailSampler) and counts the rest. Request: send one with headers and a timeout, see the
/// reply, its headers and its round trip, and keep a history to send again.
class TailPage : public SessionPage {
    Q_OBJECT
public:
    explicit TailPage(QWidget* parent = nullptr);
    ~TailPage() override;

    void refresh() override;

    // --- tail ---
    /// Subscribes to `subject` (replacing a running tail); InvalidArgument for a bad subject.
    Status startTail(const QString& subject);
    void stopTail();
    void setPaused(bool paused);
    bool isTailing() const { return m_sub != nullptr; }
    bool isPaused() const { return m_paused; }
    TailModel* tailModel() const { return m_model; }
    QSortFilterProxyModel* tailProxy() const { return m_proxy; }
    QTableView* tailView() const { return m_view; }
    MessageViewer* tailViewer() const { return m_viewer; }
    /// Since the tail started: every message that arrived, those left out of the sample (the
    /// table takes at most 1,000 a second), and those that came while paused.
    quint64 arrived() const { return m_arrived; }
    quint64 skipped() const { return m_skipped; }
    quint64 arrivedWhilePaused() const { return m_pausedCount; }
    /// Messages per second over the last ticks.
    double rate() const { return m_rate; }
    QString tailStatus() const;
    /// Draws what the sampler holds (the refresh timer does it every 100 ms while shown).
    void drain();

    // --- request ---
    /// Sends a request; the reply, a timeout or "no responders" lands in the history and the
    /// reply viewer, and requestFinished() follows. `headersText`: "Key: Value" lines.
    void sendRequest(const QString& subject, const QByteArray& payload, const QString& headersText,
                     int timeoutMs);
    QTreeWidget* history() const { return m_history; }
    MessageViewer* replyViewer() const { return m_replyViewer; }
    QString requestStatus() const;
    QTabWidget* tabs() const { return m_tabs; }

signals:
    void requestFinished(bool ok, const QString& summary);

protected:
    void connectionChanged(const std::shared_ptr<ConnectionThread>& connection) override;

private:
    struct Sent {
        QString subject;
        QByteArray payload;
        QString headers;
        int timeoutMs = 0;
        bool ok = false;
        Message reply;
        QString outcome;
        qint64 rttUs = -1;
    };
    void showSelected();
    void setTailStatus(const QString& text, bool error);
    void setRequestStatus(const QString& text, bool error);
    void addHistory(const Sent& sent);

    QTabWidget* m_tabs;
    // tail
    QLineEdit* m_subject;
    QPushButton* m_startButton;
    QPushButton* m_pauseButton;
    QLineEdit* m_filter;
    QSpinBox* m_keep;
    QLabel* m_tailStatus;
    TailModel* m_model;
    QSortFilterProxyModel* m_proxy;
    QTableView* m_view;
    MessageViewer* m_viewer;
    std::shared_ptr<TailSampler> m_sampler;
    SubscriptionPtr m_sub;
    QString m_tailSubject;
    bool m_paused = false;
    quint64 m_arrived = 0;
    quint64 m_skipped = 0;     ///< arrived and left out of the sample
    quint64 m_pausedCount = 0; ///< arrived while paused
    quint64 m_arrivedBytes = 0;
    double m_rate = 0;
    QElapsedTimer m_rateClock;
    // request
    QLineEdit* m_reqSubject;
    QPlainTextEdit* m_reqHeaders;
    QPlainTextEdit* m_reqPayload;
    QSpinBox* m_reqTimeout;
    QPushButton* m_sendButton;
    QLabel* m_reqStatus;
    QTreeWidget* m_history;
    MessageViewer* m_replyViewer;
    QList<Sent> m_sent; ///< newest last, as the history shows them
    int m_inFlight = 0;
};

} // namespace jetdeck
