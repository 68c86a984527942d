"""The test harness: one PostgreSQL server per session, a migrated template, a rolled-back transaction per test."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import Connection, Engine

from store import migrations
from store.db import Database, DatabaseTarget, render_url

TEST_URL_ENV = "WORKSTATION_TEST_DATABASE_URL"


@dataclass(frozen=True)
class TestServer:
    """The one server of this test session, and how to make databases on it."""

    admin: DatabaseTarget
    label: str

    def target_for(self, database: str) -> DatabaseTarget:
        return self.admin.with_database(database)

    def _admin(self, statement: str) -> None:
        with psycopg.connect(self.admin.conninfo, autocommit=True) as connection:
            connection.execute(statement.encode())

    def create_database(self, template: str | None = None, prefix: str = "ws_test") -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        clause = f' template "{template}"' if template else ""
        self._admin(f'create database "{name}"{clause}')
        return name

    def drop_database(self, name: str) -> None:
        self._admin(f'drop database if exists "{name}" with (force)')


@dataclass(frozen=True)
class ScratchDatabase:
    """A database made for one test (cloned from the migrated template, or empty)."""

    name: str
    database: Database

    @property
    def engine(self) -> Engine:
        return self.database.engine

    @property
    def target(self) -> DatabaseTarget:
        return self.database.target

    @property
    def url(self) -> str:
        """A postgresql:// URL with the password, as a person would pass it to --db."""
        return render_url(self.target.params, hide_password=False)


def _start_test_server() -> TestServer:
    raw = os.environ.get(TEST_URL_ENV)
    if raw:
        target = DatabaseTarget.from_url(raw)
        return TestServer(admin=target, label=f"server {target.display}")
    from store.embedded import start_embedded

    # A short path: the unix socket lives inside it and its path is limited to ~107 bytes.
    server = start_embedded(Path(tempfile.mkdtemp(prefix="wst")), database=None, cleanup="delete")
    return TestServer(admin=DatabaseTarget(server.params("postgres")), label="embedded PostgreSQL 18")


@pytest.fixture(scope="session")
def pg_server() -> TestServer:
    return _start_test_server()


@pytest.fixture(scope="session")
def template_database(pg_server: TestServer) -> Iterator[str]:
    """A database migrated to head once per session; every migrated test database is a copy."""
    name = pg_server.create_database(prefix="ws_template")
    database = Database(pg_server.target_for(name))
    try:
        migrations.upgrade(database.engine)
    finally:
        database.close()
    yield name
    pg_server.drop_database(name)


@pytest.fixture(scope="session")
def shared_engine(pg_server: TestServer, template_database: str) -> Iterator[Engine]:
    """The database that rolled-back tests share."""
    name = pg_server.create_database(template=template_database)
    database = Database(pg_server.target_for(name))
    yield database.engine
    database.close()
    pg_server.drop_database(name)


@pytest.fixture
def conn(shared_engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that is rolled back after the test: nothing a test writes stays."""
    with shared_engine.connect() as connection:
        transaction = connection.begin()
        try:
            yield connection
        finally:
            if transaction.is_active:
                transaction.rollback()


def _scratch(pg_server: TestServer, template: str | None) -> Iterator[ScratchDatabase]:
    name = pg_server.create_database(template=template)
    database = Database(pg_server.target_for(name))
    try:
        yield ScratchDatabase(name=name, database=database)
    finally:
        database.close()
        pg_server.drop_database(name)


@pytest.fixture
def fresh_db(pg_server: TestServer, template_database: str) -> Iterator[ScratchDatabase]:
    """A new migrated database for tests that need real commits (notifications, concurrency, the app)."""
    yield from _scratch(pg_server, template_database)


@pytest.fixture
def empty_db(pg_server: TestServer) -> Iterator[ScratchDatabase]:
    """A new database with no schema at all."""
    yield from _scratch(pg_server, None)


# pytest-alembic runs its built-in checks on an empty database of the session's server.
@pytest.fixture
def alembic_engine(empty_db: ScratchDatabase) -> Engine:
    return empty_db.engine


@pytest.fixture
def alembic_config() -> dict[str, Any]:
    return {"script_location": str(migrations.migrations_dir())}


def pytest_report_header(config: pytest.Config) -> str:
    raw = os.environ.get(TEST_URL_ENV)
    return f"database: {'WORKSTATION_TEST_DATABASE_URL' if raw else 'embedded PostgreSQL 18 (temporary)'}"
