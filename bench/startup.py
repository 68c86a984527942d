"""Start-up benchmarks: embedded server cold/warm start, app to first paint, to the demo's first rows, import time."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_START_SERVER = """
import sys, time
from pathlib import Path
t = time.perf_counter()
from store.embedded import start_embedded
from store.db import Database, DatabaseTarget
from store.migrations import ensure_schema
server = start_embedded(Path(sys.argv[1]))
started = time.perf_counter() - t
database = Database(DatabaseTarget(server.params(), embedded_dir=server.data_dir))
database.check_connection()
ensure_schema(database, migrate=True)
print(started, time.perf_counter() - t)
"""

_BUILD_DEMO = """
import sys
from pathlib import Path
from store.demo import open_demo_database
database = open_demo_database(Path(sys.argv[1]))
print("ready", flush=True)
sys.stdin.readline()
database.close()
"""

_FIRST_PAINT = """
import sys, time
t = time.perf_counter()
import store
from store.db import open_database
from store.migrations import ensure_schema
database = open_database()
database.check_connection()
ensure_schema(database, migrate=True)
store.use_database(database)
from tui.app import WorkstationApp

class TimedApp(WorkstationApp):
    def on_mount(self) -> None:  # Textual also runs WorkstationApp.on_mount (handlers follow the MRO)
        self.call_after_refresh(self.painted)

    def painted(self) -> None:
        self.elapsed = time.perf_counter() - t
        self.exit()

app = TimedApp(database.target)
app.run(headless=True)
print(app.elapsed)
"""

# `workstation --demo` on an already built demo, until the first screen (Securities) shows its rows and paints them.
_FIRST_INTERACTIVE = """
import sys, time
from pathlib import Path
t = time.perf_counter()
import store
from store.demo import open_demo_database
database = open_demo_database(Path(sys.argv[1]))
database.check_connection()
from store.migrations import ensure_schema
ensure_schema(database, migrate=True)
store.use_database(database)
from tui.app import WorkstationApp
from tui.widgets.frame_table import FrameTable

class TimedApp(WorkstationApp):
    def on_mount(self) -> None:
        self.rows = 0
        self.poll = self.set_interval(0.002, self.check)

    def check(self) -> None:
        tables = [table for table in self.screen.query(FrameTable) if table.row_count > 10]
        if tables:
            self.poll.stop()
            self.rows = tables[0].row_count
            self.call_after_refresh(self.painted)

    def painted(self) -> None:
        self.elapsed = time.perf_counter() - t
        self.exit()

app = TimedApp(database.target, live=False)
app.run(headless=True)
print(app.elapsed, app.rows)
"""

_IMPORT = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"


def _python(code: str, *args: str, env: dict[str, str] | None = None) -> list[float]:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True, env=env)
    return [float(value) for value in out.stdout.split()]


def embedded_cold_start(runs: int) -> dict[str, list[float]]:
    """initdb + start + create database + migrate to head, in a new data directory."""
    started, migrated = [], []
    for _ in range(runs):
        data_dir = Path(tempfile.mkdtemp(prefix="wsb"))
        start, total = _python(_START_SERVER, str(data_dir))
        started.append(start)
        migrated.append(total)
        shutil.rmtree(data_dir, ignore_errors=True)
    return {"cold start (initdb, start)": started, "cold start + migrate to head": migrated}


def embedded_warm_start(runs: int) -> dict[str, list[float]]:
    """Start a stopped, already-initialised and migrated server, then check the schema."""
    data_dir = Path(tempfile.mkdtemp(prefix="wsb"))
    _python(_START_SERVER, str(data_dir))
    started, checked = [], []
    for _ in range(runs):
        start, total = _python(_START_SERVER, str(data_dir))
        started.append(start)
        checked.append(total)
    shutil.rmtree(data_dir, ignore_errors=True)
    return {"warm start (server stopped, data ready)": started, "warm start + migration check": checked}


def first_paint(runs: int) -> dict[str, list[float]]:
    """`workstation` to the first painted screen, with the embedded server already running."""

    data_dir = Path(tempfile.mkdtemp(prefix="wsb"))
    env = {**os.environ, "WORKSTATION_DATA_DIR": str(data_dir)}
    holder = subprocess.Popen(
        [sys.executable, "-c", _START_SERVER + "\nsys.stdin.readline()", str(data_dir)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert holder.stdout is not None
    holder.stdout.readline()
    try:
        samples = [_python(_FIRST_PAINT, env=env)[0] for _ in range(runs)]
    finally:
        holder.communicate("\n")
        shutil.rmtree(data_dir, ignore_errors=True)
    return {"workstation to first paint (warm server)": samples}


def first_interactive(runs: int) -> dict[str, list[float]]:
    """`workstation --demo` on a built demo with its server running, to its first screen showing its rows."""
    data_dir = Path(tempfile.mkdtemp(prefix="wsd"))
    holder = subprocess.Popen(
        [sys.executable, "-c", _BUILD_DEMO, str(data_dir)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None
    holder.stdout.readline()  # built (the first time takes a demo build) and serving
    # As an installed app runs: with its bytecode cached (a machine that sets PYTHONDONTWRITEBYTECODE compiles
    # every module at every start, ~1 s here); the first run writes the cache and is not counted.
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    try:
        _python(_FIRST_INTERACTIVE, str(data_dir), env=env)
        samples = [_python(_FIRST_INTERACTIVE, str(data_dir), env=env)[0] for _ in range(runs)]
    finally:
        holder.communicate("\n")
        shutil.rmtree(data_dir, ignore_errors=True)
    return {"workstation --demo to its first screen's rows (built demo, warm server)": samples}


def import_tui_app(runs: int) -> dict[str, list[float]]:
    """Import time of the app module, beside Textual's own (the floor no app module can go under)."""
    samples: dict[str, list[float]] = {"import tui.app": [], "import textual.app (floor)": []}
    for _ in range(runs):  # interleaved, so both see the same machine
        samples["import tui.app"].append(_python(_IMPORT.format(module="tui.app"))[0])
        samples["import textual.app (floor)"].append(_python(_IMPORT.format(module="textual.app"))[0])
    return samples


BENCHMARKS = {
    "cold": embedded_cold_start,
    "warm": embedded_warm_start,
    "paint": first_paint,
    "interactive": first_interactive,
    "import": import_tui_app,
}


def run(names: list[str], runs: int) -> dict[str, list[float]]:
    results: dict[str, list[float]] = {}
    for name in names:
        started = time.perf_counter()
        results.update(BENCHMARKS[name](runs))
        print(f"  {name}: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return results
