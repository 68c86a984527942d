"""The demo universe: a seeded, realistic market (three exchanges, ten years of bars, research and trading) to open on.

`build_demo` writes it into an empty database in one transaction; `open_demo_database` is `workstation --demo`:
its own database on the embedded server, migrated and built on first use, so an analyst's data is never mixed in.
NumPy and the model are imported only when a build runs.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from store.db import Database, DatabaseTarget

if TYPE_CHECKING:
    from store.demo.build import DemoSummary, Progress

DEMO_DATABASE = "workstation_demo"
DEFAULT_SEED = 7
DEFAULT_YEARS = 10
DEFAULT_SECURITIES = 600


def build_demo(
    database: Database,
    *,
    seed: int = DEFAULT_SEED,
    years: int = DEFAULT_YEARS,
    securities: int = DEFAULT_SECURITIES,
    end: dt.date | None = None,
    replace: bool = False,
    progress: Progress | None = None,
) -> DemoSummary:
    """Build the demo market into `database` (migrated, and empty unless `replace`) in one transaction.

    The same seed, years, securities and `end` give the same data (`end` is the last session; by default the last
    weekday before today, UTC). `progress(step, number, steps)` is called as each step begins. Raises InvalidInput
    naming the database when it already holds securities and `replace` is not set; then nothing is changed.
    """
    from store.demo.build import build

    summary = build(
        database, seed=seed, years=years, securities=securities, end=end, replace=replace, progress=progress
    )
    assert summary is not None
    return summary


def demo_database(data_dir: Path | None = None) -> Database:
    """The demo's own database on the embedded server (next to the analyst's), started and migrated to head."""
    from store import embedded
    from store.migrations import ensure_schema

    server = embedded.start_embedded(data_dir, database=DEMO_DATABASE)
    label = f"demo universe (embedded PostgreSQL, {server.data_dir})"
    database = Database(DatabaseTarget(server.params(), embedded_dir=server.data_dir, label=label))
    ensure_schema(database, migrate=True)
    return database


def open_demo_database(
    data_dir: Path | None = None,
    *,
    seed: int = DEFAULT_SEED,
    years: int = DEFAULT_YEARS,
    securities: int = DEFAULT_SECURITIES,
    progress: Progress | None = None,
) -> Database:
    """`workstation --demo`: the demo database, built on first use (when it holds no securities yet).

    Two instances starting together agree on one build: the second waits for the first and then opens it.
    """
    database = demo_database(data_dir)
    if not _holds_securities(database):
        from store.demo.build import build

        build(
            database, seed=seed, years=years, securities=securities, end=None, replace=False, progress=progress,
            only_if_empty=True,
        )  # fmt: skip
    return database


def __getattr__(name: str) -> object:
    if name == "DemoSummary":  # the record type, without importing the model at start-up
        from store.demo.build import DemoSummary

        return DemoSummary
    raise AttributeError(name)


def _holds_securities(database: Database) -> bool:
    with database.connect() as connection:
        row = connection.execute("select exists (select 1 from securities)").fetchone()
    return bool(row and row[0])


__all__ = ["DEMO_DATABASE", "DemoSummary", "build_demo", "demo_database", "open_demo_database"]
