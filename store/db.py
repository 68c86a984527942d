"""Which database: URL resolution (--db, WORKSTATION_DATABASE_URL, embedded), the engine, errors at the door."""

from __future__ import annotations

import getpass
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from store.errors import InvalidDatabaseUrl, StoreError, StoreUnavailable

URL_ENV = "WORKSTATION_DATABASE_URL"
APPLICATION_NAME = "research-workstation"
MINIMUM_SERVER_VERSION = 150000
_SCHEMES = {"postgres", "postgresql", "postgresql+psycopg", "postgresql+psycopg2"}


@dataclass(frozen=True, slots=True)
class DatabaseTarget:
    """Where the data lives: a URL, and the embedded data directory when it is ours."""

    url: URL
    embedded_dir: Path | None = None

    @property
    def is_embedded(self) -> bool:
        return self.embedded_dir is not None

    @property
    def display(self) -> str:
        """What the status line, logs and errors show: never a password."""
        if self.embedded_dir is not None:
            return f"embedded PostgreSQL ({self.embedded_dir})"
        return mask_url(self.url)

    @property
    def endpoint(self) -> str:
        """host:port/database as libpq will resolve it (URL first, then PG* variables, then defaults)."""
        return libpq_endpoint(self.url, os.environ)


def mask_url(url: URL | str) -> str:
    """The URL with its password replaced by ***; safe to show anywhere."""
    if isinstance(url, URL):
        return url.render_as_string(hide_password=True)
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def parse_url(raw: str) -> URL:
    """Parse a PostgreSQL URL given by a person, naming what is wrong with it if it cannot be used."""
    shown = mask_url(raw)
    try:
        url = make_url(raw.strip())
    except (ArgumentError, ValueError) as exc:
        raise InvalidDatabaseUrl(
            f"cannot read the database URL {shown!r}: expected postgresql://user:password@host:port/database"
        ) from exc
    if url.drivername not in _SCHEMES:
        raise InvalidDatabaseUrl(
            f"the database URL {shown!r} is not a PostgreSQL URL: it must start with postgresql://"
        )
    return url.set(drivername="postgresql+psycopg")


def resolve_url(cli_url: str | None, environ: Mapping[str, str] = os.environ) -> URL | None:
    """--db first, then WORKSTATION_DATABASE_URL; None means the embedded server."""
    for raw in (cli_url, environ.get(URL_ENV)):
        if raw and raw.strip():
            return parse_url(raw)
    return None


def libpq_endpoint(url: URL, environ: Mapping[str, str]) -> str:
    host = url.host or _query_value(url, "host") or environ.get("PGHOST") or "localhost"
    port = url.port or _query_value(url, "port") or environ.get("PGPORT") or "5432"
    user = url.username or environ.get("PGUSER") or getpass.getuser()
    database = url.database or environ.get("PGDATABASE") or user
    return f"{host}:{port}/{database}"


def _query_value(url: URL, key: str) -> str | None:
    value = url.query.get(key)
    if isinstance(value, tuple):
        return value[0] if value else None
    return value


def create_database_engine(url: URL) -> Engine:
    """The one engine of a process; libpq fills in what the URL leaves out (PG*, .pgpass)."""
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=4,
        max_overflow=4,
        connect_args={"application_name": APPLICATION_NAME, "connect_timeout": 5},
    )


def describe_connection_error(exc: BaseException) -> str:
    """The server's own words from a psycopg connection failure, on one line."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    lines = [line for line in lines if not line.startswith(("Is the server running", "(Background on"))]
    reason = " ".join(lines) or type(exc).__name__
    reason = re.sub(r"^\(psycopg\.\w+\)\s*", "", reason)
    reason = reason.split(" failed: ")[-1]
    return re.sub(r"^FATAL:\s+", "", reason)


@dataclass(frozen=True, slots=True)
class ServerInfo:
    """What the server says about itself once connected."""

    version: str
    version_num: int
    database: str
    user: str


class Database:
    """An open database: its target, its engine, and (for the embedded one) the server handle."""

    def __init__(self, target: DatabaseTarget) -> None:
        self.target = target
        self.engine = create_database_engine(target.url)

    def check_connection(self) -> ServerInfo:
        """Connect once; any failure becomes one sentence naming host:port/database."""
        try:
            with self.engine.connect() as connection:
                row = connection.execute(
                    text(
                        "select current_setting('server_version'), current_setting('server_version_num')::int,"
                        " current_database(), current_user"
                    )
                ).one()
        except DBAPIError as exc:
            reason = describe_connection_error(exc.orig or exc)
            raise StoreUnavailable(
                f"cannot connect to PostgreSQL at {self.target.endpoint}: {reason}", target=self.target.display
            ) from exc
        info = ServerInfo(version=row[0], version_num=row[1], database=row[2], user=row[3])
        if info.version_num < MINIMUM_SERVER_VERSION:
            raise StoreError(
                f"PostgreSQL {info.version} at {self.target.endpoint} is too old: version 15 or newer is needed"
            )
        return info

    def close(self) -> None:
        self.engine.dispose()


def open_database(url: str | URL | None = None, *, environ: Mapping[str, str] = os.environ) -> Database:
    """Open the database the user asked for, starting the embedded server when none was named."""
    resolved = url if isinstance(url, URL) else resolve_url(url, environ)
    if resolved is not None:
        return Database(DatabaseTarget(resolved))
    from store import embedded

    server = embedded.start_embedded()
    return Database(DatabaseTarget(server.url, embedded_dir=server.data_dir))
