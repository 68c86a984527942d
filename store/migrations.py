"""Schema version discipline: Alembic config, where the database stands, and upgrades."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from store.errors import SchemaMismatch

_PACKAGE_DIR = Path(__file__).resolve().parent


def migrations_dir() -> Path:
    """The alembic/ scripts: inside the wheel when installed, else at the top of the checkout."""
    for candidate in (_PACKAGE_DIR / "_alembic", _PACKAGE_DIR.parent / "alembic"):
        if (candidate / "env.py").exists():
            return candidate
    raise FileNotFoundError("the Alembic migration scripts are missing from this installation")


def alembic_config(connection: Connection | None = None) -> Config:
    """A Config that needs no alembic.ini; with a connection, env.py migrates through it."""
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


def schema_state(connection: Connection) -> SchemaState:
    script = ScriptDirectory.from_config(alembic_config())
    current = tuple(sorted(MigrationContext.configure(connection).get_current_heads()))
    known = frozenset(revision.revision for revision in script.walk_revisions())
    return SchemaState(current=current, expected=tuple(sorted(script.get_heads())), known=known)


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
    with _migration_connection(engine) as connection:
        command.upgrade(alembic_config(connection), revision)


def downgrade(engine: Engine, revision: str) -> None:
    with _migration_connection(engine) as connection:
        command.downgrade(alembic_config(connection), revision)


def ensure_schema(engine: Engine, *, migrate: bool) -> SchemaState:
    """Bring the embedded database to head (`migrate`), or refuse a shared one that is not there."""
    with engine.connect() as connection:
        state = schema_state(connection)
    if state.is_current:
        return state
    if migrate and not state.is_ahead:
        upgrade(engine)
        with engine.connect() as connection:
            return schema_state(connection)
    require_current(state)
    return state
