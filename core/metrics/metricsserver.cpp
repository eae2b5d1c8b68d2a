#include "metricsserver.h"
#include "core/logging/logging.h"

#include "core/metrics/registry.h"

#include <QJsonDocument>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

namespace jetdeck::metrics {

namespace {

constexpr qsizetype kMaxRequestBytes = 16 * 1024;

QByteArray reasonPhrase(int code) {
    switch (code) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 413:
        return "Content Too Large";
    case 503:
        return "Service Unavailable";
    }
    return "Error";
}

} // namespace

MetricsServer::MetricsServer(MetricsRegistry* registry, QObject* parent)
    : QObject(parent)
    , m_registry(registry) {}

MetricsServer::MetricsServer(Source source, QObject* parent)
    : QObject(parent)
    , m_source(std::move(source)) {}

MetricsServer::~MetricsServer() {
    close();
}

Status MetricsServer::listen(quint16 port, const QHostAddress& address) {
    close();
    m_server = new QTcpServer(this);
    if (!m_server->listen(address, port)) {
        const QString why = m_server->errorString();
        delete m_server;
        m_server = nullptr;
        return Error{ErrorKind::InvalidArgument, QStringLiteral("cannot serve metrics on %1:%2: %3")
                                                     .arg(address.toString())
                                                     .arg(port)
                                                     .arg(why)};
    }
    connect(m_server, &QTcpServer::newConnection, this, &MetricsServer::onNewConnection);
    qCInfo(lcMetrics).noquote() << QStringLiteral("serving metrics on %1").arg(url());
    return {};
}

void MetricsServer::close() {
    if (m_server) {
        m_server->close();
        delete m_server;
        m_server = nullptr;
    }
}

quint16 MetricsServer::port() const {
    return m_server ? m_server->serverPort() : 0;
}

QString MetricsServer::url() const {
    if (!m_server)
        return {};
    QString host = m_server->serverAddress().toString();
    if (m_server->serverAddress().protocol() == QAbstractSocket::IPv6Protocol)
        host = QLatin1Char('[') + host + QLatin1Char(']');
    return QStringLiteral("http://%1:%2/metrics").arg(host).arg(port());
}

void MetricsServer::onNewConnection() {
    while (QTcpSocket* socket = m_server->nextPendingConnection()) {
        socket->setParent(this);
        ++m_open;
        connect(socket, &QObject::destroyed, this, [this] { --m_open; });
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        if (m_open > m_maxConnections) {
            respond(socket, 503, "text/plain; charset=utf-8", "too many connections\n");
            continue;
        }
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onReadyRead(socket); });
        // A client that never finishes its request, or never takes the answer, does not hold a
        // socket for longer than the timeout (twice, for the answer).
        QTimer::singleShot(m_timeoutMs, socket, [this, socket] {
            if (!socket->property("answered").toBool())
                respond(socket, 408, "text/plain; charset=utf-8", "request timed out\n");
        });
        QTimer::singleShot(2 * m_timeoutMs, socket, [socket] {
            socket->abort();
            socket->deleteLater();
        });
    }
}

bool MetricsServer::hostAllowed(QByteArrayView host) const {
    // "name:port" or "[v6]:port"; the port, when given, must be ours.
    QByteArrayView name = host.trimmed();
    if (const qsizetype colon = name.lastIndexOf(':'); colon > 0 && name.lastIndexOf(']') < colon) {
        bool ok = false;
        const uint port = name.sliced(colon + 1).toUInt(&ok);
        if (!ok || port != this->port())
            return false;
        name = name.first(colon);
    }
    if (name.startsWith('[') && name.endsWith(']'))
        name = name.sliced(1, name.size() - 2);
    if (name.compare("localhost", Qt::CaseInsensitive) == 0)
        return true;
    const QHostAddress address(QString::fromLatin1(name));
    return !address.isNull() && (address.isLoopback() || address == m_server->serverAddress());
}

void MetricsServer::onReadyRead(QTcpSocket* socket) {
    if (socket->property("answered").toBool()) {
        socket->readAll();
        return;
    }
    QByteArray buffer = socket->property("buffer").toByteArray() + socket->readAll();
    if (buffer.size() > kMaxRequestBytes) {
        respond(socket, 413, "text/plain; charset=utf-8", "request too large\n");
        return;
    }
    const qsizetype end = buffer.indexOf("\r\n\r\n");
    if (end < 0) {
        socket->setProperty("buffer", buffer);
        return;
    }
    const QByteArray requestLine = buffer.left(buffer.indexOf("\r\n"));
    const QList<QByteArray> parts = requestLine.split(' ');
    if (parts.size() != 3 || !parts[2].startsWith("HTTP/1.")) {
        respond(socket, 400, "text/plain; charset=utf-8", "malformed request line\n");
        return;
    }
    // Host: only this server's own address or a loopback name (a page that rebound its own
    // domain to 127.0.0.1 sends that domain, and must not read what JetDeck measures).
    QByteArray host;
    for (const QByteArray& line : buffer.left(end).split('\n')) {
        const QByteArray l = line.trimmed();
        if (l.size() > 5 && l.first(5).toLower() == "host:")
            host = l.sliced(5).trimmed();
    }
    if (host.isEmpty() && parts[2] != "HTTP/1.0") {
        respond(socket, 400, "text/plain; charset=utf-8", "no Host header\n");
        return;
    }
    if (!host.isEmpty() && !hostAllowed(host)) {
        respond(socket, 403, "text/plain; charset=utf-8",
                "this endpoint answers only requests to its own loopback address\n");
        return;
    }
    const QByteArray method = parts[0];
    QByteArray path = parts[1];
    if (const qsizetype q = path.indexOf('?'); q >= 0)
        path.truncate(q);
    const bool head = method == "HEAD";
    if (method != "GET" && !head) {
        respond(socket, 405, "text/plain; charset=utf-8", "only GET and HEAD\n");
        return;
    }
    if (!m_registry && !m_source.prometheus) {
        respond(socket, 503, "text/plain; charset=utf-8", "no registry\n", head);
        return;
    }
    if (path == "/metrics") {
        respond(socket, 200, "text/plain; version=0.0.4; charset=utf-8",
                m_source.prometheus ? m_source.prometheus() : m_registry->prometheusText(), head);
    } else if (path == "/snapshot.json") {
        const QJsonObject json = m_source.json ? m_source.json() : m_registry->toJson();
        respond(socket, 200, "application/json",
                QJsonDocument(json).toJson(QJsonDocument::Indented), head);
    } else if (path == "/" || path == "/index.html") {
        respond(socket, 200, "text/html; charset=utf-8",
                "<html><head><title>JetDeck metrics</title></head><body><h1>JetDeck</h1>"
                "<p><a href=\"/metrics\">/metrics</a> (Prometheus) &middot; "
                "<a href=\"/snapshot.json\">/snapshot.json</a></p></body></html>\n",
                head);
    } else {
        respond(socket, 404, "text/plain; charset=utf-8",
                "not found: try /metrics or /snapshot.json\n", head);
    }
}

void MetricsServer::respond(QTcpSocket* socket, int code, const QByteArray& contentType,
                            const QByteArray& body, bool headOnly) {
    socket->setProperty("answered", true);
    socket->setProperty("buffer", QVariant());
    QByteArray out = "HTTP/1.1 " + QByteArray::number(code) + ' ' + reasonPhrase(code) +
                     "\r\nContent-Type: " + contentType +
                     "\r\nContent-Length: " + QByteArray::number(body.size()) +
                     "\r\nConnection: close\r\nCache-Control: no-store\r\n\r\n";
    if (!headOnly)
        out += body;
    socket->write(out);
    socket->disconnectFromHost();
    ++m_served;
}

} // namespace jetdeck::metrics
