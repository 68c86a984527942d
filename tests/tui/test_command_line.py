"""The command line reads a symbol and a mnemonic in either order, and says what is wrong otherwise."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui.command_line import MNEMONICS, Command, CommandError, parse_command


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("INFY", Command("detail", "INFY")),
        ("infy des", Command("detail", "INFY")),
        ("DES INFY", Command("detail", "INFY")),
        ("INFY GP", Command("chart", "INFY")),
        ("  gp   m&m ", Command("chart", "M&M")),
        ("BAJAJ-AUTO", Command("detail", "BAJAJ-AUTO")),
        ("BRK.A:XNYS GP", Command("chart", "BRK.A", "XNYS")),
        ("AW INFY", Command("add-to-watchlist", "INFY")),
        ("WL", Command("watchlists")),
        ("rq", Command("research-queue")),
        ("HOME", Command("home")),
        ("about", Command("about")),
    ],
)
def test_reads_symbols_and_mnemonics_in_either_order(line: str, expected: Command) -> None:
    assert parse_command(line) == expected


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("", "type a symbol or a command"),
        ("GP", "GP needs a symbol, e.g. INFY GP"),
        ("WL INFY", "WL takes no symbol"),
        ("INFY TCS", "one symbol at a time"),
        ("GP DES INFY", "one command at a time"),
        ("INFY!", "'INFY!' is neither a command nor a symbol"),
    ],
)
def test_mistakes_say_what_to_type(line: str, message: str) -> None:
    with pytest.raises(CommandError, match=message):
        parse_command(line)


@given(st.from_regex(r"[A-Z][A-Z0-9&\-]{0,9}", fullmatch=True), st.sampled_from(sorted(MNEMONICS)))
def test_order_never_matters(symbol: str, mnemonic: str) -> None:
    if symbol in MNEMONICS:
        return
    first = _outcome(f"{symbol} {mnemonic}")
    assert first == _outcome(f"{mnemonic} {symbol}")


def _outcome(line: str) -> Command | str:
    try:
        return parse_command(line)
    except CommandError as exc:
        return type(exc).__name__
