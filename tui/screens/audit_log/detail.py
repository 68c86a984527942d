"""The audit log's detail pane: one entry's who, when and why, and its fields before and after."""

from __future__ import annotations

import datetime as dt
import decimal
import json

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from store.records.audit import FieldChange
from tui.screens.audit_log.data import EntryDetail, shown_time

MISSING = "∅"


def shown_value(value: object) -> str:
    """A field's value as the analyst reads it: ∅ for none, numbers without trailing zeros, times in UTC."""
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, decimal.Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dt.datetime):
        return shown_time(value) + " UTC"
    if isinstance(value, dict | list):
        return json.dumps(value, default=str, ensure_ascii=False, sort_keys=True)
    return str(value)


def render_detail(detail: EntryDetail, refusal: str | None = None) -> RenderableType:
    entry = detail.entry
    heading = Text()
    heading.append(f"#{entry.id}", style="bold")
    heading.append(
        f"  {shown_time(entry.occurred_at)} UTC  ·  {entry.actor}  ·  {entry.action}  ·  {entry.entity_type}"
    )
    if entry.entity_id:
        heading.append(f" {entry.entity_id}", style="dim")
    parts: list[RenderableType] = [heading]
    if entry.reverses_id is not None:
        parts.append(Text(f"Undoes #{entry.reverses_id}", style="italic"))
    if entry.reason:
        parts.append(Text(f"Reason: {entry.reason}", style="italic"))
    if refusal:
        parts.append(Text(f"Cannot undo: {refusal}", style="bold yellow"))
    parts.append(changes_table(detail.changes))
    return Group(*parts)


def changes_table(changes: tuple[FieldChange, ...]) -> RenderableType:
    if not changes:
        return Text("No field changed (a decision or review: see the reason).", style="dim italic")
    table = Table(box=box.SIMPLE_HEAD, expand=True, padding=(0, 1), pad_edge=False, show_edge=False)
    table.add_column("Field", style="bold", no_wrap=True, ratio=1)
    table.add_column("Before", ratio=3, overflow="fold")
    table.add_column("After", ratio=3, overflow="fold")
    for change in changes:
        table.add_row(change.field, _cell(change.before), _cell(change.after))
    return table


def _cell(value: object) -> Text:
    return Text(shown_value(value), style="dim" if value is None else "")
