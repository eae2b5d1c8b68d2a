#pragma once
// What the JetStream commands of jetdeck-cli share: a connected session, numbers and table
// rows written the same way.

#include "app/cli/clicommon.h"
#include "core/jetstream/jetstream.h"

#include <QJsonObject>

#include <nlohmann/json_fwd.hpp>

#include <memory>

namespace jetdeck::cli {

QJsonObject toQt(const nlohmann::json& j);
QString count(quint64 n);
/// 512 B, 1.5 KiB, 3.0 GiB.
QString bytesText(quint64 n);
/// Cells padded to their widths (12 when not given); the last one is not padded.
QString row(const QStringList& cells, const QList<int>& widths);
/// Rows (the first one the header) as lines (no newline after the last), each column as wide as its
/// widest cell, so that long values (a server named by its 56-character ID) do not push the rest
/// out of line.
QString table(const QList<QStringList>& rows);

/// Connects and makes the JetStream context, or prints why not.
struct Session {
    std::unique_ptr<Connection> conn;
    std::unique_ptr<js::JetStream> js;
};
bool openSession(const Resolved& r, Session* s, int* code);

/// consumer and consume (consumercommands.cpp).
QList<Command> consumerCommands();

} // namespace jetdeck::cli
