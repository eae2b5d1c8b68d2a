#include "serverinfo.h"

#include "core/protocol/json.h"

namespace jetdeck {

namespace {

QString str(const nlohmann::json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string())
        return {};
    return QString::fromStdString(it->get<std::string>());
}

bool flag(const nlohmann::json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_boolean() && it->get<bool>();
}

/// A whole number that fits T, else the fallback (a server's "max_payload": 2e62 included).
template <typename T>
T number(const nlohmann::json& j, const char* key, T fallback) {
    auto it = j.find(key);
    if (it == j.end())
        return fallback;
    if constexpr (std::is_unsigned_v<T>) {
        const auto v = json::toUInt64(*it);
        return v && *v <= std::numeric_limits<T>::max() ? T(*v) : fallback;
    } else {
        const auto v = json::toInt64(*it);
        return v && *v >= std::numeric_limits<T>::min() && *v <= std::numeric_limits<T>::max()
                   ? T(*v)
                   : fallback;
    }
}

} // namespace

Result<ServerInfo> ServerInfo::parse(QByteArrayView json) {
    const nlohmann::json j = json::parse(json);
    if (j.is_discarded() || !j.is_object())
        return Error{ErrorKind::Protocol, QStringLiteral("INFO is not a valid JSON object"),
                     json.first(qMin<qsizetype>(json.size(), 200)).toByteArray()};
    ServerInfo i;
    i.serverId = str(j, "server_id");
    i.serverName = str(j, "server_name");
    i.version = str(j, "version");
    i.go = str(j, "go");
    i.host = str(j, "host");
    i.port = number<int>(j, "port", 0);
    i.proto = number<int>(j, "proto", 0);
    i.headers = flag(j, "headers");
    i.maxPayload = number<qint64>(j, "max_payload", 1024 * 1024);
    i.clientId = number<quint64>(j, "client_id", 0);
    i.clientIp = str(j, "client_ip");
    i.authRequired = flag(j, "auth_required");
    i.tlsRequired = flag(j, "tls_required");
    i.tlsAvailable = flag(j, "tls_available");
    i.tlsVerify = flag(j, "tls_verify");
    i.nonce = str(j, "nonce").toUtf8();
    i.lameDuckMode = flag(j, "ldm");
    i.jetstream = flag(j, "jetstream");
    i.cluster = str(j, "cluster");
    i.domain = str(j, "domain");
    if (auto it = j.find("connect_urls"); it != j.end() && it->is_array())
        for (const auto& u : *it)
            if (u.is_string())
                i.connectUrls.append(QString::fromStdString(u.get<std::string>()));
    i.raw = json.toByteArray();
    if (i.maxPayload <= 0)
        i.maxPayload = 1024 * 1024;
    return i;
}

int ServerInfo::versionNumber() const {
    const QStringList parts = version.split(QLatin1Char('.'));
    if (parts.size() < 3)
        return 0;
    int n = 0;
    for (int k = 0; k < 3; ++k) {
        QString p = parts[k];
        const qsizetype dash = p.indexOf(QLatin1Char('-'));
        if (dash >= 0)
            p.truncate(dash);
        n = n * 100 + p.toInt();
    }
    return n;
}

} // namespace jetdeck
