"""The embedded server: a clear error for an unusable directory, sharing between processes, crash recovery."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg
import pytest

from store.embedded import ensure_writable, recover_from_crash
from store.errors import EmbeddedServerError


def test_unwritable_data_directory_is_named(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the data directory should go")
    wanted = blocker / "research-workstation"
    with pytest.raises(EmbeddedServerError) as caught:
        ensure_writable(wanted)
    assert str(wanted) in str(caught.value)
    assert "WORKSTATION_DATA_DIR" in str(caught.value)


def test_pid_file_of_a_process_that_is_not_postgres_is_cleared(tmp_path: Path) -> None:
    pgdata = tmp_path / "pgdata"
    pgdata.mkdir()
    # Our own pid is alive but is not a postmaster: a reused pid after a crash looks like this.
    (pgdata / "postmaster.pid").write_text(f"{os.getpid()}\n{pgdata}\n")
    (pgdata / ".s.PGSQL.5432.lock").write_text("stale")
    (pgdata / ".handle_pids.json").write_text("[999999999]")
    recover_from_crash(pgdata)
    assert not (pgdata / "postmaster.pid").exists()
    assert not (pgdata / ".s.PGSQL.5432.lock").exists()
    assert (pgdata / ".handle_pids.json").read_text() == "[]"


_HOLD_SERVER = """
import sys, time
from pathlib import Path
from store.embedded import start_embedded
server = start_embedded(Path(sys.argv[1]))
print(server.socket_dir, flush=True)
if sys.argv[2] == "crash":
    import os; os._exit(9)
sys.stdin.readline()
"""


def _holder(data_dir: Path, mode: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", _HOLD_SERVER, str(data_dir), mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def _answers(socket_dir: str) -> bool:
    try:
        with psycopg.connect(f"host={socket_dir} user=postgres dbname=workstation", connect_timeout=3) as c:
            return c.execute("select 1").fetchone() == (1,)
    except psycopg.OperationalError:
        return False


def test_two_instances_share_the_server_and_the_last_one_out_stops_it() -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="wse"))
    first = _holder(data_dir, "hold")
    socket_dir = first.stdout.readline().strip()  # type: ignore[union-attr]
    second = _holder(data_dir, "hold")
    assert second.stdout.readline().strip() == socket_dir  # type: ignore[union-attr]
    first.communicate("\n", timeout=30)
    assert _answers(socket_dir), "the server stopped while the second instance still used it"
    second.communicate("\n", timeout=30)
    assert not _answers(socket_dir), "the server kept running after the last instance left"


def test_a_crashed_instance_does_not_keep_the_server_alive_forever() -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="wse"))
    crashed = _holder(data_dir, "crash")
    socket_dir = crashed.stdout.readline().strip()  # type: ignore[union-attr]
    crashed.wait(timeout=30)
    survivor = _holder(data_dir, "hold")
    assert survivor.stdout.readline().strip() == socket_dir  # type: ignore[union-attr]
    assert _answers(socket_dir)
    survivor.communicate("\n", timeout=30)
    assert not _answers(socket_dir), "the crashed instance's handle kept the server running"


def test_a_killed_server_is_restarted_not_reported_as_a_mystery() -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="wse"))
    crashed = _holder(data_dir, "crash")
    crashed.stdout.readline()  # type: ignore[union-attr]
    crashed.wait(timeout=30)
    postmaster_pid = int((data_dir / "pgdata" / "postmaster.pid").read_text().splitlines()[0])
    os.kill(postmaster_pid, 9)
    restarted = _holder(data_dir, "hold")
    socket_dir = restarted.stdout.readline().strip()  # type: ignore[union-attr]
    assert socket_dir, "the embedded server did not come back after its postmaster was killed"
    assert _answers(socket_dir)
    restarted.communicate("\n", timeout=30)
