"""The securities table on 10,000 synthetic rows: FrameTable vs DataTable mount, and a filter keystroke to repaint."""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import polars as pl
from rich.text import Text
from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import DataTable

from tui.screens.securities.frame import SECURITY_COLUMNS, TableFilter, filter_rows, search_text
from tui.widgets.frame_table import FrameTable

ROWS = 10_000
SIZE = (160, 48)
FRAME_TABLE_RUNS = 15
DATA_TABLE_RUNS = 3
# Typed one key at a time, then erased: the filter grows narrower, then wider again.
KEYSTROKES = ("b", "ba", "ban", "bank", "ban", "ba", "b", "", "i", "in", "inf", "info", "inf", "in", "i", "")
KEYSTROKE_ROUNDS = 4
# A fast typist's pause between keys; it lets the paint of one key finish before the next arrives.
TYPING_GAP_SECONDS = 0.05
TARGET_MS = 30.0
WORDS = ("Alpha", "Bank", "Cement", "Digital", "Energy", "Finance", "Global", "Health", "Infra", "Motors", "Power")
SECTORS = ("Financial Services", "Information Technology", "Healthcare", "Capital Goods", "Power", None)


def synthetic_frame(rows: int = ROWS, seed: int = 7) -> pl.DataFrame:
    """Securities shaped like SecurityRepository.as_frame, with names and figures drawn from a seeded generator."""
    pick = random.Random(seed)
    names = [f"{pick.choice(WORDS)} {pick.choice(WORDS)} {index} Ltd" for index in range(rows)]
    return pl.DataFrame(
        {
            "security_id": range(1, rows + 1),
            "symbol": [f"{name.split()[0][:4].upper()}{index:05d}" for index, name in enumerate(names)],
            "name": names,
            "exchange": [pick.choice(("NSE", "BSE", "NASDAQ")) for _ in range(rows)],
            "instrument_type": [pick.choice(("equity", "equity", "equity", "etf")) for _ in range(rows)],
            "sector": [pick.choice(SECTORS) for _ in range(rows)],
            "close": [round(pick.uniform(5, 25_000), 2) for _ in range(rows)],
            "change_pct": [round(pick.gauss(0, 2), 4) for _ in range(rows)],
            "volume_vs_avg_pct": [round(pick.uniform(10, 400), 2) for _ in range(rows)],
            "rs_rating": [pick.randint(1, 99) for _ in range(rows)],
            "stage": [pick.randint(1, 4) for _ in range(rows)],
        },
        schema_overrides={"sector": pl.String},
    )


@dataclass(frozen=True, slots=True)
class Sample:
    """Wall-clock seconds, and the CPU seconds this process spent in them (what a busy machine does not inflate)."""

    wall: float
    cpu: float

    def __add__(self, other: Sample) -> Sample:
        return Sample(self.wall + other.wall, self.cpu + other.cpu)


class BenchApp(App[None]):
    """An empty host that says when the screen was last painted (composited; headless skips only the write)."""

    def __init__(self) -> None:
        super().__init__()
        self.painted = asyncio.Event()

    def compose(self) -> ComposeResult:
        yield Vertical(id="host")

    def _display(self, screen: Any, renderable: Any) -> None:
        super()._display(screen, renderable)
        if renderable is not None:
            self.painted.set()

    async def until_painted(self, change: Callable[[], Awaitable[None] | None]) -> Sample:
        """From making `change` to the screen having been painted with it: wall-clock and CPU seconds."""
        self.painted.clear()
        began, began_cpu = time.perf_counter(), time.process_time()
        pending = change()
        if pending is not None:
            await pending
        await self.painted.wait()
        return Sample(time.perf_counter() - began, time.process_time() - began_cpu)


def data_table(frame: pl.DataFrame) -> DataTable[Any]:
    """The stock DataTable with the same columns, formatted the same way."""
    table: DataTable[Any] = DataTable(cursor_type="row")
    for column in SECURITY_COLUMNS:
        table.add_column(Text(column.label, justify=column.align), key=column.key, width=column.width)
    add_rows(table, frame)
    return table


def add_rows(table: DataTable[Any], frame: pl.DataFrame) -> None:
    keys = [column.key for column in SECURITY_COLUMNS]
    for row in frame.select("security_id", *keys).iter_rows(named=True):
        cells = [Text(column.format(row[column.key]), justify=column.align) for column in SECURITY_COLUMNS]
        table.add_row(*cells, key=str(row["security_id"]))


async def mount_seconds(app: BenchApp, make: Callable[[], Widget]) -> Sample:
    """Build, mount and paint a table; then remove it, so every run starts from an empty screen."""
    host = app.query_one("#host")
    seconds = await app.until_painted(lambda: host.mount(make()))
    await host.remove_children()
    return seconds


async def keystroke_seconds(app: BenchApp, frame: pl.DataFrame) -> tuple[list[Sample], list[Sample]]:
    """Each keystroke: (filter + set_frame + paint, filter alone)."""
    searched = search_text(frame)
    table = FrameTable(SECURITY_COLUMNS, frame, row_key="security_id")
    await app.query_one("#host").mount(table)
    await asyncio.sleep(0.1)
    to_paint: list[Sample] = []
    filtering: list[Sample] = []
    for typed in KEYSTROKES * KEYSTROKE_ROUNDS:
        began, began_cpu = time.perf_counter(), time.process_time()
        shown = filter_rows(frame, searched, TableFilter(text=typed))
        filtering.append(Sample(time.perf_counter() - began, time.process_time() - began_cpu))
        to_paint.append(filtering[-1] + await app.until_painted(partial(table.set_frame, shown)))
        await asyncio.sleep(TYPING_GAP_SECONDS)
    return to_paint, filtering


async def data_table_refresh_seconds(app: BenchApp, frame: pl.DataFrame) -> list[Sample]:
    """The stock DataTable's way to show a filtered frame: clear it and add the rows again."""
    searched = search_text(frame)
    table = data_table(frame)
    await app.query_one("#host").mount(table)
    samples = []
    for typed in ("b", ""):
        shown = filter_rows(frame, searched, TableFilter(text=typed))

        def refill(shown: pl.DataFrame = shown) -> None:
            table.clear()
            add_rows(table, shown)

        samples.append(await app.until_painted(refill))
    await app.query_one("#host").remove_children()
    return samples


async def measure(frame: pl.DataFrame) -> dict[str, list[Sample]]:
    app = BenchApp()
    async with app.run_test(headless=True, size=SIZE):
        results = {
            "FrameTable mount + paint": [
                await mount_seconds(app, lambda: FrameTable(SECURITY_COLUMNS, frame, row_key="security_id"))
                for _ in range(FRAME_TABLE_RUNS)
            ],
            "DataTable mount + paint": [
                await mount_seconds(app, lambda: data_table(frame)) for _ in range(DATA_TABLE_RUNS)
            ],
        }
        results["DataTable filter keystroke (clear + add_rows)"] = await data_table_refresh_seconds(app, frame)
        to_paint, filtering = await keystroke_seconds(app, frame)
        results["FrameTable filter keystroke to paint"] = to_paint
        results["  of which the Polars filter"] = filtering
    return results


def median_ms(samples: list[Sample], part: str = "wall") -> float:
    values: list[float] = [getattr(sample, part) for sample in samples]
    return statistics.median(values) * 1000


def report(results: dict[str, list[Sample]]) -> None:
    print(f"securities table, {ROWS:,} synthetic rows, {SIZE[0]}x{SIZE[1]} headless; medians, CPU = this process")
    for name, samples in results.items():
        wall, cpu = median_ms(samples), median_ms(samples, "cpu")
        print(f"  {name:48} {wall:9.2f} ms wall {cpu:9.2f} ms CPU   ({len(samples)} runs)")
    ratio = median_ms(results["DataTable mount + paint"]) / median_ms(results["FrameTable mount + paint"])
    print(f"  DataTable / FrameTable mount: {ratio:.0f}x")
    keystroke = median_ms(results["FrameTable filter keystroke to paint"])
    verdict = "meets" if keystroke <= TARGET_MS else "MISSES"
    print(f"  filter keystroke to paint {keystroke:.1f} ms: {verdict} the target (≤ {TARGET_MS:.0f} ms)")


def main() -> None:
    report(asyncio.run(measure(synthetic_frame())))


if __name__ == "__main__":
    main()
