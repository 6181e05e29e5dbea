"""Benchmark: import a JSON file of 1,000,000 small customers, time and peak memory.

The file (``{"customers": [{"name": …, "tier": …, "notes": …}, …]}``, 69 MB) goes through
``desktop-app import`` in a process of its own, into a SQLite file that holds the demo
desk's calendars and people, as a user would run it. Figures: the wall-clock time and the
process's peak resident memory (Linux's ``VmHWM`` as the process ends: ``ru_maxrss`` would
count the benchmark's own memory, copied at the fork), over ``RUNS`` runs. Targets: at
most 30 s and 500 MB.

Baseline, in the same run: a process that only reads the same file with ``json.load`` (no
checks, no database), which is what holding the whole document costs before any record is
checked; the import read it that way before it read record by record.

Run: ``.venv/bin/python -m pytest tests/bench/bench_import_memory.py -s -o addopts=""``
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

CUSTOMERS = 1_000_000
RUNS = 2
TIERS = ("platinum", "gold", "silver", "bronze")
BUDGET_S, BUDGET_MB = 30.0, 500.0


def _write_customers(path: Path) -> None:
    with path.open("w", encoding="utf-8") as stream:
        stream.write('{"customers": [\n')
        for i in range(CUSTOMERS):
            record = {"name": f"Customer {i:07d}", "tier": TIERS[i % 4], "notes": "imported"}
            stream.write(json.dumps(record))
            stream.write(",\n" if i < CUSTOMERS - 1 else "\n")
        stream.write("]}\n")


# Runs a module or a statement and says, as the process ends, its peak resident memory.
_PEAK = """
import atexit, runpy, sys

def peak():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                print("peak-kB", line.split()[1], file=sys.stderr)

atexit.register(peak)
kind, what, *sys.argv[1:] = sys.argv[1:]
if kind == "module":
    sys.argv[0] = what
    runpy.run_module(what, run_name="__main__", alter_sys=True)
else:
    exec(what)
"""


def _measured(*argv: str) -> tuple[float, float, str]:
    """Wall seconds and peak resident megabytes of a Python process: ``module NAME ARGS``
    or ``code STATEMENT``."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _PEAK, *argv], capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    assert done.returncode == 0, done.stdout + done.stderr
    peak = [line for line in done.stderr.splitlines() if line.startswith("peak-kB ")]
    return seconds, int(peak[-1].split()[1]) / 1024, done.stdout


def _spread(label: str, values: list[float], unit: str) -> float:
    median = statistics.median(values)
    print(f"  {label:<52} {min(values):7.1f}–{max(values):7.1f} {unit}  (median {median:.1f})")
    return median


def test_a_million_customers_from_json(tmp_path: Path) -> None:
    path = tmp_path / "customers.json"
    _write_customers(path)
    print(
        f"\nimport {CUSTOMERS:,} customers from JSON ({path.stat().st_size / 1e6:.0f} MB) on "
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPU(s); {RUNS} runs, each process on its own"
    )
    floor_s, floor_mb = [], []
    for _ in range(RUNS):
        seconds, megabytes, _ = _measured(
            "code", f"import json; json.load(open({str(path)!r}, encoding='utf-8'))"
        )
        floor_s.append(seconds)
        floor_mb.append(megabytes)
    _spread("baseline: json.load of the whole file, time", floor_s, "s")
    _spread("baseline: json.load of the whole file, peak memory", floor_mb, "MB")

    wall, peak = [], []
    for run in range(RUNS):
        database = tmp_path / f"desk{run}.sqlite3"
        _measured("module", "desktop_app", "demo", "--scale", "0", "--database", str(database))
        seconds, megabytes, output = _measured(
            "module", "desktop_app", "import", str(path), "--database", str(database)
        )
        assert f"{CUSTOMERS} customers" in output
        wall.append(seconds)
        peak.append(megabytes)
    time_s = _spread("desktop-app import, time", wall, "s")
    memory_mb = _spread("desktop-app import, peak memory", peak, "MB")
    print(
        f"  budget {BUDGET_S:.0f} s / {BUDGET_MB:.0f} MB: "
        f"{'within' if max(wall) <= BUDGET_S and max(peak) <= BUDGET_MB else 'OVER'} "
        f"(median {time_s:.1f} s, {memory_mb:.0f} MB; slowest {max(wall):.1f} s, "
        f"largest {max(peak):.0f} MB)"
    )
