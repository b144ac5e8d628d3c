"""What every command group shares: output consoles, errors, transactions, progress, reports."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from sqlalchemy import Connection

from app.db import make_engine
from app.errors import RtrwError
from app.services.catalog.ingest import LoadReport, LoadRequest
from app.settings import loader_settings

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
DEMO_PACK = Path(__file__).resolve().parents[2] / "layers" / "batang-demo"

# Options every `load` of a named thing (a layer, a raster) takes.
LoadRegion = Annotated[
    str | None,
    typer.Option(
        "--region", help="the region's Kemendagri code, e.g. 33.25 (default: the only one)"
    ),
]
SourceCrs = Annotated[
    str | None,
    typer.Option("--source-crs", help="e.g. EPSG:32749, when the file has no or a wrong CRS"),
]
Title = Annotated[str | None, typer.Option(help="human title (Bahasa Indonesia)")]
Licence = Annotated[str | None, typer.Option(help="licence / provenance text")]


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


def progress_factory(progress: Progress) -> Callable[[LoadRequest], Callable[[int, int], None]]:
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


def progress_bar() -> Progress:
    """Return the progress display of a load (description, bar, count, time)."""
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
    if report.plan:
        oss = ", integrated in OSS" if report.oss_integrated else ""
        out.print(f"  plan: {report.plan}{oss}", highlight=False)
    for note in report.notes:
        out.print(f"  note: {note}", highlight=False)
    warned = {w["message"] for w in report.warnings}
    if report.edge and report.edge["message"] not in warned:  # within the allowed share
        out.print(f"  edge: {escape(report.edge['message'])}", highlight=False)
    for warning in report.warnings:
        print_warning(warning)
    for rej in report.rejected[:20]:
        out.print(f"  rejected feature {rej['fid']}: {rej['reason']}", highlight=False)
    if len(report.rejected) > 20:
        out.print(f"  ... and {len(report.rejected) - 20} more rejections", highlight=False)


def print_warning(warning: dict[str, Any]) -> None:
    """Print one load or pack warning (English) with its examples."""
    out.print(f"  [yellow]warning[/]: {escape(warning['message'])}", highlight=False)
    if warning["code"] == "desa_kecamatan_mismatch":
        for ex in warning.get("examples", []):
            out.print(
                f"    desa {ex['desa']}: kecamatan {ex['kecamatan_by_code']} by its code, "
                f"{ex['kecamatan_polygon']} by the polygon under it",
                highlight=False,
            )


def print_rules(result: dict[str, Any]) -> None:
    """Print a loaded rule set's version and row counts."""
    counts = ", ".join(f"{k} {v}" for k, v in result["counts"].items())
    out.print(f"rules v{result['version']} from {result['folder']}: {counts}", highlight=False)
