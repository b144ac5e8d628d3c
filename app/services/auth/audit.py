"""The audit trail: who wrote what, when, through the API or the CLI, with its counts.

Call `record` on the same connection, inside the same transaction, as the write it describes,
so the event and the write commit or roll back together.
"""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import Connection, bindparam, text
from sqlalchemy.dialects.postgresql import JSONB

Via = Literal["api", "cli"]
_COLUMNS = "id, happened_at, actor, role, via, action, target, counts, detail"


def record(
    conn: Connection,
    actor: str | None,
    role: str | None,
    via: Via,
    action: str,
    target: str | None = None,
    counts: dict[str, Any] | None = None,
    detail: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Insert one audit event and return it as stored."""
    stmt = text(
        "INSERT INTO audit_event (actor, role, via, action, target, counts, detail) "
        f"VALUES (:actor, :role, :via, :action, :target, :counts, :detail) RETURNING {_COLUMNS}"
    ).bindparams(bindparam("counts", type_=JSONB), bindparam("detail", type_=JSONB))
    row = (
        conn.execute(
            stmt,
            {
                "actor": actor,
                "role": role,
                "via": via,
                "action": action,
                "target": target,
                "counts": counts or {},
                "detail": detail or {},
            },
        )
        .mappings()
        .one()
    )
    return dict(row)


def list_events(
    conn: Connection, limit: int, offset: int = 0, action: str | None = None
) -> list[dict[str, Any]]:
    """Return audit events, newest first, optionally of one action only."""
    rows = conn.execute(
        text(
            f"SELECT {_COLUMNS} FROM audit_event "
            "WHERE CAST(:action AS text) IS NULL OR action = :action "
            "ORDER BY happened_at DESC, id DESC LIMIT :limit OFFSET :offset"
        ),
        {"action": action, "limit": limit, "offset": offset},
    )
    return [dict(r) for r in rows.mappings()]
