#!/usr/bin/env python3
"""Measures what `argus-cli scan` adds to nmap: the same scan of the namespace lab, run by plain
nmap with exactly Argus's arguments (from `argus-cli scan --dry-run`) and by argus-cli, which
also parses the stream, matches devices, scores risk and CVEs, detects changes and writes the
database. Runs alternate (nmap, argus, nmap, argus, ...) so drift hits both alike; the figure is
the median wall time of each, and the overhead their ratio. Goal: under 5 %.

The lab (Scripts/lab/lab.sh) is private network namespaces with no route off the machine; nmap
runs inside its scanner namespace. Needs root. The result replaces the "Scan overhead" section
of Docs/benchmarks.md.

Usage: sudo Benchmarks/scan-overhead-benchmark.py [--runs N] [--hosts N] [--profile P]
"""
import argparse
import datetime
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

from benchlib import CLI, ROOT, write_section

LAB = os.path.join(ROOT, "Scripts", "lab", "lab.sh")
NMAP = os.path.join(ROOT, "Scripts", "lab", "nmap-in-lab.sh")
SERVICES = [["22:ssh-old", "21:vsftpd"], ["80:http", "445:smb"], ["9100:echo"], ["80:http", "3389:rdp"], ["22:ssh-old", "80:http"]]


def lab(*arguments):
    subprocess.run([LAB, *arguments], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wall(command, **kwargs):
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--hosts", type=int, default=10)
    parser.add_argument("--profile", default="normal")
    parser.add_argument("--ports", default="21-23,80,443,445,3389,8080,9100", help="the ports to scan (the lab's services and a few closed ones)")
    options = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("scan-overhead-benchmark: needs root (the lab is made of network namespaces)")
    if not os.access(CLI, os.X_OK):
        sys.exit(f"scan-overhead-benchmark: build argus-cli first: swift build -c release --product argus-cli ({CLI})")
    lab("down")
    lab("up")
    try:
        for index in range(options.hosts):
            lab("host", f"b{index}", f"10.77.0.{20 + index}", f"00:1B:21:00:01:{index:02X}", *SERVICES[index % len(SERVICES)])
        scan = ["scan", "10.77.0.0/24", "--exclude", "10.77.0.1", "--profile", options.profile, "--ports", options.ports, "--no-dns", "--nmap", NMAP]
        command = subprocess.run([CLI, *scan, "--dry-run"], check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
        nmap_arguments = shlex.split(command)[1:]
        folder = tempfile.mkdtemp(prefix="argus-overhead-")
        nmap_times, argus_times = [], []
        for run in range(options.runs):
            nmap_times.append(wall([NMAP, *nmap_arguments]))
            # Each argus run records into the same database, as a monitor would: scans after
            # the first compare with the last and write changes.
            argus_times.append(wall([CLI, *scan, "--db", os.path.join(folder, "argus.db")]))
            print(f"run {run + 1}: nmap {nmap_times[-1]:.2f} s, argus-cli scan {argus_times[-1]:.2f} s", flush=True)
    finally:
        lab("down")
    nmap_median, argus_median = statistics.median(nmap_times), statistics.median(argus_times)
    overhead = (argus_median / nmap_median - 1) * 100
    verdict = "met" if overhead < 5 else "NOT met"
    print(f"nmap {nmap_median:.2f} s, argus-cli scan {argus_median:.2f} s: overhead {overhead:+.1f} % (goal < 5 %: {verdict})")
    rows = "\n".join(f"| {i + 1} | {n:.2f} | {a:.2f} |" for i, (n, a) in enumerate(zip(nmap_times, argus_times)))
    section = f"""## Scan overhead: `argus-cli scan` against plain nmap

Measured {datetime.date.today()} on {platform.machine()}, {os.cpu_count()} cores, by
`Benchmarks/scan-overhead-benchmark.py --runs {options.runs} --hosts {options.hosts} --profile {options.profile} --ports {options.ports}`
(release build): the namespace lab with {options.hosts} hosts running banner services (old OpenSSH,
vsftpd 2.3.4, HTTP, SMB, RDP, a printer port), scanned from its isolated scanner namespace.
Plain nmap runs with exactly the arguments of `argus-cli scan --dry-run`:

`{' '.join(shlex.quote(a) for a in nmap_arguments)}`

argus-cli scan also parses the stream, matches devices, scores ports and CVEs, detects changes
and commits the scan to SQLite. Runs alternate; medians:

| run | nmap (s) | argus-cli scan (s) |
| --- | --- | --- |
{rows}
| **median** | **{nmap_median:.2f}** | **{argus_median:.2f}** |

Overhead: **{overhead:+.1f} %** (goal under 5 %: {verdict}). nmap's own run-to-run spread on the
lab is of the same order, so small negative or positive figures mean "no measurable overhead".
"""
    write_section("scan-overhead", "<!-- scan-overhead:begin -->\n" + section + "<!-- scan-overhead:end -->\n")


if __name__ == "__main__":
    main()
