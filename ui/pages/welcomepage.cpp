#include "welcomepage.h"

#include "ui/widgets/theme.h"

#include <QDir>
#include <QFont>
#include <QFrame>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QVBoxLayout>

namespace jetdeck {

namespace {

QLabel* heading(const QString& text, QWidget* parent, int points = 2) {
    auto* l = new QLabel(text, parent);
    QFont f = l->font();
    f.setBold(true);
    f.setPointSize(f.pointSize() + points);
    l->setFont(f);
    return l;
}

QLabel* note(const QString& text, QWidget* parent) {
    auto* l = new QLabel(text, parent);
    l->setWordWrap(true);
    return l;
}

QFrame* card(QWidget* parent) {
    auto* f = new QFrame(parent);
    f->setFrameShape(QFrame::StyledPanel);
    return f;
}

} // namespace

WelcomePage::WelcomePage(QWidget* parent)
    : QWidget(parent) {
    setObjectName(QStringLiteral("welcome"));
    auto* outer = new QVBoxLayout(this);
    auto* scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff); // the text wraps instead
    outer->addWidget(scroll);
    auto* body = new QWidget(scroll);
    scroll->setWidget(body);
    auto* column = new QVBoxLayout(body);
    column->setContentsMargins(32, 24, 32, 24);
    column->setSpacing(14);

    column->addWidget(heading(tr("Welcome to JetDeck"), body, 8));
    column->addWidget(note(tr("A console for NATS and JetStream: connections and their history, "
                              "servers and clients, streams and consumers, messages, latency, "
                              "controlled publishes and faults. Start with a server, a natscli "
                              "context, or the built-in demo."),
                           body));

    // A server.
    auto* server = card(body);
    auto* sl = new QVBoxLayout(server);
    sl->addWidget(heading(tr("Connect to a server"), server));
    auto* row = new QHBoxLayout;
    m_url = new QLineEdit(server);
    m_url->setObjectName(QStringLiteral("welcomeUrl"));
    m_url->setPlaceholderText(QStringLiteral("nats://127.0.0.1:4222"));
    m_url->setClearButtonEnabled(true);
    m_connect = new QPushButton(tr("Connect"), server);
    m_connect->setObjectName(QStringLiteral("welcomeConnect"));
    row->addWidget(m_url, 1);
    row->addWidget(m_connect);
    sl->addLayout(row);
    sl->addWidget(note(tr("Several servers of one cluster separated by commas; user and password "
                          "in the URL (nats://user:pass@host:4222) or in a saved connection."),
                       server));
    column->addWidget(server);

    // natscli contexts.
    auto* contexts = card(body);
    auto* cl = new QVBoxLayout(contexts);
    cl->addWidget(heading(tr("natscli contexts"), contexts));
    m_contextNote = note(QString(), contexts);
    m_contextNote->setObjectName(QStringLiteral("welcomeContextNote"));
    cl->addWidget(m_contextNote);
    m_contextList = new QVBoxLayout;
    cl->addLayout(m_contextList);
    column->addWidget(contexts);

    // The demo.
    auto* demo = card(body);
    auto* dl = new QVBoxLayout(demo);
    dl->addWidget(heading(tr("No server at hand?"), demo));
    dl->addWidget(note(tr("The demo starts a nats-server with JetStream on this machine (loopback "
                          "only, its own temporary store), a stream with a publisher and three "
                          "kinds of workers, and shows every page with live data. Everything "
                          "stops when JetDeck closes."),
                       demo));
    auto* demoRow = new QHBoxLayout;
    m_demo = new QPushButton(tr("Start the demo"), demo);
    m_demo->setObjectName(QStringLiteral("welcomeDemo"));
    demoRow->addWidget(m_demo);
    demoRow->addStretch(1);
    dl->addLayout(demoRow);
    column->addWidget(demo);

    auto* bottom = new QHBoxLayout;
    m_save = new QPushButton(tr("Save a connection..."), body);
    m_save->setObjectName(QStringLiteral("welcomeSave"));
    auto* skip = new QPushButton(tr("Go to the console"), body);
    skip->setObjectName(QStringLiteral("welcomeSkip"));
    bottom->addWidget(m_save);
    bottom->addStretch(1);
    bottom->addWidget(skip);
    column->addLayout(bottom);

    m_message = note(QString(), body);
    m_message->setObjectName(QStringLiteral("welcomeMessage"));
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    column->addWidget(m_message);
    column->addStretch(1);

    auto connectUrl = [this] {
        const QString url = m_url->text().trimmed();
        if (url.isEmpty()) {
            setMessage(tr("Type a server's URL first, such as nats://127.0.0.1:4222"), true);
            return;
        }
        emit connectUrlRequested(url);
    };
    connect(m_connect, &QPushButton::clicked, this, connectUrl);
    connect(m_url, &QLineEdit::returnPressed, this, connectUrl);
    connect(m_demo, &QPushButton::clicked, this, &WelcomePage::demoRequested);
    connect(m_save, &QPushButton::clicked, this, &WelcomePage::newConnectionRequested);
    connect(skip, &QPushButton::clicked, this, &WelcomePage::consoleRequested);
    setContexts({}, QString());
}

void WelcomePage::setContexts(const QStringList& names, const QString& directory) {
    qDeleteAll(m_contextButtons);
    m_contextButtons.clear();
    const QString where = directory.isEmpty() ? tr("natscli's context directory")
                                              : QDir::toNativeSeparators(directory);
    if (names.isEmpty()) {
        m_contextNote->setText(tr("None found in %1. `nats context add` makes one; JetDeck "
                                  "reads them as natscli does.")
                                   .arg(where));
        return;
    }
    m_contextNote->setText(tr("Found in %1; one click connects:").arg(where));
    for (const QString& name : names) {
        auto* b = new QPushButton(name, m_contextNote->parentWidget());
        b->setObjectName(QStringLiteral("welcomeContext:") + name);
        m_contextList->addWidget(b, 0, Qt::AlignLeft);
        connect(b, &QPushButton::clicked, this,
                [this, name] { emit connectContextRequested(name); });
        m_contextButtons << b;
    }
}

void WelcomePage::setMessage(const QString& text, bool error) {
    m_message->setText(text);
    m_message->setStyleSheet(error ? textStyle(ColorRole::Bad) : QString());
    setBusy(false);
}

void WelcomePage::setBusy(bool busy, const QString& what) {
    for (QPushButton* b : {m_connect, m_demo, m_save})
        b->setEnabled(!busy);
    for (QPushButton* b : std::as_const(m_contextButtons))
        b->setEnabled(!busy);
    if (busy) {
        m_message->setText(what);
        m_message->setStyleSheet(QString());
    }
}

void WelcomePage::reset() {
    m_url->clear();
    setMessage(QString(), false);
}

QString WelcomePage::messageText() const {
    return m_message->text();
}

QStringList WelcomePage::contextButtons() const {
    QStringList out;
    for (QPushButton* b : m_contextButtons)
        out << b->text();
    return out;
}

} // namespace jetdeck
