# natsc-bench: the nats.c (libnats) baseline that bench/compare.sh measures
# jetdeck-cli against. Include from bench/CMakeLists.txt:
#     include(${CMAKE_CURRENT_SOURCE_DIR}/natsc_bench.cmake)
# Needs the C language enabled in project() and libnats-dev installed.
# It deliberately does not link JetDeck::settings (C++20/Qt settings);
# it is plain C11 with the same warning flags.

find_package(Threads REQUIRED)
find_library(NATS_C_LIB NAMES nats)
find_path(NATS_C_INCLUDE NAMES nats/nats.h)

if(NOT NATS_C_LIB OR NOT NATS_C_INCLUDE)
    message(FATAL_ERROR
        "natsc-bench needs nats.c (Debian: apt install libnats-dev); "
        "NATS_C_LIB='${NATS_C_LIB}' NATS_C_INCLUDE='${NATS_C_INCLUDE}'")
endif()

add_executable(natsc-bench ${CMAKE_CURRENT_LIST_DIR}/natsc_bench.c)
set_target_properties(natsc-bench PROPERTIES
    C_STANDARD 11
    C_STANDARD_REQUIRED ON
    C_EXTENSIONS OFF)
target_include_directories(natsc-bench PRIVATE ${NATS_C_INCLUDE})
target_link_libraries(natsc-bench PRIVATE ${NATS_C_LIB} Threads::Threads)
target_compile_options(natsc-bench PRIVATE -Wall -Wextra -Wpedantic)
if(JETDECK_WERROR)
    target_compile_options(natsc-bench PRIVATE -Werror)
endif()
# Always optimise the baseline, even in Debug trees, so comparisons are fair.
target_compile_options(natsc-bench PRIVATE $<$<CONFIG:Debug>:-O2>)
