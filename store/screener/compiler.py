"""A parsed screen → a SQLAlchemy condition: columns from the fixed list, every value a bound parameter."""

from __future__ import annotations

import datetime as dt
import operator as python_operator
from collections.abc import Callable
from typing import Any

from sqlalchemy import Boolean, ColumnElement, Date, Numeric, Text, and_, func, literal, not_, or_

from store.screener.parser import And, ColumnRef, Comparison, InList, Node, Not, Operator, Or, Value

_OPERATORS: dict[Operator, Callable[[Any, Any], ColumnElement[bool]]] = {
    "=": python_operator.eq,
    "!=": python_operator.ne,
    "<": python_operator.lt,
    "<=": python_operator.le,
    ">": python_operator.gt,
    ">=": python_operator.ge,
}


def condition(node: Node) -> ColumnElement[bool]:
    """The WHERE condition of a screen tree. A missing figure matches no comparison, with or without `not`
    (SQL's rule: `not stage = 2` keeps only securities that have a stage)."""
    if isinstance(node, And):
        return and_(*(condition(operand) for operand in node.operands))
    if isinstance(node, Or):
        return or_(*(condition(operand) for operand in node.operands))
    if isinstance(node, Not):
        return not_(condition(node.operand))
    if isinstance(node, InList):
        return _in_list(node)
    return _comparison(node)


def _comparison(node: Comparison) -> ColumnElement[bool]:
    compare = _OPERATORS[node.operator]
    left = node.left.column.expression
    if isinstance(node.right, ColumnRef):
        return compare(left, node.right.column.expression)
    if node.left.column.kind == "text":
        return compare(func.lower(left), _lowered(node.right))
    return compare(left, _bound(node.right))


def _in_list(node: InList) -> ColumnElement[bool]:
    column = node.left.column
    if column.kind == "text":
        matched = func.lower(column.expression).in_([_lowered(value) for value in node.values])
    else:
        matched = column.expression.in_([_bound(value) for value in node.values])
    return not_(matched) if node.negated else matched


def _bound(value: Value) -> ColumnElement[Any]:
    """A number, true/false or a day as a typed bound parameter (numbers as numeric, whatever the column's width)."""
    if isinstance(value.value, bool):
        return literal(value.value, Boolean())
    if isinstance(value.value, dt.date):
        return literal(value.value, Date())
    return literal(value.value, Numeric())


def _lowered(value: Value) -> ColumnElement[Any]:
    # Lower case on the server, with the database's own rules, so both sides are folded alike.
    return func.lower(literal(value.value, Text()))
