"""Loader runs: freshness per source, the run history, the newest daily bar, and start/finish for loaders."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest
from sqlalchemy import Connection, text

from store.errors import InvalidInput, NotFound
from store.repositories.ingestion import IngestionRepository
from store.uow import UnitOfWork


def run(conn: Connection, source: str, hours_ago: float, status: str, minutes: float = 5, fetched: int = 10) -> int:
    """A finished run (or a running one) that started `hours_ago`, by the database's clock."""
    now = conn.execute(text("select now()")).scalar_one()
    started = now - dt.timedelta(hours=hours_ago)
    finished = None if status == "running" else started + dt.timedelta(minutes=minutes)
    return int(
        conn.execute(
            text(
                "insert into ingestion_logs (source, started_at, finished_at, status, records_fetched)"
                " values (:source, :started, :finished, :status, :fetched) returning id"
            ),
            {"source": source, "started": started, "finished": finished, "status": status, "fetched": fetched},
        ).scalar_one()
    )


@pytest.fixture
def ingestion(uow: UnitOfWork) -> IngestionRepository:
    return uow.repository(IngestionRepository)


def test_freshness_is_the_latest_run_of_each_source(conn: Connection, ingestion: IngestionRepository) -> None:
    run(conn, "nse_bhavcopy", 50, "success", fetched=1)
    run(conn, "nse_bhavcopy", 26, "success", fetched=2)
    run(conn, "nse_bhavcopy", 2, "failure", fetched=3)
    run(conn, "bulk_deals", 30, "partial", minutes=30)
    run(conn, "bulk_deals", 1, "running")
    deals, prices = ingestion.freshness()
    assert (prices.source, prices.status, prices.records_fetched) == ("nse_bhavcopy", "failure", 3)
    now = conn.execute(text("select now()")).scalar_one()
    assert prices.last_success_at == now - dt.timedelta(hours=26) + dt.timedelta(minutes=5)
    assert dt.timedelta(hours=1, minutes=50) < prices.age < dt.timedelta(hours=2)
    assert (deals.source, deals.status, deals.finished_at, deals.last_success_at) == (
        "bulk_deals",
        "running",
        None,
        None,
    )
    assert dt.timedelta(minutes=59) < deals.age < dt.timedelta(minutes=61)


def test_freshness_of_no_runs_is_empty(ingestion: IngestionRepository) -> None:
    assert ingestion.freshness() == []


def test_runs_come_newest_first(conn: Connection, ingestion: IngestionRepository) -> None:
    oldest = run(conn, "nse_bhavcopy", 30, "success")
    deals = run(conn, "bulk_deals", 20, "failure")
    newest = run(conn, "nse_bhavcopy", 10, "partial")
    assert [r.id for r in ingestion.runs()] == [newest, deals, oldest]
    assert [r.id for r in ingestion.runs("nse_bhavcopy")] == [newest, oldest]
    assert [r.id for r in ingestion.runs(limit=1)] == [newest]
    assert ingestion.runs("nobody") == []
    with pytest.raises(InvalidInput) as caught:
        ingestion.runs(limit=0)
    assert "limit" in caught.value.fields


def bar(conn: Connection, security_id: int, day: dt.date) -> None:
    conn.execute(
        text(
            "insert into ohlcv_daily (security_id, trade_date, open, high, low, close) values (:s, :d, 10, 10, 10, 10)"
        ),
        {"s": security_id, "d": day},
    )


def test_latest_trade_date_looks_in_every_partition(conn: Connection, ingestion: IngestionRepository) -> None:
    assert ingestion.latest_trade_date() is None
    conn.execute(text("select ensure_ohlcv_partitions('ohlcv_daily', '2024-01-01', '2025-12-31')"))
    security_id = conn.execute(
        text("insert into securities (symbol, exchange, instrument_type) values ('INFY', 'NSE', 'equity') returning id")
    ).scalar_one()
    bar(conn, security_id, dt.date(2024, 6, 3))
    bar(conn, security_id, dt.date(2025, 3, 14))
    assert ingestion.latest_trade_date() == dt.date(2025, 3, 14)
    bar(conn, security_id, dt.date(2026, 1, 2))  # no partition yet: the default one holds it
    assert ingestion.latest_trade_date() == dt.date(2026, 1, 2)


def test_a_loader_starts_and_finishes_a_run(conn: Connection, ingestion: IngestionRepository) -> None:
    run_id = ingestion.start_run("nse_bhavcopy")
    (started,) = ingestion.runs()
    assert (started.id, started.status, started.finished_at, started.execution_time_ms) == (
        run_id,
        "running",
        None,
        None,
    )
    # The loader ran for a second and a half.
    conn.execute(
        text("update ingestion_logs set started_at = started_at - interval '1.5 seconds' where id = :id"),
        {"id": run_id},
    )
    finished = ingestion.finish_run(
        run_id, status="partial", fetched=2000, inserted=1990, updated=3, failed=7, errors=[{"symbol": "XYZ"}]
    )
    assert (finished.status, finished.records_fetched, finished.records_failed) == ("partial", 2000, 7)
    assert finished.errors == ({"symbol": "XYZ"},)
    assert finished.finished_at is not None
    assert finished.execution_time_ms is not None
    assert 1500 <= finished.execution_time_ms < 60_000
    elapsed = finished.finished_at - started.started_at
    assert finished.execution_time_ms == elapsed // dt.timedelta(milliseconds=1) + 1500
    assert ingestion.freshness()[0].status == "partial"


@pytest.mark.parametrize(
    ("arguments", "field", "words"),
    [
        ({"status": "running"}, "status", "not one of success, partial, failure"),
        ({"status": "done"}, "status", "not one of"),
        ({"failed": -1}, "failed", "0 or more"),
        ({"fetched": 2.0}, "fetched", "whole number"),
        ({"inserted": None}, "inserted", "whole number"),
        ({"errors": "timeout"}, "errors", "JSON array"),
        ({"errors": [{"at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)}]}, "errors", "[0].at: a datetime"),
        ({"errors": [math.nan]}, "errors", "not a JSON number"),
        ({"run_id": "1"}, "run_id", "whole number"),
    ],
)
def test_finish_run_refuses_bad_input_and_writes_nothing(
    conn: Connection, ingestion: IngestionRepository, arguments: dict[str, Any], field: str, words: str
) -> None:
    run_id = ingestion.start_run("nse_bhavcopy")
    good: dict[str, Any] = {
        "run_id": run_id,
        "status": "success",
        "fetched": 1,
        "inserted": 1,
        "updated": 0,
        "failed": 0,
    }
    with pytest.raises(InvalidInput) as caught:
        ingestion.finish_run(**(good | arguments))
    assert words in caught.value.fields[field]
    assert conn.execute(text("select status from ingestion_logs where id = :id"), {"id": run_id}).scalar() == "running"


def test_a_run_finishes_once(ingestion: IngestionRepository) -> None:
    run_id = ingestion.start_run("nse_bhavcopy")
    ingestion.finish_run(run_id, status="failure", fetched=0, inserted=0, updated=0, failed=0)
    with pytest.raises(InvalidInput) as caught:
        ingestion.finish_run(run_id, status="success", fetched=0, inserted=0, updated=0, failed=0)
    assert "already finished (failure)" in caught.value.fields["run_id"]
    assert ingestion.runs()[0].status == "failure"
    with pytest.raises(NotFound):
        ingestion.finish_run(run_id + 1000, status="success", fetched=0, inserted=0, updated=0, failed=0)


def test_start_run_needs_a_source(ingestion: IngestionRepository) -> None:
    for source in ("", "   "):
        with pytest.raises(InvalidInput) as caught:
            ingestion.start_run(source)
        assert "source" in caught.value.fields
    assert ingestion.runs() == []
