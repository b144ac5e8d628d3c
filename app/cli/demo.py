"""`rtrw demo`: the synthetic Batang demo region."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from app.cli.common import (
    DEMO_PACK,
    out,
)

app = typer.Typer(help="The synthetic Batang demo region.", no_args_is_help=True)


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
