"""Options and futures on the demo's largest names and indices, with the metadata the schema requires."""

from __future__ import annotations

import datetime as dt

from store.demo.calendar import nth_weekday, trading_days
from store.demo.grid import to_date
from store.demo.prices import PriceBook
from store.demo.universe import EXCHANGES, SecuritySpec

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
NSE_INDEX_LOTS = {"NIFTY50": 75, "BANKNIFTY": 35, "NIFTYIT": 25}
NSE_ROOTS = {"NIFTY50": "NIFTY"}  # the F&O segment calls the NIFTY 50 contracts NIFTY
NSE_CONTRACT_VALUE = 750_000.0  # rupees per lot, roughly what NSE sizes stock lots for
US_OPTION_MULTIPLIER = 100


def _month_after(day: dt.date, months: int) -> tuple[int, int]:
    index = day.year * 12 + day.month - 1 + months
    return index // 12, index % 12 + 1


def _expiry(exchange: str, year: int, month: int) -> dt.date:
    """NSE monthly contracts expire on the last Tuesday, US options on the third Friday (earlier if closed)."""
    day = nth_weekday(year, month, 1, -1) if exchange == "NSE" else nth_weekday(year, month, 4, 3)
    open_days = trading_days(exchange, day - dt.timedelta(days=10), day)
    return to_date(open_days[-1])


def _strike_step(price: float) -> float:
    for limit, step in ((100, 2.5), (250, 5), (1000, 10), (2500, 20), (5000, 50), (20000, 100)):
        if price < limit:
            return step
    return 500.0


def _strikes(price: float) -> tuple[float, float]:
    """A call one step above the money and a put one step below it."""
    step = _strike_step(price)
    at_money = round(price / step) * step
    return at_money + step, at_money - step


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 2)


def _contract_name(underlying: SecuritySpec, kind: str, expiry: dt.date, attributes: dict[str, object]) -> str:
    if kind == "future":
        return f"{underlying.name} {expiry:%b %Y} future"
    return f"{underlying.name} {expiry:%d %b %Y} {attributes['strike']} {attributes['option_type']}"


def _contract(
    symbol: str,
    underlying: SecuritySpec,
    kind: str,
    expiry: dt.date,
    attributes: dict[str, object],
    end: dt.date,
    lot: int,
) -> SecuritySpec:
    market = EXCHANGES[underlying.exchange]
    return SecuritySpec(
        symbol=symbol,
        exchange=underlying.exchange,
        instrument_type=kind,
        name=_contract_name(underlying, kind, expiry, attributes),
        isin=None,
        currency=market.quote_currency if underlying.instrument_type != "index" else market.currency,
        country=market.country,
        listing_date=expiry - dt.timedelta(days=91),
        market_lot=lot,
        is_active=expiry >= end,
        attributes={"underlying": underlying.symbol, "underlying_exchange": underlying.exchange, **attributes},
    )


def _nse_contracts(
    underlying: SecuritySpec, price: float, end: dt.date, months: tuple[int, ...], options: bool
) -> list[SecuritySpec]:
    """Monthly NSE futures (and a call and a put) expiring `months` after the end; index contracts settle in cash."""
    lot = NSE_INDEX_LOTS.get(underlying.symbol) or max(25, round(NSE_CONTRACT_VALUE / price / 25) * 25)
    settlement = "cash" if underlying.instrument_type == "index" else "physical"
    found = []
    for offset in months:
        expiry = _expiry("NSE", *_month_after(end, offset))
        code = f"{NSE_ROOTS.get(underlying.symbol, underlying.symbol)}{expiry:%y}{MONTHS[expiry.month - 1]}"
        common = {"multiplier": lot, "settlement": settlement}
        future = {"contract_month": f"{expiry:%Y-%m}", "expiry": expiry.isoformat(), **common}
        found.append(_contract(f"NFO:{code}FUT", underlying, "future", expiry, future, end, lot))
        for strike, option_type in zip(_strikes(price), ("call", "put"), strict=True) if options else ():
            option = {"strike": _number(strike), "expiration": expiry.isoformat(), "option_type": option_type,
                      "style": "european", **common}  # fmt: skip
            symbol = f"NFO:{code}{strike:g}{'CE' if option_type == 'call' else 'PE'}"
            found.append(_contract(symbol, underlying, "option", expiry, option, end, lot))
    return found


def _us_options(underlying: SecuritySpec, price: float, end: dt.date) -> list[SecuritySpec]:
    expiry = _expiry("NASDAQ", *_month_after(end, 1))
    found = []
    for strike, option_type in zip(_strikes(price), ("call", "put"), strict=True):
        letter = "C" if option_type == "call" else "P"
        symbol = f"{underlying.symbol}{expiry:%y%m%d}{letter}{round(strike * 1000):08d}"
        found.append(
            _contract(
                symbol,
                underlying,
                "option",
                expiry,
                {
                    "strike": _number(strike),
                    "expiration": expiry.isoformat(),
                    "option_type": option_type,
                    "style": "american",
                    "multiplier": US_OPTION_MULTIPLIER,
                    "occ_symbol": symbol,
                },
                end,
                1,
            )
        )
    return found


def plan_derivatives(specs: list[SecuritySpec], book: PriceBook, count: int) -> list[SecuritySpec]:
    """Index and stock futures and options on NSE, stock options on NASDAQ; one expired month for history."""
    end = book.grid.last_day

    def last_price(spec_index: int) -> float:
        block = book.block_of(spec_index)
        return float(block.series(spec_index, block.close)[-1]) / 1e6

    def largest(exchange: str) -> list[int]:
        caps = {
            i: last_price(i) * (spec.profile.shares if spec.profile else 0)
            for i, spec in enumerate(specs)
            if spec.exchange == exchange and spec.instrument_type == "equity" and spec.is_active
        }
        return sorted(caps, key=lambda index: -caps[index])

    by_symbol = {spec.symbol: index for index, spec in enumerate(specs)}
    nifty, bank = by_symbol["NIFTY50"], by_symbol["BANKNIFTY"]
    nse, nasdaq = largest("NSE"), largest("NASDAQ")
    # Most telling first, so that a small demo still has each kind: index, US and stock contracts, then history.
    found = _nse_contracts(specs[nifty], last_price(nifty), end, (0,), options=True)
    found += _us_options(specs[nasdaq[0]], last_price(nasdaq[0]), end)
    found += _nse_contracts(specs[nse[0]], last_price(nse[0]), end, (1,), options=True)
    found += _nse_contracts(specs[nifty], last_price(nifty), end, (-1, 1), options=True)
    found += _nse_contracts(specs[bank], last_price(bank), end, (1,), options=False)
    found += _us_options(specs[nasdaq[1]], last_price(nasdaq[1]), end)
    found += _nse_contracts(specs[nse[1]], last_price(nse[1]), end, (1,), options=False)
    return found[:count]
