"""The `rtrw` command line: one Typer app, one module per command group."""

from __future__ import annotations

from typing import Annotated

import typer

from app.cli import db, demo, layers, ppid, projects, rasters, region, rules, users, zoning

app = typer.Typer(
    help="RTRW spatial-planning service: load layers and region packs, serve the API.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db.app, name="db")
app.add_typer(layers.app, name="layers")
app.add_typer(region.app, name="region")
app.add_typer(rasters.app, name="rasters")
app.add_typer(demo.app, name="demo")
app.add_typer(rules.app, name="rules")
app.add_typer(zoning.app, name="zoning")
app.add_typer(users.app, name="users")
app.add_typer(projects.app, name="projects")
app.add_typer(ppid.app, name="ppid")


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    workers: Annotated[int, typer.Option()] = 1,
) -> None:
    """Run the API with uvicorn (after checking every RTRW_* setting)."""
    import uvicorn

    from app.cli.common import fail
    from app.settings import InvalidSettings, load_settings

    try:
        load_settings()
    except InvalidSettings as exc:
        fail(str(exc), 2)
    uvicorn.run("app.main:app", host=host, port=port, workers=workers, log_level="info")


if __name__ == "__main__":  # pragma: no cover
    app(prog_name="rtrw")
