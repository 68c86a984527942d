"""Agent settings: create, read, and versioned edits that never overwrite someone else's change."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Connection, text

from store.errors import EditConflict, InvalidInput, NotFound
from store.records.agents import AgentConfigRecord
from store.repositories.agents import AgentConfigRepository
from store.uow import UnitOfWork


@pytest.fixture
def agents(uow: UnitOfWork) -> AgentConfigRepository:
    return uow.repository(AgentConfigRepository)


@pytest.fixture
def momentum(agents: AgentConfigRepository) -> AgentConfigRecord:
    return agents.create("momentum", weight=Decimal("1.5"), parameters={"lookback": 20, "filters": {"min_rs": 80}})


def stored(conn: Connection, name: str = "momentum") -> tuple[Any, ...]:
    row = conn.execute(
        text("select enabled, weight, parameters, version from agent_configs where agent_name = :n"), {"n": name}
    ).one()
    return tuple(row)


def test_create_then_read_by_name_and_all_by_name(agents: AgentConfigRepository, momentum: AgentConfigRecord) -> None:
    value = agents.create("value")
    assert (value.enabled, value.weight, value.parameters, value.version) == (True, Decimal(1), {}, 1)
    assert momentum.parameters == {"lookback": 20, "filters": {"min_rs": 80}}
    assert agents.get("momentum") == momentum
    assert [config.agent_name for config in agents.all()] == ["momentum", "value"]
    disabled = agents.create("news", enabled=False, weight=0)
    assert (disabled.enabled, disabled.weight) == (False, 0)


def test_get_of_an_unknown_agent_is_not_found(agents: AgentConfigRepository) -> None:
    assert agents.all() == []
    with pytest.raises(NotFound, match="'ghost'"):
        agents.get("ghost")


@pytest.mark.parametrize(
    ("arguments", "field", "words"),
    [
        ({"agent_name": "momentum"}, "agent_name", "already configured"),
        ({"agent_name": "  "}, "agent_name", "empty"),
        ({"weight": -1}, "weight", "0 or more"),
        ({"weight": math.nan}, "weight", "finite"),
        ({"weight": 1e15}, "weight", "less than 10^12"),
        ({"enabled": "yes"}, "enabled", "true or false"),
        ({"parameters": {"since": dt.date(2026, 1, 1)}}, "parameters", "since: a date is not a JSON value"),
        ({"parameters": ["lookback"]}, "parameters", "JSON object"),
    ],
)
def test_create_refuses_bad_input_naming_the_field(
    conn: Connection,
    agents: AgentConfigRepository,
    momentum: AgentConfigRecord,
    arguments: dict[str, Any],
    field: str,
    words: str,
) -> None:
    with pytest.raises(InvalidInput) as caught:
        agents.create(**({"agent_name": "value"} | arguments))
    assert words in caught.value.fields[field]
    assert conn.execute(text("select count(*) from agent_configs")).scalar_one() == 1


def test_edits_name_the_version_read_and_bump_it(
    conn: Connection, agents: AgentConfigRepository, momentum: AgentConfigRecord
) -> None:
    disabled = agents.set_enabled("momentum", momentum.version, False)
    assert (disabled.enabled, disabled.version) == (False, 2)
    weighed = agents.set_weight("momentum", disabled.version, 0.25)
    assert (weighed.weight, weighed.version) == (Decimal("0.25"), 3)
    edited = agents.edit_parameters("momentum", weighed.version, {"lookback": 50, "symbols": ("INFY", "TCS")})
    assert (edited.parameters, edited.version) == ({"lookback": 50, "symbols": ("INFY", "TCS")}, 4)
    assert stored(conn) == (False, Decimal("0.25"), {"lookback": 50, "symbols": ["INFY", "TCS"]}, 4)
    assert agents.get("momentum") == edited
    actors = conn.execute(
        text("select distinct actor from audit_log where entity_type = 'agent_configs' and action = 'update'")
    ).scalars()
    assert list(actors) == ["tester"]


def test_read_only_parameters_can_be_edited_and_sent_back(
    agents: AgentConfigRepository, momentum: AgentConfigRecord
) -> None:
    with pytest.raises(TypeError):
        momentum.parameters["lookback"] = 10  # type: ignore[index]
    changed = dict(momentum.parameters) | {"lookback": 10}
    edited = agents.edit_parameters("momentum", momentum.version, changed)
    assert edited.parameters == {"lookback": 10, "filters": {"min_rs": 80}}


@pytest.mark.parametrize(
    "edit",
    [
        lambda agents, version: agents.set_enabled("momentum", version, False),
        lambda agents, version: agents.set_weight("momentum", version, 3),
        lambda agents, version: agents.edit_parameters("momentum", version, {"lookback": 5}),
    ],
)
def test_a_stale_version_raises_edit_conflict_and_writes_nothing(
    conn: Connection,
    agents: AgentConfigRepository,
    momentum: AgentConfigRecord,
    edit: Callable[[AgentConfigRepository, int], AgentConfigRecord],
) -> None:
    current = agents.set_weight("momentum", momentum.version, 2)
    before = stored(conn)
    with pytest.raises(EditConflict) as caught:
        edit(agents, momentum.version)
    assert stored(conn) == before
    assert caught.value.stored["version"] == current.version
    assert "version 1" in str(caught.value)


def test_a_concurrent_edit_committed_first_wins(fresh_db) -> None:  # type: ignore[no-untyped-def]
    with UnitOfWork(fresh_db.engine, actor="asha") as unit:
        unit.repository(AgentConfigRepository).create("momentum")
        unit.commit()
    with UnitOfWork(fresh_db.engine, actor="asha") as asha, UnitOfWork(fresh_db.engine, actor="ravi") as ravi:
        read_by_asha = asha.repository(AgentConfigRepository).get("momentum")
        read_by_ravi = ravi.repository(AgentConfigRepository).get("momentum")
        ravi.repository(AgentConfigRepository).set_weight("momentum", read_by_ravi.version, 2)
        ravi.commit()
        with pytest.raises(EditConflict):
            asha.repository(AgentConfigRepository).set_weight("momentum", read_by_asha.version, 5)
    with UnitOfWork(fresh_db.engine) as unit:
        final = unit.repository(AgentConfigRepository).get("momentum")
    assert (final.weight, final.version) == (2, 2)


@pytest.mark.parametrize(
    ("edit", "field", "words"),
    [
        (lambda agents: agents.set_enabled("momentum", 1, None), "enabled", "true or false"),
        (lambda agents: agents.set_weight("momentum", 1, -0.5), "weight", "0 or more"),
        (lambda agents: agents.set_weight("momentum", 1, "heavy"), "weight", "number"),
        (lambda agents: agents.set_weight("momentum", "1", 2), "version", "version you read"),
        (lambda agents: agents.edit_parameters("momentum", 1, None), "parameters", "JSON object"),
        (lambda agents: agents.edit_parameters("momentum", 1, {"at": dt.time(9)}), "parameters", "at: a time"),
        (
            lambda agents: agents.edit_parameters("momentum", 1, {"filters": {"min_rs": math.inf}}),
            "parameters",
            "filters.min_rs: inf is not a JSON number",
        ),
        (lambda agents: agents.edit_parameters("momentum", 1, {("a", "b"): 1}), "parameters", "is not a string"),
    ],
)
def test_bad_edits_are_refused_naming_the_field_and_write_nothing(
    conn: Connection,
    agents: AgentConfigRepository,
    momentum: AgentConfigRecord,
    edit: Callable[[AgentConfigRepository], object],
    field: str,
    words: str,
) -> None:
    before = stored(conn)
    with pytest.raises(InvalidInput) as caught:
        edit(agents)
    assert words in caught.value.fields[field]
    assert stored(conn) == before


def test_edits_of_an_unknown_agent_are_not_found(agents: AgentConfigRepository) -> None:
    with pytest.raises(NotFound):
        agents.set_enabled("ghost", 1, True)
    with pytest.raises(NotFound):
        agents.edit_parameters("ghost", 1, {})
