"""`workstation sync`: the command line of the incremental sync (hooked into tui/cli.py's DATA_COMMANDS)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from store.db import Database
    from store.ingest.sync import SyncReport
    from store.ingest.sync_sources import SyncSource

COMMAND = "sync"
EXIT_OK = 0
EXIT_INCOMPLETE = 1  # some securities were not synced (unknown at the source, invalid bars), or bad options
EXIT_STOPPED = 3  # the source failed (token refused, unreachable, rate limited): the run stopped early
SHOWN_ABSENT = 10


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add `sync` to a parser's subcommands; the handler is `run(args, database)`."""
    parser = subparsers.add_parser(
        COMMAND,
        help="fetch the daily bars after each active security's latest one (a drop folder or an EOD API)",
        description="For each active security (equity, ETF, index, fund) not synced within --stale-after, fetch "
        "the bars after its latest stored bar, check them as `import prices` does, store them and mark the "
        "security synced, one security per transaction: a run stopped halfway resumes where it stopped.",
        epilog="--from-url asks GET BASE/eod/SYMBOL.EXCHANGE?from=YYYY-MM-DD&fmt=json with the token of "
        "WORKSTATION_EOD_API_TOKEN (never printed). --from-dir reads SYMBOL.csv, SYMBOL.EXCHANGE.csv, "
        "SYMBOL.NS.csv… in any format `import prices` knows. Exit status: 0 all synced, 1 some securities "
        "failed (listed), 3 the source failed and the run stopped.",
    )
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--from-dir", type=Path, metavar="DIR", help="a vendor drop folder of per-symbol files")
    where.add_argument("--from-url", metavar="BASE", help="an end-of-day JSON API, e.g. https://eodhd.com/api")
    parser.add_argument("--symbols", metavar="S,…", default="", help="only these (SYMBOL or EXCHANGE:SYMBOL)")
    parser.add_argument(
        "--stale-after", default="20h", metavar="AGE", help="skip securities synced within AGE (20h, 90m, 2d; 0: none)"
    )
    parser.add_argument("--dry-run", action="store_true", help="fetch and check, write nothing")
    parser.add_argument("--quiet", action="store_true", help="print nothing when every security synced")
    http = parser.add_argument_group("HTTP source")
    http.add_argument("--rate", type=float, default=5.0, metavar="N", help="requests per second (default 5)")
    http.add_argument("--timeout", type=float, default=30.0, metavar="S", help="seconds per request (default 30)")
    http.add_argument("--retries", type=int, default=4, metavar="N", help="retries on 429, 5xx, timeouts (default 4)")


def run(args: argparse.Namespace, database: Database) -> int:
    """Run `sync`: 0 when every due security synced, 1 when some failed, 3 when the source stopped the run."""
    from store.errors import InvalidInput
    from store.ingest.cli import ProgressBar
    from store.ingest.sync import parse_duration, sync

    bar = ProgressBar(enabled=not args.quiet and sys.stderr.isatty())
    try:
        report = sync(
            database,
            source_of(args),
            stale_after=parse_duration(args.stale_after),
            symbols=args.symbols.split(","),
            dry_run=args.dry_run,
            progress=bar,
        )
    except InvalidInput as exc:
        print(f"sync: {exc}", file=sys.stderr)
        return EXIT_INCOMPLETE
    finally:
        bar.close()
    print_report(report, sys.stdout, sys.stderr, quiet=args.quiet)
    if not report.dry_run and (report.inserted or report.updated):
        from store.analytics.alerts_cli import check_after_load

        check_after_load(database, sys.stdout, quiet=args.quiet)
    if report.stopped is not None:
        return EXIT_STOPPED
    return EXIT_INCOMPLETE if report.failed else EXIT_OK


def source_of(args: argparse.Namespace) -> SyncSource:
    if args.from_dir is not None:
        from store.ingest.sync_sources import FolderSource

        return FolderSource(args.from_dir)
    from store.ingest.sync_http import HttpSettings, HttpSource

    settings = HttpSettings(timeout=args.timeout, retries=args.retries, requests_per_second=args.rate)
    return HttpSource.from_environment(args.from_url, settings)


def print_report(report: SyncReport, out: TextIO, err: TextIO, *, quiet: bool = False) -> None:
    """The summary line (stdout), then what failed and why the run stopped (stderr)."""
    from store.ingest.problems import shown_lines

    if not quiet or report.failed or report.stopped:
        print(summary(report), file=out)
    for result in report.failed:
        print(f"{result.target.label}: {result.message}", file=err)
        if result.problems:
            print("\n".join(f"  {line}" for line in shown_lines(result.problems)), file=err)
    if report.absent and not quiet:
        names = [result.target.label for result in report.absent]
        more = f" … and {len(names) - SHOWN_ABSENT} more" if len(names) > SHOWN_ABSENT else ""
        print(f"no data at the source for {', '.join(names[:SHOWN_ABSENT])}{more}", file=err)
    if report.stopped is not None:
        print(f"sync stopped: {report.stopped}. The next run resumes with the securities not synced.", file=err)
    for note in report.notes:
        print(note, file=err)


def summary(report: SyncReport) -> str:
    """One line: what was synced from where, what was skipped or failed, and how long it took."""
    head = "sync (dry run, nothing written)" if report.dry_run else "sync"
    parts = [
        f"{len(report.synced):,} synced ({report.inserted:,} bars inserted, {report.updated:,} updated)",
        f"{len(report.skipped):,} fresh skipped",
    ]
    if report.absent:
        parts.append(f"{len(report.absent):,} without data")
    if report.failed:
        parts.append(f"{len(report.failed):,} failed")
    return f"{head} from {report.origin}: {', '.join(parts)} in {report.seconds:.1f} s"
