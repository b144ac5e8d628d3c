"""`rtrw projects`: import APBD budget files (.csv/.xlsx) and place their rows."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated, Any

import typer

from app.cli.common import err, out, transaction
from app.errors import LoadError
from app.services.projects.fields import TARGETS, parse_map_options
from app.services.projects.importer import (
    import_projects,
    record_import,
    reject_dicts,
)

app = typer.Typer(help="APBD budget projects: import and place.", no_args_is_help=True)


def write_rejects(path: Path, rejects: list[dict[str, Any]]) -> None:
    """Write rejected rows as CSV: line, reason, reason_id, then the file's own columns."""
    columns: dict[str, None] = {}
    for r in rejects:
        columns.update(dict.fromkeys(r["raw"]))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["line", "reason", "reason_id", *columns])
        for r in rejects:
            raw = r["raw"]
            writer.writerow(
                [r["line"], r["reason"], r["reason_id"], *(raw.get(c, "") for c in columns)]
            )


@app.command("import")
def import_cmd(
    file: Annotated[Path, typer.Argument(help="the budget file (.csv or .xlsx)")],
    year: Annotated[int, typer.Option("--year", help="the budget year (tahun anggaran)")],
    sheet: Annotated[
        str | None, typer.Option("--sheet", help="the .xlsx sheet (default: the one with a header)")
    ] = None,
    map_: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help=f"TARGET=SOURCE column (repeatable); targets: {', '.join(TARGETS)}",
        ),
    ] = None,
    crs: Annotated[
        str | None,
        typer.Option("--crs", help="CRS of WKT and X/Y columns (default EPSG:4326)"),
    ] = None,
    skip_bad: Annotated[
        Path | None,
        typer.Option(
            "--skip-bad",
            help="import the good rows and write the bad ones, with their reasons, to this CSV",
        ),
    ] = None,
    by: Annotated[
        str | None, typer.Option("--by", help="who is importing, for the audit trail")
    ] = None,
) -> None:
    """Import a budget file: upsert by (year, ref), place every row, print the report.

    A file with bad rows imports nothing and lists them (exit 1), unless --skip-bad is given.
    """
    from app.cli.users import os_login

    actor = by or os_login()
    with transaction() as conn:
        try:
            mapping = parse_map_options(map_ or [])
            report = import_projects(
                conn,
                file,
                year,
                sheet=sheet,
                mapping=mapping,
                crs=crs,
                skip_bad=skip_bad is not None,
                actor=actor,
                via="cli",
            )
        except LoadError as exc:
            rejects = exc.extra.get("rejects")
            if isinstance(rejects, list):
                err.print(f"{len(rejects)} bad row(s):", highlight=False)
                for r in rejects:
                    err.print(f"  line {r['line']}: {r['reason']}", highlight=False, markup=False)
            raise
        record_import(conn, report, actor, None, "cli")
    for line in report.lines():
        out.print(line, highlight=False, markup=False)
    if skip_bad is not None:
        write_rejects(skip_bad, reject_dicts(report.rejects))
        out.print(f"  rejects written to {skip_bad} ({report.rejected})", highlight=False)
