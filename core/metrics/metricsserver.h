#pragma once

#include "core/client/error.h"

#include <QHostAddress>
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
class MetricsServer : public QObject {
    Q_OBJECT
public:
    explicit MetricsServer(MetricsRegistry* registry, QObject* parent = nullptr);
    ~MetricsServer() override;

    /// port 0 picks a free one (see port()). A port in use or not allowed is a clear error.
    Status listen(quint16 port, const QHostAddress& address = QHostAddress::LocalHost);
    void close();
    quint16 port() const;
    QString url() const; ///< http://host:port/metrics
    quint64 requestsServed() const { return m_served; }

private:
    void onNewConnection();
    void onReadyRead(QTcpSocket* socket);
    void respond(QTcpSocket* socket, int code, const QByteArray& contentType,
                 const QByteArray& body, bool headOnly = false);

    QPointer<MetricsRegistry> m_registry;
    QTcpServer* m_server = nullptr;
    quint64 m_served = 0;
};

} // namespace jetdeck::metrics
