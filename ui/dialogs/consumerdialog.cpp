#include "consumerdialog.h"

#include "ui/dialogs/fieldparse.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QRadioButton>
#include <QVBoxLayout>

namespace jetdeck {

ConsumerDialog::ConsumerDialog(const QString& stream, QWidget* parent)
    : ConfigDialog(parent)
    , m_stream(stream) {
    setWindowTitle(tr("New consumer on %1").arg(stream));
    auto* layout = new QVBoxLayout(this);
    auto* form = new QFormLayout;
    auto line = [&](const QString& name, const QString& placeholder) {
        auto* e = new QLineEdit(this);
        e->setObjectName(name);
        e->setPlaceholderText(placeholder);
        connect(e, &QLineEdit::textChanged, this, &ConsumerDialog::revalidate);
        return e;
    };
    m_name = line(QStringLiteral("name"), tr("durable name, e.g. workers"));
    m_description = line(QStringLiteral("description"), tr("optional"));
    m_pull = new QRadioButton(tr("P&ull (clients fetch)"), this);
    m_push = new QRadioButton(tr("P&ush (server delivers to a subject)"), this);
    m_pull->setChecked(true);
    connect(m_pull, &QRadioButton::toggled, this, &ConsumerDialog::revalidate);
    auto* kind = new QHBoxLayout;
    kind->addWidget(m_pull);
    kind->addWidget(m_push);
    m_deliverSubject = line(QStringLiteral("deliverSubject"), tr("e.g. deliver.orders"));
    m_deliverGroup = line(QStringLiteral("deliverGroup"), tr("optional queue group"));
    m_filter = line(QStringLiteral("filter"), tr("optional, e.g. orders.eu.>"));
    m_deliverPolicy = new QComboBox(this);
    m_deliverPolicy->setObjectName(QStringLiteral("deliverPolicy"));
    m_deliverPolicy->addItems({QStringLiteral("all"), QStringLiteral("last"), QStringLiteral("new"),
                               QStringLiteral("by_start_sequence"), QStringLiteral("by_start_time"),
                               QStringLiteral("last_per_subject")});
    connect(m_deliverPolicy, &QComboBox::currentIndexChanged, this, &ConsumerDialog::revalidate);
    m_startSeq = line(QStringLiteral("startSeq"), tr("for by_start_sequence"));
    m_startTime =
        line(QStringLiteral("startTime"), tr("for by_start_time, e.g. 2026-01-02T15:04:05Z"));
    m_ackPolicy = new QComboBox(this);
    m_ackPolicy->setObjectName(QStringLiteral("ackPolicy"));
    m_ackPolicy->addItems(
        {QStringLiteral("explicit"), QStringLiteral("all"), QStringLiteral("none")});
    connect(m_ackPolicy, &QComboBox::currentIndexChanged, this, &ConsumerDialog::revalidate);
    m_ackWait = line(QStringLiteral("ackWait"), tr("server default, 30s"));
    m_maxDeliver = line(QStringLiteral("maxDeliver"), tr("unlimited"));
    m_backoff = line(QStringLiteral("backoff"), tr("optional, e.g. 1s, 5s, 30s"));
    m_maxAckPending = line(QStringLiteral("maxAckPending"), tr("server default, 1000"));
    m_heartbeat = line(QStringLiteral("heartbeat"), tr("push only, e.g. 5s"));
    m_flowControl = new QCheckBox(tr("Flow control (push; needs a heartbeat)"), this);
    m_flowControl->setObjectName(QStringLiteral("flowControl"));
    connect(m_flowControl, &QCheckBox::toggled, this, &ConsumerDialog::revalidate);
    m_maxWaiting = line(QStringLiteral("maxWaiting"), tr("pull only, server default 512"));

    form->addRow(tr("&Name:"), m_name);
    form->addRow(tr("&Description:"), m_description);
    form->addRow(tr("Kind:"), kind);
    form->addRow(tr("Deliver &subject:"), m_deliverSubject);
    form->addRow(tr("Deliver &group:"), m_deliverGroup);
    form->addRow(tr("&Filter subject:"), m_filter);
    form->addRow(tr("Deliver &policy:"), m_deliverPolicy);
    form->addRow(tr("Start s&equence:"), m_startSeq);
    form->addRow(tr("Start &time:"), m_startTime);
    form->addRow(tr("&Ack policy:"), m_ackPolicy);
    form->addRow(tr("Ack &wait:"), m_ackWait);
    form->addRow(tr("Max deli&veries:"), m_maxDeliver);
    form->addRow(tr("&Backoff:"), m_backoff);
    form->addRow(tr("Max ack pen&ding:"), m_maxAckPending);
    form->addRow(tr("Idle &heartbeat:"), m_heartbeat);
    form->addRow(QString(), m_flowControl);
    form->addRow(tr("Max waiting pu&lls:"), m_maxWaiting);
    layout->addLayout(form);

    finishLayout(layout);
    revalidate();
}

void ConsumerDialog::setPush(bool push) {
    (push ? m_push : m_pull)->setChecked(true);
}

void ConsumerDialog::setConfig(const js::ConsumerConfig& c, bool editing) {
    m_editing = editing;
    m_base = c;
    setWindowTitle(editing ? tr("Edit consumer %1 on %2").arg(c.durableName, m_stream)
                           : tr("New consumer on %1").arg(m_stream));
    setEditing(editing);
    m_name->setText(c.durableName.isEmpty() ? c.name : c.durableName);
    m_name->setReadOnly(editing);
    m_description->setText(c.description);
    setPush(c.isPush());
    // The kind of a consumer is fixed once it exists.
    m_pull->setEnabled(!editing);
    m_push->setEnabled(!editing);
    m_deliverSubject->setText(c.deliverSubject);
    m_deliverGroup->setText(c.deliverGroup);
    m_filter->setText(c.filterSubject);
    m_deliverPolicy->setCurrentText(js::toString(c.deliverPolicy));
    m_startSeq->setText(c.optStartSeq ? QString::number(c.optStartSeq) : QString());
    m_startTime->setText(c.optStartTime.isValid() ? js::toRfc3339Nano(c.optStartTime) : QString());
    m_ackPolicy->setCurrentText(js::toString(c.ackPolicy));
    m_ackWait->setText(field::durationText(c.ackWaitNs));
    m_maxDeliver->setText(field::countText(c.maxDeliver));
    QStringList backoff;
    for (qint64 b : c.backoffNs)
        backoff << js::formatDurationNs(b);
    m_backoff->setText(backoff.join(QStringLiteral(", ")));
    m_maxAckPending->setText(c.maxAckPending > 0 ? QString::number(c.maxAckPending) : QString());
    m_heartbeat->setText(field::durationText(c.idleHeartbeatNs));
    m_flowControl->setChecked(c.flowControl);
    m_maxWaiting->setText(c.maxWaiting > 0 ? QString::number(c.maxWaiting) : QString());
    revalidate();
}

Result<js::ConsumerConfig> ConsumerDialog::config() const {
    js::ConsumerConfig c = m_base;
    c.durableName = m_name->text().trimmed();
    if (!m_editing)
        c.name.clear();
    c.description = m_description->text().trimmed();
    const bool push = m_push->isChecked();
    c.deliverSubject = push ? m_deliverSubject->text().trimmed() : QString();
    c.deliverGroup = push ? m_deliverGroup->text().trimmed() : QString();
    c.filterSubject = m_filter->text().trimmed();
    c.deliverPolicy =
        js::parseDeliverPolicy(m_deliverPolicy->currentText()).value_or(js::DeliverPolicy::All);
    c.ackPolicy = js::parseAckPolicy(m_ackPolicy->currentText()).value_or(js::AckPolicy::Explicit);
    if (c.durableName.isEmpty())
        return Error{ErrorKind::InvalidArgument, tr("The consumer needs a durable name.")};
    if (push && c.deliverSubject.isEmpty())
        return Error{ErrorKind::InvalidArgument,
                     tr("A push consumer needs a deliver subject for the server to send to.")};

    c.optStartSeq = 0;
    if (!m_startSeq->text().trimmed().isEmpty()) {
        bool ok = false;
        c.optStartSeq = m_startSeq->text().trimmed().toULongLong(&ok);
        if (!ok || c.optStartSeq == 0)
            return Error{
                ErrorKind::InvalidArgument,
                tr("Start sequence: '%1' is not a sequence number").arg(m_startSeq->text())};
    }
    c.optStartTime = QDateTime();
    c.optStartTimeText.clear();
    if (!m_startTime->text().trimmed().isEmpty()) {
        c.optStartTime = js::fromRfc3339Nano(m_startTime->text().trimmed());
        if (!c.optStartTime.isValid())
            return Error{ErrorKind::InvalidArgument,
                         tr("Start time: '%1' is not an RFC 3339 time such as "
                            "2026-01-02T15:04:05Z")
                             .arg(m_startTime->text())};
    }
    auto dur = field::parseDuration(m_ackWait->text(), tr("Ack wait"));
    if (!dur)
        return dur.error();
    c.ackWaitNs = dur.value();
    auto count = field::parseCount(m_maxDeliver->text(), tr("Max deliveries"));
    if (!count)
        return count.error();
    c.maxDeliver = count.value();
    auto backoff = field::parseDurationList(m_backoff->text(), tr("Backoff"));
    if (!backoff)
        return backoff.error();
    c.backoffNs = backoff.value();
    count = field::parseCount(m_maxAckPending->text(), tr("Max ack pending"));
    if (!count)
        return count.error();
    c.maxAckPending = count.value() < 0 ? 0 : count.value();
    dur = field::parseDuration(m_heartbeat->text(), tr("Idle heartbeat"));
    if (!dur)
        return dur.error();
    c.idleHeartbeatNs = push ? dur.value() : 0;
    c.flowControl = push && m_flowControl->isChecked();
    count = field::parseCount(m_maxWaiting->text(), tr("Max waiting pulls"));
    if (!count)
        return count.error();
    c.maxWaiting = push || count.value() < 0 ? 0 : count.value();
    if (Status s = c.validate(); !s.ok())
        return s;
    return c;
}

void ConsumerDialog::revalidate() {
    const bool push = m_push->isChecked();
    m_deliverSubject->setEnabled(push);
    m_deliverGroup->setEnabled(push);
    m_heartbeat->setEnabled(push);
    m_flowControl->setEnabled(push);
    m_maxWaiting->setEnabled(!push);
    showProblem(currentProblem());
}

QString ConsumerDialog::currentProblem() const {
    const auto c = config();
    return c ? QString() : c.error().message;
}

void ConsumerDialog::submit() {
    auto c = config();
    if (c)
        emit submitted(c.value());
}

} // namespace jetdeck
