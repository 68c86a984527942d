"""Signals and analysis results: what the agents found, latest first, and a door for our own Python tools."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Select, Table, insert, select
from sqlalchemy.engine import RowMapping

from store.models.reference import Security
from store.models.research import RECOMMENDATIONS, AnalysisResult, Signal
from store.records.research_output import AnalysisRecord, SignalRecord, frozen_object
from store.repositories.base import Repository
from store.repositories.checks import (
    checked_json_object,
    checked_limit,
    checked_moment,
    checked_number,
    checked_security_id,
    checked_text,
    checked_vocabulary,
    refuse,
)

SIGNALS = cast(Table, Signal.__table__)
ANALYSES = cast(Table, AnalysisResult.__table__)
SECURITIES = cast(Table, Security.__table__)
STRONG_RECOMMENDATIONS = ("strong_buy", "strong_sell")


def signal_record(row: RowMapping) -> SignalRecord:
    return SignalRecord(**{**row, "data": frozen_object(row["data"])})


def analysis_record(row: RowMapping) -> AnalysisRecord:
    return AnalysisRecord(**{**row, "key_metrics": frozen_object(row["key_metrics"])})


def _with_symbol(table: Table) -> Select[Any]:
    """Every column of `table` with the security's symbol and exchange."""
    return select(*table.c, SECURITIES.c.symbol, SECURITIES.c.exchange).join_from(
        table, SECURITIES, SECURITIES.c.id == table.c.security_id
    )


class ResearchOutputRepository(Repository):
    """Reads signals and analyses for the screens; the agents write them, our Python tools may post them."""

    def signals(
        self,
        security_id: int | None = None,
        *,
        source: str | None = None,
        since: dt.datetime | None = None,
        limit: int = 100,
    ) -> list[SignalRecord]:
        """Signals, latest observed first; an unknown security or source just finds none."""
        query = _with_symbol(SIGNALS)
        if security_id is not None:
            query = query.where(SIGNALS.c.security_id == checked_security_id(security_id))
        if source is not None:
            query = query.where(SIGNALS.c.source == source)
        if (moment := checked_moment(since, "since")) is not None:
            query = query.where(SIGNALS.c.observed_at >= moment)
        query = query.order_by(SIGNALS.c.observed_at.desc(), SIGNALS.c.id.desc()).limit(checked_limit(limit))
        return [signal_record(row) for row in self._session.execute(query).mappings()]

    def latest_signals(self, limit: int = 20) -> list[SignalRecord]:
        """The newest signals across all securities."""
        return self.signals(limit=limit)

    def analyses(
        self,
        security_id: int | None = None,
        *,
        agent_name: str | None = None,
        recommendation: str | None = None,
        since: dt.datetime | None = None,
        limit: int = 100,
    ) -> list[AnalysisRecord]:
        """Analysis results, latest first; an unknown security or agent just finds none."""
        recommendations = None if recommendation is None else (recommendation,)
        return self._analyses(security_id, agent_name, recommendations, since, limit)

    def strong_recommendations(self, since: dt.datetime, *, limit: int = 100) -> list[AnalysisRecord]:
        """strong_buy and strong_sell analyses made at or after `since`, latest first."""
        if since is None:
            raise refuse("since", "is required")
        return self._analyses(None, None, STRONG_RECOMMENDATIONS, since, limit)

    def _analyses(
        self,
        security_id: int | None,
        agent_name: str | None,
        recommendations: Sequence[str] | None,
        since: dt.datetime | None,
        limit: int,
    ) -> list[AnalysisRecord]:
        query = _with_symbol(ANALYSES)
        if security_id is not None:
            query = query.where(ANALYSES.c.security_id == checked_security_id(security_id))
        if agent_name is not None:
            query = query.where(ANALYSES.c.agent_name == agent_name)
        if recommendations is not None:
            for recommendation in recommendations:
                checked_vocabulary(recommendation, "recommendation", RECOMMENDATIONS)
            query = query.where(ANALYSES.c.recommendation.in_(recommendations))
        if (moment := checked_moment(since, "since")) is not None:
            query = query.where(ANALYSES.c.analysed_at >= moment)
        query = query.order_by(ANALYSES.c.analysed_at.desc(), ANALYSES.c.id.desc()).limit(checked_limit(limit))
        return [analysis_record(row) for row in self._session.execute(query).mappings()]

    def post_signal(
        self,
        security_id: int,
        *,
        signal_type: str,
        source: str,
        score: decimal.Decimal | int | float | None = None,
        data: Mapping[str, Any] | None = None,
        observed_at: dt.datetime | None = None,
    ) -> SignalRecord:
        """Record a signal from one of our own tools (observed now unless said otherwise)."""
        values: dict[str, Any] = {
            "security_id": self._existing_security(security_id),
            "signal_type": checked_text(signal_type, "signal_type"),
            "source": checked_text(source, "source"),
            "score": None if score is None else checked_number(score, "score"),
            "data": checked_json_object(data, "data"),
        }
        if (moment := checked_moment(observed_at, "observed_at")) is not None:
            values["observed_at"] = moment
        signal_id = self._session.execute(insert(SIGNALS).values(values).returning(SIGNALS.c.id)).scalar_one()
        return signal_record(self._one(SIGNALS, signal_id))

    def post_analysis(
        self,
        security_id: int,
        *,
        agent_name: str,
        recommendation: str,
        confidence: decimal.Decimal | int | float,
        reasoning: str | None = None,
        key_metrics: Mapping[str, Any] | None = None,
        analysed_at: dt.datetime | None = None,
    ) -> AnalysisRecord:
        """Record an analysis from one of our own tools: confidence 0–1, a recommendation of the vocabulary."""
        confidence_value = checked_number(confidence, "confidence")
        if not 0 <= confidence_value <= 1:
            raise refuse("confidence", f"must be between 0 and 1, not {confidence}")
        values: dict[str, Any] = {
            "security_id": self._existing_security(security_id),
            "agent_name": checked_text(agent_name, "agent_name"),
            "recommendation": checked_vocabulary(recommendation, "recommendation", RECOMMENDATIONS),
            "confidence": confidence_value,
            "reasoning": reasoning,
            "key_metrics": checked_json_object(key_metrics, "key_metrics"),
        }
        if (moment := checked_moment(analysed_at, "analysed_at")) is not None:
            values["analysed_at"] = moment
        analysis_id = self._session.execute(insert(ANALYSES).values(values).returning(ANALYSES.c.id)).scalar_one()
        return analysis_record(self._one(ANALYSES, analysis_id))

    def _existing_security(self, security_id: int) -> int:
        checked = checked_security_id(security_id)
        found = self._session.execute(select(SECURITIES.c.id).where(SECURITIES.c.id == checked)).scalar()
        if found is None:
            raise refuse("security_id", f"there is no security with id {security_id}")
        return checked

    def _one(self, table: Table, row_id: uuid.UUID) -> RowMapping:
        return self._session.execute(_with_symbol(table).where(table.c.id == row_id)).mappings().one()
