#include "creds.h"

#include "nkeys.h"

#include <QFile>
#include <QFileInfo>

#include <optional>
#include <vector>

namespace jetdeck {

QString secretFileWarning(const QString& path) {
    if (path.isEmpty())
        return {};
    const QFileInfo fi(path);
    if (!fi.exists())
        return {};
    const QFile::Permissions p = fi.permissions();
    const bool group = p & QFileDevice::ReadGroup;
    const bool other = p & QFileDevice::ReadOther;
    if (!group && !other)
        return {};
    return QStringLiteral("%1 holds a secret and is readable by %2; only its owner should read "
                          "it (chmod 600 %1)")
        .arg(path, other ? QStringLiteral("every user") : QStringLiteral("its group"));
}

namespace {

// A .creds file is a few kilobytes; refuse to slurp something that clearly is not one.
constexpr qint64 kMaxCredsFileSize = 1 << 20;

Error credentialsError(QString message) {
    return Error{ErrorKind::Credentials, std::move(message)};
}

// nsc frames each item with lines like "-----BEGIN NATS USER JWT-----" and
// "------END NATS USER JWT------". Like the Go and C clients we only look at the dashes, not
// at the words, so hand-edited or differently labelled files still parse.
bool isFence(QByteArrayView line) {
    return line.size() >= 6 && line.startsWith("---") && line.endsWith("---");
}

bool isJwtChar(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
}

// Why text is not a compact JWT, or nullopt when it looks like one.
std::optional<QString> jwtShapeProblem(QByteArrayView text) {
    for (const char c : text) {
        if (!isJwtChar(c)) {
            return QStringLiteral("unexpected character '%1'").arg(QChar::fromLatin1(c));
        }
    }
    if (text.count('.') != 2) {
        return QStringLiteral("expected three dot-separated parts, found %1")
            .arg(text.count('.') + 1);
    }
    if (text.startsWith('.') || text.endsWith('.') || text.contains("..")) {
        return QStringLiteral("a part is empty");
    }
    return std::nullopt;
}

// Trimmed lines of text, as views into it (no copies of the secret are made).
std::vector<QByteArrayView> lines(QByteArrayView text) {
    std::vector<QByteArrayView> out;
    for (qsizetype start = 0; start < text.size();) {
        qsizetype end = text.indexOf('\n', start);
        if (end < 0) {
            end = text.size();
        }
        out.push_back(text.sliced(start, end - start).trimmed());
        start = end + 1;
    }
    return out;
}

// where is "" or " in <path>", spliced into messages so they name the file when there is one.
Result<Credentials> parse(QByteArrayView text, const QString& where) {
    const std::vector<QByteArrayView> all = lines(text);

    // Collect the fenced blocks. Blank lines inside a block are skipped and a block split over
    // several lines is joined, which tolerates JWTs wrapped by an editor or a mail client.
    std::vector<QByteArray> blocks;
    bool inside = false;
    QByteArray current;
    // Reserved up front so appending never reallocates and leaves stray copies of the seed.
    current.reserve(text.size());
    for (const QByteArrayView line : all) {
        if (isFence(line)) {
            if (inside && !current.isEmpty()) {
                blocks.push_back(current);
                nkeys::wipe(current);
                current.reserve(text.size());
            }
            inside = !inside;
            continue;
        }
        if (inside) {
            current.append(line);
        }
    }
    // A final block without its closing line: keep it, the content checks below still apply.
    if (inside && !current.isEmpty()) {
        blocks.push_back(current);
    }
    nkeys::wipe(current);

    // A lone decorated seed is not a JWT; say "no JWT" rather than "malformed JWT".
    if (blocks.size() == 1 && blocks.front().startsWith('S') && !blocks.front().contains('.')) {
        blocks.insert(blocks.begin(), QByteArray());
    }

    Credentials creds;
    if (!blocks.empty()) {
        creds.jwt = blocks.front();
    } else {
        // Like nats.go, a file holding nothing but a JWT is taken as that JWT.
        const QByteArrayView whole = text.trimmed();
        if (!whole.isEmpty() && !jwtShapeProblem(whole)) {
            creds.jwt = whole.toByteArray();
        }
    }
    if (blocks.size() > 1) {
        creds.seed = blocks[1];
    } else {
        // No second block: accept a bare seed line, as nats.go does for hand-made files.
        for (const QByteArrayView line : all) {
            if (line.startsWith("SU") || line.startsWith("SA") || line.startsWith("SO")) {
                creds.seed = line.toByteArray();
                break;
            }
        }
    }
    for (QByteArray& block : blocks) {
        nkeys::wipe(block);
    }

    if (creds.jwt.isEmpty()) {
        return credentialsError(QStringLiteral("no user JWT found%1").arg(where));
    }
    if (const std::optional<QString> problem = jwtShapeProblem(creds.jwt)) {
        return credentialsError(QStringLiteral("malformed user JWT%1: %2").arg(where, *problem));
    }
    if (creds.seed.isEmpty()) {
        return credentialsError(QStringLiteral("no seed found%1").arg(where));
    }
    const Result<nkeys::KeyPair> pair = nkeys::KeyPair::fromSeed(creds.seed);
    if (!pair) {
        return credentialsError(
            QStringLiteral("invalid seed%1: %2").arg(where, pair.error().message));
    }
    if (pair->type() != nkeys::KeyType::User) {
        return credentialsError(QStringLiteral("the seed%1 is not a user seed (key type: %2)")
                                    .arg(where, nkeys::keyTypeName(pair->type())));
    }
    return creds;
}

} // namespace

Credentials::~Credentials() {
    nkeys::wipe(seed);
}

Result<Credentials> parseCreds(QByteArrayView text) {
    return parse(text, QString());
}

Result<Credentials> readCredsFile(const QString& path) {
    QFile file(path);
    if (!file.exists()) {
        return credentialsError(QStringLiteral("credentials file %1 does not exist").arg(path));
    }
    if (!file.open(QIODevice::ReadOnly)) {
        return credentialsError(
            QStringLiteral("cannot read credentials file %1: %2").arg(path, file.errorString()));
    }
    if (file.size() > kMaxCredsFileSize) {
        return credentialsError(
            QStringLiteral("credentials file %1 is too large to be one").arg(path));
    }
    QByteArray contents = file.readAll();
    if (file.error() != QFileDevice::NoError) {
        nkeys::wipe(contents);
        return credentialsError(
            QStringLiteral("cannot read credentials file %1: %2").arg(path, file.errorString()));
    }
    Result<Credentials> result = parse(contents, QStringLiteral(" in %1").arg(path));
    nkeys::wipe(contents);
    return result;
}

} // namespace jetdeck
