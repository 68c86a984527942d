"""Demo benchmarks: a full build on a fresh embedded server (rows per table), and opening an already built demo.

`uv run python -m bench.demo_build [--builds 3] [--opens 5]`. Every measurement runs in its own process, as
`workstation demo` and `workstation --demo` would: a build on a new server each time; opens of a built demo both
with the server stopped (it has to start) and with it already running (another instance holds it).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_BUILD = """
import json, sys, time
from pathlib import Path
from store import migrations
from store.db import Database, DatabaseTarget
from store.embedded import start_embedded
server = start_embedded(Path(sys.argv[1]), database="demo_bench", cleanup="delete")
database = Database(DatabaseTarget(server.params(), embedded_dir=server.data_dir))
migrations.upgrade(database.engine)
database.close()
from store.demo import build_demo
steps = []
started = time.perf_counter()
summary = build_demo(database, progress=lambda step, done, total: steps.append((step, time.perf_counter() - started)))
print(json.dumps({"seconds": time.perf_counter() - started, "rows": summary.rows, "steps": steps}))
"""

_OPEN = """
import sys, time
from pathlib import Path
started = time.perf_counter()
from store.demo import open_demo_database
database = open_demo_database(Path(sys.argv[1]))
print(time.perf_counter() - started)
"""

_HOLD = """
import sys, time
from pathlib import Path
from store.embedded import start_embedded
start_embedded(Path(sys.argv[1]), database=None)
print("ready", flush=True)
sys.stdin.readline()
"""


def _python(code: str, *args: str) -> str:
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    return done.stdout.strip().splitlines()[-1]


def builds(runs: int) -> tuple[list[float], dict[str, int], list[tuple[str, float]]]:
    """Full demo builds, each into a new embedded server that is deleted afterwards."""
    seconds, rows, steps = [], {}, []
    for _ in range(runs):
        data_dir = Path(tempfile.mkdtemp(prefix="wsdb"))
        try:
            result = json.loads(_python(_BUILD, str(data_dir)))
        finally:
            shutil.rmtree(data_dir, ignore_errors=True)
        seconds.append(result["seconds"])
        rows, steps = result["rows"], result["steps"]
    return seconds, rows, steps


def opens(runs: int) -> dict[str, list[float]]:
    """`open_demo_database()` in a new process on a built demo: server stopped, then server already running."""
    data_dir = Path(tempfile.mkdtemp(prefix="wsdo"))
    try:
        _python(_OPEN, str(data_dir))  # the first open builds the demo
        stopped = [float(_python(_OPEN, str(data_dir))) for _ in range(runs)]
        holder = subprocess.Popen(
            [sys.executable, "-c", _HOLD, str(data_dir)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        try:
            assert holder.stdout is not None
            holder.stdout.readline()  # "ready": the server is up and held
            running = [float(_python(_OPEN, str(data_dir))) for _ in range(runs)]
        finally:
            holder.communicate("\n", timeout=60)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    return {"open, server stopped (starts it)": stopped, "open, server running": running}


def _line(name: str, samples: list[float]) -> str:
    median, low, high = statistics.median(samples), min(samples), max(samples)
    return f"{name:38} median {median:7.2f}s  min {low:7.2f}s  max {high:7.2f}s  runs {len(samples)}"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.demo_build")
    parser.add_argument("--builds", type=int, default=3)
    parser.add_argument("--opens", type=int, default=5)
    args = parser.parse_args()
    started = time.perf_counter()
    seconds, rows, steps = builds(args.builds)
    print(_line("full demo build (target 30 s)", seconds))
    print("steps of the last build (seconds since start when each began):")
    for step, at in steps:
        print(f"  {at:7.2f}  {step}")
    print("rows per table:")
    for table, count in sorted(rows.items(), key=lambda item: -item[1]):
        print(f"  {table:26} {count:>10,}")
    for name, samples in opens(args.opens).items():
        print(_line(name + " (target 1.5 s with app start)", samples))
    print(f"benchmark wall time {time.perf_counter() - started:.0f}s")


if __name__ == "__main__":
    main()
