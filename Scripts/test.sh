#!/usr/bin/env bash
# Sets up a fresh Debian machine and runs every Argus test.
#   Scripts/test.sh                 # all tests
#   Scripts/test.sh --filter Reader # passes its arguments on to `swift test`
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh --for-tests
# Style first: the committed .swift-format, on every tracked Swift file; any violation fails.
git ls-files '*.swift' | xargs swift format lint --strict --parallel
swift build --build-tests
swift test "$@"

# The example packages build against the library and run.
if [ $# -eq 0 ]; then
    swift build --package-path Examples/CustomAlertSink
    swift build --package-path Examples/EmbedScanner
    swift build --package-path Examples/CustomStore
    out=$(mktemp -d)
    Examples/CustomAlertSink/.build/debug/CustomAlertSink "$out/alerts.jsonl"
    test "$(wc -l < "$out/alerts.jsonl")" -eq 2
    Examples/EmbedScanner/.build/debug/EmbedScanner Tests/ArgusTests/Fixtures/mac.xml Tests/ArgusTests/Fixtures/services.xml > "$out/embed.txt"
    grep -q "The scan is complete." "$out/embed.txt"
    # A scheduled host-discovery scan of loopback only, with its alert printed by the example's sink.
    Examples/EmbedScanner/.build/debug/EmbedScanner --schedule 127.0.0.1 > "$out/schedule.txt"
    grep -q "scheduled scan .*: completed, 1 devices" "$out/schedule.txt"
    grep -q "alert: Baseline recorded: The first scan of 127.0.0.1 recorded its baseline: 1 device" "$out/schedule.txt"
    Examples/CustomStore/.build/debug/CustomStore > "$out/store.txt"
    grep -q "keeps the DeviceStore contract" "$out/store.txt"
    rm -rf "$out"
    echo "examples: built and ran"
fi
