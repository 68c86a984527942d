"""One audited edit round trip (open a unit of work, read a watchlist entry, edit its thesis, commit), timed."""

from __future__ import annotations

import itertools
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Engine

from store import migrations
from store.db import Database, DatabaseTarget
from store.embedded import start_embedded
from store.repositories.watchlists import WatchlistRepository
from store.uow import UnitOfWork

ENTRIES = 50
BARS_PER_SECURITY = 2_500  # ten years of sessions, so the latest-close lookup crosses eleven yearly partitions
EDITS = 200
WARM_UP = 20
TARGET_MS = 10.0


def build(conninfo: str) -> None:
    """Securities with ten years of daily bars, and a watchlist holding each of them (committed, like real data)."""
    with psycopg.connect(conninfo) as connection:
        connection.execute(
            "insert into securities (symbol, exchange, instrument_type, name)"
            " select 'E' || lpad(g::text, 3, '0'), 'BENCH', 'equity', 'Edit ' || g from generate_series(1, %s) g",
            (ENTRIES,),
        )
        connection.execute("select ensure_ohlcv_partitions('ohlcv_daily', '2015-01-01', '2025-12-31')")
        connection.execute(
            """
            insert into ohlcv_daily (security_id, trade_date, open, high, low, close, volume)
            select s.id, d.day, 100, 110, 90, 100 + (d.n %% 7), 1000
            from (select day::date, row_number() over (order by day) as n
                  from generate_series('2015-06-01'::date, '2025-11-28'::date, '1 day') day
                  where extract(isodow from day) < 6 limit %s) d
            cross join securities s
            """,
            (BARS_PER_SECURITY,),
        )
        connection.execute(
            "insert into watchlists (name, owner) values ('Bench', 'bench');"
            " insert into watchlist_entries (watchlist_id, security_id, trigger_type, trigger_value, thesis)"
            " select w.id, s.id, 'price_above', 120, 'first thesis' from watchlists w cross join securities s"
        )
        connection.commit()
        connection.autocommit = True
        connection.execute("vacuum analyze")


def entry_ids(engine: Engine) -> list[Any]:
    with UnitOfWork(engine, actor="bench", read_only=True) as unit:
        repository = unit.repository(WatchlistRepository)
        return [entry.id for entry in repository.entries(repository.lists()[0].id)]


PHASES = ("total", "open and read", "edit", "commit", "close")


def one_edit(engine: Engine, entry_id: Any, thesis: str) -> dict[str, float]:
    """Milliseconds of one round trip as the edit modal would run it, per phase."""
    marks = [time.perf_counter()]
    with UnitOfWork(engine, actor="bench", reason="benchmark") as unit:
        repository = unit.repository(WatchlistRepository)
        entry = repository.entry(entry_id)  # the first statement also checks out, pings and begins
        marks.append(time.perf_counter())
        repository.edit(entry_id, entry.version, thesis=thesis)
        marks.append(time.perf_counter())
        unit.commit()
        marks.append(time.perf_counter())
    marks.append(time.perf_counter())
    spans = [(later - earlier) * 1000 for earlier, later in itertools.pairwise(marks)]
    return dict(zip(PHASES, [(marks[-1] - marks[0]) * 1000, *spans], strict=True))


def measure(engine: Engine) -> dict[str, list[float]]:
    ids = entry_ids(engine)
    for number in range(WARM_UP):
        one_edit(engine, ids[number % len(ids)], f"warm-up {number}")
    samples: dict[str, list[float]] = {phase: [] for phase in PHASES}
    for number in range(EDITS):
        for phase, spent in one_edit(engine, ids[number % len(ids)], f"thesis {number}").items():
            samples[phase].append(spent)
    reads = []
    for _ in range(50):
        with UnitOfWork(engine, actor="bench", read_only=True) as unit:
            repository = unit.repository(WatchlistRepository)
            watchlist_id = repository.lists()[0].id
            began = time.perf_counter()
            repository.entries(watchlist_id)
            reads.append((time.perf_counter() - began) * 1000)
    samples["entries() of the 50-entry list"] = reads
    return samples


def p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10)[-1]


def report(samples: dict[str, list[float]]) -> None:
    total, commit = samples["total"], samples["commit"]
    print(f"edit round trip over {EDITS} edits on the embedded server (target: median ≤ {TARGET_MS:.0f} ms)")
    for name, values in samples.items():
        print(f"  {name:32} median {statistics.median(values):6.2f} ms   p90 {p90(values):6.2f} ms")
    shares = [spent / whole for spent, whole in zip(commit, total, strict=True)]
    print(f"  {'commit share of the round trip':32} median {statistics.median(shares) * 100:5.1f} %")
    print(f"  {'commit share of summed time':32} {sum(commit) / sum(total) * 100:12.1f} %")
    verdict = "meets" if statistics.median(total) <= TARGET_MS else "MISSES"
    print(f"  {verdict} the target")


def main() -> None:
    server = start_embedded(Path(tempfile.mkdtemp(prefix="wsE")), cleanup="delete")
    database = Database(DatabaseTarget(server.params(), embedded_dir=server.data_dir))
    migrations.upgrade(database.engine)
    build(database.target.conninfo)
    report(measure(database.engine))
    database.close()


if __name__ == "__main__":
    main()
