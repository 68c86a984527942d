"""Input checks shared by the repositories: each refuses with InvalidInput naming the field."""

from __future__ import annotations

import datetime as dt
import decimal
import math
from collections.abc import Mapping, Sequence
from typing import Any, NoReturn

from store.errors import InvalidInput

# numeric(18, 6), the type of every score, confidence and weight, holds less than 10^12 in size.
NUMBER_LIMIT = decimal.Decimal(10) ** 12


def refuse_all(action: str, problems: Mapping[str, str]) -> NoReturn:
    """Raise one InvalidInput for every problem found: `action (field: problem; …)`."""
    details = "; ".join(f"{field}: {problem}" for field, problem in problems.items())
    raise InvalidInput(f"{action} ({details})", fields=problems)


def clean_text(value: str | None) -> str | None:
    """Free text as stored: trimmed, and blank means none."""
    if value is None:
        return None
    return value.strip() or None


def refuse(field: str, problem: str) -> InvalidInput:
    return InvalidInput(f"{field}: {problem}", fields={field: problem})


def checked_limit(limit: int) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise refuse("limit", f"must be a whole number of at least 1, not {limit!r}")
    return limit


def checked_moment(moment: dt.datetime | None, field: str) -> dt.datetime | None:
    """A timezone-aware datetime (or None): a naive one would be read in the server's time zone."""
    if moment is None:
        return None
    if not isinstance(moment, dt.datetime) or moment.utcoffset() is None:
        raise refuse(field, f"must be a timezone-aware datetime, not {moment!r}")
    return moment


def checked_security_id(security_id: int, field: str = "security_id") -> int:
    if isinstance(security_id, bool) or not isinstance(security_id, int):
        raise refuse(field, f"must be a security id (a whole number), not {security_id!r}")
    return security_id


def checked_text(value: str, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise refuse(field, "must not be empty")
    if "\x00" in value:
        raise refuse(field, "must not contain a NUL character")
    return value


def checked_number(value: decimal.Decimal | int | float, field: str) -> decimal.Decimal:
    """A finite number as a Decimal (floats go through their shortest repr, so 0.1 stays 0.1)."""
    if isinstance(value, bool) or not isinstance(value, decimal.Decimal | int | float):
        raise refuse(field, f"must be a number, not {value!r}")
    number = decimal.Decimal(repr(value)) if isinstance(value, float) else decimal.Decimal(value)
    if not number.is_finite():
        raise refuse(field, f"must be a finite number, not {value!r}")
    if abs(number) >= NUMBER_LIMIT:
        raise refuse(field, f"must be less than 10^12 in size, not {value!r}")
    return number


def checked_vocabulary(value: str, field: str, allowed: Sequence[str]) -> str:
    if value not in allowed:
        raise refuse(field, f"{value!r} is not one of {', '.join(allowed)}")
    return value


def plain_json(value: Any, path: str) -> Any:
    """A plain copy of a JSON value (read-only mappings and tuples thawed); ValueError names the bad spot."""
    if isinstance(value, str) and "\x00" in value:
        raise ValueError(f"{path or 'the value'}: PostgreSQL cannot store a NUL character in JSON")
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{path or 'the value'}: {value} is not a JSON number")
        return value
    if isinstance(value, Mapping):
        for key in value:
            if not isinstance(key, str) or "\x00" in key:
                raise ValueError(f"{path or 'the object'}: key {key!r} is not a string without NUL characters")
        return {key: plain_json(item, f"{path}.{key}" if path else key) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain_json(item, f"{path}[{index}]") for index, item in enumerate(value)]
    kinds = "a string, number, true/false, null, list or object"
    raise ValueError(f"{path or 'the value'}: a {type(value).__name__} is not a JSON value (use {kinds})")


def checked_json_object(value: Mapping[str, Any] | None, field: str) -> dict[str, Any]:
    """A JSON object of JSON values (None is an empty object); InvalidInput names the offending key."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise refuse(field, f"must be a JSON object (a mapping), not a {type(value).__name__}")
    try:
        plain: dict[str, Any] = plain_json(value, "")
    except ValueError as exc:
        raise refuse(field, str(exc)) from None
    return plain


def checked_json_array(value: Sequence[Any] | None, field: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        raise refuse(field, f"must be a JSON array (a list), not a {type(value).__name__}")
    try:
        plain: list[Any] = plain_json(value, "")
    except ValueError as exc:
        raise refuse(field, str(exc)) from None
    return plain
