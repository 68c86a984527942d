"""The app under test works on a fresh migrated database of its own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import store
from store.db import Database


@pytest.fixture
def app_database(fresh_db) -> Iterator[Database]:  # type: ignore[no-untyped-def]
    database = Database(fresh_db.target)
    store.use_database(database)
    yield database
    database.close()
