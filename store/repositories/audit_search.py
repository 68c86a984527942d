"""Text search of the audit log: the typed words as a prefix query over each entry's stored words, built safely."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, literal_column

from store.errors import InvalidInput
from store.models import Base

_AUDIT = Base.metadata.tables["audit_log"]
# The words of each entry, stored and indexed by the database (migration 0009).
DOCUMENT = _AUDIT.c.search_document
_SEARCH_CONFIG: ColumnElement[Any] = literal_column("'simple'::regconfig")


def search_condition(search: str) -> ColumnElement[bool]:
    """Entries having every typed word (split at spaces), in any field, as a word or as the start of one.

    "INFY" finds INFY and INFY.NS, "watchl" finds watchlist_entries, "cup handle" needs both words. A word
    with punctuation is split into parts as the entry's text is ("watchlist_entries": watchlist then entries,
    next to each other). A piece from inside a word is not found ("list" does not find watchlist, "NS" does
    not find INFY.NS): every word of every entry is indexed (migration 0009), and an index finds words by
    their start. Letters are compared without case; searched are the actor, entity type and id, reason and the
    text and number values of the row before and after (not true/false, not the field names). Punctuation only
    separates words; text-search operators typed (& | ! : * ( ) <->) are searched as text, never obeyed.
    """
    return DOCUMENT.bool_op("@@")(func.to_tsquery(_SEARCH_CONFIG, prefix_query(search)))


def prefix_query(search: str) -> str:
    """tsquery syntax for `search`: each word quoted as a literal (so nothing typed is an operator), as a prefix.

    InvalidInput when no word has a letter or a digit: there would be nothing to look up.
    """
    words = [word for word in search.replace("\x00", " ").split() if any(char.isalnum() for char in word)]
    if not words:
        raise InvalidInput("search for a word or a number", fields={"text": "has no letter or digit"})
    return " & ".join("'" + word.replace("\\", "\\\\").replace("'", "''") + "':*" for word in words)
