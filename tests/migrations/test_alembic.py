"""pytest-alembic's built-in checks, and the schema-state rules the app starts with."""

from __future__ import annotations

import pytest
from pytest_alembic.tests import (
    test_model_definitions_match_ddl,
    test_single_head_revision,
    test_up_down_consistency,
    test_upgrade,
)
from sqlalchemy import text

from store import migrations
from store.errors import SchemaMismatch

__all__ = [
    "test_model_definitions_match_ddl",
    "test_single_head_revision",
    "test_up_down_consistency",
    "test_upgrade",
]


def test_empty_shared_database_is_refused_not_migrated(empty_db) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SchemaMismatch, match=r"run `workstation db upgrade`"):
        migrations.ensure_schema(empty_db.database, migrate=False)
    with empty_db.engine.connect() as connection:
        assert migrations.schema_state(connection).current == ()


def test_embedded_database_is_brought_to_head(empty_db) -> None:  # type: ignore[no-untyped-def]
    state = migrations.ensure_schema(empty_db.database, migrate=True)
    assert state.is_current


def test_database_one_revision_behind_is_named(fresh_db) -> None:  # type: ignore[no-untyped-def]
    migrations.downgrade(fresh_db.engine, "-1")
    with fresh_db.engine.connect() as connection:
        state = migrations.schema_state(connection)
    with pytest.raises(SchemaMismatch) as caught:
        migrations.require_current(state)
    message = str(caught.value)
    assert message.startswith(f"database is at revision {state.current_label}, this version expects ")
    assert state.expected_label in message


def test_database_from_newer_code_is_refused_even_for_the_embedded_server(fresh_db) -> None:  # type: ignore[no-untyped-def]
    with fresh_db.engine.begin() as connection:
        connection.execute(text("update alembic_version set version_num = 'ffffffff0001'"))
    with pytest.raises(SchemaMismatch, match="which this version does not know"):
        migrations.ensure_schema(fresh_db.database, migrate=True)


def test_start_up_reads_the_same_revision_graph_as_alembic() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrations.alembic_config())
    alembic_graph = {rev.revision: tuple(rev._all_down_revisions) for rev in script.walk_revisions()}
    assert migrations.revision_graph() == alembic_graph
    assert migrations.expected_heads() == tuple(sorted(script.get_heads()))
