"""The screener's recursive-descent parser: tokens → a typed syntax tree over the fixed list of columns.

    screen     := or_expr
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | "(" or_expr ")" | comparison
    comparison := operand op operand | column ["not"] "in" "(" value ("," value)* ")"
    operand    := column | value          value := number | "-" number | string | true | false

Types are checked here, where each token's column is known: a number against a number column, text against a
text column (= and != only, any case), true/false against is_active, a quoted 'YYYY-MM-DD' against a date column;
two columns only when both are numbers (or both dates).
"""

from __future__ import annotations

import datetime as dt
import decimal
import difflib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

from store.screener.columns import SCREEN_COLUMNS, Kind, ScreenColumn
from store.screener.tokens import ScreenerSyntaxError, Token, tokenize

# Parentheses and `not`s inside one another; deep enough for any screen a person writes.
MAX_DEPTH = 32
Operator = Literal["=", "!=", "<", "<=", ">", ">="]
_FLIPPED: dict[Operator, Operator] = {"=": "=", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_EQUALITY = ("=", "!=")
_EXAMPLE = "rs_rating >= 80"
_ORDERED_KINDS = ("number", "date")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True, slots=True)
class Value:
    """A literal: a number (Decimal), a string, true/false, or a day (a string compared with a date column)."""

    value: decimal.Decimal | str | bool | dt.date
    column: int

    @property
    def kind(self) -> Kind:
        if isinstance(self.value, bool):
            return "boolean"
        if isinstance(self.value, dt.date):
            return "date"
        return "text" if isinstance(self.value, str) else "number"


@dataclass(frozen=True, slots=True)
class ColumnRef:
    """A column of the fixed list, where it was written."""

    column: ScreenColumn
    at: int


@dataclass(frozen=True, slots=True)
class Comparison:
    """`left op right`, the column on the left (80 <= rs_rating is kept as rs_rating >= 80)."""

    left: ColumnRef
    operator: Operator
    right: ColumnRef | Value


@dataclass(frozen=True, slots=True)
class InList:
    """`column [not] in (values…)`."""

    left: ColumnRef
    values: tuple[Value, ...]
    negated: bool


@dataclass(frozen=True, slots=True)
class Not:
    """`not operand`."""

    operand: Node


@dataclass(frozen=True, slots=True)
class And:
    """Every operand holds."""

    operands: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    """At least one operand holds."""

    operands: tuple[Node, ...]


Node = Comparison | InList | Not | And | Or


@dataclass(frozen=True, slots=True)
class Screen:
    """A parsed screen: its tree, and the columns it names in the order first written."""

    expression: str
    tree: Node
    columns: tuple[ScreenColumn, ...]


def parse_screen(expression: str) -> Screen:
    """Parse `expression`, or raise ScreenerSyntaxError naming the column where it went wrong."""
    parser = _Parser(tokenize(expression))
    tree = parser.screen()
    return Screen(expression=expression, tree=tree, columns=tuple(dict.fromkeys(parser.named)))


class _Parser:
    """One pass over the tokens, one method per rule of the grammar; `named` collects the columns met."""

    def __init__(self, tokens: list[Token]) -> None:
        self._tokens = tokens
        self._at = 0
        self._depth = 0
        self.named: list[ScreenColumn] = []

    @property
    def _token(self) -> Token:
        return self._tokens[self._at]

    def _advance(self) -> Token:
        token = self._tokens[self._at]
        if token.kind != "end":
            self._at += 1
        return token

    def _previous(self) -> Token | None:
        return self._tokens[self._at - 1] if self._at else None

    @contextmanager
    def _nested(self, token: Token) -> Iterator[None]:
        if self._depth >= MAX_DEPTH:
            raise ScreenerSyntaxError(token.column, f"nested more than {MAX_DEPTH} deep: simplify the expression")
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1

    def screen(self) -> Node:
        if self._token.kind == "end":
            raise ScreenerSyntaxError(1, f"the expression is empty: write a condition such as {_EXAMPLE}")
        tree = self._or()
        token = self._token
        if token.kind == ")":
            raise ScreenerSyntaxError(token.column, "this ')' closes no '('")
        if token.kind != "end":
            raise ScreenerSyntaxError(
                token.column, f"unexpected {token.shown()} after a complete condition: join conditions with and / or"
            )
        return tree

    def _or(self) -> Node:
        operands = [self._and()]
        while self._token.is_word("or"):
            self._advance()
            operands.append(self._and())
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def _and(self) -> Node:
        operands = [self._not()]
        while self._token.is_word("and"):
            self._advance()
            operands.append(self._not())
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def _not(self) -> Node:
        token = self._token
        if token.is_word("not"):
            self._advance()
            with self._nested(token):
                return Not(self._not())
        if token.kind == "(":
            self._advance()
            with self._nested(token):
                inner = self._or()
            if self._token.kind != ")":
                raise ScreenerSyntaxError(
                    self._token.column,
                    f"expected ')' to close the '(' at column {token.column}, found {self._token.shown()}",
                )
            self._advance()
            return inner
        return self._comparison()

    def _comparison(self) -> Node:
        left = self._operand()
        token = self._token
        if token.is_word("in") or (token.is_word("not") and self._tokens[self._at + 1].is_word("in")):
            return self._in_list(left)
        if token.kind != "operator":
            raise ScreenerSyntaxError(token.column, _expected_operator(self._previous(), token))
        self._advance()
        operator: Operator = token.value  # type: ignore[assignment]
        right = self._operand()
        return _typed_comparison(left, operator, right, token)

    def _operand(self) -> ColumnRef | Value:
        token = self._token
        if token.kind == "name" and not token.is_keyword:
            self._advance()
            return self._column(token)
        return self._value()

    def _column(self, token: Token) -> ColumnRef:
        found = SCREEN_COLUMNS.get(str(token.value))
        if found is None:
            raise ScreenerSyntaxError(token.column, _unknown_column(token.text))
        self.named.append(found)
        return ColumnRef(found, token.column)

    def _value(self) -> Value:
        previous = self._previous()
        token = self._advance()
        if token.kind in ("number", "string"):
            return Value(token.value, token.column)
        if token.is_word("true") or token.is_word("false"):
            return Value(token.value == "true", token.column)
        if token.kind == "-" and self._token.kind == "number":
            return Value(-decimal.Decimal(self._advance().value), token.column)
        if token.kind == "-":
            raise ScreenerSyntaxError(self._token.column, f"expected a number after '-', found {self._token.shown()}")
        raise ScreenerSyntaxError(token.column, _expected_operand(previous, token))

    def _in_list(self, left: ColumnRef | Value) -> InList:
        negated = self._advance().is_word("not")
        if negated:
            self._advance()
        if not isinstance(left, ColumnRef):
            raise ScreenerSyntaxError(left.column, 'put a column before \'in\', e.g. sector in ("Power", "Realty")')
        opening = self._advance()
        if opening.kind != "(":
            raise ScreenerSyntaxError(opening.column, f"expected '(' after 'in', found {opening.shown()}")
        values = [self._listed(left)]
        while self._token.kind == ",":
            self._advance()
            values.append(self._listed(left))
        closing = self._advance()
        if closing.kind != ")":
            raise ScreenerSyntaxError(
                closing.column,
                f"expected ',' or ')' in the list opened at column {opening.column}, found {closing.shown()}",
            )
        return InList(left, tuple(values), negated)

    def _listed(self, left: ColumnRef) -> Value:
        if self._token.kind == ")":
            raise ScreenerSyntaxError(self._token.column, "expected a value here: a list holds at least one value")
        return _checked_value(left, self._value())


def _typed_comparison(
    left: ColumnRef | Value, operator: Operator, right: ColumnRef | Value, token: Token
) -> Comparison:
    if isinstance(left, Value) and isinstance(right, Value):
        raise ScreenerSyntaxError(left.column, "compare a column with a value, e.g. rs_rating >= 80")
    if isinstance(left, Value):
        assert isinstance(right, ColumnRef)
        left, operator, right = right, _FLIPPED[operator], left
    if isinstance(right, ColumnRef):
        for side in (left, right):
            if side.column.kind not in _ORDERED_KINDS or side.column.kind != left.column.kind:
                raise ScreenerSyntaxError(
                    side.at,
                    f"only numbers (or dates) compare with another column of their kind; {side.column.name} is "
                    f"{side.column.kind}",
                )
    else:
        right = _checked_value(left, right)
    if left.column.kind not in _ORDERED_KINDS and operator not in _EQUALITY:
        raise ScreenerSyntaxError(
            token.column, f"{left.column.name} is {left.column.kind}: compare it with =, != or in, not {token.text}"
        )
    return Comparison(left, operator, right)


def _checked_value(column: ColumnRef, value: Value) -> Value:
    """`value` if it suits the column (a quoted day becomes a date), else the error naming where it was written."""
    kind = column.column.kind
    if value.kind == kind:
        return value
    name = column.column.name
    if kind == "date":
        return _day(name, value)
    if kind == "number":
        raise ScreenerSyntaxError(value.column, f"{name} is a number: compare it with a number, e.g. {name} >= 10")
    if kind == "text":
        raise ScreenerSyntaxError(value.column, f'{name} is text: put the value in quotes, e.g. {name} = "…"')
    raise ScreenerSyntaxError(value.column, f"{name} is true or false: compare it with true or false")


def _day(name: str, value: Value) -> Value:
    written = value.value
    if isinstance(written, str) and _ISO_DATE.fullmatch(written):
        try:
            return Value(dt.date.fromisoformat(written), value.column)
        except ValueError:
            raise ScreenerSyntaxError(value.column, f"'{written}' is not a day of the calendar") from None
    if isinstance(written, str):
        raise ScreenerSyntaxError(value.column, f"'{written}' is not a day: write it as 'YYYY-MM-DD'")
    raise ScreenerSyntaxError(value.column, f"{name} is a date: write the day in quotes, e.g. {name} >= '2026-11-20'")


def _unknown_column(written: str) -> str:
    guesses = difflib.get_close_matches(written.lower(), SCREEN_COLUMNS, n=1, cutoff=0.6)
    hint = f" — did you mean {guesses[0]}?" if guesses else " — see the list of screen columns"
    return f"unknown column '{written}'{hint}"


def _expected_operator(previous: Token | None, found: Token) -> str:
    after = f" after {previous.shown()}" if previous is not None else ""
    return f"expected a comparison such as >= or ={after}, found {found.shown()}"


def _expected_operand(previous: Token | None, found: Token) -> str:
    if previous is None or previous.kind == "(" or previous.is_keyword:
        after = "" if previous is None else f" after {previous.shown()}"
        return f"expected a condition such as {_EXAMPLE}{after}, found {found.shown()}"
    return f"expected a value after {previous.shown()}, found {found.shown()}"
