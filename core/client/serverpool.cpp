#include "serverpool.h"

#include <QRandomGenerator>

#include <algorithm>

namespace jetdeck {

namespace {
void shuffle(QList<ServerPool::Entry>& list, qsizetype from = 0) {
    auto* rng = QRandomGenerator::global();
    for (qsizetype i = list.size() - 1; i > from; --i) {
        const qsizetype j = from + qsizetype(rng->bounded(quint32(i - from + 1)));
        list.swapItemsAt(i, j);
    }
}
} // namespace

void ServerPool::setServers(const QList<ServerUrl>& configured, bool randomize) {
    m_entries.clear();
    for (const ServerUrl& u : configured) {
        const bool dup = std::any_of(m_entries.cbegin(), m_entries.cend(),
                                     [&](const Entry& e) { return e.url.sameServer(u); });
        if (!dup)
            m_entries.append(Entry{u, 0, 0});
    }
    if (randomize)
        shuffle(m_entries);
    m_current = -1;
}

ServerPool::Entry* ServerPool::takeNext() {
    if (m_entries.isEmpty())
        return nullptr;
    // Rotate: the server tried last goes to the back, the front is tried next.
    if (m_current >= 0 && m_current < m_entries.size()) {
        Entry e = m_entries.takeAt(m_current);
        m_entries.append(e);
    }
    m_current = 0;
    return &m_entries[0];
}

ServerPool::Entry* ServerPool::current() {
    return (m_current >= 0 && m_current < m_entries.size()) ? &m_entries[m_current] : nullptr;
}

const ServerPool::Entry* ServerPool::current() const {
    return (m_current >= 0 && m_current < m_entries.size()) ? &m_entries[m_current] : nullptr;
}

void ServerPool::markConnected() {
    if (Entry* e = current()) {
        e->attempts = 0;
        e->authFailedLast = false;
    }
}

void ServerPool::removeCurrent() {
    if (m_current >= 0 && m_current < m_entries.size())
        m_entries.removeAt(m_current);
    m_current = -1;
}

void ServerPool::markFailed(qint64 nowMs) {
    if (Entry* e = current()) {
        ++e->attempts;
        e->lastAttemptMs = nowMs;
    }
}

QStringList ServerPool::updateDiscovered(const QStringList& connectUrls, bool randomize) {
    QList<ServerUrl> advertised;
    const ServerUrl* templ = nullptr;
    for (const Entry& e : m_entries)
        if (!e.url.implicit) {
            templ = &e.url;
            break;
        }
    for (const QString& s : connectUrls) {
        auto r = parseServerUrl(s);
        if (!r)
            continue;
        ServerUrl u = r.value();
        if (templ) {
            u.tls = templ->tls;
            u.user = templ->user;
            u.password = templ->password;
            u.token = templ->token;
        }
        u.implicit = true;
        advertised.append(u);
    }

    // Prune implicit servers the cluster no longer advertises, keeping the current one.
    const ServerUrl* cur = current() ? &current()->url : nullptr;
    const ServerUrl curCopy = cur ? *cur : ServerUrl{};
    const bool haveCur = cur != nullptr;
    m_entries.removeIf([&](const Entry& e) {
        if (!e.url.implicit || (haveCur && e.url.sameServer(curCopy)))
            return false;
        return std::none_of(advertised.cbegin(), advertised.cend(),
                            [&](const ServerUrl& a) { return a.sameServer(e.url); });
    });
    if (haveCur) {
        m_current = -1;
        for (qsizetype i = 0; i < m_entries.size(); ++i)
            if (m_entries[i].url.sameServer(curCopy)) {
                m_current = int(i);
                break;
            }
    }

    QStringList added;
    const qsizetype firstNew = m_entries.size();
    for (const ServerUrl& a : advertised) {
        const bool known = std::any_of(m_entries.cbegin(), m_entries.cend(),
                                       [&](const Entry& e) { return e.url.sameServer(a); });
        if (!known) {
            m_entries.append(Entry{a, 0, 0});
            added.append(a.hostPort());
        }
    }
    if (randomize && m_entries.size() - firstNew > 1)
        shuffle(m_entries, firstNew);
    return added;
}

} // namespace jetdeck
