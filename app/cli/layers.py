"""`rtrw layers`: load, list, inspect and drop layers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from app.cli.common import (
    fail,
    out,
    print_report,
    progress_bar,
    progress_factory,
    transaction,
)
from app.errors import RtrwError
from app.services.catalog import layers as catalog
from app.services.catalog.fields import parse_map_options
from app.services.catalog.ingest import LoadRequest, load_layer
from app.services.catalog.packs import region_metric_crs
from app.settings import loader_settings

app = typer.Typer(help="Load and inspect layers.", no_args_is_help=True)


@app.command("load")
def layers_load(
    path: Annotated[
        Path, typer.Argument(help="Shapefile (.shp/.zip), GeoPackage, GeoJSON or FlatGeobuf")
    ],
    name: Annotated[str, typer.Option("--name", "-n", help="layer name, e.g. pola_ruang")],
    kind: Annotated[
        str, typer.Option("--kind", "-k", help="admin, zoning, overlay, base, thematic, parcel")
    ],
    title: Annotated[str | None, typer.Option(help="human title (Bahasa Indonesia)")] = None,
    layer: Annotated[str | None, typer.Option(help="layer inside a GeoPackage")] = None,
    source_crs: Annotated[
        str | None,
        typer.Option("--source-crs", help="e.g. EPSG:32749, when the file has no or a wrong CRS"),
    ] = None,
    field_map: Annotated[
        list[str] | None, typer.Option("--map", help="TARGET=SOURCE, e.g. code=kode (repeatable)")
    ] = None,
    licence: Annotated[str | None, typer.Option(help="licence / provenance text")] = None,
) -> None:
    """Load a file as a new version of a layer (all or nothing) and print the report."""
    try:
        mapping = parse_map_options(field_map or [])
    except RtrwError as exc:
        fail(exc.message, 2)
    with transaction() as conn, progress_bar() as progress:
        metric = region_metric_crs(conn) or loader_settings().default_metric_crs
        req = LoadRequest(
            path=path,
            name=name,
            kind=kind,
            title=title,
            layer=layer,
            source_crs=source_crs,
            field_map=mapping,
            licence=licence,
            metric_crs=metric,
        )
        report = load_layer(conn, req, progress_factory(progress)(req))
    print_report(report)


@app.command("list")
def layers_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the layers and their current versions."""
    with transaction() as conn:
        rows = catalog.list_layers(conn)
    if as_json:
        out.print_json(json.dumps(rows, default=str))
        return
    table = Table("name", "kind", "version", "features", "source", "loaded")
    for r in rows:
        table.add_row(
            r["name"],
            r["kind"],
            str(r["version"]),
            str(r["feature_count"]),
            r["source_file"],
            r["loaded_at"].strftime("%Y-%m-%d %H:%M"),
        )
    out.print(table)


@app.command("history")
def layers_history(name: str, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List every version of a layer, newest first."""
    with transaction() as conn:
        rows = catalog.list_versions(conn, name)
    if as_json:
        out.print_json(json.dumps(rows, default=str))
        return
    table = Table("version", "current", "features", "source", "checksum", "crs", "loaded")
    for r in rows:
        table.add_row(
            str(r["version"]),
            "*" if r["current"] else "",
            str(r["feature_count"]),
            r["source_file"],
            r["checksum"][:12],
            r["source_crs"],
            r["loaded_at"].strftime("%Y-%m-%d %H:%M:%S"),
        )
    out.print(table)


@app.command("drop")
def layers_drop(
    name: str, yes: Annotated[bool, typer.Option("--yes", help="really drop it")] = False
) -> None:
    """Drop a layer with all its versions."""
    if not yes:
        fail(f"refusing to drop layer {name!r} and all its versions without --yes", 2)
    with transaction() as conn:
        n = catalog.drop_layer(conn, name)
    out.print(f"dropped {name} ({n} versions)")
