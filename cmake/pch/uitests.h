// Precompiled for the ui suites: the tests' headers with the widgets' (QtTest's widget helpers
// come with QT_WIDGETS_LIB, so the ui suites cannot reuse the other suites' header).
#pragma once

#include "cmake/pch/tests.h"
#include "cmake/pch/ui.h"
