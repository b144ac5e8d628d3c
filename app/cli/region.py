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
from app.cli.layers import who
from app.cli.rasters import print_raster_report
from app.errors import RtrwError
from app.services.catalog.packs import load_region, load_region_if_empty, read_manifest

app = typer.Typer(help="Region packs (layers/<region>/region.toml).", no_args_is_help=True)


@app.command("load")
def region_load(
    pack: Annotated[Path, typer.Argument(help="region pack folder, e.g. layers/batang-demo")],
    only: Annotated[
        list[str] | None, typer.Option("--layer", help="load only these layers")
    ] = None,
    force: Annotated[bool, typer.Option(help="reload layers whose files did not change")] = False,
    if_empty: Annotated[
        bool,
        typer.Option("--if-empty", help="load only into an empty catalog (no layer, no rule set)"),
    ] = False,
) -> None:
    """Load every layer of a region pack in one transaction (all or nothing).

    A layer is skipped when its current version came from the same file with the same
    options (GeoPackage layer, CRSs, field map, licence, title), unless --force.
    """
    if if_empty and (only or force):
        fail("--if-empty loads the whole pack: it cannot be combined with --layer or --force", 2)
    with transaction() as conn, progress_bar() as progress:
        if if_empty:
            loaded = load_region_if_empty(conn, pack, progress_factory(progress), actor=who())
            if loaded is None:
                out.print(f"region pack {pack}: the catalog is not empty, nothing loaded")
                return
            result = loaded
        else:
            result = load_region(
                conn, pack, only, progress_factory(progress), force=force, actor=who()
            )
    for report in result.reports:
        print_report(report)
    for raster in result.rasters:
        print_raster_report(raster)
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
    rasters = f", {len(manifest.rasters)} rasters" if manifest.rasters else ""
    out.print(
        f"{manifest.region.name} ({manifest.region.code}): {len(manifest.layers)} layers"
        f"{rasters} OK"
    )
