"""Alembic environment: the URL comes from store's resolution, the metadata from store.models."""

from __future__ import annotations

import re
from typing import Any

from alembic import context
from sqlalchemy import Connection, Engine

from store import db
from store.models import Base

config = context.config
target_metadata = Base.metadata

# Partitions are created by a database function as data arrives, not by the models.
PARTITION_NAME = re.compile(r"^ohlcv_(daily|intraday)_(p\d{4}(_\d{2})?|default)$")


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Leave out of autogenerate what the models deliberately do not describe."""
    is_partition = type_ == "table" and reflected and compare_to is None and bool(PARTITION_NAME.match(name or ""))
    return not is_partition


def run_with_connection(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=include_object,
        compare_type=True,
        compare_server_default=False,
        transaction_per_migration=False,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Use the caller's connection when given one (the app, tests), else resolve like the app."""
    given = config.attributes.get("connection")
    if isinstance(given, Connection):
        run_with_connection(given)
        return
    if isinstance(given, Engine):
        with given.begin() as connection:
            run_with_connection(connection)
        return
    database = db.open_database(config.get_main_option("sqlalchemy.url") or None)
    try:
        with database.engine.connect() as connection:
            run_with_connection(connection)
            connection.commit()
    finally:
        database.close()


def run_migrations_offline() -> None:
    context.configure(
        url="postgresql+psycopg://",
        target_metadata=target_metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
