#pragma once

// The checks of the assert step, one function each: what a check reads from the file beyond
// "within", "at_least" and "at_most", and one evaluation of it.

#include "core/scenario/run.h"

#include <QJsonObject>
#include <QString>

#include <optional>
#include <span>

namespace jetdeck::scenario {
class Reader;
}

namespace jetdeck::scenario::steps {

/// What one evaluation of a check sees and says.
struct CheckContext {
    Run& run;
    const AssertStep& a;
    Run::Publish* publish = nullptr; ///< the publish it names, finished
    Run::Worker* worker = nullptr;   ///< the worker it names
    qint64 startedMs = 0;            ///< when the assert step started
    /// The verdict's own evaluation, after the check kept failing: a check may spend requests
    /// on saying why (not on every retry while it waits).
    bool finalPass = false;
    QString message;      ///< out: what it found
    QJsonObject measured; ///< out: the values behind it
};

/// One check.
struct Check {
    CheckKind kind;
    const char* name;
    /// Reads what the check needs; `check` is its name, for messages.
    Status (*read)(Reader& r, AssertStep& a, const QString& check);
    /// True: it holds; false: it does not (yet); no value: it cannot be checked (an error).
    std::optional<bool> (*evaluate)(CheckContext& c);
};

/// Every check.
std::span<const Check> checks();
const Check* findCheck(QStringView name);
const Check& checkOf(CheckKind kind);

} // namespace jetdeck::scenario::steps
