"""Daily-price file formats: recognised from the header (not the extension), read into canonical columns."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

PRICE = pl.Decimal(18, 6)
PRICE_FIELDS = ("open", "high", "low", "close", "adj_close", "prev_close")
PARQUET_MAGIC = b"PAR1"
BOM = b"\xef\xbb\xbf"

# Stooq's ticker suffix and Yahoo's file-name suffix name the exchange. Stooq's `.US` (like the
# end-of-day APIs' `AAPL.US`) covers every US listing without saying which: such rows are filed
# under the composite exchange code "US" unless --exchange names one.
STOOQ_SUFFIXES = {"US": "US", "UK": "LSE", "DE": "XETRA", "JP": "TSE", "HK": "HKEX"}
FILE_NAME_SUFFIXES = {"NS": "NSE", "BO": "BSE", "L": "LSE", "US": "US"}

# Canonical fields of the generic formats (Yahoo, plain OHLCV, long CSV, Parquet): each header is
# matched case-insensitively, with spaces, underscores and <> ignored.
ALIASES: dict[str, tuple[str, ...]] = {
    "symbol": ("symbol", "ticker"),
    "security_id": ("securityid",),
    "exchange": ("exchange",),
    "name": ("name", "securityname", "companyname"),
    "date": ("date", "tradedate", "day"),
    "open": ("open",),
    "high": ("high",),
    "low": ("low",),
    "close": ("close",),
    "adj_close": ("adjclose", "adjustedclose"),
    "volume": ("volume", "vol"),
}
REQUIRED = ("date", "open", "high", "low", "close")
ANY_DATE = ("%Y-%m-%d", "%m/%d/%Y", "%Y%m%d", "%d-%b-%Y", "%Y/%m/%d")


@dataclass(frozen=True, slots=True)
class PriceFormat:
    """A recognised layout: which column (by position) holds each canonical field, and what it implies."""

    name: str
    header: tuple[str, ...]
    columns: Mapping[str, int]
    date_formats: tuple[str, ...] = ANY_DATE
    exchange: str | None = None
    ticker_suffix: bool = False
    extra_fields: Mapping[str, int] = field(default_factory=dict)

    @property
    def source(self) -> str:
        """What ohlcv_daily.source and ingestion_logs.source say about rows of this format."""
        return f"prices:{self.name}"

    def label(self, name: str) -> str | None:
        """The header of a canonical field as the file writes it (None when the field is not a column)."""
        index = self.columns.get(name, self.extra_fields.get(name))
        return None if index is None else self.header[index]

    def has(self, name: str) -> bool:
        return name in self.columns


def normalise(header: str) -> str:
    return re.sub(r"[\s_<>]+", "", header).lower()


_STOOQ = ("ticker", "per", "date", "time", "open", "high", "low", "close", "vol")
_NSE_LEGACY = (
    "symbol", "series", "open", "high", "low", "close", "last", "prevclose", "tottrdqty", "tottrdval", "timestamp",
)  # fmt: skip
_NSE_UDIFF = {
    "date": "traddt", "symbol": "tckrsymb", "series": "sctysrs", "name": "fininstrmnm", "open": "opnpric",
    "high": "hghpric", "low": "lwpric", "close": "clspric", "prev_close": "prvsclsgpric", "volume": "ttltradgvol",
    "traded_value": "ttltrfval",
}  # fmt: skip


def detect_format(header: Sequence[str]) -> PriceFormat | None:
    """The format a header line announces, or None when it is not a daily-price file we know."""
    labels = tuple(name.strip() for name in header)
    keys = [normalise(name) for name in labels]
    if tuple(keys[: len(_STOOQ)]) == _STOOQ:
        fields = {"symbol": 0, "period": 1, "date": 2, "open": 4, "high": 5, "low": 6, "close": 7, "volume": 8}
        return PriceFormat("stooq", labels, fields, ("%Y%m%d",), ticker_suffix=True)
    if tuple(keys[: len(_NSE_LEGACY)]) == _NSE_LEGACY:
        fields = {"symbol": 0, "open": 2, "high": 3, "low": 4, "close": 5, "prev_close": 7, "volume": 8, "date": 10}
        extra = {"series": 1, "traded_value": 9}
        return PriceFormat("nse-bhavcopy", labels, fields, ("%d-%b-%Y",), exchange="NSE", extra_fields=extra)
    if set(_NSE_UDIFF.values()) <= set(keys):
        found = {name: keys.index(key) for name, key in _NSE_UDIFF.items()}
        extra = {name: found.pop(name) for name in ("series", "traded_value")}
        return PriceFormat("nse-udiff", labels, found, ("%Y-%m-%d",), exchange="NSE", extra_fields=extra)
    return _generic_format(labels, keys)


def _generic_format(labels: tuple[str, ...], keys: list[str]) -> PriceFormat | None:
    fields: dict[str, int] = {}
    for index, key in enumerate(keys):
        name = next((name for name, aliases in ALIASES.items() if key in aliases), None)
        if name is not None and name not in fields:
            fields[name] = index
    if not all(name in fields for name in REQUIRED):
        return None
    if "symbol" in fields or "security_id" in fields:
        kind = "long"
    elif "adj_close" in fields:
        kind = "yahoo-old" if fields.get("volume", -1) > -1 and fields["volume"] < fields["adj_close"] else "yahoo"
    else:
        kind = "ohlcv"
    return PriceFormat(kind, labels, fields)


def describe_known_formats() -> str:
    return (
        "Yahoo (Date,Open,High,Low,Close,Adj Close,Volume, either order), Date,Open,High,Low,Close[,Volume], "
        "Stooq (<TICKER>,<PER>,<DATE>,…), NSE bhavcopy (SYMBOL,SERIES,OPEN,…,TIMESTAMP,…), "
        "a long CSV with a Symbol (or security_id) column, or Parquet with those columns"
    )


def header_of(data: bytes) -> list[str]:
    """The first line's column names (BOM, CR and surrounding quotes removed)."""
    end = data.find(b"\n")
    first = data[: end if end >= 0 else len(data)].removeprefix(BOM).rstrip(b"\r")
    text = first.decode("utf-8", errors="replace")
    return [name.strip().strip('"') for name in text.split(",")]


def is_parquet(data: bytes) -> bool:
    return data[:4] == PARQUET_MAGIC


def read_csv(data: bytes, fmt: PriceFormat, *, typed: bool, first_line: int | None = None) -> pl.DataFrame:
    """Every column (named c0, c1…) and `line`; typed columns fail fast on a bad value.

    `data` is the whole file, or (with `first_line`) a run of its lines without the header.
    """
    schema: dict[str, pl.DataType] = {f"c{index}": pl.String() for index in range(len(fmt.header))}
    if typed:
        for name, index in fmt.columns.items():
            if name in PRICE_FIELDS:
                schema[f"c{index}"] = PRICE
            elif name in ("volume", "security_id"):
                schema[f"c{index}"] = pl.Int64()
    frame = pl.read_csv(
        io.BytesIO(data),
        has_header=False,
        skip_rows=1 if first_line is None else 0,
        schema=schema,
        encoding="utf8-lossy",
        raise_if_empty=False,
    )
    # The header is line 1; Polars keeps a row (of nulls) for every blank line, so numbering holds.
    return frame.with_row_index("line", offset=first_line or 2).with_columns(pl.col("line").cast(pl.Int64))


def body_parts(data: bytes, size: int, first: int | None = None) -> Iterator[tuple[int, bytes]]:
    """The lines after the header in runs of about `size` bytes, each with the number of its first line.

    With `first`, the runs start at about `first` bytes and double up to `size`: the first part is
    ready (and its COPY under way) sooner.
    """
    start = data.find(b"\n") + 1 if b"\n" in data else len(data)
    line, wanted = 2, min(first or size, size)
    while start < len(data):
        end = data.find(b"\n", min(start + wanted, len(data)) - 1)
        end = len(data) if end < 0 else end + 1
        yield line, data[start:end]
        line += data.count(b"\n", start, end)
        start, wanted = end, min(wanted * 2, size)


def ragged_lines(data: bytes, fields: int) -> list[tuple[int, int]]:
    """(line, number of fields) of the lines with more fields than the header (Polars only says that one has)."""
    text = io.StringIO(data.removeprefix(BOM).decode("utf-8", errors="replace"), newline="")
    reader = csv.reader(text)
    next(reader, None)
    return [(reader.line_num, len(row)) for row in reader if len(row) > fields]


def read_parquet(data: bytes) -> pl.DataFrame:
    """A Parquet file with every column as text (dates as ISO), numbered from row 1."""
    frame = pl.read_parquet(io.BytesIO(data))
    frame = frame.select(
        (pl.col(name).dt.date() if dtype.is_temporal() and dtype != pl.Date else pl.col(name)).cast(pl.String)
        for name, dtype in frame.schema.items()
    )
    frame.columns = [f"c{index}" for index in range(frame.width)]
    return frame.with_row_index("line", offset=1).with_columns(pl.col("line").cast(pl.Int64))


def symbol_from_file_name(path: Path) -> tuple[str, str | None]:
    """INFY.csv → (INFY, None); INFY.NS.csv → (INFY, NSE); aapl.us.txt → (AAPL, US); BRK.B.csv → (BRK.B, None)."""
    stem = path.name.split(".")
    parts = stem[:-1] if len(stem) > 1 else stem
    if len(parts) > 1 and parts[-1].upper() in FILE_NAME_SUFFIXES:
        return ".".join(parts[:-1]).upper(), FILE_NAME_SUFFIXES[parts[-1].upper()]
    return ".".join(parts).upper(), None


def choose_date_format(values: pl.Series, candidates: Sequence[str]) -> str:
    """The first candidate that reads every one of the first 1,000 dates (else the one that reads most)."""
    sample = values.drop_nulls().str.strip_chars().head(1000)
    if sample.is_empty():
        return candidates[0]
    counts = [(sample.str.strptime(pl.Date, fmt, strict=False).null_count(), fmt) for fmt in candidates]
    return min(counts, key=lambda item: item[0])[1]


def date_example(fmt: str) -> str:
    return dt.date(2014, 6, 9).strftime(fmt).upper() if "%b" in fmt else dt.date(2014, 6, 9).strftime(fmt)
