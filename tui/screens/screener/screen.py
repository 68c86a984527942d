"""The Screener area (EQS): an expression checked as typed; enter runs it; the matches as the securities table."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

import polars as pl
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Input, Static

import store
from store.errors import InvalidInput
from store.screener import MAX_LENGTH, ScreenResult
from tui.config import ConfigError, UserConfig, load_config, save_screens
from tui.modals import FormOutcome
from tui.modals.export import ExportForm, ExportModal, ExportResult
from tui.screens.base import AreaScreen, app_now
from tui.screens.screener.expression import HINT, ExpressionCheck, caret_line, check_expression, result_columns
from tui.screens.screener.messages import ScreenRan, ScreensSaved
from tui.screens.screener.modals import OpenScreenModal, SaveScreenModal, ScreenColumnsModal
from tui.screens.securities.frame import SECURITY_COLUMNS, TableFilter, filter_rows, search_text
from tui.widgets.filter_input import FilterInput
from tui.widgets.frame_table import FrameColumn, FrameTable

# Rows one run brings back, best first by RS rating; the count of every match is shown beside them.
RUN_LIMIT = 500
_PROMPT = "EQS › "


class ScreenerScreen(AreaScreen):
    """A screen expression over the latest figures; its matches sort, filter, open and go to a watchlist."""

    CSS_PATH = Path(__file__).parent / "screener.tcss"
    SUB_TITLE = "Screener"
    AUTO_FOCUS = "#screener-expression"
    # market_overview is a materialized view (no change feed); a price load announces itself on ohlcv_daily.
    WATCHED_TABLES = frozenset({"securities", "ohlcv_daily", "calculated_metrics", "industry_classifications"})
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "edit", "Expression", tooltip="Back to the expression", id="screener.edit"),
        Binding(
            "slash",
            "focus_filter",
            "Filter",
            tooltip="Filter the matches by symbol, name or ISIN",
            id="screener.filter",
        ),
        Binding("w", "watch", "Watch", tooltip="Add the security to a watchlist", id="screener.add-to-watchlist"),
        Binding("ctrl+s", "save", "Save", tooltip="Save the expression as a named screen", id="screener.save"),
        Binding("ctrl+o", "open", "Open", tooltip="Run a saved screen", id="screener.open"),
        Binding("ctrl+l", "columns", "Columns", tooltip="The columns a screen may name", id="screener.columns"),
        Binding(
            "ctrl+e", "export", "Export", tooltip="Write the shown matches to CSV or Parquet", id="screener.export"
        ),
        Binding("r", "refresh", "Run again", tooltip="Run the screen again", id="screener.refresh"),
        Binding(
            "escape",
            "leave_expression",
            "To the matches",
            show=False,
            tooltip="Back to the matches",
            id="screener.to-matches",
        ),
    ]

    def __init__(self) -> None:
        super().__init__(id="screener")
        self.check = ExpressionCheck("")
        self.result: ScreenResult | None = None
        self.searched: pl.Series | None = None
        self.wanted = TableFilter()
        self.screen_name: str | None = None

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="screener-line"):
            yield Static(_PROMPT, id="screener-prompt")
            yield Input(
                placeholder="rs_rating >= 80 and stage = 2",
                max_length=MAX_LENGTH + 1,
                id="screener-expression",
                compact=True,
                select_on_focus=False,  # `e` comes back to refine the expression, not to retype it
            )
        yield Static(HINT, id="screener-problem", markup=False)
        with Horizontal(id="screener-bar"):
            yield FilterInput(
                table_selector="#screener-table", placeholder="/ to filter the matches", id="screener-filter"
            )
            yield Static("type a screen and press enter", id="screener-count", markup=False)
        yield FrameTable(SECURITY_COLUMNS, row_key="security_id", empty_text="No screen run yet", id="screener-table")

    @property
    def table(self) -> FrameTable:
        return self.query_one("#screener-table", FrameTable)

    @property
    def expression_input(self) -> Input:
        return self.query_one("#screener-expression", Input)

    # Checking as typed

    @on(Input.Changed, "#screener-expression")
    def check_as_typed(self, event: Input.Changed) -> None:
        self.check = check_expression(event.value)
        if self.screen_name is not None and self._config().screens.get(self.screen_name) != event.value:
            self.screen_name = None
        self.show_check()

    def show_check(self) -> None:
        problem = self.query_one("#screener-problem", Static)
        problem.set_class(self.check.column is not None, "-error")
        if self.check.column is None:
            problem.update(HINT if not self.check.text.strip() else "enter runs the screen · ctrl+s saves it")
            return
        field = self.expression_input
        indent = field.region.x - self.region.x
        problem.update(
            caret_line(self.check, indent=indent, scrolled=round(field.scroll_x), width=problem.size.width or 80)
        )

    # Running

    @on(Input.Submitted, "#screener-expression")
    def run_typed(self) -> None:
        if not self.check.text.strip():
            self.notify("Type a screen first, e.g. rs_rating >= 80", severity="warning")
        elif not self.check.runnable:
            self.notify(f"column {self.check.column}: {self.check.problem}", title="Not run", severity="warning")
        else:
            self._run(self.check.text)

    def reload(self) -> None:
        if self.result is not None:
            self._run(self.result.screen.expression)

    def action_refresh(self) -> None:
        if self.check.runnable:
            self._run(self.check.text)

    @work(thread=True, exclusive=True, exit_on_error=False, group="screener-run")
    def _run(self, expression: str) -> None:
        with store.unit_of_work(read_only=True) as uow:
            result = uow.screener.run(expression, limit=RUN_LIMIT)
        self.post_message(ScreenRan(result, search_text(result.frame)))

    @on(ScreenRan)
    async def show_matches(self, message: ScreenRan) -> None:
        """The matches; when the same screen ran again after another writer's change, its changed rows are marked."""
        again = self.result is not None and self.result.screen.expression == message.result.screen.expression
        changed_by = self.take_change_actors()
        self.result, self.searched = message.result, message.search_text
        columns = result_columns(message.result.screen)
        if columns != self.table.columns:
            await self._replace_table(columns)
        self.table.empty_text = "No security meets the screen" if not self.wanted.text else "No match meets the filter"
        self.show_filtered(changed_by=changed_by if again else None)
        if self.expression_input.has_focus:
            self.table.focus()

    async def _replace_table(self, columns: tuple[FrameColumn, ...]) -> None:
        """Another set of columns (the screen names other figures): a new table in the old one's place."""
        old = self.table
        focused = old.has_focus
        replacement = FrameTable(columns, row_key="security_id", id="screener-table")
        await old.remove()
        await self.mount(replacement, after=self.query_one("#screener-bar"))
        if focused:
            replacement.focus()

    @on(Input.Changed, "#screener-filter")
    def filter_as_typed(self, event: Input.Changed) -> None:
        self.wanted = dataclasses.replace(self.wanted, text=event.value)
        self.show_filtered()

    @on(Input.Submitted, "#screener-filter")
    def leave_filter(self) -> None:
        self.table.focus()

    def show_filtered(self, *, changed_by: str | None = None) -> None:
        if self.result is None or self.searched is None:
            return
        self.table.set_frame(filter_rows(self.result.frame, self.searched, self.wanted), changed_by=changed_by)

    @on(FrameTable.CursorMoved, "#screener-table")
    def show_count(self) -> None:
        result = self.result
        if result is None:
            return
        table = self.table
        sort = next((column.label for column in table.columns if column.key == table.sort_key), None)
        order = f" · by {sort} {'▼' if table.sort_descending else '▲'}" if sort else ""
        shown = f"{table.cursor_row + 1:,}/{table.row_count:,}" if table.row_count else "0"
        matched = f"{result.total:,} matches" if result.total != 1 else "1 match"
        first = f" (first {result.frame.height:,})" if result.total > result.frame.height else ""
        named = f" · {self.screen_name}" if self.screen_name else ""
        self.query_one("#screener-count", Static).update(f"{shown} of {matched}{first}{order}{named}")

    # Keys

    def action_edit(self) -> None:
        self.expression_input.focus()
        self.expression_input.action_end()

    def action_leave_expression(self) -> None:
        """Escape in the expression goes down to the matches (the expression is kept); elsewhere it goes back."""
        if self.expression_input.has_focus and self.result is not None:
            self.table.focus()
        elif len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def action_focus_filter(self) -> None:
        self.query_one("#screener-filter", Input).focus()

    def action_watch(self) -> None:
        from tui.screens.watchlists import add_to_watchlist_flow

        row = self.table.cursor_data()
        if row is None:
            self.notify("No security at the cursor", severity="warning")
            return
        add_to_watchlist_flow(self.app, row["security_id"], symbol=row["symbol"])

    @on(FrameTable.RowChosen, "#screener-table")
    def open_security(self, event: FrameTable.RowChosen) -> None:
        open_detail: Callable[[int], None] = self.app.open_security  # type: ignore[attr-defined]
        open_detail(event.row["security_id"])

    def action_columns(self) -> None:
        self.app.push_screen(ScreenColumnsModal(), self.insert_column)

    def insert_column(self, name: str | None) -> None:
        if name is not None:
            field = self.expression_input
            field.insert_text_at_cursor(name)
            field.focus()

    # Named screens (config.toml)

    def _config(self) -> UserConfig:
        config = getattr(self.app, "config", None)
        return config if isinstance(config, UserConfig) else UserConfig()

    def action_save(self) -> None:
        if not self.check.runnable:
            self.notify("Only a screen that reads correctly can be saved", severity="warning")
            return
        expression = self.check.text.strip()
        modal = SaveScreenModal(expression, self._save_as(expression), name=self.screen_name or "")
        self.app.push_screen(modal, self.say_saved)

    def _save_as(self, expression: str) -> Callable[[str], UserConfig]:
        path = self._config().path

        def save(name: str) -> UserConfig:
            """Runs in the form's worker: the file is read again, so screens saved elsewhere are kept."""
            name = name.strip()
            if not name:
                raise InvalidInput("cannot save the screen", fields={"name": "give the screen a name"})
            try:
                screens = load_config(path).screens
                return save_screens({**screens, name: expression}, path)
            except ConfigError as broken:
                raise InvalidInput("cannot save the screen", fields={"name": str(broken)}) from broken

        return save

    def say_saved(self, outcome: FormOutcome[str, UserConfig] | None) -> None:
        if outcome is None or outcome.saved is None:
            return
        self.post_message(ScreensSaved(outcome.saved, outcome.form.strip()))

    @on(ScreensSaved)
    def keep_saved_screens(self, message: ScreensSaved) -> None:
        self.app.config = dataclasses.replace(self._config(), screens=message.config.screens, path=message.config.path)  # type: ignore[attr-defined]
        self.screen_name = message.name
        self.show_count()
        self.notify(f"Saved as {message.name!r} in {message.config.path}", title="Screener")

    def action_open(self) -> None:
        self.app.push_screen(OpenScreenModal(self._config().screens), self.open_saved)

    def open_saved(self, name: str | None) -> None:
        if name is None:
            return
        expression = self._config().screens[name]
        self.screen_name = name
        field = self.expression_input
        field.value = expression
        field.cursor_position = len(expression)
        self.check = check_expression(expression)
        self.show_check()
        self.run_typed()

    def action_export(self) -> None:
        stamp = app_now(self.app).astimezone().strftime("%Y%m%d-%H%M")
        modal = ExportModal(self.table.shown_frame(), f"~/screen-{stamp}.csv", what="matches")
        self.app.push_screen(modal, self.say_exported)

    def say_exported(self, outcome: FormOutcome[ExportForm, ExportResult] | None) -> None:
        if outcome is not None and outcome.saved is not None:
            self.notify(f"{outcome.saved.rows:,} rows written to {outcome.saved.path}", title="Exported")
