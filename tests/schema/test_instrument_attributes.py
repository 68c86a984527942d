"""Instrument metadata completeness in PostgreSQL: the CHECK, the trigger that names the key, agreement with Python."""

from __future__ import annotations

import json
import math
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg.errors import Diagnostic
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from store.instruments import attribute_problems
from tests.instrument_strategies import (
    BAD_VALUES,
    REQUIRED,
    complete_attributes,
    json_values,
    option_or_future,
    storable_text,
)

SYMBOL = "ZZ-HYPOTHESIS"
CONSTRAINT = "ck_securities_instrument_attributes"
REQUIRED_FOR = {"option": "an option", "future": "a future"}
# One `conn` (one rolled-back transaction) serves every example; each example works inside a savepoint.
database_settings = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# Text PostgreSQL can store in jsonb: no NUL, no lone surrogates.


def insert_security(conn: Connection, instrument_type: str, attributes: object) -> None:
    conn.execute(
        text(
            "insert into securities (symbol, exchange, instrument_type, name, attributes)"
            " values (:symbol, 'NSE', :instrument_type, 'property test', cast(:attributes as jsonb))"
        ),
        {"symbol": SYMBOL, "instrument_type": instrument_type, "attributes": json.dumps(attributes)},
    )


def insert_and_roll_back(conn: Connection, instrument_type: str, attributes: object) -> None:
    """Insert in a savepoint that is always rolled back, so examples do not collide on (exchange, symbol)."""
    savepoint = conn.begin_nested()
    try:
        insert_security(conn, instrument_type, attributes)
    finally:
        savepoint.rollback()


def rejection(conn: Connection, instrument_type: str, attributes: object) -> Diagnostic:
    with pytest.raises(DBAPIError) as raised, conn.begin_nested():
        insert_security(conn, instrument_type, attributes)
    assert isinstance(raised.value.orig, psycopg.Error)
    diagnostic = raised.value.orig.diag
    assert (diagnostic.sqlstate, diagnostic.constraint_name) == ("23514", CONSTRAINT)
    return diagnostic


def database_problem(conn: Connection, instrument_type: str, attributes: object) -> str | None:
    problem: str | None = conn.execute(
        text("select instrument_attribute_problem(:instrument_type, cast(:attributes as jsonb))"),
        {"instrument_type": instrument_type, "attributes": json.dumps(attributes)},
    ).scalar_one()
    return problem


@database_settings
@given(data=st.data())
def test_complete_attributes_are_accepted_by_both(conn: Connection, data: st.DataObject) -> None:
    instrument_type = data.draw(option_or_future())
    attributes = data.draw(complete_attributes(instrument_type))
    assert attribute_problems(instrument_type, attributes) == []
    insert_and_roll_back(conn, instrument_type, attributes)


@database_settings
@given(data=st.data())
def test_a_missing_key_is_rejected_and_named_by_both(conn: Connection, data: st.DataObject) -> None:
    instrument_type = data.draw(option_or_future())
    attributes = data.draw(complete_attributes(instrument_type))
    key = data.draw(st.sampled_from(REQUIRED[instrument_type]))
    del attributes[key]
    assert [problem.key for problem in attribute_problems(instrument_type, attributes)] == [key]
    message = rejection(conn, instrument_type, attributes).message_primary
    assert message == (
        f"invalid {instrument_type} attributes for NSE:{SYMBOL}: {key} is required for {REQUIRED_FOR[instrument_type]}"
    )


@database_settings
@given(data=st.data())
def test_a_wrong_value_is_rejected_and_named_by_both(conn: Connection, data: st.DataObject) -> None:
    instrument_type = data.draw(option_or_future())
    attributes = data.draw(complete_attributes(instrument_type))
    key = data.draw(st.sampled_from(REQUIRED[instrument_type]))
    attributes[key] = data.draw(BAD_VALUES[key])
    assert [problem.key for problem in attribute_problems(instrument_type, attributes)] == [key]
    message = rejection(conn, instrument_type, attributes).message_primary
    assert message is not None
    assert message.startswith(f"invalid {instrument_type} attributes for NSE:{SYMBOL}: {key} must be ")
    assert "; " not in message.partition(", got ")[0]


def renders_alike(value: object) -> bool:
    """Whether Python's JSON and PostgreSQL's jsonb print this value the same way (key order, exponents, -0.0)."""
    if isinstance(value, float):
        return "e" not in repr(value) and math.copysign(1.0, value) > 0
    if isinstance(value, list):
        return all(renders_alike(item) for item in value)
    return not isinstance(value, dict)


@st.composite
def partly_broken_attributes(draw: st.DrawFn, instrument_type: str) -> dict[str, Any]:
    """Complete attributes where each required key is kept, dropped or given a wrong value."""
    attributes = draw(complete_attributes(instrument_type))
    for key in REQUIRED[instrument_type]:
        fate = draw(st.sampled_from(["keep", "drop", "break"]))
        if fate == "drop":
            del attributes[key]
        elif fate == "break":
            attributes[key] = draw(BAD_VALUES[key].filter(renders_alike))
    return attributes


@database_settings
@given(data=st.data())
def test_database_and_python_give_the_same_messages(conn: Connection, data: st.DataObject) -> None:
    instrument_type = data.draw(option_or_future())
    attributes = data.draw(partly_broken_attributes(instrument_type))
    python_messages = [problem.message for problem in attribute_problems(instrument_type, attributes)]
    assert database_problem(conn, instrument_type, attributes) == ("; ".join(python_messages) or None)


@database_settings
@given(
    instrument_type=st.sampled_from(["equity", "etf", "index", "bond", "other"]),
    attributes=st.dictionaries(storable_text, json_values, max_size=4),
)
def test_other_instrument_types_take_any_object(
    conn: Connection, instrument_type: str, attributes: dict[str, Any]
) -> None:
    assert attribute_problems(instrument_type, attributes) == []
    insert_and_roll_back(conn, instrument_type, attributes)


def test_the_trigger_message_names_every_problem_and_hints_at_the_rules(conn: Connection) -> None:
    diagnostic = rejection(conn, "option", {"underlying": "NIFTY", "strike": "24000", "expiration": "2024-02-30"})
    assert diagnostic.message_primary == (
        "invalid option attributes for NSE:ZZ-HYPOTHESIS: "
        'strike must be a number greater than 0, got "24000"; '
        'expiration must be a real date as a "YYYY-MM-DD" string, got "2024-02-30"; '
        "option_type is required for an option"
    )
    assert diagnostic.message_hint is not None
    assert "contract_month (YYYY-MM)" in diagnostic.message_hint
    assert (diagnostic.table_name, diagnostic.column_name) == ("securities", "attributes")


def test_the_check_constraint_holds_without_the_trigger(conn: Connection) -> None:
    conn.execute(text("alter table securities disable trigger securities_instrument_attributes"))
    diagnostic = rejection(conn, "future", {"underlying": "CL", "contract_month": "2025-13", "multiplier": 1000})
    assert diagnostic.message_primary is not None
    assert CONSTRAINT in diagnostic.message_primary


def test_updates_are_checked_too(conn: Connection) -> None:
    option = {"underlying": "NIFTY", "strike": 24000, "expiration": "2024-12-26", "option_type": "call"}
    insert_security(conn, "option", option)
    with pytest.raises(DBAPIError, match="strike is required for an option"), conn.begin_nested():
        conn.execute(text("update securities set attributes = attributes - 'strike' where symbol = :s"), {"s": SYMBOL})
    with pytest.raises(DBAPIError, match="underlying must be a non-blank string"), conn.begin_nested():
        conn.execute(
            text("""update securities set attributes = attributes || '{"underlying": ""}' where symbol = :s"""),
            {"s": SYMBOL},
        )
    with pytest.raises(DBAPIError, match="contract_month is required for a future"), conn.begin_nested():
        conn.execute(text("update securities set instrument_type = 'future' where symbol = :s"), {"s": SYMBOL})


@pytest.mark.parametrize(
    ("expiration", "accepted"),
    [
        ("2024-02-29", True),
        ("2023-02-29", False),
        ("2100-02-29", False),
        ("2000-02-29", True),
        ("2024-04-31", False),
        ("2024-12-31", True),
        ("0001-01-01", True),
        ("0000-01-01", False),
        ("9999-12-31", True),
        ("2024-00-10", False),
        ("2024-01-00", False),
    ],
)
def test_calendar_edges_agree(conn: Connection, expiration: str, accepted: bool) -> None:
    attributes = {"underlying": "NIFTY", "strike": 1, "expiration": expiration, "option_type": "put"}
    assert (attribute_problems("option", attributes) == []) is accepted
    assert (database_problem(conn, "option", attributes) is None) is accepted
