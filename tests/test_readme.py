"""The README's runnable shell blocks work as written (so the README cannot drift again).

A fenced block right after a line `<!-- runnable ... -->` is run with bash (-euo pipefail),
in order, in a working copy laid out like the repository (`.venv`, `layers/batang-demo` with
its generated data), on a throw-away database prepared as `scripts/serve.sh` prepares the
demo's (migrated, demo pack loaded): the state the README's reader is in. Blocks that need
apt, a running server or files of the reader's own are not marked.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.db import make_engine
from app.services import database
from app.services.regions.packs import load_region_if_empty
from app.settings import DatabaseSettings

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
MARKER = re.compile(r"^<!--\s*runnable\b.*-->\s*$")
FENCE = re.compile(r"^```(bash|sh)\s*$")
TIME_LIMIT_S = 120  # the whole run; about 40 s on an idle two-core machine


def runnable_blocks(markdown: str) -> list[tuple[int, str]]:
    """Return (line number, script) of every fenced bash/sh block right after the marker."""
    lines = markdown.splitlines()
    blocks = []
    for i, line in enumerate(lines):
        if not MARKER.match(line.strip()):
            continue
        if i + 1 >= len(lines) or not FENCE.match(lines[i + 1].strip()):
            raise AssertionError(f"README.md:{i + 1}: the runnable marker is not before a block")
        end = next(j for j in range(i + 2, len(lines)) if lines[j].strip() == "```")
        blocks.append((i + 3, "\n".join(lines[i + 2 : end])))
    return blocks


def test_the_marker_is_found() -> None:
    sample = "x\n<!-- runnable -->\n```bash\necho 1\n```\n```bash\nno\n```\n"
    assert runnable_blocks(sample) == [(4, "echo 1")]  # the line of `echo 1`
    blocks = runnable_blocks(README.read_text(encoding="utf-8"))
    assert any("layers load" in script for _, script in blocks)
    runs = re.compile(r"^\s*(scripts/serve\.sh|sudo|apt(-get)?)\b", re.MULTILINE)
    assert not any(runs.search(script) for _, script in blocks)  # nothing CI cannot run


@pytest.fixture
def scratch(demo_pack: Path, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A migrated throw-away database holding the demo pack, and a working copy of the repo."""
    base = os.environ.get("RTRW_TEST_DATABASE_URL") or DatabaseSettings().url
    url = make_url(base).set(database=f"rtrw_readme_{uuid.uuid4().hex[:10]}")
    url_text = url.render_as_string(hide_password=False)
    work = tmp_path / "repo"
    pack = work / "layers" / "batang-demo"
    pack.mkdir(parents=True)
    (work / ".venv").symlink_to(ROOT / ".venv")
    for name in ("region.toml", "rules", "data"):
        (pack / name).symlink_to(demo_pack / name)
    (pack / "source").symlink_to(ROOT / "layers" / "batang-demo" / "source")
    database.create_database(url_text)
    try:
        database.upgrade(url_text)
        engine = make_engine(url=url_text)
        try:
            with engine.begin() as conn:  # what `rtrw demo setup` (scripts/serve.sh) does
                assert load_region_if_empty(conn, pack) is not None
        finally:
            engine.dispose()
        yield url_text, work
    finally:
        database.drop_database(url_text)


@pytest.mark.slow
def test_runnable_blocks_run(scratch: tuple[str, Path]) -> None:
    url, work = scratch
    env = {
        **os.environ,
        "RTRW_DATABASE_URL": url,
        "PATH": f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONPATH": str(ROOT),  # the code of this tree, whatever the venv was installed from
        "COLUMNS": "200",
    }
    start = time.perf_counter()
    for line, script in runnable_blocks(README.read_text(encoding="utf-8")):
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            cwd=work, env=env, capture_output=True, text=True, timeout=TIME_LIMIT_S,
        )  # fmt: skip
        assert done.returncode == 0, (
            f"README.md:{line}: the block failed ({done.returncode}):\n{script}\n"
            f"--- stdout\n{done.stdout[-3000:]}\n--- stderr\n{done.stderr[-3000:]}"
        )
    assert time.perf_counter() - start < TIME_LIMIT_S
    # The loads landed in the database the service serves (`rtrw demo url`), as new versions.
    engine = make_engine(url=url)
    try:
        with engine.connect() as conn:
            current = dict(
                conn.execute(
                    text(
                        "SELECT l.name, v.source_file FROM layer l "
                        "JOIN layer_version v ON v.id = l.current_version_id"
                    )
                ).all()
            )
            keys = conn.execute(text("SELECT name, revoked_at IS NOT NULL FROM api_key")).all()
    finally:
        engine.dispose()
    assert current["desa"] == "batas_desa_batang.geojson"
    assert current["pola_ruang"] == "pola_ruang.gpkg" and current["lp2b"] == "lp2b.geojson"
    assert [tuple(k) for k in keys] == [("bappeda-ana", True)]  # created, then revoked
