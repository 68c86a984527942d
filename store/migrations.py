"""Schema version discipline: Alembic config, where the database stands, and upgrades."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from store.errors import SchemaMismatch

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import Connection, Engine

    from store.db import Database

_VERSION_TABLE_EXISTS = "select to_regclass('alembic_version') is not null"
_VERSIONS = "select version_num from alembic_version"

_PACKAGE_DIR = Path(__file__).resolve().parent


def migrations_dir() -> Path:
    """The alembic/ scripts: inside the wheel when installed, else at the top of the checkout."""
    for candidate in (_PACKAGE_DIR / "_alembic", _PACKAGE_DIR.parent / "alembic"):
        if (candidate / "env.py").exists():
            return candidate
    raise FileNotFoundError("the Alembic migration scripts are missing from this installation")


def alembic_config(connection: Connection | None = None) -> Config:
    """A Config that needs no alembic.ini; with a connection, env.py migrates through it."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@dataclass(frozen=True, slots=True)
class SchemaState:
    """The database's revision(s) against what this code expects."""

    current: tuple[str, ...]
    expected: tuple[str, ...]
    known: frozenset[str]

    @property
    def is_current(self) -> bool:
        return set(self.current) == set(self.expected)

    @property
    def is_ahead(self) -> bool:
        return any(revision not in self.known for revision in self.current)

    @property
    def current_label(self) -> str:
        return ", ".join(self.current) or "none (empty database)"

    @property
    def expected_label(self) -> str:
        return ", ".join(self.expected)


@cache
def revision_graph() -> dict[str, tuple[str, ...]]:
    """Each revision of alembic/versions and the revisions it follows, read from the files' headers.

    Start-up only needs to compare revisions; importing Alembic to do it would cost more than the
    rest of the check (about 0.35 s here). tests/migrations checks this against Alembic's own view.
    """
    graph: dict[str, tuple[str, ...]] = {}
    for path in sorted((migrations_dir() / "versions").glob("*.py")):
        values = _module_constants(path, ("revision", "down_revision"))
        if "revision" not in values:
            continue
        down = values.get("down_revision")
        parents = down if isinstance(down, tuple | list) else (down,) if down else ()
        graph[str(values["revision"])] = tuple(str(parent) for parent in parents)
    return graph


def _module_constants(path: Path, names: tuple[str, ...]) -> dict[str, object]:
    found: dict[str, object] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        target: ast.expr
        if isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id in names:
            found[target.id] = ast.literal_eval(value)
    return found


def expected_heads() -> tuple[str, ...]:
    graph = revision_graph()
    followed = {parent for parents in graph.values() for parent in parents}
    return tuple(sorted(set(graph) - followed))


def _state(current: list[str]) -> SchemaState:
    return SchemaState(current=tuple(sorted(current)), expected=expected_heads(), known=frozenset(revision_graph()))


def schema_state(connection: Connection) -> SchemaState:
    """Where a database stands, read through a SQLAlchemy connection."""
    from sqlalchemy import text

    if not connection.execute(text(_VERSION_TABLE_EXISTS)).scalar_one():
        return _state([])
    return _state(list(connection.execute(text(_VERSIONS)).scalars()))


def door_schema_state(database: Database) -> SchemaState:
    """Where a database stands, read with plain psycopg (start-up does not wait for SQLAlchemy)."""
    with database.connect() as connection:
        exists = connection.execute(_VERSION_TABLE_EXISTS).fetchone()
        rows = connection.execute(_VERSIONS).fetchall() if exists and exists[0] else []
    return _state([str(row[0]) for row in rows])


def require_current(state: SchemaState) -> None:
    """Refuse a database behind or ahead of this code, telling the user what to run."""
    if state.is_current:
        return
    if state.is_ahead:
        message = (
            f"database is at revision {state.current_label}, which this version does not know "
            f"(it was migrated by newer code); this version expects {state.expected_label}: "
            "upgrade the workstation, or downgrade the database with the newer version"
        )
    else:
        message = (
            f"database is at revision {state.current_label}, this version expects {state.expected_label}: "
            "run `workstation db upgrade`"
        )
    raise SchemaMismatch(message, current=state.current, expected=state.expected)


@contextmanager
def _migration_connection(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as connection:
        yield connection
        connection.commit()


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    with _migration_connection(engine) as connection:
        command.upgrade(alembic_config(connection), revision)


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    with _migration_connection(engine) as connection:
        command.downgrade(alembic_config(connection), revision)


def ensure_schema(database: Database, *, migrate: bool) -> SchemaState:
    """Bring the embedded database to head (`migrate`), or refuse a shared one that is not there."""
    state = door_schema_state(database)
    if state.is_current:
        return state
    if migrate and not state.is_ahead:
        upgrade(database.engine)
        return door_schema_state(database)
    require_current(state)
    return state
