#include "subject.h"

#include <array>

namespace jetdeck::subject {

namespace {

QString show(QByteArrayView s) {
    QString out = QString::fromUtf8(s.first(qMin<qsizetype>(s.size(), 80)));
    out.replace(QLatin1Char('\r'), QStringLiteral("\\r"));
    out.replace(QLatin1Char('\n'), QStringLiteral("\\n"));
    out.replace(QLatin1Char('\t'), QStringLiteral("\\t"));
    if (s.size() > 80)
        out += QStringLiteral("...");
    return out;
}

Status validate(QByteArrayView s, bool allowWildcards, const char* what) {
    const QString kind = QLatin1String(what);
    if (s.isEmpty())
        return {ErrorKind::InvalidSubject, kind + QStringLiteral(" is empty")};
    if (s.size() > MaxLength)
        return {ErrorKind::InvalidSubject, QStringLiteral("%1 is %2 bytes long, the limit is %3")
                                               .arg(kind)
                                               .arg(s.size())
                                               .arg(MaxLength)};
    qsizetype tokenStart = 0;
    const qsizetype n = s.size();
    for (qsizetype i = 0; i <= n; ++i) {
        const char c = i < n ? s[i] : '.';
        const auto u = static_cast<unsigned char>(c);
        if (u <= 32 || u == 127)
            return {ErrorKind::InvalidSubject,
                    QStringLiteral("%1 '%2' contains whitespace or a control character at byte %3")
                        .arg(kind, show(s))
                        .arg(i)};
        if (c != '.')
            continue;
        const QByteArrayView token = s.sliced(tokenStart, i - tokenStart);
        if (token.isEmpty())
            return {ErrorKind::InvalidSubject,
                    QStringLiteral("%1 '%2' has an empty token (leading, trailing or double dot)")
                        .arg(kind, show(s))};
        const bool star = token.contains('*');
        const bool gt = token.contains('>');
        if (star || gt) {
            if (token.size() != 1)
                return {ErrorKind::InvalidSubject,
                        QStringLiteral("%1 '%2': a wildcard must be a whole token ('%3')")
                            .arg(kind, show(s), show(token))};
            if (gt && i != n)
                return {ErrorKind::InvalidSubject,
                        QStringLiteral("%1 '%2': '>' is only allowed as the last token")
                            .arg(kind, show(s))};
            if (!allowWildcards)
                return {ErrorKind::InvalidSubject,
                        QStringLiteral("%1 '%2' contains a wildcard; wildcards are only for "
                                       "subscriptions")
                            .arg(kind, show(s))};
        }
        tokenStart = i + 1;
    }
    return {};
}

/// The common case, checked without building anything: every publish goes through here.
/// Anything unusual (wildcards, bad bytes, empty tokens) falls through to the full check,
/// which also writes the message.
/// Byte classes for the fast check: 0 plain, 1 dot, 2 anything the full check must look at.
constexpr std::array<unsigned char, 256> kClass = [] {
    std::array<unsigned char, 256> t{};
    for (int c = 0; c <= 32; ++c)
        t[size_t(c)] = 2;
    t[127] = 2;
    t[size_t('*')] = 2;
    t[size_t('>')] = 2;
    t[size_t('.')] = 1;
    return t;
}();

bool quickValid(QByteArrayView s) {
    const qsizetype n = s.size();
    if (n == 0 || n > MaxLength)
        return false;
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    // Branch-free: a bad byte (class 2) or a dot after a dot (1 & 1) sets a bit in `bad`.
    unsigned bad = 0;
    unsigned prev = 1; // as if after a dot: a leading dot is an empty token
    for (qsizetype i = 0; i < n; ++i) {
        const unsigned k = kClass[p[i]];
        bad |= k & (2u | prev);
        prev = k;
    }
    if (bad)
        return false;
    return prev == 0;
}

} // namespace

bool isPlainPublishSubject(QByteArrayView s) {
    return quickValid(s);
}

Status validatePublish(QByteArrayView s) {
    if (quickValid(s))
        return {};
    return validate(s, false, "subject");
}

Status validateSubscribe(QByteArrayView s) {
    if (quickValid(s))
        return {};
    return validate(s, true, "subject");
}

Status validateQueue(QByteArrayView q) {
    if (q.isEmpty())
        return {ErrorKind::InvalidSubject, QStringLiteral("queue group is empty")};
    if (q.size() > MaxLength)
        return {ErrorKind::InvalidSubject, QStringLiteral("queue group is too long")};
    for (qsizetype i = 0; i < q.size(); ++i) {
        const auto u = static_cast<unsigned char>(q[i]);
        if (u <= 32 || u == 127)
            return {ErrorKind::InvalidSubject,
                    QStringLiteral("queue group '%1' contains whitespace or a control character")
                        .arg(show(q))};
    }
    return {};
}

bool hasWildcards(QByteArrayView s) {
    qsizetype start = 0;
    for (qsizetype i = 0; i <= s.size(); ++i) {
        if (i == s.size() || s[i] == '.') {
            if (i - start == 1 && (s[start] == '*' || s[start] == '>'))
                return true;
            start = i + 1;
        }
    }
    return false;
}

bool matches(QByteArrayView filter, QByteArrayView subject) {
    qsizetype fi = 0, si = 0;
    const qsizetype fn = filter.size(), sn = subject.size();
    while (fi <= fn && si <= sn) {
        qsizetype fe = filter.indexOf('.', fi);
        if (fe < 0)
            fe = fn;
        qsizetype se = subject.indexOf('.', si);
        if (se < 0)
            se = sn;
        const QByteArrayView ft = filter.sliced(fi, fe - fi);
        if (ft == ">")
            return si < sn || se > si;
        if (si >= sn && sn > 0)
            return false;
        if (ft != "*" && ft != subject.sliced(si, se - si))
            return false;
        fi = fe + 1;
        si = se + 1;
        if (fi > fn && si > sn)
            return true;
        if (fi > fn || si > sn)
            return false;
    }
    return false;
}

} // namespace jetdeck::subject
