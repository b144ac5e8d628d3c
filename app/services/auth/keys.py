"""API keys for `Authorization: Bearer`: made once, kept only as a SHA-256, revocable.

A key is `rtrw_` + 43 URL-safe random characters (32 bytes). The table keeps its SHA-256 hex
(the lookup: a hash match needs no constant-time compare) and its first PREFIX_LEN characters,
which `rtrw users list` shows and `rtrw users revoke` takes.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from app.errors import InvalidParameter, NotFound
from app.models.auth import ROLES

KEY_PREFIX = "rtrw_"
PREFIX_LEN = 12  # "rtrw_" + 7 random characters: enough to tell keys apart in a listing
NAME_PATTERN = re.compile(r"^[\w.@+-][\w .@+-]{0,63}$")
# Which roles may act as which: an admin can do everything a staff key can.
GRANTS: dict[str, frozenset[str]] = {
    "staff": frozenset({"staff"}),
    "admin": frozenset({"staff", "admin"}),
}
TOUCH_EVERY_S = 60  # last_used_at is written at most this often per key

_COLUMNS = "id, name, role, prefix, created_at, last_used_at, revoked_at"


@dataclass(frozen=True)
class Principal:
    """Who a valid key belongs to: its name, role and row id."""

    name: str
    role: str
    key_id: int

    def can(self, role: str) -> bool:
        """Return True when this key's role grants `role` (admin grants staff)."""
        return role in GRANTS.get(self.role, frozenset())


def hash_key(plain: str) -> str:
    """Return the SHA-256 hex digest of a plain key (what the table stores)."""
    return hashlib.sha256(plain.encode("utf-8")).hexdigest()


def check_role(role: str) -> str:
    """Return the role if known, else raise InvalidParameter."""
    if role not in ROLES:
        raise InvalidParameter(
            f"unknown role {role!r}; use one of {', '.join(ROLES)}",
            message_id=f"Peran {role!r} tidak dikenal; gunakan salah satu dari {', '.join(ROLES)}",
        )
    return role


def check_name(name: str) -> str:
    """Return the key's name stripped, else raise InvalidParameter when empty or odd."""
    name = name.strip()
    if not NAME_PATTERN.match(name):
        raise InvalidParameter(
            f"a key name is 1-64 letters, digits, spaces or . _ @ + -; got {name!r}",
            message_id=f"Nama kunci berisi 1-64 huruf, angka, spasi atau . _ @ + -; "
            f"diterima {name!r}",
        )
    return name


def create_key(conn: Connection, name: str, role: str) -> tuple[str, dict[str, Any]]:
    """Return a new plain key (shown once, never stored) and its row (without the hash)."""
    name, role = check_name(name), check_role(role)
    plain = KEY_PREFIX + secrets.token_urlsafe(32)
    row = (
        conn.execute(
            text(
                "INSERT INTO api_key (name, role, key_hash, prefix) "
                f"VALUES (:name, :role, :hash, :prefix) RETURNING {_COLUMNS}"
            ),
            {"name": name, "role": role, "hash": hash_key(plain), "prefix": plain[:PREFIX_LEN]},
        )
        .mappings()
        .one()
    )
    return plain, dict(row)


def verify(conn: Connection, plain: str) -> Principal | None:
    """Return who the key belongs to, or None when it is unknown or revoked.

    Marks the key used (last_used_at), at most once a minute so reads stay reads.
    """
    if not plain.startswith(KEY_PREFIX):
        return None
    row = conn.execute(
        text(
            "SELECT id, name, role, last_used_at IS NULL "
            "OR last_used_at < now() - make_interval(secs => :every) AS stale "
            "FROM api_key WHERE key_hash = :hash AND revoked_at IS NULL"
        ),
        {"hash": hash_key(plain), "every": TOUCH_EVERY_S},
    ).one_or_none()
    if row is None:
        return None
    if row.stale:
        conn.execute(text("UPDATE api_key SET last_used_at = now() WHERE id = :id"), {"id": row.id})
    return Principal(name=row.name, role=row.role, key_id=row.id)


def list_keys(conn: Connection) -> list[dict[str, Any]]:
    """Return every key (never its hash), active first, oldest first."""
    rows = conn.execute(
        text(f"SELECT {_COLUMNS} FROM api_key ORDER BY revoked_at IS NOT NULL, created_at, id")
    )
    return [dict(r) for r in rows.mappings()]


def revoke(conn: Connection, which: str) -> dict[str, Any]:
    """Revoke the one active key whose name, prefix or id is `which`; return its row.

    NotFound when no active key matches; InvalidParameter, listing them, when several do.
    """
    which = which.strip()
    key_id = int(which) if which.isdigit() and len(which) < 10 else None
    rows = (
        conn.execute(
            text(
                f"SELECT {_COLUMNS} FROM api_key WHERE revoked_at IS NULL "
                "AND (name = :which OR prefix = :which OR id = :id) ORDER BY id FOR UPDATE"
            ),
            {"which": which, "id": key_id},
        )
        .mappings()
        .all()
    )
    if not rows:
        raise NotFound(
            f"no active key has the name, prefix or id {which!r} (see `rtrw users list`)",
            message_id=f"Tidak ada kunci aktif dengan nama, prefiks atau id {which!r} "
            "(lihat `rtrw users list`)",
        )
    if len(rows) > 1:
        keys = ", ".join(f"{r['prefix']} ({r['name']}, {r['role']})" for r in rows)
        raise InvalidParameter(
            f"{len(rows)} active keys match {which!r}: {keys}; revoke one by its prefix",
            message_id=f"{len(rows)} kunci aktif cocok dengan {which!r}: {keys}; "
            "cabut satu per satu dengan prefiksnya",
        )
    row = (
        conn.execute(
            text(f"UPDATE api_key SET revoked_at = now() WHERE id = :id RETURNING {_COLUMNS}"),
            {"id": rows[0]["id"]},
        )
        .mappings()
        .one()
    )
    return dict(row)
