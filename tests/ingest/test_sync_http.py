"""`workstation sync --from-url`: the EOD JSON API source against a small HTTP server on 127.0.0.1."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import psycopg
import pytest

from store.db import Database
from store.errors import InvalidInput
from store.ingest import sync_cli
from store.ingest.sync import default_actor, sync
from store.ingest.sync_http import TOKEN_ENV, HttpSettings, HttpSource
from store.ingest.writer import ProgressEvent
from tests.conftest import ScratchDatabase

from .helpers import Sql, add_security, bar, bar_count, price

TOKEN = "s3cret-T0ken-4711"
FIRST_DAY = dt.date(2024, 1, 1)


@dataclass
class Answer:
    """One scripted answer: a status, a JSON body (or raw bytes), headers; `hang` waits first, `drop` hangs up."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    hang: float = 0.0
    drop: bool = False


class EodServer:
    """An EODHD-like API: bars per code (INFY.NSE) answered from `from`, scripted answers first, else 404."""

    def __init__(self) -> None:
        self.bars: dict[str, list[dict[str, Any]]] = {}
        self.scripts: dict[str, list[Answer]] = {}
        self.always: dict[str, Answer] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/api"

    def codes(self) -> list[str]:
        """The codes asked for, in order."""
        return [path.removeprefix("/api/eod/") for path, _ in self.requests]

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer(self, path: str, query: dict[str, str]) -> Answer:
        with self._lock:
            self.requests.append((path, query))
            code = path.removeprefix("/api/eod/")
            if self.scripts.get(code):
                return self.scripts[code].pop(0)
        if code in self.always:
            return self.always[code]
        if code not in self.bars:
            return Answer(404, {"error": "Ticker Not Found"})
        first = query.get("from", "")
        return Answer(200, [item for item in self.bars[code] if item["date"] >= first])


def _handler(server: EodServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urllib.parse.urlsplit(self.path)
            answer = server.answer(parts.path, dict(urllib.parse.parse_qsl(parts.query)))
            if answer.hang:
                time.sleep(answer.hang)
            if answer.drop:
                self.close_connection = True
                return
            body = answer.body if isinstance(answer.body, bytes) else json.dumps(answer.body).encode()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # a client that timed out hung up
                self.send_response(answer.status)
                for name, value in {"Content-Type": "application/json", **answer.headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def eod() -> Iterator[EodServer]:
    server = EodServer()
    server.start()
    yield server
    server.stop()


class FakeClock:
    """time for the rate limit and the backoff: sleeping only moves the clock (and is written down)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(round(seconds, 3))
        self.now += seconds

    def backoffs(self) -> list[float]:
        """The waits longer than the rate limit's spacing."""
        return [wait for wait in self.waits if wait > 0.01]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def source(eod: EodServer, clock: FakeClock, **settings: Any) -> HttpSource:
    chosen = {"timeout": 5.0, "retries": 3, "backoff": 1.0, "requests_per_second": 1000.0, **settings}
    return HttpSource(eod.base_url, TOKEN, HttpSettings(**chosen), sleep=clock.sleep, clock=clock)


def daily_bars(first: dt.date, days: int, close: int = 100) -> list[dict[str, Any]]:
    """`days` consecutive EODHD bars from `first`, prices rising by 1 a day."""
    bars = []
    for offset in range(days):
        level = close + offset
        bars.append(
            {
                "date": (first + dt.timedelta(days=offset)).isoformat(),
                "open": level,
                "high": level + 2,
                "low": level - 2,
                "close": level + 1,
                "adjusted_close": level + 0.5,
                "volume": 1000 + offset,
            }
        )
    return bars


def store_bars(sql: Sql, security_id: int, first: dt.date, days: int) -> None:
    last = first + dt.timedelta(days=days - 1)
    sql.execute("select ensure_ohlcv_partitions('ohlcv_daily', %s, %s)", (first, last))
    sql.execute(
        "insert into ohlcv_daily (security_id, trade_date, open, high, low, close, volume, source)"
        " select %s, d::date, 50, 60, 40, 55, 10, 'test' from generate_series(%s::date, %s::date, '1 day') d",
        (security_id, first, last),
    )


def synced_at(sql: Sql, security_id: int) -> dt.datetime | None:
    row = sql.execute("select last_synced_at from securities where id = %s", (security_id,)).fetchone()
    assert row is not None
    value: dt.datetime | None = row[0]
    return value


def last_log(sql: Sql) -> dict[str, Any]:
    cursor = sql.execute("select * from ingestion_logs order by id desc limit 1")
    row = cursor.fetchone()
    assert row is not None
    assert cursor.description is not None
    return dict(zip([column.name for column in cursor.description], row, strict=True))


def test_a_sync_asks_for_the_days_after_the_latest_bar_merges_them_and_marks_the_security(
    database: Database, sql: Sql, eod: EodServer, clock: FakeClock
) -> None:
    infy = add_security(sql, "INFY", "NSE")
    aapl = add_security(sql, "AAPL", "NASDAQ")
    store_bars(sql, infy, FIRST_DAY, 3)
    eod.bars["INFY.NSE"] = daily_bars(FIRST_DAY, 7)
    eod.bars["AAPL.US"] = daily_bars(FIRST_DAY, 2)

    report = sync(database, source(eod, clock))

    queries = {path.removeprefix("/api/eod/"): query for path, query in eod.requests}
    assert queries["INFY.NSE"] == {"from": "2024-01-04", "fmt": "json", "api_token": TOKEN}
    assert queries["AAPL.US"] == {"fmt": "json", "api_token": TOKEN}  # nothing stored: the whole history
    assert bar_count(sql, "INFY", "NSE") == 7
    assert bar(sql, "INFY", "NSE", FIRST_DAY)["close"] == price("55")  # stored bars are not fetched again
    new = bar(sql, "INFY", "NSE", dt.date(2024, 1, 7))
    assert (new["open"], new["close"], new["adj_close"], new["volume"]) == (
        price("106"), price("107"), price("106.5"), 1006,
    )  # fmt: skip
    assert new["source"] == "sync:http"
    assert bar_count(sql, "AAPL", "NASDAQ") == 2
    assert synced_at(sql, infy) is not None
    assert synced_at(sql, aapl) is not None
    assert (report.inserted, report.updated, report.status) == (6, 0, "success")
    log = last_log(sql)
    assert (log["source"], log["status"], log["records_fetched"], log["records_inserted"]) == (
        "sync:http", "success", 6, 6,
    )  # fmt: skip


def test_securities_synced_within_stale_after_are_skipped(
    database: Database, sql: Sql, eod: EodServer, clock: FakeClock
) -> None:
    fresh = add_security(sql, "INFY", "NSE")
    stale = add_security(sql, "TCS", "NSE")
    sql.execute("update securities set last_synced_at = now() - interval '1 hour' where id = %s", (fresh,))
    sql.execute("update securities set last_synced_at = now() - interval '30 hours' where id = %s", (stale,))
    eod.bars["INFY.NSE"] = eod.bars["TCS.NSE"] = daily_bars(FIRST_DAY, 2)

    report = sync(database, source(eod, clock))

    assert eod.codes() == ["TCS.NSE"]
    assert [target.label for target in report.skipped] == ["NSE:INFY"]
    assert bar_count(sql, "INFY", "NSE") == 0

    again = sync(database, source(eod, clock), stale_after=dt.timedelta(0))

    assert [result.target.label for result in again.synced] == ["NSE:INFY", "NSE:TCS"]
    assert bar_count(sql, "INFY", "NSE") == 2


def test_inactive_securities_and_types_without_daily_bars_are_not_synced(
    database: Database, sql: Sql, eod: EodServer, clock: FakeClock
) -> None:
    add_security(sql, "INFY", "NSE")
    retired = add_security(sql, "OLD", "NSE")
    sql.execute("update securities set is_active = false where id = %s", (retired,))
    sql.execute(
        "insert into securities (symbol, exchange, instrument_type, attributes) values ('NIFTYFUT', 'NSE', 'future',"
        """ '{"underlying": "NIFTY", "contract_month": "2024-01", "multiplier": 50}')"""
    )
    eod.bars["INFY.NSE"] = daily_bars(FIRST_DAY, 1)

    sync(database, source(eod, clock))

    assert eod.codes() == ["INFY.NSE"]
    with pytest.raises(InvalidInput, match=r"NSE:OLD is not active; NIFTYFUT has no daily bars \(future\); XYZ is"):
        sync(database, source(eod, clock), symbols=["NSE:OLD", "NIFTYFUT", "XYZ"])


def test_symbols_restrict_the_run(database: Database, sql: Sql, eod: EodServer, clock: FakeClock) -> None:
    add_security(sql, "INFY", "NSE")
    add_security(sql, "TCS", "NSE")
    eod.bars["INFY.NSE"] = eod.bars["TCS.NSE"] = daily_bars(FIRST_DAY, 1)

    sync(database, source(eod, clock), symbols=["tcs"])

    assert eod.codes() == ["TCS.NSE"]


def test_a_refused_token_stops_the_run_with_a_clear_error_and_exit_3(
    database: Database, sql: Sql, eod: EodServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    infy = add_security(sql, "INFY", "NSE")
    add_security(sql, "TCS", "NSE")
    eod.always["INFY.NSE"] = eod.always["TCS.NSE"] = Answer(401, {"message": "Unauthenticated"})
    monkeypatch.setenv(TOKEN_ENV, TOKEN)

    code = sync_cli.run(parse("--from-url", eod.base_url), database)

    out, err = capsys.readouterr()
    assert code == sync_cli.EXIT_STOPPED
    assert f"refused the API token (HTTP 401): check {TOKEN_ENV}" in err
    assert len(eod.requests) == 1  # not retried, not asked again for the next security
    assert TOKEN not in out + err
    assert synced_at(sql, infy) is None
    assert last_log(sql)["status"] == "failure"


def test_a_missing_token_is_a_clear_error_before_any_request(
    database: Database, eod: EodServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(TOKEN_ENV, raising=False)

    code = sync_cli.run(parse("--from-url", eod.base_url), database)

    assert code == sync_cli.EXIT_INCOMPLETE
    assert f"set {TOKEN_ENV}" in capsys.readouterr().err
    assert eod.requests == []


def test_an_unknown_symbol_is_reported_and_the_others_are_synced(
    database: Database, sql: Sql, eod: EodServer, clock: FakeClock
) -> None:
    gone = add_security(sql, "GONE", "NSE")
    add_security(sql, "INFY", "NSE")
    eod.bars["INFY.NSE"] = daily_bars(FIRST_DAY, 3)

    report = sync(database, source(eod, clock))

    (failed,) = report.failed
    assert failed.target.label == "NSE:GONE"
    assert failed.message is not None
    assert "does not know NSE:GONE (HTTP 404)" in failed.message
    assert TOKEN not in failed.message
    assert "api_token=***" in failed.message
    assert [result.target.label for result in report.synced] == ["NSE:INFY"]
    assert bar_count(sql, "INFY", "NSE") == 3
    assert synced_at(sql, gone) is None
    assert eod.codes().count("GONE.NSE") == 1  # a 404 is not retried
    log = last_log(sql)
    assert log["status"] == "partial"
    assert {"security": "NSE:GONE", "message": failed.message} in log["errors"]


def test_rate_limited_requests_wait_for_retry_after_then_succeed(
    database: Database, sql: Sql, eod: EodServer, clock: FakeClock
) -> None:
    add_security(sql, "INFY", "NSE")
    eod.bars["INFY.NSE"] = daily_bars(FIRST_DAY, 2)
    eod.scripts["INFY.NSE"] = [Answer(429, {}, {"Retry-After": "7"}), Answer(429, {})]

    report = sync(database, source(eod, clock, backoff=0.5))

    assert clock.backoffs() == [7.0, 1.0]  # Retry-After, then the backoff of the second attempt
    assert eod.codes() == ["INFY.NSE"] * 3
    assert report.status == "success"
    assert bar_count(sql, "INFY", "NSE") == 2


def test_rate_limiting_that_does_not_end_stops_the_run_with_a_message(
    database: Database, sql: Sql, eod: EodServer, clock: FakeClock
) -> None:
    add_security(sql, "INFY", "NSE")
    eod.always["INFY.NSE"] = Answer(429, {})

    report = sync(database, source(eod, clock, retries=2))

    assert report.stopped is not None
    assert "kept rate limiting (HTTP 429)" in report.stopped
    assert "(3 attempts)" in report.stopped
    assert clock.backoffs() == [1.0, 2.0]


def test_a_retry_after_longer_than_we_wait_gives_up_at_once(
    database: Database, sql: Sql, eod: EodServer, clock: FakeClock
) -> None:
    add_security(sql, "INFY", "NSE")
    eod.always["INFY.NSE"] = Answer(429, {}, {"Retry-After": "3600"})

    report = sync(database, source(eod, clock))

    assert report.stopped is not None
    assert "asks to wait 3600 s" in report.stopped
    assert len(eod.requests) == 1


def test_requests_are_spaced_by_the_rate_limit(database: Database, sql: Sql, eod: EodServer, clock: FakeClock) -> None:
    for symbol in ("AAA", "BBB", "CCC"):
        add_security(sql, symbol, "NSE")
        eod.bars[f"{symbol}.NSE"] = daily_bars(FIRST_DAY, 1)

    sync(database, source(eod, clock, requests_per_second=2.0))

    assert clock.waits == [0.5, 0.5]
    assert len(eod.requests) == 3


def test_server_errors_are_retried_with_exponential_backoff(
    database: Database, sql: Sql, eod: EodServer, clock: FakeClock
) -> None:
    add_security(sql, "INFY", "NSE")
    eod.bars["INFY.NSE"] = daily_bars(FIRST_DAY, 2)
    eod.scripts["INFY.NSE"] = [Answer(503, {}), Answer(502, {}), Answer(500, {})]

    report = sync(database, source(eod, clock, backoff=0.25))

    assert clock.backoffs() == [0.25, 0.5, 1.0]
    assert report.status == "success"
    assert bar_count(sql, "INFY", "NSE") == 2


def test_timeouts_and_dropped_connections_are_retried(
    database: Database, sql: Sql, eod: EodServer, clock: FakeClock
) -> None:
    add_security(sql, "INFY", "NSE")
    eod.bars["INFY.NSE"] = daily_bars(FIRST_DAY, 2)
    eod.scripts["INFY.NSE"] = [Answer(hang=1.0), Answer(drop=True)]

    report = sync(database, source(eod, clock, timeout=0.2))

    assert len(eod.requests) == 3
    assert report.status == "success"
    assert bar_count(sql, "INFY", "NSE") == 2


def test_invalid_bars_fail_only_their_security_with_the_place_of_each_problem(
    database: Database, sql: Sql, eod: EodServer, clock: FakeClock
) -> None:
    bad = add_security(sql, "BAD", "NSE")
    add_security(sql, "INFY", "NSE")
    broken = daily_bars(FIRST_DAY, 3)
    broken[1]["high"] = "12.5x"
    broken[2]["low"] = 500
    eod.bars["BAD.NSE"] = broken
    eod.bars["INFY.NSE"] = daily_bars(FIRST_DAY, 3)

    report = sync(database, source(eod, clock))

    (failed,) = report.failed
    assert [str(problem).split("?")[1] for problem in failed.problems] == [
        "fmt=json&api_token=***:2: column 'high' = '12.5x' is not a number",
        "fmt=json&api_token=***:3: column 'high' = '104' is below Low (500)",
    ]
    assert bar_count(sql, "BAD", "NSE") == 0  # all or nothing per security
    assert synced_at(sql, bad) is None
    assert bar_count(sql, "INFY", "NSE") == 3
    assert last_log(sql)["records_failed"] == 2


def test_a_run_stopped_after_the_first_security_resumes_with_the_others(
    database: Database, sql: Sql, eod: EodServer, clock: FakeClock
) -> None:
    first, second, third = (add_security(sql, symbol, "NSE") for symbol in ("AAA", "BBB", "CCC"))
    for code in ("AAA.NSE", "BBB.NSE", "CCC.NSE"):
        eod.bars[code] = daily_bars(FIRST_DAY, 4)
    eod.always["BBB.NSE"] = Answer(500, {})

    stopped = sync(database, source(eod, clock, retries=1))

    assert stopped.stopped is not None
    assert "HTTP 500" in stopped.stopped
    assert [result.target.label for result in stopped.synced] == ["NSE:AAA"]
    assert synced_at(sql, first) is not None
    assert (synced_at(sql, second), synced_at(sql, third)) == (None, None)
    assert (bar_count(sql, "AAA", "NSE"), bar_count(sql, "CCC", "NSE")) == (4, 0)
    assert last_log(sql)["status"] == "partial"

    del eod.always["BBB.NSE"]
    eod.requests.clear()
    resumed = sync(database, source(eod, clock))

    assert eod.codes() == ["BBB.NSE", "CCC.NSE"]
    assert [target.label for target in resumed.skipped] == ["NSE:AAA"]
    assert (bar_count(sql, "BBB", "NSE"), bar_count(sql, "CCC", "NSE")) == (4, 4)
    assert synced_at(sql, second) is not None
    assert synced_at(sql, third) is not None


def test_an_interrupted_run_keeps_the_finished_securities_and_logs_the_interruption(
    database: Database, sql: Sql, eod: EodServer, clock: FakeClock
) -> None:
    first = add_security(sql, "AAA", "NSE")
    second = add_security(sql, "BBB", "NSE")
    eod.bars["AAA.NSE"] = eod.bars["BBB.NSE"] = daily_bars(FIRST_DAY, 2)

    def interrupt_at_the_second(event: ProgressEvent) -> None:
        if event.file == "NSE:BBB":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sync(database, source(eod, clock), progress=interrupt_at_the_second)

    assert synced_at(sql, first) is not None
    assert synced_at(sql, second) is None
    log = last_log(sql)
    assert (log["status"], log["records_inserted"]) == ("partial", 2)
    assert {"message": "stopped: interrupted"} in log["errors"]


def test_the_token_never_appears_in_output_or_logs(
    database: Database, sql: Sql, eod: EodServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    add_security(sql, "AAA", "NSE")
    add_security(sql, "BBB", "NSE")
    add_security(sql, "CCC", "NSE")
    eod.bars["BBB.NSE"] = [{"date": "2024-01-02", "open": "x", "high": 2, "low": 1, "close": 1}]
    eod.always["CCC.NSE"] = Answer(503, {})
    monkeypatch.setenv(TOKEN_ENV, TOKEN)

    code = sync_cli.run(parse("--from-url", eod.base_url, "--retries", "0", "--rate", "1000"), database)

    out, err = capsys.readouterr()
    assert code == sync_cli.EXIT_STOPPED
    assert "does not know NSE:AAA (HTTP 404)" in err
    assert "HTTP 503" in err
    assert "column 'open' = 'x' is not a number" in err
    assert TOKEN not in out + err
    assert TOKEN not in json.dumps(last_log(sql)["errors"])
    assert all(query["api_token"] == TOKEN for _, query in eod.requests)


def test_the_cli_prints_a_summary_line(
    database: Database, sql: Sql, eod: EodServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    add_security(sql, "INFY", "NSE")
    eod.bars["INFY.NSE"] = daily_bars(FIRST_DAY, 3)
    monkeypatch.setenv(TOKEN_ENV, TOKEN)

    code = sync_cli.run(parse("--from-url", eod.base_url, "--rate", "1000"), database)

    out, err = capsys.readouterr()
    assert code == sync_cli.EXIT_OK
    assert out.startswith(f"sync from {eod.base_url}: 1 synced (3 bars inserted, 0 updated), 0 fresh skipped in ")
    assert err == ""


def test_a_dry_run_fetches_and_writes_nothing(database: Database, sql: Sql, eod: EodServer, clock: FakeClock) -> None:
    infy = add_security(sql, "INFY", "NSE")
    eod.bars["INFY.NSE"] = daily_bars(FIRST_DAY, 3)
    logs_before = sql.execute("select count(*) from ingestion_logs").fetchone()

    report = sync(database, source(eod, clock), dry_run=True)

    assert (report.inserted, report.dry_run) == (3, True)
    assert bar_count(sql, "INFY", "NSE") == 0
    assert synced_at(sql, infy) is None
    assert sql.execute("select count(*) from ingestion_logs").fetchone() == logs_before


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="workstation")
    sync_cli.register(parser.add_subparsers(dest="command"))
    return parser.parse_args(["sync", *argv])


def test_a_run_is_announced_once_and_market_overview_shows_the_new_bars(
    database: Database, sql: Sql, eod: EodServer, clock: FakeClock
) -> None:
    infy = add_security(sql, "INFY", "NSE")
    add_security(sql, "TCS", "NSE")
    store_bars(sql, infy, FIRST_DAY, 3)
    eod.bars["INFY.NSE"] = daily_bars(FIRST_DAY, 5)
    eod.bars["TCS.NSE"] = daily_bars(dt.date(2024, 1, 2), 2)

    with psycopg.connect(database.target.conninfo, autocommit=True) as listener:
        listener.execute("listen workstation_changes")

        sync(database, source(eod, clock))

        notices = [json.loads(notice.payload) for notice in listener.notifies(timeout=2, stop_after=2)]
    assert notices == [
        {
            "table": "ohlcv_daily",
            "op": "load",
            "id": None,
            "source": "sync:http",
            "first_day": "2024-01-02",
            "last_day": "2024-01-05",
            "rows": 4,
            "actor": default_actor("http"),
        }
    ]
    row = sql.execute("select trade_date, close from market_overview where symbol = 'INFY'").fetchone()
    assert row == (dt.date(2024, 1, 5), price("105"))


def test_a_killed_run_leaves_the_finished_securities_marked_and_the_next_run_resumes(
    database: Database, fresh_db: ScratchDatabase, sql: Sql, eod: EodServer, clock: FakeClock
) -> None:
    first, second, third = (add_security(sql, symbol, "NSE") for symbol in ("AAA", "BBB", "CCC"))
    for code in ("AAA.NSE", "BBB.NSE", "CCC.NSE"):
        eod.bars[code] = daily_bars(FIRST_DAY, 3)
    eod.scripts["BBB.NSE"] = [Answer(hang=60.0)]  # the run is killed while it waits for the second security
    command = [sys.executable, "-m", "tui.cli", "--db", fresh_db.url, "sync", "--from-url", eod.base_url]
    process = subprocess.Popen(
        [*command, "--rate", "1000"], env={**os.environ, TOKEN_ENV: TOKEN}, stdout=subprocess.PIPE
    )
    try:
        waited = 0.0
        while "BBB.NSE" not in eod.codes() and process.poll() is None and waited < 120:
            time.sleep(0.05)
            waited += 0.05
        assert "BBB.NSE" in eod.codes()
    finally:
        process.kill()
        process.communicate()

    assert synced_at(sql, first) is not None
    assert bar_count(sql, "AAA", "NSE") == 3
    assert (synced_at(sql, second), synced_at(sql, third)) == (None, None)

    eod.requests.clear()
    sync(database, source(eod, clock))

    assert eod.codes() == ["BBB.NSE", "CCC.NSE"]
    assert synced_at(sql, second) is not None
    assert synced_at(sql, third) is not None
