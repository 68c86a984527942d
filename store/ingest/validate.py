"""Daily bars checked with Polars: text parsed, candle rules, duplicates; each problem names file, line and column."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

import polars as pl

from store.ingest.formats import PRICE, PRICE_FIELDS, STOOQ_SUFFIXES, PriceFormat, choose_date_format, date_example
from store.ingest.problems import Problem

EARLIEST_DAY = dt.date(1800, 1, 1)
MAX_PRICE = 10**12  # numeric(18,6): twelve digits before the point


def latest_day() -> dt.date:
    """The last day a bar may have: tomorrow in UTC (some markets are a day ahead of the server)."""
    return dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class FileContext:
    """What the caller says about a file: its shown name, the exchange, the symbol, the series to keep."""

    name: str
    exchange: str | None
    symbol: str | None
    implied_exchange: str | None
    series: Collection[str]


@dataclass(frozen=True, slots=True)
class Check:
    """One rule: the field it is reported on, when a row breaks it, and the words for it."""

    field: str
    failed: pl.Expr
    message: pl.Expr


@dataclass(frozen=True, slots=True)
class Checked:
    """A file's bars that passed (canonical columns) and the problems of the others."""

    bars: pl.DataFrame
    problems: tuple[Problem, ...]


def canonical(raw: pl.DataFrame, fmt: PriceFormat, context: FileContext) -> tuple[pl.DataFrame, int]:
    """The file's fields as t_<field> columns (blank lines dropped, other series skipped) and the skipped count."""
    fields = {**fmt.columns, **fmt.extra_fields}
    frame = raw.select("line", *(pl.col(f"c{index}").alias(f"t_{name}") for name, index in fields.items()))
    frame = frame.filter(~pl.all_horizontal(pl.exclude("line").is_null()))
    skipped = 0
    if "series" in fmt.extra_fields:
        keep = pl.col("t_series").str.strip_chars().str.to_uppercase().is_in(list(context.series))
        before = frame.height
        frame = frame.filter(keep.fill_null(False))
        skipped = before - frame.height
    return frame, skipped


def _text(name: str) -> pl.Expr:
    return pl.col(f"t_{name}").cast(pl.String)


def _stripped(name: str) -> pl.Expr:
    return _text(name).str.strip_chars()


def _whole_number(name: str) -> pl.Expr:
    text = _stripped(name)
    as_float = text.cast(pl.Float64, strict=False)
    exact = as_float.is_finite() & (as_float == as_float.round(0)) & (as_float.abs() < 9e18)
    return pl.coalesce(text.cast(pl.Int64, strict=False), pl.when(exact).then(as_float).cast(pl.Int64))


def _parsed(name: str, dtype: pl.DataType, target: pl.DataType) -> pl.Expr:
    if dtype == target:
        return pl.col(f"t_{name}")
    if target == pl.Int64:
        return _whole_number(name)
    return _stripped(name).cast(target, strict=False)


def parse(frame: pl.DataFrame, fmt: PriceFormat, context: FileContext, date_format: str) -> pl.DataFrame:
    """Typed canonical columns next to the text: symbol, exchange, trade_date, prices, volume, vwap…"""
    schema = frame.schema
    exprs: list[pl.Expr] = [
        _stripped("date").str.strptime(pl.Date, date_format, strict=False).alias("trade_date"),
        *(_parsed(name, schema[f"t_{name}"], PRICE).alias(name) for name in PRICE_FIELDS if fmt.has(name)),
    ]
    if fmt.has("volume"):
        exprs.append(_parsed("volume", schema["t_volume"], pl.Int64()).alias("volume"))
    if fmt.has("security_id"):
        exprs.append(_parsed("security_id", schema["t_security_id"], pl.Int64()).alias("security_id"))
    else:
        exprs.extend(_symbol_and_exchange(fmt, context))
    for name in ("name", "period"):
        if fmt.has(name):
            exprs.append(_stripped(name).alias(name))
    if "series" in fmt.extra_fields:
        exprs.append(_stripped("series").str.to_uppercase().alias("series"))
    parsed = frame.with_columns(exprs)
    if "traded_value" in fmt.extra_fields:
        parsed = parsed.with_columns(_vwap())
    return parsed


def _symbol_and_exchange(fmt: PriceFormat, context: FileContext) -> list[pl.Expr]:
    if not fmt.has("symbol"):
        return [
            pl.lit(context.symbol, dtype=pl.String).alias("symbol"),
            pl.lit(context.exchange or context.implied_exchange, dtype=pl.String).alias("exchange"),
        ]
    symbol = _stripped("symbol")
    if fmt.ticker_suffix:
        suffix = symbol.str.extract(r"\.([A-Za-z]+)$").str.to_uppercase()
        known = suffix.is_in(list(STOOQ_SUFFIXES))
        exchange = suffix.replace_strict(STOOQ_SUFFIXES, default=None, return_dtype=pl.String)
        symbol = pl.when(known).then(symbol.str.replace(r"\.[A-Za-z]+$", "")).otherwise(symbol)
    elif fmt.has("exchange"):
        exchange = _stripped("exchange").str.to_uppercase()
    else:
        exchange = pl.lit(fmt.exchange, dtype=pl.String)
    if context.exchange is not None:
        exchange = pl.lit(context.exchange)
    return [symbol.alias("symbol"), exchange.alias("exchange")]


def _vwap() -> pl.Expr:
    """NSE gives the day's traded value and quantity: their ratio is the volume-weighted average price."""
    value = _stripped("traded_value").cast(pl.Float64, strict=False)
    quantity = pl.col("volume").cast(pl.Float64)
    ratio = value / quantity
    usable = (quantity > 0) & (ratio > 0) & (ratio < MAX_PRICE)
    return pl.when(usable).then(ratio.round(6)).cast(PRICE, strict=False).alias("vwap")


def checks(fmt: PriceFormat, date_format: str, schema: pl.Schema) -> list[Check]:
    """Every rule a bar must pass, in the order problems are reported on a line."""
    rules = _parse_checks(fmt, date_format, schema)
    for name in PRICE_FIELDS:
        if fmt.has(name):
            rules.append(Check(name, pl.col(name) <= 0, pl.lit("is not above 0")))
    rules.extend(_candle_checks())
    if fmt.has("volume"):
        rules.append(Check("volume", pl.col("volume") < 0, pl.lit("is negative")))
    if fmt.has("period"):
        rules.append(Check("period", pl.col("period").str.to_uppercase() != "D", pl.lit("is not a daily bar (D)")))
    if fmt.has("symbol"):
        no_exchange = pl.col("exchange").is_null() | (pl.col("exchange") == "")
        rules.append(Check("symbol", no_exchange & pl.col("symbol").is_not_null(), _no_exchange_message(fmt)))
    return rules


def _no_exchange_message(fmt: PriceFormat) -> pl.Expr:
    if fmt.ticker_suffix:
        known = ", ".join(f".{suffix}" for suffix in STOOQ_SUFFIXES)
        return pl.lit(f"has no exchange suffix I know ({known}): pass --exchange")
    return pl.lit("has no exchange: pass --exchange")


def _blank(name: str, schema: pl.Schema) -> pl.Expr:
    if schema[f"t_{name}"] != pl.String:
        return pl.col(f"t_{name}").is_null()
    return _stripped(name).is_null() | (_stripped(name) == "")


def _parse_checks(fmt: PriceFormat, date_format: str, schema: pl.Schema) -> list[Check]:
    blank = {name: _blank(name, schema) for name in fmt.columns}
    required = ["symbol", "security_id", "date", "open", "high", "low", "close"]
    rules = [Check(name, blank[name], pl.lit("is empty")) for name in required if fmt.has(name)]
    example = date_example(date_format)
    rules.append(
        Check("date", ~blank["date"] & pl.col("trade_date").is_null(), pl.lit(f"is not a date like {example}"))
    )
    # A two-digit year read by a four-digit pattern lands in year 14; no exchange traded then, or tomorrow.
    implausible = (pl.col("trade_date") < EARLIEST_DAY) | (pl.col("trade_date") > latest_day())
    rules.append(Check("date", implausible, pl.lit(f"is not a trading day between {EARLIEST_DAY} and today")))
    for name in PRICE_FIELDS:
        if fmt.has(name):
            too_large = _stripped(name).cast(pl.Float64, strict=False).abs() >= MAX_PRICE
            words = pl.when(too_large).then(pl.lit("is too large (at most 12 digits before the point)"))
            rules.append(Check(name, ~blank[name] & pl.col(name).is_null(), words.otherwise(pl.lit("is not a number"))))
    for name in ("volume", "security_id"):
        if fmt.has(name):
            rules.append(Check(name, ~blank[name] & pl.col(name).is_null(), pl.lit("is not a whole number")))
    return rules


def _candle_checks() -> list[Check]:
    low, high = _text("low").str.strip_chars(), _text("high").str.strip_chars()
    range_words = pl.format("is outside Low–High ({}–{})", low, high)
    high_ok = pl.col("high") >= pl.col("low")
    return [
        Check("high", pl.col("high") < pl.col("low"), pl.format("is below Low ({})", low)),
        Check("open", high_ok & ~pl.col("open").is_between(pl.col("low"), pl.col("high")), range_words),
        Check("close", high_ok & ~pl.col("close").is_between(pl.col("low"), pl.col("high")), range_words),
    ]


def _first_line(fmt: PriceFormat) -> pl.Expr:
    """The first line of each security and date: a later line with the same pair is a duplicate."""
    key = ["security_id"] if fmt.has("security_id") else ["exchange", "symbol"]
    return pl.col("line").min().over([*key, "trade_date"]).alias("_first_line")


def _duplicate_check() -> Check:
    failed = pl.col("trade_date").is_not_null() & (pl.col("line") != pl.col("_first_line"))
    return Check("date", failed, pl.format("repeats the bar of line {} (same security and date)", "_first_line"))


@dataclass(frozen=True, slots=True)
class Prepared:
    """A file's rows parsed (typed columns next to the t_ text), the rules they must pass, and a quick test."""

    frame: pl.DataFrame
    rules: tuple[Check, ...]
    broken: pl.Expr
    date_format: str

    def is_clean(self, rows: pl.DataFrame) -> bool:
        """Whether `rows` (a slice of the frame) pass every rule but the duplicate check, which needs the file."""
        return not rows.select(self.broken.any()).item()


def prepare(frame: pl.DataFrame, fmt: PriceFormat, context: FileContext, date_format: str | None = None) -> Prepared:
    """The rows parsed; the date style is the one given (that of a file's first part) or read from them."""
    date_format = date_format or choose_date_format(frame["t_date"].cast(pl.String), fmt.date_formats)
    parsed = parse(frame, fmt, context, date_format)
    return Prepared(parsed, tuple(checks(fmt, date_format, frame.schema)), broken_row(fmt), date_format)


def broken_row(fmt: PriceFormat) -> pl.Expr:
    """True (or null) for a row that breaks a rule of `checks`, tested on the typed columns only.

    The quick test of rows read typed, chunk by chunk while they are copied: it must flag every row
    that `checks` would (a flagged file is then diagnosed by `checks`), but it need not say why.
    """
    tests = [pl.col(name).is_null() for name in ("trade_date", "open", "high", "low", "close")]
    if fmt.has("security_id"):
        tests.append(pl.col("security_id").is_null())
    else:
        tests += [pl.col("symbol").is_null(), pl.col("symbol") == "", pl.col("exchange").is_null()]
        tests.append(pl.col("exchange") == "")
    optional = [name for name in ("adj_close", "prev_close", "volume") if fmt.has(name)]
    tests += [pl.col(f"t_{name}").is_not_null() & pl.col(name).is_null() for name in optional]
    tests += [pl.col(name) <= 0 for name in PRICE_FIELDS if fmt.has(name)]
    tests += [pl.col("high") < pl.col("low")]
    tests += [~pl.col(name).is_between(pl.col("low"), pl.col("high")) for name in ("open", "close")]
    tests += [pl.col("trade_date") < EARLIEST_DAY, pl.col("trade_date") > latest_day()]
    if fmt.has("volume"):
        tests.append(pl.col("volume") < 0)
    if fmt.has("period"):
        tests.append(pl.col("period").str.to_uppercase() != "D")
    return pl.any_horizontal(tests)


def diagnose(prepared: Prepared, fmt: PriceFormat, context: FileContext) -> Checked:
    """Every problem of every row (in line order) and the rows without any."""
    parsed = prepared.frame.with_columns(_first_line(fmt))
    rules = [*prepared.rules, _duplicate_check()]
    flags = parsed.with_columns(rule.failed.fill_null(False).alias(f"_f{index}") for index, rule in enumerate(rules))
    broken = pl.any_horizontal(pl.col(f"_f{index}") for index in range(len(rules)))
    problems = _problems(flags.filter(broken), fmt, context, rules)
    bars = flags.filter(~broken).select(_output_columns(parsed.columns))
    return Checked(bars=bars, problems=tuple(problems))


def _problems(bad: pl.DataFrame, fmt: PriceFormat, context: FileContext, rules: list[Check]) -> list[Problem]:
    if bad.is_empty():
        return []
    parts = [
        bad.filter(pl.col(f"_f{index}")).select(
            "line",
            pl.lit(index).alias("rule"),
            pl.lit(fmt.label(rule.field) or rule.field).alias("column"),
            _text(rule.field if rule.field in fmt.columns else "date").fill_null("").alias("value"),
            rule.message.cast(pl.String).alias("message"),
        )
        for index, rule in enumerate(rules)
    ]
    found = pl.concat(parts).sort("line", "rule")
    return [
        Problem(context.name, line, column, value, message)
        for line, column, value, message in found.select("line", "column", "value", "message").iter_rows()
    ]


def _output_columns(columns: list[str]) -> list[str]:
    wanted = ["line", "security_id", "symbol", "exchange", "name", "series", "trade_date"]
    wanted += [*PRICE_FIELDS, "volume", "vwap"]
    return [name for name in wanted if name in columns]
