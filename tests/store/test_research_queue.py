"""The research queue: one open item per security, allowed moves only, claims and notes attributed to the analyst."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from decimal import Decimal

import pytest
from sqlalchemy import text

from store.errors import EditConflict, InvalidInput, NotFound
from store.records.research_queue import QUEUE_TRANSITIONS, QueueItem
from store.repositories.research_queue import ResearchQueueRepository
from store.uow import UnitOfWork


def add_security(unit: UnitOfWork, symbol: str) -> int:
    return int(
        unit.session.execute(
            text(
                "insert into securities (symbol, exchange, instrument_type, name)"
                " values (:symbol, 'NSE', 'equity', :symbol || ' Ltd') returning id"
            ),
            {"symbol": symbol},
        ).scalar_one()
    )


@pytest.fixture
def queue(uow: UnitOfWork) -> ResearchQueueRepository:
    return uow.repository(ResearchQueueRepository)


@pytest.fixture
def infy(uow: UnitOfWork) -> int:
    return add_security(uow, "INFY")


def put_in_status(uow: UnitOfWork, queue: ResearchQueueRepository, item: QueueItem, status: str) -> QueueItem:
    """Another writer (an agent) sets the status directly; the repository reads it back."""
    uow.session.execute(
        text("update research_queue set status = :status where id = :id"), {"status": status, "id": item.id}
    )
    return queue.item(item.id)


def test_add_queues_a_security_as_new(queue: ResearchQueueRepository, infy: int) -> None:
    item = queue.add(infy, score=Decimal("87.5"), priority=3, notes=" strong RS ", data={"from": "screen"})
    assert (item.symbol, item.status, item.score, item.priority) == ("INFY", "new", Decimal("87.5"), 3)
    assert (item.source, item.notes, item.assignee, item.version) == ("analyst", "strong RS", None, 1)
    assert item.data == {"from": "screen"}
    assert dt.timedelta(0) <= item.age < dt.timedelta(minutes=5)
    assert queue.items() == [item]


def test_add_refuses_a_second_open_item_and_says_where_the_first_is(
    uow: UnitOfWork, queue: ResearchQueueRepository, infy: int
) -> None:
    first = queue.add(infy)
    put_in_status(uow, queue, first, "waiting")
    with pytest.raises(InvalidInput) as caught:
        queue.add(infy)
    assert caught.value.fields == {"security_id": "INFY already has an open research-queue item (status waiting)"}


def test_a_closed_item_lets_the_security_be_queued_again(
    uow: UnitOfWork, queue: ResearchQueueRepository, infy: int
) -> None:
    first = queue.add(infy)
    queue.reject(first.id, first.version, "too expensive")
    second = queue.add(infy, source="screener")
    assert (second.status, second.source) == ("new", "screener")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"priority": 10}, "priority"),
        ({"priority": -1}, "priority"),
        ({"priority": True}, "priority"),
        ({"score": Decimal("NaN")}, "score"),
        ({"score": Decimal("1e13")}, "score"),
        ({"source": "  "}, "source"),
        ({"data": {"when": dt.date(2025, 1, 1)}}, "data"),
    ],
)
def test_add_refuses_bad_values_naming_the_field(
    queue: ResearchQueueRepository, infy: int, changes: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        queue.add(infy, **changes)  # type: ignore[arg-type]
    assert list(caught.value.fields) == [field]
    assert queue.items() == []


def test_add_refuses_an_unknown_security(queue: ResearchQueueRepository) -> None:
    with pytest.raises(InvalidInput) as caught:
        queue.add(987_654_321)
    assert caught.value.fields == {"security_id": "no security with id 987654321"}


def test_items_filter_by_status_assignee_and_closed(uow: UnitOfWork, queue: ResearchQueueRepository) -> None:
    new = queue.add(add_security(uow, "A"), priority=1)
    urgent = queue.add(add_security(uow, "B"), priority=9)
    mine = queue.claim(urgent.id, urgent.version)
    done = put_in_status(uow, queue, queue.add(add_security(uow, "C")), "decided")
    assert [item.symbol for item in queue.items()] == ["B", "A"]
    assert [item.symbol for item in queue.items(include_closed=True)] == ["B", "A", "C"]
    assert [item.id for item in queue.items(statuses=["decided"])] == [done.id]
    assert [item.id for item in queue.items(assignee="tester")] == [mine.id]
    assert [item.id for item in queue.items(statuses=("new",), assignee="nobody")] == []
    assert new.status == "new"
    with pytest.raises(InvalidInput) as caught:
        queue.items(statuses=["new", "done"])
    assert caught.value.fields == {"statuses": "done: not a queue status"}


def test_items_rank_by_priority_then_score(uow: UnitOfWork, queue: ResearchQueueRepository) -> None:
    queue.add(add_security(uow, "LOW"), score=Decimal(99), priority=0)
    queue.add(add_security(uow, "UNSCORED"), priority=5)
    queue.add(add_security(uow, "HIGH"), score=Decimal(50), priority=5)
    assert [item.symbol for item in queue.items()] == ["HIGH", "UNSCORED", "LOW"]


def test_counts_by_status_names_every_status(uow: UnitOfWork, queue: ResearchQueueRepository) -> None:
    assert queue.counts_by_status() == {"new": 0, "researching": 0, "waiting": 0, "decided": 0, "rejected": 0}
    queue.add(add_security(uow, "A"))
    item = queue.add(add_security(uow, "B"))
    queue.advance(item.id, item.version)
    assert queue.counts_by_status() == {"new": 1, "researching": 1, "waiting": 0, "decided": 0, "rejected": 0}


ALLOWED = [(start, end) for start, ends in QUEUE_TRANSITIONS.items() for end in ends]


@pytest.mark.parametrize(("start", "end"), ALLOWED, ids=[f"{start}->{end}" for start, end in ALLOWED])
def test_every_allowed_transition_moves_the_item(
    uow: UnitOfWork, queue: ResearchQueueRepository, infy: int, start: str, end: str
) -> None:
    item = put_in_status(uow, queue, queue.add(infy), start)
    moved = queue.move(item.id, item.version, end, reason="because")
    assert (moved.status, moved.version, moved.status_reason) == (end, item.version + 1, "because")


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("new", "waiting"),
        ("new", "decided"),
        ("new", "new"),
        ("waiting", "new"),
        ("decided", "rejected"),
        ("decided", "new"),
        ("rejected", "decided"),
        ("new", "done"),
    ],
)
def test_a_disallowed_transition_names_status_and_the_allowed_next_steps(
    uow: UnitOfWork, queue: ResearchQueueRepository, infy: int, start: str, end: str
) -> None:
    item = put_in_status(uow, queue, queue.add(infy), start)
    with pytest.raises(InvalidInput) as caught:
        queue.move(item.id, item.version, end, reason="because")
    assert list(caught.value.fields) == ["status"]
    assert caught.value.fields["status"].endswith("it can go to " + ", ".join(QUEUE_TRANSITIONS[start]))
    assert queue.item(item.id).status == start


def test_reopening_is_refused_while_another_item_for_the_security_is_open(
    uow: UnitOfWork, queue: ResearchQueueRepository, infy: int
) -> None:
    old = queue.add(infy)
    old = queue.reject(old.id, old.version, "no edge")
    queue.add(infy)
    with pytest.raises(InvalidInput) as caught:
        queue.retreat(old.id, old.version)
    assert caught.value.fields == {"security_id": "INFY already has an open research-queue item (status new)"}


def test_reject_needs_a_reason_and_keeps_it_until_the_next_move(queue: ResearchQueueRepository, infy: int) -> None:
    item = queue.add(infy)
    for blank in ("", "   "):
        with pytest.raises(InvalidInput) as caught:
            queue.reject(item.id, item.version, blank)
        assert list(caught.value.fields) == ["reason"]
    with pytest.raises(InvalidInput):
        queue.move(item.id, item.version, "rejected")
    rejected = queue.reject(item.id, item.version, " valuation stretched ")
    assert (rejected.status, rejected.status_reason) == ("rejected", "valuation stretched")
    reopened = queue.retreat(rejected.id, rejected.version)
    assert (reopened.status, reopened.status_reason) == ("researching", None)


def test_advance_walks_to_decided_and_retreat_walks_back(queue: ResearchQueueRepository, infy: int) -> None:
    item = queue.add(infy)
    seen = []
    for _ in range(3):
        item = queue.advance(item.id, item.version)
        seen.append(item.status)
    assert seen == ["researching", "waiting", "decided"]
    with pytest.raises(InvalidInput) as at_end:
        queue.advance(item.id, item.version)
    assert "nothing comes after decided" in at_end.value.fields["status"]
    for expected in ("researching", "new"):
        item = queue.retreat(item.id, item.version)
        assert item.status == expected
    with pytest.raises(InvalidInput) as at_start:
        queue.retreat(item.id, item.version)
    assert at_start.value.fields == {"status": "new is the first step"}


def test_advance_refuses_a_rejected_item(queue: ResearchQueueRepository, infy: int) -> None:
    item = queue.add(infy)
    item = queue.reject(item.id, item.version, "no")
    with pytest.raises(InvalidInput) as caught:
        queue.advance(item.id, item.version)
    assert "it is closed" in caught.value.fields["status"]


def test_a_stale_version_is_a_conflict_for_every_edit(queue: ResearchQueueRepository, infy: int) -> None:
    item = queue.add(infy)
    queue.annotate(item.id, item.version, "first look")
    edits: list[Callable[[], object]] = [
        lambda: queue.move(item.id, item.version, "researching"),
        lambda: queue.advance(item.id, item.version),
        lambda: queue.rescore(item.id, item.version, Decimal(1)),
        lambda: queue.prioritise(item.id, item.version, 1),
        lambda: queue.assign(item.id, item.version, "ravi"),
        lambda: queue.claim(item.id, item.version),
        lambda: queue.annotate(item.id, item.version, "second look"),
        lambda: queue.reject(item.id, item.version, "no"),
    ]
    for edit in edits:
        with pytest.raises(EditConflict) as caught:
            edit()
        assert caught.value.stored["notes"] == "first look"
    assert queue.item(item.id).version == 2


def test_rescore_prioritise_and_annotate_change_what_the_queue_shows(queue: ResearchQueueRepository, infy: int) -> None:
    item = queue.add(infy, score=Decimal(10))
    item = queue.rescore(item.id, item.version, Decimal("72.25"))
    item = queue.prioritise(item.id, item.version, 7)
    item = queue.annotate(item.id, item.version, "results on Friday")
    assert (item.score, item.priority, item.notes, item.version) == (Decimal("72.25"), 7, "results on Friday", 4)
    item = queue.rescore(item.id, item.version, None)
    item = queue.annotate(item.id, item.version, "  ")
    assert (item.score, item.notes) == (None, None)


def test_rescore_and_prioritise_refuse_bad_values(queue: ResearchQueueRepository, infy: int) -> None:
    item = queue.add(infy)
    with pytest.raises(InvalidInput) as score:
        queue.rescore(item.id, item.version, Decimal("Infinity"))
    assert list(score.value.fields) == ["score"]
    with pytest.raises(InvalidInput) as priority:
        queue.prioritise(item.id, item.version, 12)
    assert list(priority.value.fields) == ["priority"]
    assert queue.item(item.id).version == 1


def test_claim_assigns_the_item_to_the_actor_and_the_audit_names_them(
    make_uow: Callable[..., UnitOfWork],
) -> None:
    with make_uow(actor="meera") as unit:
        queue = unit.repository(ResearchQueueRepository)
        item = queue.add(add_security(unit, "INFY"))
        claimed = queue.claim(item.id, item.version)
        audit = unit.session.execute(
            text("select actor, after->>'assignee' from audit_log where entity_id = :id and action = 'update'"),
            {"id": str(item.id)},
        ).all()
    assert claimed.assignee == "meera"
    assert [tuple(row) for row in audit] == [("meera", "meera")]


def test_assign_gives_the_item_to_someone_and_none_unassigns(queue: ResearchQueueRepository, infy: int) -> None:
    item = queue.add(infy)
    item = queue.assign(item.id, item.version, " ravi ")
    assert item.assignee == "ravi"
    item = queue.assign(item.id, item.version, None)
    assert item.assignee is None


def test_edits_of_a_missing_item_are_not_found(queue: ResearchQueueRepository) -> None:
    missing = uuid.uuid4()
    with pytest.raises(NotFound):
        queue.item(missing)
    with pytest.raises(NotFound):
        queue.claim(missing, 1)
    with pytest.raises(NotFound):
        queue.move(missing, 1, "researching")
