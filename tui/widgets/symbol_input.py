"""An Input that completes security symbols from the database as the analyst types (→ accepts)."""

from __future__ import annotations

import asyncio
from typing import Any

from textual.suggester import Suggester
from textual.widgets import Input

from store.errors import StoreError

SYMBOL_CHARACTERS = r"[A-Za-z0-9&\-._/:]*"


def matching_symbols(typed: str, limit: int = 5) -> list[str]:
    """Symbols that start with what was typed, best first. Runs in a thread: it reads the database."""
    import store
    from store.repositories.securities import SecurityRepository

    prefix = typed.strip().upper()
    with store.unit_of_work(read_only=True) as uow:
        hits = uow.repository(SecurityRepository).search(prefix, limit=limit)
    return [hit.symbol for hit in hits if hit.symbol.upper().startswith(prefix)]


class SymbolSuggester(Suggester):
    """Suggests the best symbol starting with the typed text; each lookup is its own read-only unit of work."""

    def __init__(self, *, limit: int = 5) -> None:
        super().__init__(use_cache=True, case_sensitive=False)
        self.limit = limit

    async def get_suggestion(self, value: str) -> str | None:
        if not value.strip() or ":" in value:
            return None
        try:
            symbols = await asyncio.to_thread(matching_symbols, value, self.limit)
        except StoreError:
            # A suggestion is a nicety: with the database away the analyst can still type the symbol.
            return None
        return symbols[0] if symbols else None


class SymbolInput(Input):
    """Type a symbol (INFY, or INFY:NSE to name the exchange); → or enter takes the suggestion shown."""

    def __init__(self, value: str = "", *, placeholder: str = "symbol, e.g. INFY", **kwargs: Any) -> None:
        super().__init__(
            value, placeholder=placeholder, suggester=SymbolSuggester(), restrict=SYMBOL_CHARACTERS, **kwargs
        )

    def insert_text_at_cursor(self, text: str) -> None:
        """Symbols are upper case however they are typed (what the suggestion shows matches what is typed)."""
        super().insert_text_at_cursor(text.upper())

    @property
    def suggestion(self) -> str:
        """The completion shown after the cursor ('' when none)."""
        return self._suggestion

    @property
    def completed_value(self) -> str:
        """What was typed, completed by the suggestion shown (an exact symbol is its own best suggestion)."""
        suggestion = self.suggestion
        return suggestion if len(suggestion) > len(self.value) else self.value

    async def action_submit(self) -> None:
        self.value = self.completed_value
        await super().action_submit()
