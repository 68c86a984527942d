"""`workstation alerts check [--as-of DATE]`: evaluate the watchlist alerts (hooked into tui/cli.py)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from store.analytics.alerts import AlertCheck, AlertEntry
    from store.db import Database

COMMAND = "alerts"
EXIT_OK = 0
EXIT_INVALID_INPUT = 1


def iso_date(value: str) -> dt.date:
    """An argparse type: YYYY-MM-DD, with the reason when it is not."""
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date: give YYYY-MM-DD") from None


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add `alerts check` to a parser's subcommands; the handler is `run(args, database)`."""
    alerts = subparsers.add_parser("alerts", help="watchlist alerts: fire the triggers that new bars crossed")
    actions = alerts.add_subparsers(dest="alerts_action", metavar="ACTION", required=True)
    check = actions.add_parser(
        "check",
        help="evaluate the active watchlist entries on the bars since they were added; expire the overdue",
        description="Mark every active entry whose trigger a bar crossed as triggered (with that bar), and every "
        "entry past its expiry date as expired, in one transaction audited as system:alerts. Running it again "
        "fires nothing twice.",
    )
    check.add_argument(
        "--as-of", type=iso_date, metavar="DATE", help="consider bars up to this trade date (default: the latest)"
    )
    check.add_argument("--quiet", action="store_true", help="print nothing")


def run(args: argparse.Namespace, database: Database) -> int:
    """Run `alerts check`: 0 when done (whether or not anything fired), 1 when the input is refused."""
    from store.analytics.alerts import check_alerts
    from store.errors import InvalidInput

    try:
        result = check_alerts(database, as_of=args.as_of)
    except InvalidInput as exc:
        print(f"alerts check: {exc}", file=sys.stderr)
        return EXIT_INVALID_INPUT
    if not args.quiet:
        print_check(result, sys.stdout)
    return EXIT_OK


def check_after_load(database: Database, out: TextIO, *, quiet: bool) -> None:
    """The alerts check that follows a load which changed bars (`import prices`, `sync`); silent when nothing fired."""
    from store.analytics.alerts import check_alerts

    result = check_alerts(database)
    if not quiet and (result.fired or result.expired):
        print_check(result, out)


def print_check(result: AlertCheck, out: TextIO) -> None:
    if result.as_of is None:
        print("alerts check: there are no daily bars yet; nothing was checked", file=out)
        return
    print(
        f"alerts check as of {result.as_of}: {result.checked} active "
        f"{'entry' if result.checked == 1 else 'entries'} checked, {len(result.fired)} triggered, "
        f"{len(result.expired)} expired",
        file=out,
    )
    for fired in result.fired:
        bar = fired.bar
        print(
            f"triggered  {_entry_label(fired.entry)} on {bar.date}: close {bar.close}, measured {bar.value}",
            file=out,
        )
    for expired in result.expired:
        print(f"expired    {_entry_label(expired)} (expiry {expired.expiry_date})", file=out)


def _entry_label(entry: AlertEntry) -> str:
    value = "" if entry.trigger_value is None else f" {entry.trigger_value.normalize():f}"
    return f"{entry.symbol} ({entry.exchange}) {entry.trigger_type}{value} — {entry.watchlist_name}"
