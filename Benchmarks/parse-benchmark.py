#!/usr/bin/env python3
"""Benchmarks `argus-cli parse` against python-nmap, python-libnmap and `xmllint --stream`.

Each tool reads the same real nmap XML files (Benchmarks/generate-scans.sh) as a whole process;
wall time is the median of several runs, peak RSS the largest seen (GNU time's %M). The results
replace the "nmap XML parsing" section of Docs/benchmarks.md and are printed.

Usage: Benchmarks/parse-benchmark.py [--runs N]   (needs a release build of argus-cli)
"""
import argparse
import datetime
import os
import platform
import re
import subprocess
import sys

from benchlib import CLI, DATA, ROOT, measure, write_section

PYTHON_NMAP = ("import nmap, sys\n"
               "result = nmap.PortScanner().analyse_nmap_xml_scan(open(sys.argv[1]).read())\n"
               "print(len(result['scan']))")
LIBNMAP = ("import sys\nfrom libnmap.parser import NmapParser\n"
           "print(len(NmapParser.parse_fromfile(sys.argv[1]).hosts))")

FLOOR = os.path.join(ROOT, ".build", "sax-floor")

TOOLS = [
    ("argus-cli parse", lambda f: [CLI, "parse", f]),
    ("libxml2 SAX2 alone (floor)", lambda f: [FLOOR, f]),
    ("argus-cli parse --json", lambda f: [CLI, "parse", "--json", f]),
    ("xmllint --stream", lambda f: ["xmllint", "--stream", "--noout", f]),
    ("python-nmap", lambda f: [sys.executable, "-c", PYTHON_NMAP, f]),
    ("python-libnmap", lambda f: [sys.executable, "-c", LIBNMAP, f]),
]



def versions():
    import importlib.metadata as md
    found = {}
    for package in ("python-nmap", "python-libnmap"):
        try:
            found[package] = md.version(package)
        except md.PackageNotFoundError:
            found[package] = "missing"
    xmllint = subprocess.run(["xmllint", "--version"], capture_output=True, text=True).stderr.split("\n")[0]
    found["xmllint"] = xmllint.replace("xmllint: using libxml version ", "libxml2 ")
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not os.path.exists(CLI):
        raise SystemExit("build argus-cli first: swift build -c release --product argus-cli")
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "libxml-2.0"], capture_output=True, text=True, check=True).stdout.split()
    subprocess.run(["cc", "-O2", "-o", FLOOR, os.path.join(ROOT, "Benchmarks", "sax-floor.c")] + flags, check=True)
    files = [os.path.join(DATA, name) for name in ("scan-256.xml", "scan-65536.xml")]
    for path in files:
        if not os.path.exists(path):
            raise SystemExit("missing %s: run Benchmarks/generate-scans.sh" % path)

    rows = []
    for path in files:
        size = os.path.getsize(path)
        hosts = len(re.findall(rb"<host[ >]", open(path, "rb").read()))
        results = {}
        for name, command in TOOLS:
            runs = args.runs if "python" not in name or hosts < 1000 else max(1, args.runs - 1)
            results[name] = measure(command(path), runs)
            print("%-8s %-24s %8.3f s %8.1f MiB" % (hosts, name, *results[name]), flush=True)
        rows.append((os.path.basename(path), hosts, size, results))

    lines = ["<!-- parse:begin -->",
             "## nmap XML parsing (`argus-cli parse`)",
             "",
             "Measured %s on %s, %d cores, by `Benchmarks/parse-benchmark.py` (whole processes; "
             "wall time the median of %d runs, peak RSS from GNU time). Files: real nmap `-sT` scans of "
             "loopback made by `Benchmarks/generate-scans.sh` (8 ports a host, 4 open)." % (
                 datetime.date.today().isoformat(), platform.machine(), os.cpu_count(), args.runs),
             "Versions: %s." % ", ".join("%s %s" % kv for kv in versions().items()),
             ""]
    for name, hosts, size, results in rows:
        argus_wall = results["argus-cli parse"][0]
        lines += ["### %s — %d hosts, %.1f MiB" % (name, hosts, size / 1048576.0), "",
                  "| tool | wall | peak RSS | time vs argus-cli parse |", "| --- | ---: | ---: | ---: |"]
        for tool, (wall, rss) in results.items():
            lines.append("| %s | %.3f s | %.1f MiB | %.2fx |" % (tool, wall, rss, wall / argus_wall))
        lines.append("")
    big = rows[-1][3]
    small = rows[0][3]
    argus = big["argus-cli parse"]
    goals = [
        ("at least 12x faster than python-nmap (65k hosts)", big["python-nmap"][0] / argus[0] >= 12,
         "%.1fx" % (big["python-nmap"][0] / argus[0])),
        ("at most 0.6x the time of xmllint --stream (65k hosts)", argus[0] / big["xmllint --stream"][0] <= 0.6,
         "%.2fx" % (argus[0] / big["xmllint --stream"][0])),
        ("peak RSS under 40 MiB", max(argus[1], small["argus-cli parse"][1]) < 40,
         "%.1f MiB" % max(argus[1], small["argus-cli parse"][1])),
        ("256-host file in under 25 ms", small["argus-cli parse"][0] < 0.025,
         "%.1f ms" % (small["argus-cli parse"][0] * 1000)),
    ]
    lines += ["### Goals", "", "| goal | measured | met |", "| --- | ---: | :---: |"]
    lines += ["| %s | %s | %s |" % (goal, value, "yes" if ok else "**no**") for goal, ok, value in goals]
    lines += ["<!-- parse:end -->"]
    section = "\n".join(lines) + "\n"
    print(section)
    write_section("parse", section)


if __name__ == "__main__":
    main()
