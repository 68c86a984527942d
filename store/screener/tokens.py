"""The screener's tokenizer: names, numbers, quoted strings and operators, each with the column it starts at."""

from __future__ import annotations

import decimal
import re
from dataclasses import dataclass
from typing import Literal

from store.errors import InvalidInput

# Long enough for any screen worth typing; bounds the work of parsing and the size of the SQL it makes.
MAX_LENGTH = 1_000

TokenKind = Literal["name", "number", "string", "operator", "(", ")", ",", "-", "end"]
KEYWORDS = frozenset({"and", "or", "not", "in", "true", "false"})
COMPARISONS = {"=": "=", "==": "=", "!=": "!=", "<>": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")
_OPERATOR = re.compile(r"==|!=|<>|<=|>=|[=<>]")
_PUNCTUATION: dict[str, TokenKind] = {"(": "(", ")": ")", ",": ",", "-": "-"}
# What people type from other languages, and what to write instead.
_HINTS = {
    "&": "write 'and'",
    "|": "write 'or'",
    "!": "write 'not', or '!=' for not equal",
    ";": "a screen is one condition, there is nothing to separate",
    "`": "quote text with \" or '",
}


class ScreenerSyntaxError(InvalidInput):
    """A screen expression that cannot be run: `column` is the 1-based position where reading it failed."""

    def __init__(self, column: int, problem: str) -> None:
        message = f"column {column}: {problem}"
        super().__init__(message, fields={"expression": message})
        self.column = column
        self.problem = problem


@dataclass(frozen=True, slots=True)
class Token:
    """One token: `text` as typed, `value` normalised (names in lower case, numbers as Decimal)."""

    kind: TokenKind
    text: str
    value: str | decimal.Decimal
    column: int

    @property
    def is_keyword(self) -> bool:
        return self.kind == "name" and self.value in KEYWORDS

    def is_word(self, word: str) -> bool:
        return self.kind == "name" and self.value == word

    def shown(self) -> str:
        """How an error names the token."""
        return "the end of the expression" if self.kind == "end" else f"'{self.text}'"


def tokenize(expression: str) -> list[Token]:
    """The tokens of `expression`, ending with an `end` token one column past the last character."""
    if not isinstance(expression, str):
        raise ScreenerSyntaxError(1, f"a screen is text, not {type(expression).__name__}")
    if len(expression) > MAX_LENGTH:
        raise ScreenerSyntaxError(
            MAX_LENGTH + 1, f"the expression is {len(expression):,} characters long; the limit is {MAX_LENGTH:,}"
        )
    tokens: list[Token] = []
    at = 0
    while at < len(expression):
        char = expression[at]
        if char.isspace():
            at += 1
            continue
        token = _token_at(expression, at)
        tokens.append(token)
        at += len(token.text)
    tokens.append(Token("end", "", "", len(expression) + 1))
    return tokens


def _token_at(expression: str, at: int) -> Token:
    char, column = expression[at], at + 1
    if char in "\"'":
        return _string_at(expression, at)
    if name := _NAME.match(expression, at):
        return Token("name", name.group(), name.group().lower(), column)
    if number := _NUMBER.match(expression, at):
        follows = expression[number.end() : number.end() + 1]
        if follows and (follows.isalnum() or follows in "._"):
            raise ScreenerSyntaxError(
                column, f"'{number.group()}{follows}…' is not a number: write digits, e.g. 80 or 2.5"
            )
        return Token("number", number.group(), decimal.Decimal(number.group()), column)
    if operator := _OPERATOR.match(expression, at):
        return Token("operator", operator.group(), COMPARISONS[operator.group()], column)
    if char in _PUNCTUATION:
        return Token(_PUNCTUATION[char], char, char, column)
    raise ScreenerSyntaxError(column, _unexpected(char))


def _unexpected(char: str) -> str:
    if char in _HINTS:
        return f"unexpected '{char}': {_HINTS[char]}"
    if not char.isprintable() or _is_surrogate(char):
        return f"unexpected character U+{ord(char):04X}"
    if char.isalpha():
        return f"unexpected '{char}': column names are written in plain letters, digits and _"
    return f"unexpected '{char}'"


def _is_surrogate(char: str) -> bool:
    return 0xD800 <= ord(char) <= 0xDFFF


def _string_at(expression: str, at: int) -> Token:
    """A string in ' or " quotes; the same quote doubled stands for itself ('Dr Reddy''s')."""
    quote, column = expression[at], at + 1
    parts: list[str] = []
    cursor = at + 1
    while True:
        close = expression.find(quote, cursor)
        if close < 0:
            raise ScreenerSyntaxError(column, f"this string has no closing {quote}")
        parts.append(expression[cursor:close])
        if expression[close + 1 : close + 2] != quote:
            break
        parts.append(quote)
        cursor = close + 2
    value = "".join(parts)
    for offset, char in enumerate(expression[at:close]):
        # PostgreSQL text holds neither NUL nor half of a UTF-16 pair; refuse them here, not in the driver.
        if char == "\x00" or _is_surrogate(char):
            raise ScreenerSyntaxError(at + offset + 1, f"a string cannot hold the character U+{ord(char):04X}")
    return Token("string", expression[at : close + 1], value, column)
