"""The history of a layer or raster: its versions, the loads and rollbacks that made each
current, and rollback. One implementation for both kinds (catalog/named.py says which tables):
`rtrw layers|rasters history|rollback` and `/layers|rasters/{name}/versions` call it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection, text

from app.services.catalog.named import (
    NamedTable,
    VersionEvent,
    find_named,
    no_version,
    not_found,
)

V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class Rollback:
    """What a rollback did: the version current before and after, and whether it changed."""

    name: str
    region: str | None
    from_version: int | None
    to_version: int
    changed: bool


def versions(
    conn: Connection, table: NamedTable[V], name: str, region: str | None = None
) -> list[V]:
    """Return every version of a layer or raster, newest first, each marked `current`, with
    the loads and rollbacks that made it current (layers show them)."""
    found = find_named(conn, table, name, region)
    a = table.alias
    rows = conn.execute(
        text(
            f"""
            SELECT {table.columns}, (v.id = {a}.current_version_id) AS current
            FROM {table.table} {a} JOIN {table.versions} v ON v.{table.key} = {a}.id
            WHERE {a}.id = :id ORDER BY v.version DESC
            """
        ),
        {"id": found.id},
    ).all()
    made_current: dict[int, list[VersionEvent]] = {}
    for event in _events(conn, table, found.id):
        made_current.setdefault(event.to_version, []).append(event)
    return [table.row(r, made_current.get(r.version, [])) for r in rows]


def events(
    conn: Connection, table: NamedTable[Any], name: str, region: str | None = None
) -> list[VersionEvent]:
    """Return the audit trail of a layer or raster (loads and rollbacks), oldest first."""
    return _events(conn, table, find_named(conn, table, name, region).id)


def _events(conn: Connection, table: NamedTable[Any], owner: int) -> list[VersionEvent]:
    rows = conn.execute(
        text(
            "SELECT action, from_version, to_version, actor, note, happened_at "
            f"FROM {table.events} WHERE {table.key} = :id ORDER BY id"
        ),
        {"id": owner},
    ).all()
    return [VersionEvent(**r._mapping) for r in rows]


def record_event(
    conn: Connection,
    table: NamedTable[Any],
    owner: int,
    action: str,
    from_version: int | None,
    to_version: int,
    actor: str | None = None,
    note: str | None = None,
) -> None:
    """Add an audit entry: `to_version` of layer or raster `owner` (its id) became current by
    a load or a rollback."""
    conn.execute(
        text(
            f"INSERT INTO {table.events} ({table.key}, action, from_version, to_version, actor, "
            "note) VALUES (:id, :a, :f, :t, :who, :why)"
        ),
        {"id": owner, "a": action, "f": from_version, "t": to_version, "who": actor, "why": note},
    )


def lock_name(conn: Connection, table: NamedTable[Any], name: str, region: str | None) -> None:
    """Take the transaction's lock on a name in a region (loads and rollbacks of it queue)."""
    conn.execute(
        text(f"SELECT pg_advisory_xact_lock(hashtext('rtrw.{table.table}.' || :r || '.' || :n))"),
        {"n": name, "r": region or ""},
    )


def rollback(
    conn: Connection,
    table: NamedTable[Any],
    name: str,
    version: int,
    *,
    actor: str | None = None,
    note: str | None = None,
    region: str | None = None,
) -> Rollback:
    """Make another version of a layer or raster current (an earlier one, or forward again)
    and audit it; the kind's NotFound for an unknown name or version. Runs in the caller's
    transaction."""
    found = find_named(conn, table, name, region)
    lock_name(conn, table, name, found.region_code)
    a = table.alias
    current = conn.execute(
        text(
            f"SELECT {a}.id, v.version FROM {table.current(left=True)} "
            f"WHERE {a}.id = :id FOR UPDATE OF {a}"
        ),
        {"id": found.id},
    ).one_or_none()
    if current is None:  # dropped while we waited for the lock
        raise not_found(table, name, region)
    numbers: dict[int, int] = dict(
        conn.execute(
            text(
                f"SELECT version, id FROM {table.versions} WHERE {table.key} = :id ORDER BY version"
            ),
            {"id": found.id},
        ).all()
    )
    if version not in numbers:
        raise no_version(table, name, region, version, numbers)
    changed = current.version != version
    if changed:
        conn.execute(
            text(
                f"UPDATE {table.table} SET current_version_id = v.id, {table.on_rollback} "
                f"FROM {table.versions} v WHERE {table.table}.id = :id AND v.id = :v"
            ),
            {"id": found.id, "v": numbers[version]},
        )
        record_event(conn, table, found.id, "rollback", current.version, version, actor, note)
    return Rollback(name, found.region_code, current.version, version, changed)
