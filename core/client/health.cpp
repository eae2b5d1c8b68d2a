#include "health.h"

#include <QJsonArray>

namespace jetdeck {

namespace {
QString iso(const QDateTime& t) {
    return t.isValid() ? t.toString(Qt::ISODateWithMs) : QString();
}

QString ms(qint64 v) {
    if (v < 1000)
        return QString::number(v) + QStringLiteral(" ms");
    return QString::number(double(v) / 1000.0, 'f', 1) + QStringLiteral(" s");
}
} // namespace

QJsonObject HealthSnapshot::toJson() const {
    QJsonObject q{{QStringLiteral("depth"), qint64(queueDepth)},
                  {QStringLiteral("bytes"), queueBytes},
                  {QStringLiteral("oldest_age_ms"), queueOldestAgeMs},
                  {QStringLiteral("queued"), qint64(queue.queued)},
                  {QStringLiteral("flushed"), qint64(queue.flushed)},
                  {QStringLiteral("expired"), qint64(queue.expired)},
                  {QStringLiteral("dropped"), qint64(queue.dropped)},
                  {QStringLiteral("rejected"), qint64(queue.rejected)},
                  {QStringLiteral("max_pending_operations"), queueLimitOps},
                  {QStringLiteral("max_pending_bytes"), queueLimitBytes},
                  {QStringLiteral("fail_open_mode"), failOpen}};
    QJsonObject o{
        {QStringLiteral("time"), iso(takenAt)},
        {QStringLiteral("state"), connectionStateName(state)},
        {QStringLiteral("lame_duck"), lameDuck},
        {QStringLiteral("server"), server},
        {QStringLiteral("server_name"), serverName},
        {QStringLiteral("server_version"), serverVersion},
        {QStringLiteral("rtt_us"), rttUs},
        {QStringLiteral("rtt_smoothed_us"), rttSmoothedUs},
        {QStringLiteral("connected_since"), iso(connectedSince)},
        {QStringLiteral("last_failure_at"), iso(lastFailureAt)},
        {QStringLiteral("last_failure"), !lastFailure.ok() ? lastFailure.toString() : QString()},
        {QStringLiteral("reconnects"), qint64(reconnects)},
        {QStringLiteral("reconnect_attempt"), reconnectAttempt},
        {QStringLiteral("reconnect_attempts_max"), reconnectAttemptsMax},
        {QStringLiteral("next_attempt_in_ms"), nextAttemptInMs},
        {QStringLiteral("published"), qint64(published)},
        {QStringLiteral("sent"), qint64(sent)},
        {QStringLiteral("buffered_bytes"), bufferedBytes},
        {QStringLiteral("outbound_queue"), q},
        {QStringLiteral("subscriptions"), subscriptions},
        {QStringLiteral("in_msgs"), qint64(inMsgs)},
        {QStringLiteral("in_bytes"), qint64(inBytes)},
        {QStringLiteral("out_msgs"), qint64(outMsgs)},
        {QStringLiteral("out_bytes"), qint64(outBytes)},
        {QStringLiteral("slow_consumer_drops"), qint64(slowConsumerDrops)},
        {QStringLiteral("server_errors"), qint64(serverErrors)},
    };
    QJsonArray pool;
    for (const PoolServer& p : servers)
        pool.append(QJsonObject{{QStringLiteral("url"), p.url},
                                {QStringLiteral("discovered"), p.implicit},
                                {QStringLiteral("current"), p.current},
                                {QStringLiteral("failed_attempts"), p.failedAttempts}});
    o.insert(QStringLiteral("servers"), pool);
    return o;
}

QString HealthSnapshot::toText() const {
    QStringList l;
    auto row = [&](const char* k, const QString& v) {
        l << QStringLiteral("%1 %2").arg(QLatin1String(k), -20).arg(v);
    };
    row("State:",
        connectionStateName(state) + (lameDuck ? QStringLiteral(" (lame duck)") : QString()));
    row("Server:", server.isEmpty() ? QStringLiteral("-")
                                    : server + QStringLiteral(" (") + serverName +
                                          QStringLiteral(", ") + serverVersion + QLatin1Char(')'));
    row("RTT:", rttUs < 0 ? QStringLiteral("-")
                          : QStringLiteral("%1 us (smoothed %2 us)").arg(rttUs).arg(rttSmoothedUs));
    row("Connected since:", connectedSince.isValid() ? iso(connectedSince) : QStringLiteral("-"));
    row("Reconnects:", QString::number(reconnects));
    if (nextAttemptInMs >= 0)
        row("Next attempt:",
            QStringLiteral("in %1 (attempt %2%3)")
                .arg(ms(nextAttemptInMs))
                .arg(reconnectAttempt + 1)
                .arg(reconnectAttemptsMax >= 0 ? QStringLiteral(" of %1").arg(reconnectAttemptsMax)
                                               : QString()));
    row("Last failure:", !lastFailure.ok()
                             ? iso(lastFailureAt) + QStringLiteral("  ") + lastFailure.toString()
                             : QStringLiteral("none"));
    row("Published:", QStringLiteral("%1 (sent %2, queued then sent %3, expired %4, dropped %5, "
                                     "rejected %6)")
                          .arg(published)
                          .arg(sent)
                          .arg(queue.flushed)
                          .arg(queue.expired)
                          .arg(queue.dropped)
                          .arg(queue.rejected));
    row("Outbound queue:",
        QStringLiteral("%1 ops, %2 bytes, oldest %3 (limits %4 ops / %5 bytes, "
                       "%6)")
            .arg(queueDepth)
            .arg(queueBytes)
            .arg(ms(queueOldestAgeMs))
            .arg(queueLimitOps)
            .arg(queueLimitBytes)
            .arg(failOpen ? QStringLiteral("fail-open") : QStringLiteral("fail-closed")));
    row("Subscriptions:", QString::number(subscriptions));
    row("Messages in/out:", QStringLiteral("%1 / %2").arg(inMsgs).arg(outMsgs));
    row("Bytes in/out:", QStringLiteral("%1 / %2").arg(inBytes).arg(outBytes));
    row("Slow-consumer drops:", QString::number(slowConsumerDrops));
    row("Server errors:", QString::number(serverErrors));
    QStringList pool;
    for (const PoolServer& p : servers)
        pool << p.url + (p.current ? QStringLiteral(" (current)") : QString()) +
                    (p.implicit ? QStringLiteral(" (discovered)") : QString()) +
                    (p.failedAttempts > 0
                         ? QStringLiteral(" (%1 failed attempts)").arg(p.failedAttempts)
                         : QString());
    row("Servers:", pool.join(QStringLiteral(", ")));
    return l.join(QLatin1Char('\n'));
}

} // namespace jetdeck
