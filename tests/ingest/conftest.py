"""Fixtures of the importer tests: a fresh database (an import commits), fixture files copied to a temp dir."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from store.db import Database

from .helpers import FIXTURES, Sql


@pytest.fixture
def database(fresh_db) -> Iterator[Database]:  # type: ignore[no-untyped-def]
    database = Database(fresh_db.target)
    yield database
    database.close()


@pytest.fixture
def sql(database: Database) -> Iterator[Sql]:
    """An autocommit connection to the same database, to arrange and to look at what an import did."""
    with psycopg.connect(database.target.conninfo, autocommit=True) as connection:
        yield connection


@pytest.fixture
def fixture_file(tmp_path: Path) -> Callable[[str], Path]:
    """A fixture file copied into the test's directory (rejected rows are written next to it)."""

    def copy(name: str) -> Path:
        return Path(shutil.copy(FIXTURES / name, tmp_path / name))

    return copy
