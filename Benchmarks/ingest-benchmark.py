#!/usr/bin/env python3
"""Benchmarks `argus-cli import` (parse and insert, one transaction) against a Python baseline
(ElementTree iterparse + sqlite3, same rows, same schema, same pragmas), and the time to list
10,000 devices with their open-port counts.

Whole processes; wall time the median of several runs, peak RSS from GNU time. The results
replace the "Device store" section of Docs/benchmarks.md and are printed.

Usage: Benchmarks/ingest-benchmark.py [--runs N]   (needs a release build of argus-cli)
"""
import argparse
import datetime
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile

from benchlib import CLI, DATA, ROOT, measure, write_section

BASELINE = os.path.join(ROOT, "Benchmarks", "python-ingest-baseline.py")



def remove(path):
    for suffix in ("", "-wal", "-shm"):
        try:
            os.remove(path + suffix)
        except FileNotFoundError:
            pass


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not os.path.exists(CLI):
        raise SystemExit("build argus-cli first: swift build -c release --product argus-cli")
    work = tempfile.mkdtemp(prefix="argus-ingest-")
    schema = os.path.join(work, "schema.db")
    subprocess.run([CLI, "scans", "--db", schema], check=True, stdout=subprocess.DEVNULL)

    rows = []
    for name in ("scan-256.xml", "scan-65536.xml"):
        scan = os.path.join(DATA, name)
        if not os.path.exists(scan):
            raise SystemExit("missing %s: run Benchmarks/generate-scans.sh" % scan)
        hosts = len(re.findall(rb"<host[ >]", open(scan, "rb").read()))
        argus_db = os.path.join(work, "argus-%s.db" % name)
        python_db = os.path.join(work, "python-%s.db" % name)
        argus = measure([CLI, "import", scan, "--db", argus_db], args.runs, lambda: remove(argus_db))
        python = measure([sys.executable, BASELINE, schema, scan, python_db], args.runs, lambda: remove(python_db))
        print("%-16s argus %.3f s %.1f MiB   python %.3f s %.1f MiB" % (name, argus[0], argus[1], python[0], python[1]), flush=True)
        rows.append((name, hosts, os.path.getsize(scan), argus, python, argus_db))

    big_db = rows[-1][5]
    # Memory against four times the hosts (replicated from the real /16 scan).
    huge = os.path.join(DATA, "scan-262144.xml")
    huge_db = os.path.join(work, "argus-huge.db")
    huge_result = measure([CLI, "import", huge, "--db", huge_db], 1, lambda: remove(huge_db)) if os.path.exists(huge) else None
    if huge_result:
        print("scan-262144.xml  argus %.3f s %.1f MiB" % huge_result, flush=True)
    listing = measure([CLI, "devices", "--db", big_db, "--limit", "10000"], 7)
    listing_json = measure([CLI, "devices", "--db", big_db, "--limit", "10000", "--json"], 7)
    startup = measure([CLI, "scans", "--db", big_db, "--limit", "1"], 7)
    store_times = []
    for _ in range(7):
        done = subprocess.run([CLI, "devices", "--db", big_db, "--limit", "10000", "--timing"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=True)
        store_times.append(float(re.search(r"in ([0-9.]+) ms", done.stderr).group(1)))
    store_listing = statistics.median(store_times) / 1000
    print("listing 10,000 devices: store %.1f ms; whole process %.1f ms (JSON %.1f ms; a one-row command %.1f ms)" % (store_listing * 1000, listing[0] * 1000, listing_json[0] * 1000, startup[0] * 1000))

    lines = ["<!-- ingest:begin -->",
             "## Device store (`argus-cli import`, `argus-cli devices`)",
             "",
             "Measured %s on %s, %d cores, by `Benchmarks/ingest-benchmark.py`: whole processes, wall time "
             "the median of %d runs, peak RSS from GNU time, a fresh database each run. The baseline "
             "(`Benchmarks/python-ingest-baseline.py`) parses with ElementTree's streaming `iterparse` and "
             "writes the same device, observation and port rows with `sqlite3` into the same schema, in one "
             "transaction, with the same pragmas. SQLite %s." % (
                 datetime.date.today().isoformat(), platform.machine(), os.cpu_count(), args.runs, subprocess.run(
                     ["python3", "-c", "import sqlite3; print(sqlite3.sqlite_version)"], capture_output=True, text=True).stdout.strip()),
             "",
             "| file | hosts | argus-cli import | peak RSS | Python baseline | peak RSS | throughput vs baseline |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, hosts, size, argus, python, _ in rows:
        lines.append("| %s (%.1f MiB) | %d | %.3f s | %.1f MiB | %.3f s | %.1f MiB | %.2fx |" % (
            name, size / 1048576.0, hosts, argus[0], argus[1], python[0], python[1], python[0] / argus[0]))
    if huge_result:
        lines.append("| scan-262144.xml (replicated, %.1f MiB) | 262144 | %.3f s | %.1f MiB | | | |" % (os.path.getsize(huge) / 1048576.0, huge_result[0], huge_result[1]))
    lines += ["",
              "Peak memory is the 16 MiB SQLite page cache of the writer, the reading thread's bounded queue, "
              "the runtime and the ids of what the scan recorded (see the goals below for whether it stays flat).",
              "",
              "Listing 10,000 of the 65,536 devices with their open-port counts, sorted by IP: the store "
              "call (`SQLiteDeviceStore.devices`, timed inside `argus-cli devices --timing`, median of 7) "
              "takes %.1f ms. The whole `argus-cli devices --limit 10000` process takes %.1f ms as a table "
              "and %.1f ms as JSON; a command that reads one row takes %.1f ms." % (
                  store_listing * 1000, listing[0] * 1000, listing_json[0] * 1000, startup[0] * 1000),
              ""]
    small, big = rows[0], rows[-1]
    goals = [
        ("at least 4x the baseline's throughput (65k hosts, parse and insert)", big[4][0] / big[3][0] >= 4, "%.2fx" % (big[4][0] / big[3][0])),
        ("flat memory (peak RSS, 65,536 vs 262,144 hosts)", huge_result is not None and huge_result[1] < big[3][1] * 1.1,
         "%.1f vs %s MiB" % (big[3][1], "%.1f" % huge_result[1] if huge_result else "(not measured)")),
        ("listing 10,000 devices with port counts under 50 ms (store call)", store_listing < 0.05, "%.1f ms" % (store_listing * 1000)),
    ]
    lines += ["| goal | measured | met |", "| --- | ---: | :---: |"]
    lines += ["| %s | %s | %s |" % (goal, value, "yes" if ok else "**no**") for goal, ok, value in goals]
    lines += ["<!-- ingest:end -->"]
    section = "\n".join(lines) + "\n"
    print(section)
    write_section("ingest", section)


if __name__ == "__main__":
    main()
