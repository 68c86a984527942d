"""The research queue: agents propose names, analysts move them along; every status is represented, with history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from itertools import zip_longest
from typing import Any

import numpy as np

from store.demo.analysis import Analysis
from store.demo.loading import Connection, act_as, as_json, copy_rows
from store.demo.signals import AGENTS

ANALYSTS = ("priya.nair", "daniel.okafor", "mei.tanaka")
# final status -> the statuses an item passes through after `new`
PATHS = {
    "new": (),
    "researching": ("researching",),
    "waiting": ("researching", "waiting"),
    "decided": ("researching", "waiting", "decided"),
    "rejected": ("researching", "rejected"),
}
SHARES = (("new", 8), ("researching", 7), ("waiting", 6), ("decided", 8), ("rejected", 7))
NOTES = {
    "researching": "Reading the last two annual reports and the latest earnings call.",
    "waiting": "Waiting for the quarterly results before sizing a position.",
    "decided": "Decision: {decision}. Thesis holds after results; sized at half weight.",
    "rejected": "Rejected: {reason}.",
}
REJECTIONS = (
    "liquidity too thin for our size",
    "governance concerns in the related-party notes",
    "valuation already prices in the upside",
    "cyclical peak in margins",
)


@dataclass(slots=True)
class QueueItem:
    spec: int
    source: str
    score: float
    priority: int
    created_at: dt.datetime
    final: str
    assignee: str
    data: dict[str, Any] = field(default_factory=dict)


DAYS_IN_QUEUE = {"new": 2, "researching": 6, "waiting": 12, "decided": 20, "rejected": 16}


def _proposals(analyses: list[Analysis]) -> list[Analysis]:
    """Each agent's most confident buy or sell opinions, the agents taking turns; one per security."""
    opinions = [item for item in analyses if item.recommendation in ("strong_buy", "strong_sell", "buy", "sell")]
    ranked = [
        sorted(
            (o for o in opinions if o.agent == agent.name), key=lambda o: (-o.confidence, -o.day.toordinal(), o.spec)
        )
        for agent in AGENTS
    ]
    picked: dict[int, Analysis] = {}
    for turn in zip_longest(*ranked):
        for item in turn:
            if item is not None:
                picked.setdefault(item.spec, item)
    return list(picked.values())


def _item(rng: np.random.Generator, analysis: Analysis, final: str, assignee: str) -> QueueItem:
    waited = dt.timedelta(days=DAYS_IN_QUEUE[final] + int(rng.integers(0, 4)))
    created = dt.datetime.combine(analysis.day, dt.time(3, 30), tzinfo=dt.UTC) - waited
    data = {"recommendation": analysis.recommendation, "agent_confidence": analysis.confidence,
            "first_seen": analysis.day.isoformat()}  # fmt: skip
    score, priority = round(analysis.confidence * 100, 2), int(rng.integers(1, 6))
    return QueueItem(analysis.spec, analysis.agent, score, priority, created, final, assignee, data)


def plan_queue(rng: np.random.Generator, analyses: list[Analysis], scale: float) -> list[QueueItem]:
    """The strongest recent opinions become queue items; one decided name comes back as a new item later."""
    finals = [status for status, count in SHARES for _ in range(max(1, round(count * scale)))]
    chosen = zip(finals, _proposals(analyses), strict=False)
    items = [_item(rng, analysis, final, ANALYSTS[n % len(ANALYSTS)]) for n, (final, analysis) in enumerate(chosen)]
    decided = [item for item in items if item.final == "decided"]
    if decided:
        again = decided[0]
        reopened = {"reopened": True, "previous_decision": "buy"}
        later = again.created_at + dt.timedelta(days=15)
        items.append(QueueItem(again.spec, "technical-agent", again.score, 2, later, "new", again.assignee, reopened))
    return items


def _propose(connection: Connection, items: list[QueueItem], ids: dict[int, int]) -> None:
    columns = ("security_id", "score", "status", "priority", "source", "data", "created_at")
    for source in sorted({item.source for item in items}):
        act_as(connection, f"agent:{source}", "proposed from analysis results")
        rows = [
            (ids[i.spec], f"{i.score:.2f}", "new", i.priority, source, as_json(i.data), i.created_at)
            for i in items
            if i.source == source
        ]
        copy_rows(connection, "research_queue", columns, rows)


def insert_queue(connection: Connection, items: list[QueueItem], ids: dict[int, int]) -> int:
    """Items arrive as new from their agent; analysts then move them, each step audited under their name.

    A name that was decided may come back as a new item afterwards (the database allows one open item per name).
    """
    first, later = [i for i in items if not i.data.get("reopened")], [i for i in items if i.data.get("reopened")]
    _propose(connection, first, ids)
    found = {
        (row[0], row[1]): row[2] for row in connection.execute("select security_id, created_at, id from research_queue")
    }
    keys = {id(item): found[(ids[item.spec], item.created_at)] for item in first}
    for step in ("researching", "waiting", "decided", "rejected"):
        for analyst in ANALYSTS:
            moving = [item for item in first if item.assignee == analyst and step in PATHS[item.final]]
            if not moving:
                continue
            act_as(connection, analyst, f"moved to {step}")
            rows = [
                (step, analyst, _note(step, item), as_json(_decision(step, item)), keys[id(item)]) for item in moving
            ]
            with connection.cursor() as cursor:
                cursor.executemany(
                    b"update research_queue set status = %s, assignee = %s, notes = %s, data = data || %s"
                    b" where id = %s",
                    rows,
                )
    _propose(connection, later, ids)
    return len(items)


def _note(step: str, item: QueueItem) -> str:
    decision = "buy" if item.data.get("recommendation", "").endswith("buy") else "sell"
    reason = REJECTIONS[item.priority % len(REJECTIONS)]
    return NOTES[step].format(decision=decision, reason=reason)


def _decision(step: str, item: QueueItem) -> dict[str, Any]:
    if step == "decided":
        return {"decision": "buy" if item.data.get("recommendation", "").endswith("buy") else "sell"}
    if step == "rejected":
        return {"rejection_reason": REJECTIONS[item.priority % len(REJECTIONS)]}
    return {}
