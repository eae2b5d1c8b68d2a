#include "consumerfaults.h"
#include "core/logging/logging.h"

#include "core/jetstream/pullconsumer.h"

#include <QElapsedTimer>
#include <QThread>

namespace jetdeck::faults {

QString consumerFaultName(ConsumerFaultKind k) {
    switch (k) {
    case ConsumerFaultKind::WithholdAcks:
        return QStringLiteral("withhold acks");
    case ConsumerFaultKind::NakBurst:
        return QStringLiteral("NAK burst");
    case ConsumerFaultKind::Term:
        return QStringLiteral("term");
    }
    return {};
}

QString ConsumerFaultOutcome::text() const {
    if (taken == 0)
        return QStringLiteral("no message was waiting");
    QString t = QStringLiteral("%1 message(s) taken").arg(taken);
    if (answered > 0)
        t += QStringLiteral(", %1 answered").arg(answered);
    if (ackWaitMs > 0 && answered == 0)
        t += QStringLiteral("; redelivered after AckWait (%1 s)").arg(double(ackWaitMs) / 1000.0);
    return t;
}

Result<ConsumerFaultOutcome> injectConsumerFault(const js::JetStream& js, const ConsumerFault& f) {
    if (f.count <= 0)
        return Error{ErrorKind::InvalidArgument, QStringLiteral("count must be at least 1")};
    // Right after a server's restart the consumer may have no leader for a few seconds, and
    // nobody answers its CONSUMER.INFO: asked again while the step's fetch time lasts.
    QElapsedTimer asking;
    asking.start();
    auto info = js.consumerInfo(f.stream, f.consumer);
    while (!info && info.error().kind == ErrorKind::Timeout && asking.elapsed() < f.fetchWaitMs) {
        qCInfo(lcFaults).noquote() << QStringLiteral("consumer %1 > %2: %3, asking again")
                                          .arg(f.stream, f.consumer, info.error().message);
        info = js.consumerInfo(f.stream, f.consumer);
    }
    if (!info)
        return info.error();
    if (info.value().config.isPush())
        return Error{ErrorKind::InvalidArgument,
                     QStringLiteral("%1 > %2 is a push consumer: consumer faults take messages "
                                    "with a fetch, so they need a pull consumer")
                         .arg(f.stream, f.consumer)};
    if (info.value().config.ackPolicy == js::AckPolicy::None)
        return Error{ErrorKind::InvalidArgument,
                     QStringLiteral("%1 > %2 has ack policy none: there is no ack to withhold, NAK "
                                    "or term")
                         .arg(f.stream, f.consumer)};
    ConsumerFaultOutcome out;
    const qint64 ackWaitNs = info.value().config.ackWaitNs > 0 ? info.value().config.ackWaitNs
                                                               : 30LL * 1000 * 1000 * 1000;
    out.ackWaitMs = ackWaitNs / 1000000;
    js::PullConsumer puller(js, f.stream, f.consumer);
    QElapsedTimer clock;
    clock.start();
    while (out.taken < f.count) {
        const qint64 left = f.fetchWaitMs - clock.elapsed();
        if (left <= 0)
            break;
        js::FetchOptions fo;
        fo.batch = f.count - out.taken;
        // Short pulls, so that one lost while the consumer's leader moves costs little.
        fo.expiresMs = int(qBound(qint64(100), left, qint64(1000)));
        auto batch = puller.fetch(fo);
        if (!batch) {
            if (batch.error().kind == ErrorKind::Timeout && clock.elapsed() < f.fetchWaitMs)
                continue;
            return batch.error();
        }
        for (js::JsMessage& m : batch.value().messages) {
            ++out.taken;
            out.streamSeqs << m.metadata().streamSeq;
            Status s;
            switch (f.kind) {
            case ConsumerFaultKind::WithholdAcks:
                continue;
            case ConsumerFaultKind::NakBurst:
                s = m.nak(f.nakDelayMs * 1000000);
                break;
            case ConsumerFaultKind::Term:
                s = m.term(f.termReason);
                break;
            }
            if (!s.ok())
                return s;
            ++out.answered;
        }
        if (batch.value().messages.isEmpty() && batch.value().status != 0 &&
            batch.value().status != 408 && batch.value().status != 404)
            return Error{ErrorKind::JetStream, QStringLiteral("fetch ended with %1 %2")
                                                   .arg(batch.value().status)
                                                   .arg(batch.value().statusText)};
        if (batch.value().messages.isEmpty() && batch.value().status != 408)
            break; // 404: nothing waiting
    }
    if (out.answered > 0)
        js.connection()->flushSync(2000);
    qCInfo(lcFaults).noquote() << QStringLiteral("consumer %1 > %2: %3: %4")
                                      .arg(f.stream, f.consumer, consumerFaultName(f.kind),
                                           out.text());
    return out;
}

QString StepDownOutcome::text() const {
    return QStringLiteral("leader %1 -> %2")
        .arg(before.isEmpty() ? QStringLiteral("?") : before,
             after.isEmpty() ? QStringLiteral("(not elected yet)") : after);
}

Result<StepDownOutcome> stepDownLeader(const js::JetStream& js, const QString& stream,
                                       const QString& consumer, int waitMs,
                                       const js::Pause& pause) {
    auto leader = [&]() -> QString {
        if (consumer.isEmpty()) {
            auto i = js.streamInfo(stream);
            return i ? i.value().cluster.leader : QString();
        }
        auto i = js.consumerInfo(stream, consumer);
        return i ? i.value().cluster.leader : QString();
    };
    StepDownOutcome out;
    out.before = leader();
    if (Status s = consumer.isEmpty() ? js.stepDownStreamLeader(stream)
                                      : js.stepDownConsumerLeader(stream, consumer);
        !s.ok())
        return s;
    qCInfo(lcFaults).noquote() << QStringLiteral("%1 leader step-down asked (leader %2)")
                                      .arg(consumer.isEmpty()
                                               ? stream
                                               : stream + QStringLiteral(" > ") + consumer,
                                           out.before);
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < waitMs) {
        const bool go = pause ? pause(200) : (QThread::msleep(200), true);
        if (!go)
            break;
        const QString now = leader();
        if (!now.isEmpty() && now != out.before) {
            out.after = now;
            break;
        }
    }
    return out;
}

} // namespace jetdeck::faults
