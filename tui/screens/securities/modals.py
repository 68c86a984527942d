"""The Securities area's facet modal (the export modal is shared: tui.modals.export)."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, SelectionList
from textual.widgets.selection_list import Selection

from store.records.securities import SecurityFacets
from tui.modals.export import ExportForm, ExportModal, ExportResult, export_frame
from tui.screens.securities.frame import FACETS, TableFilter, facet_label


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


__all__ = ["ExportForm", "ExportModal", "ExportResult", "FacetModal", "export_frame"]
