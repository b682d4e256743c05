"""Shared helpers of the benchmark scripts: timing whole processes and writing their section of
Docs/benchmarks.md."""
import os
import re
import statistics
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "Benchmarks", "data")
CLI = os.path.join(ROOT, ".build", "release", "argus-cli")
DOC = os.path.join(ROOT, "Docs", "benchmarks.md")


def timed(command, prepare=None, accept=(0,)):
    """Runs a command under GNU time: (wall seconds, peak RSS in MiB)."""
    if prepare:
        prepare()
    start = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "%M"] + command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    if done.returncode not in accept:
        raise SystemExit("failed: %s\n%s" % (" ".join(command), done.stderr[-2000:]))
    return wall, int(done.stderr.strip().splitlines()[-1]) / 1024.0


def measure(command, runs, prepare=None, accept=(0,)):
    """The median wall time and the largest peak RSS of several runs."""
    results = [timed(command, prepare, accept) for _ in range(runs)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


def write_section(name, section):
    """Replaces the section between <!-- name:begin --> and <!-- name:end --> of the benchmarks
    document, or appends it."""
    text = open(DOC).read() if os.path.exists(DOC) else "# Benchmarks\n\n"
    if "<!-- %s:begin -->" % name in text:
        text = re.sub(r"<!-- %s:begin -->.*?<!-- %s:end -->\n" % (name, name), lambda _: section, text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    open(DOC, "w").write(text)
