"""Which database is used, how its URL is shown, and what a person reads when it cannot be reached."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url

from store.db import Database, DatabaseTarget, libpq_endpoint, mask_url, open_database, parse_url, resolve_url
from store.errors import InvalidDatabaseUrl, StoreUnavailable


def test_command_line_url_wins_over_environment() -> None:
    url = resolve_url("postgresql://cli@h1/db1", {"WORKSTATION_DATABASE_URL": "postgresql://env@h2/db2"})
    assert url is not None
    assert (url.username, url.host, url.database) == ("cli", "h1", "db1")


def test_environment_url_used_without_command_line() -> None:
    url = resolve_url(None, {"WORKSTATION_DATABASE_URL": "postgres://env@h2:6543/db2"})
    assert url is not None
    assert (url.drivername, url.host, url.port) == ("postgresql+psycopg", "h2", 6543)


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
    assert "cannot read the database URL" in str(caught.value)
    assert "topsecret" not in mask_url("postgresql://u:topsecret@host:notaport/db")


def test_non_postgres_url_is_refused() -> None:
    with pytest.raises(InvalidDatabaseUrl, match="not a PostgreSQL URL"):
        parse_url("mysql://u@h/db")


def test_endpoint_follows_libpq_environment_when_url_is_bare() -> None:
    bare = make_url("postgresql+psycopg://")
    environ = {"PGHOST": "pg.internal", "PGPORT": "6432", "PGDATABASE": "research"}
    assert libpq_endpoint(bare, environ) == "pg.internal:6432/research"
    assert libpq_endpoint(make_url("postgresql://u@h:1/d"), environ) == "h:1/d"


def test_unreachable_server_is_one_sentence_naming_the_endpoint() -> None:
    database = Database(DatabaseTarget(parse_url("postgresql://nobody:pw@127.0.0.1:1/research")))
    with pytest.raises(StoreUnavailable) as caught:
        database.check_connection()
    message = str(caught.value)
    assert message.startswith("cannot connect to PostgreSQL at 127.0.0.1:1/research: ")
    assert "\n" not in message
    assert "pw@" not in message


def test_missing_database_repeats_the_servers_words(pg_server) -> None:  # type: ignore[no-untyped-def]
    database = open_database(pg_server.url_for("no_such_database_here"))
    with pytest.raises(StoreUnavailable, match='database "no_such_database_here" does not exist'):
        database.check_connection()


def test_connection_reports_server_facts(fresh_db) -> None:  # type: ignore[no-untyped-def]
    info = Database(DatabaseTarget(fresh_db.url)).check_connection()
    assert info.version_num >= 150000
    assert info.database == fresh_db.name
