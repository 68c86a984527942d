"""Instrument metadata completeness in Python: complete attributes pass, each missing or wrong key is named."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from store.errors import InvalidInput
from store.instruments import (
    FutureAttributes,
    OptionAttributes,
    attribute_problems,
    shown_value,
    validate_instrument_attributes,
)
from tests.instrument_strategies import (
    BAD_VALUES,
    REQUIRED,
    complete_attributes,
    json_values,
    option_or_future,
    storable_text,
)

# Text PostgreSQL can store in jsonb: no NUL, no lone surrogates.


@given(st.data())
def test_complete_attributes_pass(data: st.DataObject) -> None:
    instrument_type = data.draw(option_or_future())
    attributes = data.draw(complete_attributes(instrument_type))
    assert attribute_problems(instrument_type, attributes) == []
    validate_instrument_attributes(instrument_type, attributes)


@given(st.data())
def test_a_missing_key_is_named(data: st.DataObject) -> None:
    instrument_type = data.draw(option_or_future())
    attributes = data.draw(complete_attributes(instrument_type))
    key = data.draw(st.sampled_from(REQUIRED[instrument_type]))
    del attributes[key]
    [problem] = attribute_problems(instrument_type, attributes)
    assert problem.key == key
    assert problem.message == f"{key} is required for {'an option' if instrument_type == 'option' else 'a future'}"


@given(st.data())
def test_a_wrong_value_is_named_with_the_value(data: st.DataObject) -> None:
    instrument_type = data.draw(option_or_future())
    attributes = data.draw(complete_attributes(instrument_type))
    key = data.draw(st.sampled_from(REQUIRED[instrument_type]))
    attributes[key] = data.draw(BAD_VALUES[key])
    [problem] = attribute_problems(instrument_type, attributes)
    assert problem.key == key
    assert problem.message.startswith(f"{key} must be ")
    assert problem.message.endswith(f", got {shown_value(attributes[key])}")
    with pytest.raises(InvalidInput) as raised:
        validate_instrument_attributes(instrument_type, attributes)
    assert raised.value.fields == {key: problem.message}


@given(st.sampled_from(["equity", "etf", "index", "bond", "other"]), st.dictionaries(storable_text, json_values))
def test_other_instrument_types_need_nothing(instrument_type: str, attributes: dict[str, Any]) -> None:
    assert attribute_problems(instrument_type, attributes) == []


@pytest.mark.parametrize("strike", [5, 5.0, 0.05, 10**30])
def test_json_numbers_of_either_kind_are_numbers(strike: object) -> None:
    attributes = {"underlying": "NIFTY", "strike": strike, "expiration": "2024-12-26", "option_type": "call"}
    assert attribute_problems("option", attributes) == []


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("strike", -5, "strike must be a number greater than 0, got -5"),
        ("strike", "5", 'strike must be a number greater than 0, got "5"'),
        ("strike", True, "strike must be a number greater than 0, got true"),
        ("expiration", "2023-02-29", 'expiration must be a real date as a "YYYY-MM-DD" string, got "2023-02-29"'),
        ("expiration", "2024-1-05", 'expiration must be a real date as a "YYYY-MM-DD" string, got "2024-1-05"'),
        ("strike", float("inf"), "strike must be a number greater than 0, got Infinity"),
        (
            "expiration",
            dt.date(2024, 12, 26),
            'expiration must be a real date as a "YYYY-MM-DD" string, got datetime.date(2024, 12, 26)',
        ),
        ("option_type", "CALL", 'option_type must be "call" or "put", got "CALL"'),
        ("underlying", "  ", 'underlying must be a non-blank string, got "  "'),
    ],
)
def test_option_messages_name_the_key_and_the_value(key: str, value: object, message: str) -> None:
    attributes = {"underlying": "NIFTY", "strike": 100, "expiration": "2024-02-29", "option_type": "put", key: value}
    with pytest.raises(InvalidInput, match=r"^invalid option attributes: ") as raised:
        validate_instrument_attributes("option", attributes)
    assert raised.value.fields == {key: message}


def test_every_problem_is_reported_in_order() -> None:
    problems = attribute_problems("future", {"contract_month": "2024-13", "multiplier": 0})
    assert [problem.message for problem in problems] == [
        "underlying is required for a future",
        'contract_month must be a month as a "YYYY-MM" string, got "2024-13"',
        "multiplier must be a number greater than 0, got 0",
    ]


def test_attributes_must_be_an_object() -> None:
    [problem] = attribute_problems("equity", ["strike", 5])  # type: ignore[arg-type]
    assert (problem.key, problem.message) == ("attributes", 'attributes must be a JSON object, got ["strike", 5]')


def test_long_values_are_cut_short_in_messages() -> None:
    [problem] = attribute_problems("future", {"underlying": "CL", "contract_month": "x" * 100, "multiplier": 1000})
    assert problem.message.endswith(', got "' + "x" * 56 + "...")


def test_models_parse_and_keep_extra_keys() -> None:
    option = OptionAttributes.model_validate(
        {"underlying": "NIFTY", "strike": 24000, "expiration": "2024-12-26", "option_type": "call", "lot": 25}
    )
    assert option.expiration == dt.date(2024, 12, 26)
    assert option.model_extra == {"lot": 25}
    future = FutureAttributes.model_validate({"underlying": "CL", "contract_month": "2025-01", "multiplier": 1000.0})
    assert (future.contract_month, future.multiplier) == ("2025-01", 1000.0)
