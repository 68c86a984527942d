"""`workstation report morning [--date D]`: generate and store the morning report (hooked into tui/cli.py)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from store.analytics.alerts_cli import iso_date

if TYPE_CHECKING:
    from store.db import Database

COMMAND = "report"
EXIT_OK = 0
EXIT_INVALID_INPUT = 1


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add `report morning` to a parser's subcommands; the handler is `run(args, database)`."""
    reports = subparsers.add_parser("report", help="generate reports (the morning report…)")
    kinds = reports.add_subparsers(dest="report_kind", metavar="KIND", required=True)
    morning = kinds.add_parser(
        "morning",
        help="the morning report: market, alerts, signals, strong calls, queue, watched names' deals",
        description="Generate the morning report of a date from the database and store it (kind 'morning'). "
        "It covers the last session before the date and the events since the previous morning report. "
        "Generating a date again replaces its report; the review is kept only if nothing changed.",
    )
    morning.add_argument("--date", type=iso_date, metavar="D", help="the report date, YYYY-MM-DD (default: today, UTC)")
    morning.add_argument("--print", action="store_true", help="print the report's Markdown")
    morning.add_argument("--quiet", action="store_true", help="print nothing")


def run(args: argparse.Namespace, database: Database) -> int:
    """Run `report morning`: 0 when stored, 1 when the input is refused."""
    from store.analytics.morning import generate_morning_report
    from store.errors import InvalidInput

    try:
        generated = generate_morning_report(database, day=args.date)
    except InvalidInput as exc:
        print(f"report morning: {exc}", file=sys.stderr)
        return EXIT_INVALID_INPUT
    report = generated.report
    if args.print:
        print(report.content, end="")
    elif not args.quiet:
        verb = "replaced" if generated.replaced else "stored"
        print(
            f"{verb} the morning report of {report.report_date} (version {report.version}): "
            f"{report.stocks_analyzed:,} equities, {report.recommendations_count} symbols mentioned"
        )
    return EXIT_OK
