"""The security detail screen: header facts, the price chart and tabs; pushed over an area, escape goes back."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Label, Static, TabbedContent, TabPane, Tabs

from tui.modals import FormOutcome
from tui.modals.export import ExportForm, ExportModal, ExportResult
from tui.screens.base import AreaScreen, app_now
from tui.screens.security_detail.data import ChartRequest, SecurityFacts, prepare_chart, read_facts, resolve_symbol
from tui.screens.security_detail.rows import TABS, Cell, header_text
from tui.widgets.filter_input import FilterInput
from tui.widgets.price_chart import RANGES, ChartData, ChartOptions, DrawnChart, PriceChart
from tui.widgets.symbol_input import SymbolInput
from tui.widgets.table_export import shown_rows_frame

STYLES = Path(__file__).parents[2] / "styles" / "security_detail.tcss"
TOGGLES = frozenset({"overlays", "adjusted", "candles", "log_scale"})


@dataclass
class SecurityFactsRead(Message):
    """The header and tab facts were read."""

    bubble = False
    facts: SecurityFacts


@dataclass
class ChartPrepared(Message):
    """Bars for the chart were read and prepared; `request` tells the latest load from older ones."""

    bubble = False
    request: int
    data: ChartData
    drawn: DrawnChart | None


@dataclass
class ChartFailed(Message):
    """The chart's read failed (the app's worker handler says why); the header and tabs are read anyway."""

    bubble = False


@dataclass
class CompareResolved(Message):
    """The symbol typed to compare with was found."""

    bubble = False
    security_id: int
    symbol: str


class CompareModal(ModalScreen[str | None]):
    """Asks for the symbol to compare with (an index or a stock); an empty line stops comparing."""

    CSS_PATH = STYLES
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Keep the chart as it is", id="security.compare-cancel"),
    ]

    def __init__(self, current: str = "") -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="compare-dialog"):
            yield Label("Compare with (symbol or index, SYMBOL:EXCHANGE; empty: stop comparing)")
            yield SymbolInput(self.current, id="compare-symbol")

    @on(Input.Submitted, "#compare-symbol")
    def choose(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip().upper())

    def action_cancel(self) -> None:
        self.dismiss(None)


class SecurityDetailScreen(AreaScreen):
    """One security: who it is, its chart (keys below), and its signals, analyses, actions, deals and book."""

    CSS_PATH = STYLES
    AUTO_FOCUS = None
    WATCHED_TABLES = frozenset(
        {"securities", "industry_classifications", "ohlcv_daily", "market_cap_history", "surveillance_measures",
         "corporate_actions", "deals", "signals", "analysis_results", "portfolio_positions", "trades",
         "watchlists", "watchlist_entries"}
    )  # fmt: skip
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "left_square_bracket", "step_range(-1)", "Shorter", tooltip="A shorter range", id="security.range-shorter"
        ),
        Binding(
            "right_square_bracket", "step_range(1)", "Longer", tooltip="A longer range", id="security.range-longer"
        ),
        Binding(
            "o", "toggle_option('overlays')", "MA 50/200", tooltip="Moving averages on or off", id="security.overlays"
        ),
        Binding(
            "c", "toggle_option('candles')", "Candles/line", tooltip="Candles or a close line", id="security.candles"
        ),
        Binding(
            "A", "toggle_option('adjusted')", "Adjusted", tooltip="Adjusted or as-traded prices", id="security.adjusted"
        ),
        Binding("L", "toggle_option('log_scale')", "Log", tooltip="Logarithmic price axis", id="security.log-scale"),
        Binding(
            "C", "compare", "Compare", tooltip="Compare with an index or symbol as % change", id="security.compare"
        ),
        Binding(
            "f",
            "focus_chart",
            "Chart",
            show=False,
            tooltip="Focus the chart (1–8 pick ranges)",
            id="security.focus-chart",
        ),
        Binding("r", "refresh", "Refresh", tooltip="Read the security again", id="security.refresh"),
        Binding("slash", "filter", "Filter", show=False, tooltip="Filter the tabs' rows by text", id="security.filter"),
        Binding(
            "ctrl+e",
            "export",
            "Export",
            show=False,
            tooltip="Write the rows of the shown tab to CSV or Parquet",
            id="security.export",
        ),
    ]

    def __init__(self, security_id: int, *, focus_chart: bool = False) -> None:
        super().__init__(classes="security-detail")
        self.security_id = security_id
        self.focus_chart = focus_chart
        self.options = ChartOptions()
        self.facts: SecurityFacts | None = None
        self._columns = 0
        self._chart_request = 0
        self._facts_wanted = True  # read after the chart is drawn: the chart is what a switch waits for

    def compose_body(self) -> ComposeResult:
        yield Static("reading…", id="security-header")
        yield PriceChart(id="security-chart")
        with Horizontal(id="security-filter-bar"):
            yield Static("Filter", id="security-filter-label")
            yield FilterInput(
                table_selector="#security-tabs Tabs", placeholder="text in any column of the tabs", id="security-filter"
            )
        with TabbedContent(id="security-tabs"):
            for key, spec in TABS.items():
                with TabPane(spec.title, id=f"tab-{key}"):
                    yield DataTable(id=f"table-{key}", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        for key, spec in TABS.items():
            table = self.query_one(f"#table-{key}", DataTable)
            for label, width in spec.headers():
                table.add_column(label, width=width)
        if self.focus_chart:
            self.query_one(PriceChart).focus()
        else:
            self.query_one("#security-tabs", TabbedContent).query_one(Tabs).focus()

    def reload(self) -> None:
        """Read the chart, then (once it is drawn) the header and tabs: the chart is what a switch waits for."""
        self._facts_wanted = True
        if not self._columns:
            return  # the chart's first Resized starts its load, and the facts follow it
        self.load_chart()

    def show_security(self, security_id: int) -> None:
        """Switch to another security in place (`TCS GP` typed on this screen); the chart keeps its options."""
        self.security_id = security_id
        self.reload()

    def action_refresh(self) -> None:
        self.reload()

    def action_focus_chart(self) -> None:
        self.query_one(PriceChart).focus()

    def action_export(self) -> None:
        """The shown tab's rows as they read (signals, analyses, actions, deals, positions, trades)."""
        tab_key = (self.query_one("#security-tabs", TabbedContent).active or "").removeprefix("tab-")
        if tab_key not in TABS or self.facts is None:
            return
        table = self.query_one(f"#table-{tab_key}", DataTable)
        stamp = app_now(self.app).astimezone().strftime("%Y%m%d-%H%M")
        default_path = f"~/{self.facts.detail.symbol.lower()}-{tab_key}-{stamp}.csv"
        modal = ExportModal(shown_rows_frame(table), default_path, what=TABS[tab_key].title.lower())
        self.app.push_screen(modal, self.say_exported)

    def say_exported(self, outcome: FormOutcome[ExportForm, ExportResult] | None) -> None:
        if outcome is not None and outcome.saved is not None:
            self.notify(f"{outcome.saved.rows:,} rows written to {outcome.saved.path}", title="Exported")

    # Header and tabs

    def load_facts(self) -> None:
        self._facts_wanted = False
        self._read_facts(self.security_id)

    def _load_facts_if_wanted(self) -> None:
        if self._facts_wanted:
            self.load_facts()

    @work(thread=True, exclusive=True, exit_on_error=False, group="security-facts")
    def _read_facts(self, security_id: int) -> None:
        self.post_message(SecurityFactsRead(read_facts(security_id)))

    @on(SecurityFactsRead)
    def show_facts(self, message: SecurityFactsRead) -> None:
        if message.facts.detail.security_id != self.security_id:
            return  # read for the security shown before a switch
        facts = self.facts = message.facts
        self.sub_title = f"{facts.detail.symbol} · {facts.detail.exchange}"
        self.query_one("#security-header", Static).update(header_text(facts, self._today()))
        self._show_tabs(facts)

    def _show_tabs(self, facts: SecurityFacts) -> None:
        """Each tab's rows that contain the typed filter (all of them without one); the label counts them."""
        needle = self.query_one("#security-filter", FilterInput).value.strip().lower()
        tabs = self.query_one("#security-tabs", TabbedContent)
        for key, spec in TABS.items():
            records = spec.records(facts)
            rows = [cells for cells in map(spec.cells, records) if not needle or needle in _row_text(cells)]
            table = self.query_one(f"#table-{key}", DataTable)
            table.clear()
            for cells in rows:
                table.add_row(*cells)
            count = f"{len(rows)}/{len(records)}" if needle else str(len(records))
            label = f"{spec.title} {count}" if records else spec.title
            tab = tabs.get_tab(f"tab-{key}")
            if str(tab.label) != label:  # a new label lays the tabs out again
                tab.label = label

    # The filter over the tabs: shown while in use or holding text, so the chart keeps its room otherwise.

    def action_filter(self) -> None:
        self.query_one("#security-filter-bar").add_class("-shown")
        self.query_one("#security-filter", FilterInput).focus()

    @on(Input.Changed, "#security-filter")
    def filter_as_typed(self) -> None:
        if self.facts is not None:
            self._show_tabs(self.facts)

    @on(Input.Submitted, "#security-filter")
    def leave_filter(self) -> None:
        self.query_one("#security-tabs", TabbedContent).query_one(Tabs).focus()

    @on(events.DescendantBlur, "#security-filter")
    def hide_empty_filter(self) -> None:
        typed = self.query_one("#security-filter", FilterInput).value
        self.query_one("#security-filter-bar").set_class(bool(typed), "-shown")

    def _today(self) -> dt.date:
        return app_now(self.app).date()

    # The chart

    @on(PriceChart.Resized)
    def resample_for_width(self, message: PriceChart.Resized) -> None:
        self._columns = message.columns
        self.load_chart()

    def load_chart(self) -> None:
        """Read the bars for the options chosen and the chart's width; a newer load replaces an older one."""
        if not self._columns:
            return  # the chart has no width yet; its first Resized starts the load
        self._chart_request += 1
        chart = self.query_one(PriceChart)
        self._read_chart(
            ChartRequest(self._chart_request, self.security_id, self.options, self._columns, chart.layout_now)
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="security-chart")
    def _read_chart(self, request: ChartRequest) -> None:
        try:
            data, drawn = prepare_chart(request)
        except BaseException:
            self.post_message(ChartFailed())
            raise
        self.post_message(ChartPrepared(request.number, data, drawn))

    @on(ChartPrepared)
    def draw_chart(self, message: ChartPrepared) -> None:
        if message.request == self._chart_request:
            self.query_one(PriceChart).show(message.data, message.drawn)
            if self.facts is not None and self.facts.detail.security_id != self.security_id:
                header = Text(message.data.symbol, style="bold").append("  reading…", style="dim")
                self.query_one("#security-header", Static).update(header)
        self._load_facts_if_wanted()

    @on(ChartFailed)
    def chart_failed(self) -> None:
        self._load_facts_if_wanted()

    def apply_options(self, options: ChartOptions) -> None:
        self.options = options
        self.query_one(PriceChart).show_options(options)
        self.load_chart()

    def action_set_range(self, name: str) -> None:
        if name in RANGES and name != self.options.range:
            self.apply_options(dataclasses.replace(self.options, range=name))

    def action_step_range(self, step: int) -> None:
        index = min(max(RANGES.index(self.options.range) + step, 0), len(RANGES) - 1)
        self.action_set_range(RANGES[index])

    def action_toggle_option(self, option: str) -> None:
        if option in TOGGLES:
            flipped: dict[str, Any] = {option: not getattr(self.options, option)}
            self.apply_options(dataclasses.replace(self.options, **flipped))

    def action_compare(self) -> None:
        self.app.push_screen(CompareModal(self.options.compare_symbol or ""), self.compare_with)

    def compare_with(self, typed: str | None) -> None:
        if typed == "":
            self.apply_options(dataclasses.replace(self.options, compare_id=None, compare_symbol=None))
        elif typed:
            self._resolve_compare(typed)

    @work(thread=True, exclusive=True, exit_on_error=False, group="security-compare")
    def _resolve_compare(self, typed: str) -> None:
        self.post_message(CompareResolved(*resolve_symbol(typed)))

    @on(CompareResolved)
    def compare_resolved(self, message: CompareResolved) -> None:
        self.apply_options(
            dataclasses.replace(self.options, compare_id=message.security_id, compare_symbol=message.symbol)
        )


def _row_text(cells: tuple[Cell, ...]) -> str:
    return "\n".join(cell.plain if isinstance(cell, Text) else cell for cell in cells).lower()
