"""Engine factory, URL helpers, and the `Database` handle the API's handlers read through."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Concatenate, ParamSpec, TypeVar

from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from app.settings import DatabaseSettings, Settings, database_settings

if TYPE_CHECKING:
    from app.services.rules.book import RuleBooks

P = ParamSpec("P")
T = TypeVar("T")
log = logging.getLogger("rtrw")


def sqlalchemy_url(url: str) -> str:
    """Return the URL with the psycopg 3 driver made explicit."""
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    return u.render_as_string(hide_password=False)


def libpq_url(url: str) -> str:
    """Return the URL in the plain libpq form psycopg and psql take."""
    u = make_url(url).set(drivername="postgresql")
    return u.render_as_string(hide_password=False)


def make_engine(settings: DatabaseSettings | None = None, url: str | None = None) -> Engine:
    """Return a pooled engine for the configured database."""
    s = settings or database_settings()
    opts = [f"-c statement_timeout={s.statement_timeout_ms}"] if s.statement_timeout_ms else []
    if not s.jit:
        opts.append("-c jit=off")
    if s.work_mem_mb:
        opts.append(f"-c work_mem={s.work_mem_mb}MB")
    connect_args: dict[str, object] = {"connect_timeout": s.connect_timeout_s}
    if opts:
        connect_args["options"] = " ".join(opts)
    return create_engine(
        sqlalchemy_url(url or s.url),
        pool_size=s.pool_size,
        max_overflow=s.max_overflow,
        pool_timeout=s.pool_timeout_s,
        pool_pre_ping=s.pool_pre_ping,
        pool_recycle=3600,
        connect_args=connect_args,
    )


class Database:
    """The engine, settings and rule-book cache of a running app.

    A handler reads with `db.run(service, *args)` from its worker thread, so the connection is
    checked out and returned in that one thread: a request never holds a pooled connection
    while it waits for a thread, which is what starved the pool when a `yield` dependency
    checked out in one thread and returned in another.
    """

    def __init__(self, engine: Engine, settings: Settings, books: RuleBooks) -> None:
        self.engine = engine
        self.settings = settings
        self.books = books

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """Yield a pooled connection in autocommit mode (reads only: no BEGIN/ROLLBACK)."""
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            yield conn

    def run(
        self, fn: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Return `fn(conn, *args, **kwargs)` on a read connection.

        When the pooled connection turns out to be dead (PostgreSQL restarted, backend
        terminated) the read runs once more on a fresh one; SQLAlchemy has by then marked
        every older connection of the pool stale. Reads are idempotent, so this is safe.
        """
        try:
            with self.read() as conn:
                return fn(conn, *args, **kwargs)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
            log.warning("database connection lost (%s); retrying once", exc.orig)
        with self.read() as conn:
            return fn(conn, *args, **kwargs)
