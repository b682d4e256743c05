#!/usr/bin/env python3
"""Benchmarks `argus-cli diff` against nmap's own `ndiff` on two large scans.

The second scan is the real /16 scan (Benchmarks/generate-scans.sh) with changes a week might
bring, made by rewriting the file: every 50th host gone, every 40th host's port 8080 opened,
every 60th host's ssh now reported with a version. Both tools compare the same two files;
whole processes, wall time the median of several runs (ndiff once: it is slow), peak RSS from
GNU time. The results replace the "Scan diff" section of Docs/benchmarks.md.

Usage: Benchmarks/diff-benchmark.py [--runs N]   (needs a release build of argus-cli and ndiff)
"""
import argparse
import datetime
import os
import platform
import subprocess

from benchlib import CLI, DATA, measure as measure_exits, write_section


def measure(command, runs):
    # ndiff exits 1 when the scans differ; argus-cli diff exits 3.
    return measure_exits(command, runs, accept=(0, 1, 3))



def make_changed(source, target):
    text = open(source, encoding="utf-8").read()
    head, rest = text.split("<host ", 1)
    hosts = ("<host " + rest).split("\n<host ")
    out = [head]
    for index, host in enumerate(hosts):
        if index and not host.startswith("<host "):
            host = "<host " + host
        if index % 50 == 7:
            continue
        if index % 40 == 3:
            host = host.replace('portid="8080"><state state="closed" reason="conn-refused"', 'portid="8080"><state state="open" reason="syn-ack"')
        if index % 60 == 5:
            host = host.replace('<service name="ssh" method="table" conf="3"/>', '<service name="ssh" product="OpenSSH" version="9.6p1" method="probed" conf="10"/>')
        out.append(host if index == len(hosts) - 1 else host + "\n")
    open(target, "w", encoding="utf-8").write("".join(out))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    old = os.path.join(DATA, "scan-65536.xml")
    new = os.path.join(DATA, "scan-65536-changed.xml")
    if not os.path.exists(new):
        make_changed(old, new)
    ndiff_version = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "ndiff"], capture_output=True, text=True).stdout
    argus = measure([CLI, "diff", old, new], args.runs)
    changes = subprocess.run([CLI, "diff", old, new], capture_output=True, text=True).stdout.strip().splitlines()[-1]
    print("argus-cli diff %.3f s %.1f MiB (%s)" % (argus[0], argus[1], changes), flush=True)
    ndiff = measure(["ndiff", old, new], 1)
    print("ndiff          %.3f s %.1f MiB" % ndiff, flush=True)
    lines = ["<!-- diff:begin -->",
             "## Scan diff (`argus-cli diff`)",
             "",
             "Measured %s on %s, %d cores, by `Benchmarks/diff-benchmark.py`: the real 65,536-host scan "
             "against a copy with every 50th host gone, every 40th host's port 8080 opened and every 60th "
             "host's ssh now with a version (%s found by argus-cli). Whole processes, peak RSS from GNU "
             "time; argus-cli the median of %d runs, ndiff %s one run." % (
                 datetime.date.today().isoformat(), platform.machine(), os.cpu_count(), changes, args.runs, ndiff_version),
             "",
             "| tool | wall | peak RSS | time vs argus-cli diff |", "| --- | ---: | ---: | ---: |",
             "| argus-cli diff | %.3f s | %.1f MiB | 1.00x |" % argus,
             "| ndiff | %.3f s | %.1f MiB | %.1fx |" % (ndiff[0], ndiff[1], ndiff[0] / argus[0]),
             "",
             "| goal | measured | met |", "| --- | ---: | :---: |",
             "| at least 10x faster than ndiff | %.1fx | %s |" % (ndiff[0] / argus[0], "yes" if ndiff[0] / argus[0] >= 10 else "**no**"),
             "<!-- diff:end -->"]
    section = "\n".join(lines) + "\n"
    print(section)
    write_section("diff", section)


if __name__ == "__main__":
    main()
