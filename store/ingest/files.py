"""One price file read and checked: its format, its valid bars, its problems, and the rejected rows written back."""

from __future__ import annotations

import io
import time
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import polars as pl

from store.ingest import formats
from store.ingest.formats import PriceFormat
from store.ingest.problems import Problem, Unverified, rejected_path
from store.ingest.validate import FileContext, Prepared, canonical, diagnose, prepare

PART_BYTES = 32 * 2**20
# The first part is small, and the parts double up to PART_BYTES: the COPY starts after ~1 MB is read, not 32.
FIRST_PART_BYTES = 2**20


@dataclass(frozen=True, slots=True)
class Part:
    """A run of a typed file's lines, parsed, with the rules its rows must pass."""

    prepared: Prepared
    fetched: int
    skipped: int
    size: int


@dataclass(frozen=True, slots=True)
class PriceFile:
    """A file after reading, before the database has been asked anything.

    A CSV file is first `typed` (not verified): its lines are read in parts (1 MB, doubling to 32 MB) while the
    previous part is being copied, each checked chunk by chunk by a quick test (`Prepared.is_clean`).
    Any problem (a value that does not parse, a broken rule, an unknown symbol, a duplicate) makes the
    caller roll back and use `diagnosed()`: the whole text read again and checked, every problem named.
    """

    path: Path
    name: str
    format: PriceFormat | None
    data: bytes
    bars: pl.DataFrame
    problems: tuple[Problem, ...]
    fetched: int
    skipped: int
    seconds: float
    context: FileContext | None = None
    typed: bool = False

    @property
    def verified(self) -> bool:
        return not self.typed

    @property
    def source(self) -> str:
        return self.format.source if self.format is not None else "prices"

    def with_bars(self, bars: pl.DataFrame, problems: Sequence[Problem] = ()) -> PriceFile:
        """The same file with only `bars` left, and `problems` found later (e.g. unknown symbols) added."""
        merged = tuple(sorted((*self.problems, *problems), key=lambda problem: problem.line or 0))
        return replace(self, bars=bars, problems=merged)

    def diagnosed(self) -> PriceFile:
        """The file read again as text and checked whole: every problem named, only valid bars kept."""
        return _checked_whole(self) if self.typed else self

    def parts(self) -> Iterator[Part]:
        """A typed file's lines part by part; a value that does not parse raises Unverified."""
        assert self.format is not None
        assert self.context is not None
        date_format: str | None = None
        for first_line, lines in formats.body_parts(self.data, PART_BYTES, FIRST_PART_BYTES):
            try:
                raw = formats.read_csv(lines, self.format, typed=True, first_line=first_line)
            except pl.exceptions.PolarsError as exc:
                raise Unverified from exc
            frame, skipped = canonical(raw, self.format, self.context)
            prepared = prepare(frame, self.format, self.context, date_format)
            date_format = prepared.date_format
            yield Part(prepared, frame.height, skipped, len(lines))


def read_price_file(path: Path, *, exchange: str | None, symbol: str | None, series: Collection[str]) -> PriceFile:
    """Read one file: typed and unverified when its values parse, else checked whole.

    Problems of the whole file (unreadable, empty, unknown header, no exchange) have no line.
    """
    started = time.perf_counter()
    try:
        data = path.read_bytes()
    except OSError as exc:
        return _failed(path, f"cannot be read: {exc.strerror or exc}")
    recognised = _recognise(path, data, exchange, symbol, series)
    if isinstance(recognised, str):
        return _failed(path, recognised, data=data)
    fmt, context = recognised
    file = PriceFile(path, str(path), fmt, data, pl.DataFrame(), (), 0, 0, 0.0, context)
    return replace(_read(file), seconds=time.perf_counter() - started)


def _failed(
    path: Path,
    message: str,
    fmt: PriceFormat | None = None,
    data: bytes = b"",
    problems: Sequence[Problem] = (),
) -> PriceFile:
    found = tuple(problems) or (Problem(str(path), None, None, None, message),)
    return PriceFile(path, str(path), fmt, data, pl.DataFrame(), found, 0, 0, 0.0)


def _recognise(
    path: Path, data: bytes, exchange: str | None, symbol: str | None, series: Collection[str]
) -> tuple[PriceFormat, FileContext] | str:
    """The file's format and what the caller says about it, or what is wrong with the file as a whole."""
    if not data.strip():
        return "is empty"
    header = list(pl.read_parquet_schema(io.BytesIO(data))) if formats.is_parquet(data) else formats.header_of(data)
    fmt = formats.detect_format(header)
    if fmt is None:
        return f"has a header I do not know ({','.join(header)[:120]}): expected {formats.describe_known_formats()}"
    if fmt.has("symbol") and symbol is not None:
        return f"has a symbol column ({fmt.label('symbol')}): --symbol is for files without one"
    context = _context(path, fmt, exchange, symbol, series)
    if not _names_exchange(fmt, context):
        return "does not say which exchange its prices are from: pass --exchange"
    return fmt, context


def _read(file: PriceFile) -> PriceFile:
    """A CSV file is read typed, part by part, while it is loaded; Parquet is read as text and checked whole."""
    assert file.format is not None
    assert file.context is not None
    if formats.is_parquet(file.data):
        return _checked_whole(file)
    return replace(file, typed=True)


def _names_exchange(fmt: PriceFormat, context: FileContext) -> bool:
    """Whether the exchange is known: given, implied by the format or file name, or in each row."""
    in_rows = fmt.has("security_id") or fmt.has("exchange") or fmt.ticker_suffix
    return in_rows or context.exchange is not None or context.implied_exchange is not None


def _checked_whole(file: PriceFile) -> PriceFile:
    """Read as text and check every row; a file Polars cannot split into rows is one problem (or one a line)."""
    assert file.format is not None
    assert file.context is not None
    started = time.perf_counter()
    try:
        frame, skipped = canonical(_read_text(file.data, file.format), file.format, file.context)
        checked = diagnose(prepare(frame, file.format, file.context), file.format, file.context)
    except pl.exceptions.PolarsError as exc:
        fields = len(file.format.header)
        ragged = formats.ragged_lines(file.data, fields)
        problems = [
            Problem(file.name, line, None, None, f"has {count} fields; the header has {fields}")
            for line, count in ragged
        ]
        message = f"cannot be read as {file.format.name}: {str(exc).splitlines()[0]}"
        return replace(_failed(file.path, message, file.format, file.data, problems), typed=False)
    return replace(
        file,
        bars=checked.bars,
        problems=checked.problems,
        fetched=frame.height,
        skipped=skipped,
        seconds=file.seconds + time.perf_counter() - started,
        typed=False,
    )


def _context(
    path: Path, fmt: PriceFormat, exchange: str | None, symbol: str | None, series: Collection[str]
) -> FileContext:
    from_name, implied = formats.symbol_from_file_name(path)
    return FileContext(
        name=str(path),
        exchange=exchange,
        symbol=None if fmt.has("symbol") else (symbol or from_name),
        implied_exchange=fmt.exchange or (None if symbol or fmt.has("symbol") else implied),
        series=series,
    )


def _read_text(data: bytes, fmt: PriceFormat) -> pl.DataFrame:
    return formats.read_parquet(data) if formats.is_parquet(data) else formats.read_csv(data, fmt, typed=False)


def write_rejected(file: PriceFile, reasons: pl.DataFrame) -> Path:
    """The rejected rows as the file had them (header names kept), after their line and reasons."""
    assert file.format is not None
    raw = _read_text(file.data, file.format)
    kept = [(f"c{index}", label) for index, label in enumerate(file.format.header) if label]
    rows = raw.join(reasons, on="line", how="inner").sort("line")
    out = rows.select("line", "reason", *(pl.col(column).alias(label) for column, label in kept))
    target = rejected_path(file.path)
    out.write_csv(target)
    return target
