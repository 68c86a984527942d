"""PostgreSQL's binary COPY format written column by column with numpy: bigint, date, numeric(·,6), constant text.

psycopg's `write_row` turns every value into a Python object first; for millions of bars that costs more
than the server's work, so rows are laid out here as numpy records (fixed width within a group of rows
that share the same NULL columns) and handed to `Copy.write` as bytes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import polars as pl

SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
TRAILER = (-1).to_bytes(2, "big", signed=True)
CHUNK_ROWS = 200_000
SCALE = 6
_DAYS_1970_TO_2000 = 10_957
# numeric on the wire: ndigits, weight, sign, dscale, then base-10000 digits. Five digits with weight 2
# hold 12 digits before the point and 6 after; the server strips the zero digits.
_NUMERIC_DIGITS = 5
_NUMERIC_NEGATIVE = 0x4000


def _kind(dtype: pl.DataType) -> str:
    if dtype == pl.Int64:
        return "int8"
    if dtype == pl.Date:
        return "date"
    if isinstance(dtype, pl.Decimal) and dtype.scale == SCALE:
        return "numeric"
    raise TypeError(f"no binary COPY encoding for {dtype}")


_WIRE_TYPES = {
    "int8": (">i8", 8),
    "date": (">i4", 4),
    "numeric": ((">i2", (4 + _NUMERIC_DIGITS,)), 8 + 2 * _NUMERIC_DIGITS),
}


def encode(frame: pl.DataFrame, columns: Sequence[str], text: bytes) -> Iterator[tuple[int, bytes]]:
    """(rows, bytes) chunks of COPY rows for `columns` of `frame` followed by the constant `text` column."""
    kinds = [_kind(frame.schema[name]) for name in columns]
    for start in range(0, frame.height, CHUNK_ROWS):
        chunk = frame.slice(start, CHUNK_ROWS)
        nullable = [name for name in columns if chunk[name].null_count()]
        if not nullable:
            yield chunk.height, _encode_group(chunk, columns, kinds, set(), text)
            continue
        pattern = pl.sum_horizontal(
            chunk[name].is_null().cast(pl.Int32) * (1 << bit) for bit, name in enumerate(nullable)
        )
        for group in chunk.with_columns(pattern.alias("_nulls")).partition_by("_nulls", include_key=False):
            nulls = {name for name in nullable if group[name].null_count()}
            yield group.height, _encode_group(group, columns, kinds, nulls, text)


def _encode_group(
    group: pl.DataFrame, columns: Sequence[str], kinds: Sequence[str], nulls: set[str], text: bytes
) -> bytes:
    layout: list[tuple[str, object] | tuple[str, object, object]] = [("fields", ">i2")]
    for index, (name, kind) in enumerate(zip(columns, kinds, strict=True)):
        layout.append((f"l{index}", ">i4"))
        if name not in nulls:
            wire = _WIRE_TYPES[kind][0]
            layout.append((f"v{index}", *wire) if isinstance(wire, tuple) else (f"v{index}", wire))
    layout += [("ltext", ">i4"), ("text", f"S{len(text)}")]
    rows = np.empty(group.height, dtype=np.dtype(layout))
    rows["fields"] = len(columns) + 1
    for index, (name, kind) in enumerate(zip(columns, kinds, strict=True)):
        if name in nulls:
            rows[f"l{index}"] = -1
            continue
        rows[f"l{index}"] = _WIRE_TYPES[kind][1]
        _put(rows[f"v{index}"], group[name], kind)
    rows["ltext"] = len(text)
    rows["text"] = text
    return rows.tobytes()


def _put(target: np.ndarray, series: pl.Series, kind: str) -> None:
    """Write a column's values into its field of the records (numpy converts to big-endian on the way)."""
    if kind == "int8":
        target[...] = series.to_numpy()
    elif kind == "date":
        target[...] = series.to_physical().to_numpy() - _DAYS_1970_TO_2000
    else:
        _put_numeric(target, series.to_physical().cast(pl.Int64).to_numpy())


def _put_numeric(words: np.ndarray, scaled: np.ndarray) -> None:
    """numeric(·,6) wire words (ndigits, weight, sign, dscale, 5 base-10000 digits) of millionths."""
    words[:, 0] = _NUMERIC_DIGITS
    words[:, 1] = 2
    words[:, 2] = np.where(scaled < 0, _NUMERIC_NEGATIVE, 0)
    words[:, 3] = SCALE
    whole, fraction = np.divmod(np.abs(scaled), 10**SCALE)
    whole, words[:, 6] = np.divmod(whole, 10**4)
    words[:, 4], words[:, 5] = np.divmod(whole, 10**4)
    words[:, 7], hundredths = np.divmod(fraction, 100)
    words[:, 8] = hundredths * 100
