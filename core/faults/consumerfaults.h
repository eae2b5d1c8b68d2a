#pragma once

#include "core/jetstream/jetstream.h"

#include <QList>

#include <QString>
#include <functional>

namespace jetdeck::faults {

/// A consumer that misbehaves on purpose: messages taken from a pull consumer and then never
/// answered (the server redelivers them when AckWait runs out), NAKed all at once, or
/// terminated.
enum class ConsumerFaultKind { WithholdAcks, NakBurst, Term };
QString consumerFaultName(ConsumerFaultKind k);

struct ConsumerFault {
    ConsumerFaultKind kind = ConsumerFaultKind::WithholdAcks;
    QString stream;
    QString consumer;
    int count = 10;            ///< messages to take
    qint64 nakDelayMs = 0;     ///< NakBurst: redeliver after this long (0: at once)
    qint64 fetchWaitMs = 2000; ///< how long to wait for messages to arrive
    QString termReason = QStringLiteral("jetdeck fault injection");
};

struct ConsumerFaultOutcome {
    int taken = 0;    ///< messages fetched
    int answered = 0; ///< NAKs or terms sent (0 for WithholdAcks)
    QList<quint64> streamSeqs;
    qint64 ackWaitMs = 0; ///< the consumer's AckWait: when withheld messages come back
    QString text() const;
};

/// Runs the fault: checks that the consumer exists and is a pull consumer, fetches up to
/// `count` messages and treats them as asked. Blocking; not on the connection's thread.
Result<ConsumerFaultOutcome> injectConsumerFault(const js::JetStream& js, const ConsumerFault& f);

/// A leader step-down and who leads before and after.
struct StepDownOutcome {
    QString before;
    QString after; ///< empty when no new leader was known in time
    QString text() const;
};

/// Asks the leader of a replicated stream (or of one of its consumers, when `consumer` is
/// given) to step down, then waits up to `waitMs` for another leader to be known. `pause`
/// sleeps between looks and returns false to stop waiting (the default just sleeps).
/// Blocking; not on the connection's thread. A server that is not clustered refuses.
Result<StepDownOutcome> stepDownLeader(const js::JetStream& js, const QString& stream,
                                       const QString& consumer = {}, int waitMs = 10000,
                                       const js::Pause& pause = {});

} // namespace jetdeck::faults
