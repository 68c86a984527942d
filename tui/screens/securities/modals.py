"""The Securities area's modals: facet values to filter by, and where to export the shown rows."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

import polars as pl
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, SelectionList
from textual.widgets.selection_list import Selection

from store.errors import InvalidInput
from store.records.securities import SecurityFacets
from tui.modals import SavingModal, set_error
from tui.screens.securities.frame import FACETS, TableFilter, facet_label

EXPORT_FORMATS = (".csv", ".parquet")


class FacetModal(ModalScreen[TableFilter | None]):
    """Exchange, type and sector values with their counts; space toggles, ctrl+s applies, escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "apply", "Apply", tooltip="Filter the table by the ticked values", id="facets.apply"),
        Binding("x", "clear", "Clear", tooltip="Untick every value", id="facets.clear"),
        Binding("escape", "cancel", "Cancel", tooltip="Keep the facets as they were", id="facets.cancel"),
    ]
    DEFAULT_CSS = """
    FacetModal {
        align: center middle;
        background: $background 60%;
    }
    FacetModal > Vertical {
        width: 100;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        padding: 0 1;
        border: thick $primary 70%;
        background: $panel;
    }
    FacetModal #facets-title { text-style: bold; width: 100%; margin-bottom: 1; }
    FacetModal Horizontal { height: auto; }
    FacetModal SelectionList { width: 1fr; height: auto; max-height: 16; border: round $panel-lighten-2; }
    FacetModal SelectionList:focus { border: round $primary; }
    FacetModal #facet-sectors { width: 2fr; }
    FacetModal #facets-keys { color: $text-muted; width: 100%; }
    """

    def __init__(self, facets: SecurityFacets, wanted: TableFilter) -> None:
        super().__init__()
        self.facets = facets
        self.wanted = wanted

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Show only securities with these values (none ticked: any)", id="facets-title")
            with Horizontal():
                for facet, (_, title) in FACETS.items():
                    counts = getattr(self.facets, facet)
                    chosen = self.wanted.chosen(facet)
                    choices = [Selection(facet_label(count), count.value, count.value in chosen) for count in counts]
                    selection_list: SelectionList[str | None] = SelectionList(*choices, id=f"facet-{facet}")
                    selection_list.border_title = title
                    yield selection_list
            yield Label("space tick · tab next list · ctrl+s apply · x clear · esc cancel", id="facets-keys")

    def on_mount(self) -> None:
        for selection_list in self.query(SelectionList):
            if selection_list.option_count:
                selection_list.highlighted = 0

    def action_apply(self) -> None:
        def ticked(facet: str) -> frozenset[Any]:
            return frozenset(self.query_one(f"#facet-{facet}", SelectionList).selected)

        self.dismiss(
            dataclasses.replace(
                self.wanted,
                exchanges=ticked("exchanges"),
                instrument_types=ticked("instrument_types"),
                sectors=ticked("sectors"),
            )
        )

    def action_clear(self) -> None:
        for selection_list in self.query(SelectionList):
            selection_list.deselect_all()

    def action_cancel(self) -> None:
        self.dismiss(None)


@dataclass(frozen=True, slots=True)
class ExportForm:
    """The path as typed; `replace` once the analyst has been told the file exists and pressed enter again."""

    path: str
    replace: bool = False


@dataclass(frozen=True, slots=True)
class ExportResult:
    path: Path
    rows: int


def export_frame(frame: pl.DataFrame, form: ExportForm) -> ExportResult:
    """Write `frame` to the typed path (runs in a thread); the extension picks CSV or Parquet."""
    path = Path(form.path.strip()).expanduser()
    problem = _path_problem(path)
    if problem:
        raise InvalidInput(problem, fields={"path": problem})
    if path.exists() and not form.replace:
        problem = f"{path.name} exists: enter again to replace it"
        raise InvalidInput(problem, fields={"replace": problem})
    try:
        if path.suffix.lower() == ".csv":
            frame.write_csv(path)
        else:
            frame.write_parquet(path)
    except OSError as exc:
        problem = f"cannot write {path}: {exc.strerror or exc}"
        raise InvalidInput(problem, fields={"path": problem}) from exc
    return ExportResult(path, frame.height)


def _path_problem(path: Path) -> str:
    if not path.name:
        return "name the file to write"
    if path.suffix.lower() not in EXPORT_FORMATS:
        return "end the name in .csv or .parquet (that picks the format)"
    if not path.parent.is_dir():
        return f"there is no folder {path.parent}"
    if path.is_dir():
        return f"{path} is a folder"
    return ""


class ExportModal(SavingModal[ExportForm, ExportResult]):
    """Asks where to write the shown rows; the file is written in a worker, and problems show under the path."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without writing", id="export.cancel"),
    ]

    def __init__(self, frame: pl.DataFrame, default_path: str, *, what: str = "rows") -> None:
        super().__init__(partial(export_frame, frame))
        self.row_count = frame.height
        self.default_path = default_path
        self.what = what
        self._replace_path: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="form-modal"):
            yield Label(f"Export the {self.row_count:,} shown {self.what}", classes="form-title")
            with Horizontal(classes="form-row"):
                yield Label("File", classes="form-label")
                yield Input(self.default_path, id="export-path", classes="form-field", compact=True)
            yield Label("", id="export-path-error", classes="form-error")
            yield Label(".csv or .parquet picks the format; ~ is your home folder", classes="form-hint")
            yield Label("enter write · esc cancel", classes="form-keys")

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    @on(Input.Submitted, "#export-path")
    def write(self) -> None:
        self.action_save()

    def current_form(self) -> ExportForm:
        typed = self.query_one("#export-path", Input).value
        return ExportForm(typed, replace=typed == self._replace_path)

    def show_problems(self, problems: Mapping[str, str], message: str) -> None:
        if "replace" in problems:
            self._replace_path = self.query_one("#export-path", Input).value
        problem = problems.get("path") or problems.get("replace") or (message if problems else "")
        set_error(self.query_one("#export-path-error", Label), problem)

    def show_saving(self, saving: bool) -> None:
        self.query_one(".form-modal").set_class(saving, "-saving")
