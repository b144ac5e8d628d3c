"""Load a validated rule set (a new version) and find the current one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text

from app.services.catalog.current import CURRENT_RULE_SET_ID_SQL, REGION_RULE_SET_ID_SQL
from app.services.catalog.regions import resolve_region
from app.services.rules.tables import read_rules


def load_rules(conn: Connection, path: Path, region_code: str | None = None) -> dict[str, Any]:
    """Validate and insert a new rule set in `conn`'s transaction; return its version and counts.

    `region_code` None: the only region loaded (none: the rule set has no region).
    """
    tables = read_rules(path)
    region_code = resolve_region(conn, region_code)
    conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('rtrw.rule_set'))"))
    version = conn.execute(text("SELECT coalesce(max(version), 0) + 1 FROM rule_set")).scalar_one()
    rid = conn.execute(
        text(
            "INSERT INTO rule_set (version, region_code, source, checksum, counts) "
            "VALUES (:v, :r, :s, :c, CAST(:n AS jsonb)) RETURNING id"
        ),
        {
            "v": version,
            "r": region_code,
            "s": str(tables.folder),
            "c": tables.checksum,
            "n": json.dumps(tables.counts()),
        },
    ).scalar_one()
    for table, rows in tables.rows.items():
        if not rows:
            continue
        cols = list(rows[0])
        quoted = ", ".join(f'"{c}"' for c in cols)
        params = ", ".join(f":{c}" for c in cols)
        conn.execute(
            text(f"INSERT INTO {table} (rule_set_id, {quoted}) VALUES (:rule_set_id, {params})"),
            [{"rule_set_id": rid, **row} for row in rows],
        )
    return {"version": version, "id": rid, "counts": tables.counts(), "folder": str(tables.folder)}


def current_rule_set(conn: Connection, region: str | None = None) -> dict[str, Any] | None:
    """Return the current rule set's id, version and load time (of `region`, if given), or None."""
    row = conn.execute(
        text(
            "SELECT id, version, loaded_at, checksum, region_code FROM rule_set WHERE id = "
            f"({REGION_RULE_SET_ID_SQL if region else CURRENT_RULE_SET_ID_SQL})"
        ),
        {"region": region},
    ).first()
    return dict(row._mapping) if row else None


def rule_set_unchanged(conn: Connection, path: Path, region: str | None = None) -> bool:
    """Return True if the current rule set (of `region`) was loaded from these exact files."""
    current = current_rule_set(conn, region)
    return bool(current) and current["checksum"] == read_rules(path).checksum  # type: ignore[index]
