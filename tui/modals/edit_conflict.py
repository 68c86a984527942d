"""Someone else saved first: their values and yours field by field; keep theirs, keep yours, or edit yours."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

ConflictChoice = Literal["theirs", "mine", "edit"]


@dataclass(frozen=True, slots=True)
class ConflictRow:
    """One field: as saved by the other writer, and as you would write it (`yours` None: you left it alone)."""

    label: str
    theirs: str
    yours: str | None

    @property
    def differs(self) -> bool:
        return self.yours is not None and self.yours != self.theirs


class EditConflictModal(ModalScreen[ConflictChoice]):
    """Returns "theirs" (drop your change), "mine" (write yours on top of theirs) or "edit" (back to your form)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "t",
            "choose('theirs')",
            "Keep theirs",
            tooltip="Drop your change; show theirs",
            id="edit-conflict.keep-theirs",
        ),
        Binding(
            "m", "choose('mine')", "Keep mine", tooltip="Write your values over theirs", id="edit-conflict.keep-mine"
        ),
        Binding(
            "e",
            "choose('edit')",
            "Edit mine",
            tooltip="Back to your form, on their version",
            id="edit-conflict.edit-mine",
        ),
        Binding(
            "escape", "back_out", "Back", tooltip="Edit yours where possible, else keep theirs", id="edit-conflict.back"
        ),
    ]
    DEFAULT_CSS = """
    EditConflictModal {
        align: center middle;
        background: $background 60%;
    }
    EditConflictModal > Vertical {
        width: 96;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        padding: 0 1;
        border: thick $warning 80%;
        background: $panel;
    }
    EditConflictModal #conflict-title { text-style: bold; width: 100%; }
    EditConflictModal #conflict-explanation { color: $text-muted; width: 100%; margin-bottom: 1; }
    EditConflictModal #conflict-fields {
        grid-size: 3;
        grid-columns: 12 1fr 1fr;
        grid-gutter: 0 2;
        height: auto;
        max-height: 20;
    }
    EditConflictModal #conflict-fields > Static { height: auto; }
    EditConflictModal .conflict-heading { text-style: bold underline; }
    EditConflictModal .conflict-field { color: $text-muted; }
    EditConflictModal .-differs { text-style: bold; }
    EditConflictModal Horizontal { height: auto; margin-top: 1; }
    EditConflictModal Button { margin-right: 2; }
    """

    def __init__(self, title: str, explanation: str, rows: Sequence[ConflictRow], *, can_edit: bool = True) -> None:
        super().__init__()
        self.title_text = title
        self.explanation = explanation
        self.rows = list(rows)
        self.can_edit = can_edit

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, id="conflict-title")
            yield Label(self.explanation, id="conflict-explanation")
            with Grid(id="conflict-fields"):
                for heading in ("Field", "Theirs (saved)", "Yours"):
                    yield Static(heading, classes="conflict-heading")
                for row in self.rows:
                    yield from self._row(row)
            with Horizontal():
                yield Button("Keep theirs (t)", id="keep-theirs", compact=True)
                yield Button("Keep mine (m)", variant="warning", id="keep-mine", compact=True)
                if self.can_edit:
                    yield Button("Edit mine (e)", variant="primary", id="edit-mine", compact=True)

    def _row(self, row: ConflictRow) -> ComposeResult:
        marker = "-differs" if row.differs else ""
        yield Static(row.label, classes=f"conflict-field {marker}")
        yield Static(Text(row.theirs), classes=f"conflict-theirs {marker}")
        yours = Text(row.yours) if row.yours is not None else Text("(not changed by you)", style="dim italic")
        yield Static(yours, classes=f"conflict-yours {marker}")

    def on_mount(self) -> None:
        self.query_one("#edit-mine" if self.can_edit else "#keep-theirs", Button).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Edit mine is offered only where there is a form to go back to."""
        return self.can_edit or not (action == "choose" and parameters == ("edit",))

    def action_choose(self, choice: ConflictChoice) -> None:
        self.dismiss(choice)

    def action_back_out(self) -> None:
        self.dismiss("edit" if self.can_edit else "theirs")

    @on(Button.Pressed)
    def choose_by_button(self, event: Button.Pressed) -> None:
        choices: dict[str | None, ConflictChoice] = {"keep-theirs": "theirs", "keep-mine": "mine", "edit-mine": "edit"}
        choice = choices.get(event.button.id)
        if choice is not None:
            self.dismiss(choice)
