"""The command line's grammar: a symbol and mnemonics in either order (`INFY GP`, `GP INFY`, `WL`, `AW INFY`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Mnemonic → (action, needs a symbol?). A symbol alone means DES.
MNEMONICS: dict[str, tuple[str, bool | None]] = {
    "DES": ("detail", True),
    "GP": ("chart", True),
    "AW": ("add-to-watchlist", True),
    "AQ": ("add-to-queue", True),
    "SEC": ("securities", False),
    "WL": ("watchlists", False),
    "RQ": ("research-queue", False),
    "MR": ("morning-reports", False),
    "AUD": ("audit-log", False),
    "EQS": ("screener", False),
    "HOME": ("home", False),
    "HELP": ("help", False),
    "ABOUT": ("about", False),
}
DESCRIPTIONS = {
    "DES": "security detail",
    "GP": "price chart",
    "AW": "add to the current watchlist",
    "AQ": "add to the research queue",
    "SEC": "securities",
    "WL": "watchlists",
    "RQ": "research queue",
    "MR": "morning reports",
    "AUD": "audit log",
    "EQS": "equity screener",
    "HOME": "home",
    "HELP": "keys and commands",
    "ABOUT": "database and connection",
}
_SYMBOL = re.compile(r"^[A-Z0-9][A-Z0-9&\-._/]*(:[A-Z0-9]+)?$")


class CommandError(ValueError):
    """The command line could not be read; the message says what to type instead."""


@dataclass(frozen=True, slots=True)
class Command:
    """What the analyst asked for: an action, and the symbol (with an optional exchange) it applies to."""

    action: str
    symbol: str | None = None
    exchange: str | None = None


def parse_command(line: str) -> Command:
    """`INFY`, `INFY DES`, `DES INFY`, `INFY:NSE GP`, `WL`, `AW INFY` → a Command, or CommandError saying why not."""
    tokens = line.upper().split()
    if not tokens:
        raise CommandError("type a symbol or a command (HELP lists them)")
    mnemonics = [token for token in tokens if token in MNEMONICS]
    symbols = [token for token in tokens if token not in MNEMONICS]
    if len(mnemonics) > 1:
        raise CommandError(f"one command at a time: {' and '.join(mnemonics)} given")
    if len(symbols) > 1:
        raise CommandError(f"one symbol at a time: {' and '.join(symbols)} given")
    mnemonic = mnemonics[0] if mnemonics else "DES"
    action, needs_symbol = MNEMONICS[mnemonic]
    symbol = symbols[0] if symbols else None
    if needs_symbol and symbol is None:
        raise CommandError(f"{mnemonic} needs a symbol, e.g. INFY {mnemonic}")
    if not needs_symbol and symbol is not None:
        raise CommandError(f"{mnemonic} takes no symbol: type {mnemonic} alone, or {symbol} DES")
    if symbol is None:
        return Command(action)
    if not _SYMBOL.match(symbol):
        raise CommandError(f"{symbol!r} is neither a command nor a symbol")
    name, _, exchange = symbol.partition(":")
    return Command(action, name, exchange or None)
