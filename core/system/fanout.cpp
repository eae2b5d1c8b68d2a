#include "fanout.h"

#include "core/base/background.h"
#include "core/client/connection.h"

#include <QElapsedTimer>
#include <QPointer>
#include <QTimer>

namespace jetdeck::sys {

namespace {

void readReply(QByteArrayView payload, qint64 elapsedMs, FanoutResult& into) {
    Result<ServerReply> r = parseServerReply(payload);
    if (r) {
        r->elapsedMs = elapsedMs;
        into.replies.append(std::move(r).value());
    } else {
        into.malformed.append(r.error().message);
    }
}

/// One fan-out in flight: lives on the context's thread, goes away when done.
class Collector : public QObject {
public:
    Collector(Connection* c, FanoutOptions o, FanoutCallback done, FanoutWork work,
              QObject* context)
        : QObject(context)
        , m_conn(c)
        , m_options(o)
        , m_done(std::move(done))
        , m_work(std::move(work)) {
        m_clock.start();
        m_quiet.setSingleShot(true);
        m_deadline.setSingleShot(true);
        // Coarse timers may fire 5 % early: the quiet gap is what tells a late server apart.
        m_quiet.setTimerType(Qt::PreciseTimer);
        m_deadline.setTimerType(Qt::PreciseTimer);
        connect(&m_quiet, &QTimer::timeout, this, [this] { finish(); });
        connect(&m_deadline, &QTimer::timeout, this, [this] { finish(); });
    }

    void start(QByteArrayView subject, QByteArrayView body) {
        const QByteArray inbox = m_conn->newInbox();
        QPointer<Collector> self(this);
        auto sub = m_conn->subscribe(inbox, this, [self](const Message& m) {
            if (self)
                self->onReply(m);
        });
        if (!sub) {
            m_result.error = sub.error();
            finishLater();
            return;
        }
        m_sub = sub.value();
        if (Status s = m_conn->publish(subject, body, inbox); !s.ok()) {
            m_result.error = s;
            finishLater();
            return;
        }
        m_deadline.start(qMax(1, m_options.timeoutMs));
    }

private:
    void onReply(const Message& m) {
        if (m_finished)
            return;
        if (m.isNoResponders()) {
            m_result.noResponders = m_result.replies.isEmpty();
            finish();
            return;
        }
        int received = 0;
        if (m_work) {
            // Read on the worker thread: here only kept (shared, not copied).
            m_raw.append({m, m_clock.elapsed()});
            received = int(m_raw.size());
        } else {
            readReply(m.payload(), m_clock.elapsed(), m_result);
            received = int(m_result.replies.size());
        }
        if (m_options.expected > 0 && received >= m_options.expected) {
            finish();
            return;
        }
        m_quiet.start(qMax(1, m_options.quietMs));
    }

    void finishLater() {
        QMetaObject::invokeMethod(
            this, [this] { finish(); }, Qt::QueuedConnection);
    }

    void finish() {
        if (m_finished)
            return;
        m_finished = true;
        m_quiet.stop();
        m_deadline.stop();
        if (m_sub)
            (void)m_sub->unsubscribe();
        m_result.elapsedMs = m_clock.elapsed();
        if (m_work)
            handOver();
        else if (m_done)
            m_done(m_result);
        deleteLater();
    }

    void handOver() {
        runInBackground(parent(), [raw = std::move(m_raw), result = std::move(m_result),
                                   work = std::move(m_work)]() mutable {
            for (const auto& [message, elapsedMs] : std::as_const(raw))
                readReply(message.payload(), elapsedMs, result);
            raw.clear();
            return work(std::move(result));
        });
    }

    Connection* m_conn;
    FanoutOptions m_options;
    FanoutCallback m_done;
    FanoutWork m_work;
    QList<std::pair<Message, qint64>> m_raw; ///< with m_work: the replies and when they came
    SubscriptionPtr m_sub;
    FanoutResult m_result;
    QElapsedTimer m_clock;
    QTimer m_quiet;
    QTimer m_deadline;
    bool m_finished = false;
};

} // namespace

void fanout(Connection* connection, QByteArrayView subject, QByteArrayView body,
            const FanoutOptions& options, QObject* context, FanoutCallback done) {
    auto* c = new Collector(connection, options, std::move(done), {}, context);
    c->start(subject, body);
}

void fanoutOffThread(Connection* connection, QByteArrayView subject, QByteArrayView body,
                     const FanoutOptions& options, QObject* context, FanoutWork work) {
    Q_ASSERT(work);
    auto* c = new Collector(connection, options, {}, std::move(work), context);
    c->start(subject, body);
}

QString systemAccessHint() {
    return QStringLiteral(
        "no server answered on $SYS.REQ.SERVER.PING: the connection's user is not in the "
        "system account. Connect with a user of the system account (system_account in the "
        "server's configuration), give system credentials (--sys-user/--sys-password or "
        "--sys-creds)");
}

} // namespace jetdeck::sys
