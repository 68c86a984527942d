"""`import deals`: NSE bulk and block deals (the kind from --kind, the file name, or its Remarks column).

The deals table has no unique key, so a deal is the same deal when its day, security, kind, client,
side, quantity and price are: a re-import inserts nothing, and only a changed remark is an update.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from store.ingest.reference import Kind, Options, ReadFile, Target
from store.ingest.tables import (
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

NO_RECORDS = "NO RECORDS"
SIDES = {"BUY": "buy", "SELL": "sell", "B": "buy", "S": "sell"}
_COLUMNS = {
    "deal_date": ("date", "dealdate"),
    "symbol": ("symbol",),
    "name": ("securityname",),
    "client_name": ("clientname",),
    "side": ("buysell",),
    "quantity": ("quantitytraded", "quantity"),
    "price": ("tradepricewghtavgprice", "tradeprice", "price"),
    "remarks": ("remarks",),
}
TARGET = Target(
    table="deals",
    columns=(
        ("deal_date", "date"),
        ("security_id", "bigint"),
        ("kind", "text"),
        ("client_name", "text"),
        ("side", "text"),
        ("quantity", "bigint"),
        ("price", "numeric"),
        ("remarks", "text"),
    ),
    key=("deal_date", "security_id", "kind", "client_name", "side", "quantity", "price"),
    natural_key=True,
)


def detect(header: tuple[str, ...], path: Path, options: Options) -> Layout | str:
    columns = find_columns(header, _COLUMNS)
    if not {"deal_date", "symbol", "client_name", "side", "quantity", "price"} <= columns.keys():
        return (
            f"has a header I do not know ({','.join(header)[:120]}): expected NSE bulk or block deals "
            "(Date,Symbol,Security Name,Client Name,Buy/Sell,Quantity Traded,Trade Price / Wght. Avg. Price[,Remarks])"
        )
    named = path.name.lower()
    kind = options.deal_kind or next((word for word in ("block", "bulk") if word in named), None)
    kind = kind or ("bulk" if "remarks" in columns else "block")
    return Layout(f"nse-{kind}-deals", header, columns, constants={"exchange": "NSE", "kind": kind})


def read(path: Path, data: bytes, options: Options) -> ReadFile | str:
    """Each deal checked; a day without deals (`NO RECORDS,,,,,,`) is an empty file, not an error."""
    if not data.strip():
        return "is empty"
    header, raw = read_table(data)
    layout = detect(header, path, options)
    if isinstance(layout, str):
        return layout
    raw = raw.filter(pl.col("c0").fill_null("").str.strip_chars().str.to_uppercase() != NO_RECORDS)
    exchange = options.exchange.strip().upper() if options.exchange else layout.constants["exchange"]
    frame = fields_of(raw, layout).with_columns(
        text("symbol").str.to_uppercase().alias("symbol"),
        pl.lit(exchange).alias("exchange"),
        as_date("deal_date", NSE_DATES).alias("deal_date"),
        pl.lit(layout.constants["kind"]).alias("kind"),
        text("client_name").alias("client_name"),
        text("side").str.to_uppercase().replace_strict(SIDES, default=None, return_dtype=pl.String).alias("side"),
        as_integer("quantity").alias("quantity"),
        as_decimal("price").alias("price"),
        (text("remarks") if layout.has("remarks") else pl.lit(None, pl.String)).alias("remarks"),
    )
    rules = [
        *required("deal_date", "symbol", "client_name", "side", "quantity", "price"),
        parsed_as("deal_date", "deal_date", date_words(NSE_DATES)),
        parsed_as("side", "side", "is not BUY or SELL"),
        parsed_as("quantity", "quantity", "is not a whole number"),
        Rule("quantity", pl.col("quantity") <= 0, "is not above 0"),
        parsed_as("price", "price", "is not a number"),
        Rule("price", pl.col("price") <= 0, "is not above 0"),
    ]
    key = ("deal_date", "exchange", "symbol", "client_name", "side", "quantity", "price")
    checked = check(frame, rules, key, "same day, symbol, client, side, quantity and price", str(path), layout)
    return ReadFile(path, layout, raw, frame.height, checked)


def _rows(rows: pl.DataFrame) -> pl.DataFrame:
    return rows.select(TARGET.names)


DEALS = Kind("deals", TARGET, read, _rows)
