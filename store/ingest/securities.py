"""The securities of a price import: symbols (or ids) looked up, created on request, unknown ones reported."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from store.ingest import load
from store.ingest.files import PriceFile
from store.ingest.problems import Problem

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
    pairs = _wanted_pairs(files)
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


def _wanted_pairs(files: Sequence[PriceFile]) -> pl.DataFrame:
    def optional(frame: pl.DataFrame, name: str) -> pl.Expr:
        return (pl.col(name) if name in frame.columns else pl.lit(None, pl.String)).alias(name)

    frames = [
        file.bars.select(*PAIR, optional(file.bars, "name"), optional(file.bars, "series"))
        for file in files
        if file.bars.height and "symbol" in file.bars.columns
    ]
    if not frames:
        return pl.DataFrame(schema={"exchange": pl.String, "symbol": pl.String, "name": pl.String, "series": pl.String})
    return pl.concat(frames).unique(subset=PAIR, keep="first", maintain_order=True)


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
