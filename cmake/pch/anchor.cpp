// The ui suites' precompiled header is built with this file (tests/CMakeLists.txt); it holds
// nothing else.
