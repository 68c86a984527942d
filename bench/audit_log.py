"""The audit log at 1,000,000 entries: first page, filters, text search and paging, as the screen reads them.

`uv run python -m bench.audit_log [--runs 7] [--entries N] [--data-dir DIR] [--explain] [--only TEXT]`, or
`python -m bench audit` (first pages only). Fills a temporary embedded database (kept and reused with
--data-dir) with entries shaped like the trigger's: people, agents and system:alerts changing watchlist
entries, queue items, signals, analysis results, reports, orders and trades, with their rows before and after
as JSON; generated server-side in one INSERT … SELECT, indexes rebuilt after. Each case is read through
`tui.screens.audit_log.data`, the functions the screen's workers call: the page (which the analyst waits for,
against 100 ms unfiltered and 300 ms filtered) and the count (a second worker, shown when it arrives).
--explain prints the server's plan of each page read.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Engine, event

import store
from store import migrations
from store.db import Database, DatabaseTarget
from store.embedded import start_embedded
from tui.screens.audit_log.data import AuditFilter, count_matches, read_page

FIRST_PAGE_TARGET_MS = 100.0
FILTER_TARGET_MS = 300.0
FIRST_DAY = dt.datetime(2024, 11, 25, tzinfo=dt.UTC)
DAYS = 730
PEOPLE = ("asha.rao", "bob.kumar", "carol.dsouza", "dev.mehta", "esha.iyer", "farhan.ali", "gita.nair", "hari.prasad")
AGENTS = ("agent:flow-agent", "agent:momentum-agent", "agent:value-agent", "agent:news-agent", "agent:breakout-scan")
KNOWN_SYMBOLS = (
    "INFY", "TCS", "RELIANCE", "HDFCBANK", "ICICIBANK", "SBIN", "ITC", "LT", "AXISBANK", "KOTAKBANK", "WIPRO",
    "HCLTECH", "MARUTI", "TITAN", "BAJFINANCE", "ASIANPAINT", "SUNPHARMA", "ULTRACEMCO", "NESTLEIND", "ONGC",
)  # fmt: skip
WORDS = (
    "breakout", "pullback", "volume", "base", "cup", "handle", "earnings", "guidance", "margin", "support",
    "resistance", "retest", "gap", "trendline", "consolidation", "flag", "wedge", "accumulation", "distribution",
    "momentum", "stage", "tight", "range", "pivot", "sector", "rotation", "upgrade", "downgrade", "results", "order",
)  # fmt: skip
RARE_WORD = "tsunami"  # in the reason of one entry in 40,000
MIDDLE = FIRST_DAY + dt.timedelta(days=DAYS // 2)
# Each case: what it is, the filter, and how many pages the analyst paged through before (`]`, as the screen does).
CASES: tuple[tuple[str, AuditFilter, int], ...] = (
    ("first page, no filter", AuditFilter(), 0),
    ("actor asha.rao (a person)", AuditFilter(actor="asha.rao"), 0),
    ("actor system:alerts (a third of the log)", AuditFilter(actor="system:alerts"), 0),
    ("entity research_queue", AuditFilter(entity_type="research_queue"), 0),
    (
        "actor system:alerts + entity watchlist_entries",
        AuditFilter(actor="system:alerts", entity_type="watchlist_entries"),
        0,
    ),
    ("time range: the last year", AuditFilter(since=MIDDLE), 0),
    ("time range: one week a year ago", AuditFilter(since=MIDDLE, until=MIDDLE + dt.timedelta(days=7)), 0),
    ("text: common word 'breakout'", AuditFilter(text="breakout"), 0),
    ("text: symbol 'INFY' (7 %)", AuditFilter(text="INFY"), 0),
    ("text: symbol 'ICICIBANK' (1 %)", AuditFilter(text="ICICIBANK"), 0),
    ("text: symbol 'ONGC' (0.4 %)", AuditFilter(text="ONGC"), 0),
    ("text: prefix 'watchl'", AuditFilter(text="watchl"), 0),
    ("text: two words 'cup handle'", AuditFilter(text="cup handle"), 0),
    (f"text: rare word '{RARE_WORD}'", AuditFilter(text=RARE_WORD), 0),
    ("text: no match 'zyzzyva'", AuditFilter(text="zyzzyva"), 0),
    ("text: an entity id (rare, 6 parts)", AuditFilter(text="{entity_id}"), 0),
    ("actor asha.rao + text 'breakout'", AuditFilter(actor="asha.rao", text="breakout"), 0),
    ("actor asha.rao + text 'ONGC'", AuditFilter(actor="asha.rao", text="ONGC"), 0),
    (f"actor system:alerts + text '{RARE_WORD}'", AuditFilter(actor="system:alerts", text=RARE_WORD), 0),
    (
        "time range (a week) + text 'breakout'",
        AuditFilter(since=MIDDLE, until=MIDDLE + dt.timedelta(days=7), text="breakout"),
        0,
    ),
    (
        "time range (a week) + text 'INFY'",
        AuditFilter(since=MIDDLE, until=MIDDLE + dt.timedelta(days=7), text="INFY"),
        0,
    ),
    ("page 51 (after 50 pages), no filter", AuditFilter(), 50),
    ("page 11 (after 10 pages), text 'breakout'", AuditFilter(text="breakout"), 10),
    ("page 11 (after 10 pages), text 'cup handle'", AuditFilter(text="cup handle"), 10),
)

# One row per entry: a kind (who does what to which table) and the random numbers its fields are made from.
BUILD = """
with params as (
    select %(first_day)s::timestamptz as first_day, %(days)s::int as days, %(entries)s::int as entries,
           %(people)s::text[] as people, %(agents)s::text[] as agents,
           %(symbols)s::text[] as symbols, %(words)s::text[] as words
),
drawn as (
    select n, random() as kind, random() as r1, random() as r2, random() as r3,
           1 + floor(cardinality(p.symbols) * power(random(), 3))::int as symbol_no,
           md5('list' || (n %% 40))::uuid as list_id, gen_random_uuid() as row_id,
           p.first_day + (p.days * interval '1 day') * (n::float8 / p.entries) as at
    from params p, generate_series(1, %(entries)s) n
),
worded as (
    select d.*, p.symbols[d.symbol_no] as symbol, 1000 + d.symbol_no as security_id,
           p.words[1 + floor(d.r1 * cardinality(p.words))::int] || ' ' || p.words[1 + floor(d.r2 * 10)::int]
               || ' ' || p.words[1 + floor(d.r3 * cardinality(p.words))::int] as phrase,
           p.people[1 + floor(d.r2 * cardinality(p.people))::int] as person,
           p.agents[1 + floor(d.r3 * cardinality(p.agents))::int] as agent,
           case when n %% 40000 = 7 then 'paused: %(rare)s warning on the coast' end as rare_reason
    from drawn d, params p
),
shaped as (
    select w.*,
           jsonb_build_object(
               'id', w.row_id, 'watchlist_id', w.list_id, 'security_id', w.security_id,
               'trigger_type', 'price_above', 'trigger_value', round((100 + w.r1 * 3000)::numeric, 2),
               'thesis', w.symbol || ' ' || w.phrase, 'expiry_date', (w.at + interval '60 days')::date,
               'status', 'watching', 'triggered_at', null, 'trigger_bar', null, 'added_by', w.person,
               'created_at', w.at - interval '3 days', 'updated_at', w.at - interval '1 day', 'version', 2,
               'deleted_at', null) as watched,
           jsonb_build_object(
               'id', w.row_id, 'security_id', w.security_id, 'score', round((w.r1 * 100)::numeric, 4),
               'status', 'new', 'priority', 1 + floor(w.r2 * 5)::int, 'assignee', w.person,
               'notes', w.symbol || ': ' || w.phrase,
               'data', jsonb_build_object('symbol', w.symbol, 'rs', 70 + floor(w.r3 * 30)),
               'source', w.agent, 'created_at', w.at, 'updated_at', w.at, 'version', 1, 'deleted_at', null) as queued,
           jsonb_build_object(
               'id', w.row_id, 'security_id', w.security_id, 'agent_name', w.agent,
               'recommendation', (array['buy', 'hold', 'sell', 'watch'])[1 + floor(w.r1 * 4)::int],
               'confidence', round(w.r2::numeric, 4), 'reasoning', w.symbol || ' shows ' || w.phrase,
               'key_metrics', jsonb_build_object('rsi_14', round((30 + w.r3 * 50)::numeric, 2), 'stage', 2),
               'analysed_at', w.at, 'created_at', w.at) as analysed,
           jsonb_build_object(
               'id', w.row_id, 'placed_at', w.at, 'security_id', w.security_id, 'strategy_id', w.list_id,
               'side', case when w.r1 < 0.5 then 'buy' else 'sell' end, 'order_type', 'limit',
               'time_in_force', 'day', 'quantity', 10 * (1 + floor(w.r2 * 100)::int),
               'limit_price', round((100 + w.r3 * 3000)::numeric, 2), 'status', 'open',
               'filled_quantity', 0, 'exchange_order_id', 'NSE' || (n::bigint * 7919 %% 100000000),
               'created_at', w.at, 'updated_at', w.at, 'version', 1) as ordered
    from worded w
)
insert into audit_log (occurred_at, actor, action, entity_type, entity_id, before, after, reason, transaction_id,
                       application_name)
select at,
       case when kind < 0.33 then 'system:alerts' when kind < 0.36 then 'system:morning-report'
            when kind < 0.66 then agent else person end,
       case when kind < 0.33 then 'update' when kind < 0.66 then 'insert'
            when kind < 0.80 then 'update' when kind < 0.83 then 'soft_delete' when kind < 0.85 then 'decision'
            else 'insert' end,
       case when kind < 0.33 then 'watchlist_entries' when kind < 0.36 then 'reports'
            when kind < 0.50 then 'signals' when kind < 0.58 then 'analysis_results'
            when kind < 0.66 then 'research_queue' when kind < 0.83 then 'watchlist_entries'
            when kind < 0.85 then 'research_queue' when kind < 0.93 then 'orders' else 'watchlist_entries' end,
       row_id::text,
       case when kind < 0.33 or (kind >= 0.66 and kind < 0.83) then watched end,
       case when kind < 0.33 then watched || jsonb_build_object(
                'status', 'triggered', 'triggered_at', at,
                'trigger_bar', jsonb_build_object('close', round((100 + r1 * 3000)::numeric, 2),
                                                  'volume', floor(r2 * 1000000)::int, 'trade_date', at::date))
            when kind < 0.36 then jsonb_build_object('id', row_id, 'kind', 'morning', 'report_date', at::date,
                'title', 'Morning report ' || at::date, 'content', 'Leaders: ' || symbol || ', ' || phrase,
                'stocks_analyzed', 2000, 'generated_by', 'system:morning-report', 'generated_at', at)
            when kind < 0.50 then jsonb_build_object('id', row_id, 'security_id', security_id,
                'signal_type', (array['volume_spike', 'new_high', 'vcp', 'rs_leader'])[1 + floor(r1 * 4)::int],
                'score', round((r2 * 100)::numeric, 4), 'source', agent, 'observed_at', at,
                'data', jsonb_build_object('symbol', symbol, 'note', phrase), 'created_at', at)
            when kind < 0.58 then analysed
            when kind < 0.66 then queued
            when kind < 0.80 then watched || jsonb_build_object('thesis', symbol || ' ' || phrase || ' (revised)',
                                                                'trigger_value', round((90 + r3 * 3000)::numeric, 2))
            when kind < 0.83 then watched || jsonb_build_object('deleted_at', at)
            when kind < 0.85 then null
            when kind < 0.93 then ordered
            else watched end,
       coalesce(rare_reason,
                case when kind < 0.33 then 'price crossed ' || round((100 + r1 * 3000)::numeric, 2)
                     when kind < 0.36 then 'morning report'
                     when kind < 0.66 then 'proposed from analysis results'
                     when kind < 0.85 and r1 < 0.5 then person || ': ' || phrase end),
       n / 3,
       'workstation'
from shaped
"""


def build(connection: psycopg.Connection[Any], entries: int) -> None:
    """Fill audit_log; its indexes are dropped first and made again from their own definitions (faster)."""
    symbols = [*KNOWN_SYMBOLS, *(_synthetic_symbol(number) for number in range(2000 - len(KNOWN_SYMBOLS)))]
    connection.execute("set maintenance_work_mem = '256MB'")
    definitions = [
        row[0]
        for row in connection.execute(
            "select pg_get_indexdef(indexrelid) from pg_index"
            " where indrelid = 'audit_log'::regclass and not indisprimary"
        )
    ]
    for (name,) in connection.execute(
        "select indexrelid::regclass::text from pg_index where indrelid = 'audit_log'::regclass and not indisprimary"
    ).fetchall():
        connection.execute(f"drop index {name}".encode())
    connection.execute("select setseed(0.42)")
    parameters = {
        "first_day": FIRST_DAY,
        "days": DAYS,
        "entries": entries,
        "people": list(PEOPLE),
        "agents": list(AGENTS),
        "symbols": symbols,
        "words": list(WORDS),
    }
    connection.execute(BUILD.replace("%(rare)s", RARE_WORD).encode(), parameters)
    for definition in definitions:
        connection.execute(definition.encode())
    connection.commit()
    connection.autocommit = True
    connection.execute("vacuum (analyze) audit_log")
    connection.execute("checkpoint")
    connection.autocommit = False


def _synthetic_symbol(number: int) -> str:
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
    word = ""
    for _ in range(5):
        number, digit = divmod(number * 7 + 3, len(letters))
        word += letters[digit]
    return word + "IND"


@contextmanager
def captured_statements(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """The SQL sent while inside, to EXPLAIN it afterwards."""
    sent: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def explain(database: Database, statement: str, parameters: Any) -> str:
    with psycopg.connect(database.target.conninfo) as connection:
        rows = connection.execute(f"explain (analyze, buffers, costs off) {statement}".encode(), parameters)
        return "\n".join("    " + str(row[0]) for row in rows)


def page_start(wanted: AuditFilter, pages_before: int) -> int | None:
    """The entry the page starts after once the analyst has paged `pages_before` times."""
    before_id = None
    for _ in range(pages_before):
        before_id = read_page(wanted, before_id).page.entries[-1].id
    return before_id


def timed(call: Callable[[], Any], runs: int) -> tuple[list[float], Any]:
    call()  # warm: the first read of a plan and its pages is not what the analyst sees on the second
    samples, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples, result


def measure(database: Database, runs: int, *, show_plans: bool, only: str | None = None) -> None:
    with psycopg.connect(database.target.conninfo) as connection:
        row = connection.execute("select entity_id from audit_log where reason is null offset 12345 limit 1").fetchone()
    some_entity_id = row[0] if row else ""
    print(f"{'case':48} {'page':>8} {'p90':>7} {'rows':>5} {'more':>4} {'count':>8}  matches")
    worst: dict[bool, float] = {False: 0.0, True: 0.0}
    for name, wanted, pages_before in CASES:
        if only is not None and only not in name:
            continue
        if wanted.text == "{entity_id}":
            wanted = AuditFilter(text=some_entity_id)
        before_id = page_start(wanted, pages_before)
        page_samples, view = timed(partial(read_page, wanted, before_id), runs)
        count_samples, total = timed(partial(count_matches, wanted), max(3, runs // 2))
        median = statistics.median(page_samples)
        p90 = statistics.quantiles(page_samples, n=10)[-1] if len(page_samples) > 1 else median
        filtered = not wanted.is_empty
        if pages_before == 0:
            worst[filtered] = max(worst[filtered], median)
        more = "yes" if view.page.has_more else "no"
        shown = f"{name:48} {median:6.1f}ms {p90:5.0f}ms {len(view.page.entries):5} {more:>4}"
        print(f"{shown} {statistics.median(count_samples):6.0f}ms  {total.shown()}")
        if show_plans:
            with captured_statements(database.engine) as sent:
                read_page(wanted, before_id)
            print(explain(database, *sent[-1]))
    for filtered, target in ((False, FIRST_PAGE_TARGET_MS), (True, FILTER_TARGET_MS)):
        verdict = "meets" if worst[filtered] <= target else "MISSES"
        kind = "slowest filtered first page" if filtered else "first page, no filter"
        print(f"{kind}: median {worst[filtered]:.1f} ms, {verdict} the target (≤ {target:.0f} ms)")


def open_filled(data_dir: Path, entries: int, *, keep: bool) -> tuple[Database, str]:
    """The embedded database in `data_dir` at head with `entries` audit entries (built if fewer), and its size."""
    server = start_embedded(data_dir, cleanup="stop" if keep else "delete")
    database = Database(DatabaseTarget(server.params(), embedded_dir=server.data_dir))
    migrations.upgrade(database.engine)
    store.use_database(database)
    with psycopg.connect(database.target.conninfo) as connection:
        row = connection.execute("select count(*) from audit_log").fetchone()
        present = row[0] if row else 0
        started = time.perf_counter()
        if present < entries:
            build(connection, entries - present)
            print(f"built {entries - present:,} entries in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        size = connection.execute(
            "select pg_size_pretty(pg_table_size('audit_log')),"
            " pg_size_pretty(pg_relation_size('ix_audit_log_search_document'))"
        ).fetchone()
    assert size is not None
    return database, f"{max(present, entries):,} audit entries (table {size[0]}, text index {size[1]})"


def first_pages(runs: int) -> dict[str, list[float]]:
    """For `python -m bench audit`: the first page of each case (seconds), on a new database of 1,000,000."""
    database, _ = open_filled(Path(tempfile.mkdtemp(prefix="wsa")), 1_000_000, keep=False)
    try:
        return {
            f"audit log 1M: {name}": [sample / 1000 for sample in timed(partial(read_page, wanted), runs)[0]]
            for name, wanted, pages_before in CASES
            if pages_before == 0 and wanted.text != "{entity_id}"
        }
    finally:
        database.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.audit_log")
    parser.add_argument("--runs", type=int, default=7, help="timed reads of each page")
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--data-dir", type=Path, help="keep the database here and reuse it when it is full")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN (ANALYZE, BUFFERS) of each page read")
    parser.add_argument("--only", help="the cases whose name has this text")
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="wsa"))
    database, described = open_filled(data_dir, args.entries, keep=args.data_dir is not None)
    print(f"data: {described}")
    print(f"machine: {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    measure(database, args.runs, show_plans=args.explain, only=args.only)
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f}")
    database.close()


if __name__ == "__main__":
    main()
