"""`workstation import prices FILE…` and the reference kinds (securities, corporate-actions…), for tui/cli.py."""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from store.ingest import reference_cli  # argparse only: the importers load when a command runs

if TYPE_CHECKING:
    from collections.abc import Sequence

    from store.db import Database
    from store.ingest.prices import ImportReport
    from store.ingest.writer import ProgressEvent

COMMAND = "import"
EXIT_OK = 0
EXIT_INVALID_INPUT = 1
PROGRESS_AFTER_SECONDS = 1.0


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add `import prices|securities|… …` to a parser's subcommands; the handler is `run(args, database)`."""
    imports = subparsers.add_parser(
        "import", help="import data files (daily prices, securities, corporate actions…) into the database"
    )
    kinds = imports.add_subparsers(dest="import_kind", metavar="KIND", required=True)
    prices = kinds.add_parser(
        "prices",
        help="daily OHLCV bars from Yahoo, Stooq, NSE bhavcopy, long CSV or Parquet files",
        description="Import daily bars. The format is recognised from the header. All or nothing: when any "
        "row is invalid nothing is imported and the problems are listed (file:line: column …).",
        epilog="The symbol comes from a symbol column, --symbol, or the file name (INFY.csv, INFY.NS.csv). "
        "NSE files imply NSE; a Stooq ticker's suffix implies its exchange (.US → US).",
    )
    prices.add_argument("files", nargs="+", type=Path, metavar="FILE", help="price files (CSV or Parquet)")
    prices.add_argument("--exchange", metavar="X", help="exchange of the securities (e.g. NSE, NASDAQ)")
    prices.add_argument("--symbol", metavar="S", help="symbol of a file without a symbol column")
    prices.add_argument("--create-missing", action="store_true", help="create unknown symbols as equities")
    prices.add_argument(
        "--skip-invalid", action="store_true", help="load the valid rows; write the others to NAME.rejected.csv"
    )
    prices.add_argument(
        "--series", default="EQ,BE", metavar="EQ,BE", help="NSE series to load, comma-separated (default EQ,BE)"
    )
    prices.add_argument("--quiet", action="store_true", help="print nothing when the import succeeds")
    reference_cli.register_kinds(kinds)


def run(args: argparse.Namespace, database: Database) -> int:
    """Run `import prices` (or a reference kind): 0 when imported, 1 when the input is invalid (problems on stderr)."""
    if args.import_kind != "prices":
        return reference_cli.run_reference(args, database)
    from store.errors import InvalidInput
    from store.ingest.prices import import_prices
    from store.ingest.problems import ImportFailed, shown_lines

    bar = ProgressBar(enabled=not args.quiet and sys.stderr.isatty())
    try:
        report = import_prices(
            database,
            args.files,
            exchange=args.exchange,
            symbol=args.symbol,
            create_missing=args.create_missing,
            skip_invalid=args.skip_invalid,
            series=tuple(args.series.split(",")),
            progress=bar,
        )
    except ImportFailed as failure:
        bar.close()
        count = len(failure.problems)
        print(f"import prices: {count} problem{'s' if count != 1 else ''}, nothing was imported", file=sys.stderr)
        print("\n".join(shown_lines(failure.problems)), file=sys.stderr)
        return EXIT_INVALID_INPUT
    except InvalidInput as exc:
        bar.close()
        print(f"import prices: {exc}", file=sys.stderr)
        return EXIT_INVALID_INPUT
    finally:
        bar.close()
    if not args.quiet:
        print_report(report, sys.stdout, sys.stderr)
    if report.inserted or report.updated:
        from store.analytics.alerts_cli import check_after_load

        check_after_load(database, sys.stdout, quiet=args.quiet)
    return EXIT_OK


def print_report(report: ImportReport, out: TextIO, err: TextIO) -> None:
    from store.ingest.problems import shown_lines

    for file in report.files:
        skipped = f", {file.skipped:,} of other series skipped" if file.skipped else ""
        print(
            f"{file.path} ({file.format}): {file.fetched:,} rows: {file.inserted:,} inserted, {file.updated:,} updated,"
            f" {file.unchanged:,} unchanged, {file.failed:,} rejected{skipped}",
            file=out,
        )
    if len(report.files) > 1:
        print(
            f"total: {report.inserted:,} inserted, {report.updated:,} updated, {report.unchanged:,} unchanged,"
            f" {report.failed:,} rejected in {report.seconds:.1f} s",
            file=out,
        )
    if report.created_securities:
        print(created_line(report.created_securities), file=out)
    if report.problems:
        print("\n".join(shown_lines(report.problems)), file=err)
    for path in report.rejected_paths:
        print(f"rejected rows written to {path}", file=err)
    for note in report.notes:
        print(note, file=err)


class ProgressBar:
    """A rich progress bar on stderr, shown only once a command has taken more than a second.

    One bar per stage (reading, loading, merging, syncing…): rich cannot turn a counted task back
    into an indeterminate one, so a new stage gets a new task; the file or security only relabels it.
    `import` and `sync` both use it.
    """

    def __init__(self, *, enabled: bool) -> None:
        self._lock = threading.Lock()
        self._progress: Any = None
        self._stage: str | None = None
        self._last: ProgressEvent | None = None
        self._timer: threading.Timer | None = None
        if enabled:
            self._timer = threading.Timer(PROGRESS_AFTER_SECONDS, self._show)
            self._timer.daemon = True
            self._timer.start()

    def __call__(self, event: ProgressEvent) -> None:
        with self._lock:
            self._last = event
            if self._progress is not None:
                self._update(event)

    def _show(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        with self._lock:
            if self._timer is None:
                return
            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._progress.start()
            if self._last is not None:
                self._update(self._last)

    def _update(self, event: ProgressEvent) -> None:
        description = f"{event.stage} {Path(event.file).name if event.file else ''}".strip()
        if event.stage != self._stage:
            for task in self._progress.tasks:
                self._progress.remove_task(task.id)
            self._progress.add_task(description, total=event.total or None)
            self._stage = event.stage
        task_id = self._progress.tasks[-1].id
        self._progress.update(task_id, description=description, completed=event.done, total=event.total or None)

    def close(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if self._progress is not None:
                self._progress.stop()
                self._progress = None


CREATED_SHOWN = 20


def created_line(created: Sequence[str]) -> str:
    """The securities an import created: all of a few, else the first CREATED_SHOWN and how many more."""
    count = len(created)
    noun = "security" if count == 1 else "securities"
    shown = ", ".join(created[:CREATED_SHOWN])
    more = f" and {count - CREATED_SHOWN:,} more" if count > CREATED_SHOWN else ""
    return f"created {count:,} {noun}: {shown}{more}"
