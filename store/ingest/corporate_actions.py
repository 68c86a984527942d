"""`import corporate-actions`: the NSE corporate-actions CSV (PURPOSE text parsed) or a generic CSV.

NSE describes each action in words ("Bonus 1:1", "Dividend - Rs 8 Per Share", "Face Value Split
(Sub-Division) - From Rs 10/- Per Share To Re 1/- Per Share"). A purpose is read into an action type
with its ratio (new shares per old) or amount; one that cannot be read is reported, never guessed.
Meetings without an action (an AGM alone) are skipped.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from store.ingest.reference import Kind, Options, ReadFile, Target
from store.ingest.tables import (
    GENERIC_DATES,
    NSE_DATES,
    Layout,
    Rule,
    as_date,
    as_decimal,
    check,
    date_words,
    fields_of,
    find_columns,
    parsed_as,
    read_table,
    required,
    text,
)
from store.models.market import CORPORATE_ACTION_TYPES

_RUPEES = r"(?:rs|re|inr)\.?\s*"
_AMOUNT = r"(\d+(?:\.\d+)?)"
DIVIDEND = re.compile(rf"dividend\s*-?\s*{_RUPEES}{_AMOUNT}", re.IGNORECASE)
DIVIDEND_PERCENT = re.compile(rf"dividend\s*-?\s*{_AMOUNT}\s*%", re.IGNORECASE)
BONUS = re.compile(r"bonus\s*(?:issue)?\s*-?\s*(\d+)\s*:\s*(\d+)", re.IGNORECASE)
SPLIT = re.compile(
    rf"(?:split|sub-?division).*?from\s*{_RUPEES}{_AMOUNT}.*?to\s*{_RUPEES}{_AMOUNT}", re.IGNORECASE | re.DOTALL
)
RIGHTS = re.compile(r"rights\s*(?:issue)?\s*-?\s*(\d+)\s*:\s*(\d+)(?:.*?premium\s*" + _RUPEES + _AMOUNT + ")?", re.I)
BUYBACK = re.compile(r"buy\s*-?\s*back", re.IGNORECASE)
NO_ACTION = re.compile(r"^\s*(annual general meeting|agm|extra ?ordinary general meeting|egm)\s*$", re.IGNORECASE)
MICROS = Decimal("0.000001")
UNREADABLE = "is not a purpose I can read (Dividend - Rs N Per Share, Bonus A:B, Face Value Split … From Rs A To Rs B)"

_NSE = {
    "symbol": ("symbol",),
    "name": ("companyname",),
    "series": ("series",),
    "purpose": ("purpose",),
    "face_value": ("facevalue",),
    "ex_date": ("exdate",),
    "record_date": ("recorddate",),
}
_GENERIC = {
    "symbol": ("symbol", "ticker"),
    "exchange": ("exchange",),
    "action_type": ("actiontype", "type"),
    "ex_date": ("exdate",),
    "ratio": ("ratio",),
    "amount": ("amount",),
    "currency": ("currency",),
    "record_date": ("recorddate",),
    "pay_date": ("paydate", "paymentdate"),
    "purpose": ("purpose", "details"),
}

TARGET = Target(
    table="corporate_actions",
    columns=(
        ("security_id", "bigint"),
        ("action_type", "text"),
        ("ex_date", "date"),
        ("ratio", "numeric"),
        ("amount", "numeric"),
        ("currency", "text"),
        ("record_date", "date"),
        ("pay_date", "date"),
        ("details", "jsonb"),
    ),
    key=("security_id", "action_type", "ex_date"),
)


@dataclass(frozen=True, slots=True)
class Purpose:
    """What a PURPOSE says: the action (None when there is none to record, e.g. an AGM) or why it is unreadable."""

    action_type: str | None
    ratio: Decimal | None = None
    amount: Decimal | None = None
    details: dict[str, Any] = field(default_factory=dict)
    problem: str | None = None


def parse_purpose(purpose: str, face_value: Decimal | None = None) -> Purpose:
    """The action an NSE PURPOSE describes (dividends on one day are added up: "Interim … /Special …")."""
    details: dict[str, Any] = {"purpose": purpose}
    if split := SPLIT.search(purpose):
        before, after = Decimal(split[1]), Decimal(split[2])
        if after <= 0 or before <= after:
            return Purpose(None, problem="is a split whose face value does not fall (From Rs A To Rs B, A > B > 0)")
        return Purpose(
            "split",
            ratio=(before / after).quantize(MICROS),
            details={**details, "face_value_from": split[1], "to": split[2]},
        )
    if bonus := BONUS.search(purpose):
        new, held = int(bonus[1]), int(bonus[2])
        if new <= 0 or held <= 0:
            return Purpose(None, problem="is a bonus whose ratio is not A:B with A, B > 0")
        return Purpose(
            "bonus",
            ratio=(Decimal(new + held) / held).quantize(MICROS),
            details={**details, "bonus_ratio": f"{new}:{held}"},
        )
    dividends = _dividends(purpose, face_value)
    if isinstance(dividends, str):
        return Purpose(None, problem=dividends)
    if dividends:
        return Purpose("dividend", amount=sum(dividends, Decimal(0)), details=details)
    if rights := RIGHTS.search(purpose):
        found = {**details, "rights_ratio": f"{rights[1]}:{rights[2]}"}
        return Purpose("rights", details={**found, "premium": rights[3]} if rights[3] else found)
    if BUYBACK.search(purpose):
        return Purpose("buyback", details=details)
    if NO_ACTION.match(purpose):
        return Purpose(None)
    return Purpose(None, problem=UNREADABLE)


def _dividends(purpose: str, face_value: Decimal | None) -> list[Decimal] | str:
    amounts = [Decimal(found) for found in DIVIDEND.findall(purpose)]
    for percent in DIVIDEND_PERCENT.findall(purpose):
        if face_value is None:
            return "is a dividend in % of the face value, and the FACE VALUE is missing"
        amounts.append((face_value * Decimal(percent) / 100).quantize(MICROS))
    return amounts


def detect(header: tuple[str, ...]) -> Layout | None:
    columns = find_columns(header, _NSE)
    if len(columns) == len(_NSE):
        return Layout("nse-corporate-actions", header, columns, constants={"exchange": "NSE", "currency": "INR"})
    columns = find_columns(header, _GENERIC)
    if {"symbol", "action_type", "ex_date"} <= columns.keys():
        return Layout("corporate-actions-csv", header, columns)
    return None


def read(path: Path, data: bytes, options: Options) -> ReadFile | str:
    if not data.strip():
        return "is empty"
    header, raw = read_table(data)
    layout = detect(header)
    if layout is None:
        return (
            f"has a header I do not know ({','.join(header)[:120]}): expected the NSE corporate-actions CSV "
            "(SYMBOL,COMPANY NAME,SERIES,PURPOSE,FACE VALUE,EX-DATE,RECORD DATE,…) or a CSV with "
            "symbol, action_type, ex_date, ratio, amount, currency"
        )
    frame = fields_of(raw, layout)
    nse = layout.name == "nse-corporate-actions"
    dates = NSE_DATES if nse else GENERIC_DATES
    frame = frame.with_columns(*_symbol_exchange(layout, options), *_dates(layout, dates))
    frame = _with_purposes(frame) if nse else _with_columns(frame, layout)
    before = frame.height
    frame = frame.filter(pl.col("action_type").is_not_null() | pl.col("_problem").is_not_null())
    checked = check(
        frame,
        _rules(layout, dates),
        ("exchange", "symbol", "action_type", "ex_date"),
        "same symbol, action and ex-date",
        str(path),
        layout,
    )
    return ReadFile(path, layout, raw, frame.height, checked, skipped=before - frame.height)


def _symbol_exchange(layout: Layout, options: Options) -> list[pl.Expr]:
    if options.exchange:
        exchange = pl.lit(options.exchange.strip().upper(), pl.String)
    elif layout.has("exchange"):
        exchange = text("exchange").str.to_uppercase()
    else:
        exchange = pl.lit(layout.constants.get("exchange"), pl.String)
    return [text("symbol").str.to_uppercase().alias("symbol"), exchange.alias("exchange")]


def _dates(layout: Layout, dates: tuple[str, ...]) -> list[pl.Expr]:
    return [
        (as_date(name, dates) if layout.has(name) else pl.lit(None, pl.Date)).alias(name)
        for name in ("ex_date", "record_date", "pay_date")
    ]


def _with_purposes(frame: pl.DataFrame) -> pl.DataFrame:
    """Each PURPOSE parsed in Python (a file has hundreds of rows, not millions)."""
    face_values = frame.select(as_decimal("face_value")).to_series().to_list()
    purposes = [
        parse_purpose(purpose, face_value) if purpose else Purpose(None, problem="is empty")
        for purpose, face_value in zip(frame["t_purpose"].to_list(), face_values, strict=True)
    ]
    return frame.with_columns(
        pl.Series("action_type", [found.action_type for found in purposes], pl.String),
        pl.Series("ratio", [found.ratio for found in purposes], pl.Decimal(18, 6)),
        pl.Series("amount", [found.amount for found in purposes], pl.Decimal(18, 6)),
        pl.Series("details", [json.dumps(found.details) for found in purposes], pl.String),
        pl.Series("_problem", [found.problem for found in purposes], pl.String),
        pl.lit("INR").alias("currency"),
    )


def _with_columns(frame: pl.DataFrame, layout: Layout) -> pl.DataFrame:
    def optional(name: str, expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
        return (expr if layout.has(name) else pl.lit(None, dtype)).alias(name)

    details = pl.struct(text("purpose").alias("purpose")).struct.json_encode() if layout.has("purpose") else None
    return frame.with_columns(
        text("action_type").str.to_lowercase().str.replace_all(r"[\s-]+", "_").alias("action_type"),
        optional("ratio", as_decimal("ratio"), pl.Decimal(18, 6)),
        optional("amount", as_decimal("amount"), pl.Decimal(18, 6)),
        optional("currency", text("currency").str.to_uppercase(), pl.String()),
        (details if details is not None else pl.lit("{}")).alias("details"),
        pl.lit(None, pl.String).alias("_problem"),
    )


def _rules(layout: Layout, dates: tuple[str, ...]) -> list[Rule]:
    rules = required("symbol", "ex_date")
    rules.append(Rule("symbol", pl.col("exchange").is_null(), "has no exchange: fill the column or pass --exchange"))
    rules.append(parsed_as("ex_date", "ex_date", date_words(dates)))
    for name in ("record_date", "pay_date"):
        if layout.has(name):
            rules.append(parsed_as(name, name, date_words(dates)))
    if layout.has("purpose") and layout.name == "nse-corporate-actions":
        rules.append(Rule("purpose", pl.col("_problem").is_not_null(), pl.col("_problem")))
        return rules
    kinds = ", ".join(CORPORATE_ACTION_TYPES)
    rules.append(
        Rule("action_type", ~pl.col("action_type").is_in(list(CORPORATE_ACTION_TYPES)), f"is not one of {kinds}")
    )
    for name in ("ratio", "amount"):
        if layout.has(name):
            rules.append(parsed_as(name, name, "is not a number"))
    rules.append(Rule("ratio", pl.col("ratio") <= 0, "is not above 0"))
    rules.append(Rule("amount", pl.col("amount") < 0, "is negative"))
    needs_ratio = pl.col("action_type").is_in(["split", "bonus"]) & pl.col("ratio").is_null()
    rules.append(
        Rule(
            "ratio",
            needs_ratio & text("ratio").is_null() if layout.has("ratio") else needs_ratio,
            pl.format("is needed for a {} (new shares per old)", "action_type"),
        )
    )
    needs_amount = (pl.col("action_type") == "dividend") & pl.col("amount").is_null()
    rules.append(
        Rule(
            "amount",
            needs_amount & text("amount").is_null() if layout.has("amount") else needs_amount,
            "is needed for a dividend",
        )
    )
    if layout.has("currency"):
        rules.append(
            Rule("currency", ~pl.col("currency").str.contains("^[A-Z]{3}$"), "is not a currency code (e.g. INR)")
        )
    return rules


def _rows(rows: pl.DataFrame) -> pl.DataFrame:
    return rows.select(TARGET.names)


CORPORATE_ACTIONS = Kind("corporate-actions", TARGET, read, _rows)
