"""The export modal: where to write the rows a table shows (filters applied), as CSV or Parquet."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label

from store.errors import InvalidInput
from tui.modals import SavingModal, set_error

if TYPE_CHECKING:
    import polars as pl

EXPORT_FORMATS = (".csv", ".parquet")


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
