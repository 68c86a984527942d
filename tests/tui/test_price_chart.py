"""The price chart widget: formatting, axes, and what it draws from the ChartData it is handed (no database)."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from typing import Any

import polars as pl
from textual.app import App, ComposeResult
from textual.widgets import Static

from tui.widgets.chart_panel import ChartPanel
from tui.widgets.price_chart import (
    LABEL_WIDTH,
    ChartData,
    ChartOptions,
    Marker,
    PriceChart,
    TriggerLevel,
    chart_title,
    date_ticks,
    format_pct,
    format_price,
    format_volume,
    padded,
    tick_count,
    visible_triggers,
)

FIRST = dt.date(2026, 1, 5)


def frame(count: int, *, compare: bool = False) -> pl.DataFrame:
    days = [FIRST + dt.timedelta(days=7 * n) for n in range(count)]
    close = [100 * 1.02**n for n in range(count)]
    open_ = [value * (0.99 if n % 3 else 1.01) for n, value in enumerate(close)]
    return pl.DataFrame(
        {
            "trade_date": days,
            "open": open_,
            "high": [max(o, c) * 1.01 for o, c in zip(open_, close, strict=True)],
            "low": [min(o, c) * 0.99 for o, c in zip(open_, close, strict=True)],
            "close": close,
            "volume": [1_000_000 + 10_000 * n for n in range(count)],
            "bars": [5] * count,
            "ma_50": [None] * 5 + close[5:],
            "ma_200": [None] * count,
            "close_pct": [(value / close[0] - 1) * 100 for value in close] if compare else [None] * count,
            "compare_pct": [n * 0.5 for n in range(count)] if compare else [None] * count,
        },
        schema_overrides={"ma_200": pl.Float64, "close_pct": pl.Float64, "compare_pct": pl.Float64},
    )


def chart_data(count: int = 30, **options: Any) -> ChartData:
    chosen = ChartOptions(**options)
    return ChartData(
        symbol="INFY",
        options=chosen,
        period="week",
        columns=count,
        frame=frame(count, compare=chosen.compare_id is not None),
        markers=(Marker(4, FIRST + dt.timedelta(days=30), "dividend", "dividend 18"),),
        triggers=(TriggerLevel(150.0, "price_above", "Breakouts"), TriggerLevel(5_000.0, "price_below", "Far")),
    )


def test_numbers_are_formatted_for_the_axes() -> None:
    assert [format_price(v) for v in (12_345.6, 1_560.44, 9.876)] == ["12,346", "1,560.4", "9.88"]
    assert [format_volume(v) for v in (950, 812_300, 1_234_567, 3.4e9)] == ["950", "812.3k", "1.2M", "3.4B"]
    assert format_pct(-2.345) == "-2.3%"
    assert padded(["1.2M", "123456789"]) == ["1.2M".rjust(LABEL_WIDTH), "23456789"]


def test_date_ticks_are_spread_and_include_both_ends() -> None:
    dates = [FIRST + dt.timedelta(days=7 * n) for n in range(53)]
    positions, labels = date_ticks(dates, "week", columns=109)
    assert positions[0] == 0
    assert positions[-1] == 52
    assert len(positions) == 109 // 12
    assert labels[0] == "Jan 26"
    assert date_ticks([], "day", 80) == ([], [])
    assert date_ticks(dates[:1], "day", 80) == ([0], ["05 Jan"])


def test_tick_count_and_visible_triggers() -> None:
    assert [tick_count(rows) for rows in (3, 7, 12, 40)] == [2, 2, 4, 5]
    levels = [TriggerLevel(value, "price_above", "L") for value in (50.0, 105.0, 350.0)]
    assert [level.value for level in visible_triggers(levels, 100, 110)] == [105.0]


def test_title_names_the_range_period_and_legend() -> None:
    title = chart_title(chart_data(), ChartOptions())
    plain = title.plain
    assert plain.startswith("1M 3M 6M YTD 1Y 3Y 5Y MAX  INFY weekly · as traded · candles")
    assert "MA 50" in plain
    assert "▲150.0" in plain
    assert "▼5,000.0" in plain
    chosen = [span for span in title.spans if "reverse" in str(span.style)]
    assert [plain[span.start : span.end] for span in chosen] == ["1Y"]
    compared = chart_title(chart_data(compare_id=2, compare_symbol="NIFTY50"), ChartOptions(compare_symbol="NIFTY50"))
    assert "% change ━ INFY ━ NIFTY50" in compared.plain
    assert chart_title(None, ChartOptions(range="3M")).plain.endswith("reading…")


class ChartApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.resized: list[int] = []

    def compose(self) -> ComposeResult:
        yield PriceChart(id="chart")

    def on_price_chart_resized(self, message: PriceChart.Resized) -> None:
        self.resized.append(message.columns)


def rendered(chart: PriceChart, plot_id: str) -> str:
    return chart.query_one(plot_id, ChartPanel).plain()


async def test_the_chart_announces_its_width_and_draws_what_it_is_handed() -> None:
    app = ChartApp()
    async with app.run_test(size=(70, 24)) as pilot:
        chart = app.query_one(PriceChart)
        await pilot.pause()
        assert app.resized == [70 - LABEL_WIDTH - 2] == [chart.columns]
        data = chart_data(40)
        chart.show(data)
        await pilot.pause()
        price = rendered(chart, "#chart-price")
        volume = rendered(chart, "#chart-volume")
        lines = price.splitlines()
        assert all(len(line) == 70 for line in lines)
        low = format_price(float(data.frame["low"].min()))  # type: ignore[arg-type]
        assert low.rjust(LABEL_WIDTH) in price  # lowest tick at the lowest low
        assert "│" in price
        assert "█" in price
        assert "D" in lines[-2]  # the dividend, at the bottom of the price panel
        assert "Jan 26" in volume
        assert "1.4M" in volume
        assert "5,000" not in price  # a trigger far from the bars is left out, not squeezed in
        assert "INFY weekly" in str(chart.query_one("#chart-title", Static).render())


async def test_log_scale_and_comparison_label_their_axes() -> None:
    app = ChartApp()
    async with app.run_test(size=(70, 24)) as pilot:
        chart = app.query_one(PriceChart)
        chart.show(chart_data(40, log_scale=True, overlays=False))
        await pilot.pause()
        labels = [line[:LABEL_WIDTH].strip() for line in rendered(chart, "#chart-price").splitlines()]
        values = [float(label.replace(",", "")) for label in labels if label]
        ratios = [high / low for high, low in itertools.pairwise(values)]
        assert len(values) >= 3
        assert max(ratios) - min(ratios) < 0.01
        chart.show(chart_data(40, compare_id=2, compare_symbol="NIFTY50"))
        await pilot.pause()
        price = rendered(chart, "#chart-price")
        assert "+0.0%" in price
        assert f"{(1.02**39 - 1) * 100:+.1f}%" in price
        assert not math.isnan(chart.data.frame["compare_pct"].sum())  # type: ignore[union-attr]
