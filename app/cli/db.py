"""`rtrw db`: create, migrate and drop the database."""

from __future__ import annotations

from typing import Annotated

import typer

from app.cli.common import (
    fail,
    out,
)
from app.services import database
from app.settings import database_settings

app = typer.Typer(help="Create and migrate the database.", no_args_is_help=True)


@app.command("upgrade")
def db_upgrade(
    create: Annotated[bool, typer.Option(help="create the database first if missing")] = True,
) -> None:
    """Create the database (if missing) and run the migrations to head."""
    url = database_settings().url
    try:
        if create and database.create_database(url):
            out.print("created database")
        database.upgrade(url)
    except Exception as exc:
        fail(f"cannot migrate the database: {exc}")
    out.print("database at head")


@app.command("drop")
def db_drop(yes: Annotated[bool, typer.Option("--yes", help="really drop it")] = False) -> None:
    """Drop the database (all layers and versions)."""
    if not yes:
        fail("refusing to drop the database without --yes", 2)
    database.drop_database(database_settings().url)
    out.print("dropped")
