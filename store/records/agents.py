"""Records of the research agents' settings: whether each runs, its weight and its parameters."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class AgentConfigRecord:
    """One agent's settings; `version` is what an edit must name (parameters are read-only)."""

    id: uuid.UUID
    agent_name: str
    enabled: bool
    weight: decimal.Decimal
    parameters: Mapping[str, Any]
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
