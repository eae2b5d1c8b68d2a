#pragma once

#include <QByteArray>

#include <array>
#include <mutex>

namespace jetdeck {

/// Unique ids for inboxes and message ids: a random 12 character prefix and a 10 character
/// sequence that advances by a random step, both in base 62 (22 characters in all).
/// The prefix is renewed when the sequence runs out, so ids never repeat in practice.
class Nuid {
public:
    static constexpr int PrefixLength = 12;
    static constexpr int SequenceLength = 10;
    static constexpr int Length = PrefixLength + SequenceLength;

    Nuid();
    QByteArray next();
    /// A process-wide generator, safe to use from any thread.
    static QByteArray global();

private:
    void randomizePrefix();
    void resetSequence();

    std::array<char, PrefixLength> m_prefix{};
    quint64 m_seq = 0;
    quint64 m_inc = 0;
};

} // namespace jetdeck
