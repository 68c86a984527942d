"""Messages of the Screener area: a run finished, the named screens were written."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    import polars as pl

    from store.screener import ScreenResult
    from tui.config import UserConfig


@dataclass
class ScreenRan(Message):
    """A screen was run: its result, and the lower-cased text the `/` filter searches."""

    bubble = False
    result: ScreenResult
    search_text: pl.Series


@dataclass
class ScreensSaved(Message):
    """The named screens were written to config.toml; `config` is the file as now read."""

    bubble = False
    config: UserConfig
    name: str
