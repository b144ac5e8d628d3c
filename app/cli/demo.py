"""`rtrw demo`: the synthetic Batang demo region and the database it is served from."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy.engine import make_url

from app.cli.common import (
    DEMO_PACK,
    fail,
    out,
    print_report,
    print_rules,
)
from app.cli.layers import who
from app.db import make_engine
from app.errors import RtrwError
from app.services import database
from app.services.catalog.manifest import pack_dir, read_manifest
from app.services.regions.packs import RegionResult, data_files, load_region_if_empty
from app.settings import database_settings

app = typer.Typer(help="The synthetic Batang demo region.", no_args_is_help=True)

# The demo gets a database of its own on the configured server unless RTRW_DATABASE_URL names
# one, so serving the demo never touches the database a user loads their own layers into.
DEMO_DATABASE = "rtrw_demo"


def demo_database_url() -> str:
    """Return RTRW_DATABASE_URL when it is set, else the `rtrw_demo` database of the default."""
    settings = database_settings()
    if "url" in settings.model_fields_set:
        return settings.url
    return make_url(settings.url).set(database=DEMO_DATABASE).render_as_string(hide_password=False)


@app.command("generate")
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


@app.command("url")
def demo_url() -> None:
    """Print the URL of the database the demo is served from (for RTRW_DATABASE_URL)."""
    typer.echo(demo_database_url())


@app.command("setup")
def demo_setup(
    pack: Annotated[Path, typer.Option(help="the demo region pack")] = DEMO_PACK,
    regenerate: Annotated[bool, typer.Option(help="write the demo files even if present")] = False,
) -> None:
    """Make the demo database ready to serve, never over a user's data.

    Creates and migrates the demo database (see `rtrw demo url`), writes the demo files when
    they are missing, and loads the demo pack only into an empty catalog: a database that
    holds any layer or rule set is left as it is.
    """
    url = demo_database_url()
    shown = make_url(url).render_as_string(hide_password=True)
    try:
        if database.create_database(url):
            out.print(f"created database {shown}", highlight=False)
        database.upgrade(url)
    except Exception as exc:
        fail(f"cannot migrate {shown}: {exc}")
    try:
        manifest = read_manifest(pack)
    except RtrwError as exc:
        fail(exc.message)
    missing = [e.file for e in manifest.layers if not (pack_dir(pack) / e.file).exists()]
    missing += [p.name for p in data_files(pack, manifest) if not p.exists()]
    if regenerate or missing:
        from app.demo.generate import generate

        generate(pack_dir(pack) / "data")
        out.print(f"wrote the demo files to {pack_dir(pack) / 'data'}", highlight=False)
    result = _load_if_empty(url, pack)
    if result is None:
        out.print(
            f"{shown} already holds layers or rules: the demo pack was not loaded "
            "(load it yourself with `rtrw region load`)",
            highlight=False,
        )
        return
    for report in result.reports:
        print_report(report)
    if result.rules:
        print_rules(result.rules)
    out.print(f"demo pack loaded into {shown}", highlight=False)


def _load_if_empty(url: str, pack: Path) -> RegionResult | None:
    """Load the pack into the database at `url` if its catalog is empty; None if it is not."""
    engine = make_engine(url=url)
    try:
        with engine.begin() as conn:
            return load_region_if_empty(conn, pack, actor=who())
    except RtrwError as exc:
        fail(exc.message)
    finally:
        engine.dispose()
    return None  # unreachable: fail() exits
