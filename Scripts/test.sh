#!/usr/bin/env bash
# Sets up a fresh Debian machine and runs every Argus test.
#   Scripts/test.sh                 # all tests
#   Scripts/test.sh --filter Reader # passes its arguments on to `swift test`
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh --for-tests
swift build --build-tests
swift test "$@"
