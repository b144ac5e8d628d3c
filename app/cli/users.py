"""`rtrw users`: staff API keys (create, list, revoke); each change is audited."""

from __future__ import annotations

import getpass
import json
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.table import Table

from app.cli.common import err, out, transaction
from app.services import auth
from app.services.auth import audit

app = typer.Typer(help="Staff API keys for imports and edits.", no_args_is_help=True)


class Role(StrEnum):
    """A key's role: staff (imports, edits) or admin (also the audit trail)."""

    staff = "staff"
    admin = "admin"


def os_login() -> str | None:
    """Return the OS login running the command, None when the system cannot tell."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # a container user without a passwd entry
        return None


ByOption = Annotated[
    str | None,
    typer.Option("--by", help="who is doing this, for the audit trail (default: your login)"),
]


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else "-"


@app.command("create-key")
def create_key(
    name: Annotated[str, typer.Option("--name", "-n", help="whose key, e.g. bappeda-ana")],
    role: Annotated[Role, typer.Option("--role", "-r", help="staff (imports, edits) or admin")],
    by: ByOption = None,
) -> None:
    """Create a key and print it once: only its hash is stored, it cannot be shown again."""
    with transaction() as conn:
        plain, row = auth.create_key(conn, name, role.value)
        audit.record(
            conn,
            by or os_login(),
            None,
            "cli",
            "key.create",
            row["name"],
            detail={"role": row["role"], "prefix": row["prefix"], "key_id": row["id"]},
        )
    err.print(
        f"created a {row['role']} key for [bold]{row['name']}[/] (prefix {row['prefix']}).\n"
        "[bold yellow]warning:[/] this is the only time the key is shown; store it now "
        "(e.g. in a password manager). Send it as `Authorization: Bearer <key>`.",
        highlight=False,
    )
    typer.echo(plain)  # alone on stdout, so `KEY=$(rtrw users create-key ...)` works


@app.command("list")
def list_keys(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the keys: name, role, prefix, created, last used, revoked (never the key)."""
    with transaction() as conn:
        rows = auth.list_keys(conn)
    if as_json:
        out.print_json(json.dumps(rows, default=str))
        return
    table = Table("id", "name", "role", "prefix", "created", "last used", "revoked")
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["name"],
            r["role"],
            r["prefix"],
            _when(r["created_at"]),
            _when(r["last_used_at"]),
            _when(r["revoked_at"]),
        )
    out.print(table)


@app.command("revoke")
def revoke(
    which: Annotated[str, typer.Argument(help="the key's name, prefix (see `list`) or id")],
    by: ByOption = None,
) -> None:
    """Revoke one active key by name, prefix or id (exit 1 if none or several match)."""
    with transaction() as conn:
        row = auth.revoke(conn, which)
        audit.record(
            conn,
            by or os_login(),
            None,
            "cli",
            "key.revoke",
            row["name"],
            detail={"role": row["role"], "prefix": row["prefix"], "key_id": row["id"]},
        )
    out.print(f"revoked the {row['role']} key {row['prefix']} of {row['name']}", highlight=False)
