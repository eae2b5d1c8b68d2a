#pragma once

#include "core/base/error.h"

#include <QtTest>

/// Fails the current test with the error's own words unless `expr`, a Status, is ok. Only a
/// Status is taken: a Result or a bool does not convert, so the check cannot mean the opposite.
#define VERIFY_OK(expr)                                                                            \
    do {                                                                                           \
        const ::jetdeck::Status verifyOkStatus_ = (expr);                                          \
        if (!verifyOkStatus_.ok())                                                                 \
            QFAIL(qPrintable(                                                                      \
                QStringLiteral("%1: %2").arg(QStringLiteral(#expr), verifyOkStatus_.toString()))); \
    } while (false)
