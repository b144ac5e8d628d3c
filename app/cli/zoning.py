"""`rtrw zoning`: permit-zoning checks offline."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import (
    fail,
    out,
    transaction,
)
from app.errors import RtrwError
from app.services.zoning import batch_io, check_batch
from app.services.zoning.batch import BatchFailure

app = typer.Typer(help="Permit-zoning checks offline.", no_args_is_help=True)


@app.command("check-file")
def zoning_check_file(
    src: Annotated[
        Path,
        typer.Argument(
            help="parcels: .csv (`,` or `;`; id, wkt or lon/lat, x/y, bujur/lintang; kbli), "
            "GeoJSON, GPKG, SHP"
        ),
    ],
    dst: Annotated[Path, typer.Argument(help="results: .csv, .geojson or .json")],
    crs: Annotated[str | None, typer.Option(help="CRS of CSV/GeoJSON coordinates")] = None,
    kbli: Annotated[str | None, typer.Option(help="KBLI for rows that name none")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="YYYY-MM-DD")] = None,
) -> None:
    """Check every parcel of a file offline (same answers as POST /zoning/check/batch)."""
    fmt = {".csv": "csv", ".geojson": "geojson", ".json": "json"}.get(dst.suffix.lower())
    if fmt is None:
        fail(f"{dst.name}: write .csv, .geojson or .json", 2)
    try:
        on = date.fromisoformat(as_of) if as_of else None
        items = batch_io.items_from_file(src, crs)
    except ValueError as exc:
        fail(str(exc), 2)
    except RtrwError as exc:
        fail(exc.message)
    for item in items:
        item.kbli = item.kbli or (kbli if item.activity is None else None)
    with transaction() as conn:
        results = check_batch(conn, items, on)
    body, _ = batch_io.render(results, fmt or "json")
    dst.write_text(body, encoding="utf-8")
    errors = sum(1 for r in results if isinstance(r, BatchFailure))
    out.print(f"{len(results)} parcels checked, {errors} with errors: {dst}")
