"""What vector and raster tiles share once a tile has a cache key: ETag, 304, cache or render.

A tile's key is a SHA-256 of everything that shapes its bytes (the source version, the tile,
the settings or style); its ETag is the key's first half, so `If-None-Match` is answered
without reading the tile. The source a name resolves to is kept in the catalog-notified
`SourceCache` under the epoch read before its query.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

from app.services.tiles.cache import TileCache
from app.services.tiles.catalog import SourceCache

T = TypeVar("T")


def etag_of(key: str) -> str:
    """Return the strong ETag of a cache key."""
    return f'"{key[:32]}"'


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Return True when an If-None-Match header names `etag` (weak or strong) or is `*`."""
    if not if_none_match:
        return False
    for tag in if_none_match.split(","):
        tag = tag.strip()
        if tag == "*" or tag.removeprefix("W/") == etag:
            return True
    return False


def cached_bytes(
    cache: TileCache, key: str, if_none_match: str | None, render: Callable[[], bytes]
) -> tuple[str, bytes | None]:
    """Return the ETag and the bytes: None when If-None-Match names the ETag (304), else the
    cached bytes, else `render()`'s, cached (b"" is an empty tile, cached too)."""
    etag = etag_of(key)
    if etag_matches(if_none_match, etag):
        return etag, None
    data = cache.get(key)
    if data is None:
        data = render()
        cache.put(key, data)
    return etag, data


def resolved(sources: SourceCache | None, key: Hashable, resolve: Callable[[], T]) -> T:
    """Return what `key` resolves to: from `sources` while the catalog is unchanged, else
    `resolve()`, filed under the epoch read before it (a change meanwhile is not kept)."""
    found = sources.get(key) if sources is not None else None
    if found is None:
        epoch = sources.epoch() if sources is not None else None
        found = resolve()
        if sources is not None:
            sources.put(key, found, epoch)
    return found
