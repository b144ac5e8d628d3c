"""`rtrw rules`: check and load zoning rule tables."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import fail, out, print_rules, transaction
from app.errors import RtrwError
from app.services.catalog.manifest import read_manifest
from app.services.catalog.regions import region_codes
from app.services.rules.load import load_rules
from app.services.rules.matrix import import_matrix
from app.services.rules.tables import read_rules

app = typer.Typer(help="Zoning rule tables (ITBX, intensity, overlays).", no_args_is_help=True)


@app.command("load")
def rules_load(
    pack: Annotated[Path, typer.Argument(help="region pack folder or its rules folder")],
    region: Annotated[
        str | None,
        typer.Option(
            "--region",
            help="the region's Kemendagri code (default: the pack's region, else the only one)",
        ),
    ] = None,
) -> None:
    """Validate the pack's rule tables and load them as a new rule set (all or nothing)."""
    manifest = pack / "region.toml" if pack.is_dir() else pack
    own: str | None = None  # the pack's own region, used when it is loaded
    if region is None and manifest.name == "region.toml" and manifest.exists():
        try:
            own = read_manifest(manifest).region.code
        except RtrwError as exc:
            fail(exc.message)
    with transaction() as conn:
        if own is not None and own in region_codes(conn):
            region = own
        result = load_rules(conn, pack, region)
    print_rules(result)


@app.command("check")
def rules_check(pack: Path) -> None:
    """Validate the rule tables without loading them."""
    try:
        tables = read_rules(pack)
    except RtrwError as exc:
        fail(exc.message)
    out.print(f"rules in {tables.folder} OK: {tables.counts()}", highlight=False)


@app.command("import-matrix")
def rules_import_matrix(
    pack: Annotated[Path, typer.Argument(help="region pack folder (or its rules folder)")],
    matrix: Annotated[Path, typer.Argument(help="the published ITBX matrix, .xlsx or .csv")],
    legend: Annotated[Path, typer.Option(help="CSV code,text[,text_en] of T1, B2, ...")],
    sheet: Annotated[str | None, typer.Option(help="sheet of the workbook")] = None,
    source: Annotated[str | None, typer.Option(help="sources.csv id the rows cite")] = None,
    valid_from: Annotated[str | None, typer.Option(help="YYYY-MM-DD it is in force")] = None,
    plan_layer: Annotated[
        str | None, typer.Option(help="zoning layer whose zones alone the matrix governs")
    ] = None,
) -> None:
    """Import a published ITBX matrix (KBLI rows x sub-zone columns) into activities/itbx.csv."""
    try:
        start = date.fromisoformat(valid_from) if valid_from else None
    except ValueError:
        fail(f"--valid-from {valid_from!r} is not a date (YYYY-MM-DD)")
        return
    try:
        report = import_matrix(
            pack, matrix, legend, sheet=sheet, source=source, valid_from=start,
            plan_layer=plan_layer,
        )
    except RtrwError as exc:
        fail(exc.message)
        return
    for line in report.lines():
        out.print(line, highlight=False)
