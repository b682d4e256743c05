#!/usr/bin/env bash
# Writes large real nmap XML for the benchmarks into Benchmarks/data/:
#   scan-256.xml     nmap -sT of 127.0.0.0/24   (256 hosts)
#   scan-65536.xml   nmap -sT of 127.0.0.0/16   (65,536 hosts)
#
# Every 127.x.y.z answers on Linux. The scans run inside a private network namespace made here
# (root needed), whose only interface is its own loopback: banner services bound to 0.0.0.0
# there answer on every 127.x address, and no packet can leave the namespace.
# Without root, Benchmarks/replicate-hosts.py builds the same sizes from a real scan's hosts
# with rewritten addresses (stated in the output file's comment).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p Benchmarks/data
ports=21,22,23,80,443,445,3389,8080

if [ "$(id -u)" = 0 ] && command -v ip >/dev/null; then
    ns=argus-bench-$$
    ip netns add "$ns"
    pid=
    trap '[ -n "$pid" ] && kill $pid 2>/dev/null; ip netns del "$ns" 2>/dev/null || true' EXIT
    ip -n "$ns" link set lo up
    ip netns exec "$ns" python3 Scripts/fake_services.py 0.0.0.0 21:vsftpd 22:ssh-old 80:http 445:smb \
        > /tmp/argus-bench-services.log 2>&1 &
    pid=$!
    for _ in $(seq 50); do grep -q ready /tmp/argus-bench-services.log && break; sleep 0.1; done
    for spec in 24:256 16:65536; do
        prefix=${spec%%:*}; count=${spec##*:}
        out=Benchmarks/data/scan-$count.xml
        echo "nmap -n -sT -Pn --reason -p $ports 127.0.0.0/$prefix -> $out (in netns $ns)"
        ip netns exec "$ns" nmap -n -sT -Pn --reason -T5 --max-retries 1 -p "$ports" \
            "127.0.0.0/$prefix" -oX "$out" > /dev/null
    done
else
    echo "not root: replicating a real scan's hosts with rewritten addresses" >&2
    for count in 256 65536; do
        python3 Benchmarks/replicate-hosts.py Tests/ArgusTests/Fixtures/range.xml "$count" \
            > "Benchmarks/data/scan-$count.xml"
    done
fi
# A 4x larger file for the memory checks: the real /16 scan's hosts, replicated with rewritten
# addresses (127.0.0.0/14), so that "flat memory" is seen against four times the hosts.
python3 Benchmarks/replicate-hosts.py Benchmarks/data/scan-65536.xml 262144 > Benchmarks/data/scan-262144.xml
ls -la Benchmarks/data
