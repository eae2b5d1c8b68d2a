#include "nuid.h"

#include <QRandomGenerator>

namespace jetdeck {

namespace {
constexpr char kDigits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr quint64 kBase = 62;
constexpr quint64 kMaxSeq = 839299365868340224ULL; // 62^10
constexpr quint64 kMinInc = 33;
constexpr quint64 kMaxInc = 333;
} // namespace

Nuid::Nuid() {
    randomizePrefix();
    resetSequence();
}

void Nuid::randomizePrefix() {
    auto* rng = QRandomGenerator::system();
    for (char& c : m_prefix)
        c = kDigits[rng->bounded(quint32(kBase))];
}

void Nuid::resetSequence() {
    auto* rng = QRandomGenerator::global();
    m_seq = rng->bounded(kMaxSeq);
    m_inc = kMinInc + rng->bounded(kMaxInc - kMinInc);
}

QByteArray Nuid::next() {
    m_seq += m_inc;
    if (m_seq >= kMaxSeq) {
        randomizePrefix();
        resetSequence();
    }
    QByteArray out(Length, Qt::Uninitialized);
    char* p = out.data();
    std::copy(m_prefix.begin(), m_prefix.end(), p);
    quint64 v = m_seq;
    for (int i = Length - 1; i >= PrefixLength; --i) {
        p[i] = kDigits[v % kBase];
        v /= kBase;
    }
    return out;
}

QByteArray Nuid::global() {
    static std::mutex mu;
    static Nuid nuid;
    std::lock_guard lock(mu);
    return nuid.next();
}

} // namespace jetdeck
