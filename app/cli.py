"""The `rtrw` command line: database, layers, region packs, demo data and the server."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from sqlalchemy import Connection

from app.db import make_engine
from app.errors import RtrwError
from app.services import batch_io, catalog, database, rules, zoning
from app.services.fields import parse_map_options
from app.services.loader import LoadReport, LoadRequest, load_layer
from app.services.region import load_region, read_manifest, region_metric_crs
from app.settings import database_settings, loader_settings

app = typer.Typer(
    help="RTRW spatial-planning service: load layers and region packs, serve the API.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Create and migrate the database.", no_args_is_help=True)
layers_app = typer.Typer(help="Load and inspect layers.", no_args_is_help=True)
region_app = typer.Typer(help="Region packs (layers/<region>/region.toml).", no_args_is_help=True)
demo_app = typer.Typer(help="The synthetic Batang demo region.", no_args_is_help=True)
zoning_app = typer.Typer(help="Permit-zoning checks offline.", no_args_is_help=True)
rules_app = typer.Typer(
    help="Zoning rule tables (ITBX, intensity, overlays).", no_args_is_help=True
)
app.add_typer(db_app, name="db")
app.add_typer(layers_app, name="layers")
app.add_typer(region_app, name="region")
app.add_typer(demo_app, name="demo")
app.add_typer(rules_app, name="rules")
app.add_typer(zoning_app, name="zoning")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
DEMO_PACK = Path(__file__).resolve().parents[1] / "layers" / "batang-demo"


def fail(message: str, code: int = 1) -> None:
    """Print an error to stderr and exit non-zero."""
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def transaction() -> Iterator[Connection]:
    """Yield a connection in one transaction: commit on success, roll back on any error."""
    engine = make_engine()
    try:
        with engine.begin() as conn:
            yield conn
    except RtrwError as exc:
        fail(exc.message)
    except KeyboardInterrupt:
        fail("interrupted: nothing was written", 130)
    except Exception as exc:  # database down, etc.: say what and exit non-zero
        fail(f"{type(exc).__name__}: {exc}")
    finally:
        engine.dispose()


def _progress_factory(progress: Progress) -> Callable[[LoadRequest], Callable[[int, int], None]]:
    """Return a maker of COPY progress callbacks: a bar per layer, for large files only."""
    threshold = loader_settings().progress_min_features

    def make(req: LoadRequest) -> Callable[[int, int], None]:
        tasks: list[TaskID] = []

        def update(done: int, total: int) -> None:
            if total < threshold:
                return
            if not tasks:
                tasks.append(progress.add_task(f"{req.name}", total=total))
            progress.update(tasks[0], completed=done, total=total)

        return update

    return make


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )


def print_report(report: LoadReport) -> None:
    """Print what a load read, wrote, repaired and rejected."""
    out.print(
        f"[bold]{report.name}[/] v{report.version} ({report.kind}) from {report.source_file} "
        f"[{report.source_crs}]: read {report.read}, written {report.written}, "
        f"repaired {report.repaired}, rejected {len(report.rejected)} "
        f"in {report.seconds:.2f} s",
        highlight=False,
    )
    if report.field_map:
        out.print(
            "  fields: " + ", ".join(f"{k}={v}" for k, v in report.field_map.items()),
            highlight=False,
        )
    for rej in report.rejected[:20]:
        out.print(f"  rejected feature {rej['fid']}: {rej['reason']}", highlight=False)
    if len(report.rejected) > 20:
        out.print(f"  ... and {len(report.rejected) - 20} more rejections", highlight=False)


def print_rules(result: dict[str, Any]) -> None:
    """Print a loaded rule set's version and row counts."""
    counts = ", ".join(f"{k} {v}" for k, v in result["counts"].items())
    out.print(f"rules v{result['version']} from {result['folder']}: {counts}", highlight=False)


@db_app.command("upgrade")
def db_upgrade(
    create: Annotated[bool, typer.Option(help="create the database first if missing")] = True,
) -> None:
    """Create the database (if missing) and run the migrations to head."""
    url = database_settings().url
    try:
        if create and database.create_database(url):
            out.print("created database")
        database.upgrade(url)
    except Exception as exc:
        fail(f"cannot migrate the database: {exc}")
    out.print("database at head")


@db_app.command("drop")
def db_drop(yes: Annotated[bool, typer.Option("--yes", help="really drop it")] = False) -> None:
    """Drop the database (all layers and versions)."""
    if not yes:
        fail("refusing to drop the database without --yes", 2)
    database.drop_database(database_settings().url)
    out.print("dropped")


@layers_app.command("load")
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
    with transaction() as conn, _progress() as progress:
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
        report = load_layer(conn, req, _progress_factory(progress)(req))
    print_report(report)


@layers_app.command("list")
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


@layers_app.command("history")
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


@layers_app.command("drop")
def layers_drop(
    name: str, yes: Annotated[bool, typer.Option("--yes", help="really drop it")] = False
) -> None:
    """Drop a layer with all its versions."""
    if not yes:
        fail(f"refusing to drop layer {name!r} and all its versions without --yes", 2)
    with transaction() as conn:
        n = catalog.drop_layer(conn, name)
    out.print(f"dropped {name} ({n} versions)")


@region_app.command("load")
def region_load(
    pack: Annotated[Path, typer.Argument(help="region pack folder, e.g. layers/batang-demo")],
    only: Annotated[
        list[str] | None, typer.Option("--layer", help="load only these layers")
    ] = None,
    force: Annotated[bool, typer.Option(help="reload layers whose files did not change")] = False,
) -> None:
    """Load every layer of a region pack in one transaction (all or nothing)."""
    with transaction() as conn, _progress() as progress:
        result = load_region(conn, pack, only, _progress_factory(progress), force=force)
    for report in result.reports:
        print_report(report)
    if result.rules:
        print_rules(result.rules)
    out.print(f"region pack {pack}: {len(result.reports)} layers loaded (unchanged layers skipped)")


@region_app.command("check")
def region_check(pack: Path) -> None:
    """Validate a region pack's manifest without loading anything."""
    try:
        manifest = read_manifest(pack)
    except RtrwError as exc:
        fail(exc.message)
    out.print(f"{manifest.region.name} ({manifest.region.code}): {len(manifest.layers)} layers OK")


@demo_app.command("generate")
def demo_generate(
    out_dir: Annotated[Path, typer.Option("--out", help="where to write")] = DEMO_PACK / "data",
    seed: Annotated[int, typer.Option(help="random seed")] = 3325,
) -> None:
    """Write the synthetic Batang demo files (deterministic for a seed)."""
    from app.demo.generate import generate

    counts: dict[str, Any] = generate(out_dir, seed=seed)
    for name, n in counts.items():
        out.print(f"{name}: {n}")
    out.print(f"written to {out_dir}")


@rules_app.command("load")
def rules_load(
    pack: Annotated[Path, typer.Argument(help="region pack folder or its rules folder")],
) -> None:
    """Validate the pack's rule tables and load them as a new rule set (all or nothing)."""
    with transaction() as conn:
        result = rules.load_rules(conn, pack)
    print_rules(result)


@rules_app.command("check")
def rules_check(pack: Path) -> None:
    """Validate the rule tables without loading them."""
    try:
        tables = rules.read_rules(pack)
    except RtrwError as exc:
        fail(exc.message)
    out.print(f"rules in {tables.folder} OK: {tables.counts()}", highlight=False)


@zoning_app.command("check-file")
def zoning_check_file(
    src: Annotated[
        Path, typer.Argument(help="parcels: .csv (id,wkt|lon,lat,kbli), GeoJSON, GPKG, SHP")
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
        results = zoning.check_batch(conn, items, on)
    body, _ = batch_io.render(results, fmt or "json")
    dst.write_text(body, encoding="utf-8")
    errors = sum(1 for r in results if "error" in r)
    out.print(f"{len(results)} parcels checked, {errors} with errors: {dst}")


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    workers: Annotated[int, typer.Option()] = 1,
) -> None:
    """Run the API with uvicorn."""
    import uvicorn

    uvicorn.run("app.main:app", host=host, port=port, workers=workers, log_level="info")


if __name__ == "__main__":  # pragma: no cover
    app(prog_name="rtrw")
