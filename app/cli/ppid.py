"""`rtrw ppid`: import a village PPID table; show the coverage per kecamatan or kabupaten."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from app.cli.common import err, fail, out, transaction
from app.cli.layers import who
from app.errors import LoadError, RtrwError
from app.services import ppid
from app.services.catalog.fields import parse_map_options

app = typer.Typer(
    help="Village PPID (information officers): import and coverage.", no_args_is_help=True
)


class By(StrEnum):
    """The areas the coverage is counted for."""

    kecamatan = "kecamatan"
    kabupaten = "kabupaten"


@app.command("import")
def ppid_import(
    path: Annotated[Path, typer.Argument(help="PPID table, .csv or .xlsx")],
    field_map: Annotated[
        list[str] | None,
        typer.Option("--map", help="TARGET=SOURCE, e.g. formed='Status PPID' (repeatable)"),
    ] = None,
    by: Annotated[
        str | None, typer.Option("--by", help="who is importing, for the audit trail")
    ] = None,
) -> None:
    """Import a PPID table all or nothing: any bad row fails the file, every bad line listed.

    Targets: desa_code, formed (ya/tidak, yes/no, 1/0), decree_no, decree_date, website,
    info_count, last_update. Rows replace the PPID rows of the desa they list.
    """
    try:
        mapping = parse_map_options(field_map or [])
    except RtrwError as exc:
        fail(exc.message, 2)
    report: ppid.PpidReport | None = None
    rejected: list[dict] = []
    with transaction() as conn:
        try:
            report = ppid.import_ppid(conn, path, mapping=mapping, actor=by or who(), via="cli")
        except LoadError as exc:
            listed = exc.extra.get("rejected")
            if not isinstance(listed, list):
                raise
            rejected = listed
    if report is None:
        err.print(
            f"[bold red]error:[/] {path.name}: {len(rejected)} bad row(s); nothing was written",
            highlight=False,
        )
        for bad in rejected:
            err.print(f"  line {bad['line']}: {bad['reason']}", highlight=False)
        raise typer.Exit(1)
    out.print(
        f"[bold]{report.source_file}[/]: read {report.read}, inserted {report.inserted}, "
        f"updated {report.updated}; PPID formed {report.formed}, not formed {report.not_formed}",
        highlight=False,
    )
    out.print(
        "  fields: " + ", ".join(f"{k}={v}" for k, v in report.field_map.items()), highlight=False
    )
    for note in report.notes:
        out.print(f"  note: {note}", highlight=False)


@app.command("coverage")
def ppid_coverage(
    by: Annotated[By, typer.Option("--by", help="kecamatan or kabupaten")] = By.kecamatan,
    region: Annotated[str | None, typer.Option(help="a region's code, e.g. 33.25")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Print per area: desa total (2xxx only), desa with a PPID formed, percent."""
    with transaction() as conn:
        rows = ppid.coverage(conn, by.value, region)
    if as_json:
        out.print_json(json.dumps(rows))
        return
    table = Table("code", "name", "desa", "PPID formed", "%")
    for r in rows:
        pct = "-" if r["percent"] is None else f"{r['percent']:.1f}"
        table.add_row(r["code"], r["name"] or "", str(r["desa_total"]), str(r["ppid_formed"]), pct)
    out.print(table)
