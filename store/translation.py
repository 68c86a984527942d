"""Database errors translated once, at the store boundary, into StoreErrors a person can act on."""

from __future__ import annotations

from typing import TYPE_CHECKING

import psycopg

from store.errors import InvalidInput, ReadOnlyViolation, StoreError, StoreUnavailable

if TYPE_CHECKING:
    from sqlalchemy.exc import DBAPIError

# The rules people break most, in words; the field is what the screen should point at.
RULE_MESSAGES: dict[str, tuple[str, str]] = {
    "uq_watchlists_live_name": ("name", "a watchlist with this name already exists"),
    "uq_watchlist_entries_live_security": ("security_id", "this security is already on that watchlist"),
    "uq_research_queue_open_security": ("security_id", "this security already has an open research-queue item"),
    "uq_securities_exchange_symbol": ("symbol", "a security with this symbol already exists on that exchange"),
    "uq_securities_isin": ("isin", "another security already has this ISIN"),
    "uq_reports_kind_report_date": ("report_date", "a report of this kind already exists for that date"),
    "uq_agent_configs_agent_name": ("agent_name", "an agent with this name is already configured"),
    "uq_strategies_name": ("name", "a strategy with this name already exists"),
    "ck_watchlist_entries_trigger_value_required": ("trigger_value", "this trigger type needs a trigger value"),
    "ck_orders_limit_price_required": ("limit_price", "limit and stop-limit orders need a limit price"),
    "ck_orders_stop_price_required": ("stop_price", "stop and stop-limit orders need a stop price"),
    "ck_orders_filled_quantity_range": ("filled_quantity", "the filled quantity must be between 0 and the quantity"),
    "ck_securities_isin_format": ("isin", "an ISIN is 2 letters, 9 letters or digits and a check digit"),
}

_CONNECTION_LOST = ("08", "57P01", "57P02", "57P03")


def translate(error: DBAPIError, *, target: str) -> StoreError:
    """The StoreError for a SQLAlchemy/psycopg error; the caller raises it `from` the original."""
    original = error.orig
    if not isinstance(original, psycopg.Error):
        return StoreError(f"the database call failed: {error}")
    return translate_psycopg(original, target=target)


def translate_psycopg(error: psycopg.Error, *, target: str) -> StoreError:
    sqlstate = error.sqlstate or ""
    diag = error.diag
    if isinstance(error, psycopg.OperationalError) and (not sqlstate or sqlstate.startswith(_CONNECTION_LOST)):
        return StoreUnavailable(f"lost the connection to {target}: {_first_line(error)}", target=target)
    if sqlstate.startswith("23"):
        return _rule_broken(sqlstate, diag)
    if sqlstate == "25006":
        return ReadOnlyViolation("this view is read-only: nothing was written")
    if sqlstate.startswith("22"):
        return InvalidInput(f"the database refused a value: {diag.message_primary}", fields=_column(diag))
    if sqlstate in ("40001", "40P01"):
        return StoreError("the change collided with another one at the same moment: nothing was written, try again")
    return StoreError(f"the database refused the request: {diag.message_primary or _first_line(error)}")


def _rule_broken(sqlstate: str, diag: psycopg.errors.Diagnostic) -> InvalidInput:
    constraint = diag.constraint_name or ""
    if constraint in RULE_MESSAGES:
        field, message = RULE_MESSAGES[constraint]
        return InvalidInput(message, fields={field: message})
    if sqlstate == "23502":
        message = f"{diag.column_name} is required"
        return InvalidInput(message, fields={diag.column_name or "": message})
    if sqlstate == "23503":
        message = f"{diag.table_name}: {diag.message_detail or diag.message_primary}"
        return InvalidInput(message, fields=_column(diag))
    # Our own triggers (e.g. instrument attributes) already speak in words; a bare CHECK names its rule.
    primary = diag.message_primary or ""
    if primary.startswith("new row for relation") or not primary:
        table = diag.table_name or "the row"
        rule = constraint.removeprefix(f"ck_{table}_").replace("_", " ")
        primary = f"{table}: the rule '{rule}' is broken ({constraint})"
    return InvalidInput(primary, fields=_column(diag) or {_field_of(constraint, diag): primary})


def _column(diag: psycopg.errors.Diagnostic) -> dict[str, str]:
    return {diag.column_name: diag.message_primary or ""} if diag.column_name else {}


def _field_of(constraint: str, diag: psycopg.errors.Diagnostic) -> str:
    """A vocabulary CHECK is named after its column: ck_orders_side → side."""
    return constraint.removeprefix(f"ck_{diag.table_name}_") if diag.table_name else constraint


def _first_line(error: BaseException) -> str:
    return next((line.strip() for line in str(error).splitlines() if line.strip()), type(error).__name__)
