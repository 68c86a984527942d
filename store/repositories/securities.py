"""Securities: as-you-type search, the filtered and sorted table (records or a Polars frame), facets, detail."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Date,
    Double,
    FromClause,
    Numeric,
    Select,
    SmallInteger,
    and_,
    case,
    cast,
    column,
    false,
    func,
    not_,
    or_,
    select,
    table,
)
from sqlalchemy.engine import RowMapping

from store.errors import NotFound
from store.models.events import SurveillanceMeasure
from store.models.market import CalculatedMetric, MarketCapHistory, OhlcvDaily
from store.models.reference import INSTRUMENT_TYPES, IndustryClassification, Security
from store.records.securities import (
    MATCH_KINDS,
    Classification,
    DailyBar,
    FacetCount,
    MarketCap,
    MetricsSnapshot,
    SecurityDetail,
    SecurityFacets,
    SecurityFilter,
    SecurityHit,
    SecurityPage,
    SecurityRow,
    SurveillanceRecord,
)
from store.repositories.base import Repository
from store.repositories.checks import checked_security_id, refuse
from store.repositories.prices import read_frame

if TYPE_CHECKING:
    import polars as pl

RecordT = TypeVar("RecordT", DailyBar, MetricsSnapshot, MarketCap)

SECURITIES = Security.__table__
CLASSIFICATIONS = IndustryClassification.__table__
BARS = OhlcvDaily.__table__
METRICS = CalculatedMetric.__table__
SURVEILLANCE = SurveillanceMeasure.__table__
MARKET_CAPS = MarketCapHistory.__table__
# The materialized view of migration 0008 (no model: Alembic owns it); only the columns read here.
MARKET_OVERVIEW = table(
    "market_overview",
    column("security_id", BigInteger),
    column("trade_date", Date),
    column("close", Numeric),
    column("change_pct", Numeric),
    column("volume", BigInteger),
    column("volume_vs_avg_pct", Numeric),
    column("rs_rating", SmallInteger),
    column("stage", SmallInteger),
)

SEARCH_LIMIT_MAX = 500
PAGE_LIMIT_MAX = 1_000
# Long enough for any name worth typing; bounds the cost of the letters-in-order pattern.
QUERY_LENGTH_MAX = 100
# Search hits by match kind (MATCH_KINDS order) → rank: name and ISIN prefixes share a tier.
_RANK_OF_MATCH = (0, 1, 2, 2, 3, 4)
_ISIN_PREFIX, _NAME_PREFIX = 3, 2
_HIT_COLUMNS = ("symbol", "exchange", "name", "isin", "instrument_type", "is_active")

_FIGURES = ("trade_date", "close", "change_pct", "volume", "volume_vs_avg_pct", "rs_rating", "stage")
_FLOAT_COLUMNS = ("close", "change_pct", "volume_vs_avg_pct")
_FRAME_DTYPES = (
    dict.fromkeys(("name", "isin", "instrument_type", "sector", "industry"), "String")
    | dict.fromkeys(("change_pct", "volume_vs_avg_pct"), "Float64")
    | dict.fromkeys(("rs_rating", "stage"), "Int64")
)


@dataclass(frozen=True, slots=True)
class _Patterns:
    """What was typed, as case-insensitive regular expressions with every operator escaped, and as LIKE
    patterns for ISINs (upper case by rule, so a plain LIKE is exact and far cheaper than ILIKE)."""

    exact: str
    prefix: str
    anywhere: str
    letters_in_order: str
    word_start: str
    isin_prefix: str
    isin_anywhere: str

    @classmethod
    def of(cls, query: str) -> _Patterns:
        literal = _regex_literal(query)
        isin = query.upper().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return cls(
            exact=f"^{literal}$",
            prefix=f"^{literal}",
            anywhere=literal,
            letters_in_order=".*".join(_regex_literal(ch) for ch in query if not ch.isspace()),
            word_start=f"(^|[^[:alnum:]]){literal}",
            isin_prefix=f"{isin}%",
            isin_anywhere=f"%{isin}%",
        )


def _regex_literal(text: str) -> str:
    # In PostgreSQL's regular expressions a backslash before a character that is not a letter or digit makes
    # it literal, so this escapes every operator without a list of them.
    return "".join(ch if ch.isalnum() else "\\" + ch for ch in text)


def _regex(column: ColumnElement[Any], pattern: str) -> ColumnElement[bool]:
    """Case-insensitive regular-expression match (~*): cheaper than ILIKE, which lowers every value first."""
    return column.regexp_match(pattern, flags="i")


def _matches(patterns: _Patterns) -> ColumnElement[bool]:
    """Rows any rank would keep: the letters in order cover every symbol and name tier; ISINs match as text."""
    s = SECURITIES.c
    return or_(
        s.isin.like(patterns.isin_anywhere),
        _regex(s.symbol, patterns.letters_in_order),
        _regex(s.name, patterns.letters_in_order),
    )


def _hit_order(found: Any) -> list[ColumnElement[Any]]:
    """Within a rank: active first, then the shorter symbol, then the symbol."""
    return [found.c.is_active.desc(), func.length(found.c.symbol), found.c.symbol, found.c.exchange]


def _hit_columns() -> list[ColumnElement[Any]]:
    return [SECURITIES.c.id.label("security_id"), *(SECURITIES.c[name] for name in _HIT_COLUMNS)]


def _check_query(text: object, field: str) -> str:
    if not isinstance(text, str):
        raise refuse(field, f"must be text, not {text!r}")
    query = text.strip()
    if len(query) > QUERY_LENGTH_MAX:
        raise refuse(field, f"must be at most {QUERY_LENGTH_MAX} characters")
    return query


def _check_count(value: object, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise refuse(field, f"must be a whole number from {low} to {high}, not {value!r}")
    return value


def _table_columns(*, floats: bool) -> list[ColumnElement[Any]]:
    """The table's columns: the security, its sector, its latest figures (prices as float8 for frames)."""
    s, ic, mo = SECURITIES.c, CLASSIFICATIONS.c, MARKET_OVERVIEW.c
    own = [s[name] for name in ("symbol", "name", "isin", "exchange", "instrument_type", "is_active")]
    figures = [
        cast(mo[name], Double).label(name) if floats and name in _FLOAT_COLUMNS else mo[name] for name in _FIGURES
    ]
    return [s.id.label("security_id"), *own, ic.sector, ic.industry, *figures]


# Sort keys of the securities table; anything else is refused, never spliced into SQL.
SORT_KEYS: dict[str, ColumnElement[Any]] = {
    "symbol": SECURITIES.c.symbol,
    "name": SECURITIES.c.name,
    "exchange": SECURITIES.c.exchange,
    "instrument_type": SECURITIES.c.instrument_type,
    "sector": CLASSIFICATIONS.c.sector,
    "close": MARKET_OVERVIEW.c.close,
    "change_pct": MARKET_OVERVIEW.c.change_pct,
    "volume_vs_avg_pct": MARKET_OVERVIEW.c.volume_vs_avg_pct,
    "rs_rating": MARKET_OVERVIEW.c.rs_rating,
    "stage": MARKET_OVERVIEW.c.stage,
}


def _check_names(values: object, field: str, *, allow_none: bool = False) -> tuple[str | None, ...]:
    """A tuple or list of names (a bare string would be taken letter by letter)."""
    kinds = (str, type(None)) if allow_none else (str,)
    if (
        isinstance(values, str)
        or not isinstance(values, tuple | list)
        or not all(isinstance(value, kinds) for value in values)
    ):
        raise refuse(field, "must be a tuple of names" + (" (None: not set)" if allow_none else ""))
    return tuple(values)


def _check_filter(filters: object) -> SecurityFilter:
    if not isinstance(filters, SecurityFilter):
        raise refuse("filters", f"must be a SecurityFilter, not {filters!r}")
    _check_names(filters.exchanges, "exchanges")
    _check_names(filters.sectors, "sectors", allow_none=True)
    types = _check_names(filters.instrument_types, "instrument_types")
    unknown = sorted(str(value) for value in set(types) - set(INSTRUMENT_TYPES))
    if unknown:
        raise refuse("instrument_types", f"{', '.join(map(repr, unknown))} not one of {', '.join(INSTRUMENT_TYPES)}")
    if filters.is_active is not None and not isinstance(filters.is_active, bool):
        raise refuse("is_active", f"must be True, False or None, not {filters.is_active!r}")
    if filters.text is not None:
        _check_query(filters.text, "text")
    return filters


def _filtered(statement: Select[Any], filters: SecurityFilter) -> Select[Any]:
    """`statement` over securities ⟕ classification ⟕ market_overview, narrowed by `filters`."""
    s, ic = SECURITIES.c, CLASSIFICATIONS.c
    joined = SECURITIES.outerjoin(CLASSIFICATIONS, ic.security_id == s.id).outerjoin(
        MARKET_OVERVIEW, MARKET_OVERVIEW.c.security_id == s.id
    )
    statement = statement.select_from(joined)
    if filters.exchanges:
        statement = statement.where(s.exchange.in_(filters.exchanges))
    if filters.instrument_types:
        statement = statement.where(s.instrument_type.in_(filters.instrument_types))
    if filters.sectors:
        named = [sector for sector in filters.sectors if sector is not None]
        unclassified = ic.sector.is_(None) if None in filters.sectors else false()
        statement = statement.where(or_(ic.sector.in_(named), unclassified))
    if filters.is_active is not None:
        statement = statement.where(s.is_active.is_(filters.is_active))
    query = (filters.text or "").strip()
    if query:
        statement = statement.where(_matches(_Patterns.of(query)))
    return statement


class SecurityRepository(Repository):
    """Reads the securities master with its classification and latest figures; writes nothing."""

    def search(self, text: str, *, limit: int = 20) -> list[SecurityHit]:
        """Securities matching what was typed, best first: exact symbol, symbol prefix, name-word or ISIN
        prefix, substring, then the letters in order ("hdfcb" → HDFCBANK); active before inactive, then
        shorter symbols. A blank query finds nothing."""
        query = _check_query(text, "text")
        limit = _check_count(limit, "limit", 1, SEARCH_LIMIT_MAX)
        if not query:
            return []
        # Symbol prefixes first and alone: for the short queries of the first keystrokes they fill the list
        # from one cheap anchored scan, and the costly ranking of every other match is never needed.
        patterns = _Patterns.of(query)
        hits = self._symbol_prefix_hits(patterns, limit)
        if len(hits) < limit:
            hits += self._other_hits(patterns, limit - len(hits))
        return hits

    def _symbol_prefix_hits(self, patterns: _Patterns, limit: int) -> list[SecurityHit]:
        symbol = SECURITIES.c.symbol
        kind = case((_regex(symbol, patterns.exact), 0), else_=1).label("match")
        found = select(*_hit_columns(), kind).where(_regex(symbol, patterns.prefix)).subquery()
        statement = select(found).order_by(found.c.match, *_hit_order(found)).limit(limit)
        return [_hit(row) for row in self._session.execute(statement).mappings()]

    def _other_hits(self, patterns: _Patterns, limit: int) -> list[SecurityHit]:
        """Name-word and ISIN prefixes, then substrings, then the letters in order (symbol prefixes excluded)."""
        s = SECURITIES.c
        kind = case(
            (s.isin.like(patterns.isin_prefix), _ISIN_PREFIX),
            (_regex(s.name, patterns.word_start), _NAME_PREFIX),
            (s.isin.like(patterns.isin_anywhere), 4),
            (or_(_regex(s.symbol, patterns.anywhere), _regex(s.name, patterns.anywhere)), 4),
            else_=5,
        ).label("match")
        matching = and_(_matches(patterns), not_(_regex(s.symbol, patterns.prefix)))
        found = select(*_hit_columns(), kind).where(matching).subquery()
        tier = case((found.c.match == _ISIN_PREFIX, _NAME_PREFIX), else_=found.c.match)
        statement = select(found).order_by(tier, *_hit_order(found)).limit(limit)
        return [_hit(row) for row in self._session.execute(statement).mappings()]

    def list(
        self,
        *,
        filters: SecurityFilter,
        sort: str = "symbol",
        descending: bool = False,
        offset: int = 0,
        limit: int = 100,
    ) -> SecurityPage:
        """One page of the securities table; empty figures sort last either way, ties go by symbol."""
        if sort not in SORT_KEYS:
            raise refuse("sort", f"{sort!r} is not one of {', '.join(SORT_KEYS)}")
        if not isinstance(descending, bool):
            raise refuse("descending", f"must be True or False, not {descending!r}")
        offset = _check_count(offset, "offset", 0, 2**62)
        limit = _check_count(limit, "limit", 1, PAGE_LIMIT_MAX)
        key = SORT_KEYS[sort].desc() if descending else SORT_KEYS[sort].asc()
        statement = (
            _filtered(select(*_table_columns(floats=False)), _check_filter(filters))
            .order_by(key.nulls_last(), SECURITIES.c.symbol, SECURITIES.c.exchange, SECURITIES.c.id)
            .offset(offset)
            .limit(limit)
        )
        rows = tuple(SecurityRow(**row) for row in self._session.execute(statement).mappings())
        total = self._session.execute(_filtered(select(func.count()), filters)).scalar_one()
        return SecurityPage(rows=rows, total=total, offset=offset, limit=limit)

    def as_frame(self, filters: SecurityFilter) -> pl.DataFrame:
        """Every row of the filtered securities table as a frame (prices as Float64), sorted by symbol."""
        statement = _filtered(select(*_table_columns(floats=True)), _check_filter(filters)).order_by(
            SECURITIES.c.symbol, SECURITIES.c.exchange, SECURITIES.c.id
        )
        compiled = statement.compile(
            dialect=self._session.get_bind().dialect, compile_kwargs={"render_postcompile": True}
        )
        columns = list(statement.selected_columns.keys())
        return read_frame(self._session, compiled.string, compiled.params, columns, dtypes=_FRAME_DTYPES)

    def facets(self) -> SecurityFacets:
        """Exchanges, instrument types and sectors with how many securities each has."""
        s, ic = SECURITIES.c, CLASSIFICATIONS.c
        by_sector = SECURITIES.outerjoin(CLASSIFICATIONS, ic.security_id == s.id)
        return SecurityFacets(
            exchanges=self._counts(s.exchange, SECURITIES),
            instrument_types=self._counts(s.instrument_type, SECURITIES),
            sectors=self._counts(ic.sector, by_sector),
        )

    def _counts(self, value: ColumnElement[Any], source: Any) -> tuple[FacetCount, ...]:
        count = func.count().label("count")
        statement = select(value, count).select_from(source).group_by(value).order_by(count.desc(), value)
        return tuple(FacetCount(value=row[0], count=row[1]) for row in self._session.execute(statement))

    def get(self, security_id: int) -> SecurityDetail:
        """The security with its classification, latest bar, metrics and market cap, and measures in force."""
        security_id = checked_security_id(security_id)
        s, ic = SECURITIES.c, CLASSIFICATIONS.c
        statement = (
            select(SECURITIES, ic.macro, ic.sector, ic.industry, ic.basic_industry, ic.security_id.label("classified"))
            .select_from(SECURITIES.outerjoin(CLASSIFICATIONS, ic.security_id == s.id))
            .where(s.id == security_id)
        )
        row = self._session.execute(statement).mappings().one_or_none()
        if row is None:
            raise NotFound(f"no security with id {security_id}")
        return self._detail(row)

    def by_symbol(self, symbol: str, exchange: str | None = None) -> SecurityDetail:
        """The security listed as `symbol` (any case); name the exchange when it is listed on several."""
        if not isinstance(symbol, str) or not symbol.strip():
            raise refuse("symbol", "must not be empty")
        if exchange is not None and (not isinstance(exchange, str) or not exchange.strip()):
            raise refuse("exchange", "must not be empty (or None for any exchange)")
        s = SECURITIES.c
        statement = select(s.id, s.exchange).where(func.upper(s.symbol) == symbol.strip().upper())
        if exchange is not None:
            statement = statement.where(func.upper(s.exchange) == exchange.strip().upper())
        listed = self._session.execute(statement.order_by(s.exchange)).all()
        where = f" on {exchange.strip()}" if exchange is not None else ""
        if not listed:
            raise NotFound(f"no security {symbol.strip()}{where}")
        if len(listed) > 1:
            exchanges = ", ".join(row.exchange for row in listed)
            raise refuse("exchange", f"{symbol.strip()} is listed on {exchanges}: name the exchange")
        return self.get(listed[0].id)

    def _detail(self, row: RowMapping) -> SecurityDetail:
        security_id = row["id"]
        classification = None
        if row["classified"] is not None:
            classification = Classification(
                macro=row["macro"], sector=row["sector"], industry=row["industry"], basic_industry=row["basic_industry"]
            )
        fields = {c.name: row[c.name] for c in SECURITIES.c if c.name not in ("id", "attributes")}
        return SecurityDetail(
            security_id=security_id,
            **fields,
            attributes=MappingProxyType(dict(row["attributes"])),
            classification=classification,
            latest_bar=self._latest(BARS, DailyBar, security_id),
            latest_metrics=self._latest(METRICS, MetricsSnapshot, security_id),
            surveillance=self._surveillance(security_id),
            market_cap=self._latest(MARKET_CAPS, MarketCap, security_id),
        )

    def _latest(self, source: FromClause, record: type[RecordT], security_id: int) -> RecordT | None:
        """The newest row of a (security_id, trade_date) table as `record`, or None.

        The key is bounded on both sides and ordered whole, not `security_id = :id order by trade_date`: with a
        generic plan that form may walk the trade_date index and read every row of a partition where the
        security has none (measured: 480 ms instead of 0.4 ms), and these tables all have trade_date indexes.
        """
        key = source.c.security_id
        statement = (
            select(*(source.c[field.name] for field in dataclasses.fields(record)))
            .where(key >= security_id, key <= security_id)
            .order_by(key.desc(), source.c.trade_date.desc())
            .limit(1)
        )
        row = self._session.execute(statement).mappings().one_or_none()
        return None if row is None else record(**row)

    def _surveillance(self, security_id: int) -> tuple[SurveillanceRecord, ...]:
        m = SURVEILLANCE.c
        statement = (
            select(m.measure, m.stage, m.reason, m.effective_date, m.removed_date)
            .where(m.security_id == security_id, or_(m.removed_date.is_(None), m.removed_date > func.current_date()))
            .order_by(m.effective_date.desc(), m.measure)
        )
        return tuple(SurveillanceRecord(**row) for row in self._session.execute(statement).mappings())


def _hit(row: RowMapping) -> SecurityHit:
    own = {name: row[name] for name in ("security_id", *_HIT_COLUMNS)}
    return SecurityHit(**own, match=MATCH_KINDS[row["match"]], rank=_RANK_OF_MATCH[row["match"]])
