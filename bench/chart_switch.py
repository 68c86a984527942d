"""Symbol switch → chart drawn, for ten years of daily bars, in a headless app: query, resample, render.

`uv run python -m bench.chart_switch`: a temporary embedded server, securities with 2,520 sessions each,
then the security detail opened for one symbol after another (as `INFY GP` does), split into the worker
(query, resample, Polars preparation, plotext's drawing of both panels), and the UI thread's part.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg

import store
from store import migrations
from store.db import Database, DatabaseTarget
from store.embedded import start_embedded

if TYPE_CHECKING:
    from tui.widgets.price_chart import ChartLayout

SESSIONS = 2_520  # ten years of trading days
LAST_DAY = dt.date(2026, 11, 20)


def build(connection: psycopg.Connection[Any], securities: int) -> None:
    """`securities` equities with SESSIONS weekday bars each (a wave with a drift), dividends and a trigger."""
    days = [
        row[0]
        for row in connection.execute(
            "select d::date from generate_series(%s::date - 4000, %s::date, '1 day') d"
            " where extract(isodow from d) < 6 order by d desc limit %s",
            (LAST_DAY, LAST_DAY, SESSIONS),
        )
    ][::-1]
    connection.execute("select ensure_ohlcv_partitions('ohlcv_daily', %s, %s)", (days[0], days[-1]))
    connection.execute(
        "insert into securities (symbol, exchange, instrument_type, name)"
        " select 'SYM' || n, 'NSE', 'equity', 'Security ' || n from generate_series(1, %s) n",
        (securities,),
    )
    connection.execute(
        """
        insert into ohlcv_daily (security_id, trade_date, open, high, low, close, volume)
        select s.id, d.day, round(p.o::numeric, 2), round((greatest(p.o, p.c) * 1.01)::numeric, 2),
               round((least(p.o, p.c) * 0.99)::numeric, 2), round(p.c::numeric, 2), 100000 + (s.id * d.n) %% 50000
        from (select day, row_number() over (order by day) as n from unnest(%s::date[]) day) d
        cross join securities s
        cross join lateral (
            select 500 + s.id * 10 + 80 * sin(d.n / 40.0 + s.id) + d.n * 0.1 as c,
                   (500 + s.id * 10 + 80 * sin(d.n / 40.0 + s.id) + d.n * 0.1) * (1 + 0.006 * sin(d.n * 1.7)) as o
        ) p
        order by d.day, s.id
        """,
        (days,),
    )
    connection.execute(
        "insert into corporate_actions (security_id, action_type, ex_date, amount)"
        " select s.id, 'dividend', make_date(y, 6, 10), 10 from securities s, generate_series(2017, 2026) y"
    )
    connection.execute("insert into watchlists (name) values ('Bench')")
    connection.execute(
        "insert into watchlist_entries (watchlist_id, security_id, trigger_type, trigger_value)"
        " select w.id, s.id, 'price_above', 1000 + s.id * 10 from watchlists w, securities s"
    )
    connection.commit()
    connection.autocommit = True
    connection.execute("vacuum analyze")
    connection.autocommit = False


@dataclass
class Timings:
    """What one switch cost, in milliseconds: the worker's read and drawing, the UI thread's show and paints."""

    read: list[float] = field(default_factory=list)
    draw: list[float] = field(default_factory=list)
    show: list[float] = field(default_factory=list)
    render: list[float] = field(default_factory=list)
    rendered: set[str] = field(default_factory=set)
    expected: str = ""
    rendered_at: float = 0.0
    frame_at: float = 0.0

    def clear(self, expected: str) -> None:
        for samples in (self.read, self.draw, self.show, self.render):
            samples.clear()
        self.rendered.clear()
        self.rendered_at = 0.0
        self.frame_at = 0.0
        self.expected = expected


def instrument(timings: Timings) -> None:
    """Wrap the worker's read and drawing, the chart's show and its panels' render with timers; a switch ends
    with the first frame after both panels rendered (its update turned into the terminal's escape codes)."""
    from tui.screens.security_detail import data as detail_data
    from tui.widgets.chart_panel import ChartPanel
    from tui.widgets.price_chart import PriceChart

    def timed(call: Callable[..., Any], into: Callable[[], list[float]]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                into().append((time.perf_counter() - started) * 1000)

        return wrapper

    detail_data.read_chart = timed(detail_data.read_chart, lambda: timings.read)  # type: ignore[attr-defined]
    detail_data.draw_chart = timed(detail_data.draw_chart, lambda: timings.draw)  # type: ignore[attr-defined]
    PriceChart.show = timed(PriceChart.show, lambda: timings.show)  # type: ignore[method-assign]
    plain_render = ChartPanel.drawn_lines

    def render(panel: ChartPanel) -> Any:
        started = time.perf_counter()
        rendered = plain_render(panel)
        finished = time.perf_counter()
        if panel.data is not None and panel.data.symbol == timings.expected and panel.id not in timings.rendered:
            timings.render.append((finished - started) * 1000)
            timings.rendered.add(str(panel.id))
            timings.rendered_at = finished
        return rendered

    ChartPanel.drawn_lines = render  # type: ignore[method-assign]

    from textual.screen import Screen

    plain_refresh = Screen._compositor_refresh

    def compositor_refresh(screen: Screen[Any]) -> None:
        """A frame: the screen's update rendered and, as a terminal would get it, turned into escape codes."""
        from textual._compositor import CompositorUpdate

        app = screen.app
        plain_display = app._display

        def display(on: Screen[Any], renderable: Any) -> None:
            plain_display(on, renderable)
            if isinstance(renderable, CompositorUpdate):
                renderable.render_segments(app.console)  # headless apps skip writing the terminal's bytes

        app._display = display  # type: ignore[method-assign]
        try:
            plain_refresh(screen)
        finally:
            del app._display
        if len(timings.rendered) == 2 and not timings.frame_at:
            timings.frame_at = time.perf_counter()

    Screen._compositor_refresh = compositor_refresh  # type: ignore[method-assign]


async def switch_symbols(
    database: Database, timings: Timings, ids: list[int], size: tuple[int, int], range_name: str, *, push: bool
) -> dict[str, Any]:
    """Show each security in turn: in place on one detail screen (push=False), or on a new screen each time."""
    from tui.app import WorkstationApp
    from tui.screens.security_detail import SecurityDetailScreen
    from tui.widgets.price_chart import ChartOptions, PriceChart

    rows: list[dict[str, float]] = []
    app = WorkstationApp(database.target, live=False)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        screen = SecurityDetailScreen(ids[0], focus_chart=True)
        screen.options = ChartOptions(range=range_name)
        if not push:
            await app.push_screen(screen)
        for number, security_id in enumerate(ids):
            timings.clear(f"SYM{security_id}")
            started = time.perf_counter()
            if push:
                screen = SecurityDetailScreen(security_id, focus_chart=True)
                screen.options = ChartOptions(range=range_name)
                await app.push_screen(screen)
            else:
                screen.show_security(security_id)
            chart = screen.query_one(PriceChart)
            while not timings.frame_at:
                if time.perf_counter() - started > 30:
                    raise RuntimeError(f"no frame showed SYM{security_id}'s chart within 30 s")
                await asyncio.sleep(0.0005)
            drawn = (timings.frame_at - started) * 1000
            layout = chart.layout_now
            await app.workers.wait_for_complete()
            await pilot.pause()
            if number >= 3:  # the first switches warm imports, prepared statements and caches
                rows.append({"e2e": drawn, "read": sum(timings.read), "draw": sum(timings.draw),
                             "show": sum(timings.show), "render": sum(timings.render),
                             "candles": chart.data.frame.height, "columns": chart.columns})  # fmt: skip
            if push:
                app.pop_screen()
                await pilot.pause()
                await app.workers.wait_for_complete()
    return {"rows": rows, "period": "" if chart.data is None else chart.data.period, "layout": layout}


def standalone(ids: list[int], layout: ChartLayout, range_name: str) -> None:
    """The same work outside the app (no UI thread to share the interpreter with): the floor of a switch."""
    from tui.screens.security_detail.data import ChartRequest, read_chart
    from tui.widgets.price_chart import FRAME_COLUMNS, LABEL_WIDTH, ChartOptions, draw_chart

    columns = layout.price.width - LABEL_WIDTH - FRAME_COLUMNS
    reads, draws = [], []
    for number, security_id in enumerate(ids):
        started = time.perf_counter()
        data = read_chart(ChartRequest(1, security_id, ChartOptions(range=range_name), columns))
        read = time.perf_counter()
        draw_chart(data, layout)
        if number >= 3:
            reads.append((read - started) * 1000)
            draws.append((time.perf_counter() - read) * 1000)
    print(f"  outside the app: read_chart median {statistics.median(reads):.1f} ms, "
          f"draw both panels median {statistics.median(draws):.1f} ms")  # fmt: skip


def report(label: str, result: dict[str, Any]) -> None:
    rows = result["rows"]
    median = {key: statistics.median(row[key] for row in rows) for key in rows[0]}
    p90 = statistics.quantiles([row["e2e"] for row in rows], n=10)[-1]
    print(
        f"{label}: {median['candles']:.0f} {result['period']} candles in {median['columns']:.0f} columns, n={len(rows)}"
    )
    print(f"  symbol switch → chart drawn    median {median['e2e']:7.1f} ms   p90 {p90:7.1f} ms")
    parts = (
        ("read", "worker: query, resample, prep"),
        ("draw", "worker: plotext, both panels"),
        ("show", "UI thread: show the chart"),
        ("render", "UI thread: paint both panels"),
    )
    for key, what in parts:
        print(f"  {what:<30} median {median[key]:7.1f} ms  ({median[key] / median['e2e']:.0%})")
    rest = median["e2e"] - sum(median[key] for key, _ in parts)
    print(f"  the rest (messages, layout, frame) ≈  {rest:7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.chart_switch")
    parser.add_argument("--securities", type=int, default=25, help="symbols switched between (first 3 warm up)")
    args = parser.parse_args()
    server = start_embedded(Path(tempfile.mkdtemp(prefix="wsc")), cleanup="delete")
    database = Database(DatabaseTarget(server.params(), embedded_dir=server.data_dir))
    migrations.upgrade(database.engine)
    started = time.perf_counter()
    with database.connect() as connection:
        build(connection, args.securities)
    print(f"built {args.securities} × {SESSIONS:,} bars in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    store.use_database(database, actor="bench")
    ids = list(range(1, args.securities + 1))
    timings = Timings()
    instrument(timings)
    print(f"load average before: {' '.join(f'{load:.1f}' for load in os.getloadavg())} on {os.cpu_count()} CPUs")
    cases = (((160, 48), "MAX", False), ((240, 60), "MAX", False), ((120, 40), "1Y", False), ((160, 48), "MAX", True))
    for size, range_name, push in cases:
        result = asyncio.run(switch_symbols(database, timings, ids, size, range_name, push=push))
        how = "new detail screen each time" if push else "in place"
        report(f"{range_name} at {size[0]}×{size[1]}, {how}", result)
        if not push:
            standalone(ids, result["layout"], range_name)
    print(f"load average after: {' '.join(f'{load:.1f}' for load in os.getloadavg())}")
    database.close()


if __name__ == "__main__":
    main()
