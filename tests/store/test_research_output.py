"""Signals and analyses: latest first with their symbol, read-only JSON, and checked posts from our tools."""

from __future__ import annotations

import datetime as dt
import json
import math
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Connection, text

from store.errors import InvalidInput
from store.repositories.research_output import ResearchOutputRepository
from store.uow import UnitOfWork

T0 = dt.datetime(2026, 11, 2, 9, 15, tzinfo=dt.UTC)


def new_security(conn: Connection, symbol: str) -> int:
    return int(
        conn.execute(
            text(
                "insert into securities (symbol, exchange, instrument_type) values (:s, 'NSE', 'equity') returning id"
            ),
            {"s": symbol},
        ).scalar_one()
    )


def add_signal(conn: Connection, security_id: int, minutes: int, source: str = "momentum", **data: Any) -> None:
    conn.execute(
        text(
            "insert into signals (security_id, signal_type, score, source, observed_at, data)"
            " values (:s, 'breakout', 72.5, :source, :at, cast(:data as jsonb))"
        ),
        {"s": security_id, "source": source, "at": T0 + dt.timedelta(minutes=minutes), "data": json.dumps(data)},
    )


def add_analysis(conn: Connection, security_id: int, minutes: int, recommendation: str, agent: str = "value") -> None:
    conn.execute(
        text(
            "insert into analysis_results (security_id, agent_name, recommendation, confidence, analysed_at)"
            " values (:s, :agent, :rec, 0.8, :at)"
        ),
        {"s": security_id, "agent": agent, "rec": recommendation, "at": T0 + dt.timedelta(minutes=minutes)},
    )


@pytest.fixture
def research(uow: UnitOfWork) -> ResearchOutputRepository:
    return uow.repository(ResearchOutputRepository)


@pytest.fixture
def infy_tcs(conn: Connection) -> tuple[int, int]:
    return new_security(conn, "INFY"), new_security(conn, "TCS")


def test_signals_come_latest_first_with_their_symbol(
    conn: Connection, research: ResearchOutputRepository, infy_tcs: tuple[int, int]
) -> None:
    infy, tcs = infy_tcs
    add_signal(conn, infy, 0)
    add_signal(conn, tcs, 10, source="volume")
    add_signal(conn, infy, 20, source="volume")
    signals = research.signals()
    assert [(s.symbol, s.observed_at) for s in signals] == [
        ("INFY", T0 + dt.timedelta(minutes=20)),
        ("TCS", T0 + dt.timedelta(minutes=10)),
        ("INFY", T0),
    ]
    assert signals[0].score == Decimal("72.5")
    assert signals[0].exchange == "NSE"
    assert [s.symbol for s in research.latest_signals(limit=2)] == ["INFY", "TCS"]


def test_signals_filter_by_security_source_and_time(
    conn: Connection, research: ResearchOutputRepository, infy_tcs: tuple[int, int]
) -> None:
    infy, tcs = infy_tcs
    add_signal(conn, infy, 0)
    add_signal(conn, tcs, 10, source="volume")
    add_signal(conn, infy, 20, source="volume")
    assert [s.observed_at.minute for s in research.signals(infy)] == [35, 15]
    assert [s.symbol for s in research.signals(source="volume")] == ["INFY", "TCS"]
    assert len(research.signals(since=T0 + dt.timedelta(minutes=10))) == 2
    assert len(research.signals(limit=1)) == 1
    assert research.signals(999_999) == []
    assert research.signals(source="nobody") == []


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": True}, "limit"),
        ({"since": dt.datetime(2026, 11, 2, 9, 15)}, "since"),
        ({"since": dt.date(2026, 11, 2)}, "since"),
        ({"security_id": "INFY"}, "security_id"),
    ],
)
def test_signals_refuse_bad_filters_naming_the_field(
    research: ResearchOutputRepository, arguments: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        research.signals(**arguments)
    assert field in caught.value.fields
    with pytest.raises(InvalidInput):
        research.latest_signals(limit=-1)


def test_signal_data_is_a_read_only_copy(
    conn: Connection, research: ResearchOutputRepository, infy_tcs: tuple[int, int]
) -> None:
    add_signal(conn, infy_tcs[0], 0, pivot=1650.5, levels=[1600, 1700], window={"days": 20})
    data = research.signals()[0].data
    assert data == {"pivot": 1650.5, "levels": (1600, 1700), "window": {"days": 20}}
    with pytest.raises(TypeError):
        data["pivot"] = 1  # type: ignore[index]
    with pytest.raises(TypeError):
        data["window"]["days"] = 50


def test_analyses_come_latest_first_and_filter(
    conn: Connection, research: ResearchOutputRepository, infy_tcs: tuple[int, int]
) -> None:
    infy, tcs = infy_tcs
    add_analysis(conn, infy, 0, "buy")
    add_analysis(conn, tcs, 10, "strong_sell", agent="momentum")
    add_analysis(conn, infy, 20, "hold", agent="momentum")
    assert [(a.symbol, a.recommendation) for a in research.analyses()] == [
        ("INFY", "hold"),
        ("TCS", "strong_sell"),
        ("INFY", "buy"),
    ]
    assert [a.recommendation for a in research.analyses(infy)] == ["hold", "buy"]
    assert [a.symbol for a in research.analyses(agent_name="momentum")] == ["INFY", "TCS"]
    assert [a.symbol for a in research.analyses(recommendation="buy")] == ["INFY"]
    assert [a.recommendation for a in research.analyses(since=T0 + dt.timedelta(minutes=5))] == ["hold", "strong_sell"]
    assert research.analyses(limit=1)[0].confidence == Decimal("0.8")
    assert research.analyses(agent_name="nobody") == []


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"recommendation": "moon"}, "recommendation"),
        ({"limit": 0}, "limit"),
        ({"since": dt.datetime(2026, 1, 1)}, "since"),
        ({"security_id": 1.5}, "security_id"),
    ],
)
def test_analyses_refuse_bad_filters_naming_the_field(
    research: ResearchOutputRepository, arguments: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        research.analyses(**arguments)
    assert field in caught.value.fields


def test_strong_recommendations_since_a_moment(
    conn: Connection, research: ResearchOutputRepository, infy_tcs: tuple[int, int]
) -> None:
    infy, tcs = infy_tcs
    add_analysis(conn, infy, 0, "strong_buy")
    add_analysis(conn, tcs, 10, "buy")
    add_analysis(conn, tcs, 20, "strong_sell")
    add_analysis(conn, infy, 30, "strong_buy")
    found = research.strong_recommendations(T0 + dt.timedelta(minutes=5))
    assert [(a.symbol, a.recommendation) for a in found] == [("INFY", "strong_buy"), ("TCS", "strong_sell")]
    assert len(research.strong_recommendations(T0)) == 3
    for since in (None, dt.datetime(2026, 1, 1)):
        with pytest.raises(InvalidInput) as caught:
            research.strong_recommendations(since)  # type: ignore[arg-type]
        assert "since" in caught.value.fields


def test_post_signal_records_it_for_the_actor(
    conn: Connection, research: ResearchOutputRepository, infy_tcs: tuple[int, int]
) -> None:
    posted = research.post_signal(
        infy_tcs[0], signal_type="gap_up", source="scanner", score=0.1, data={"gap_pct": 3.2}, observed_at=T0
    )
    assert (posted.symbol, posted.signal_type, posted.score, posted.observed_at) == (
        "INFY",
        "gap_up",
        Decimal("0.1"),
        T0,
    )
    assert posted.data == {"gap_pct": 3.2}
    assert research.signals() == [posted]
    actor = conn.execute(text("select actor from audit_log where entity_id = :id"), {"id": str(posted.id)}).scalar()
    assert actor == "tester"


def test_post_signal_takes_defaults_and_read_only_data_back(
    research: ResearchOutputRepository, infy_tcs: tuple[int, int]
) -> None:
    first = research.post_signal(infy_tcs[0], signal_type="gap_up", source="scanner", data={"levels": [1, {"a": 2}]})
    again = research.post_signal(infy_tcs[1], signal_type="gap_up", source="scanner", data=first.data)
    assert again.data == first.data
    assert again.score is None
    assert again.observed_at.tzinfo is not None


@pytest.mark.parametrize(
    ("arguments", "field", "words"),
    [
        ({"security_id": 999_999}, "security_id", "no security with id 999999"),
        ({"signal_type": " "}, "signal_type", "empty"),
        ({"source": ""}, "source", "empty"),
        ({"score": math.nan}, "score", "finite"),
        ({"score": "high"}, "score", "number"),
        ({"score": 10**12}, "score", "less than 10^12"),
        ({"source": "scan\x00ner"}, "source", "NUL"),
        ({"data": {"note": "a\x00b"}}, "data", "note: PostgreSQL cannot store a NUL"),
        ({"data": {"when": dt.date(2026, 1, 1)}}, "data", "when: a date is not a JSON value"),
        ({"data": {"levels": [1, {2, 3}]}}, "data", "levels[1]: a set"),
        ({"data": {1: "x"}}, "data", "key 1 is not a string"),
        ({"data": [1, 2]}, "data", "JSON object"),
        ({"observed_at": dt.datetime(2026, 1, 1)}, "observed_at", "timezone-aware"),
    ],
)
def test_post_signal_refuses_bad_input_and_writes_nothing(
    conn: Connection,
    research: ResearchOutputRepository,
    infy_tcs: tuple[int, int],
    arguments: dict[str, Any],
    field: str,
    words: str,
) -> None:
    good: dict[str, Any] = {"security_id": infy_tcs[0], "signal_type": "gap_up", "source": "scanner"}
    with pytest.raises(InvalidInput) as caught:
        research.post_signal(**(good | arguments))
    assert words in caught.value.fields[field]
    assert conn.execute(text("select count(*) from signals")).scalar_one() == 0


def test_post_analysis_records_it(research: ResearchOutputRepository, infy_tcs: tuple[int, int]) -> None:
    posted = research.post_analysis(
        infy_tcs[1],
        agent_name="value",
        recommendation="strong_buy",
        confidence=Decimal("0.95"),
        reasoning="cheap on cash flow",
        key_metrics={"pe": 18.5, "peers": ["INFY"]},
        analysed_at=T0,
    )
    assert (posted.symbol, posted.recommendation, posted.confidence) == ("TCS", "strong_buy", Decimal("0.95"))
    assert posted.key_metrics == {"pe": 18.5, "peers": ("INFY",)}
    assert research.strong_recommendations(T0) == [posted]
    edge = research.post_analysis(infy_tcs[0], agent_name="value", recommendation="hold", confidence=1)
    assert edge.confidence == 1
    assert edge.key_metrics == {}


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"security_id": -1}, "security_id"),
        ({"agent_name": ""}, "agent_name"),
        ({"recommendation": "Buy"}, "recommendation"),
        ({"confidence": 1.5}, "confidence"),
        ({"confidence": -0.01}, "confidence"),
        ({"confidence": None}, "confidence"),
        ({"key_metrics": {"pe": Decimal("18.5")}}, "key_metrics"),
        ({"key_metrics": {"pe": math.inf}}, "key_metrics"),
        ({"analysed_at": dt.datetime(2026, 1, 1)}, "analysed_at"),
    ],
)
def test_post_analysis_refuses_bad_input_naming_the_field(
    conn: Connection,
    research: ResearchOutputRepository,
    infy_tcs: tuple[int, int],
    arguments: dict[str, Any],
    field: str,
) -> None:
    good: dict[str, Any] = {
        "security_id": infy_tcs[0],
        "agent_name": "value",
        "recommendation": "buy",
        "confidence": 0.5,
    }
    with pytest.raises(InvalidInput) as caught:
        research.post_analysis(**(good | arguments))
    assert list(caught.value.fields) == [field]
    assert conn.execute(text("select count(*) from analysis_results")).scalar_one() == 0
