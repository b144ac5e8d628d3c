"""Which layer version a tile request names, kept in memory while the catalog is unchanged.

Migration 0006 makes every change of `layer` or `layer_version` NOTIFY `rtrw_catalog` at
commit. A `CatalogListener` (one dedicated psycopg connection, LISTEN, in a daemon thread)
counts them in `epoch`. A `SourceCache` keeps resolved TileSources by (name, region,
version) with the epoch read *before* the query that resolved them, and answers only while
that epoch is still current and the listener is connected; anything else is a miss, and
the caller runs SOURCE_SQL. So a warm tile needs no query, and a new version is served as
soon as its commit's notification arrives (milliseconds). A connection loss marks the
listener down at once (every lookup then queries); on reconnecting it LISTENs again and
bumps the epoch before it counts as up, so nothing read before the gap is reused.
"""

from __future__ import annotations

import logging
import select
import socket
import threading
from collections.abc import Hashable
from typing import Any

import psycopg
from sqlalchemy import Engine

from app.db import libpq_url
from app.settings import Settings

log = logging.getLogger("rtrw")
CHANNEL = "rtrw_catalog"


class CatalogListener:
    """A thread LISTENing on `rtrw_catalog`; `epoch` grows with every notification or gap."""

    def __init__(
        self,
        url: str,
        *,
        connect_timeout_s: int = 5,
        ping_s: float = 5.0,
        retry_s: float = 1.0,
    ) -> None:
        self.url = url  # libpq form
        self.connect_timeout_s = connect_timeout_s
        self.ping_s = ping_s
        self.retry_s = retry_s
        self.epoch = 0  # written by the listener thread only
        self.connected = False
        self._stop = threading.Event()
        self._wake_r, self._wake_w = socket.socketpair()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start listening in a daemon thread (returns at once; `connected` follows)."""
        self._thread = threading.Thread(target=self._run, name="tile-catalog-listener", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread and close its connection; lookups fall back to the query."""
        self.connected = False
        self._stop.set()
        self._wake_w.send(b"x")
        if self._thread is not None:
            self._thread.join(timeout)
        self._wake_r.close()
        self._wake_w.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._listen()
            except psycopg.Error as exc:
                if not self._stop.is_set():
                    log.warning("tile catalog listener: %s; retrying in %.0f s", exc, self.retry_s)
            finally:
                self.connected = False
            self._stop.wait(self.retry_s)

    def _listen(self) -> None:
        with psycopg.connect(
            self.url,
            autocommit=True,
            connect_timeout=self.connect_timeout_s,
            keepalives=1,
            keepalives_idle=10,
            keepalives_interval=5,
            keepalives_count=3,
            application_name="rtrw-tile-catalog",
        ) as conn:
            conn.execute(f"LISTEN {CHANNEL}")
            self.epoch += 1  # whatever was read before now may have missed a notification
            self.connected = True
            fd, wake = conn.fileno(), self._wake_r.fileno()
            while not self._stop.is_set():
                ready, _, _ = select.select([fd, wake], [], [], self.ping_s)
                if wake in ready:
                    return
                if fd not in ready:  # quiet: make sure the connection is still there
                    conn.execute("SELECT 1")
                # what the socket holds, and what arrived during the ping (psycopg's backlog)
                if sum(1 for _ in conn.notifies(timeout=0)):
                    self.epoch += 1

    @property
    def current(self) -> int | None:
        """Return the epoch when the listener is connected, else None (do not cache)."""
        if not self.connected:  # read first: a reconnect bumps the epoch before it is set
            return None
        return self.epoch


class SourceCache:
    """Resolved sources (vector TileSources, raster records) with their epochs; another epoch
    (or a listener down) misses."""

    def __init__(self, listener: CatalogListener | None, max_items: int = 4096) -> None:
        self.listener = listener
        self.max_items = max_items
        self._items: dict[Hashable, tuple[int, Any]] = {}

    def epoch(self) -> int | None:
        """Return the epoch to file a lookup under, read before the query; None: don't."""
        return self.listener.current if self.listener is not None else None

    def get(self, key: Hashable) -> Any:
        """Return the source under `key` if it was read in the current epoch, else None."""
        epoch = self.epoch()
        item = self._items.get(key)
        if epoch is None or item is None or item[0] != epoch:
            return None
        return item[1]

    def put(self, key: Hashable, source: object, epoch: int | None) -> None:
        """Keep `source`, resolved by a query that started in `epoch` (None: not kept)."""
        if epoch is None:
            return
        if len(self._items) >= self.max_items:
            self._items = {}  # old epochs' entries are dead weight; a full map starts over
        self._items[key] = (epoch, source)

    def close(self) -> None:
        """Stop the listener; every lookup queries from now on."""
        if self.listener is not None:
            self.listener.stop()
            self.listener = None


def open_source_cache(engine: Engine, settings: Settings) -> SourceCache:
    """Return the SourceCache of an app, its listener started on the engine's database.

    With RTRW_TILES_LISTEN off, one without a listener: every lookup misses.
    """
    if not settings.tiles.listen:
        return SourceCache(None)
    url = libpq_url(engine.url.render_as_string(hide_password=False))
    listener = CatalogListener(url, connect_timeout_s=settings.database.connect_timeout_s)
    listener.start()
    return SourceCache(listener)
