#!/usr/bin/env bash
# Installs what Argus needs from Debian's packages, only when something is missing:
# the C libraries it links (libxml2, libsqlite3), pkg-config to find them, and nmap.
# With --for-tests, also what the tests use: python3 (banner services), iproute2 (the network
# lab), chromium with chromium-driver and curl (the web UI's browser tests), and mosquitto,
# python3-aiosmtpd and openssl (the MQTT and email alert sinks' real receivers), python3-venv and
# schemathesis (the OpenAPI conformance test), the version in Tests/Schemathesis/requirements.txt,
# in a virtual environment at .build/schemathesis (no --user or --break-system-packages needed), and
# postgresql (ArgusPostgres's tests start a throwaway cluster of their own with its programs).
# The Swift toolchain itself must already be on PATH (swift.org's Linux build, 6.2 or newer).
set -euo pipefail

packages=(libxml2-dev libsqlite3-dev pkg-config nmap)
if [ "${1:-}" = "--for-tests" ]; then
    packages+=(python3 python3-venv iproute2 curl chromium chromium-driver mosquitto mosquitto-clients python3-aiosmtpd openssl postgresql)
fi
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}" >&2
    sudo=()
    [ "$(id -u)" -ne 0 ] && sudo=(sudo)
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >&2
fi

if ! command -v swift >/dev/null; then
    echo "setup: the Swift toolchain is not on PATH; install Swift 6.2 or newer from swift.org" >&2
    exit 1
fi

if [ "${1:-}" = "--for-tests" ]; then
    root="$(cd "$(dirname "$0")/.." && pwd)"
    venv="$root/.build/schemathesis"
    wanted=$(sed -n 's/^schemathesis==//p' "$root/Tests/Schemathesis/requirements.txt")
    if ! "$venv/bin/st" --version 2>/dev/null | grep -q "$wanted"; then
        echo "setup: installing schemathesis $wanted into .build/schemathesis" >&2
        /usr/bin/python3 -m venv "$venv"
        "$venv/bin/pip" install -q -r "$root/Tests/Schemathesis/requirements.txt" >&2
    fi
fi
