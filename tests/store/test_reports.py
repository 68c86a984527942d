"""Reports: the list newest first, a report with its recommendations, review by the analyst, change since the last."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import text

from store.errors import EditConflict, InvalidInput, NotFound
from store.records.reports import ActionChange, Recommendation
from store.repositories.reports import ReportRepository
from store.uow import UnitOfWork

MONDAY = dt.date(2025, 3, 3)


def add_report(
    unit: UnitOfWork,
    day: dt.date,
    recommendations: list[Any] | None = None,
    *,
    kind: str = "morning",
    content: str = "# Markets",
) -> uuid.UUID:
    """A report as the generating agent writes it."""
    return uuid.UUID(
        str(
            unit.session.execute(
                text(
                    "insert into reports (kind, report_date, title, content, stocks_analyzed, recommendations,"
                    " generated_by) values (:kind, :day, :title, :content, 40, cast(:recommendations as jsonb),"
                    " 'morning-agent') returning id"
                ),
                {
                    "kind": kind,
                    "day": day,
                    "title": f"{kind.title()} report {day}",
                    "content": content,
                    "recommendations": json.dumps(recommendations or []),
                },
            ).scalar_one()
        )
    )


def rec(symbol: str, action: str, rationale: str | None = None) -> dict[str, Any]:
    return {"symbol": symbol, "action": action, "rationale": rationale}


@pytest.fixture
def reports(uow: UnitOfWork) -> ReportRepository:
    return uow.repository(ReportRepository)


def test_list_shows_reports_newest_first_with_their_counts(uow: UnitOfWork, reports: ReportRepository) -> None:
    add_report(uow, MONDAY, [rec("INFY", "buy")])
    add_report(uow, MONDAY + dt.timedelta(days=1), [rec("INFY", "buy"), rec("TCS", "sell")])
    add_report(uow, MONDAY - dt.timedelta(days=3), kind="weekly")
    listed = reports.list()
    assert [(summary.kind, summary.report_date.day) for summary in listed] == [
        ("morning", 4),
        ("morning", 3),
        ("weekly", 28),
    ]
    assert listed[0].recommendations_count == 2
    assert (listed[0].reviewed, listed[0].stocks_analyzed, listed[0].generated_by) == (False, 40, "morning-agent")


def test_list_filters_by_kind_dates_and_limit(uow: UnitOfWork, reports: ReportRepository) -> None:
    for offset in range(5):
        add_report(uow, MONDAY + dt.timedelta(days=offset))
    add_report(uow, MONDAY, kind="weekly")
    assert [summary.kind for summary in reports.list("weekly")] == ["weekly"]
    window = reports.list("morning", since=MONDAY + dt.timedelta(days=1), until=MONDAY + dt.timedelta(days=3))
    assert [summary.report_date.day for summary in window] == [6, 5, 4]
    assert [summary.report_date.day for summary in reports.list("morning", limit=2)] == [7, 6]
    assert reports.list(since=MONDAY + dt.timedelta(days=30)) == []


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"kind": "daily"}, "kind"),
        ({"since": MONDAY, "until": MONDAY - dt.timedelta(days=1)}, "until"),
        ({"limit": 0}, "limit"),
        ({"limit": 5000}, "limit"),
    ],
)
def test_list_refuses_bad_filters_naming_the_field(
    reports: ReportRepository, arguments: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        reports.list(**arguments)
    assert list(caught.value.fields) == [field]


def test_get_parses_the_recommendations_and_counts_unreadable_ones(uow: UnitOfWork, reports: ReportRepository) -> None:
    report_id = add_report(
        uow,
        MONDAY,
        [rec("INFY", "buy", "breakout on volume"), {"symbol": " TCS ", "action": "HOLD"}, {"action": "sell"}, "junk"],
        content="# Monday\n\nMarkets were quiet.",
    )
    report = reports.get(report_id)
    assert report.content == "# Monday\n\nMarkets were quiet."
    assert report.recommendations == (
        Recommendation("INFY", "buy", "breakout on volume"),
        Recommendation("TCS", "HOLD", None),
    )
    assert (report.unreadable_recommendations, report.recommendations_count) == (2, 4)
    assert (report.title, report.review_notes, report.version) == ("Morning report 2025-03-03", None, 1)


def test_get_of_a_missing_report_is_not_found(reports: ReportRepository) -> None:
    with pytest.raises(NotFound):
        reports.get(uuid.uuid4())


def test_latest_is_the_newest_of_its_kind_or_none(uow: UnitOfWork, reports: ReportRepository) -> None:
    assert reports.latest() is None
    add_report(uow, MONDAY)
    newest = add_report(uow, MONDAY + dt.timedelta(days=1))
    add_report(uow, MONDAY + dt.timedelta(days=2), kind="evening")
    latest = reports.latest()
    assert latest is not None
    assert latest.id == newest
    assert reports.latest("weekly") is None
    with pytest.raises(InvalidInput) as caught:
        reports.latest("daily")
    assert list(caught.value.fields) == ["kind"]


def test_mark_reviewed_records_the_actor_time_and_notes(make_uow: Callable[..., UnitOfWork]) -> None:
    with make_uow(actor="asha") as unit:
        reports = unit.repository(ReportRepository)
        report_id = add_report(unit, MONDAY)
        reviewed = reports.mark_reviewed(report_id, 1, " agree except TCS ")
        now = unit.session.execute(text("select now()")).scalar_one()
        audit = unit.session.execute(
            text("select actor, action from audit_log where entity_id = :id order by id"), {"id": str(report_id)}
        ).all()
        listed = reports.list()
    assert (reviewed.reviewed, reviewed.reviewed_by, reviewed.review_notes) == (True, "asha", "agree except TCS")
    assert reviewed.reviewed_at == now
    assert reviewed.version == 2
    assert [tuple(row) for row in audit] == [("asha", "insert"), ("asha", "update")]
    assert listed[0].reviewed


def test_mark_reviewed_refuses_a_stale_version_and_a_missing_report(uow: UnitOfWork, reports: ReportRepository) -> None:
    report_id = add_report(uow, MONDAY)
    reports.mark_reviewed(report_id, 1)
    with pytest.raises(EditConflict) as caught:
        reports.mark_reviewed(report_id, 1, "second opinion")
    assert caught.value.stored["reviewed_by"] == "tester"
    assert caught.value.attempted["review_notes"] == "second opinion"
    with pytest.raises(NotFound):
        reports.mark_reviewed(uuid.uuid4(), 1)


def test_compare_names_added_dropped_and_changed_symbols(uow: UnitOfWork, reports: ReportRepository) -> None:
    add_report(uow, MONDAY - dt.timedelta(days=3), [rec("OLD", "buy")])
    previous = add_report(uow, MONDAY, [rec("INFY", "buy"), rec("TCS", "hold"), rec("WIPRO", "sell")])
    add_report(uow, MONDAY + dt.timedelta(days=1), [rec("HDFC", "buy")], kind="evening")
    current = add_report(
        uow,
        MONDAY + dt.timedelta(days=1),
        [rec("INFY", "BUY"), rec("tcs", "sell", "guidance cut"), rec("RELIANCE", "buy", "new high")],
    )
    comparison = reports.compare_with_previous(current)
    assert comparison.has_previous
    assert comparison.previous is not None
    assert comparison.previous.id == previous
    assert comparison.report.id == current
    assert comparison.added == (Recommendation("RELIANCE", "buy", "new high"),)
    assert comparison.dropped == (Recommendation("WIPRO", "sell", None),)
    assert comparison.changed == (ActionChange("tcs", "hold", "sell"),)
    assert comparison.unchanged == ("INFY",)


def test_compare_with_no_previous_report_says_so(uow: UnitOfWork, reports: ReportRepository) -> None:
    add_report(uow, MONDAY - dt.timedelta(days=1), [rec("INFY", "buy")], kind="weekly")
    first = add_report(uow, MONDAY, [rec("INFY", "buy")])
    comparison = reports.compare_with_previous(first)
    assert not comparison.has_previous
    assert (comparison.previous, comparison.added, comparison.dropped, comparison.changed) == (None, (), (), ())
    with pytest.raises(NotFound):
        reports.compare_with_previous(uuid.uuid4())
