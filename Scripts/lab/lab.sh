#!/usr/bin/env bash
# A private test network for Argus's end-to-end test, made of network namespaces:
#
#   argus-lab-net       holds a bridge (br0); nothing else, no route anywhere
#   argus-lab-scanner   10.77.0.1   where nmap runs (Scripts/lab/nmap-in-lab.sh)
#   argus-lab-hN        lab hosts, each with a veth into the bridge, a fixed MAC and services
#
# None of these namespaces has a link to the machine's own namespace or a default route:
# no packet can leave the lab. Needs root (ip netns).
#
#   lab.sh up                       create the network and the scanner
#   lab.sh host NAME IP MAC SPEC..  add a host running Scripts/fake_services.py with SPECs (port:kind)
#   lab.sh move NAME NEWIP          give a host a new address
#   lab.sh remove NAME              take a host away
#   lab.sh down                     remove everything
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
net=argus-lab-net
scanner=argus-lab-scanner

link() { # link NAMESPACE SHORTNAME IP MAC — a veth from NAMESPACE into the bridge
    local ns=$1 short=$2 ip=$3 mac=$4
    ip link add "lab-$short" type veth peer name "br-$short"
    ip link set "lab-$short" netns "$ns"
    ip link set "br-$short" netns "$net"
    ip -n "$net" link set "br-$short" master br0 up
    ip -n "$ns" link set "lab-$short" address "$mac"
    ip -n "$ns" addr add "$ip/24" dev "lab-$short"
    ip -n "$ns" link set "lab-$short" up
    ip -n "$ns" link set lo up
}

case "${1:-}" in
up)
    ip netns add "$net"
    ip -n "$net" link add br0 type bridge
    ip -n "$net" link set br0 up
    ip netns add "$scanner"
    link "$scanner" scan 10.77.0.1 02:00:00:77:00:01
    ;;
host)
    name=$2 ip=$3 mac=$4; shift 4
    ip netns add "argus-lab-$name"
    link "argus-lab-$name" "$name" "$ip" "$mac"
    ip netns exec "argus-lab-$name" python3 "$here/../fake_services.py" "$ip" "$@" > "/tmp/argus-lab-$name.log" 2>&1 &
    echo $! > "/tmp/argus-lab-$name.pid"
    for _ in $(seq 50); do grep -q ready "/tmp/argus-lab-$name.log" 2>/dev/null && break; sleep 0.1; done
    ;;
move)
    name=$2 newip=$3
    old=$(ip -n "argus-lab-$name" -4 -o addr show dev "lab-$name" | awk '{print $4}')
    specs=$(tr '\0' ' ' < "/proc/$(cat "/tmp/argus-lab-$name.pid")/cmdline" | cut -d' ' -f4-)
    kill -9 "$(cat "/tmp/argus-lab-$name.pid")" 2>/dev/null || true
    ip -n "argus-lab-$name" addr del "$old" dev "lab-$name"
    ip -n "argus-lab-$name" addr add "$newip/24" dev "lab-$name"
    ip netns exec "argus-lab-$name" python3 "$here/../fake_services.py" "$newip" $specs > "/tmp/argus-lab-$name.log" 2>&1 &
    echo $! > "/tmp/argus-lab-$name.pid"
    for _ in $(seq 50); do grep -q ready "/tmp/argus-lab-$name.log" 2>/dev/null && break; sleep 0.1; done
    ;;
remove)
    name=$2
    kill -9 "$(cat "/tmp/argus-lab-$name.pid")" 2>/dev/null || true
    ip netns del "argus-lab-$name"
    # The kernel destroys the veth pair after the namespace goes: wait, so the name is free again.
    for _ in $(seq 50); do ip -n "$net" link show "br-$name" > /dev/null 2>&1 || break; sleep 0.1; done
    ;;
down)
    for pidfile in /tmp/argus-lab-*.pid; do
        [ -e "$pidfile" ] && kill -9 "$(cat "$pidfile")" 2>/dev/null || true
        rm -f "$pidfile"
    done
    for ns in $(ip netns list | awk '{print $1}' | grep '^argus-lab-' || true); do ip netns del "$ns"; done
    ;;
*)
    sed -n '2,19p' "$0"
    exit 2
    ;;
esac
