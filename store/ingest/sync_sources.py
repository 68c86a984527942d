"""What `workstation sync` fetches from: the security to sync, the bars a source gives, and the vendor drop folder."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

import polars as pl

from store.errors import InvalidInput, StoreError
from store.ingest import formats
from store.ingest.formats import FILE_NAME_SUFFIXES, PriceFormat
from store.ingest.load import VALUE_COLUMNS
from store.ingest.problems import Problem
from store.ingest.validate import FileContext, canonical, diagnose, prepare

DEFAULT_SERIES = ("EQ", "BE")

# Our exchange code → the code end-of-day APIs (EODHD and its imitators) put after the symbol:
# `GET {base}/eod/INFY.NSE`, `…/eod/AAPL.US`. Every US listing is the composite "US". Indices are
# asked for under the API's index exchange ("INDX": `GSPC.INDX`) whatever exchange we file them on.
# The folder source also accepts these codes as file-name suffixes (AAPL.US.csv for a NASDAQ share).
EOD_EXCHANGES = {
    "NSE": "NSE",
    "BSE": "BSE",
    "NASDAQ": "US",
    "NYSE": "US",
    "NYSEARCA": "US",
    "AMEX": "US",
    "BATS": "US",
    "US": "US",
    "LSE": "LSE",
    "XETRA": "XETRA",
    "TSE": "TSE",
    "HKEX": "HK",
}
EOD_INDEX_EXCHANGE = "INDX"


@dataclass(frozen=True, slots=True)
class SyncTarget:
    """An active security a run considers: where it trades, its latest stored bar and when it was last synced."""

    security_id: int
    exchange: str
    symbol: str
    instrument_type: str
    latest_day: dt.date | None
    last_synced_at: dt.datetime | None

    @property
    def label(self) -> str:
        return f"{self.exchange}:{self.symbol}"

    @property
    def first_wanted_day(self) -> dt.date | None:
        """The day after the latest stored bar (None: nothing stored, every bar is wanted)."""
        return None if self.latest_day is None else self.latest_day + dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Fetched:
    """One security's answer from a source: its new bars that passed every rule, and the problems of the others.

    `origin` names the file or the URL (its API token masked); `received` counts the rows after the latest
    stored bar that the source gave, good or bad.
    """

    origin: str
    bars: pl.DataFrame
    problems: tuple[Problem, ...]
    received: int


class SymbolUnavailable(Exception):
    """The source has nothing for this security (no file, HTTP 404…): it is reported and the run goes on.

    `absent` marks the ordinary case of a drop folder that simply holds no file for it (not an error).
    """

    def __init__(self, message: str, *, absent: bool = False) -> None:
        super().__init__(message)
        self.absent = absent


class SourceFailed(StoreError):
    """The source cannot be used (bad token, unreachable, rate limited): the run stops, finished securities stay."""


class SyncSource(Protocol):
    """Where new bars come from: `kind` names it in ingestion_logs (`sync:<kind>`)."""

    @property
    def kind(self) -> str: ...

    @property
    def description(self) -> str: ...

    def prepare(self, targets: Sequence[SyncTarget]) -> None:
        """Called once with every active security before the first fetch."""

    def fetch(self, target: SyncTarget) -> Fetched:
        """The bars after `target.latest_day`; raises SymbolUnavailable or SourceFailed."""
        ...


def eod_exchange(target: SyncTarget) -> str | None:
    """The end-of-day API's exchange code of a security (None when the table above does not know it)."""
    if target.instrument_type == "index":
        return EOD_INDEX_EXCHANGE
    return EOD_EXCHANGES.get(target.exchange)


def check_new_bars(raw: pl.DataFrame, fmt: PriceFormat, target: SyncTarget, origin: str) -> Fetched:
    """The rows of `target` after its latest bar, checked by the price importer's rules (the others are ignored).

    `raw` is text columns c0, c1… and `line`, as formats.read_csv gives them.
    """
    context = FileContext(
        name=origin,
        exchange=target.exchange,
        symbol=None if fmt.has("symbol") else target.symbol,
        implied_exchange=None,
        series=DEFAULT_SERIES,
    )
    frame, _ = canonical(raw, fmt, context)
    prepared = prepare(frame, fmt, context)
    wanted = prepared.frame.filter(_of_target(fmt, target) & _after_latest(target))
    # The quick test flags every row the rules would; only then is each problem worked out.
    problems: tuple[Problem, ...] = ()
    if prepared.is_clean(wanted) and not wanted["trade_date"].is_duplicated().any():
        good = wanted
    else:
        checked = diagnose(replace(prepared, frame=wanted), fmt, context)
        good, problems = checked.bars, checked.problems
    values = [name for name in VALUE_COLUMNS if name in good.columns]
    bars = good.select(pl.lit(target.security_id, pl.Int64).alias("security_id"), "trade_date", *values)
    return Fetched(origin, bars, problems, wanted.height)


def _of_target(fmt: PriceFormat, target: SyncTarget) -> pl.Expr:
    """Rows of other securities in a file with a symbol (or id) column are not this one's business."""
    if fmt.has("security_id"):
        return pl.col("security_id").is_null() | (pl.col("security_id") == target.security_id)
    if fmt.has("symbol"):
        return pl.col("symbol").is_null() | (pl.col("symbol").str.to_uppercase() == target.symbol.upper())
    return pl.lit(True)


def _after_latest(target: SyncTarget) -> pl.Expr:
    """Rows after the latest stored bar, and rows whose date cannot be read (they are reported, not guessed)."""
    if target.latest_day is None:
        return pl.lit(True)
    return pl.col("trade_date").is_null() | (pl.col("trade_date") > target.latest_day)


class FolderSource:
    """A vendor drop folder of one file per symbol: INFY.csv, INFY.NSE.csv, INFY.NS.csv, aapl.us.txt, SPY.parquet…

    Any format the price importer recognises. A file named with an exchange (ours, the vendor suffixes of
    the importer, or the end-of-day API code) is for that exchange; a bare SYMBOL.csv is used only when
    one active security has that symbol. A security without a file is absent from the drop, not an error.
    """

    kind = "folder"

    def __init__(self, directory: Path) -> None:
        if not directory.is_dir():
            raise InvalidInput(f"{directory} is not a directory", fields={"from_dir": "name a folder of price files"})
        self.directory = directory
        self._files = _index_folder(directory)
        self._shared_symbols: set[str] = set()

    @property
    def description(self) -> str:
        return str(self.directory)

    def prepare(self, targets: Sequence[SyncTarget]) -> None:
        seen: set[str] = set()
        for target in targets:
            symbol = target.symbol.upper()
            if symbol in seen:
                self._shared_symbols.add(symbol)
            seen.add(symbol)

    def fetch(self, target: SyncTarget) -> Fetched:
        path = self._file_for(target)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise SymbolUnavailable(f"{path} cannot be read: {exc.strerror or exc}") from exc
        fmt = _recognised(path, data)
        try:
            raw = formats.read_parquet(data) if formats.is_parquet(data) else formats.read_csv(data, fmt, typed=False)
            return check_new_bars(raw, fmt, target, str(path))
        except pl.exceptions.PolarsError as exc:
            raise SymbolUnavailable(f"{path} cannot be read as {fmt.name}: {str(exc).splitlines()[0]}") from exc

    def _file_for(self, target: SyncTarget) -> Path:
        symbol = target.symbol.upper()
        for suffix in _suffixes_of(target):
            if (symbol, suffix) in self._files:
                return self._files[(symbol, suffix)]
        bare = self._files.get((symbol, None))
        if bare is not None and symbol in self._shared_symbols:
            raise SymbolUnavailable(
                f"{bare} could be any of the securities named {symbol}: name it {symbol}.{target.exchange}{bare.suffix}"
            )
        if bare is None:
            raise SymbolUnavailable(f"no file for {target.label} in {self.directory}", absent=True)
        return bare


def _index_folder(directory: Path) -> dict[tuple[str, str | None], Path]:
    """(SYMBOL, exchange suffix or None) → file; BRK.B.csv is indexed both as BRK.B and as BRK on exchange B."""
    found: dict[tuple[str, str | None], Path] = {}
    for path in sorted(directory.iterdir()):
        if not path.is_file() or path.name.startswith(".") or path.name.endswith(".rejected.csv"):
            continue
        parts = path.name.split(".")
        stem = parts[:-1] if len(parts) > 1 else parts
        found.setdefault((".".join(stem).upper(), None), path)
        if len(stem) > 1:
            found.setdefault((".".join(stem[:-1]).upper(), stem[-1].upper()), path)
    return found


def _suffixes_of(target: SyncTarget) -> list[str]:
    """The file-name suffixes that name the security's exchange, ours first."""
    eod = eod_exchange(target)
    names = [target.exchange.upper(), *(code for code in (eod,) if code is not None)]
    names += [vendor for vendor, ours in FILE_NAME_SUFFIXES.items() if ours in names]
    return list(dict.fromkeys(names))


def _recognised(path: Path, data: bytes) -> PriceFormat:
    if not data.strip():
        raise SymbolUnavailable(f"{path} is empty")
    try:
        header = list(pl.read_parquet_schema(io.BytesIO(data))) if formats.is_parquet(data) else formats.header_of(data)
    except pl.exceptions.PolarsError as exc:
        raise SymbolUnavailable(f"{path} cannot be read: {str(exc).splitlines()[0]}") from exc
    fmt = formats.detect_format(header)
    if fmt is None:
        raise SymbolUnavailable(
            f"{path} has a header I do not know ({','.join(header)[:120]}): expected {formats.describe_known_formats()}"
        )
    return fmt
