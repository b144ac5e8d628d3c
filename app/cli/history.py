"""`history` and `rollback` for a command group of named things (`rtrw layers`, `rtrw rasters`).

One implementation (app/services/catalog/history.py) behind both groups: each group adds the
two commands with `add_history_commands`, giving the columns its version table shows.
"""

# No `from __future__ import annotations`: the commands are made in a function, and Typer reads
# their annotations (which name its local `region_help`) at once.
import getpass
import json
from collections.abc import Callable, Mapping
from dataclasses import asdict
from typing import Annotated, Any

import typer
from rich.table import Table

from app.cli.common import out, transaction
from app.services.catalog import history
from app.services.catalog.named import NamedTable

# A column of a version table: its header, and what a version row shows in it.
Columns = Mapping[str, Callable[[Any], str]]


def who() -> str | None:
    """Return the login name of the user running the command, for the audit trail."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in a bare container
        return None


def short_crs(crs: str) -> str:
    """Return a CRS label short enough for a table cell (a WKT is cut)."""
    return crs if len(crs) < 30 else crs[:27] + "..."


def add_history_commands(
    app: typer.Typer, table: NamedTable[Any], noun: str, columns: Columns
) -> None:
    """Add `history NAME` and `rollback NAME --to N` for the kind `table` (a `noun`) to `app`;
    `columns` are the version table's columns between `current` and `loaded`."""
    region_help = f"the region's Kemendagri code, needed when several regions have this {noun} name"

    @app.command(
        "history",
        help=f"List every version of a {noun}, newest first, then its loads and rollbacks.",
    )
    def show_history(
        name: str,
        as_json: Annotated[bool, typer.Option("--json")] = False,
        region: Annotated[str | None, typer.Option("--region", help=region_help)] = None,
    ) -> None:
        with transaction() as conn:
            rows = history.versions(conn, table, name, region)
            events = history.events(conn, table, name, region)
        if as_json:
            out.print_json(json.dumps([asdict(r) for r in rows], default=str))
            return
        versions = Table("version", "current", *columns, "loaded")
        for r in rows:
            versions.add_row(
                str(r.version),
                "*" if r.current else "",
                *(cell(r) for cell in columns.values()),
                r.loaded_at.strftime("%Y-%m-%d %H:%M:%S"),
            )
        out.print(versions)
        changes = Table(
            "when", "action", "from", "to", "by", "note", title="current version changes"
        )
        for e in events:
            changes.add_row(
                e.happened_at.strftime("%Y-%m-%d %H:%M:%S"),
                e.action,
                f"v{e.from_version}" if e.from_version is not None else "-",
                f"v{e.to_version}",
                e.actor or "",
                e.note or "",
            )
        out.print(changes)

    @app.command(
        "rollback",
        help=f"Make an earlier version of a {noun} current again (recorded in its history).",
    )
    def rollback(
        name: str,
        to: Annotated[int, typer.Option("--to", help="the version to make current")],
        note: Annotated[str | None, typer.Option(help="why, kept in the history")] = None,
        by: Annotated[str | None, typer.Option(help="who (default: the login name)")] = None,
        region: Annotated[str | None, typer.Option("--region", help=region_help)] = None,
    ) -> None:
        with transaction() as conn:
            result = history.rollback(
                conn, table, name, to, actor=by or who(), note=note, region=region
            )
        if not result.changed:
            out.print(f"{name} is already at v{to}: nothing changed")
            return
        out.print(f"{name}: v{result.from_version} -> v{to} is now current", highlight=False)
