#!/usr/bin/env bash
# Sets up a fresh Debian machine, builds argus-server in release mode and runs it.
# Arguments are passed on to argus-server (see `argus-server --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh
swift build -c release --product argus-server
exec .build/release/argus-server "$@"
