"""PostgreSQL's binary COPY format built with NumPy: a whole block of rows becomes one structured array, then bytes.

Every field of a row has a fixed width here (integers, dates, numerics written with a fixed number of base-10000
digits, constant texts, NULLs), so a row type is a NumPy dtype and no Python runs per row. PostgreSQL accepts
numerics with leading or trailing zero digits and normalises them (numeric_recv), then applies the column's scale.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
TRAILER = b"\xff\xff"
_POSTGRES_EPOCH = np.datetime64("2000-01-01", "D")
_NUMERIC_SIGN_NEGATIVE = 0x4000


@dataclass(frozen=True, slots=True)
class Field:
    """One column of the COPY: `kind` is int8, int4, date, numeric, text (one constant) or null."""

    kind: str
    values: np.ndarray | None = None
    integer_groups: int = 2  # base-10000 digits before the point: 2 holds values below 10^8
    decimals: int = 6  # numerics: `values` are integers of 10^-decimals
    constant: bytes = b""

    @property
    def fraction_groups(self) -> int:
        return -(-self.decimals // 4)


def _numeric_dtype(digits: int) -> np.dtype:
    return np.dtype(
        [("ndigits", ">i2"), ("weight", ">i2"), ("sign", ">u2"), ("dscale", ">i2"), ("digits", ">i2", (digits,))]
    )


def _payload_dtype(field: Field) -> np.dtype | None:
    if field.kind == "int8":
        return np.dtype(">i8")
    if field.kind in ("int4", "date"):
        return np.dtype(">i4")
    if field.kind == "numeric":
        return _numeric_dtype(field.integer_groups + field.fraction_groups)
    if field.kind == "text":
        return np.dtype((np.bytes_, len(field.constant)))
    return None


def _fill_numeric(target: np.ndarray, values: np.ndarray, field: Field) -> None:
    """Integers of 10^-decimals as numeric: the field's base-10000 digits before and after the point."""
    digits = field.integer_groups + field.fraction_groups
    target["ndigits"] = digits
    target["weight"] = field.integer_groups - 1
    target["sign"] = np.where(values < 0, _NUMERIC_SIGN_NEGATIVE, 0)
    target["dscale"] = field.decimals
    remaining = np.abs(values.astype(np.int64)) * 10 ** (4 * field.fraction_groups - field.decimals)
    if np.any(remaining >= 10 ** (4 * digits)):
        raise ValueError(f"a value does not fit {field.integer_groups * 4} digits before the point")
    for position in range(digits - 1, -1, -1):
        target["digits"][:, position] = remaining % 10000
        remaining //= 10000


def encode_rows(fields: Sequence[Field], rows: int) -> bytes:
    """The rows (without header or trailer) of a binary COPY, one structured array for all of them."""
    layout: list[tuple[str, np.dtype | str]] = [("count", ">i2")]
    for position, field in enumerate(fields):
        layout.append((f"length{position}", ">i4"))
        payload = _payload_dtype(field)
        if payload is not None:
            layout.append((f"value{position}", payload))
    block = np.zeros(rows, dtype=np.dtype(layout))
    block["count"] = len(fields)
    for position, field in enumerate(fields):
        payload = _payload_dtype(field)
        block[f"length{position}"] = -1 if payload is None else payload.itemsize
        if payload is None:
            continue
        target = block[f"value{position}"]
        if field.kind == "numeric":
            _fill_numeric(target, np.asarray(field.values), field)
        elif field.kind == "date":
            target[...] = (np.asarray(field.values).astype("datetime64[D]") - _POSTGRES_EPOCH).astype(np.int64)
        elif field.kind == "text":
            target[...] = field.constant
        else:
            target[...] = np.asarray(field.values)
    return block.tobytes()
