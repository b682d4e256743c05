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
    # argus-server with a sink type of the example's own, configured from config.yaml: a bad
    # setting is refused naming its key; a good one starts the server with that sink.
    printf 'alerts:\n  sinks:\n    - {name: log, type: jsonl, path: alerts.jsonl}\n' > "$out/bad.yaml"
    status=0
    Examples/CustomAlertSink/.build/debug/CustomArgusServer --config "$out/bad.yaml" --db "$out/custom.db" 2> "$out/bad.txt" || status=$?
    test "$status" -eq 2
    grep -q "alerts.sinks\[0\].path: the file's absolute path is required" "$out/bad.txt"
    printf 'alerts:\n  sinks:\n    - {name: log, type: jsonl, path: %s}\n' "$out/alerts-server.jsonl" > "$out/good.yaml"
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    Examples/CustomAlertSink/.build/debug/CustomArgusServer --config "$out/good.yaml" --db "$out/custom.db" --port "$port" > "$out/server.txt" 2>&1 &
    server=$!
    for _ in $(seq 100); do grep -q "listens on" "$out/server.txt" && break; sleep 0.2; done
    kill "$server"
    wait "$server" || true
    grep -q "alerts go to: .*log" "$out/server.txt"
    grep -q "listens on http://127.0.0.1:$port" "$out/server.txt"
    Examples/CustomStore/.build/debug/CustomStore > "$out/store.txt"
    grep -q "keeps the DeviceStore contract" "$out/store.txt"
    rm -rf "$out"
    echo "examples: built and ran"
    # The API reference: the Argus module's DocC catalog, with every warning (a broken symbol
    # link, a missing page) an error.
    docs=$(mktemp -d)
    swift package --allow-writing-to-directory "$docs" generate-documentation --target Argus \
        --output-path "$docs/Argus.doccarchive" --warnings-as-errors --disable-indexing
    test -f "$docs/Argus.doccarchive/data/documentation/argus.json"
    rm -rf "$docs"
    echo "docs: the Argus reference builds without warnings"
fi
