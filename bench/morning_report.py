"""Morning report and alerts check on the demo universe: `uv run python -m bench.morning_report [--runs 7]`.

Builds the demo (default size: 600 securities, 10 years; `--securities`, `--years` to change it) into a database on
a new embedded server that is deleted afterwards, then times, each as its own committed transaction as the
command runs it: `generate_morning_report` for the day after the last session (the first run inserts, the others
replace), the report's reads and rendering alone (read-only), and `check_alerts` (the first run fires and expires
what the demo left active; the next ones find nothing new). Target: the morning report ≤ 2 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

from store import migrations
from store.analytics.alerts import check_alerts
from store.analytics.morning import generate_morning_report, read_morning_data, render
from store.db import Database, DatabaseTarget
from store.demo import DEFAULT_SECURITIES, DEFAULT_YEARS, build_demo
from store.embedded import start_embedded
from store.uow import UnitOfWork

LAST_SESSION = dt.date(2026, 11, 20)
TARGET_SECONDS = 2.0


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def line(name: str, samples: list[float]) -> str:
    return (
        f"{name:55} median {statistics.median(samples) * 1000:7.0f} ms  min {min(samples) * 1000:7.0f} ms"
        f"  max {max(samples) * 1000:7.0f} ms  (n={len(samples)})"
    )


def read_and_render(database: Database, day: dt.date) -> int:
    with UnitOfWork(database.engine, read_only=True) as uow:
        content, _, _ = render(read_morning_data(uow.session, day))
    return len(content)


def measure(database: Database, day: dt.date, runs: int) -> None:
    alerts = [timed(lambda: check_alerts(database)) for _ in range(3)]
    first_check = alerts[0][1]
    print(
        f"alerts check as of {first_check.as_of}: {first_check.checked} active entries, "
        f"{len(first_check.fired)} fired, {len(first_check.expired)} expired"
    )
    reports = [timed(lambda: generate_morning_report(database, day=day)) for _ in range(runs)]
    reads = [timed(lambda: read_and_render(database, day))[0] for _ in range(runs)]
    report = reports[-1][1].report
    print(
        f"morning report {report.report_date}: {report.stocks_analyzed} equities, "
        f"{report.recommendations_count} symbols mentioned, {len(report.content):,} characters"
    )
    print(line("morning report (generate and store, committed)", [seconds for seconds, _ in reports]))
    print(line("morning report reads and rendering only", reads))
    print(line("alerts check (first run, then re-runs)", [seconds for seconds, _ in alerts]))
    median = statistics.median(seconds for seconds, _ in reports)
    print(f"target ≤ {TARGET_SECONDS:.0f} s: {'met' if median <= TARGET_SECONDS else 'MISSED'}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.morning_report")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--securities", type=int, default=DEFAULT_SECURITIES)
    parser.add_argument("--years", type=int, default=DEFAULT_YEARS)
    parser.add_argument("--show", action="store_true", help="print the report's Markdown at the end")
    args = parser.parse_args()
    server = start_embedded(Path(tempfile.mkdtemp(prefix="wsm")), database="morning_bench", cleanup="delete")
    database = Database(DatabaseTarget(server.params(), embedded_dir=server.data_dir))
    try:
        migrations.upgrade(database.engine)
        started = time.perf_counter()
        summary = build_demo(database, securities=args.securities, years=args.years, end=LAST_SESSION)
        with psycopg.connect(database.target.conninfo, autocommit=True) as connection:
            connection.execute("vacuum analyze")
        rows = sum(summary.rows.values())
        print(f"demo built: {rows:,} rows in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        day = summary.last_day + dt.timedelta(days=1)
        measure(database, day, args.runs)
        if args.show:
            with UnitOfWork(database.engine, read_only=True) as uow:
                print(uow.reports.latest("morning").content)  # type: ignore[union-attr]
    finally:
        database.close()


if __name__ == "__main__":
    main()
