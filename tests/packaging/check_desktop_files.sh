#!/usr/bin/env bash
# The desktop integration files are valid, the generated man pages render without warnings,
# and the bash completions know every command and option the executables have.
# Usage: check_desktop_files.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src="$1"
build="$2"
cli="$build/app/jetdeck-cli"
gui="$build/app/jetdeck"
linux="$src/packaging/linux"
fail() { echo "FAIL: $*" >&2; exit 1; }

echo "desktop entry"
desktop-file-validate "$linux/dev.jetdeck.JetDeck.desktop"
echo "AppStream metainfo"
appstreamcli validate --no-net "$linux/dev.jetdeck.JetDeck.metainfo.xml"
grep -q '<launchable type="desktop-id">dev.jetdeck.JetDeck.desktop</launchable>' \
    "$linux/dev.jetdeck.JetDeck.metainfo.xml" || fail "metainfo does not launch the desktop id"
grep -q '^Icon=dev.jetdeck.JetDeck$' "$linux/dev.jetdeck.JetDeck.desktop" || fail "icon id"
for size in 16 24 32 48 64 128 256 512; do
    png="$linux/icons/${size}x${size}/dev.jetdeck.JetDeck.png"
    [[ -s "$png" ]] || fail "missing $png"
    file "$png" | grep -q "PNG image data, $size x $size" || fail "$png is not ${size}x${size}"
done

echo "man pages"
for page in jetdeck-cli jetdeck; do
    man="$build/generated/$page.1"
    [[ -s "$man" ]] || fail "missing $man"
    warnings="$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$man" 2>&1 >/dev/null || true)"
    [[ -z "$warnings" ]] || fail "$page.1: $warnings"
done
# Every command has its section in jetdeck-cli(1).
commands="$("$cli" completion bash | sed -n 's/^    local commands="\(.*\)"$/\1/p')"
[[ -n "$commands" ]] || fail "no command list in the completion script"
for c in $commands; do
    grep -q "^\.SS $c\$" "$build/generated/jetdeck-cli.1" || fail "jetdeck-cli.1 lacks $c"
done
MANWIDTH=80 man -l "$build/generated/jetdeck.1" 2>/dev/null | grep -q -- "--demo-cluster" ||
    fail "jetdeck.1 lacks --demo-cluster"

echo "bash completion"
comp="$build/generated/jetdeck-cli.bash"
bash -n "$comp"
complete_words() { # script function words... -> what completes the last word
    bash -c 'source "$1"; shift; fn="$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); "$fn"; echo "${COMPREPLY[*]}"' \
        _ "$@"
}
[[ "$(complete_words "$comp" _jetdeck_cli jetdeck-cli scen)" == "scenario" ]] || fail "scen"
[[ "$(complete_words "$comp" _jetdeck_cli jetdeck-cli -s nats://x stream "")" == "ls info add rm purge view get rmm" ]] ||
    fail "stream subcommands"
[[ "$(complete_words "$comp" _jetdeck_cli jetdeck-cli fault st)" == "stepdown" ]] || fail "fault"
[[ "$(complete_words "$comp" _jetdeck_cli jetdeck-cli pub x --cou)" == "--count" ]] || fail "pub --count"
for c in $commands; do
    "$cli" "$c" --help >/dev/null || fail "jetdeck-cli $c --help"
done
gcomp="$linux/completions/jetdeck"
bash -n "$gcomp"
for opt in $(QT_QPA_PLATFORM=offscreen "$gui" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
    [[ "$opt" == --help-all ]] && continue
    grep -q -- "$opt" "$gcomp" || fail "the jetdeck completion lacks $opt"
done
[[ "$(complete_words "$gcomp" _jetdeck jetdeck --page sc)" == "scenarios" ]] || fail "--page"
# Every page the window has (its --help lists them from the page table) completes.
pages="$(QT_QPA_PLATFORM=offscreen "$gui" --help 2>/dev/null | tr '\n' ' ' | tr -s ' ' |
    sed -n 's/.*Open on this page: \([a-z, ]*\)\..*/\1/p' | tr -d ',')"
[[ -n "$pages" ]] || fail "jetdeck --help lists no pages"
[[ "$(complete_words "$gcomp" _jetdeck jetdeck --page "")" == "$pages" ]] ||
    fail "--page completes '$(complete_words "$gcomp" _jetdeck jetdeck --page "")', the pages are '$pages'"
echo "all good"
