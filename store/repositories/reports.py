"""Generated reports: listed newest first, read with their recommendations, reviewed, compared with the last."""

from __future__ import annotations

import builtins
import datetime as dt
import uuid
from typing import Any, cast

from sqlalchemy import Select, Table, and_, case, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import RowMapping

from store.errors import NotFound
from store.models.research import REPORT_KINDS
from store.models.research import Report as ReportModel
from store.records.reports import ActionChange, Recommendation, Report, ReportComparison, ReportSummary
from store.repositories.base import Repository
from store.repositories.checks import refuse_all

REPORTS = cast(Table, ReportModel.__table__)
NEWEST_FIRST = (REPORTS.c.report_date.desc(), REPORTS.c.generated_at.desc(), REPORTS.c.id.desc())
LIST_LIMIT_MAX = 1000
_REVIEW_FIELDS = ("reviewed_at", "reviewed_by", "review_notes")
_SUMMARY_FIELDS = tuple(name for name in ReportSummary.__dataclass_fields__ if name != "reviewed")


class ReportRepository(Repository):
    """Reads reports and records their review; reports themselves are written by the generating agents."""

    def list(
        self, kind: str | None = None, *, since: dt.date | None = None, until: dt.date | None = None, limit: int = 50
    ) -> builtins.list[ReportSummary]:
        """Newest report date first; `since` and `until` are inclusive report dates."""
        _check_listing(kind, since, until, limit)
        query = _summary_query()
        if kind is not None:
            query = query.where(REPORTS.c.kind == kind)
        if since is not None:
            query = query.where(REPORTS.c.report_date >= since)
        if until is not None:
            query = query.where(REPORTS.c.report_date <= until)
        query = query.order_by(*NEWEST_FIRST).limit(limit)
        return [_summary(row) for row in self._session.execute(query).mappings()]

    def get(self, report_id: uuid.UUID) -> Report:
        query = _summary_query().add_columns(
            REPORTS.c.content, REPORTS.c.recommendations.label("raw_recommendations"), REPORTS.c.review_notes
        )
        row = self._session.execute(query.where(REPORTS.c.id == report_id)).mappings().one_or_none()
        if row is None:
            raise NotFound(f"no report with id {report_id}")
        recommendations, unreadable = parse_recommendations(row["raw_recommendations"])
        summary = _summary(row)
        return Report(
            **{name: getattr(summary, name) for name in ReportSummary.__dataclass_fields__},
            content=row["content"],
            recommendations=recommendations,
            unreadable_recommendations=unreadable,
            review_notes=row["review_notes"],
        )

    def latest(self, kind: str = "morning") -> Report | None:
        """The newest report of a kind, or None when there is none yet."""
        _check_listing(kind, None, None, 1)
        query = select(REPORTS.c.id).where(REPORTS.c.kind == kind).order_by(*NEWEST_FIRST).limit(1)
        report_id = self._session.execute(query).scalar_one_or_none()
        return None if report_id is None else self.get(report_id)

    def mark_reviewed(self, report_id: uuid.UUID, version: int, notes: str | None = None) -> Report:
        """Reviewed now by the unit's actor; reviewing again records the new reviewer and notes."""
        self.get(report_id)
        values = {
            "reviewed_at": self._session.execute(select(func.now())).scalar_one(),
            "reviewed_by": self._actor,
            "review_notes": (notes or "").strip() or None,
        }
        self._update_versioned(REPORTS, report_id, version, values, entity="report")
        return self.get(report_id)

    def store_generated(
        self,
        kind: str,
        report_date: dt.date,
        *,
        title: str,
        content: str,
        stocks_analyzed: int,
        recommendations: builtins.list[dict[str, Any]],
        generated_by: str,
    ) -> tuple[Report, bool]:
        """Write a generated report, replacing the one of the same kind and date; True when one was replaced.

        Replacing is an UPDATE of the same row (audited, version bumped), generated now. Its review is kept when
        the content and recommendations come out the same, and cleared when they changed: the reviewer read
        something else.
        """
        _check_generated(kind, report_date, title, stocks_analyzed, recommendations)
        existing = select(REPORTS.c.id).where(REPORTS.c.kind == kind, REPORTS.c.report_date == report_date)
        replaced = self._session.execute(existing).first() is not None
        values = {
            "title": title.strip(),
            "content": content,
            "stocks_analyzed": stocks_analyzed,
            "recommendations_count": len(recommendations),
            "recommendations": recommendations,
            "generated_by": generated_by,
            "generated_at": func.now(),
        }
        statement = insert(REPORTS).values(kind=kind, report_date=report_date, **values)
        unchanged = and_(
            REPORTS.c.content == statement.excluded.content,
            REPORTS.c.recommendations == statement.excluded.recommendations,
        )
        review = {name: case((unchanged, REPORTS.c[name]), else_=None) for name in _REVIEW_FIELDS}
        statement = statement.on_conflict_do_update(
            index_elements=[REPORTS.c.kind, REPORTS.c.report_date], set_={**values, **review}
        )
        report_id = self._session.execute(statement.returning(REPORTS.c.id)).scalar_one()
        return self.get(report_id), replaced

    def compare_with_previous(self, report_id: uuid.UUID) -> ReportComparison:
        """Symbols added, dropped and with a changed action since the previous report of the same kind."""
        report = self.get(report_id)
        query = (
            select(REPORTS.c.id)
            .where(REPORTS.c.kind == report.kind, REPORTS.c.report_date < report.report_date)
            .order_by(REPORTS.c.report_date.desc())
            .limit(1)
        )
        previous_id = self._session.execute(query).scalar_one_or_none()
        if previous_id is None:
            return ReportComparison(report=report, previous=None, added=(), dropped=(), changed=(), unchanged=())
        previous = self.get(previous_id)
        return compare(report, previous, report.recommendations, previous.recommendations)


def compare(
    report: ReportSummary,
    previous: ReportSummary,
    new: tuple[Recommendation, ...],
    old: tuple[Recommendation, ...],
) -> ReportComparison:
    """Symbols match ignoring case and spaces, actions ignoring case; a symbol's first recommendation counts."""
    new_by_symbol, old_by_symbol = _by_symbol(new), _by_symbol(old)
    changed, unchanged = [], []
    for key, recommendation in new_by_symbol.items():
        before = old_by_symbol.get(key)
        if before is None:
            continue
        if before.action.casefold() == recommendation.action.casefold():
            unchanged.append(recommendation.symbol)
        else:
            changed.append(ActionChange(recommendation.symbol, before.action, recommendation.action))
    return ReportComparison(
        report=report,
        previous=previous,
        added=tuple(value for key, value in new_by_symbol.items() if key not in old_by_symbol),
        dropped=tuple(value for key, value in old_by_symbol.items() if key not in new_by_symbol),
        changed=tuple(changed),
        unchanged=tuple(unchanged),
    )


def parse_recommendations(raw: Any) -> tuple[tuple[Recommendation, ...], int]:
    """The stored jsonb list as records, and how many of its entries could not be read (no symbol, not objects)."""
    parsed: builtins.list[Recommendation] = []
    unreadable = 0
    for element in raw if isinstance(raw, builtins.list) else ():
        symbol = element.get("symbol") if isinstance(element, dict) else None
        if not isinstance(symbol, str) or not symbol.strip():
            unreadable += 1
            continue
        action, rationale = element.get("action"), element.get("rationale")
        parsed.append(
            Recommendation(
                symbol=symbol.strip(),
                action="" if action is None else str(action).strip(),
                rationale=None if rationale is None else str(rationale),
            )
        )
    return tuple(parsed), unreadable


def _by_symbol(recommendations: tuple[Recommendation, ...]) -> dict[str, Recommendation]:
    keyed: dict[str, Recommendation] = {}
    for recommendation in recommendations:
        keyed.setdefault("".join(recommendation.symbol.split()).upper(), recommendation)
    return keyed


def _check_generated(
    kind: str, report_date: dt.date, title: str, stocks_analyzed: int, recommendations: builtins.list[Any]
) -> None:
    problems: dict[str, str] = {}
    if kind not in REPORT_KINDS:
        problems["kind"] = f"'{kind}' is not one of {', '.join(REPORT_KINDS)}"
    if isinstance(report_date, dt.datetime) or not isinstance(report_date, dt.date):
        problems["report_date"] = f"must be a date (not a time), not {report_date!r}"
    if not title.strip():
        problems["title"] = "a report needs a title"
    if isinstance(stocks_analyzed, bool) or not isinstance(stocks_analyzed, int) or stocks_analyzed < 0:
        problems["stocks_analyzed"] = f"a whole number of at least 0, not {stocks_analyzed!r}"
    unnamed = [n for n, item in enumerate(recommendations) if not isinstance(item, dict) or not item.get("symbol")]
    if unnamed:
        problems["recommendations"] = f"entries {', '.join(map(str, unnamed))} name no symbol"
    if problems:
        refuse_all("cannot store the report", problems)


def _check_listing(kind: str | None, since: dt.date | None, until: dt.date | None, limit: int) -> None:
    problems: dict[str, str] = {}
    if kind is not None and kind not in REPORT_KINDS:
        problems["kind"] = f"'{kind}' is not one of {', '.join(REPORT_KINDS)}"
    if since is not None and until is not None and since > until:
        problems["until"] = f"{until} is before {since}"
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= LIST_LIMIT_MAX:
        problems["limit"] = f"a whole number from 1 to {LIST_LIMIT_MAX}, not {limit!r}"
    if problems:
        refuse_all("cannot list the reports", problems)


def _summary_query() -> Select[Any]:
    return select(
        *(REPORTS.c[name] for name in _SUMMARY_FIELDS if name != "recommendations_count"),
        func.jsonb_array_length(REPORTS.c.recommendations).label("recommendations_count"),
    )


def _summary(row: RowMapping) -> ReportSummary:
    return ReportSummary(**{name: row[name] for name in _SUMMARY_FIELDS}, reviewed=row["reviewed_at"] is not None)
