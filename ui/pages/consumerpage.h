#pragma once

#include "core/jetstream/consumermonitor.h"
#include "core/jetstream/pullconsumer.h"
#include "ui/models/fetchedmessagemodel.h"
#include "ui/pages/sessionpage.h"

#include <QSet>

#include <memory>

class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QSpinBox;
class QTableView;

namespace jetdeck {

class ConsumerCharts;
class MessageViewer;

/// One durable consumer up close: its live numbers (CONSUMER.INFO every second), pending and
/// ack pending over time, the delivery-count histogram, redeliveries per second by cause
/// (after a NAK, after AckWait ran out), the messages that hit MaxDeliver or were terminated,
/// processing P95 and backpressure; and the hands-on part: fetch N messages from a pull
/// consumer, read them (text, JSON, hex, headers, metadata), and ack, NAK, mark in progress or
/// terminate them. The consumer stays open across the session's connections; its monitor keeps
/// polling while the page is hidden (the charts' history), the page draws only while shown.
class ConsumerPage : public SessionPage {
    Q_OBJECT
public:
    explicit ConsumerPage(QWidget* parent = nullptr);
    ~ConsumerPage() override;

    /// The consumers the chooser offers (stream, consumer), e.g. from the streams page.
    void setConsumers(const QList<QPair<QString, QString>>& consumers);
    /// Shows this consumer (polls its info, draws its history, enables fetch for pull).
    void openConsumer(const QString& stream, const QString& consumer);
    QString stream() const { return m_stream; }
    QString consumer() const { return m_consumer; }

    /// Fetches up to `count` messages (waiting up to expiresMs) on a worker thread; fetched()
    /// follows. False (and the reason shown) when fetching is not possible now.
    bool fetch(int count, int expiresMs = 2000);
    /// Answers the selected messages (all pending ones when none is selected).
    void answerSelected(js::AckKind kind);
    /// How a NAK asks for its redelivery: at once (nullopt and no delay), after a fixed delay,
    /// or after a delay that grows with the message's delivery count (the backoff).
    void setNakDelay(qint64 ms);
    void setNakBackoff(const js::NakDelayPolicy& policy);
    std::optional<js::NakDelayPolicy> nakBackoff() const;
    bool isFetching() const { return m_fetching; }
    /// Asks the server to sample `percent` of this consumer's acks (sample_freq; 0 stops it):
    /// every worker's processing time then reaches the page ("All workers P95"), at the cost of
    /// one small message per sampled ack. Asks first unless `confirmed`; samplingChanged()
    /// follows.
    void setAckSampling(int percent, bool confirmed = false);

    FetchedMessageModel* messages() const { return m_messages; }
    QTableView* messageView() const { return m_view; }
    MessageViewer* viewer() const { return m_viewer; }
    /// The live number shown under `name`: "pending", "ackPending", "redelivered", "waiting",
    /// "delivered", "ackFloor", "processingP95", "workersP95", "rate", "backpressure".
    QString numberText(const QString& name) const;
    QString statusText() const;
    /// The delivery-count bars (count of deliveries with count 1, 2, ... 10+).
    QList<qreal> deliveryCountBars() const;
    QStringList eventLines() const;
    void refresh() override;

signals:
    void fetched(int count, const QString& status);
    void samplingChanged(bool ok, const QString& message);

protected:
    /// The open consumer is opened again on the new connection.
    void connectionChanged(const std::shared_ptr<ConnectionThread>& connection) override;
    void recordHistory() override;

private:
    void updateNakFields();
    void onFetched(quint64 generation, const Result<js::FetchOutcome>& outcome);
    void onSelectionChanged();
    void setStatus(const QString& text, bool error);
    void updateActions();
    void closeConsumer();

    QString m_stream, m_consumer;
    quint64 m_generation = 0;
    std::unique_ptr<js::ConsumerMonitor> m_monitor;
    std::shared_ptr<js::RedeliveryTracker> m_tracker;
    /// Trackers this page made (consumers nobody else tracks): it watches their advisories.
    QSet<js::RedeliveryTracker*> m_ownTrackers;
    SubscriptionPtr m_advisories;
    bool m_isPush = false;
    QString m_sampleFreq; ///< the consumer's sample_freq as last read ("" or "0%": off)
    bool m_fetching = false;
    QList<FetchedMessage> m_rows;

    QComboBox* m_chooser;
    QLabel* m_config;
    QLabel* m_status;
    QHash<QString, QLabel*> m_numbers;
    ConsumerCharts* m_charts;
    QListWidget* m_events;
    QSpinBox* m_fetchCount;
    QSpinBox* m_fetchExpires;
    QPushButton* m_fetchButton;
    QPushButton* m_ackButton;
    QPushButton* m_nakButton;
    QComboBox* m_nakMode;  ///< at once, after a fixed delay, or a backoff by delivery count
    QSpinBox* m_nakDelay;  ///< the fixed delay, or the backoff's first one
    QSpinBox* m_nakMax;    ///< the backoff's longest delay
    QSpinBox* m_nakJitter; ///< the backoff's jitter, percent
    QPushButton* m_wpiButton;
    QPushButton* m_termButton;
    QLineEdit* m_termReason;
    QPushButton* m_sampleButton;
    FetchedMessageModel* m_messages;
    QTableView* m_view;
    MessageViewer* m_viewer;
};

} // namespace jetdeck
