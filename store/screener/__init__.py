"""The screener (EQS): a small expression grammar over the latest figures, compiled to parameterised SQL.

`parse_screen(text)` checks an expression without the database (as the analyst types);
`uow.screener.run(text)` runs it. Mistakes raise ScreenerSyntaxError naming the 1-based column.
"""

from store.screener.columns import SCREEN_COLUMNS, ScreenColumn
from store.screener.parser import MAX_DEPTH, Screen, parse_screen
from store.screener.repository import ScreenerRepository, ScreenResult
from store.screener.tokens import MAX_LENGTH, ScreenerSyntaxError

__all__ = [
    "MAX_DEPTH",
    "MAX_LENGTH",
    "SCREEN_COLUMNS",
    "Screen",
    "ScreenColumn",
    "ScreenResult",
    "ScreenerRepository",
    "ScreenerSyntaxError",
    "parse_screen",
]
