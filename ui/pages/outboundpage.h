#pragma once

#include "ui/pages/sessionpage.h"

#include <QHash>

class QLabel;
class QProgressBar;
class QTableView;

namespace jetdeck {

class OutboundQueueModel;

/// The outbound queue: what the client holds while the server is away (oldest first, with
/// kind, subject, size and age), how full it is against its limits, and where every held
/// operation went: sent after the reconnect, expired, dropped (fail-open) or rejected
/// (fail-closed). Refreshed from the session's connection on a timer.
class OutboundPage : public SessionPage {
    Q_OBJECT
public:
    explicit OutboundPage(QWidget* parent = nullptr);

    OutboundQueueModel* model() const { return m_model; }
    /// The text of one counter ("depth", "queued", "flushed", "expired", "dropped",
    /// "rejected", "mode", "timeout"), for tests.
    QString counterText(const QString& name) const;
    void refresh() override;

protected:
    void connectionChanged(const std::shared_ptr<ConnectionThread>& connection) override;

private:
    OutboundQueueModel* m_model;
    QTableView* m_view;
    QProgressBar* m_fill;
    QLabel* m_note;
    QHash<QString, QLabel*> m_counters;
};

} // namespace jetdeck
