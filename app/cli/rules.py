"""`rtrw rules`: check and load zoning rule tables."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import (
    fail,
    out,
    print_rules,
    transaction,
)
from app.errors import RtrwError
from app.services.rules.load import load_rules
from app.services.rules.tables import read_rules

app = typer.Typer(help="Zoning rule tables (ITBX, intensity, overlays).", no_args_is_help=True)


@app.command("load")
def rules_load(
    pack: Annotated[Path, typer.Argument(help="region pack folder or its rules folder")],
) -> None:
    """Validate the pack's rule tables and load them as a new rule set (all or nothing)."""
    with transaction() as conn:
        result = load_rules(conn, pack)
    print_rules(result)


@app.command("check")
def rules_check(pack: Path) -> None:
    """Validate the rule tables without loading them."""
    try:
        tables = read_rules(pack)
    except RtrwError as exc:
        fail(exc.message)
    out.print(f"rules in {tables.folder} OK: {tables.counts()}", highlight=False)
