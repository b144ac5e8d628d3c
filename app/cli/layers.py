"""`rtrw layers`: load, list, inspect, roll back and drop layers."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from app.cli.common import (
    Licence,
    LoadRegion,
    SourceCrs,
    Title,
    fail,
    out,
    print_report,
    progress_bar,
    progress_factory,
    transaction,
)
from app.cli.history import add_history_commands, who
from app.errors import RtrwError
from app.services.catalog import layers as catalog
from app.services.catalog.fields import parse_map_options
from app.services.catalog.ingest import LoadRequest, load_layer
from app.services.catalog.layers import LAYER
from app.services.catalog.regions import region_metric_crs, resolve_region
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
    title: Title = None,
    title_en: Annotated[
        str | None,
        typer.Option(
            "--title-en",
            help="the title in English (none with --title: none; with neither: kept)",
        ),
    ] = None,
    layer: Annotated[str | None, typer.Option(help="layer inside a GeoPackage")] = None,
    source_crs: SourceCrs = None,
    field_map: Annotated[
        list[str] | None, typer.Option("--map", help="TARGET=SOURCE, e.g. code=kode (repeatable)")
    ] = None,
    licence: Licence = None,
    plan: Annotated[
        str | None,
        typer.Option(
            "--plan", help="zoning only: rtrw or rdtr (RDTR governs where it lies; default rtrw)"
        ),
    ] = None,
    oss_integrated: Annotated[
        bool, typer.Option("--oss-integrated", help="an RDTR integrated in OSS (KKKPR route)")
    ] = False,
    region: LoadRegion = None,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="fail (write nothing) when features lie outside the region's boundary or "
            "zone codes are not in its rule tables, instead of warning",
        ),
    ] = False,
) -> None:
    """Load a file as a new version of a layer (all or nothing) and print the report.

    A zoning, overlay or parcel layer of a region is measured against the region's boundary
    (its top admin level): features wholly outside, or more than RTRW_LOADER_MAX_OUTSIDE_SHARE
    of the area, are a warning; zone codes its rule tables do not know are too.
    """
    try:
        mapping = parse_map_options(field_map or [])
    except RtrwError as exc:
        fail(exc.message, 2)
    with transaction() as conn, progress_bar() as progress:
        code = resolve_region(conn, region)
        metric = region_metric_crs(conn, code) or loader_settings().default_metric_crs
        req = LoadRequest(
            path=path,
            name=name,
            kind=kind,
            title=title,
            title_en=title_en,
            layer=layer,
            source_crs=source_crs,
            field_map=mapping,
            licence=licence,
            metric_crs=metric,
            actor=who(),
            plan=plan,
            oss_integrated=oss_integrated,
            region=code,
            strict=strict,
        )
        report = load_layer(conn, req, progress_factory(progress)(req))
    print_report(report)


RegionOption = Annotated[
    str | None,
    typer.Option(
        "--region",
        help="the region's Kemendagri code, needed when several regions have this layer name",
    ),
]


@app.command("list")
def layers_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the layers and their current versions."""
    with transaction() as conn:
        rows = catalog.list_layers(conn)
    if as_json:
        out.print_json(json.dumps([asdict(r) for r in rows], default=str))
        return
    table = Table("name", "kind", "version", "features", "source", "loaded")
    for r in rows:
        table.add_row(
            r.name,
            r.kind,
            str(r.version),
            str(r.feature_count),
            r.source_file,
            r.loaded_at.strftime("%Y-%m-%d %H:%M"),
        )
    out.print(table)


add_history_commands(
    app,
    LAYER,
    "layer",
    {
        "features": lambda r: str(r.feature_count),
        "source": lambda r: r.source_file,
        "checksum": lambda r: r.checksum[:12],
        "crs": lambda r: r.source_crs,
    },
)


@app.command("drop")
def layers_drop(
    name: str,
    yes: Annotated[bool, typer.Option("--yes", help="really drop it")] = False,
    region: RegionOption = None,
) -> None:
    """Drop a layer with all its versions (only the named region's, when several have it)."""
    if not yes:
        fail(f"refusing to drop layer {name!r} and all its versions without --yes", 2)
    with transaction() as conn:
        n = catalog.drop_layer(conn, name, region)
    out.print(f"dropped {name} ({n} versions)")
