"""`rtrw region`: load and check region packs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import (
    fail,
    out,
    print_report,
    print_rules,
    progress_bar,
    progress_factory,
    transaction,
)
from app.errors import RtrwError
from app.services.catalog.packs import load_region, read_manifest

app = typer.Typer(help="Region packs (layers/<region>/region.toml).", no_args_is_help=True)


@app.command("load")
def region_load(
    pack: Annotated[Path, typer.Argument(help="region pack folder, e.g. layers/batang-demo")],
    only: Annotated[
        list[str] | None, typer.Option("--layer", help="load only these layers")
    ] = None,
    force: Annotated[bool, typer.Option(help="reload layers whose files did not change")] = False,
) -> None:
    """Load every layer of a region pack in one transaction (all or nothing)."""
    with transaction() as conn, progress_bar() as progress:
        result = load_region(conn, pack, only, progress_factory(progress), force=force)
    for report in result.reports:
        print_report(report)
    if result.rules:
        print_rules(result.rules)
    out.print(f"region pack {pack}: {len(result.reports)} layers loaded (unchanged layers skipped)")


@app.command("check")
def region_check(pack: Path) -> None:
    """Validate a region pack's manifest without loading anything."""
    try:
        manifest = read_manifest(pack)
    except RtrwError as exc:
        fail(exc.message)
    out.print(f"{manifest.region.name} ({manifest.region.code}): {len(manifest.layers)} layers OK")
