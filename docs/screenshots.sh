#!/bin/sh
# Regenerates the screenshots in docs/ from a build in build/ (offscreen, no display needed):
# the demo's pages from the jetdeck binary, the rest from the UI tests that stage them.
set -eu
cd "$(dirname "$0")/.."
export QT_QPA_PLATFORM=offscreen
# A first run's layout, not the one this machine's user left behind.
XDG_CONFIG_HOME=$(mktemp -d)
export XDG_CONFIG_HOME
trap 'rm -rf "$XDG_CONFIG_HOME"' EXIT
app=build/app/jetdeck
$app --demo-cluster 3 --theme dark --page consumer --screenshot docs/console-dark.png --screenshot-delay 12000
$app --demo --theme light --page connection --screenshot docs/console-demo.png --screenshot-delay 8000
$app --demo --theme light --page streams --screenshot docs/console-streams.png --screenshot-delay 8000
$app --demo-cluster 3 --theme light --scenario jetstream-faults --run-scenario --screenshot docs/console-scenarios.png --screenshot-delay 40000
$app --demo --theme light --page latency --screenshot docs/console-latency.png --screenshot-delay 12000
(cd build && JETDECK_SCREENSHOT_DIR="$PWD/../docs" ctest -R 'tst_mainwindow|tst_outboundpage|tst_publishpage|tst_consumerpage|tst_faultspage|tst_clusterpages|tst_eventspage|tst_messagespage|tst_connections|tst_tailpage|tst_multiconnection' >/dev/null)
echo "screenshots written to docs/"
