"""Records of what the research agents produce: signals and analysis results, with read-only JSON."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any


def freeze_json(value: Any) -> Any:
    """A read-only copy of a JSON value: objects become read-only mappings, arrays tuples.

    Records are frozen; their JSON should not be editable behind the store's back either.
    """
    if isinstance(value, Mapping):
        return MappingProxyType({key: freeze_json(item) for key, item in value.items()})
    if isinstance(value, list | tuple):
        return tuple(freeze_json(item) for item in value)
    return value


def frozen_object(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """A JSON object column as a read-only mapping (NULL reads as empty)."""
    frozen: Mapping[str, Any] = freeze_json(value or {})
    return frozen


@dataclass(frozen=True, slots=True)
class SignalRecord:
    """Something an agent (`source`) noticed about a security, with its score and raw data."""

    id: uuid.UUID
    security_id: int
    symbol: str
    exchange: str
    signal_type: str
    score: decimal.Decimal | None
    source: str
    observed_at: dt.datetime
    data: Mapping[str, Any]
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class AnalysisRecord:
    """An agent's recommendation on a security, its confidence (0–1), reasoning and key metrics."""

    id: uuid.UUID
    security_id: int
    symbol: str
    exchange: str
    agent_name: str
    recommendation: str
    confidence: decimal.Decimal
    reasoning: str | None
    key_metrics: Mapping[str, Any]
    analysed_at: dt.datetime
    created_at: dt.datetime
