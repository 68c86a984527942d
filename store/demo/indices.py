"""Index membership from market caps, index candles from their members' moves, and ETFs that follow them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from store.demo import model
from store.demo.equities import EquityPaths, alive_mask
from store.demo.grid import Grid, to_date
from store.demo.model import TRADING_DAYS_PER_YEAR, Candles, MarketPaths
from store.demo.universe import EXCHANGE_CODES, GBX_PER_GBP, INDEX_RULES, IndexRule, SecuritySpec

INDEX_HIGH_LOW_SHARE = 0.6  # an index's high is below the average of its members' highs: they peak at different times
OWN_PROCESSES = {"gold": (0.06, 0.009), "bond": (0.025, 0.003), "liquid": (0.065, 0.0002)}  # drift/yr, daily vol


@dataclass(frozen=True, slots=True)
class Constituent:
    """A row of index_constituents, by spec index."""

    index: int
    member: int
    weight: float
    valid_from: dt.date
    valid_to: dt.date | None


def market_caps(specs: list[SecuritySpec], paths: EquityPaths) -> np.ndarray:
    """Days x equity columns: economic close times shares, in the exchange's currency (NaN when not listed)."""
    shares = np.array([specs[index].model.shares for index in paths.columns])
    pence = np.array([specs[index].exchange == "LSE" for index in paths.columns])
    return np.asarray(paths.candles.close * shares / np.where(pence, GBX_PER_GBP, 1.0))


def review_dates(grid: Grid) -> list[dt.date]:
    """The window's first day, then every index review (first weekday of April and October) inside it."""
    reviews = [grid.first_day]
    for year in range(grid.first_day.year, grid.last_day.year + 1):
        for month in (4, 10):
            review = dt.date(year, month, 1)
            while review.weekday() >= 5:
                review += dt.timedelta(days=1)
            if grid.first_day < review <= grid.last_day:
                reviews.append(review)
    return reviews


def constituents(grid: Grid, specs: list[SecuritySpec], paths: EquityPaths, caps: np.ndarray) -> list[Constituent]:
    """Members of every index: at each review, the ranks its rule names by the market caps of that day."""
    rows: list[Constituent] = []
    for rule in INDEX_RULES:
        index = next(position for position, spec in enumerate(specs) if spec.symbol == rule.symbol)
        columns = [
            column
            for column, spec_index in enumerate(paths.columns)
            if specs[spec_index].exchange == rule.exchange
            and (not rule.industries or specs[spec_index].industry_name in rule.industries)
        ]
        if columns:
            rows += _memberships(grid, paths, caps, rule, index, np.array(columns))
    return rows


def _memberships(
    grid: Grid, paths: EquityPaths, caps: np.ndarray, rule: IndexRule, index: int, columns: np.ndarray
) -> list[Constituent]:
    """Consecutive reviews in a member set merge into one row; a delisting ends a row early."""
    reviews = review_dates(grid) if rule.last_rank < 10_000 else [grid.first_day]
    rows_of = [grid.row_of(review) for review in reviews]
    members = np.zeros((len(reviews), len(columns)), dtype=bool)
    for position, row in enumerate(rows_of):
        seasoned = paths.alive[max(row - 60, 0), columns] & paths.alive[row, columns]
        if rule.last_rank >= 10_000:
            members[position] = True
            continue
        ranked = columns[seasoned][np.argsort(-np.nan_to_num(caps[row, columns[seasoned]]), kind="stable")]
        members[position] = np.isin(columns, ranked[rule.first_rank - 1 : rule.last_rank])
    found = []
    for slot, column in enumerate(columns):
        alive_rows = np.flatnonzero(paths.alive[:, column])
        changes = np.diff(np.concatenate([[False], members[:, slot], [False]]).astype(np.int8))
        for start, stop in zip(np.flatnonzero(changes == 1), np.flatnonzero(changes == -1), strict=True):
            valid_from = max(reviews[start], to_date(grid.dates[alive_rows[0]]))
            valid_to = reviews[stop] - dt.timedelta(days=1) if stop < len(reviews) else None
            if alive_rows[-1] < grid.days - 1:
                delisted = to_date(grid.dates[alive_rows[-1]])
                valid_to = delisted if valid_to is None else min(valid_to, delisted)
            if valid_to is not None and valid_to < valid_from:
                continue
            found.append((int(column), valid_from, valid_to))
    return _weighted(grid, paths, caps, index, found)


def _weighted(
    grid: Grid, paths: EquityPaths, caps: np.ndarray, index: int, found: list[tuple[int, dt.date, dt.date | None]]
) -> list[Constituent]:
    """Weights in %: the market-cap share on the last day for current members, on the first day for past ones."""
    last = grid.days - 1
    current = [column for column, _, valid_to in found if valid_to is None]
    total_now = float(np.nansum(caps[last, current])) or 1.0
    rows = []
    for column, valid_from, valid_to in found:
        if valid_to is None:
            weight = float(np.nan_to_num(caps[last, column])) / total_now * 100
        else:
            row = grid.row_of(valid_from)
            peers = [other for other, start, end in found if start <= valid_from and (end is None or end >= valid_from)]
            weight = float(np.nan_to_num(caps[row, column])) / (float(np.nansum(caps[row, peers])) or 1.0) * 100
        rows.append(Constituent(index, paths.columns[column], round(min(weight, 100.0), 6), valid_from, valid_to))
    return rows


def _active(grid: Grid, rows: list[Constituent], column_of: dict[int, int], count: int) -> np.ndarray:
    active = np.zeros((grid.days, count), dtype=bool)
    for row in rows:
        start = grid.row_of(row.valid_from)
        stop = grid.days if row.valid_to is None else grid.row_of(row.valid_to + dt.timedelta(days=1))
        active[start:stop, column_of[row.member]] = True
    return active


def index_candles(
    grid: Grid, rules: list[tuple[int, IndexRule]], members: list[Constituent], paths: EquityPaths, caps: np.ndarray
) -> Candles:
    """Each index moves as its members' open/high/low/close relative to their last close, weighted by market cap."""
    close = paths.candles.close
    previous = np.vstack([close[:1], close[:-1]])
    ratios = [
        np.nan_to_num(array / previous, nan=1.0)
        for array in (paths.candles.open, paths.candles.high, paths.candles.low, close)
    ]
    valid = paths.alive & np.vstack([paths.alive[:1], paths.alive[:-1]])
    previous_caps = np.nan_to_num(np.vstack([caps[:1], caps[:-1]]))
    column_of = {spec_index: column for column, spec_index in enumerate(paths.columns)}
    result = np.empty((4, grid.days, len(rules)))
    for position, (spec_index, rule) in enumerate(rules):
        active = _active(grid, [row for row in members if row.index == spec_index], column_of, close.shape[1])
        weights = previous_caps * (active & valid)
        totals = weights.sum(axis=1, keepdims=True)
        weights = np.where(totals > 0, weights / np.where(totals > 0, totals, 1.0), 0.0)
        moves = [np.where(totals[:, 0] > 0, (weights * ratio).sum(axis=1), 1.0) for ratio in ratios]
        level = rule.base_level * np.cumprod(moves[3]) / np.cumprod(moves[3])[grid.start]
        before = level / moves[3]
        body_high, body_low = np.maximum(moves[0], moves[3]), np.minimum(moves[0], moves[3])
        result[0, :, position] = before * moves[0]
        result[1, :, position] = before * (body_high + INDEX_HIGH_LOW_SHARE * (moves[1] - body_high))
        result[2, :, position] = before * (body_low + INDEX_HIGH_LOW_SHARE * (moves[2] - body_low))
        result[3, :, position] = level
    volume = np.full((grid.days, len(rules)), np.nan)
    return Candles(result[0], result[1], result[2], result[3], volume, np.zeros_like(volume))


def index_rules(specs: list[SecuritySpec]) -> list[tuple[int, IndexRule]]:
    by_symbol = {rule.symbol: rule for rule in INDEX_RULES}
    return [
        (position, by_symbol[spec.symbol]) for position, spec in enumerate(specs) if spec.instrument_type == "index"
    ]


def _target_returns(
    rng: np.random.Generator,
    tracks: str,
    exchange: str,
    specs: list[SecuritySpec],
    paths: EquityPaths,
    indices: dict[str, np.ndarray],
    market: MarketPaths,
) -> tuple[np.ndarray, np.ndarray]:
    """Daily log returns and volatility of what an ETF follows."""
    kind, _, name = tracks.partition(":")
    market_sigma = market.sigma[:, EXCHANGE_CODES.index(exchange)]
    if kind in OWN_PROCESSES:
        drift, volatility = OWN_PROCESSES[kind]
        sigma = volatility * (0.7 + 0.3 * market_sigma / np.median(market_sigma))
        hedge = -0.15 * market.shocks[:, EXCHANGE_CODES.index(exchange)] if kind == "bond" else 0.0
        return drift / TRADING_DAYS_PER_YEAR + hedge + sigma * rng.standard_normal(len(sigma)), sigma
    if kind == "index" and name in indices:
        level = indices[name]
        return np.diff(np.log(level), prepend=np.log(level[0])), market_sigma
    logs = np.log(paths.candles.close)
    moves = np.diff(logs, axis=0, prepend=logs[:1])
    picked = [
        column
        for column, spec_index in enumerate(paths.columns)
        if specs[spec_index].exchange == exchange and (kind != "industry" or specs[spec_index].industry_name == name)
    ]
    if not picked:
        picked = [column for column, spec_index in enumerate(paths.columns) if specs[spec_index].exchange == exchange]
    return np.nan_to_num(np.nanmean(moves[:, picked], axis=1)), np.nanmedian(paths.candles.sigma[:, picked], axis=1)


def etf_candles(
    rng: np.random.Generator,
    grid: Grid,
    specs: list[SecuritySpec],
    columns: list[int],
    paths: EquityPaths,
    indices: dict[str, np.ndarray],
    market: MarketPaths,
) -> Candles:
    """ETFs follow their target with a little tracking noise and their fees; volume rises on volatile days."""
    returns, sigma = np.empty((grid.days, len(columns))), np.empty((grid.days, len(columns)))
    for position, spec_index in enumerate(columns):
        profile = specs[spec_index].profile
        assert profile is not None
        target, target_sigma = _target_returns(
            rng, profile.tracks, specs[spec_index].exchange, specs, paths, indices, market
        )
        returns[:, position] = target + rng.normal(0.0, 0.0006, grid.days) - 0.004 / TRADING_DAYS_PER_YEAR
        sigma[:, position] = np.maximum(target_sigma, 1e-4)
    gaps = 0.4 * returns + rng.normal(0.0, 0.15, returns.shape) * sigma
    alive = alive_mask(grid, [specs[index] for index in columns])
    start = np.array([specs[index].model.start_price for index in columns])
    open_, high, low, close = model.candles_from_returns(rng, start, returns, gaps, sigma, alive)
    base = np.array([specs[index].model.shares * specs[index].model.turnover for index in columns])
    volume = model.volumes(rng, base, returns, sigma, np.median(sigma, axis=0), np.zeros_like(alive))
    return Candles(open_, high, low, close, volume, sigma)


def index_levels(rules: list[tuple[int, IndexRule]], candles: Candles) -> dict[str, np.ndarray]:
    return {rule.symbol: candles.close[:, position] for position, (_, rule) in enumerate(rules)}
