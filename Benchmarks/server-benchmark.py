#!/usr/bin/env python3
"""Load-tests argus-server's API with wrk (Debian package `wrk`) on loopback.

For 1,000 and 10,000 devices (imported from the services fixture, replicated with new
addresses), it starts the release argus-server on a fresh database and measures:
- time to first response: from spawning the process to the first 200 from /health;
- idle RSS after start, and peak RSS after the load;
- wrk, 2 threads and 16 connections for 10 s, on GET /api/devices (100 per page, the default)
  and GET /api/stats, authenticated with an API key: requests/s and p50/p99 latency.
wrk and the server share this machine's cores, so the figures are conservative.
Goals (issue #5): p99 under 50 ms at 16 connections, idle RSS under 40 MB, ready in under 1 s.
The results replace the "server" section of Docs/benchmarks.md.

Usage: Benchmarks/server-benchmark.py [--sizes 1000,10000] [--duration 10]
  (needs `swift build -c release --product argus-server`, a debug argus-cli and wrk)
"""
import argparse
import datetime
import os
import platform
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request

from benchlib import ROOT, write_section

# Preparing the database is not measured: the debug argus-cli (built by the tests) will do.
CLI = os.path.join(ROOT, ".build", "debug", "argus-cli")

SERVER = os.path.join(ROOT, ".build", "release", "argus-server")
FIXTURE = os.path.join(ROOT, "Tests", "ArgusTests", "Fixtures", "services.xml")


def replicated(count, path):
    text = open(FIXTURE, encoding="utf-8").read()
    head = text[: text.index("<host")]
    host = re.findall(r"<host[ >].*?</host>", text, re.S)[0]
    tail = text[text.rindex("</host>") + len("</host>"):]
    with open(path, "w", encoding="utf-8") as out:
        out.write(head)
        for i in range(count):
            out.write(re.sub(r'addr="127\.[0-9.]+" addrtype="ipv4"', 'addr="10.%d.%d.%d" addrtype="ipv4"' % (i >> 16 & 255, i >> 8 & 255, i & 255), host) + "\n")
        out.write(tail)


def rss_mib(pid, field="VmRSS"):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def wrk(url, key, duration):
    output = subprocess.run(["wrk", "-t2", "-c16", f"-d{duration}s", "--latency", "-H", f"X-API-Key: {key}", url], check=True, capture_output=True, text=True).stdout
    def latency(label):
        match = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)", output, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise SystemExit(f"wrk saw {errors.group(1)} error responses from {url}")
    return rate, latency("50"), latency("99")


def measure(count, duration):
    folder = tempfile.mkdtemp(prefix="argus-server-bench-")
    db = os.path.join(folder, "argus.db")
    scan = os.path.join(folder, "scan.xml")
    replicated(count, scan)
    subprocess.run([CLI, "import", scan, "--db", db], check=True, capture_output=True)
    subprocess.run([CLI, "user", "add", "admin", "--password-stdin", "--db", db], input="a long enough password\n", text=True, check=True, capture_output=True)
    key = subprocess.run([CLI, "apikey", "create", "bench", "--db", db], check=True, capture_output=True, text=True).stdout.strip()
    port = 47000 + count % 1000
    start = time.perf_counter()
    server = subprocess.Popen([SERVER, "--db", db, "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.002)
        ready = time.perf_counter() - start
        time.sleep(1)
        idle = rss_mib(server.pid)
        devices = wrk(f"http://127.0.0.1:{port}/api/devices", key, duration)
        stats = wrk(f"http://127.0.0.1:{port}/api/stats", key, duration)
        peak = rss_mib(server.pid, "VmHWM")
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(folder)
    return {"count": count, "ready": ready, "idle": idle, "peak": peak, "devices": devices, "stats": stats}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--duration", type=int, default=10)
    options = parser.parse_args()
    for binary in (SERVER, CLI):
        if not os.access(binary, os.X_OK):
            raise SystemExit(f"server-benchmark: build it first: swift build -c release --product {os.path.basename(binary)}")
    if not shutil.which("wrk"):
        raise SystemExit("server-benchmark: needs wrk (apt-get install wrk)")
    results = [measure(int(size), options.duration) for size in options.sizes.split(",")]
    rows = []
    for r in results:
        for name, (rate, p50, p99) in (("GET /api/devices", r["devices"]), ("GET /api/stats", r["stats"])):
            rows.append(f"| {r['count']:,} | {name} | {rate:,.0f} | {p50:.2f} | {p99:.2f} | {r['peak']:.1f} |")
            print(rows[-1])
    startup = "\n".join(f"| {r['count']:,} | {r['ready'] * 1000:.0f} ms | {r['idle']:.1f} MiB |" for r in results)
    worst_p99 = max(max(r["devices"][2], r["stats"][2]) for r in results)
    worst_idle = max(r["idle"] for r in results)
    worst_ready = max(r["ready"] for r in results)
    verdicts = f"p99 {worst_p99:.1f} ms (goal < 50 ms: {'met' if worst_p99 < 50 else 'NOT met'}), idle RSS {worst_idle:.1f} MiB (goal < 40 MB: {'met' if worst_idle * 1.048576 < 40 else 'NOT met'}), ready in {worst_ready * 1000:.0f} ms (goal < 1 s: {'met' if worst_ready < 1 else 'NOT met'})"
    print(verdicts)
    section = f"""## argus-server under load (wrk)

Measured {datetime.date.today()} on {platform.machine()}, {os.cpu_count()} cores, by
`Benchmarks/server-benchmark.py --sizes {options.sizes} --duration {options.duration}` (release build). A fresh
SQLite database per size, filled by `argus-cli import` (each device with the services fixture's
ports); wrk (2 threads, 16 connections, {options.duration} s, an API key) runs on the same cores as
the server. `/api/devices` returns its default page of 100 devices with port counts and the total.

| devices | route | requests/s | p50 (ms) | p99 (ms) | server peak RSS (MiB) |
| --- | --- | --- | --- | --- | --- |
{chr(10).join(rows)}

| devices | time to first response | idle RSS |
| --- | --- | --- |
{startup}

Worst case: {verdicts}.
"""
    write_section("server", "<!-- server:begin -->\n" + section + "<!-- server:end -->\n")


if __name__ == "__main__":
    main()
