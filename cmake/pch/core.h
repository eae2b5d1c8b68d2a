// Qt Core, nlohmann/json and the standard library headers nearly every file includes: part of
// the ui library's and the test suites' precompiled headers. (The core library itself has
// none: its ~100 files are small, and loading a 160 MB precompiled header cost each of them
// more than parsing these did.)
#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QElapsedTimer>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QTimer>

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <vector>
