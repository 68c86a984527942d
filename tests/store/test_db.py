"""Which database is used, how its URL is shown, and what a person reads when it cannot be reached."""

from __future__ import annotations

import pytest

from store.db import Database, DatabaseTarget, libpq_endpoint, mask_url, parse_url, render_url, resolve_url
from store.errors import InvalidDatabaseUrl, StoreUnavailable


def test_command_line_url_wins_over_environment() -> None:
    params = resolve_url("postgresql://cli@h1/db1", {"WORKSTATION_DATABASE_URL": "postgresql://env@h2/db2"})
    assert params == {"user": "cli", "host": "h1", "dbname": "db1"}


def test_environment_url_used_without_command_line() -> None:
    params = resolve_url(None, {"WORKSTATION_DATABASE_URL": "postgresql+psycopg://env@h2:6543/db2"})
    assert params == {"user": "env", "host": "h2", "port": "6543", "dbname": "db2"}


def test_no_url_means_embedded() -> None:
    assert resolve_url(None, {}) is None
    assert resolve_url("  ", {"WORKSTATION_DATABASE_URL": ""}) is None


@pytest.mark.parametrize(
    "raw",
    [
        "postgresql://analyst:s3cr3t@db.example:5432/research",
        "postgresql+psycopg://analyst:s3cr3t@db/r?sslmode=require",
    ],
)
def test_password_is_never_shown(raw: str) -> None:
    shown = DatabaseTarget(parse_url(raw)).display
    assert "s3cr3t" not in shown
    assert "***" in shown
    assert "analyst" in shown


def test_unparseable_url_is_masked_in_the_error() -> None:
    with pytest.raises(InvalidDatabaseUrl) as caught:
        parse_url("postgresql://u:topsecret@host:notaport/db")
    assert "topsecret" not in str(caught.value)
    assert "the port 'notaport' is not a number" in str(caught.value)
    with pytest.raises(InvalidDatabaseUrl, match="cannot read the database URL"):
        parse_url("postgresql://u:topsecret@host/db?nosuchoption=1")
    assert "topsecret" not in mask_url("postgresql://u:topsecret@host:notaport/db")


def test_non_postgres_url_is_refused() -> None:
    with pytest.raises(InvalidDatabaseUrl, match="not a PostgreSQL URL"):
        parse_url("mysql://u@h/db")


def test_endpoint_follows_libpq_environment_when_url_is_bare() -> None:
    environ = {"PGHOST": "pg.internal", "PGPORT": "6432", "PGDATABASE": "research"}
    assert libpq_endpoint(parse_url("postgresql://"), environ) == "pg.internal:6432/research"
    assert libpq_endpoint(parse_url("postgresql://u@h:1/d"), environ) == "h:1/d"


@pytest.mark.parametrize(
    "raw",
    [
        "postgresql://analyst:p%40ss@db.example:5433/research?sslmode=require",
        "postgresql://postgres@/workstation?host=/tmp/ws/pgdata",
        "postgresql://u@[::1]:5432/d",
    ],
)
def test_rendered_url_reads_back_to_the_same_parameters(raw: str) -> None:
    params = parse_url(raw)
    assert parse_url(render_url(params, hide_password=False)) == params


def test_password_from_the_environment_is_used_not_shown(fresh_db, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    params = dict(fresh_db.target.params)
    monkeypatch.setenv("PGPASSWORD", "from-the-environment")
    target = DatabaseTarget(params)
    assert Database(target).check_connection().database == fresh_db.name
    assert "from-the-environment" not in target.display


def test_unreachable_server_is_one_sentence_naming_the_endpoint() -> None:
    database = Database(DatabaseTarget(parse_url("postgresql://nobody:pw@127.0.0.1:1/research")))
    with pytest.raises(StoreUnavailable) as caught:
        database.check_connection()
    message = str(caught.value)
    assert message.startswith("cannot connect to PostgreSQL at 127.0.0.1:1/research: ")
    assert "\n" not in message
    assert "pw@" not in message


def test_missing_database_repeats_the_servers_words(pg_server) -> None:  # type: ignore[no-untyped-def]
    database = Database(pg_server.target_for("no_such_database_here"))
    with pytest.raises(StoreUnavailable, match='database "no_such_database_here" does not exist'):
        database.check_connection()


def test_connection_reports_server_facts(fresh_db) -> None:  # type: ignore[no-untyped-def]
    info = Database(fresh_db.target).check_connection()
    assert info.version_num >= 150000
    assert info.database == fresh_db.name
