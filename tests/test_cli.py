"""The `workstation` command as a person types it: errors at the door, schema discipline, db subcommands."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import text

from store import migrations


def workstation(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui.cli", *args], capture_output=True, text=True, timeout=120, check=False
    )


def url_of(database) -> str:  # type: ignore[no-untyped-def]
    return str(database.url)


def head() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(migrations.alembic_config()).get_current_head() or ""


def test_version_and_help() -> None:
    assert workstation("--version").stdout.startswith("workstation ")
    help_text = workstation("--help").stdout
    assert "--db URL" in help_text
    assert "db" in help_text


def test_unreachable_server_is_one_sentence_and_exit_2() -> None:
    result = workstation("--db", "postgresql://analyst:hunter2@127.0.0.1:1/research")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == [lines[0]], result.stderr
    assert lines[0].startswith("workstation: cannot connect to PostgreSQL at 127.0.0.1:1/research:")
    assert "hunter2" not in result.stderr
    assert "Traceback" not in result.stderr


def test_malformed_url_exit_2_and_debug_shows_traceback() -> None:
    plain = workstation("--db", "postgresql://u:pw@host:port/db")
    assert plain.returncode == 2
    assert "cannot read the database URL" in plain.stderr
    assert "Traceback" not in plain.stderr
    debug = workstation("--debug", "--db", "postgresql://u:pw@host:port/db")
    assert debug.returncode == 2
    assert "Traceback" in debug.stderr


def test_db_current_prints_head(fresh_db) -> None:  # type: ignore[no-untyped-def]
    result = workstation("--db", url_of(fresh_db), "db", "current")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{head()} (head)"


def test_app_refuses_a_shared_database_behind_head(empty_db) -> None:  # type: ignore[no-untyped-def]
    result = workstation("--db", url_of(empty_db))
    assert result.returncode == 2
    assert (
        f"database is at revision none (empty database), this version expects {head()}: run `workstation db upgrade`"
    ) in result.stderr
    with empty_db.engine.connect() as connection:
        assert migrations.schema_state(connection).current == (), "a shared database was migrated silently"


def test_db_upgrade_then_downgrade(empty_db) -> None:  # type: ignore[no-untyped-def]
    assert workstation("--db", url_of(empty_db), "db", "upgrade").returncode == 0
    assert workstation("--db", url_of(empty_db), "db", "current").stdout.strip() == f"{head()} (head)"
    assert workstation("--db", url_of(empty_db), "db", "downgrade", "base").returncode == 0
    with empty_db.engine.connect() as connection:
        assert migrations.schema_state(connection).current == ()


def test_app_refuses_a_database_migrated_by_newer_code(fresh_db) -> None:  # type: ignore[no-untyped-def]
    with fresh_db.engine.begin() as connection:
        connection.execute(text("update alembic_version set version_num = 'f00dfeedbeef'"))
    result = workstation("--db", url_of(fresh_db))
    assert result.returncode == 2
    assert "database is at revision f00dfeedbeef, which this version does not know" in result.stderr
