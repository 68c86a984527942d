"""Reference data into the database: holidays, securities (ids read back), industry classification, index members."""

from __future__ import annotations

import datetime as dt

from store.demo.calendar import holidays
from store.demo.loading import Connection, as_json, copy_rows, fetch_map
from store.demo.prices import PriceBook
from store.demo.universe import EXCHANGE_CODES, EXCHANGES, SecuritySpec

SECURITY_COLUMNS = (
    "symbol",
    "exchange",
    "instrument_type",
    "name",
    "isin",
    "currency",
    "country",
    "series",
    "listing_date",
    "face_value",
    "paid_up_value",
    "market_lot",
    "is_active",
    "last_synced_at",
    "attributes",
)


def insert_holidays(connection: Connection, first: dt.date, last: dt.date) -> int:
    """Every weekday closure of each exchange, from the window's first year to the year after its end."""
    rows = [(code, day, name) for code in EXCHANGE_CODES for day, name in holidays(code, first.year, last.year + 1)]
    return copy_rows(connection, "market_holidays", ("exchange", "holiday_date", "name"), rows)


def _synced_at(spec: SecuritySpec, book: PriceBook, index: int) -> dt.datetime | None:
    """When the loader last brought the security's bars: its last bar's session close."""
    if spec.instrument_type in ("option", "future"):
        return None
    block = book.block_of(index)
    dates = block.series(index, block.dates)
    close = EXCHANGES[spec.exchange].close_utc
    return dt.datetime.combine(dt.date.fromisoformat(str(dates[-1])), close, tzinfo=dt.UTC)


def insert_securities(connection: Connection, specs: list[SecuritySpec], book: PriceBook) -> dict[int, int]:
    """COPY the securities, then read their ids back: spec index -> securities.id."""
    rows = [
        (
            spec.symbol,
            spec.exchange,
            spec.instrument_type,
            spec.name,
            spec.isin,
            spec.currency,
            spec.country,
            spec.series,
            spec.listing_date,
            spec.face_value,
            spec.face_value,
            spec.market_lot,
            spec.is_active,
            _synced_at(spec, book, index),
            as_json(spec.attributes),
        )
        for index, spec in enumerate(specs)
    ]
    copy_rows(connection, "securities", SECURITY_COLUMNS, rows)
    found = fetch_map(connection, "select exchange || ':' || symbol, id from securities")
    return {index: int(found[f"{spec.exchange}:{spec.symbol}"]) for index, spec in enumerate(specs)}


def insert_classifications(connection: Connection, specs: list[SecuritySpec], ids: dict[int, int]) -> int:
    rows = [(ids[index], *spec.classification) for index, spec in enumerate(specs) if spec.classification]
    columns = ("security_id", "macro", "sector", "industry", "basic_industry")
    return copy_rows(connection, "industry_classifications", columns, rows)


def insert_constituents(connection: Connection, book: PriceBook, ids: dict[int, int]) -> int:
    rows = [
        (ids[row.index], ids[row.member], f"{row.weight:.6f}", row.valid_from, row.valid_to)
        for row in book.constituents
    ]
    columns = ("index_id", "member_id", "weight", "valid_from", "valid_to")
    return copy_rows(connection, "index_constituents", columns, rows)
