"""Agent settings: enable, weigh and parameterise the research agents, every edit naming the version read."""

from __future__ import annotations

import decimal
from collections.abc import Mapping
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.engine import RowMapping

from store.errors import NotFound
from store.models.research import AgentConfig
from store.records.agents import AgentConfigRecord
from store.records.research_output import frozen_object
from store.repositories.base import Repository
from store.repositories.checks import checked_json_object, checked_number, checked_text, refuse

AGENT_CONFIGS = cast(Table, AgentConfig.__table__)


def agent_config_record(row: RowMapping) -> AgentConfigRecord:
    return AgentConfigRecord(**{**row, "parameters": frozen_object(row["parameters"])})


def checked_weight(weight: decimal.Decimal | int | float) -> decimal.Decimal:
    value = checked_number(weight, "weight")
    if value < 0:
        raise refuse("weight", f"must be 0 or more, not {weight}")
    return value


class AgentConfigRepository(Repository):
    """Reads and edits agent_configs; edits are optimistic (a stale version raises EditConflict)."""

    def all(self) -> list[AgentConfigRecord]:
        """Every configured agent, by name."""
        query = select(AGENT_CONFIGS).order_by(AGENT_CONFIGS.c.agent_name)
        return [agent_config_record(row) for row in self._session.execute(query).mappings()]

    def get(self, agent_name: str) -> AgentConfigRecord:
        query = select(AGENT_CONFIGS).where(AGENT_CONFIGS.c.agent_name == agent_name)
        row = self._session.execute(query).mappings().one_or_none()
        if row is None:
            raise NotFound(f"no agent named {agent_name!r} is configured")
        return agent_config_record(row)

    def create(
        self,
        agent_name: str,
        *,
        enabled: bool = True,
        weight: decimal.Decimal | int | float = 1,
        parameters: Mapping[str, Any] | None = None,
    ) -> AgentConfigRecord:
        """Configure a new agent; its name must not be taken."""
        values = {
            "agent_name": checked_text(agent_name, "agent_name"),
            "enabled": _checked_flag(enabled),
            "weight": checked_weight(weight),
            "parameters": checked_json_object(parameters, "parameters"),
        }
        taken = select(AGENT_CONFIGS.c.id).where(AGENT_CONFIGS.c.agent_name == agent_name)
        if self._session.execute(taken).first() is not None:
            raise refuse("agent_name", "an agent with this name is already configured")
        row = self._session.execute(insert(AGENT_CONFIGS).values(values).returning(*AGENT_CONFIGS.c)).mappings().one()
        return agent_config_record(row)

    def set_enabled(self, agent_name: str, version: int, enabled: bool) -> AgentConfigRecord:
        return self._edit(agent_name, version, {"enabled": _checked_flag(enabled)})

    def set_weight(self, agent_name: str, version: int, weight: decimal.Decimal | int | float) -> AgentConfigRecord:
        return self._edit(agent_name, version, {"weight": checked_weight(weight)})

    def edit_parameters(self, agent_name: str, version: int, parameters: Mapping[str, Any]) -> AgentConfigRecord:
        """Replace the parameters with a JSON object (InvalidInput names the offending key)."""
        if parameters is None:
            raise refuse("parameters", "must be a JSON object (a mapping), not None")
        return self._edit(agent_name, version, {"parameters": checked_json_object(parameters, "parameters")})

    def _edit(self, agent_name: str, version: int, values: Mapping[str, Any]) -> AgentConfigRecord:
        if isinstance(version, bool) or not isinstance(version, int):
            raise refuse("version", f"must be the version you read (a whole number), not {version!r}")
        agent_id = self.get(agent_name).id
        row = self._update_versioned(AGENT_CONFIGS, agent_id, version, values, entity=f"agent {agent_name!r}")
        return agent_config_record(row)


def _checked_flag(enabled: bool) -> bool:
    if not isinstance(enabled, bool):
        raise refuse("enabled", f"must be true or false, not {enabled!r}")
    return enabled
