"""The morning report on hand-made data: exactly the window's alerts, signals and calls; regenerating replaces it."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from store.analytics import report_cli
from store.analytics.morning import REPORT_ACTOR, generate_morning_report
from store.db import Database
from store.errors import InvalidInput

Sql = psycopg.Connection[tuple[Any, ...]]
SESSION = dt.date(2026, 11, 20)  # a Friday: the session the report covers
PREVIOUS = dt.date(2026, 11, 20)  # the previous morning report
DAY = dt.date(2026, 11, 23)  # the Monday of the report
HISTORY_SESSIONS = 260


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=dt.UTC)


@pytest.fixture
def database(fresh_db: Any) -> Iterator[Database]:
    database = Database(fresh_db.target)
    yield database
    database.close()


@pytest.fixture
def sql(database: Database) -> Iterator[Sql]:
    with psycopg.connect(database.target.conninfo, autocommit=True) as connection:
        yield connection


def one(sql: Sql, query: str, *params: Any) -> Any:
    row = sql.execute(query.encode(), params or None).fetchone()
    assert row is not None
    return row[0]


def add_security(sql: Sql, symbol: str, *, instrument_type: str = "equity", active: bool = True) -> int:
    return int(
        one(
            sql,
            "insert into securities (symbol, exchange, instrument_type, is_active) values (%s, 'NSE', %s, %s)"
            " returning id",
            symbol,
            instrument_type,
            active,
        )
    )


def add_history(sql: Sql, security_id: int, *, close: str, high: str, low: str) -> None:
    """260 weekday sessions at 100 up to the day before SESSION, then SESSION's bar as given."""
    sql.execute(
        "insert into ohlcv_daily (security_id, trade_date, open, high, low, close, volume)"
        " select %s, day, 100, 100, 100, 100, 1000 from ("
        "   select day::date from generate_series(%s::date - 400, %s::date - 1, interval '1 day') as day"
        "   where extract(isodow from day) < 6 order by day desc limit %s) history",
        (security_id, SESSION, SESSION, HISTORY_SESSIONS),
    )
    sql.execute(
        "insert into ohlcv_daily (security_id, trade_date, open, high, low, close, volume)"
        " values (%s, %s, 100, %s, %s, %s, 5000)",
        (security_id, SESSION, high, low, close),
    )


def add_watched(sql: Sql, security_id: int, **values: Any) -> None:
    watchlist = sql.execute("select id from watchlists where name = 'Desk'").fetchone()
    if watchlist is None:
        watchlist = sql.execute("insert into watchlists (name) values ('Desk') returning id").fetchone()
    assert watchlist is not None
    columns = {"watchlist_id": watchlist[0], "security_id": security_id, "trigger_type": "manual", **values}
    sql.execute(
        f"insert into watchlist_entries ({', '.join(columns)}) values ({', '.join(['%s'] * len(columns))})".encode(),
        [json.dumps(value) if isinstance(value, dict) else value for value in columns.values()],
    )


def add_alert(sql: Sql, symbol: str, triggered_at: dt.datetime, close: float) -> None:
    bar = {"date": f"{triggered_at:%Y-%m-%d}", "open": close, "high": close, "low": close, "close": close}
    add_watched(
        sql,
        add_security(sql, symbol),
        trigger_type="price_above",
        trigger_value=close - 1,
        status="triggered",
        triggered_at=triggered_at,
        trigger_bar={**bar, "volume": 1000, "value": close},
    )


def add_signal(sql: Sql, symbol: str, source: str, signal_type: str, score: str, observed_at: dt.datetime) -> None:
    sql.execute(
        "insert into signals (security_id, signal_type, score, source, observed_at) values (%s, %s, %s, %s, %s)",
        (add_security(sql, symbol), signal_type, score, source, observed_at),
    )


def add_analysis(sql: Sql, symbol: str, recommendation: str, confidence: str, analysed_at: dt.datetime) -> None:
    sql.execute(
        "insert into analysis_results (security_id, agent_name, recommendation, confidence, reasoning, analysed_at)"
        " values (%s, 'value-agent', %s, %s, %s, %s)",
        (add_security(sql, symbol), recommendation, confidence, f"{symbol} looks {recommendation}", analysed_at),
    )


@pytest.fixture
def market(sql: Sql) -> None:
    """The covered session, the window's events, and events just outside the window on both sides."""
    for symbol, close, high, low in (
        ("RISE", "110", "110", "100"),
        ("UPTWO", "101", "101", "100"),
        ("FLAT", "100", "100", "100"),
        ("FALL", "90", "100", "89"),
    ):
        add_history(sql, add_security(sql, symbol), close=close, high=high, low=low)
    add_history(sql, add_security(sql, "NIFTY", instrument_type="index"), close="150", high="150", low="100")
    add_history(sql, add_security(sql, "GONE", active=False), close="150", high="150", low="100")
    sql.execute(
        "insert into reports (kind, report_date, title, generated_by) values ('morning', %s, 'Before', 'desk')",
        (PREVIOUS,),
    )
    add_alert(sql, "ALERTED", at(SESSION, 18), 512.5)
    add_alert(sql, "OLDALERT", at(SESSION - dt.timedelta(days=1), 18), 20.0)
    add_alert(sql, "LATEALERT", at(DAY, 1), 30.0)
    add_signal(sql, "BREAKOUT", "momentum-agent", "breakout", "0.91", at(dt.date(2026, 11, 21), 9))
    add_signal(sql, "FLOWED", "flow-agent", "accumulation", "0.7", at(dt.date(2026, 11, 22), 23, 59))
    add_signal(sql, "OLDSIGNAL", "momentum-agent", "breakout", "0.99", at(dt.date(2026, 11, 19), 23, 59))
    add_signal(sql, "LATESIGNAL", "flow-agent", "accumulation", "0.99", at(DAY, 0, 30))
    add_analysis(sql, "STRONGBUY", "strong_buy", "0.85", at(dt.date(2026, 11, 22), 6))
    add_analysis(sql, "JUSTBUY", "buy", "0.95", at(dt.date(2026, 11, 22), 6))
    add_analysis(sql, "OLDSELL", "strong_sell", "0.9", at(dt.date(2026, 11, 18), 6))
    for symbol, status, created in (("QA", "new", DAY), ("QB", "new", SESSION), ("QC", "researching", SESSION)):
        sql.execute(
            "insert into research_queue (security_id, status, created_at) values (%s, %s, %s)",
            (add_security(sql, symbol), status, at(created, 3) - dt.timedelta(days=10 if symbol == "QC" else 0)),
        )
    dealt, surveilled, unwatched = add_security(sql, "DEALT"), add_security(sql, "WATCHED"), add_security(sql, "NOTW")
    add_watched(sql, dealt)
    add_watched(sql, surveilled)
    for security, day in ((dealt, SESSION), (dealt, SESSION - dt.timedelta(days=1)), (unwatched, SESSION)):
        sql.execute(
            "insert into deals (deal_date, security_id, kind, client_name, side, quantity, price)"
            " values (%s, %s, 'bulk', 'Alpha Fund', 'buy', 120000, 101.5)",
            (day, security),
        )
    sql.execute(
        "insert into surveillance_measures (security_id, measure, stage, reason, effective_date)"
        " values (%s, 'ASM', 'I', 'price band', %s)",
        (surveilled, dt.date(2026, 11, 21)),
    )


def section(content: str, title: str) -> str:
    found = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", content, re.S | re.M)
    assert found is not None, title
    return found.group(1)


MENTIONED = {"RISE", "UPTWO", "FALL", "ALERTED", "BREAKOUT", "FLOWED", "STRONGBUY", "DEALT", "WATCHED"}
NOT_MENTIONED = {"FLAT", "NIFTY", "GONE", "OLDALERT", "LATEALERT", "OLDSIGNAL", "LATESIGNAL", "JUSTBUY", "OLDSELL",
                 "NOTW"}  # fmt: skip


@pytest.mark.usefixtures("market")
def test_the_report_mentions_exactly_the_windows_alerts_signals_and_calls(database: Database) -> None:
    report = generate_morning_report(database, day=DAY).report
    content = report.content

    assert {item.symbol for item in report.recommendations} == MENTIONED
    assert [word for word in NOT_MENTIONED if re.search(rf"\b{word}\b", content)] == []
    assert (report.stocks_analyzed, report.recommendations_count) == (4, len(MENTIONED))
    assert "price above 511.5 on 2026-11-20: closed 512.5" in section(content, "Alerts since the last report")
    signals = section(content, "Signals by agent")
    assert "### momentum-agent — 1 signal (breakout × 1)\n\n- **BREAKOUT** (NSE) breakout, score 0.91" in signals
    assert "### flow-agent — 1 signal (accumulation × 1)\n\n- **FLOWED** (NSE) accumulation, score 0.7" in signals
    assert "**STRONGBUY** (NSE) **strong buy** — value-agent, confidence 85%" in content
    watched = section(content, "Watched names: deals and surveillance")
    assert watched.count("- **") == 2
    assert "**DEALT** (NSE) bulk buy of 120,000 at 101.5 by Alpha Fund on 2026-11-20" in watched
    assert "**WATCHED** (NSE) ASM stage I placed on 2026-11-21: price band" in watched


@pytest.mark.usefixtures("market")
def test_the_market_summary_has_breadth_movers_and_new_52_week_extremes(database: Database) -> None:
    content = generate_morning_report(database, day=DAY).report.content
    market = section(content, "Market")

    assert "**Breadth:** NSE 2 up / 1 down / 1 unchanged" in market
    assert "**New 52-week highs / lows:** 2 / 1" in market
    assert re.findall(r"^\| (\w+) \| NSE \| [\d.,]+ \| ([+-][\d.]+%) \|$", market, re.M) == [
        ("RISE", "+10.00%"),
        ("UPTWO", "+1.00%"),
        ("FALL", "-10.00%"),
    ]
    assert "**New 52-week highs:** RISE (NSE), UPTWO (NSE)" in market
    assert "**New 52-week lows:** FALL (NSE)" in market
    assert "_Covers the session of 2026-11-20 and the events from 2026-11-20 to 2026-11-22" in content


@pytest.mark.usefixtures("market")
def test_every_mention_carries_an_action_and_a_rationale(database: Database) -> None:
    report = generate_morning_report(database, day=DAY).report
    by_symbol = {item.symbol: item for item in report.recommendations}

    assert by_symbol["STRONGBUY"].action == "strong_buy"
    assert by_symbol["STRONGBUY"].rationale == "value-agent strong_buy (85%): STRONGBUY looks strong_buy"
    assert (by_symbol["ALERTED"].action, by_symbol["DEALT"].action, by_symbol["RISE"].action) == (
        "review",
        "review",
        "watch",
    )
    assert by_symbol["RISE"].rationale == "top gainer +10.00% on 2026-11-20; new 52-week high on 2026-11-20"


@pytest.mark.usefixtures("market")
def test_the_research_queue_is_counted_by_status(database: Database) -> None:
    content = generate_morning_report(database, day=DAY).report.content

    queue = section(content, "Research queue")
    assert "| new | 2 | 1 |" in queue  # QA was added on the report's day itself: after the window
    assert "| researching | 1 | 0 |" in queue
    assert "| decided | 0 | 0 |" in queue


@pytest.mark.usefixtures("market")
def test_regenerating_replaces_the_report_and_keeps_the_review_only_if_nothing_changed(
    database: Database, sql: Sql
) -> None:
    first = generate_morning_report(database, day=DAY)
    with sql.transaction():
        sql.execute("select set_config('app.actor', 'asha', true)")
        sql.execute(
            "update reports set reviewed_at = now(), reviewed_by = 'asha', review_notes = 'fine' where id = %s",
            (first.report.id,),
        )

    same = generate_morning_report(database, day=DAY)
    add_signal(sql, "NEWSIGNAL", "momentum-agent", "breakout", "0.5", at(dt.date(2026, 11, 22), 8))
    changed = generate_morning_report(database, day=DAY)

    assert (first.replaced, same.replaced, changed.replaced) == (False, True, True)
    assert first.report.id == same.report.id == changed.report.id
    assert one(sql, "select count(*) from reports where kind = 'morning' and report_date = %s", DAY) == 1
    assert (same.report.reviewed_by, same.report.version) == ("asha", 3)
    assert (changed.report.reviewed_by, changed.report.reviewed_at, changed.report.version) == (None, None, 4)
    assert "NEWSIGNAL" in changed.report.content
    actions = sql.execute(
        "select actor, action from audit_log where entity_type = 'reports' and entity_id = %s order by id",
        (str(first.report.id),),
    ).fetchall()
    assert actions == [(REPORT_ACTOR, "insert"), ("asha", "update"), (REPORT_ACTOR, "update"), (REPORT_ACTOR, "update")]


def test_the_first_report_of_an_empty_database_says_there_is_nothing(database: Database) -> None:
    report = generate_morning_report(database, day=DAY).report

    assert report.title == "Morning report 23 Nov 2026"
    assert (report.stocks_analyzed, report.recommendations) == (0, ())
    assert "No equity traded before this date." in report.content
    assert "No new signals." in report.content


def test_a_time_is_refused_as_the_report_date(database: Database) -> None:
    with pytest.raises(InvalidInput, match="day"):
        generate_morning_report(database, day=at(DAY, 6))


# The command


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="workstation")
    report_cli.register(parser.add_subparsers(dest="command"))
    return parser.parse_args(["report", "morning", *argv])


@pytest.mark.usefixtures("market")
def test_the_command_stores_then_replaces_and_exits_0(database: Database, capsys: pytest.CaptureFixture[str]) -> None:
    assert report_cli.run(parse("--date", DAY.isoformat()), database) == report_cli.EXIT_OK
    assert report_cli.run(parse("--date", DAY.isoformat()), database) == report_cli.EXIT_OK

    out, err = capsys.readouterr()
    assert err == ""
    assert out.splitlines() == [
        f"stored the morning report of {DAY} (version 1): 4 equities, {len(MENTIONED)} symbols mentioned",
        f"replaced the morning report of {DAY} (version 2): 4 equities, {len(MENTIONED)} symbols mentioned",
    ]


def test_the_command_prints_the_markdown_when_asked(database: Database, capsys: pytest.CaptureFixture[str]) -> None:
    assert report_cli.run(parse("--date", DAY.isoformat(), "--print"), database) == report_cli.EXIT_OK

    assert capsys.readouterr().out.startswith("# Morning report — Monday 23 November 2026\n")


def test_the_workstation_command_defaults_to_today_and_refuses_a_bad_date(
    fresh_db: Any, sql: Sql, capsys: pytest.CaptureFixture[str]
) -> None:
    from tui.cli import main

    assert main(["--db", fresh_db.url, "report", "morning", "--quiet"]) == 0
    today = dt.datetime.now(dt.UTC).date()
    assert one(sql, "select report_date from reports where kind = 'morning'") == today

    with pytest.raises(SystemExit) as exited:
        main(["--db", fresh_db.url, "report", "morning", "--date", "yesterday"])
    assert exited.value.code == 2
    assert "'yesterday' is not a date" in capsys.readouterr().err
