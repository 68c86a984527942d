"""Watchlist alerts on real bars: each trigger fires on its crossing bar and not before, expiry, once only, audited."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import uuid
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from store.analytics import alerts_cli
from store.analytics.alerts import ALERT_ACTOR, check_alerts
from store.db import Database
from store.errors import InvalidInput
from store.records.watchlists import TriggerBar
from store.uow import UnitOfWork

Sql = psycopg.Connection[tuple[Any, ...]]
FIRST_SESSION = dt.date(2026, 1, 5)  # a Monday


def sessions(count: int) -> list[dt.date]:
    """`count` weekdays from FIRST_SESSION."""
    days: list[dt.date] = []
    day = FIRST_SESSION
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


DAYS = sessions(40)


@pytest.fixture
def database(fresh_db: Any) -> Iterator[Database]:
    database = Database(fresh_db.target)
    yield database
    database.close()


@pytest.fixture
def sql(database: Database) -> Iterator[Sql]:
    """An autocommit connection to arrange the data and to look at what a check did."""
    with psycopg.connect(database.target.conninfo, autocommit=True) as connection:
        yield connection


@pytest.fixture
def watchlist(sql: Sql) -> uuid.UUID:
    row = sql.execute("insert into watchlists (name) values ('Alerts') returning id").fetchone()
    assert row is not None
    return uuid.UUID(str(row[0]))


def add_security(sql: Sql, symbol: str) -> int:
    row = sql.execute(
        "insert into securities (symbol, exchange, instrument_type) values (%s, 'NSE', 'equity') returning id",
        (symbol,),
    ).fetchone()
    assert row is not None
    return int(row[0])


def add_bars(
    sql: Sql,
    security_id: int,
    closes: Sequence[str],
    *,
    volumes: Sequence[int] | None = None,
    highs: dict[int, str] | None = None,
    adj_closes: Sequence[str | None] | None = None,
) -> None:
    """One bar per session from DAYS[0]: open = low = the close less 1%, high = the close (unless given)."""
    for number, close in enumerate(closes):
        price = Decimal(close)
        high = Decimal((highs or {}).get(number, close))
        low = (price * Decimal("0.99")).quantize(Decimal("0.000001"))
        sql.execute(
            "insert into ohlcv_daily (security_id, trade_date, open, high, low, close, adj_close, volume)"
            " values (%s, %s, %s, %s, %s, %s, %s, %s)",
            (
                security_id,
                DAYS[number],
                low,
                high,
                low,
                price,
                None if adj_closes is None else adj_closes[number],
                1000 if volumes is None else volumes[number],
            ),
        )


def add_entry(
    sql: Sql,
    watchlist_id: uuid.UUID,
    security_id: int,
    trigger_type: str,
    value: str | None,
    *,
    created: dt.date = DAYS[0],
    expiry: dt.date | None = None,
) -> uuid.UUID:
    """An entry added after the session of `created` (18:00 UTC that day)."""
    row = sql.execute(
        "insert into watchlist_entries (watchlist_id, security_id, trigger_type, trigger_value, expiry_date,"
        " created_at) values (%s, %s, %s, %s, %s, %s) returning id",
        (
            watchlist_id,
            security_id,
            trigger_type,
            value,
            expiry,
            dt.datetime.combine(created, dt.time(18), tzinfo=dt.UTC),
        ),
    ).fetchone()
    assert row is not None
    return uuid.UUID(str(row[0]))


def entry_state(sql: Sql, entry_id: uuid.UUID) -> dict[str, Any]:
    cursor = sql.execute(
        "select status, triggered_at, trigger_bar, version from watchlist_entries where id = %s", (entry_id,)
    )
    row = cursor.fetchone()
    assert row is not None
    assert cursor.description is not None
    return dict(zip([column.name for column in cursor.description], row, strict=True))


def fired_on(sql: Sql, entry_id: uuid.UUID) -> str | None:
    """The date of the bar the entry fired on, None while it has not."""
    bar = entry_state(sql, entry_id)["trigger_bar"]
    return None if bar is None else str(bar["date"])


# price_above / price_below


def test_price_above_fires_on_the_first_close_above_not_on_a_high_that_only_touches_it(
    database: Database, sql: Sql, watchlist: uuid.UUID
) -> None:
    infy = add_security(sql, "INFY")
    # Day 0 closes above the level before the entry exists; day 2's high pierces it but the close does not.
    add_bars(sql, infy, ["110", "101", "99", "104", "106", "107"], highs={2: "106"})
    entry = add_entry(sql, watchlist, infy, "price_above", "105", created=DAYS[0])

    before = check_alerts(database, as_of=DAYS[3])
    assert (before.checked, before.fired, entry_state(sql, entry)["status"]) == (1, (), "active")

    result = check_alerts(database, as_of=DAYS[5])

    state = entry_state(sql, entry)
    assert state["status"] == "triggered"
    assert state["triggered_at"] is not None
    assert state["trigger_bar"] == {
        "date": DAYS[4].isoformat(),
        "open": 104.94,
        "high": 106.0,
        "low": 104.94,
        "close": 106.0,
        "volume": 1000,
        "value": 106.0,
    }
    assert [(fired.entry.symbol, fired.bar.date, fired.bar.close) for fired in result.fired] == [
        ("INFY", DAYS[4], Decimal("106.0"))
    ]


def test_price_below_fires_on_the_first_close_below(database: Database, sql: Sql, watchlist: uuid.UUID) -> None:
    tcs = add_security(sql, "TCS")
    add_bars(sql, tcs, ["100", "96", "95", "94.99", "90"])
    entry = add_entry(sql, watchlist, tcs, "price_below", "95", created=DAYS[0])

    check_alerts(database)

    assert fired_on(sql, entry) == DAYS[3].isoformat()  # 95 itself is not below 95


# pct_change


def test_pct_change_fires_on_the_day_that_moves_by_the_value_exactly(
    database: Database, sql: Sql, watchlist: uuid.UUID
) -> None:
    rise, fall = add_security(sql, "RISE"), add_security(sql, "FALL")
    add_bars(sql, rise, ["100", "104.9", "110.145", "120"])  # +4.9 %, then +5 % exactly
    add_bars(sql, fall, ["100", "96", "91.2", "80"])  # -4 %, then -5 % exactly
    up = add_entry(sql, watchlist, rise, "pct_change", "5")
    down = add_entry(sql, watchlist, fall, "pct_change", "-5")

    check_alerts(database)

    assert (fired_on(sql, up), fired_on(sql, down)) == (DAYS[2].isoformat(), DAYS[2].isoformat())
    assert entry_state(sql, up)["trigger_bar"]["value"] == 5.0
    assert entry_state(sql, down)["trigger_bar"]["value"] == -5.0


def test_pct_change_uses_adjusted_closes_so_a_split_does_not_fire_it(
    database: Database, sql: Sql, watchlist: uuid.UUID
) -> None:
    split = add_security(sql, "SPLIT")
    # A 2:1 split on day 2: the close halves, the adjusted series is flat; day 3 really falls 6 %.
    add_bars(sql, split, ["200", "200", "100", "94"], adj_closes=["100", "100", "100", "94"])
    entry = add_entry(sql, watchlist, split, "pct_change", "-5")

    check_alerts(database)

    assert fired_on(sql, entry) == DAYS[3].isoformat()


# volume_spike


def test_volume_spike_compares_with_the_twenty_sessions_before_the_bar(
    database: Database, sql: Sql, watchlist: uuid.UUID
) -> None:
    busy = add_security(sql, "BUSY")
    # 20 sessions of 1,000; then 1,999 (just under 2x); then 2,100 against an average of 1,049.95 (2x is 2,099.9).
    volumes = [1000] * 20 + [1999, 2100, 5000]
    add_bars(sql, busy, ["50"] * len(volumes), volumes=volumes)
    entry = add_entry(sql, watchlist, busy, "volume_spike", "2")

    check_alerts(database, as_of=DAYS[21])

    assert fired_on(sql, entry) == DAYS[21].isoformat()
    multiple = (Decimal(2100) * 20 / Decimal(19 * 1000 + 1999)).quantize(Decimal("0.000001"))
    assert entry_state(sql, entry)["trigger_bar"]["value"] == float(multiple)


def test_volume_spike_needs_twenty_sessions_of_history(database: Database, sql: Sql, watchlist: uuid.UUID) -> None:
    young = add_security(sql, "YOUNG")
    volumes = [1000] * 19 + [50_000, 1000]
    add_bars(sql, young, ["50"] * len(volumes), volumes=volumes)
    entry = add_entry(sql, watchlist, young, "volume_spike", "3")

    check_alerts(database)

    assert entry_state(sql, entry)["status"] == "active"


# ma_cross


def test_ma_cross_fires_when_the_close_crosses_its_average(database: Database, sql: Sql, watchlist: uuid.UUID) -> None:
    trend = add_security(sql, "TREND")
    # Falling closes stay below their 10-session average; 120 on day 12 closes above it.
    closes = [str(100 - number) for number in range(12)] + ["120", "121"]
    add_bars(sql, trend, closes)
    entry = add_entry(sql, watchlist, trend, "ma_cross", "10")

    check_alerts(database, as_of=DAYS[11])
    assert entry_state(sql, entry)["status"] == "active"

    check_alerts(database)

    assert fired_on(sql, entry) == DAYS[12].isoformat()
    average = (sum((Decimal(close) for close in closes[3:13]), Decimal(0)) / 10).quantize(Decimal("0.000001"))
    assert entry_state(sql, entry)["trigger_bar"]["value"] == float(average)


def test_a_cross_before_the_entry_was_added_does_not_fire_it(
    database: Database, sql: Sql, watchlist: uuid.UUID
) -> None:
    trend = add_security(sql, "EARLY")
    closes = [str(100 - number) for number in range(12)] + ["120", "121", "122"]
    add_bars(sql, trend, closes)
    entry = add_entry(sql, watchlist, trend, "ma_cross", "10", created=DAYS[12])

    check_alerts(database)

    assert entry_state(sql, entry)["status"] == "active"


# expiry, once only, audit, what is left alone


def test_an_entry_expires_after_its_expiry_date_unless_it_fired_by_then(
    database: Database, sql: Sql, watchlist: uuid.UUID
) -> None:
    slow, late, hit = add_security(sql, "SLOW"), add_security(sql, "LATE"), add_security(sql, "HIT")
    for security in (slow, late, hit):
        add_bars(sql, security, ["100", "101", "102", "103", "110"])
    never = add_entry(sql, watchlist, slow, "price_above", "500", expiry=DAYS[2])
    too_late = add_entry(sql, watchlist, late, "price_above", "105", expiry=DAYS[3])  # crosses on day 4
    on_the_day = add_entry(sql, watchlist, hit, "price_above", "101.5", expiry=DAYS[2])  # crosses on day 2

    check_alerts(database, as_of=DAYS[2])
    assert entry_state(sql, never)["status"] == "active"  # expires only once the as-of date is past it

    result = check_alerts(database, as_of=DAYS[4])

    assert [entry_state(sql, entry)["status"] for entry in (never, too_late, on_the_day)] == [
        "expired",
        "expired",
        "triggered",
    ]
    assert sorted(expired.symbol for expired in result.expired) == ["LATE", "SLOW"]


def test_running_again_fires_nothing_twice(database: Database, sql: Sql, watchlist: uuid.UUID) -> None:
    infy = add_security(sql, "INFY")
    add_bars(sql, infy, ["100", "106", "108"])
    entry = add_entry(sql, watchlist, infy, "price_above", "105")
    expiring = add_entry(sql, watchlist, add_security(sql, "OLD"), "manual", None, expiry=DAYS[0])

    first = check_alerts(database)
    state = entry_state(sql, entry)
    audit_rows = sql.execute("select count(*) from audit_log").fetchone()

    second = check_alerts(database)

    assert (len(first.fired), len(first.expired)) == (1, 1)
    assert (second.checked, second.fired, second.expired) == (0, (), ())
    assert entry_state(sql, entry) == state
    assert fired_on(sql, entry) == DAYS[1].isoformat()
    assert entry_state(sql, expiring)["status"] == "expired"
    assert sql.execute("select count(*) from audit_log").fetchone() == audit_rows


def test_each_change_is_audited_as_system_alerts_and_bumps_the_version(
    database: Database, sql: Sql, watchlist: uuid.UUID
) -> None:
    infy = add_security(sql, "INFY")
    add_bars(sql, infy, ["100", "106"])
    entry = add_entry(sql, watchlist, infy, "price_above", "105")

    check_alerts(database)

    rows = sql.execute(
        "select actor, action, before ->> 'status', after ->> 'status', after -> 'trigger_bar' ->> 'date', reason"
        " from audit_log where entity_id = %s order by id",
        (str(entry),),
    ).fetchall()
    assert rows[-1] == (ALERT_ACTOR, "update", "active", "triggered", DAYS[1].isoformat(), "alerts check")
    assert entry_state(sql, entry)["version"] == 2


def test_removed_manual_and_already_triggered_entries_are_left_alone(
    database: Database, sql: Sql, watchlist: uuid.UUID
) -> None:
    infy, tcs, wipro = add_security(sql, "INFY"), add_security(sql, "TCS"), add_security(sql, "WIPRO")
    for security in (infy, tcs, wipro):
        add_bars(sql, security, ["100", "106"])
    removed = add_entry(sql, watchlist, infy, "price_above", "105")
    sql.execute("update watchlist_entries set deleted_at = now() where id = %s", (removed,))
    manual = add_entry(sql, watchlist, tcs, "manual", None)
    archived = add_entry(sql, watchlist, wipro, "price_above", "105")
    sql.execute("update watchlist_entries set status = 'archived' where id = %s", (archived,))

    result = check_alerts(database)

    assert (result.checked, result.fired) == (1, ())  # only the manual entry is active and live
    assert [entry_state(sql, entry)["status"] for entry in (removed, manual, archived)] == [
        "active",
        "active",
        "archived",
    ]


def test_the_repository_shows_the_bar_that_fired(database: Database, sql: Sql, watchlist: uuid.UUID) -> None:
    infy = add_security(sql, "INFY")
    add_bars(sql, infy, ["100", "106"])
    entry = add_entry(sql, watchlist, infy, "price_above", "105")

    check_alerts(database)

    with UnitOfWork(database.engine, read_only=True) as uow:
        view = uow.watchlists.entry(entry)
    assert view.trigger_bar == TriggerBar(
        date=DAYS[1],
        open=Decimal("104.94"),
        high=Decimal("106.0"),
        low=Decimal("104.94"),
        close=Decimal("106.0"),
        volume=1000,
        value=Decimal("106.0"),
    )
    assert view.trigger_bar is not None
    assert view.trigger_bar["close"] == Decimal("106.0")


def test_no_bars_means_nothing_is_checked(database: Database, sql: Sql, watchlist: uuid.UUID) -> None:
    add_entry(sql, watchlist, add_security(sql, "NEW"), "price_above", "10")

    assert check_alerts(database).as_of is None


def test_a_time_is_refused_as_the_as_of_date(database: Database) -> None:
    with pytest.raises(InvalidInput, match="as_of"):
        check_alerts(database, as_of=dt.datetime(2026, 1, 5, tzinfo=dt.UTC))


# The command


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="workstation")
    alerts_cli.register(parser.add_subparsers(dest="command"))
    return parser.parse_args(["alerts", "check", *argv])


def test_the_command_lists_what_fired_and_expired_and_exits_0(
    database: Database, sql: Sql, watchlist: uuid.UUID, capsys: pytest.CaptureFixture[str]
) -> None:
    infy, old = add_security(sql, "INFY"), add_security(sql, "OLD")
    add_bars(sql, infy, ["100", "106", "107"])
    add_entry(sql, watchlist, infy, "price_above", "105")
    add_entry(sql, watchlist, old, "manual", None, expiry=DAYS[0])

    code = alerts_cli.run(parse("--as-of", DAYS[2].isoformat()), database)

    out, err = capsys.readouterr()
    assert code == alerts_cli.EXIT_OK
    assert err == ""
    assert out.splitlines() == [
        f"alerts check as of {DAYS[2]}: 2 active entries checked, 1 triggered, 1 expired",
        f"triggered  INFY (NSE) price_above 105 — Alerts on {DAYS[1]}: close 106.0, measured 106.0",
        f"expired    OLD (NSE) manual — Alerts (expiry {DAYS[0]})",
    ]


def test_the_command_is_quiet_when_asked(database: Database, capsys: pytest.CaptureFixture[str]) -> None:
    assert alerts_cli.run(parse("--quiet"), database) == alerts_cli.EXIT_OK
    assert capsys.readouterr() == ("", "")


def test_the_workstation_command_refuses_a_bad_date_with_exit_2(
    database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    from tui.cli import main

    with pytest.raises(SystemExit) as exited:
        main(["--db", "postgresql://nobody@localhost/none", "alerts", "check", "--as-of", "2026-13-01"])

    assert exited.value.code == 2
    assert "'2026-13-01' is not a date" in capsys.readouterr().err


def test_the_workstation_command_runs_the_check(
    fresh_db: Any, sql: Sql, watchlist: uuid.UUID, capsys: pytest.CaptureFixture[str]
) -> None:
    from tui.cli import main

    infy = add_security(sql, "INFY")
    add_bars(sql, infy, ["100", "106"])
    entry = add_entry(sql, watchlist, infy, "price_above", "105")

    code = main(["--db", fresh_db.url, "alerts", "check"])

    assert code == 0
    assert "1 triggered" in capsys.readouterr().out
    assert fired_on(sql, entry) == DAYS[1].isoformat()
    assert json.loads(json.dumps(entry_state(sql, entry)["trigger_bar"]))["close"] == 106.0
