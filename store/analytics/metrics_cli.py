"""`workstation metrics compute|adjust`: the command line of the metrics (hooked into tui/cli.py)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from store.db import Database

COMMAND = "metrics"
EXIT_OK = 0
EXIT_INVALID_INPUT = 1
EXIT_MISMATCH = 3


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add `metrics compute` and `metrics adjust` to a parser's subcommands; the handler is `run`."""
    metrics = subparsers.add_parser("metrics", help="compute screener metrics and adjusted closes")
    actions = metrics.add_subparsers(dest="metrics_action", metavar="ACTION", required=True)
    compute = actions.add_parser(
        "compute",
        help="compute calculated_metrics for the days not computed yet",
        description="Compute SMA 10/20/50/200, ATR(14), RSI(14), volume, 52-week range, RS rating, VARS, stage "
        "and VCP score from adjusted bars, for each security's days after its latest stored metrics (or from "
        "--since). All rows are written in one transaction, then market_overview is refreshed.",
    )
    compute.add_argument("--since", type=_day, metavar="DATE", help="recompute every day from DATE (YYYY-MM-DD)")
    compute.add_argument(
        "--symbols", metavar="A,B", help="only these securities (SYMBOL or EXCHANGE:SYMBOL, comma-separated)"
    )
    compute.add_argument("--quiet", action="store_true", help="print nothing when it succeeds")
    adjust = actions.add_parser(
        "adjust",
        help="fill ohlcv_daily.adj_close from the corporate actions (or --check it)",
        description="adj_close = close x the product of the later actions' factors (1/ratio for splits and "
        "bonus issues, 1 - amount/previous close for cash dividends), rounded to 6 places.",
    )
    adjust.add_argument("--check", action="store_true", help="only report bars whose adj_close differs (exit 3)")
    adjust.add_argument("--symbols", metavar="A,B", help="only these securities")


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def run(args: argparse.Namespace, database: Database) -> int:
    """Run `metrics compute` or `metrics adjust`: 0 when done, 1 for invalid input, 3 when --check differs."""
    from store.analytics.memory import reuse_freed_memory
    from store.errors import InvalidInput

    reuse_freed_memory()
    symbols = [name for name in (args.symbols or "").split(",") if name.strip()]
    try:
        if args.metrics_action == "adjust":
            return _adjust(database, symbols, check=args.check)
        return _compute(database, symbols, since=args.since, quiet=args.quiet)
    except InvalidInput as exc:
        print(f"metrics {args.metrics_action}: {exc}", file=sys.stderr)
        return EXIT_INVALID_INPUT


def _compute(database: Database, symbols: list[str], *, since: dt.date | None, quiet: bool) -> int:
    from store.analytics.compute import compute_metrics

    result = compute_metrics(database, since=since, symbols=symbols)
    if not quiet:
        if result.rows == 0:
            print("metrics compute: nothing new to compute")
        else:
            print(
                f"metrics compute: {result.rows:,} rows for {result.securities:,} securities"
                f" ({result.first_day} to {result.last_day}), {result.written:,} written,"
                f" from {result.bars_loaded:,} bars in {result.seconds:.1f} s"
            )
    return EXIT_OK


def _adjust(database: Database, symbols: list[str], *, check: bool) -> int:
    from store.analytics.adjust import sync_adj_close
    from store.analytics.storage import resolve_symbols

    ids = None
    if symbols:
        with database.connect() as connection:
            ids = resolve_symbols(connection, symbols)
    report = sync_adj_close(database, security_ids=ids, check_only=check)
    verb = "differ" if check else "differed"
    print(f"metrics adjust: {report.checked:,} bars checked, {report.differing:,} {verb}, {report.written:,} written")
    for security_id, day, stored, computed in report.examples:
        print(f"  security {security_id} {day}: stored {stored}, computed {computed}", file=sys.stderr)
    return EXIT_MISMATCH if check and report.differing else EXIT_OK
