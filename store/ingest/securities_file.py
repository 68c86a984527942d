"""`import securities`: NSE EQUITY_L / ETF lists, NASDAQ Trader listings or a CSV, upserted on (exchange, symbol)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import polars as pl

from store.ingest import load
from store.ingest.problems import Problem
from store.ingest.reference import Kind, Options, ReadFile, Target
from store.ingest.tables import (
    GENERIC_DATES,
    ISIN_PATTERN,
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
    key_of,
    parsed_as,
    read_table,
    required,
    text,
)
from store.instruments import attribute_problems
from store.models.reference import INSTRUMENT_TYPES

TRAILER = "File Creation Time"
# otherlisted.txt's Exchange letter → our exchange code.
NASDAQ_TRADER_EXCHANGES = {"N": "NYSE", "A": "NYSEAMERICAN", "P": "NYSEARCA", "Z": "BATS", "V": "IEX", "Q": "NASDAQ"}
ATTRIBUTE_FIELDS = ("underlying", "strike", "expiration", "option_type", "contract_month", "multiplier")
NUMBER_ATTRIBUTES = ("strike", "multiplier")

_NSE_EQUITY = (
    "symbol",
    "nameofcompany",
    "series",
    "dateoflisting",
    "paidupvalue",
    "marketlot",
    "isinnumber",
    "facevalue",
)
_NSE_EQUITY_FIELDS = ("symbol", "name", "series", "listing_date", "paid_up_value", "market_lot", "isin", "face_value")
_NSE_ETF = {
    "symbol": ("symbol",),
    "underlying": ("underlying",),
    "name": ("securityname",),
    "listing_date": ("dateoflisting",),
    "market_lot": ("marketlot",),
    "isin": ("isinnumber",),
    "face_value": ("facevalue",),
}
_NASDAQ_LISTED = {
    "symbol": ("symbol",),
    "name": ("securityname",),
    "market_category": ("marketcategory",),
    "test_issue": ("testissue",),
    "etf": ("etf",),
    "market_lot": ("roundlotsize",),
}
_OTHER_LISTED = {
    "symbol": ("actsymbol",),
    "name": ("securityname",),
    "exchange_code": ("exchange",),
    "etf": ("etf",),
    "market_lot": ("roundlotsize",),
    "test_issue": ("testissue",),
}
_GENERIC = {
    "symbol": ("symbol", "ticker"),
    "exchange": ("exchange",),
    "name": ("name", "securityname", "companyname"),
    "instrument_type": ("instrumenttype", "type"),
    "isin": ("isin",),
    "currency": ("currency",),
    "country": ("country",),
    "series": ("series",),
    "listing_date": ("listingdate", "dateoflisting"),
    "face_value": ("facevalue",),
    "paid_up_value": ("paidupvalue",),
    "market_lot": ("marketlot", "lotsize"),
    **{name: (key_of(name),) for name in ATTRIBUTE_FIELDS},
}
_INDIA = {"exchange": "NSE", "currency": "INR", "country": "IN"}
_US = {"currency": "USD", "country": "US"}

TARGET = Target(
    table="securities",
    columns=(
        ("exchange", "text"),
        ("symbol", "text"),
        ("instrument_type", "text"),
        ("name", "text"),
        ("isin", "text"),
        ("currency", "text"),
        ("country", "text"),
        ("series", "text"),
        ("listing_date", "date"),
        ("face_value", "numeric"),
        ("paid_up_value", "numeric"),
        ("market_lot", "bigint"),
        ("attributes", "jsonb"),
    ),
    key=("exchange", "symbol"),
    kept=(
        "name",
        "isin",
        "currency",
        "country",
        "series",
        "listing_date",
        "face_value",
        "paid_up_value",
        "market_lot",
        "attributes",
    ),
)


def detect(header: tuple[str, ...], separator: str, path: Path) -> Layout | None:
    """The layout a header announces (an EQUITY_L-style file named ETF… lists ETFs)."""
    keys = tuple(key_of(label) for label in header)
    if keys[: len(_NSE_EQUITY)] == _NSE_EQUITY:
        etf = path.name.upper().startswith("ETF")
        constants = {**_INDIA, "instrument_type": "etf" if etf else "equity"}
        columns = dict(zip(_NSE_EQUITY_FIELDS, range(len(_NSE_EQUITY_FIELDS)), strict=True))
        return Layout("nse-etf-list" if etf else "nse-equity-list", header, columns, constants=constants)
    for name, aliases, constants in (
        ("nasdaq-listed", _NASDAQ_LISTED, {**_US, "exchange": "NASDAQ"}),
        ("nasdaq-other-listed", _OTHER_LISTED, _US),
        ("nse-etf-list", _NSE_ETF, {**_INDIA, "instrument_type": "etf"}),
    ):
        columns = find_columns(header, aliases)
        if len(columns) == len(aliases):
            return Layout(name, header, columns, separator, constants)
    columns = find_columns(header, _GENERIC)
    if "symbol" in columns and separator == ",":
        return Layout("securities-csv", header, columns)
    return None


def read(path: Path, data: bytes, options: Options) -> ReadFile | str:
    """The file's securities checked: names, ISINs (format and check digit), dates, numbers, duplicates."""
    if not data.strip():
        return "is empty"
    first_line = data.split(b"\n", 1)[0]
    separator = "|" if b"|" in first_line and b"," not in first_line else ","
    header, raw = read_table(data, separator)
    layout = detect(header, separator, path)
    if layout is None:
        return (
            f"has a header I do not know ({','.join(header)[:120]}): expected NSE EQUITY_L.csv or ETF list, "
            "nasdaqlisted.txt / otherlisted.txt (pipe-delimited), or a CSV with a Symbol column"
        )
    raw = raw.filter(~pl.col("c0").fill_null("").str.starts_with(TRAILER))
    frame = fields_of(raw, layout)
    before = frame.height
    if layout.has("test_issue"):
        frame = frame.filter(text("test_issue").fill_null("N").str.to_uppercase() != "Y")
    frame = frame.with_columns(_typed(layout, options))
    frame = frame.with_columns(_attributes(frame, layout))
    rules = _rules(layout)
    checked = check(frame, rules, ("exchange", "symbol"), "same exchange and symbol", str(path), layout)
    return ReadFile(path, layout, raw, frame.height, checked, resolve=False, skipped=before - frame.height)


def _typed(layout: Layout, options: Options) -> list[pl.Expr]:
    dates = GENERIC_DATES if layout.name == "securities-csv" else NSE_DATES
    constants = layout.constants

    def optional(name: str, expr: pl.Expr) -> pl.Expr:
        if layout.has(name):
            return expr.alias(name)
        return pl.lit(constants.get(name), pl.String).alias(name)

    exprs = [
        text("symbol").str.to_uppercase().alias("symbol"),
        _exchange(layout, options),
        _instrument_type(layout),
        optional("name", text("name")),
        optional("isin", text("isin").str.to_uppercase()),
        optional("currency", text("currency").str.to_uppercase()),
        optional("country", text("country").str.to_uppercase()),
        optional("series", text("series").str.to_uppercase()),
    ]
    for name in ("face_value", "paid_up_value"):
        exprs.append(as_decimal(name).alias(name) if layout.has(name) else pl.lit(None, pl.Decimal(18, 6)).alias(name))
    lot = as_integer("market_lot") if layout.has("market_lot") else pl.lit(None, pl.Int64)
    listed = as_date("listing_date", dates) if layout.has("listing_date") else pl.lit(None, pl.Date)
    exprs += [lot.alias("market_lot"), listed.alias("listing_date")]
    return exprs


def _exchange(layout: Layout, options: Options) -> pl.Expr:
    if options.exchange:
        return pl.lit(options.exchange.strip().upper(), pl.String).alias("exchange")
    if layout.has("exchange_code"):
        code = text("exchange_code").str.to_uppercase()
        return code.replace_strict(NASDAQ_TRADER_EXCHANGES, default=None, return_dtype=pl.String).alias("exchange")
    if layout.has("exchange"):
        return text("exchange").str.to_uppercase().alias("exchange")
    return pl.lit(layout.constants.get("exchange"), pl.String).alias("exchange")


def _instrument_type(layout: Layout) -> pl.Expr:
    if layout.has("etf"):
        etf = text("etf").fill_null("N").str.to_uppercase() == "Y"
        return pl.when(etf).then(pl.lit("etf")).otherwise(pl.lit("equity")).alias("instrument_type")
    if layout.has("instrument_type"):
        return text("instrument_type").str.to_lowercase().fill_null("equity").alias("instrument_type")
    return pl.lit(layout.constants.get("instrument_type", "equity"), pl.String).alias("instrument_type")


def _attributes(frame: pl.DataFrame, layout: Layout) -> list[pl.Expr | pl.Series]:
    """attributes as JSON text and, for options and futures, what their metadata lacks (checked in Python)."""
    present = [name for name in ATTRIBUTE_FIELDS if layout.has(name)]
    if not present:
        return [pl.lit("{}").alias("attributes"), pl.lit(None, pl.String).alias("_attribute_problem")]
    values = frame.select("instrument_type", *(text(name).alias(name) for name in present)).rows(named=True)
    built = [_attribute_row(row, present) for row in values]
    return [
        pl.Series("attributes", [json.dumps(attributes) for attributes, _ in built], pl.String),
        pl.Series("_attribute_problem", [problem for _, problem in built], pl.String),
    ]


def _attribute_row(row: dict[str, Any], present: list[str]) -> tuple[dict[str, Any], str | None]:
    attributes: dict[str, Any] = {}
    for name in present:
        value = row[name]
        if value is None:
            continue
        attributes[name] = _number(value) if name in NUMBER_ATTRIBUTES else value
        if name == "option_type":
            attributes[name] = value.lower()
    problems = attribute_problems(row["instrument_type"] or "", attributes)
    return attributes, "; ".join(problem.message for problem in problems) or None


def _number(value: str) -> float | str:
    try:
        number = float(value.replace(",", ""))
    except ValueError:
        return value
    return number if math.isfinite(number) else value


def _rules(layout: Layout) -> list[Rule]:
    rules = required("symbol")
    no_exchange = "has no exchange: fill the column or pass --exchange"
    if layout.has("exchange_code"):
        known = ", ".join(f"{code} ({name})" for code, name in NASDAQ_TRADER_EXCHANGES.items())
        rules.append(Rule("exchange_code", pl.col("exchange").is_null(), f"is not an exchange code I know: {known}"))
    else:
        rules.append(
            Rule("exchange" if layout.has("exchange") else "symbol", pl.col("exchange").is_null(), no_exchange)
        )
    rules.append(
        Rule(
            "instrument_type",
            ~pl.col("instrument_type").is_in(list(INSTRUMENT_TYPES)),
            f"is not an instrument type: {', '.join(INSTRUMENT_TYPES)}",
        )
    )
    rules += _value_rules(layout)
    rules.append(Rule("instrument_type", pl.col("_attribute_problem").is_not_null(), pl.col("_attribute_problem")))
    return rules


def _value_rules(layout: Layout) -> list[Rule]:
    dates = GENERIC_DATES if layout.name == "securities-csv" else NSE_DATES
    rules: list[Rule] = []
    if layout.has("isin"):
        bad_format = ~pl.col("isin").str.contains(ISIN_PATTERN)
        rules.append(Rule("isin", bad_format, "is not an ISIN (2 letters, 9 letters or digits, a check digit)"))
        bad_digit = ~bad_format & ~pl.col("isin").map_elements(isin_check_digit_ok, return_dtype=pl.Boolean)
        rules.append(Rule("isin", bad_digit, "has a wrong check digit"))
        first = pl.col("line").min().over("isin")
        rules.append(
            Rule(
                "isin",
                pl.col("isin").is_not_null() & (pl.col("line") != first),
                pl.format("repeats the ISIN of line {}", first),
            )
        )
    if layout.has("listing_date"):
        rules.append(parsed_as("listing_date", "listing_date", date_words(dates)))
    for name in ("face_value", "paid_up_value"):
        if layout.has(name):
            rules.append(parsed_as(name, name, "is not a number"))
            rules.append(Rule(name, pl.col(name) <= 0, "is not above 0"))
    if layout.has("market_lot"):
        rules.append(parsed_as("market_lot", "market_lot", "is not a whole number"))
        rules.append(Rule("market_lot", pl.col("market_lot") <= 0, "is not above 0"))
    for name, pattern, words in (("currency", "^[A-Z]{3}$", "3 letters"), ("country", "^[A-Z]{2}$", "2 letters")):
        if layout.has(name):
            rules.append(Rule(name, ~pl.col(name).str.contains(pattern), f"is not a code of {words} (e.g. INR, IN)"))
    return rules


def isin_check_digit_ok(isin: str) -> bool:
    """The ISIN's last digit is the Luhn check digit of its letters (A = 10 … Z = 35) and digits."""
    digits = "".join(str(int(char, 36)) for char in isin)
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def isin_conflicts(connection: load.Connection, read: ReadFile, rows: pl.DataFrame) -> list[Problem]:
    """An ISIN that another security (another exchange or symbol) already has: the database would refuse it."""
    wanted = rows.filter(pl.col("isin").is_not_null())
    if not wanted.height:
        return []
    held = connection.execute(
        "select s.isin, s.exchange, s.symbol from securities s where s.isin = any(%s)", (wanted["isin"].to_list(),)
    ).fetchall()
    holders = {isin: (exchange, symbol) for isin, exchange, symbol in held}
    problems = []
    for line, isin, exchange, symbol in wanted.select("line", "isin", "exchange", "symbol").iter_rows():
        holder = holders.get(isin)
        if holder is not None and holder != (exchange, symbol):
            message = f"is already the ISIN of {holder[0]}:{holder[1]}"
            problems.append(Problem(read.name, line, read.layout.label("isin"), isin, message))
    return problems


def _rows(rows: pl.DataFrame) -> pl.DataFrame:
    return rows.select(TARGET.names)


SECURITIES = Kind("securities", TARGET, read, _rows, isin_conflicts)
