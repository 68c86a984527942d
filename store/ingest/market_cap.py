"""`import market-cap`: NSE MCAPDDMMYYYY.csv (or a generic CSV) into market_cap_history, keyed by security and day."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from store.ingest.reference import Kind, Options, ReadFile, Target
from store.ingest.tables import (
    GENERIC_DATES,
    NSE_DATES,
    Layout,
    Rule,
    as_date,
    as_decimal,
    as_integer,
    check,
    date_words,
    fields_of,
    find_columns,
    parsed_as,
    read_table,
    required,
    text,
)

_NSE = {
    "trade_date": ("tradedate",),
    "symbol": ("symbol",),
    "series": ("series",),
    "name": ("securityname",),
    "category": ("category",),
    "issue_size": ("issuesize",),
    "close_price": ("closepricepaidupvaluers",),
    "market_cap": ("marketcaprs",),
}
_GENERIC = {
    "trade_date": ("tradedate", "date"),
    "symbol": ("symbol", "ticker"),
    "exchange": ("exchange",),
    "market_cap": ("marketcap",),
    "close_price": ("closeprice", "close"),
    "issue_size": ("issuesize", "shares"),
    "category": ("category",),
    "currency": ("currency",),
}
TARGET = Target(
    table="market_cap_history",
    columns=(
        ("security_id", "bigint"),
        ("trade_date", "date"),
        ("market_cap", "numeric"),
        ("close_price", "numeric"),
        ("issue_size", "bigint"),
        ("category", "text"),
        ("currency", "text"),
    ),
    key=("security_id", "trade_date"),
    stamp="ingested_at",
)


def detect(header: tuple[str, ...]) -> Layout | None:
    columns = find_columns(header, _NSE)
    if len(columns) == len(_NSE):
        return Layout("nse-mcap", header, columns, constants={"exchange": "NSE", "currency": "INR"})
    columns = find_columns(header, _GENERIC)
    if {"trade_date", "symbol", "market_cap"} <= columns.keys():
        return Layout("market-cap-csv", header, columns)
    return None


def read(path: Path, data: bytes, options: Options) -> ReadFile | str:
    """Each row's market cap (rupees: wider than a price), close and issue size; the values may be padded."""
    if not data.strip():
        return "is empty"
    header, raw = read_table(data)
    layout = detect(header)
    if layout is None:
        return (
            f"has a header I do not know ({','.join(header)[:120]}): expected NSE MCAP (Trade Date,Symbol,Series,"
            "Security Name,Category,…,Market Cap(Rs.)) or a CSV with trade_date, symbol, market_cap"
        )
    dates = NSE_DATES if layout.name == "nse-mcap" else GENERIC_DATES
    frame = fields_of(raw, layout)
    frame = frame.with_columns(
        text("symbol").str.to_uppercase().alias("symbol"),
        _exchange(layout, options).alias("exchange"),
        as_date("trade_date", dates).alias("trade_date"),
        as_decimal("market_cap", scale=2, precision=24).alias("market_cap"),
        _optional(layout, "close_price", as_decimal("close_price"), pl.Decimal(18, 6)),
        _optional(layout, "issue_size", as_integer("issue_size"), pl.Int64()),
        _optional(layout, "category", text("category"), pl.String()),
        _optional(
            layout, "currency", text("currency").str.to_uppercase(), pl.String(), layout.constants.get("currency")
        ),
    )
    checked = check(
        frame, _rules(layout, dates), ("exchange", "symbol", "trade_date"), "same symbol and day", str(path), layout
    )
    return ReadFile(path, layout, raw, frame.height, checked)


def _exchange(layout: Layout, options: Options) -> pl.Expr:
    if options.exchange:
        return pl.lit(options.exchange.strip().upper(), pl.String)
    if layout.has("exchange"):
        return text("exchange").str.to_uppercase()
    return pl.lit(layout.constants.get("exchange"), pl.String)


def _optional(layout: Layout, name: str, expr: pl.Expr, dtype: pl.DataType, default: str | None = None) -> pl.Expr:
    return (expr if layout.has(name) else pl.lit(default, dtype)).alias(name)


def _rules(layout: Layout, dates: tuple[str, ...]) -> list[Rule]:
    rules = required("symbol", "trade_date", "market_cap")
    rules.append(Rule("symbol", pl.col("exchange").is_null(), "has no exchange: fill the column or pass --exchange"))
    rules.append(parsed_as("trade_date", "trade_date", date_words(dates)))
    rules.append(parsed_as("market_cap", "market_cap", "is not a number (at most 22 digits before the point)"))
    rules.append(Rule("market_cap", pl.col("market_cap") < 0, "is negative"))
    if layout.has("close_price"):
        rules.append(parsed_as("close_price", "close_price", "is not a number"))
        rules.append(Rule("close_price", pl.col("close_price") <= 0, "is not above 0"))
    if layout.has("issue_size"):
        rules.append(parsed_as("issue_size", "issue_size", "is not a whole number"))
        rules.append(Rule("issue_size", pl.col("issue_size") < 0, "is negative"))
    if layout.has("currency"):
        rules.append(Rule("currency", ~pl.col("currency").str.contains("^[A-Z]{3}$"), "is not a currency code"))
    return rules


def _rows(rows: pl.DataFrame) -> pl.DataFrame:
    return rows.select(TARGET.names)


MARKET_CAP = Kind("market-cap", TARGET, read, _rows)
