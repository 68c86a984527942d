"""The unit of work: one Session in the calling thread, the actor named for the audit trigger, commit or roll back."""

from __future__ import annotations

import getpass
import os
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, SessionTransaction

from store.errors import ReadOnlyViolation, StoreError
from store.repositories.agents import AgentConfigRepository
from store.repositories.audit import AuditRepository
from store.repositories.base import Repository
from store.repositories.catalog import CatalogRepository
from store.repositories.ingestion import IngestionRepository
from store.repositories.market import MarketRepository
from store.repositories.reports import ReportRepository
from store.repositories.research_output import ResearchOutputRepository
from store.repositories.research_queue import ResearchQueueRepository
from store.repositories.trading import TradingRepository
from store.repositories.watchlists import WatchlistRepository
from store.translation import translate

if TYPE_CHECKING:
    from store.repositories.prices import PriceRepository
    from store.repositories.securities import SecurityRepository
    from store.screener import ScreenerRepository

ANALYST_ENV = "WORKSTATION_ANALYST"
RepositoryT = TypeVar("RepositoryT", bound=Repository)


def default_actor() -> str:
    """The configured analyst name, else the OS user."""
    return os.environ.get(ANALYST_ENV) or getpass.getuser()


class UnitOfWork:
    """`with UnitOfWork(engine, actor=...) as uow:` — nothing is kept unless `uow.commit()` is called.

    Database errors raised inside the block, or by commit, leave it as StoreErrors (store.translation).
    """

    def __init__(
        self,
        engine: Engine | Connection,
        *,
        actor: str | None = None,
        reason: str | None = None,
        read_only: bool = False,
        target: str = "the database",
    ) -> None:
        self._engine = engine
        self.actor = actor or default_actor()
        self.reason = reason
        self.read_only = read_only
        self.target = target
        self._session: Session | None = None
        self._repositories: dict[type[Repository], Repository] = {}

    @property
    def session(self) -> Session:
        if self._session is None:
            raise StoreError("the unit of work is used outside its `with` block")
        return self._session

    def repository(self, kind: type[RepositoryT]) -> RepositoryT:
        """The unit's one instance of a repository class, bound to its session and actor."""
        if kind not in self._repositories:
            self._repositories[kind] = kind(self.session, actor=self.actor)
        found = self._repositories[kind]
        assert isinstance(found, kind)
        return found

    @property
    def catalog(self) -> CatalogRepository:
        return self.repository(CatalogRepository)

    @property
    def audit(self) -> AuditRepository:
        return self.repository(AuditRepository)

    # These three bring Polars; imported on first use so a unit of work stays cheap to import.
    @property
    def securities(self) -> SecurityRepository:
        from store.repositories.securities import SecurityRepository

        return self.repository(SecurityRepository)

    @property
    def prices(self) -> PriceRepository:
        from store.repositories.prices import PriceRepository

        return self.repository(PriceRepository)

    @property
    def screener(self) -> ScreenerRepository:
        from store.screener import ScreenerRepository

        return self.repository(ScreenerRepository)

    @property
    def watchlists(self) -> WatchlistRepository:
        return self.repository(WatchlistRepository)

    @property
    def research_queue(self) -> ResearchQueueRepository:
        return self.repository(ResearchQueueRepository)

    @property
    def reports(self) -> ReportRepository:
        return self.repository(ReportRepository)

    @property
    def research_output(self) -> ResearchOutputRepository:
        return self.repository(ResearchOutputRepository)

    @property
    def agents(self) -> AgentConfigRepository:
        return self.repository(AgentConfigRepository)

    @property
    def trading(self) -> TradingRepository:
        return self.repository(TradingRepository)

    @property
    def ingestion(self) -> IngestionRepository:
        return self.repository(IngestionRepository)

    @property
    def market(self) -> MarketRepository:
        return self.repository(MarketRepository)

    def __enter__(self) -> UnitOfWork:
        # Bound to a Connection (tests), the unit works in a savepoint of that connection's transaction.
        self._session = Session(
            self._engine, expire_on_commit=False, autoflush=False, join_transaction_mode="create_savepoint"
        )
        event.listen(self._session, "after_begin", self._name_transaction)
        return self

    def _name_transaction(self, session: Session, transaction: SessionTransaction, connection: Any) -> None:
        """Every transaction of this unit carries the actor (and reason) the audit trigger records."""
        if self.read_only:
            connection.exec_driver_sql("set transaction read only")
        connection.execute(
            text("select set_config('app.actor', :actor, true), set_config('app.reason', :reason, true)"),
            {"actor": self.actor, "reason": self.reason or ""},
        )

    def commit(self) -> None:
        if self.read_only:
            raise ReadOnlyViolation("this unit of work is read-only; nothing was written")
        try:
            self.session.commit()
        except DBAPIError as exc:
            raise translate(exc, target=self.target) from exc

    def rollback(self) -> None:
        self.session.rollback()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        session, self._session = self.session, None
        self._repositories.clear()
        try:
            session.rollback()
        finally:
            session.close()
        if isinstance(exc, DBAPIError):
            raise translate(exc, target=self.target) from exc
