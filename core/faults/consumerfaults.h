#pragma once

#include "core/jetstream/jetstream.h"

#include <QList>
#include <QString>

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

} // namespace jetdeck::faults
