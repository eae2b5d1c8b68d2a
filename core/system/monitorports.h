#pragma once

#include "core/system/fanout.h"

#include <QHash>
#include <QList>
#include <QNetworkAccessManager>
#include <QObject>
#include <QUrl>

namespace jetdeck::sys {

/// The servers' monitoring ports (nats-server -m / http_port): the documents the system account
/// answers on $SYS.REQ.SERVER.PING.*, over HTTP, for a user outside the system account
/// (`jetdeck --monitor URL[,URL...]`, one URL per server). Each port is asked on its own; a
/// port that does not answer is a server not answering. Who answered is what that port's own
/// /varz says (learned on the first request to it, and from every /varz since).
/// Lives on its creator's thread.
class MonitorPorts : public QObject {
    Q_OBJECT
public:
    /// "http://host:8222", "host:8222" (http assumed), several separated by commas or
    /// spaces. An Error naming the entry when one is not an http(s) URL with a host, or a
    /// path, query or credentials are given (the documents' paths are the console's).
    static Result<QList<QUrl>> parseUrls(const QString& text);

    explicit MonitorPorts(QList<QUrl> urls, QObject* parent = nullptr);

    const QList<QUrl>& urls() const { return m_urls; }
    /// "http://a:8222, http://b:8222"
    QString describe() const;

    /// GETs `doc` from every port with the options of its $SYS request (`body`, JSON: the
    /// same keys, translated to the port's query words) and gathers the answers like
    /// fanout(): one ServerReply per port that answered, in arrival order; `done` once on
    /// `context`'s thread, never if `context` is destroyed first.
    void fetch(Doc doc, QByteArrayView body, const FanoutOptions& options, QObject* context,
               FanoutCallback done);
    /// fetch() from the one port whose server has `serverId` (as its /varz last said); an
    /// Error of kind NotFound in the result when no port is known for it.
    void fetchFrom(const QString& serverId, Doc doc, QByteArrayView body,
                   const FanoutOptions& options, QObject* context, FanoutCallback done);
    /// The same, with the replies read and `work` run on the background thread (large JSZ).
    void fetchOffThread(Doc doc, QByteArrayView body, const FanoutOptions& options,
                        QObject* context, FanoutWork work);

private:
    struct Round;
    void start(Doc doc, QByteArrayView body, const FanoutOptions& options, QObject* context,
               FanoutCallback done, FanoutWork work, int onlyPort = -1);
    void ask(const std::shared_ptr<Round>& round, int port);
    void answered(const std::shared_ptr<Round>& round);

    QList<QUrl> m_urls;
    QNetworkAccessManager m_nam;
    QHash<int, ServerIdentity> m_identity; ///< by index in m_urls, from its /varz
};

/// The monitoring port's path and query for `doc` with the JSON options of its $SYS request:
/// "/jsz?accounts=true&consumers=true". An Error for options the port has no word for.
Result<QString> monitorPath(Doc doc, QByteArrayView body);

} // namespace jetdeck::sys
