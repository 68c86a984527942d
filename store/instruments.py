"""Instrument metadata completeness: what an option's or a future's `attributes` must hold, checked in Python."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, PlainValidator, ValidationError
from pydantic_core import ErrorDetails

from store.errors import InvalidInput

# The wording and the order of checks match the database function instrument_attribute_problem
# (migration 0006), so raw-SQL writers and the app see the same messages.
NON_BLANK_STRING = "must be a non-blank string"
POSITIVE_NUMBER = "must be a number greater than 0"
CALL_OR_PUT = 'must be "call" or "put"'
YEAR_MONTH = 'must be a month as a "YYYY-MM" string'
DATE = 'must be a real date as a "YYYY-MM-DD" string'

_BLANK = " \t\n\r\f\v"
_DATE_FORMAT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MONTH_FORMAT = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
_SHOWN_VALUE_LIMIT = 60
_OPTION_TYPES: dict[str, Literal["call", "put"]] = {"call": "call", "put": "put"}


def _non_blank_string(value: object) -> str:
    if not isinstance(value, str) or not value.strip(_BLANK):
        raise ValueError(NON_BLANK_STRING)
    return value


def _positive_number(value: object) -> int | float:
    # JSON has one number type (5 and 5.0 are both fine); bool is an int in Python but not a number in JSON.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(POSITIVE_NUMBER)
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(POSITIVE_NUMBER)
    if value <= 0:
        raise ValueError(POSITIVE_NUMBER)
    return value


def _call_or_put(value: object) -> Literal["call", "put"]:
    if isinstance(value, str) and value in _OPTION_TYPES:
        return _OPTION_TYPES[value]
    raise ValueError(CALL_OR_PUT)


def _iso_date(value: object) -> dt.date:
    # The explicit pattern first: fromisoformat also takes "20240101" and week dates, JSON readers would not.
    if not isinstance(value, str) or not _DATE_FORMAT.fullmatch(value):
        raise ValueError(DATE)
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(DATE) from None


def _year_month(value: object) -> str:
    if not isinstance(value, str) or not _MONTH_FORMAT.fullmatch(value) or value.startswith("0000"):
        raise ValueError(YEAR_MONTH)
    return value


NonBlankString = Annotated[str, PlainValidator(_non_blank_string)]
PositiveNumber = Annotated[int | float, PlainValidator(_positive_number)]


class OptionAttributes(BaseModel):
    """An option's required metadata; extra keys are kept."""

    model_config = ConfigDict(extra="allow", frozen=True)

    underlying: NonBlankString
    strike: PositiveNumber
    expiration: Annotated[dt.date, PlainValidator(_iso_date)]
    option_type: Annotated[Literal["call", "put"], PlainValidator(_call_or_put)]


class FutureAttributes(BaseModel):
    """A future's required metadata; extra keys are kept."""

    model_config = ConfigDict(extra="allow", frozen=True)

    underlying: NonBlankString
    contract_month: Annotated[str, PlainValidator(_year_month)]
    multiplier: PositiveNumber


ATTRIBUTE_MODELS: dict[str, tuple[type[BaseModel], str]] = {
    "option": (OptionAttributes, "an option"),
    "future": (FutureAttributes, "a future"),
}


@dataclass(frozen=True, slots=True)
class AttributeProblem:
    """One missing or wrong key of `securities.attributes`, with a message naming it and the value found."""

    key: str
    message: str


def shown_value(value: object) -> str:
    """A value as it appears in messages: as JSON (like PostgreSQL prints jsonb), cut short when long."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    if len(text) > _SHOWN_VALUE_LIMIT:
        return text[: _SHOWN_VALUE_LIMIT - 3] + "..."
    return text


def _problem(error: ErrorDetails, attributes: Mapping[str, object], required_for: str) -> AttributeProblem:
    key = str(error["loc"][0])
    if error["type"] == "missing":
        return AttributeProblem(key, f"{key} is required for {required_for}")
    rule = str(error.get("ctx", {}).get("error", error["msg"]))
    return AttributeProblem(key, f"{key} {rule}, got {shown_value(attributes[key])}")


def attribute_problems(instrument_type: str, attributes: Mapping[str, object]) -> list[AttributeProblem]:
    """Every missing or wrong key for this instrument type, in the database's order; empty when complete."""
    if not isinstance(attributes, Mapping):
        return [AttributeProblem("attributes", f"attributes must be a JSON object, got {shown_value(attributes)}")]
    if instrument_type not in ATTRIBUTE_MODELS:
        return []
    model, required_for = ATTRIBUTE_MODELS[instrument_type]
    try:
        model.model_validate(dict(attributes))
    except ValidationError as invalid:
        return [_problem(error, attributes, required_for) for error in invalid.errors()]
    return []


def validate_instrument_attributes(instrument_type: str, attributes: Mapping[str, object]) -> None:
    """Raise InvalidInput naming every missing or wrong key; return quietly when the attributes are complete."""
    problems = attribute_problems(instrument_type, attributes)
    if problems:
        message = "; ".join(problem.message for problem in problems)
        raise InvalidInput(
            f"invalid {instrument_type} attributes: {message}",
            fields={problem.key: problem.message for problem in problems},
        )
