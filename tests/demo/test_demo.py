"""The demo universe on real PostgreSQL: deterministic, complete, consistent with itself, and refused twice."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from store.db import Database
from store.demo import DEMO_DATABASE, build_demo, open_demo_database
from store.errors import InvalidInput
from store.instruments import attribute_problems

SMALL: dict[str, Any] = {"seed": 7, "years": 1, "securities": 80, "end": dt.date(2026, 11, 24)}
SERVER_COLUMNS = {"created_at", "updated_at", "ingested_at", "computed_at"}
DEMO_TABLES = (
    "securities",
    "industry_classifications",
    "index_constituents",
    "market_holidays",
    "ohlcv_daily",
    "corporate_actions",
    "market_cap_history",
    "calculated_metrics",
    "deals",
    "surveillance_measures",
    "signals",
    "analysis_results",
    "watchlists",
    "watchlist_entries",
    "research_queue",
    "reports",
    "agent_configs",
    "strategies",
    "portfolio_positions",
    "orders",
    "trades",
    "portfolio_snapshots",
    "ingestion_logs",
    "audit_log",
)
WALL_CLOCK = {"ingestion_logs": ("started_at", "finished_at", "execution_time_ms")}


@pytest.fixture(scope="module")
def demo(pg_server: Any, template_database: str) -> Iterator[tuple[Database, Any]]:
    """One small demo for the module's read-only checks."""
    name = pg_server.create_database(template=template_database, prefix="ws_demo")
    database = Database(pg_server.target_for(name))
    try:
        yield database, build_demo(database, **SMALL)
    finally:
        database.close()
        pg_server.drop_database(name)


def rows(database: Database, query: str, *params: object) -> list[tuple[Any, ...]]:
    with database.connect() as connection:
        return connection.execute(query.encode(), params or None).fetchall()


def scalar(database: Database, query: str, *params: object) -> Any:
    return rows(database, query, *params)[0][0]


def digest(database: Database, table: str) -> str:
    """A hash of a table's content, leaving out what the server makes up (uuids, insertion times, wall clock)."""
    columns = [
        name
        for name, kind in rows(
            database,
            "select column_name, data_type from information_schema.columns"
            " where table_schema = current_schema() and table_name = %s order by ordinal_position",
            table,
        )
        if kind != "uuid" and name not in SERVER_COLUMNS and name not in WALL_CLOCK.get(table, ())
    ]
    listed = ", ".join(columns)
    return str(
        scalar(database, f"select md5(string_agg(t::text, '|' order by t::text)) from (select {listed} from {table}) t")
    )


def content(database: Database) -> dict[str, str]:
    found = {table: digest(database, table) for table in DEMO_TABLES if table != "audit_log"}
    found["audit_log"] = str(
        rows(database, "select actor, action, entity_type, count(*) from audit_log group by 1, 2, 3 order by 1, 2, 3")
    )
    return found


def test_every_table_of_the_demo_has_rows_and_the_summary_counts_them(demo: tuple[Database, Any]) -> None:
    database, summary = demo
    for table in DEMO_TABLES:
        count = scalar(database, f"select count(*) from {table}")
        assert count > 0, table
        assert summary.rows[table] == count, table
    assert (summary.first_day, summary.last_day) == (dt.date(2025, 11, 25), dt.date(2026, 11, 24))


def test_the_overview_shows_rs_ratings_and_stages_of_the_latest_session(demo: tuple[Database, Any]) -> None:
    database, summary = demo
    rated, staged, equities = rows(
        database,
        "select count(rs_rating), count(stage), count(*) from market_overview where instrument_type = 'equity'",
    )[0]
    # a rating needs a year of bars and a stage 150 sessions: the youngest listings have neither yet
    assert 0 < rated <= equities
    assert 0 < staged <= equities
    assert scalar(database, "select min(metrics_date) from market_overview where rs_rating is not null") == (
        summary.last_day
    )


def test_same_seed_builds_identical_data_and_replace_rebuilds(fresh_db: Any, demo: tuple[Database, Any]) -> None:
    database, _ = demo
    other = Database(fresh_db.target)
    build_demo(other, **{**SMALL, "seed": 8})
    assert digest(other, "ohlcv_daily") != digest(database, "ohlcv_daily")
    build_demo(other, **SMALL, replace=True)
    expected, rebuilt = content(database), content(other)
    kept_history = ("audit_log", "ingestion_logs")  # a rebuild adds to the logs, it does not rewrite them
    assert {table: rebuilt[table] for table in expected if table not in kept_history} == {
        table: value for table, value in expected.items() if table not in kept_history
    }
    deleted = rows(other, "select count(*) from audit_log where action = 'delete' and actor = 'demo:builder'")[0][0]
    assert deleted > 0  # the research rows of seed 8 were deleted under the builder's name
    other.close()


def test_a_second_build_is_refused_and_changes_nothing(demo: tuple[Database, Any]) -> None:
    database, _ = demo
    before = content(database)
    with pytest.raises(InvalidInput, match=database.target.params["dbname"]) as refused:
        build_demo(database, **SMALL)
    assert "database" in refused.value.fields
    assert content(database) == before


def test_candles_keep_their_rules_and_adjusted_closes_never_exceed_closes(demo: tuple[Database, Any]) -> None:
    database, _ = demo
    broken = scalar(
        database,
        "select count(*) from ohlcv_daily where not (low > 0 and high >= greatest(open, close)"
        " and low <= least(open, close) and adj_close <= close and prev_close > 0)",
    )
    assert broken == 0
    unadjusted_last = scalar(
        database,
        "select count(*) from ohlcv_daily d where d.trade_date = (select max(trade_date) from ohlcv_daily x"
        " where x.security_id = d.security_id) and d.adj_close <> d.close",
    )
    assert unadjusted_last == 0
    assert (
        scalar(
            database,
            "select count(*) from ohlcv_daily d join securities s on s.id = d.security_id"
            " where s.instrument_type = 'index' and d.volume is not null",
        )
        == 0
    )


def test_bars_look_like_a_market_volume_follows_volatility_and_volatility_clusters(demo: tuple[Database, Any]) -> None:
    database, _ = demo
    moves = (
        "select security_id, abs(ln(close / prev_close)) as size, ln(volume + 1) as activity,"
        " lag(abs(ln(close / prev_close))) over (partition by security_id order by trade_date) as size_before,"
        " open <> prev_close as gapped"
        " from ohlcv_daily d join securities s on s.id = d.security_id where s.instrument_type = 'equity'"
    )
    volume_follows, clusters, gapped = rows(
        database,
        f"select avg(follows), avg(clusters), avg(gapped) from (select corr(size, activity) as follows,"
        f" corr(size, size_before) as clusters, avg(gapped::int) as gapped from ({moves}) m group by security_id) t",
    )[0]
    assert volume_follows > 0.15  # busy days are the days that move
    assert clusters > 0.03  # a big move tends to follow a big move (GARCH)
    assert gapped > 0.8  # most sessions open away from the last close


def _around(database: Database, action: str) -> list[tuple[Any, ...]]:
    return rows(
        database,
        "select a.ratio, a.amount, before.close, before.adj_close, ex.close, ex.adj_close, ex.prev_close"
        " from corporate_actions a"
        " join lateral (select * from ohlcv_daily d where d.security_id = a.security_id and d.trade_date < a.ex_date"
        "               order by trade_date desc limit 1) before on true"
        " join ohlcv_daily ex on ex.security_id = a.security_id and ex.trade_date = a.ex_date"
        " where a.action_type = %s",
        action,
    )


def test_splits_jump_as_traded_but_not_adjusted(demo: tuple[Database, Any]) -> None:
    database, _ = demo
    splits = _around(database, "split") + _around(database, "bonus")
    assert len(splits) >= 2
    for ratio, _, close_before, adj_before, close_ex, adj_ex, prev_close in splits:
        assert ratio > 1
        assert float(close_before) / float(close_ex) > float(ratio) * 0.7  # the quoted price drops by about the ratio
        raw_move = float(close_before) / float(ratio) / float(close_ex)
        assert float(adj_before) / float(adj_ex) == pytest.approx(raw_move, rel=1e-4)
        assert float(prev_close) == pytest.approx(float(close_before) / float(ratio), rel=0.01)


def test_dividends_adjust_earlier_closes_by_their_yield(demo: tuple[Database, Any]) -> None:
    database, _ = demo
    dividends = _around(database, "dividend")
    assert dividends
    for _, amount, close_before, adj_before, close_ex, adj_ex, _ in dividends:
        factor = 1 - float(amount) / float(close_before)
        expected = float(close_before) * factor / float(close_ex)
        assert float(adj_before) / float(adj_ex) == pytest.approx(expected, rel=1e-4)


def test_trading_days_skip_each_exchange_holidays(demo: tuple[Database, Any]) -> None:
    database, _ = demo
    on_holidays = scalar(
        database,
        "select count(*) from ohlcv_daily d join securities s on s.id = d.security_id join market_holidays h"
        " on h.exchange = s.exchange and h.holiday_date = d.trade_date",
    )
    weekends = scalar(database, "select count(*) from ohlcv_daily where extract(isodow from trade_date) > 5")
    assert (on_holidays, weekends) == (0, 0)
    assert rows(database, "select distinct exchange from market_holidays order by 1") == [
        ("LSE",),
        ("NASDAQ",),
        ("NSE",),
    ]


def test_securities_carry_valid_identifiers_and_complete_derivative_attributes(demo: tuple[Database, Any]) -> None:
    database, _ = demo
    for (isin,) in rows(database, "select isin from securities where isin is not null"):
        digits = "".join(str(int(character, 36)) for character in isin[:-1])
        total = sum(
            int(d) * 2 // 10 + int(d) * 2 % 10 if i % 2 == 0 else int(d) for i, d in enumerate(reversed(digits))
        )
        assert (10 - total % 10) % 10 == int(isin[-1]), isin
    derivatives = rows(
        database, "select instrument_type, attributes from securities where instrument_type in ('option', 'future')"
    )
    assert {kind for kind, _ in derivatives} == {"option", "future"}
    symbols = {symbol for (symbol,) in rows(database, "select symbol from securities")}
    for kind, attributes in derivatives:
        assert attribute_problems(kind, attributes) == [], attributes
        assert attributes["underlying"] in symbols


def test_indices_have_weighted_members(demo: tuple[Database, Any]) -> None:
    database, _ = demo
    current = rows(
        database,
        "select i.symbol, count(*), round(sum(c.weight), 2) from index_constituents c join securities i"
        " on i.id = c.index_id where c.valid_to is null group by i.symbol order by 1",
    )
    assert {symbol for symbol, _, _ in current} >= {"NIFTY50", "UKX", "NDX"}
    for _symbol, members, weight in current:
        assert members > 0
        assert float(weight) == pytest.approx(100, abs=0.05)


def test_morning_reports_recommend_securities_that_exist(demo: tuple[Database, Any]) -> None:
    database, _ = demo
    reports = rows(
        database,
        "select report_date, content, recommendations, recommendations_count from reports"
        " where kind = 'morning' order by report_date",
    )
    assert len(reports) == 30
    assert reports[-1][0] == SMALL["end"]
    listed = set(rows(database, "select symbol, exchange from securities"))
    for _, text, recommendations, count in reports:
        assert text.startswith("# Morning report")
        assert "## Recommendations" in text
        assert count == len(recommendations)
        for item in recommendations:
            assert {"symbol", "action", "rationale"} <= item.keys()
            assert (item["symbol"], item["exchange"]) in listed
    assert scalar(database, "select count(*) from reports where reviewed_at is null") == 2


def test_research_queue_has_every_status_and_one_open_item_per_security(demo: tuple[Database, Any]) -> None:
    database, _ = demo
    statuses = {status for (status,) in rows(database, "select distinct status from research_queue")}
    assert statuses == {"new", "researching", "waiting", "decided", "rejected"}
    open_twice = scalar(
        database,
        "select count(*) from (select security_id from research_queue"
        " where status not in ('decided', 'rejected') group by 1 having count(*) > 1) t",
    )
    assert open_twice == 0
    moved = scalar(
        database, "select count(*) from audit_log where entity_type = 'research_queue' and action = 'update'"
    )
    assert moved > 0


def test_watchlist_triggers_make_sense_against_the_bars(demo: tuple[Database, Any]) -> None:
    database, _ = demo
    entries = rows(
        database,
        "select e.trigger_type, e.trigger_value, e.status, e.expiry_date, e.trigger_bar, d.close"
        " from watchlist_entries e join lateral (select close from ohlcv_daily x where x.security_id = e.security_id"
        " order by trade_date desc limit 1) d on true where e.deleted_at is null",
    )
    assert {status for _, _, status, _, _, _ in entries} >= {"active", "triggered", "expired"}
    for trigger_type, value, status, expiry, bar, last_close in entries:
        if status == "triggered":
            crossed = bar["close"] > value if trigger_type == "price_above" else bar["close"] < value
            assert crossed or trigger_type not in ("price_above", "price_below")
        if status == "active" and trigger_type == "price_above":
            assert last_close < value
        if status == "active" and trigger_type == "price_below":
            assert last_close > value
        if status == "expired":
            assert expiry < SMALL["end"]
    assert scalar(database, "select count(distinct name) from watchlists") == 3


def test_orders_link_brackets_to_their_entries_and_trades_settle(demo: tuple[Database, Any]) -> None:
    database, _ = demo
    legs = rows(
        database, "select o.order_type, p.status, p.side from orders o join orders p on p.id = o.parent_order_id"
    )
    assert legs
    assert all(status == "filled" and side == "buy" for _, status, side in legs)
    positions = {status for (status,) in rows(database, "select distinct status from portfolio_positions")}
    assert positions == {"open", "closed"}
    unsettled = scalar(
        database, "select count(*) from trades where side = 'sell' and (outcome is null or realized_pnl is null)"
    )
    assert unsettled == 0
    assert scalar(database, "select count(*) from portfolio_snapshots where strategy_id is null") > 0


def test_the_audit_trail_names_the_agents_analysts_and_bots(demo: tuple[Database, Any]) -> None:
    database, _ = demo
    actors = {actor for (actor,) in rows(database, "select distinct actor from audit_log")}
    assert {"agent:technical-agent", "agent:report-writer", "system:alerts", "priya.nair"} <= actors
    assert any(actor.startswith("bot:") for actor in actors)


@pytest.fixture
def demo_dir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="wsd"))  # short: the unix socket lives inside it
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_open_demo_database_builds_once_in_its_own_database(demo_dir: Path) -> None:
    steps: list[str] = []
    database = open_demo_database(
        demo_dir, years=1, securities=60, progress=lambda step, done, total: steps.append(step)
    )
    try:
        assert database.target.params["dbname"] == DEMO_DATABASE
        assert scalar(database, "select count(*) from securities") > 0
        assert steps[-1] == "views"
        again = open_demo_database(demo_dir, years=1, securities=60)
        assert scalar(again, "select count(*) from ingestion_logs where source = 'demo'") == 1
        with psycopg.connect(**{**database.target.params, "dbname": "postgres"}) as connection:
            names = {name for (name,) in connection.execute("select datname from pg_database")}
        assert "workstation" not in names  # the analyst's own database is not created by the demo
    finally:
        database.close()
