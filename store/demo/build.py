"""Build the demo: plan everything in memory from the seed, then write it in one transaction (all or nothing)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import psycopg

from store.db import Database
from store.demo import analysis, events, ledger, queue, reference, reports, signals, trading, watchlists
from store.demo.calendar import previous_weekday
from store.demo.derivatives import plan_derivatives
from store.demo.grid import Grid, make_grid
from store.demo.loading import Connection, act_as
from store.demo.panel import LOOKBACK_ROWS, panels, report_days
from store.demo.prices import PriceBook, copy_bars, simulate_prices
from store.demo.universe import EXCHANGE_CODES, SecuritySpec, derivative_count, plan_universe
from store.errors import InvalidInput, StoreError

Progress = Callable[[str, int, int], None]
BUILDER = "demo:builder"
SOURCE = "demo"
REPORT_DAYS = 30
WATCHLIST_ENTRIES_PER_LIST = 15
BUILD_LOCK = "select pg_advisory_xact_lock(hashtext('research-workstation demo build'))"
STEPS = (
    "universe and prices", "reference data", "bars", "market events", "research", "trading", "metrics", "views",
)  # fmt: skip
# The metrics (RS rating, stage… for the overview and the screener) of the last sessions only: a full
# history would take a minute and the screens read the latest day; `workstation metrics compute
# --since …` fills more.
METRIC_DAYS = 90
# Research and trading rows are deleted (the audit trigger records it); market and reference data are truncated.
AUDITED_TABLES = (
    "trades",
    "orders",
    "portfolio_snapshots",
    "portfolio_positions",
    "strategies",
    "reports",
    "research_queue",
    "watchlist_entries",
    "watchlists",
    "analysis_results",
    "signals",
    "agent_configs",
)
MARKET_TABLES = (
    "securities",
    "industry_classifications",
    "index_constituents",
    "market_holidays",
    "ohlcv_daily",
    "ohlcv_intraday",
    "corporate_actions",
    "market_cap_history",
    "calculated_metrics",
    "deals",
    "surveillance_measures",
)


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What a build wrote: the window, the rows per table, how long it took."""

    database: str
    seed: int
    first_day: dt.date
    last_day: dt.date
    rows: dict[str, int]
    seconds: float


@dataclass(frozen=True, slots=True)
class MarketPlan:
    """The securities and their bars: what the transaction writes first."""

    specs: list[SecuritySpec]
    book: PriceBook


@dataclass(frozen=True, slots=True)
class ResearchPlan:
    """Events, research and trading derived from the bars."""

    deals: list[tuple[Any, ...]]
    measures: list[tuple[Any, ...]]
    signals: list[signals.SignalRow]
    analyses: list[analysis.Analysis]
    reports: list[reports.Report]
    entries: list[watchlists.Entry]
    queue: list[queue.QueueItem]
    books: list[trading.Book]


def window(end: dt.date | None, years: int) -> tuple[dt.date, dt.date]:
    """The last weekday before today (UTC) by default, and `years` years back from it."""
    last = end or previous_weekday(dt.datetime.now(dt.UTC).date())
    try:
        start = last.replace(year=last.year - years)
    except ValueError:  # 29 February
        start = last.replace(year=last.year - years, day=28)
    return start + dt.timedelta(days=1), last


def streams(seed: int) -> Callable[[str], np.random.Generator]:
    """A generator per named part: the same seed and name always give the same numbers."""
    return lambda name: np.random.default_rng([seed, *name.encode()])


def _split_affected(plan_book: PriceBook, specs: list[SecuritySpec]) -> set[int]:
    """Securities with a split or bonus inside the research lookback: their as-traded closes jump."""
    first = min(block.dates[max(len(block.dates) - LOOKBACK_ROWS, 0)] for block in plan_book.blocks.values())
    boundary = dt.date.fromisoformat(str(first))
    return {
        action.spec
        for action in plan_book.actions
        if action.action_type in ("split", "bonus") and action.ex_date >= boundary
    }


def plan_market(
    random: Callable[[str], np.random.Generator], years: int, securities: int, end: dt.date | None
) -> MarketPlan:
    first, last = window(end, years)
    specs = plan_universe(random("universe"), securities, first, last)
    book = simulate_prices(random, make_grid(first, last, EXCHANGE_CODES), specs)
    specs += plan_derivatives(specs, book, derivative_count(securities))
    return MarketPlan(specs, book)


def plan_research(random: Callable[[str], np.random.Generator], market: MarketPlan, securities: int) -> ResearchPlan:
    specs, book = market.specs, market.book
    deals = events.plan_deals(random("deals"), specs, book)
    measures = events.plan_surveillance(random("surveillance"), specs, book)
    found = panels(book, specs)
    ratios = signals.fundamentals(random("fundamentals"), specs)
    noticed = [
        row
        for panel in found.values()
        for row in (
            *signals.technical_signals(panel),
            *signals.fundamental_signals(panel, ratios),
            *signals.flow_signals(panel, deals, measures),
        )
    ]
    days = report_days(book, REPORT_DAYS)
    opinions = [item for day in days for item in analysis.analyse(day, found, noticed, ratios)]
    avoid = _split_affected(book, specs)
    entries = watchlists.plan_watchlists(random("watchlists"), found, specs, avoid, WATCHLIST_ENTRIES_PER_LIST)
    items = queue.plan_queue(random("queue"), opinions, min(1.0, securities / 600))
    written = reports.plan_reports(days, book, specs, found, noticed, opinions, entries)
    return ResearchPlan(deals, measures, noticed, opinions, written, entries, items, trading.plan_trading(found, avoid))


def _holds_securities(connection: Connection) -> bool:
    row = connection.execute("select exists (select 1 from securities)").fetchone()
    return bool(row and row[0])


def _claim(connection: Connection, database: Database, *, replace: bool, only_if_empty: bool) -> bool:
    """Serialise builders, then refuse a database that holds securities (wipe it with `replace`; skip it with
    `only_if_empty`, which is how two `workstation --demo` starting together agree on one build)."""
    connection.execute(BUILD_LOCK)
    if not _holds_securities(connection):
        return True
    if only_if_empty:
        return False
    if not replace:
        raise InvalidInput(
            f"the database {database.target.endpoint} already holds securities: "
            "the demo is built only into an empty database (`workstation demo --rebuild` or replace=True rebuilds it)",
            fields={"database": "already holds securities"},
        )
    _wipe(connection)
    return True


def _wipe(connection: Connection) -> None:
    act_as(connection, BUILDER, "demo rebuilt")
    for table in AUDITED_TABLES:
        connection.execute(f"delete from {table}".encode())
    connection.execute(f"truncate {', '.join(MARKET_TABLES)} restart identity cascade".encode())


def _write_market(
    connection: Connection, market: MarketPlan, rows: dict[str, int], tick: Callable[[str], None]
) -> dict[int, int]:
    book, specs = market.book, market.specs
    act_as(connection, BUILDER, "demo universe")
    tick("reference data")
    rows["market_holidays"] = reference.insert_holidays(connection, book.grid.first_day, book.grid.last_day)
    ids = reference.insert_securities(connection, specs, book)
    rows["securities"] = len(ids)
    rows["industry_classifications"] = reference.insert_classifications(connection, specs, ids)
    rows["index_constituents"] = reference.insert_constituents(connection, book, ids)
    tick("bars")
    rows["ohlcv_daily"] = copy_bars(connection, book, specs, ids)
    rows["corporate_actions"] = events.insert_corporate_actions(connection, book, ids)
    rows["market_cap_history"] = events.insert_market_caps(connection, specs, book, ids)
    return ids


def _write_research(
    connection: Connection,
    research: ResearchPlan,
    ids: dict[int, int],
    rows: dict[str, int],
    tick: Callable[[str], None],
) -> None:
    tick("market events")
    rows["deals"] = events.insert_deals(connection, research.deals, ids)
    rows["surveillance_measures"] = events.insert_surveillance(connection, research.measures, ids)
    tick("research")
    rows["agent_configs"] = signals.insert_agents(connection)
    rows["signals"] = signals.insert_signals(connection, research.signals, ids)
    rows["analysis_results"] = analysis.insert_analyses(connection, research.analyses, ids)
    rows["reports"] = reports.insert_reports(connection, research.reports)
    rows["watchlists"], rows["watchlist_entries"] = watchlists.insert_watchlists(connection, research.entries, ids)
    rows["research_queue"] = queue.insert_queue(connection, research.queue, ids)
    tick("trading")
    rows.update(ledger.insert_trading(connection, research.books, ids))


def _finish(
    connection: Connection, grid: Grid, rows: dict[str, int], started: dt.datetime, tick: Callable[[str], None]
) -> None:
    from store.analytics.compute import compute_metrics_in

    tick("metrics")
    metrics = compute_metrics_in(connection, since=grid.last_day - dt.timedelta(days=METRIC_DAYS))
    rows["calculated_metrics"] = metrics.written
    tick("views")
    finished = dt.datetime.now(dt.UTC)
    connection.execute(
        "insert into ingestion_logs (source, started_at, finished_at, status, records_fetched, records_inserted,"
        " errors, execution_time_ms) values (%s, %s, %s, 'success', %s, %s, '[]', %s)",
        (
            SOURCE,
            started,
            finished,
            rows["ohlcv_daily"],
            rows["ohlcv_daily"],
            int((finished - started).total_seconds() * 1000),
        ),
    )
    if not metrics.rows:  # computing the metrics refreshed it already
        connection.execute("select refresh_market_overview()")
    connection.execute(
        "select notify_price_load(%s, %s, %s, %s)", (SOURCE, grid.first_day, grid.last_day, rows["ohlcv_daily"])
    )
    rows["ingestion_logs"] = 1
    audit = connection.execute("select count(*) from audit_log where transaction_id = txid_current()").fetchone()
    rows["audit_log"] = int(audit[0]) if audit else 0


def build(
    database: Database,
    *,
    seed: int,
    years: int,
    securities: int,
    end: dt.date | None,
    replace: bool,
    progress: Progress | None,
    only_if_empty: bool = False,
) -> DemoSummary | None:
    """Plan, then write in one transaction; refuse (or, with only_if_empty, skip) a database that holds securities."""
    if years < 1 or securities < 60:
        raise InvalidInput(
            "a demo needs at least one year and 60 securities",
            fields={"years": "at least 1", "securities": "at least 60"},
        )
    clock, started = time.perf_counter(), dt.datetime.now(dt.UTC)
    done = iter(range(1, len(STEPS) + 1))

    def tick(step: str) -> None:
        if progress is not None:
            progress(step, next(done), len(STEPS))

    random = streams(seed)
    tick("universe and prices")
    market = plan_market(random, years, securities, end)
    research = plan_research(random, market, securities)
    rows: dict[str, int] = {}
    try:
        with database.connect() as connection:
            if not _claim(connection, database, replace=replace, only_if_empty=only_if_empty):
                return None
            ids = _write_market(connection, market, rows, tick)
            _write_research(connection, research, ids, rows, tick)
            _finish(connection, market.book.grid, rows, started, tick)
            connection.commit()
    except psycopg.Error as exc:
        raise StoreError(f"the demo could not be written to {database.target.endpoint}: {exc}") from exc
    grid = market.book.grid
    return DemoSummary(database.target.display, seed, grid.first_day, grid.last_day, rows, time.perf_counter() - clock)


__all__ = ["DemoSummary", "Progress", "build", "window"]
