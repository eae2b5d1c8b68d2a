# Writes the help2man include file for jetdeck-cli: every command's own --help as a section,
# plus files, environment and see-also. Run as: cmake -DCLI=... -DOUT=... -P CliManInclude.cmake
execute_process(COMMAND ${CLI} --help OUTPUT_VARIABLE help RESULT_VARIABLE rc)
string(REPLACE ";" "\\;" help "${help}")
string(REPLACE "\n" ";" lines "${help}")
set(in_commands FALSE)
set(commands "")
foreach(line IN LISTS lines)
    if(line MATCHES "^Commands:")
        set(in_commands TRUE)
    elseif(in_commands AND line MATCHES "^[A-Z]")
        set(in_commands FALSE)
    elseif(in_commands AND line MATCHES "^  ([a-z][a-z-]*)( |$)")
        list(APPEND commands "${CMAKE_MATCH_1}")
    endif()
endforeach()
if(NOT commands)
    message(FATAL_ERROR "no commands found in '${CLI} --help'")
endif()

function(roff_escape text out)
    string(REPLACE "\\" "\\e" text "${text}")
    string(REPLACE "\n." "\n\\&." text "${text}")
    string(REPLACE "\n'" "\n\\&'" text "${text}")
    set(${out} "${text}" PARENT_SCOPE)
endfunction()

set(body "[COMMANDS]\nEach command's options, as `jetdeck-cli COMMAND --help` prints them.\n")
foreach(cmd IN LISTS commands)
    execute_process(COMMAND ${CLI} ${cmd} --help OUTPUT_VARIABLE chelp)
    roff_escape("\n${chelp}" chelp)
    string(APPEND body ".SS ${cmd}\n.nf${chelp}\n.fi\n")
endforeach()
string(APPEND body "[ENVIRONMENT]
NATS_URL, NATS_USER, NATS_PASSWORD, NATS_TOKEN, NATS_CREDS, NATS_NKEY, NATS_CERT, NATS_KEY,
NATS_CA, NATS_TIMEOUT and NATS_CONTEXT work as in natscli. JETDECK_NATS_SERVER names the
nats-server binary for --demo runs. JETDECK_LOG_DIR moves the log files.
[FILES]
~/.config/nats/context/*.json: natscli contexts.
.br
~/.local/share/jetdeck-cli/logs/: one log file per run, the last 10 kept.
.br
/usr/share/jetdeck/scenarios/: the shipped scenarios (also built in: scenario list).
[EXIT STATUS]
0 success, 1 failure (a one-line error on stderr; for scenario run: an assertion failed),
2 usage error or a malformed scenario file.
[SEE ALSO]
jetdeck(1), nats-server(8), nats(1)
")
file(WRITE "${OUT}" "${body}")
