// Precompiled for every test suite (tests/CMakeLists.txt): <QtTest> brings all of Qt Core.
// Only headers from outside the project: a project header here would be seen by every suite,
// whether it includes it or not.
#pragma once

#include "cmake/pch/core.h"

#include <QtTest>
