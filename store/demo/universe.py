"""The demo universe: three exchanges, equities across the industry tree, ETFs and indices, with how each behaves."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np

from store.demo import identifiers
from store.demo.names import INDUSTRIES, Industry, company_names, suffix_for, symbol_candidates


@dataclass(frozen=True, slots=True)
class Exchange:
    """An exchange: the currency its prices are quoted in, where its companies are, when its session closes."""

    code: str
    quote_currency: str  # LSE quotes in pence
    currency: str  # what market caps and index levels are in
    country: str
    close_utc: dt.time
    price_range: tuple[float, float]  # start prices, in quote currency
    median_cap: float  # market capitalisation, in currency
    turnover: float  # share of the issue traded on an ordinary day
    payouts_per_year: int


EXCHANGES: dict[str, Exchange] = {
    "NSE": Exchange("NSE", "INR", "INR", "IN", dt.time(10, 0), (40.0, 3000.0), 1.2e11, 0.003, 1),
    "LSE": Exchange("LSE", "GBX", "GBP", "GB", dt.time(16, 30), (60.0, 4000.0), 1.5e9, 0.0025, 2),
    "NASDAQ": Exchange("NASDAQ", "USD", "USD", "US", dt.time(21, 0), (8.0, 300.0), 3.0e9, 0.007, 4),
}
EXCHANGE_CODES = tuple(EXCHANGES)
EQUITY_SHARE = {"NSE": 0.43, "LSE": 0.26, "NASDAQ": 0.31}
GBX_PER_GBP = 100.0


@dataclass(frozen=True, slots=True)
class IndexRule:
    """Which equities of its exchange an index holds: ranks by market cap at each review, maybe within industries."""

    symbol: str
    exchange: str
    name: str
    base_level: float
    first_rank: int
    last_rank: int
    industries: tuple[str, ...] = ()


INDEX_RULES = (
    IndexRule("NIFTY50", "NSE", "NIFTY 50", 7900.0, 1, 50),
    IndexRule("BANKNIFTY", "NSE", "NIFTY Bank", 17500.0, 1, 12, ("Banks",)),
    IndexRule("NIFTYIT", "NSE", "NIFTY IT", 11200.0, 1, 10, ("IT - Software", "IT - Services")),
    IndexRule("UKX", "LSE", "FTSE 100", 6200.0, 1, 100),
    IndexRule("MCX", "LSE", "FTSE 250", 16800.0, 101, 350),
    IndexRule("NDX", "NASDAQ", "NASDAQ-100", 4300.0, 1, 100),
    IndexRule("COMP", "NASDAQ", "NASDAQ Composite", 4900.0, 1, 10_000),
)

# (label, short word for the symbol, what it tracks): index:SYMBOL, industry:NAME, or a kind of its own.
ETF_TEMPLATES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "NSE": (
        ("Nifty 50 ETF", "NIFTY", "index:NIFTY50"),
        ("Bank ETF", "BANK", "index:BANKNIFTY"),
        ("Gold ETF", "GOLD", "gold"),
        ("IT ETF", "IT", "index:NIFTYIT"),
        ("Liquid ETF", "LIQUID", "liquid"),
        ("Midcap ETF", "MID", "broad"),
        ("Pharma ETF", "PHARMA", "industry:Pharmaceuticals & Biotechnology"),
        ("Gilt ETF", "GILT", "bond"),
        ("Auto ETF", "AUTO", "industry:Automobiles"),
        ("Metal ETF", "METAL", "industry:Ferrous Metals"),
        ("FMCG ETF", "FMCG", "industry:Food Products"),
        ("Power ETF", "POWER", "industry:Power"),
    ),
    "LSE": (
        ("FTSE 100 UCITS ETF", "UK", "index:UKX"),
        ("FTSE 250 UCITS ETF", "MID", "index:MCX"),
        ("Physical Gold ETC", "GOLD", "gold"),
        ("UK Gilts UCITS ETF", "GILT", "bond"),
        ("UK Banks UCITS ETF", "BANK", "industry:Banks"),
        ("Mining UCITS ETF", "MINE", "industry:Minerals & Mining"),
        ("Oil & Gas UCITS ETF", "OIL", "industry:Oil"),
        ("UK Property UCITS ETF", "PROP", "industry:Realty"),
        ("Insurance UCITS ETF", "INSR", "industry:Insurance"),
        ("UK Equal Weight UCITS ETF", "EQW", "broad"),
    ),
    "NASDAQ": (
        ("NASDAQ-100 ETF", "QQ", "index:NDX"),
        ("Composite Index ETF", "CMP", "index:COMP"),
        ("Semiconductor ETF", "SEMI", "industry:IT - Hardware"),
        ("Gold Trust", "GLD", "gold"),
        ("Biotech ETF", "BIO", "industry:Pharmaceuticals & Biotechnology"),
        ("Treasury Bond ETF", "TBND", "bond"),
        ("Software ETF", "SOFT", "industry:IT - Software"),
        ("Internet Retail ETF", "NET", "industry:Retailing"),
        ("Medical Devices ETF", "MED", "industry:Healthcare Equipment & Supplies"),
        ("Equal Weight ETF", "EQL", "broad"),
        ("Media ETF", "MDIA", "industry:Entertainment"),
        ("Short Treasury ETF", "SHV", "liquid"),
    ),
}
ETF_SPONSORS = {
    "NSE": ("Kaveri", "Nilgiri", "Sahyadri"),
    "LSE": ("Thames", "Pennine"),
    "NASDAQ": ("Sequoia", "Polaris"),
}


@dataclass(frozen=True, slots=True)
class Profile:
    """How a security's price and volume behave in the bar model."""

    start_price: float
    beta: float
    volatility: float
    alpha: float
    shares: float
    turnover: float
    dividend_yield: float  # 0 for non-payers
    tracks: str = ""  # ETFs: what they follow


@dataclass(slots=True)
class SecuritySpec:
    """One row of `securities` to be, with its classification and (for equities and ETFs) its model profile."""

    symbol: str
    exchange: str
    instrument_type: str
    name: str
    isin: str | None
    currency: str
    country: str
    series: str | None = None
    listing_date: dt.date | None = None
    face_value: Decimal | None = None
    market_lot: int | None = None
    is_active: bool = True
    attributes: dict[str, Any] = field(default_factory=dict)
    industry: Industry | None = None
    basic_industry: str | None = None
    profile: Profile | None = None
    first_day: dt.date | None = None  # first bar, when listed inside the window
    last_day: dt.date | None = None  # last bar, when delisted inside the window

    @property
    def model(self) -> Profile:
        """The price model of an equity or ETF (indices and derivatives have none)."""
        if self.profile is None:
            raise ValueError(f"{self.symbol} has no price model")
        return self.profile

    @property
    def industry_name(self) -> str:
        return self.industry.industry if self.industry else ""

    @property
    def classification(self) -> tuple[str, str, str, str] | None:
        if self.industry is None:
            return None
        industry = self.industry
        return (industry.macro, industry.sector, industry.industry, self.basic_industry or industry.basic_industries[0])


def allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Split `total` in proportion to `weights`, the remainders going to the largest fractions."""
    shares = weights / weights.sum() * total
    counts = np.floor(shares).astype(int)
    order = np.argsort(-(shares - counts), kind="stable")
    counts[order[: total - counts.sum()]] += 1
    return np.asarray(counts)


class _Registry:
    """Symbols, names and ISIN serials handed out so far: symbols are unique across all exchanges."""

    def __init__(self) -> None:
        self.symbols: set[str] = set()
        self.names: set[str] = set()
        self.serial = 0

    def claim_symbol(self, candidates: Any) -> str:
        for candidate in candidates:
            if len(candidate) >= 2 and candidate not in self.symbols:
                self.symbols.add(candidate)
                return str(candidate)
        raise ValueError("ran out of symbol candidates")

    def next_serial(self) -> int:
        self.serial += 1
        return self.serial


def _isin(exchange: str, serial: int, instrument_type: str) -> str:
    if exchange == "NSE":
        return identifiers.nse_isin(serial, fund=instrument_type == "etf")
    if exchange == "LSE":
        return identifiers.uk_isin(serial, irish=instrument_type == "etf")
    return identifiers.us_isin(serial)


def _equity(
    rng: np.random.Generator, registry: _Registry, market: Exchange, industry: Industry, pair: tuple[str, str]
) -> SecuritySpec:
    prefix, core = pair
    name = f"{prefix} {core} {suffix_for(market.code, float(rng.random()))}"
    registry.names.add(f"{prefix} {core}")
    symbol = registry.claim_symbol(symbol_candidates(market.code, prefix, core))
    low, high = market.price_range
    price = float(np.exp(rng.uniform(np.log(low), np.log(high))))
    cap = market.median_cap * float(np.exp(rng.normal(0.0, 1.2)))
    small = cap < market.median_cap
    payer = rng.random() < (0.75 if market.code != "NASDAQ" else 0.45)
    profile = Profile(
        start_price=price,
        beta=float(np.clip(industry.beta * np.exp(rng.normal(0, 0.15)), 0.3, 1.9)),
        volatility=float(industry.volatility * np.exp(rng.normal(0, 0.2)) * (1.25 if small else 1.0)),
        alpha=float(rng.normal(0.0, 0.05)),
        shares=cap / (price / GBX_PER_GBP if market.code == "LSE" else price),
        turnover=float(market.turnover * np.exp(rng.normal(0, 0.45))),
        dividend_yield=float(industry.dividend_yield * np.exp(rng.normal(0, 0.35))) if payer else 0.0,
    )
    return SecuritySpec(
        symbol=symbol,
        exchange=market.code,
        instrument_type="equity",
        name=name,
        isin=_isin(market.code, registry.next_serial(), "equity"),
        currency=market.quote_currency,
        country=market.country,
        series=("EQ" if rng.random() < 0.95 else "BE") if market.code == "NSE" else None,
        listing_date=dt.date(1991, 1, 1) + dt.timedelta(days=int(rng.integers(0, 8000))),
        face_value=_face_value(rng, market.code),
        market_lot=1,
        attributes=_listing_attributes(rng, market.code, small),
        industry=industry,
        basic_industry=industry.basic_industries[int(rng.integers(0, len(industry.basic_industries)))],
        profile=profile,
    )


def _face_value(rng: np.random.Generator, exchange: str) -> Decimal:
    choices = {
        "NSE": ("1", "2", "5", "10", "10"),
        "LSE": ("0.01", "0.05", "0.10", "0.25"),
        "NASDAQ": ("0.0001", "0.001", "0.01"),
    }[exchange]
    return Decimal(choices[int(rng.integers(0, len(choices)))])


def _listing_attributes(rng: np.random.Generator, exchange: str, small: bool) -> dict[str, Any]:
    if exchange == "NASDAQ":
        tier = "Global Select Market" if not small else ("Global Market" if rng.random() < 0.6 else "Capital Market")
        return {"market_tier": tier}
    if exchange == "LSE":
        return {"segment": "Main Market" if not small or rng.random() < 0.7 else "AIM"}
    return {"segment": "Capital Market"}


def _equities(rng: np.random.Generator, registry: _Registry, market: Exchange, count: int) -> list[SecuritySpec]:
    column = EXCHANGE_CODES.index(market.code)
    weights = np.array([industry.weights[column] for industry in INDUSTRIES], dtype=float)
    specs: list[SecuritySpec] = []
    for industry, howmany in zip(INDUSTRIES, allocate(count, weights), strict=True):
        pairs = [pair for pair in company_names(market.code, industry) if " ".join(pair) not in registry.names]
        chosen = rng.permutation(len(pairs))[:howmany]
        specs += [_equity(rng, registry, market, industry, pairs[int(index)]) for index in chosen]
    return specs


def _listing_window(rng: np.random.Generator, specs: list[SecuritySpec], first: dt.date, last: dt.date) -> None:
    """Some companies list inside the window (IPOs), a few are delisted before its end."""
    span = (last - first).days
    for spec in specs:
        draw = rng.random()
        if draw < 0.08 and span > 400:
            spec.first_day = first + dt.timedelta(days=int(rng.uniform(0.15, 0.85) * span))
            spec.listing_date = spec.first_day
        elif draw > 0.985 and span > 400:
            spec.last_day = first + dt.timedelta(days=int(rng.uniform(0.4, 0.9) * span))
            spec.is_active = False


def _etf(
    rng: np.random.Generator, registry: _Registry, market: Exchange, template: tuple[str, str, str]
) -> SecuritySpec:
    label, short, tracks = template
    sponsor = ETF_SPONSORS[market.code][int(rng.integers(0, len(ETF_SPONSORS[market.code])))]
    symbol = registry.claim_symbol(
        [
            f"{sponsor[:3].upper()}{short}"[:10],
            f"{short}{sponsor[:2].upper()}",
            f"{short}BEES"[:10],
            f"{sponsor[0]}{short}",
        ]
        if market.code == "NSE"
        else [f"{sponsor[0]}{short}"[:4], f"{short}{sponsor[0]}"[:4], f"{sponsor[:2].upper()}{short[:2]}"]
    )
    low, high = {"liquid": (1000.0, 1000.0), "bond": (20.0, 60.0)}.get(tracks, (40.0, 400.0))
    price = float(np.exp(rng.uniform(np.log(low), np.log(high)))) * (10 if market.code == "LSE" else 1)
    units = market.median_cap * 0.05 * float(np.exp(rng.normal(0, 0.8)))
    units_outstanding = units / (price / (GBX_PER_GBP if market.code == "LSE" else 1))
    # beta, volatility, alpha and yield do not apply: an ETF follows what it tracks (store.demo.indices)
    profile = Profile(price, 1.0, 0.0, 0.0, units_outstanding, market.turnover * 0.6, 0.0, tracks=tracks)
    return SecuritySpec(
        symbol=symbol,
        exchange=market.code,
        instrument_type="etf",
        name=f"{sponsor} {label}",
        isin=_isin(market.code, registry.next_serial(), "etf"),
        currency=market.quote_currency,
        country=market.country,
        series="EQ" if market.code == "NSE" else None,
        listing_date=dt.date(2005, 1, 3) + dt.timedelta(days=int(rng.integers(0, 3500))),
        face_value=Decimal("10") if market.code == "NSE" else None,
        market_lot=1,
        attributes={"tracks": tracks, "expense_ratio_pct": round(float(rng.uniform(0.05, 0.6)), 2)},
        profile=profile,
    )


def _index(rule: IndexRule) -> SecuritySpec:
    market = EXCHANGES[rule.exchange]
    return SecuritySpec(
        symbol=rule.symbol,
        exchange=rule.exchange,
        instrument_type="index",
        name=rule.name,
        isin=None,
        currency=market.currency,
        country=market.country,
        attributes={"base_level": rule.base_level, "weighting": "market capitalisation", "reviews": "April, October"},
    )


def plan_universe(rng: np.random.Generator, total: int, first: dt.date, last: dt.date) -> list[SecuritySpec]:
    """Indices, then each exchange's equities and ETFs: `total` less the derivatives added after the prices."""
    registry = _Registry()
    specs = [_index(rule) for rule in INDEX_RULES]
    registry.symbols.update(spec.symbol for spec in specs)
    etf_count = min(max(3, round(total * 34 / 600)), sum(len(templates) for templates in ETF_TEMPLATES.values()))
    equity_count = max(30, total - len(specs) - etf_count - derivative_count(total))
    equity_counts = allocate(equity_count, np.array([EQUITY_SHARE[code] for code in EXCHANGE_CODES]))
    etf_counts = allocate(etf_count, np.array([len(ETF_TEMPLATES[code]) for code in EXCHANGE_CODES], dtype=float))
    for code, equities, etfs in zip(EXCHANGE_CODES, equity_counts, etf_counts, strict=True):
        market = EXCHANGES[code]
        listed = _equities(rng, registry, market, int(equities))
        _listing_window(rng, listed, first, last)
        specs += listed
        specs += [_etf(rng, registry, market, template) for template in ETF_TEMPLATES[code][: int(etfs)]]
    return specs


def derivative_count(total: int) -> int:
    return 20 if total >= 300 else 8
