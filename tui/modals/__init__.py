"""Modal screens: forms and confirmations that return a value; SavingModal, a form that saves itself."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from textual import on, work
from textual.message import Message
from textual.message_pump import MessagePump
from textual.screen import ModalScreen
from textual.widgets import Label
from textual.worker import Worker, WorkerState

from store.errors import EditConflict, InvalidInput

FormT = TypeVar("FormT")
ResultT = TypeVar("ResultT")


@dataclass(frozen=True, slots=True)
class FormOutcome(Generic[FormT, ResultT]):
    """How a saving form ended: saved (with the result), or in conflict with someone else's edit; `form` as typed."""

    form: FormT
    saved: ResultT | None = None
    conflict: EditConflict | None = None


@dataclass
class FormRefused(Message, bubble=False):
    """The save was refused (InvalidInput): the problems go next to their fields."""

    problems: dict[str, str]
    message: str


@dataclass
class FormSettled(Message, bubble=False):
    """The save worker finished with a saved record or a conflict: the form closes with it."""

    outcome: FormOutcome[Any, Any]


class SavingModal(ModalScreen[FormOutcome[FormT, ResultT] | None], Generic[FormT, ResultT]):
    """A modal form whose `save(form)` runs in a thread worker; subclasses compose and show problems.

    InvalidInput keeps the form open with its problems shown; EditConflict closes it with the conflict;
    any other error (the app notifies) keeps the form open with everything typed.
    """

    SAVE_GROUP = "form-save"
    DEFAULT_CSS = """
    SavingModal {
        align: center middle;
        background: $background 60%;
    }
    SavingModal .form-modal {
        width: 78;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        padding: 0 1;
        border: thick $primary 70%;
        background: $panel;
    }
    SavingModal .form-modal.-saving { border: thick $warning; }
    SavingModal .form-title { text-style: bold; width: 100%; margin-bottom: 1; }
    SavingModal .form-row { height: 1; margin-top: 1; }
    SavingModal .form-row-tall { height: 4; }
    SavingModal .form-label { width: 9; color: $text-muted; }
    SavingModal .form-field { width: 1fr; }
    SavingModal TextArea.form-field { padding: 0; }
    SavingModal .form-hint { color: $text-muted; padding-left: 9; width: 100%; }
    SavingModal .form-error { display: none; color: $error; padding-left: 9; width: 100%; }
    SavingModal .form-error.-shown { display: block; }
    SavingModal .form-keys { color: $text-muted; margin-top: 1; width: 100%; }
    """

    def __init__(self, save: Callable[[FormT], ResultT]) -> None:
        super().__init__()
        self._save = save
        self.saving = False

    def current_form(self) -> FormT:
        raise NotImplementedError

    def show_problems(self, problems: Mapping[str, str], message: str) -> None:
        raise NotImplementedError

    def show_saving(self, saving: bool) -> None:
        """Subclasses may show that a save is under way."""

    def action_save(self) -> None:
        if self.saving:
            return
        self.saving = True
        self.show_saving(True)
        self.show_problems({}, "")
        self._save_in_thread(self.current_form())

    def action_cancel(self) -> None:
        self.dismiss(None)

    @work(thread=True, exclusive=True, exit_on_error=False, group=SAVE_GROUP)
    def _save_in_thread(self, form: FormT) -> None:
        try:
            saved = self._save(form)
        except InvalidInput as refused:
            self.post_message(FormRefused(refused.fields, str(refused)))
        except EditConflict as conflict:
            self.post_message(FormSettled(FormOutcome(form, conflict=conflict)))
        else:
            self.post_message(FormSettled(FormOutcome(form, saved=saved)))

    @on(FormRefused)
    def show_refusal(self, message: FormRefused) -> None:
        self.saving = False
        self.show_saving(False)
        self.show_problems(message.problems, message.message)

    @on(FormSettled)
    def close_with_outcome(self, message: FormSettled) -> None:
        self.dismiss(message.outcome)

    @on(Worker.StateChanged)
    def allow_saving_again(self, event: Worker.StateChanged) -> None:
        """A save that failed otherwise (the app tells the analyst why) leaves the form as it was."""
        forward_worker_failure(self, event)
        if event.worker.group == self.SAVE_GROUP and event.state in (WorkerState.ERROR, WorkerState.CANCELLED):
            self.saving = False
            self.show_saving(False)


def forward_worker_failure(node: MessagePump, event: Worker.StateChanged) -> None:
    """Worker.StateChanged does not bubble: a failed worker of a screen is handed to the app's one handler."""
    if event.state == WorkerState.ERROR and node is not node.app:
        node.app.post_message(Worker.StateChanged(event.worker, event.state))


def set_error(label: Label, problem: str) -> None:
    """Show a problem under its field, or hide the line when there is none."""
    label.update(problem)
    label.set_class(bool(problem), "-shown")
