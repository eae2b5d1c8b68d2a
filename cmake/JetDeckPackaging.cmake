# What `cmake --install` puts where, the generated man pages and bash completion, and the
# Debian package (cpack -G DEB). One reverse-DNS id for the desktop entry, the AppStream
# metainfo and the icons.

include(GNUInstallDirs)
set(JETDECK_APP_ID "dev.jetdeck.JetDeck")
set(JETDECK_LINUX "${PROJECT_SOURCE_DIR}/packaging/linux")
set(JETDECK_GEN "${PROJECT_BINARY_DIR}/generated")
file(MAKE_DIRECTORY "${JETDECK_GEN}")

# --- man pages, from the executables' own --help (help2man) ------------------------------
find_program(HELP2MAN help2man)
set(JETDECK_MANPAGES "")
if(HELP2MAN)
    add_custom_command(OUTPUT "${JETDECK_GEN}/jetdeck-cli.1"
        COMMAND ${CMAKE_COMMAND} -DCLI=$<TARGET_FILE:jetdeck-cli>
                -DOUT=${JETDECK_GEN}/jetdeck-cli.h2m -P ${PROJECT_SOURCE_DIR}/cmake/CliManInclude.cmake
        COMMAND ${HELP2MAN} --no-info --section=1 --source=JetDeck
                "--name=the headless face of JetDeck, a console for NATS and JetStream"
                --include=${JETDECK_GEN}/jetdeck-cli.h2m --output=${JETDECK_GEN}/jetdeck-cli.1
                $<TARGET_FILE:jetdeck-cli>
        DEPENDS jetdeck-cli ${PROJECT_SOURCE_DIR}/cmake/CliManInclude.cmake
        COMMENT "Man page jetdeck-cli.1"
        VERBATIM)
    list(APPEND JETDECK_MANPAGES "${JETDECK_GEN}/jetdeck-cli.1")
    if(JETDECK_BUILD_GUI)
        add_custom_command(OUTPUT "${JETDECK_GEN}/jetdeck.1"
            COMMAND ${CMAKE_COMMAND} -E env QT_QPA_PLATFORM=offscreen
                    ${HELP2MAN} --no-info --section=1 --source=JetDeck
                    "--name=a desktop console for NATS and JetStream"
                    --include=${JETDECK_LINUX}/jetdeck.h2m --output=${JETDECK_GEN}/jetdeck.1
                    $<TARGET_FILE:jetdeck>
            DEPENDS jetdeck ${JETDECK_LINUX}/jetdeck.h2m
            COMMENT "Man page jetdeck.1"
            VERBATIM)
        list(APPEND JETDECK_MANPAGES "${JETDECK_GEN}/jetdeck.1")
    endif()
else()
    message(STATUS "JetDeck: help2man not found, no man pages (Debian package help2man)")
endif()

# --- bash completion, from the command table -----------------------------------------------
add_custom_command(OUTPUT "${JETDECK_GEN}/jetdeck-cli.bash"
    COMMAND $<TARGET_FILE:jetdeck-cli> completion bash > ${JETDECK_GEN}/jetdeck-cli.bash
    DEPENDS jetdeck-cli
    COMMENT "Bash completion for jetdeck-cli")
add_custom_target(jetdeck_generated ALL
    DEPENDS ${JETDECK_MANPAGES} "${JETDECK_GEN}/jetdeck-cli.bash")

# --- install -------------------------------------------------------------------------------
# Installed compressed, as Debian policy asks.
set(JETDECK_MANPAGES_GZ "")
foreach(page IN LISTS JETDECK_MANPAGES)
    add_custom_command(OUTPUT "${page}.gz"
        COMMAND gzip -9nkf "${page}"
        DEPENDS "${page}"
        VERBATIM)
    list(APPEND JETDECK_MANPAGES_GZ "${page}.gz")
endforeach()
add_custom_target(jetdeck_manpages_gz ALL DEPENDS ${JETDECK_MANPAGES_GZ})
install(FILES ${JETDECK_MANPAGES_GZ} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES "${JETDECK_GEN}/jetdeck-cli.bash"
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME jetdeck-cli)
install(FILES "${PROJECT_SOURCE_DIR}/resources/scenarios/connection-failure.json"
              "${PROJECT_SOURCE_DIR}/resources/scenarios/jetstream-faults.json"
              "${PROJECT_SOURCE_DIR}/resources/scenarios/integration.json"
              "${PROJECT_SOURCE_DIR}/resources/scenarios/performance.json"
        DESTINATION ${CMAKE_INSTALL_DATADIR}/jetdeck/scenarios)
install(DIRECTORY "${PROJECT_SOURCE_DIR}/resources/grafana/"
        DESTINATION ${CMAKE_INSTALL_DATADIR}/jetdeck/grafana)
install(DIRECTORY "${PROJECT_SOURCE_DIR}/resources/prometheus/"
        DESTINATION ${CMAKE_INSTALL_DATADIR}/jetdeck/prometheus)
install(FILES "${PROJECT_SOURCE_DIR}/README.md" "${JETDECK_LINUX}/copyright"
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/jetdeck)
if(JETDECK_BUILD_GUI)
    install(FILES "${JETDECK_LINUX}/${JETDECK_APP_ID}.desktop"
            DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
    install(FILES "${JETDECK_LINUX}/${JETDECK_APP_ID}.metainfo.xml"
            DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo)
    install(FILES "${JETDECK_LINUX}/icons/${JETDECK_APP_ID}.svg"
            DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps)
    foreach(size 16 24 32 48 64 128 256 512)
        install(FILES "${JETDECK_LINUX}/icons/${size}x${size}/${JETDECK_APP_ID}.png"
                DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/${size}x${size}/apps)
    endforeach()
    install(FILES "${JETDECK_LINUX}/completions/jetdeck"
            DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
endif()

# --- the Debian package ------------------------------------------------------------------------
set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "jetdeck")
set(CPACK_PACKAGE_VENDOR "The JetDeck developers")
set(CPACK_PACKAGE_CONTACT "The JetDeck developers <jetdeck@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "desktop console for NATS and JetStream")
# CPack puts the summary on the first line and indents these.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
"JetDeck connects to a NATS server or cluster with its own resilient client
and shows connection state and history, outbound queues, streams and
consumers with pending, ack-pending and redelivery counts, and latency
percentiles. It runs controlled publishes, injects faults (a fault proxy,
client faults, server faults on local servers) and runs JSON scenarios.
jetdeck --demo starts a local nats-server with a live workload;
jetdeck-cli is the same core without windows.")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "net")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON) # the Qt 6, OpenSSL and QtKeychain libraries, by dpkg-shlibdeps
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "nats-server")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "prometheus")
set(CPACK_RESOURCE_FILE_LICENSE "${PROJECT_SOURCE_DIR}/LICENSE")
set(CPACK_STRIP_FILES ON)
include(CPack)
