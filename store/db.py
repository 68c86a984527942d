"""Which database: URL resolution (--db, WORKSTATION_DATABASE_URL, embedded), the engine, errors at the door.

The door (parse, connect, server version, schema revision) needs only psycopg; SQLAlchemy is
imported when the engine is first used, which the app does in a worker after its first paint.
"""

from __future__ import annotations

import getpass
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from store.errors import InvalidDatabaseUrl, StoreError, StoreUnavailable

if TYPE_CHECKING:
    from sqlalchemy import Engine

URL_ENV = "WORKSTATION_DATABASE_URL"
APPLICATION_NAME = "research-workstation"
CONNECT_TIMEOUT_SECONDS = 5
MINIMUM_SERVER_VERSION = 150000
_SCHEME = re.compile(r"^(postgres|postgresql)(\+\w+)?://", re.IGNORECASE)
_PATH_KEYS = ("user", "password", "host", "port", "dbname")


@dataclass(frozen=True, slots=True)
class DatabaseTarget:
    """Where the data lives: libpq connection parameters, and the embedded data directory when it is ours."""

    params: Mapping[str, str] = field(default_factory=dict)
    embedded_dir: Path | None = None
    label: str | None = None  # what to call it instead, e.g. the demo universe

    @classmethod
    def from_url(cls, raw: str, *, embedded_dir: Path | None = None) -> DatabaseTarget:
        return cls(parse_url(raw), embedded_dir=embedded_dir)

    @property
    def is_embedded(self) -> bool:
        return self.embedded_dir is not None

    @property
    def conninfo(self) -> str:
        return make_conninfo("", **self.params)

    @property
    def display(self) -> str:
        """What the status line, logs and errors show: never a password."""
        if self.label is not None:
            return self.label
        if self.embedded_dir is not None:
            return f"embedded PostgreSQL ({self.embedded_dir})"
        return render_url(self.params, hide_password=True)

    @property
    def endpoint(self) -> str:
        """host:port/database as libpq will resolve it (URL first, then PG* variables, then defaults)."""
        return libpq_endpoint(self.params, os.environ)

    def with_database(self, dbname: str) -> DatabaseTarget:
        return DatabaseTarget({**self.params, "dbname": dbname}, embedded_dir=self.embedded_dir, label=self.label)


def render_url(params: Mapping[str, str], *, hide_password: bool) -> str:
    """A postgresql:// URL for the parameters; the password becomes *** unless asked for."""
    user = quote(params.get("user", ""), safe="")
    password = params.get("password")
    if password is not None:
        user += ":" + ("***" if hide_password else quote(password, safe=""))
    host = params.get("host", "")
    netloc = f"{user}@" if user else ""
    if host and not host.startswith("/"):
        netloc += f"[{host}]" if ":" in host else host
        netloc += f":{params['port']}" if "port" in params else ""
    query = {key: value for key, value in params.items() if key not in _PATH_KEYS}
    if host.startswith("/"):
        query = {"host": host, **({"port": params["port"]} if "port" in params else {}), **query}
    rendered = f"postgresql://{netloc}/{quote(params.get('dbname', ''), safe='')}"
    if query:
        rendered += "?" + "&".join(f"{key}={quote(value, safe='/')}" for key, value in query.items())
    return rendered


def mask_url(raw: str) -> str:
    """A URL as typed by someone, with its password replaced by ***, even when it cannot be parsed."""
    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", raw)


def parse_url(raw: str) -> dict[str, str]:
    """Parse a PostgreSQL URL given by a person, naming what is wrong with it if it cannot be used."""
    shown = mask_url(raw.strip())
    if not _SCHEME.match(raw.strip()):
        raise InvalidDatabaseUrl(
            f"the database URL {shown!r} is not a PostgreSQL URL: it must start with postgresql://"
        )
    try:
        params = conninfo_to_dict(_SCHEME.sub("postgresql://", raw.strip(), count=1))
    except psycopg.ProgrammingError as exc:
        raise InvalidDatabaseUrl(
            f"cannot read the database URL {shown!r}: expected postgresql://user:password@host:port/database"
        ) from exc
    port = str(params.get("port", "5432"))
    if not all(part.isdigit() for part in port.split(",")):
        raise InvalidDatabaseUrl(f"cannot read the database URL {shown!r}: the port {port!r} is not a number")
    return {key: str(value) for key, value in params.items()}


def resolve_url(cli_url: str | None, environ: Mapping[str, str] = os.environ) -> dict[str, str] | None:
    """--db first, then WORKSTATION_DATABASE_URL; None means the embedded server."""
    for raw in (cli_url, environ.get(URL_ENV)):
        if raw and raw.strip():
            return parse_url(raw)
    return None


def libpq_endpoint(params: Mapping[str, str], environ: Mapping[str, str]) -> str:
    host = params.get("host") or environ.get("PGHOST") or "localhost"
    port = params.get("port") or environ.get("PGPORT") or "5432"
    user = params.get("user") or environ.get("PGUSER") or getpass.getuser()
    database = params.get("dbname") or environ.get("PGDATABASE") or user
    return f"{host}:{port}/{database}"


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
    """An open database: its target and (created on first use) its one engine."""

    def __init__(self, target: DatabaseTarget) -> None:
        self.target = target
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        """The process's engine; libpq fills in what the target leaves out (PG*, .pgpass)."""
        if self._engine is None:
            from sqlalchemy import create_engine

            self._engine = create_engine(
                "postgresql+psycopg://",
                pool_pre_ping=True,
                pool_size=4,
                max_overflow=4,
                connect_args={**self.target.params, **_session_options()},
            )
        return self._engine

    def connect(self) -> psycopg.Connection[tuple[object, ...]]:
        """A plain psycopg connection; failures become one sentence naming host:port/database."""
        try:
            return psycopg.connect(
                self.target.conninfo, application_name=APPLICATION_NAME, connect_timeout=CONNECT_TIMEOUT_SECONDS
            )
        except psycopg.Error as exc:
            raise StoreUnavailable(
                f"cannot connect to PostgreSQL at {self.target.endpoint}: {describe_connection_error(exc)}",
                target=self.target.display,
            ) from exc

    def check_connection(self) -> ServerInfo:
        """Connect once and make sure the server is new enough."""
        with self.connect() as connection:
            row = connection.execute(
                "select current_setting('server_version'), current_setting('server_version_num')::int,"
                " current_database(), current_user"
            ).fetchone()
        assert row is not None
        info = ServerInfo(version=str(row[0]), version_num=int(str(row[1])), database=str(row[2]), user=str(row[3]))
        if info.version_num < MINIMUM_SERVER_VERSION:
            raise StoreError(
                f"PostgreSQL {info.version} at {self.target.endpoint} is too old: version 15 or newer is needed"
            )
        return info

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


def _session_options() -> dict[str, str | int]:
    return {"application_name": APPLICATION_NAME, "connect_timeout": CONNECT_TIMEOUT_SECONDS}


def open_database(url: str | None = None, *, environ: Mapping[str, str] = os.environ) -> Database:
    """Open the database the user asked for, starting the embedded server when none was named."""
    params = resolve_url(url, environ)
    if params is not None:
        return Database(DatabaseTarget(params))
    from store import embedded

    server = embedded.start_embedded()
    return Database(DatabaseTarget(server.params(), embedded_dir=server.data_dir))
