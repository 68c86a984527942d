"""A candlestick (or line) chart with a volume panel, declared with plotext from bars prepared in a worker."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Static

if TYPE_CHECKING:
    import polars as pl
    from textual.strip import Strip

    from tui.widgets.chart_panel import ChartPanel

RANGES = ("1M", "3M", "6M", "YTD", "1Y", "3Y", "5Y", "MAX")
# Every y-axis label is padded to this width, so the price and volume panels share their columns.
LABEL_WIDTH = 8
# The y axis and the right frame take a column each; the frame a row above and below.
FRAME_COLUMNS = 2
FRAME_ROWS = 2
RESIZE_DEBOUNCE_SECONDS = 0.25
MARKER_LETTERS = {"split": "S", "bonus": "B", "dividend": "D"}
DATE_FORMATS = {"day": "%d %b", "week": "%b %y", "month": "%b %y", "quarter": "%Y", "year": "%Y"}
DATE_LABEL_SPACING = 12

RGB = tuple[int, int, int]
UP: RGB = (38, 166, 91)
DOWN: RGB = (231, 76, 60)
LINE: RGB = (70, 200, 240)
MA_COLORS: dict[str, RGB] = {"ma_50": (245, 130, 48), "ma_200": (175, 110, 240)}
COMPARE: RGB = (255, 105, 180)
TRIGGER: RGB = (255, 215, 0)
MARKER: RGB = (70, 240, 240)


@dataclass(frozen=True, slots=True)
class ChartOptions:
    """What the analyst chose to see: the range and the toggles; `compare_id` is the security compared with."""

    range: str = "1Y"
    adjusted: bool = False
    candles: bool = True
    log_scale: bool = False
    overlays: bool = True
    compare_id: int | None = None
    compare_symbol: str | None = None


@dataclass(frozen=True, slots=True)
class Marker:
    """A corporate action on the chart: the bucket it falls in, its kind (split, bonus, dividend) and a label."""

    index: int
    ex_date: dt.date
    kind: str
    label: str


@dataclass(frozen=True, slots=True)
class TriggerLevel:
    """A watchlist trigger price drawn as a horizontal line."""

    value: float
    trigger_type: str
    watchlist: str


@dataclass(frozen=True, slots=True)
class ChartData:
    """Everything the chart draws, prepared in a worker.

    `frame` has trade_date, open, high, low, close, volume, bars (RESAMPLED_COLUMNS), then ma_50 and ma_200
    (null without overlays), close_pct and compare_pct (null without a comparison); one row per candle.
    """

    symbol: str
    options: ChartOptions
    period: str
    columns: int
    frame: pl.DataFrame
    markers: tuple[Marker, ...] = ()
    triggers: tuple[TriggerLevel, ...] = ()

    @property
    def comparing(self) -> bool:
        return self.options.compare_id is not None


def format_price(value: float) -> str:
    """1,560.40 · 12,345 · 9.87: as many decimals as the size of the number deserves."""
    if abs(value) >= 10_000:
        return f"{value:,.0f}"
    return f"{value:,.1f}" if abs(value) >= 100 else f"{value:,.2f}"


def format_volume(value: float) -> str:
    """812.3k · 1.2M · 3.4B."""
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.1f}{suffix}"
    return f"{value:.0f}"


def format_pct(value: float) -> str:
    return f"{value:+.1f}%"


def axis_ticks(low: float, high: float, count: int) -> list[float]:
    return [low + (high - low) * step / (count - 1) for step in range(count)]


def padded(labels: Sequence[str]) -> list[str]:
    return [label.rjust(LABEL_WIDTH)[-LABEL_WIDTH:] for label in labels]


def date_ticks(dates: Sequence[dt.date], period: str, columns: int) -> tuple[list[int], list[str]]:
    """Evenly spaced bucket positions and their dates, about one label per DATE_LABEL_SPACING columns."""
    if not dates:
        return [], []
    count = max(2, min(len(dates), columns // DATE_LABEL_SPACING))
    positions = sorted({round(step * (len(dates) - 1) / (count - 1)) for step in range(count)})
    return positions, [dates[position].strftime(DATE_FORMATS.get(period, "%Y-%m-%d")) for position in positions]


def _points(values: Sequence[float | None], scale: Callable[[float], float]) -> tuple[list[int], list[float]]:
    """The x and y of the values that are there (a moving average starts late)."""
    pairs = [(index, scale(value)) for index, value in enumerate(values) if value is not None]
    return [index for index, _ in pairs], [value for _, value in pairs]


def _log10(value: float) -> float:
    return math.log10(value) if value > 0 else math.nan


def _identity(value: float) -> float:
    return value


def tick_count(rows: int) -> int:
    """Price labels at least three rows apart: 2 to 5 of them."""
    return min(max(rows // 3, 2), 5)


def declare_price(plt: Any, data: ChartData, rows: int) -> None:
    """The price panel: candles or a close line (or both series as % change), overlays, triggers, markers.

    Log scale is applied here (log10 of the prices, labels in prices): plotext's own log scale leaves
    explicit limits unscaled.
    """
    frame = data.frame
    log = data.options.log_scale and not data.comparing
    scale = _log10 if log else _identity
    x = list(range(frame.height))
    shown = _declare_comparison(plt, data) if data.comparing else _declare_prices(plt, data, scale, rows)
    if not shown:
        return
    low, high = scale(min(shown)), scale(max(shown))
    margin = (high - low) * 0.03 or abs(high) * 0.01 or 1.0
    plt.ylim(low - margin, high + margin)
    ticks = axis_ticks(low, high, tick_count(rows - FRAME_ROWS))
    tick_values = [10**tick for tick in ticks] if log else ticks
    formatter = format_pct if data.comparing else format_price
    plt.yticks(ticks, padded([formatter(value) for value in tick_values]))
    for marker in data.markers:
        plt.text(MARKER_LETTERS.get(marker.kind, "•"), marker.index, low - margin, color=MARKER)
    plt.xticks([])
    plt.xlim(-0.5, max(len(x), 1) - 0.5)


def _declare_prices(plt: Any, data: ChartData, scale: Callable[[float], float], rows: int) -> list[float]:
    """Candles or the close line, moving averages and trigger lines; returns the values the y axis spans."""
    frame = data.frame
    x = list(range(frame.height))
    columns = {name: [scale(value) for value in frame[name].to_list()] for name in ("open", "high", "low", "close")}
    if data.options.candles:
        _declare_candles(plt, columns, rows)
    else:
        plt.plot(x, columns["close"], color=LINE, marker="braille")
    spanned = frame["low"].to_list() + frame["high"].to_list()
    if data.options.overlays:
        for name, color in MA_COLORS.items():
            plt.plot(*_points(frame[name].to_list(), scale), color=color, marker="braille")
    low, high = min(spanned, default=0.0), max(spanned, default=0.0)
    for level in visible_triggers(data.triggers, low, high):
        plt.horizontal_line(scale(level.value), color=TRIGGER)
        spanned.append(level.value)
    return spanned


def _declare_candles(plt: Any, prices: dict[str, list[float]], rows: int) -> None:
    """Each candle a wick from low to high and a body from open to close, green when it closed up, red when not.

    plotext's own candlestick() declares three series a candle, and its time goes with the number of
    series: here the wicks and bodies of each colour are one series of points each, a point at least
    every half row, so each fills the same cells a line from end to end would.
    """
    opens, highs, lows, closes = prices["open"], prices["high"], prices["low"], prices["close"]
    step = (max(highs) - min(lows)) / (2 * max(rows, 1)) or 1.0
    for up, color in ((True, UP), (False, DOWN)):
        chosen = [index for index, (o, c) in enumerate(zip(opens, closes, strict=True)) if (c > o) == up]
        wicks = vertical_runs(chosen, [lows[i] for i in chosen], [highs[i] for i in chosen], step)
        bodies = vertical_runs(
            chosen, [min(opens[i], closes[i]) for i in chosen], [max(opens[i], closes[i]) for i in chosen], step
        )
        for (xs, ys), marker in ((wicks, "│"), (bodies, "sd")):  # bodies after wicks: drawn over them
            if xs:
                plt.scatter(xs, ys, color=color, marker=marker)


def vertical_runs(
    xs: Sequence[int], lows: Sequence[float], highs: Sequence[float], step: float
) -> tuple[list[int], list[float]]:
    """Points from each low to its high (both ends included) no more than `step` apart, at its x."""
    run_x: list[int] = []
    run_y: list[float] = []
    for x, low, high in zip(xs, lows, highs, strict=True):
        count = max(int((high - low) / step), 0) + 1
        ys = [low + step * k for k in range(count)]
        if ys[-1] < high:
            ys.append(high)
        run_x.extend([x] * len(ys))
        run_y.extend(ys)
    return run_x, run_y


def _declare_comparison(plt: Any, data: ChartData) -> list[float]:
    """Both closes as % change from the first bucket: this security and the one compared with."""
    frame = data.frame
    spanned: list[float] = []
    for name, color in (("close_pct", LINE), ("compare_pct", COMPARE)):
        xs, ys = _points(frame[name].to_list(), _identity)
        plt.plot(xs, ys, color=color, marker="braille")
        spanned += ys
    return spanned


def visible_triggers(triggers: Sequence[TriggerLevel], low: float, high: float) -> list[TriggerLevel]:
    """Trigger levels near enough to the bars to draw without flattening them (within one range of them)."""
    reach = high - low
    return [level for level in triggers if low - reach <= level.value <= high + reach]


def declare_volume(plt: Any, data: ChartData, columns: int, rows: int) -> None:
    """Volume as one column per bucket, under its candle: green when the bucket closed up, red when down."""
    frame = data.frame
    volumes = frame["volume"].fill_null(0).to_list()
    rising = [close >= open_ for open_, close in zip(frame["open"].to_list(), frame["close"].to_list(), strict=True)]
    top = float(max(volumes, default=0)) or 1.0
    for up, color in ((True, UP), (False, DOWN)):  # a column of points per bar: one series per colour
        chosen = [index for index, volume in enumerate(volumes) if volume and rising[index] == up]
        xs, ys = vertical_runs(
            chosen, [0.0] * len(chosen), [float(volumes[i]) for i in chosen], top / (2 * max(rows, 1))
        )
        if xs:
            plt.scatter(xs, ys, color=color, marker="sd")
    plt.ylim(0, top)
    # Two labels need rows apart: on one row plotext would keep either of them.
    ticks = [top / 2, top] if rows - FRAME_ROWS - 1 >= 4 else [top]  # less the row of dates
    plt.yticks(ticks, padded([format_volume(tick) for tick in ticks]))
    plt.xticks(*date_ticks(frame["trade_date"].to_list(), data.period, columns))
    plt.xlim(-0.5, max(frame.height, 1) - 0.5)


PERIOD_NAMES = {"day": "daily", "week": "weekly", "month": "monthly", "quarter": "quarterly", "year": "yearly"}


def chart_title(data: ChartData | None, options: ChartOptions) -> Text:
    """The line above the chart: the ranges (the chosen one highlighted), then what is drawn and its legend."""
    title = Text()
    for name in RANGES:
        title.append(name, style="reverse bold" if name == options.range else "dim").append(" ")
    if data is None:
        return title.append(" reading…", style="dim")
    title.append(f" {data.symbol} {PERIOD_NAMES.get(data.period, data.period)}", style="bold")
    if data.frame.is_empty():
        return title.append("  no bars in this range", style="yellow")
    title.append(f" · {'adjusted' if options.adjusted else 'as traded'}")
    if data.comparing:
        title.append(" · % change ")
        title.append(f"━ {data.symbol} ", style=_rich(LINE))
        return title.append(f"━ {options.compare_symbol}", style=_rich(COMPARE))
    title.append(f" · {'candles' if options.candles else 'line'}{' · log' if options.log_scale else ''}")
    if options.overlays:
        title.append(" · ").append("━ MA 50 ", style=_rich(MA_COLORS["ma_50"]))
        title.append("━ MA 200", style=_rich(MA_COLORS["ma_200"]))
    if data.triggers:
        title.append(" · ").append("━ WL", style=_rich(TRIGGER))
    for level in data.triggers:
        arrow = "▲" if level.trigger_type == "price_above" else "▼"
        title.append(f" {arrow}{format_price(level.value)}", style=_rich(TRIGGER))
    return title


def _rich(color: RGB) -> str:
    return f"rgb({color[0]},{color[1]},{color[2]})"


@dataclass(frozen=True, slots=True)
class PanelSize:
    """The size a panel is drawn at, and the plotext theme it is drawn in (the app's theme, as colours)."""

    width: int
    height: int
    theme: str


@dataclass(frozen=True, slots=True)
class ChartLayout:
    """The sizes of both panels: a worker draws the chart for them, so the UI thread only shows the text."""

    price: PanelSize
    volume: PanelSize


@dataclass(frozen=True, slots=True)
class DrawnChart:
    """Both panels drawn for `layout`, as the lines of styled cells the panels show."""

    layout: ChartLayout
    price: tuple[Strip, ...]
    volume: tuple[Strip, ...]


PanelDeclaration = Callable[[Any, ChartData, int, int], None]


def declare_price_panel(plt: Any, data: ChartData, width: int, height: int) -> None:
    declare_price(plt, data, height)


def declare_volume_panel(plt: Any, data: ChartData, width: int, height: int) -> None:
    declare_volume(plt, data, max(width - LABEL_WIDTH - FRAME_COLUMNS, 1), height)


def draw_chart(data: ChartData, layout: ChartLayout) -> DrawnChart:
    """Both panels drawn for `layout`: plotext's part of a symbol switch, done in the worker that read the bars."""
    from tui.widgets.chart_panel import draw_panel

    price = draw_panel(declare_price_panel, data, layout.price)
    volume = draw_panel(declare_volume_panel, data, layout.volume)
    return DrawnChart(layout, price, volume)


class PriceChart(Widget, can_focus=True):
    """Declares the plots from the ChartData it is handed; says when its width calls for other buckets."""

    DEFAULT_CSS = """
    PriceChart {
        height: 1fr;
        layout: vertical;
    }
    PriceChart > #chart-title {
        height: 1;
        width: 1fr;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    PriceChart > #chart-price {
        height: 5fr;
        min-height: 5;
    }
    PriceChart > #chart-volume {
        height: 2fr;
        min-height: 5;
        max-height: 9;
    }
    PriceChart:focus > #chart-title {
        background: $accent 25%;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            str(number),
            f"screen.set_range('{name}')",
            name,
            show=False,
            tooltip=f"Show {name} (keys 1–8 while the chart has focus)",
            id=f"security.range-{name.lower()}",
        )
        for number, name in enumerate(RANGES, start=1)
    ]

    @dataclass
    class Resized(Message):
        """The chart's width changed (debounced): bars should be resampled for `columns` candles."""

        chart: PriceChart
        columns: int

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.data: ChartData | None = None
        self.options = ChartOptions()
        self._announced_columns = 0
        self._resize_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        from tui.widgets.chart_panel import ChartPanel  # plotext is imported when a chart is first shown

        yield Static(chart_title(None, self.options), id="chart-title")
        yield ChartPanel(declare_price_panel, id="chart-price")
        yield ChartPanel(declare_volume_panel, id="chart-volume")

    @property
    def columns(self) -> int:
        """How many candles fit: the plot width less the y labels and the frame."""
        return max(self.size.width - LABEL_WIDTH - FRAME_COLUMNS, 1)

    @property
    def layout_now(self) -> ChartLayout | None:
        """The panels' sizes and theme as laid out now (None before the first layout)."""
        price, volume = self._panels()
        if not price.size.width or not price.size.height or not volume.size.height:
            return None
        return ChartLayout(price.panel_size, volume.panel_size)

    def on_resize(self, event: events.Resize) -> None:
        if self._resize_timer is not None:
            self._resize_timer.stop()
        if not self._announced_columns:
            self._announce_columns()
        else:
            self._resize_timer = self.set_timer(RESIZE_DEBOUNCE_SECONDS, self._announce_columns)

    def _announce_columns(self) -> None:
        if self.size.width and self.columns != self._announced_columns:
            self._announced_columns = self.columns
            self.post_message(self.Resized(self, self.columns))

    def show_options(self, options: ChartOptions) -> None:
        """The options chosen (before their bars arrive): the title shows them at once."""
        self.options = options
        self.query_one("#chart-title", Static).update(chart_title(self.data, options))

    def show(self, data: ChartData, drawn: DrawnChart | None = None) -> None:
        """Show `data`, drawn by the worker when it drew for the panels' present sizes (each panel draws itself
        otherwise: after a resize, or a theme change, while the bars were read)."""
        self.data = data
        self.options = data.options
        self.query_one("#chart-title", Static).update(chart_title(data, data.options))
        price, volume = self._panels()
        if drawn is None:
            price.show(data)
            volume.show(data)
        else:
            price.show(data, drawn.price, drawn.layout.price)
            volume.show(data, drawn.volume, drawn.layout.volume)

    def _panels(self) -> tuple[ChartPanel, ChartPanel]:
        from tui.widgets.chart_panel import ChartPanel

        return self.query_one("#chart-price", ChartPanel), self.query_one("#chart-volume", ChartPanel)
