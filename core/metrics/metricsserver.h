#pragma once

#include "core/base/error.h"

#include <QHostAddress>
#include <QJsonObject>
#include <QObject>
#include <QPointer>

#include <functional>

class QTcpServer;
class QTcpSocket;

namespace jetdeck::metrics {

class MetricsRegistry;

/// A small HTTP/1.1 server for Prometheus: GET /metrics (text exposition 0.0.4), GET
/// /snapshot.json (everything as JSON), GET / (an index). One request per connection, then
/// close; requests are limited in size and time, anything else gets 400, 404 or 405. Listens
/// on loopback unless told otherwise.
///
/// A desktop endpoint must not be readable by a web page the user happens to visit: a page
/// that rebinds its own host name to 127.0.0.1 sends its own name as Host, and gets 403. At
/// most maxConnections() are served at once (the next get 503), and a connection that sends
/// no complete request within the timeout is answered 408 and closed.
class MetricsServer : public QObject {
    Q_OBJECT
public:
    explicit MetricsServer(MetricsRegistry* registry, QObject* parent = nullptr);
    /// What to serve when it is more than one registry (the window's connections): the text
    /// exposition and the JSON snapshot, made at each request on this object's thread.
    struct Source {
        std::function<QByteArray()> prometheus;
        std::function<QJsonObject()> json;
    };
    explicit MetricsServer(Source source, QObject* parent = nullptr);
    ~MetricsServer() override;

    /// port 0 picks a free one (see port()). A port in use or not allowed is a clear error.
    Status listen(quint16 port, const QHostAddress& address = QHostAddress::LocalHost);
    void close();
    quint16 port() const;
    QString url() const; ///< http://host:port/metrics
    quint64 requestsServed() const { return m_served; }
    int openConnections() const { return m_open; }

    static constexpr int kDefaultMaxConnections = 16;
    void setMaxConnections(int n) { m_maxConnections = qMax(1, n); }
    int maxConnections() const { return m_maxConnections; }
    /// How long a connection may take to send its request (and then to take the answer).
    void setRequestTimeoutMs(int ms) { m_timeoutMs = qMax(1, ms); }

private:
    void onNewConnection();
    void onReadyRead(QTcpSocket* socket);
    void respond(QTcpSocket* socket, int code, const QByteArray& contentType,
                 const QByteArray& body, bool headOnly = false);
    /// Host is this server's own loopback address or name, with its port.
    bool hostAllowed(QByteArrayView host) const;

    QPointer<MetricsRegistry> m_registry;
    Source m_source;
    QTcpServer* m_server = nullptr;
    quint64 m_served = 0;
    int m_open = 0;
    int m_maxConnections = kDefaultMaxConnections;
    int m_timeoutMs = 5000;
};

} // namespace jetdeck::metrics
