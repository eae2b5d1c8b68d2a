#include "streamdialog.h"

#include "ui/dialogs/fieldparse.h"

#include <QComboBox>
#include <QFormLayout>
#include <QLineEdit>
#include <QSpinBox>
#include <QVBoxLayout>

namespace jetdeck {

StreamDialog::StreamDialog(QWidget* parent)
    : ConfigDialog(parent) {
    setWindowTitle(tr("New stream"));
    auto* layout = new QVBoxLayout(this);
    auto* form = new QFormLayout;
    auto line = [&](const QString& name, const QString& placeholder) {
        auto* e = new QLineEdit(this);
        e->setObjectName(name);
        e->setPlaceholderText(placeholder);
        connect(e, &QLineEdit::textChanged, this, &StreamDialog::revalidate);
        return e;
    };
    m_name = line(QStringLiteral("name"), tr("ORDERS"));
    m_description = line(QStringLiteral("description"), tr("optional"));
    m_subjects = line(QStringLiteral("subjects"), tr("orders.>, invoices.* (comma separated)"));
    auto combo = [&](const QString& name, const QStringList& items) {
        auto* c = new QComboBox(this);
        c->setObjectName(name);
        c->addItems(items);
        connect(c, &QComboBox::currentIndexChanged, this, &StreamDialog::revalidate);
        return c;
    };
    m_storage =
        combo(QStringLiteral("storage"), {QStringLiteral("file"), QStringLiteral("memory")});
    m_retention =
        combo(QStringLiteral("retention"),
              {QStringLiteral("limits"), QStringLiteral("interest"), QStringLiteral("workqueue")});
    m_discard = combo(QStringLiteral("discard"), {QStringLiteral("old"), QStringLiteral("new")});
    m_replicas = new QSpinBox(this);
    m_replicas->setObjectName(QStringLiteral("replicas"));
    m_replicas->setRange(1, 5);
    connect(m_replicas, &QSpinBox::valueChanged, this, &StreamDialog::revalidate);
    m_maxMsgs = line(QStringLiteral("maxMsgs"), tr("unlimited"));
    m_maxBytes = line(QStringLiteral("maxBytes"), tr("unlimited (e.g. 1073741824)"));
    m_maxAge = line(QStringLiteral("maxAge"), tr("unlimited (e.g. 24h)"));
    m_maxMsgSize = line(QStringLiteral("maxMsgSize"), tr("unlimited"));
    m_dupeWindow = line(QStringLiteral("dupeWindow"), tr("server default, 2m"));

    form->addRow(tr("&Name:"), m_name);
    form->addRow(tr("&Description:"), m_description);
    form->addRow(tr("&Subjects:"), m_subjects);
    form->addRow(tr("S&torage:"), m_storage);
    form->addRow(tr("&Retention:"), m_retention);
    form->addRow(tr("D&iscard when full:"), m_discard);
    form->addRow(tr("Re&plicas:"), m_replicas);
    form->addRow(tr("Max &messages:"), m_maxMsgs);
    form->addRow(tr("Max &bytes:"), m_maxBytes);
    form->addRow(tr("Max &age:"), m_maxAge);
    form->addRow(tr("Max message si&ze:"), m_maxMsgSize);
    form->addRow(tr("Dup&licate window:"), m_dupeWindow);
    layout->addLayout(form);

    finishLayout(layout);
    revalidate();
}

void StreamDialog::setConfig(const js::StreamConfig& c, bool editing) {
    m_editing = editing;
    m_base = c;
    setWindowTitle(editing ? tr("Edit stream %1").arg(c.name) : tr("New stream"));
    setEditing(editing);
    m_name->setText(c.name);
    m_name->setReadOnly(editing);
    m_description->setText(c.description);
    m_subjects->setText(c.subjects.join(QStringLiteral(", ")));
    m_storage->setCurrentText(js::toString(c.storage));
    m_storage->setEnabled(!editing);
    m_retention->setCurrentText(js::toString(c.retention));
    m_retention->setEnabled(!editing);
    m_discard->setCurrentText(js::toString(c.discard));
    m_replicas->setValue(c.replicas);
    m_maxMsgs->setText(field::countText(c.maxMsgs));
    m_maxBytes->setText(field::countText(c.maxBytes));
    m_maxAge->setText(field::durationText(c.maxAgeNs));
    m_maxMsgSize->setText(field::countText(c.maxMsgSize));
    m_dupeWindow->setText(field::durationText(c.duplicateWindowNs));
    revalidate();
}

Result<js::StreamConfig> StreamDialog::config() const {
    js::StreamConfig c = m_base;
    c.name = m_name->text().trimmed();
    c.description = m_description->text().trimmed();
    c.subjects.clear();
    for (const QString& s : m_subjects->text().split(QLatin1Char(','), Qt::SkipEmptyParts))
        if (!s.trimmed().isEmpty())
            c.subjects << s.trimmed();
    c.storage = js::parseStorageType(m_storage->currentText()).value_or(js::StorageType::File);
    c.retention =
        js::parseRetentionPolicy(m_retention->currentText()).value_or(js::RetentionPolicy::Limits);
    c.discard = js::parseDiscardPolicy(m_discard->currentText()).value_or(js::DiscardPolicy::Old);
    c.replicas = m_replicas->value();
    auto count = field::parseCount(m_maxMsgs->text(), tr("Max messages"));
    if (!count)
        return count.error();
    c.maxMsgs = count.value();
    count = field::parseCount(m_maxBytes->text(), tr("Max bytes"));
    if (!count)
        return count.error();
    c.maxBytes = count.value();
    count = field::parseCount(m_maxMsgSize->text(), tr("Max message size"));
    if (!count)
        return count.error();
    c.maxMsgSize = int(qMin<qint64>(count.value(), INT32_MAX));
    auto dur = field::parseDuration(m_maxAge->text(), tr("Max age"));
    if (!dur)
        return dur.error();
    c.maxAgeNs = dur.value();
    dur = field::parseDuration(m_dupeWindow->text(), tr("Duplicate window"));
    if (!dur)
        return dur.error();
    c.duplicateWindowNs = dur.value();
    if (Status s = c.validate(); !s.ok())
        return s;
    return c;
}

void StreamDialog::revalidate() {
    showProblem(currentProblem());
}

QString StreamDialog::currentProblem() const {
    const auto c = config();
    return c ? QString() : c.error().message;
}

void StreamDialog::submit() {
    auto c = config();
    if (c)
        emit submitted(c.value());
}

} // namespace jetdeck
