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
    print_warning,
    progress_bar,
    progress_factory,
    transaction,
)
from app.cli.layers import who
from app.cli.rasters import print_raster_report
from app.errors import RtrwError
from app.services.regions.packs import check_pack, load_region, load_region_if_empty

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
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="fail (load nothing) when a layer's features lie outside the pack's boundary or "
            "zone codes are not in its rule tables, instead of warning",
        ),
    ] = False,
) -> None:
    """Load every layer of a region pack in one transaction (all or nothing).

    A layer is skipped when its current version came from the same file with the same
    options (GeoPackage layer, CRSs, field map, licence, title), unless --force. Zoning,
    overlay and parcel layers are measured against the pack's boundary, and zone codes
    against its rules, once everything is written; --strict turns their warnings into errors.
    """
    if if_empty and (only or force):
        fail("--if-empty loads the whole pack: it cannot be combined with --layer or --force", 2)
    with transaction() as conn, progress_bar() as progress:
        if if_empty:
            loaded = load_region_if_empty(
                conn, pack, progress_factory(progress), actor=who(), strict=strict
            )
            if loaded is None:
                out.print(f"region pack {pack}: the catalog is not empty, nothing loaded")
                return
            result = loaded
        else:
            result = load_region(
                conn,
                pack,
                only,
                progress_factory(progress),
                force=force,
                actor=who(),
                strict=strict,
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
    """Validate a region pack without loading anything: its manifest, its rule tables and the
    zone codes of its zoning files (codes no rule table knows are warnings, exit 0)."""
    try:
        manifest, warnings = check_pack(pack)
    except RtrwError as exc:
        fail(exc.message)
    rasters = f", {len(manifest.rasters)} rasters" if manifest.rasters else ""
    said = f"{len(warnings)} warning{'s' if len(warnings) != 1 else ''}" if warnings else "OK"
    out.print(
        f"{manifest.region.name} ({manifest.region.code}): {len(manifest.layers)} layers"
        f"{rasters} {said}",
        highlight=False,
    )
    for warning in warnings:
        print_warning(warning)
