"""The securities of a price import: symbols (or ids) looked up, created on request, unknown ones reported."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from store.ingest import load
from store.ingest.files import PriceFile
from store.ingest.problems import Problem, Unverified

PAIR = ["exchange", "symbol"]
ADVICE = "--create-missing adds it"
_REASONS = {"line": pl.Int64, "reason": pl.String}


@dataclass(frozen=True, slots=True)
class Resolved:
    """The files with security_id on every bar, the securities created, and line → reasons of rejected rows."""

    files: tuple[PriceFile, ...]
    created: tuple[str, ...]
    reasons: dict[str, pl.DataFrame]


def resolve_securities(connection: load.Connection, files: Sequence[PriceFile], *, create_missing: bool) -> Resolved:
    """Give every bar its security_id; unknown securities are created (create_missing) or become problems."""
    pairs = _wanted_pairs([file.bars for file in files])
    known = load.security_ids(connection, pairs) if pairs.height else _empty_ids()
    created: tuple[str, ...] = ()
    missing = pairs.join(known, on=PAIR, how="anti")
    if create_missing and missing.height:
        known = pl.concat([known, load.create_securities(connection, missing)])
        created = tuple(f"{exchange}:{symbol}" for exchange, symbol in missing.select(PAIR).iter_rows())
    resolved, reasons = [], {}
    for file in files:
        row_reasons = _reasons_of(file.problems)
        if not file.bars.height:
            checked, unknown = file, pl.DataFrame(schema=_REASONS)
        elif "security_id" in file.bars.columns:
            checked, unknown = _check_ids(connection, file)
        else:
            checked, unknown = _attach_ids(file, known)
        resolved.append(checked)
        reasons[file.name] = _joined(pl.concat([row_reasons, unknown]))
    return Resolved(tuple(resolved), created, reasons)


def _reasons_of(problems: Sequence[Problem]) -> pl.DataFrame:
    found = [(problem.line, problem.reason) for problem in problems if problem.line is not None]
    return pl.DataFrame(found, schema=_REASONS, orient="row")


def _joined(reasons: pl.DataFrame) -> pl.DataFrame:
    return reasons.group_by("line", maintain_order=True).agg(pl.col("reason").str.join("; ")).sort("line")


def _wanted_pairs(frames: Sequence[pl.DataFrame]) -> pl.DataFrame:
    """The distinct (exchange, symbol) of the bars, with the first name and series seen for each."""

    def optional(frame: pl.DataFrame, name: str) -> pl.Expr:
        return (pl.col(name) if name in frame.columns else pl.lit(None, pl.String)).alias(name)

    found = [
        frame.select(*PAIR, optional(frame, "name"), optional(frame, "series"))
        for frame in frames
        if frame.height and "symbol" in frame.columns
    ]
    if not found:
        return pl.DataFrame(schema={"exchange": pl.String, "symbol": pl.String, "name": pl.String, "series": pl.String})
    return pl.concat(found).unique(subset=PAIR, keep="first", maintain_order=True)


def _empty_ids() -> pl.DataFrame:
    return pl.DataFrame(schema={"exchange": pl.String, "symbol": pl.String, "security_id": pl.Int64})


def _attach_ids(file: PriceFile, known: pl.DataFrame) -> tuple[PriceFile, pl.DataFrame]:
    joined = file.bars.join(known, on=PAIR, how="left")
    unknown = joined.filter(pl.col("security_id").is_null())
    bars = joined.filter(pl.col("security_id").is_not_null())
    label = file.format.label("symbol") if file.format else None
    summary = unknown.group_by(PAIR, maintain_order=True).agg(pl.col("line").min(), pl.len().alias("rows"))
    problems = [
        _unknown_symbol(file.name, label, exchange, symbol, line, rows)
        for exchange, symbol, line, rows in summary.iter_rows()
    ]
    words = pl.format("{} is not a known security on {} ({})", "symbol", "exchange", pl.lit(ADVICE))
    return file.with_bars(bars, problems), unknown.select("line", words.alias("reason"))


def _unknown_symbol(name: str, label: str | None, exchange: str, symbol: str, line: int, rows: int) -> Problem:
    count = f"{rows} row{'s' if rows != 1 else ''}"
    if label is None:
        message = f"the symbol {symbol} (from the file name) is not a known security on {exchange} ({count}): {ADVICE}"
        return Problem(name, line, None, None, message)
    return Problem(name, line, label, symbol, f"is not a known security on {exchange} ({count}): {ADVICE}")


def _check_ids(connection: load.Connection, file: PriceFile) -> tuple[PriceFile, pl.DataFrame]:
    existing = load.existing_ids(connection, file.bars["security_id"].unique().to_list())
    known = pl.col("security_id").is_in(list(existing))
    unknown = file.bars.filter(~known)
    label = file.format.label("security_id") if file.format else None
    summary = unknown.group_by("security_id", maintain_order=True).agg(pl.col("line").min(), pl.len().alias("rows"))
    problems = [
        Problem(file.name, line, label, str(security_id), f"is not the id of a security ({rows} rows)")
        for security_id, line, rows in summary.iter_rows()
    ]
    words = pl.format("security_id {} is not the id of a security", "security_id")
    return file.with_bars(file.bars.filter(known), problems), unknown.select("line", words.alias("reason"))


class SecurityIds:
    """security_id for the parts of typed files: each pair asked of the database once, created on request.

    Anything it cannot settle (an unknown security not to be created, a row without symbol or exchange)
    raises Unverified: the file is then diagnosed, and `resolve_securities` names the problem.
    """

    def __init__(self, connection: load.Connection, *, create_missing: bool) -> None:
        self._connection = connection
        self._create_missing = create_missing
        self._known = _empty_ids()
        self._ids: set[int] = set()
        self.created: list[str] = []

    def attach(self, bars: pl.DataFrame) -> pl.DataFrame:
        if "security_id" in bars.columns:
            self._check_ids(bars)
            return bars
        blank = pl.any_horizontal(pl.col(name).is_null() | (pl.col(name) == "") for name in PAIR)
        if bars.select(blank.any()).item():
            raise Unverified
        missing = _wanted_pairs([bars]).join(self._known, on=PAIR, how="anti")
        if missing.height:
            self._known = pl.concat([self._known, self._look_up(missing)])
        return bars.join(self._known, on=PAIR, how="left")

    def _look_up(self, missing: pl.DataFrame) -> pl.DataFrame:
        found = load.security_ids(self._connection, missing)
        unknown = missing.join(found, on=PAIR, how="anti")
        if not unknown.height:
            return found
        if not self._create_missing:
            raise Unverified
        self.created += [f"{exchange}:{symbol}" for exchange, symbol in unknown.select(PAIR).iter_rows()]
        return pl.concat([found, load.create_securities(self._connection, unknown)])

    def _check_ids(self, bars: pl.DataFrame) -> None:
        wanted = set(bars["security_id"].drop_nulls().unique().to_list()) - self._ids
        if wanted:
            found = load.existing_ids(self._connection, list(wanted))
            self._ids |= found
            if wanted - found:
                raise Unverified
