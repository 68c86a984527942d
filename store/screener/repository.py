"""Running a screen: the securities whose latest figures meet the expression, as a frame like the securities table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Select, func, select

from store.repositories.base import Repository
from store.repositories.checks import refuse
from store.repositories.prices import read_frame
from store.screener.columns import SCREEN_COLUMNS, SECURITIES, TABLE_COLUMNS, ScreenColumn, screen_source
from store.screener.compiler import condition
from store.screener.parser import Screen, parse_screen

if TYPE_CHECKING:
    import polars as pl

LIMIT_MAX = 10_000
_MATCHES = "matches"


@dataclass(frozen=True, slots=True)
class ScreenResult:
    """The rows of one run (sorted, at most `limit`), how many securities matched in all, and what was run.

    `frame` has the securities table's columns (as SecurityRepository.as_frame), then each column the expression
    names that the table lacks, in the order written.
    """

    screen: Screen
    frame: pl.DataFrame
    total: int
    sort: str
    descending: bool


def frame_columns(screen: Screen) -> tuple[ScreenColumn, ...]:
    """The table's columns, then the ones the screen names beyond them."""
    shown = {column.name for column in TABLE_COLUMNS}
    return TABLE_COLUMNS + tuple(column for column in screen.columns if column.name not in shown)


def screen_statement(screen: Screen, *, sort: str, descending: bool, limit: int) -> Select[Any]:
    """The SELECT a run sends: the frame's columns and the count of every match, sorted, at most `limit` rows."""
    order = _sort_key(sort, descending)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= LIMIT_MAX:
        raise refuse("limit", f"must be a whole number from 1 to {LIMIT_MAX:,}, not {limit!r}")
    columns = frame_columns(screen)
    sources = {column.source for column in columns} | {SCREEN_COLUMNS[sort].source}
    s = SECURITIES.c
    return (
        select(*(column.selected() for column in columns), func.count().over().label(_MATCHES))
        .select_from(screen_source(sources))
        .where(condition(screen.tree))
        .order_by(order, s.symbol, s.exchange, s.id)
        .limit(limit)
    )


class ScreenerRepository(Repository):
    """Runs screen expressions over the latest overview and metrics; writes nothing."""

    def run(
        self, expression: str, *, sort: str = "rs_rating", descending: bool = True, limit: int = 500
    ) -> ScreenResult:
        """The securities meeting `expression`, best first by `sort` (missing figures last, ties by symbol).

        Raises ScreenerSyntaxError (an InvalidInput) naming the column where the expression went wrong.
        """
        screen = parse_screen(expression)
        statement = screen_statement(screen, sort=sort, descending=descending, limit=limit)
        # Expanding parameters are rendered as one bound parameter per value, never as literals.
        compiled = statement.compile(
            dialect=self._session.get_bind().dialect, compile_kwargs={"render_postcompile": True}
        )
        columns = frame_columns(screen)
        dtypes = {column.name: column.frame_type for column in columns} | {_MATCHES: "Int64"}
        names = [*(column.name for column in columns), _MATCHES]
        frame = read_frame(self._session, compiled.string, compiled.params, names, dtypes=dtypes)
        total = int(frame.item(0, _MATCHES)) if frame.height else 0
        return ScreenResult(screen=screen, frame=frame.drop(_MATCHES), total=total, sort=sort, descending=descending)


def _sort_key(sort: str, descending: bool) -> ColumnElement[Any]:
    if not isinstance(sort, str) or sort not in SCREEN_COLUMNS:
        raise refuse("sort", f"{sort!r} is not a screen column")
    if not isinstance(descending, bool):
        raise refuse("descending", f"must be True or False, not {descending!r}")
    expression = SCREEN_COLUMNS[sort].expression
    return (expression.desc() if descending else expression.asc()).nulls_last()
