"""`rtrw rasters`: load thematic rasters as Cloud-Optimized GeoTIFFs, list them, their history
and rollback."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from app.cli.common import Licence, LoadRegion, SourceCrs, Title, out, transaction
from app.cli.history import add_history_commands, short_crs, who
from app.services.catalog.regions import resolve_region
from app.services.rasters import catalog
from app.services.rasters.catalog import RASTER
from app.services.rasters.ingest import RasterReport, load_raster
from app.settings import raster_settings

app = typer.Typer(help="Load and inspect thematic rasters (GeoTIFF -> COG).", no_args_is_help=True)


def print_raster_report(report: RasterReport) -> None:
    """Print what a raster load wrote (or that nothing changed)."""
    if report.status == "unchanged":
        out.print(
            f"[bold]{report.name}[/] v{report.version} unchanged: same file and options "
            f"as the current version",
            highlight=False,
        )
        return
    s = report.stats
    summary = (
        f"min {s['min']:g}, max {s['max']:g}, mean {s['mean']:g}" if s.get("count") else "no data"
    )
    out.print(
        f"[bold]{report.name}[/] v{report.version} ({report.kind}) from {report.source_file} "
        f"[{report.crs}]: {report.width} x {report.height} px of {report.res[0]:g} x "
        f"{report.res[1]:g}, {report.bands} band(s) {report.dtype}, nodata {report.nodata}; "
        f"{summary}; valid {s.get('count', 0)}, nodata {s.get('nodata_count', 0)} "
        f"in {report.seconds:.2f} s",
        highlight=False,
    )
    out.print(f"  stored as {report.path} (sha256 {report.checksum[:12]})", highlight=False)
    if report.classes:
        out.print(f"  classes: {report.classes}", highlight=False)
    for note in report.notes:
        out.print(f"  note: {note}", highlight=False)
    for warning in report.warnings:
        out.print(f"  [yellow]warning[/]: {warning}", highlight=False)


@app.command("load")
def rasters_load(
    path: Annotated[Path, typer.Argument(help="a GeoTIFF (or any raster GDAL reads)")],
    name: Annotated[str, typer.Option("--name", "-n", help="raster name, e.g. dem, slope")],
    region: LoadRegion = None,
    source_crs: SourceCrs = None,
    classes: Annotated[
        Path | None,
        typer.Option("--classes", help="classes.csv (value,name_id,name_en,color): categorical"),
    ] = None,
    kind: Annotated[
        str | None, typer.Option("--kind", help="continuous or categorical (with --classes)")
    ] = None,
    title: Title = None,
    title_en: Annotated[
        str | None, typer.Option("--title-en", help="the title in English (default: none)")
    ] = None,
    unit: Annotated[str | None, typer.Option(help="unit of the values, e.g. m or %")] = None,
    colormap: Annotated[
        str | None, typer.Option(help="rio-tiler colour map of a continuous raster, e.g. terrain")
    ] = None,
    source: Annotated[str | None, typer.Option(help="data source (legal or provider)")] = None,
    licence: Licence = None,
    force: Annotated[bool, typer.Option(help="load even when file and options are unchanged")] = (
        False
    ),
) -> None:
    """Load a raster as a new version (a COG in the raster store; all or nothing)."""
    with transaction() as conn:
        code = resolve_region(conn, region)
        report = load_raster(
            conn,
            path,
            name,
            settings=raster_settings(),
            region=code,
            source_crs=source_crs,
            classes_csv=classes,
            kind=kind,
            title=title,
            title_en=title_en,
            unit=unit,
            colormap=colormap,
            source=source,
            licence=licence,
            actor=who(),
            force=force,
        )
    print_raster_report(report)


@app.command("list")
def rasters_list(
    as_json: Annotated[bool, typer.Option("--json")] = False,
    region: Annotated[str | None, typer.Option("--region", help="only this region's")] = None,
) -> None:
    """List the rasters and their current versions."""
    with transaction() as conn:
        rows = catalog.list_rasters(conn, region)
    if as_json:
        out.print_json(json.dumps([asdict(r) for r in rows], default=str))
        return
    table = Table("name", "region", "kind", "version", "crs", "size", "pixel", "source", "loaded")
    for r in rows:
        table.add_row(
            r.name,
            r.region or "",
            r.kind,
            str(r.version),
            short_crs(r.crs),
            f"{r.width} x {r.height}",
            f"{r.res[0]:g}",
            r.source_file,
            r.loaded_at.strftime("%Y-%m-%d %H:%M"),
        )
    out.print(table)


add_history_commands(
    app,
    RASTER,
    "raster",
    {
        "source": lambda r: r.source_file,
        "checksum": lambda r: r.checksum[:12],
        "crs": lambda r: short_crs(r.crs),
        "size": lambda r: f"{r.width} x {r.height}",
    },
)
