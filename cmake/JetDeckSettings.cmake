# One INTERFACE target carries the language standard, warnings and Qt safety defines;
# every JetDeck target links it, so no target can quietly build with weaker settings.
add_library(jetdeck_settings INTERFACE)
add_library(JetDeck::settings ALIAS jetdeck_settings)

target_compile_features(jetdeck_settings INTERFACE cxx_std_20)
set(CMAKE_CXX_EXTENSIONS OFF)

target_compile_definitions(jetdeck_settings INTERFACE
    QT_NO_CAST_FROM_ASCII
    QT_NO_CAST_TO_ASCII
    QT_NO_CAST_FROM_BYTEARRAY
    QT_NO_URL_CAST_FROM_STRING
    QT_NO_NARROWING_CONVERSIONS_IN_CONNECT
    QT_NO_FOREACH
    QT_USE_QSTRINGBUILDER
    JETDECK_VERSION="${PROJECT_VERSION}")
if(Qt6_VERSION VERSION_GREATER_EQUAL 6.7)
    target_compile_definitions(jetdeck_settings INTERFACE QT_NO_CONTEXTLESS_CONNECT)
endif()

target_compile_options(jetdeck_settings INTERFACE -Wall -Wextra -Wpedantic)
if(JETDECK_WERROR)
    target_compile_options(jetdeck_settings INTERFACE -Werror)
endif()

if(JETDECK_FUZZ)
    if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
        message(FATAL_ERROR "JETDECK_FUZZ needs clang (libFuzzer): configure with "
                            "-DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_C_COMPILER=clang-14")
    endif()
    # Coverage for libFuzzer in every library; the fuzz programs add -fsanitize=fuzzer.
    target_compile_options(jetdeck_settings INTERFACE
        -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
        -fno-sanitize-recover=undefined)
    target_link_options(jetdeck_settings INTERFACE -fsanitize=address,undefined)
elseif(JETDECK_SANITIZE)
    # -g1: line tables, all a sanitizer report needs (function, file, line). The full debug
    # information made objects 40 % larger (tst_streamspage.o 11.0 MB against 7.8 MB) and the
    # ~60 test programs slower to link, in a pass whose programs nobody steps through.
    # -O1, as the AddressSanitizer documentation advises: instrumented code at -O2 took the
    # longest step of the fresh machine's run (25 min of 66 on 2 cores) to compile.
    target_compile_options(jetdeck_settings INTERFACE
        -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined -g1
        -O1)
    target_link_options(jetdeck_settings INTERFACE -fsanitize=address,undefined)
endif()

# Linking: the ~60 test programs each link the static libraries with their debug information
# (about 110 MB a program); GNU gold (in binutils, with the compiler) links one in 5 s where
# the default ld takes 12, several minutes of every clean build on 2 cores.
include(CheckLinkerFlag)
check_linker_flag(CXX "-fuse-ld=gold" JETDECK_HAVE_GOLD)
if(JETDECK_HAVE_GOLD)
    target_link_options(jetdeck_settings INTERFACE -fuse-ld=gold)
endif()
