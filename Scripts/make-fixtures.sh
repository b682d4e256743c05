#!/usr/bin/env bash
# Regenerates the nmap XML fixtures in Tests/ArgusTests/Fixtures by scanning services that this
# script starts itself. Every scan stays on this machine: loopback (127.0.0.0/8, ::1), and, when
# run as root, a pair of network namespaces joined by a veth cable that has no route anywhere else.
# nmap always runs with -n (no DNS lookups leave the machine).
#
#   Scripts/make-fixtures.sh            # all fixtures (root adds OS detection and the MAC fixture)
set -euo pipefail
cd "$(dirname "$0")/.."
out=Tests/ArgusTests/Fixtures
mkdir -p "$out"
command -v nmap >/dev/null || { echo "nmap is missing: apt-get install nmap" >&2; exit 1; }

pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    if [ "$(id -u)" = 0 ]; then
        ip netns del argus-fx-scanner 2>/dev/null || true
        ip netns del argus-fx-target 2>/dev/null || true
    fi
}
trap cleanup EXIT

start() { # start HOST SPEC... — waits until the services are listening
    python3 Scripts/fake_services.py "$@" > /tmp/argus-fx-$$.log 2>&1 &
    pids+=($!)
    for _ in $(seq 50); do grep -q ready /tmp/argus-fx-$$.log 2>/dev/null && break; sleep 0.1; done
}

start 127.0.0.1 22021:vsftpd 22022:ssh-old 28080:http 22445:smb
start ::1 28080:http

scan() { # scan NAME ARGS... — writes $out/NAME.xml, keeping nmap's own output as is
    local name=$1; shift
    echo "nmap $* -> $out/$name.xml"
    nmap -n "$@" -oX "$out/$name.xml" > /dev/null
}

os=()
[ "$(id -u)" = 0 ] && os=(-O)
# Service and version detection, default scripts, OS detection (root), on the banner services.
scan services -sV -sC "${os[@]}" --reason -p 1,22021,22022,28080 127.0.0.1
# A range of loopback hosts with a connect scan: several hosts, closed-port summaries.
scan range -sT -Pn --reason -p 22021,22022,28080,22445,1-20 127.0.0.1-6
# A list scan: hosts in state "unknown", no packets sent.
scan list -sL 127.0.0.0/29
# IPv6 loopback.
scan ipv6 -6 -sT -Pn -p 28080,28081 ::1
# Progress: taskbegin / taskprogress / taskend elements from --stats-every.
scan progress -sT -Pn -T4 -p 1-65535 --stats-every 100ms 127.0.0.1
# A name given as the target: a user hostname.
scan named -sT -Pn -p 28080 localhost

# MAC addresses, vendors and a down host need a layer-2 segment: two namespaces joined by veth,
# with no link to the host's own namespace, so no packet can leave the machine.
if [ "$(id -u)" = 0 ] && command -v ip >/dev/null; then
    ip netns add argus-fx-scanner
    ip netns add argus-fx-target
    ip link add argus-fx-a type veth peer name argus-fx-b
    ip link set argus-fx-a netns argus-fx-scanner
    ip link set argus-fx-b netns argus-fx-target
    ip -n argus-fx-scanner addr add 10.213.0.1/24 dev argus-fx-a
    ip -n argus-fx-target addr add 10.213.0.2/24 dev argus-fx-b
    ip -n argus-fx-target link set argus-fx-b address 00:1b:21:3a:4b:5c
    ip -n argus-fx-scanner link set argus-fx-a up
    ip -n argus-fx-target link set argus-fx-b up
    ip -n argus-fx-scanner link set lo up
    ip -n argus-fx-target link set lo up
    ip netns exec argus-fx-target python3 Scripts/fake_services.py 10.213.0.2 22022:ssh-old 28080:http \
        > /tmp/argus-fx-ns-$$.log 2>&1 &
    pids+=($!)
    for _ in $(seq 50); do grep -q ready /tmp/argus-fx-ns-$$.log 2>/dev/null && break; sleep 0.1; done
    echo "nmap (in netns argus-fx-scanner) -> $out/mac.xml"
    ip netns exec argus-fx-scanner nmap -n -v -sS -sV --reason -p 22022,28080,443 \
        10.213.0.2-3 -oX "$out/mac.xml" > /dev/null
else
    echo "not root: skipping the namespace fixture (mac.xml)" >&2
fi
echo "fixtures written to $out"
