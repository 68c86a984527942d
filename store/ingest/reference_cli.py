"""`workstation import securities|corporate-actions|market-cap|deals|surveillance|classifications|holidays`."""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from store.db import Database
    from store.ingest.reference import Kind, ReferenceReport

EXIT_OK = 0
EXIT_INVALID_INPUT = 1

# kind → (module, attribute of its Kind, help). Modules load on first use: --help must stay light.
FILE_KINDS: dict[str, tuple[str, str, str]] = {
    "securities": (
        "store.ingest.securities_file",
        "SECURITIES",
        "the securities master from NSE EQUITY_L.csv / ETF lists, nasdaqlisted.txt / otherlisted.txt or a CSV",
    ),
    "corporate-actions": (
        "store.ingest.corporate_actions",
        "CORPORATE_ACTIONS",
        "splits, bonus issues and dividends from the NSE corporate-actions CSV or a CSV",
    ),
    "classifications": (
        "store.ingest.classifications",
        "CLASSIFICATIONS",
        "industry classification (symbol, macro, sector, industry, basic_industry)",
    ),
    "market-cap": ("store.ingest.market_cap", "MARKET_CAP", "market capitalisations from NSE MCAP files"),
    "deals": ("store.ingest.deals", "DEALS", "NSE bulk and block deals"),
    "surveillance": ("store.ingest.surveillance", "SURVEILLANCE", "surveillance lists (ASM, GSM…) with stages"),
}


def file_kind(name: str) -> Kind:
    module, attribute, _ = FILE_KINDS[name]
    kind: Kind = getattr(importlib.import_module(module), attribute)
    return kind


def register_kinds(kinds: argparse._SubParsersAction[Any]) -> None:
    """Add a subcommand per reference kind to `import`'s subcommands."""
    for name, (_, _, summary) in FILE_KINDS.items():
        parser = kinds.add_parser(
            name,
            help=summary,
            description=f"Import {summary}. All or nothing: when any row is invalid nothing is imported and the "
            "problems are listed (file:line: column …). A re-import of the same file changes nothing.",
        )
        parser.add_argument("file", type=Path, metavar="FILE", help="the file to import")
        parser.add_argument("--exchange", metavar="X", help="exchange of the file's symbols (e.g. NSE, NASDAQ)")
        parser.add_argument(
            "--skip-invalid", action="store_true", help="load the valid rows; write the others to NAME.rejected.csv"
        )
        parser.add_argument("--quiet", action="store_true", help="print nothing when the import succeeds")
        if name == "deals":
            parser.add_argument("--kind", choices=("bulk", "block"), help="bulk or block (default: from the file)")
        if name == "surveillance":
            parser.add_argument("--measure", metavar="M", help="the measure listed (default: a column or the name)")
            parser.add_argument("--date", type=_day, metavar="YYYY-MM-DD", help="effective date of a list without one")
    holidays = kinds.add_parser(
        "holidays",
        help="exchange holidays from the exchange-calendars package",
        description="Write the holidays of the exchanges in the securities master (or those named) into "
        "market_holidays. A re-run changes nothing.",
    )
    holidays.add_argument("--exchange", action="append", metavar="X", help="an exchange (repeatable; default: all)")
    holidays.add_argument("--years", default=None, metavar="2020-2027", help="the years (default: last 5 to next)")
    holidays.add_argument("--quiet", action="store_true", help="print nothing when the import succeeds")


def run_reference(args: argparse.Namespace, database: Database) -> int:
    """Run one reference import: 0 when imported, 1 when the input is invalid (problems on stderr)."""
    from store.errors import InvalidInput
    from store.ingest.problems import ImportFailed, shown_lines

    command = f"import {args.import_kind}"
    try:
        reports = _import(args, database)
    except ImportFailed as failure:
        count = len(failure.problems)
        print(f"{command}: {count} problem{'s' if count != 1 else ''}, nothing was imported", file=sys.stderr)
        print("\n".join(shown_lines(failure.problems)), file=sys.stderr)
        return EXIT_INVALID_INPUT
    except InvalidInput as exc:
        print(f"{command}: {exc}", file=sys.stderr)
        return EXIT_INVALID_INPUT
    if not args.quiet:
        for report in reports:
            print_report(report, sys.stdout, sys.stderr)
    return EXIT_OK


def _import(args: argparse.Namespace, database: Database) -> list[ReferenceReport]:
    if args.import_kind == "holidays":
        from store.ingest.holidays import import_holidays, parse_years

        return import_holidays(database, exchanges=args.exchange, years=parse_years(args.years))
    from store.ingest.reference import Options, import_file

    options = Options(
        exchange=args.exchange,
        deal_kind=getattr(args, "kind", None),
        measure=getattr(args, "measure", None),
        effective_date=getattr(args, "date", None),
    )
    kind = file_kind(args.import_kind)
    return [import_file(database, kind, args.file, options=options, skip_invalid=args.skip_invalid)]


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2024-03-28") from exc


def print_report(report: ReferenceReport, out: TextIO, err: TextIO) -> None:
    from store.ingest.problems import shown_lines

    where = f"{report.path} ({report.format})" if report.path is not None else report.format
    skipped = f", {report.skipped:,} skipped" if report.skipped else ""
    print(
        f"{where}: {report.fetched:,} rows: {report.inserted:,} inserted, {report.updated:,} updated,"
        f" {report.unchanged:,} unchanged, {report.failed:,} rejected{skipped}",
        file=out,
    )
    if report.problems:
        print("\n".join(shown_lines(report.problems)), file=err)
    if report.rejected_path is not None:
        print(f"rejected rows written to {report.rejected_path}", file=err)
    for note in report.notes:
        print(note, file=err)
