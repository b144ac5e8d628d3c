"""Errors without the web: the services, the CLI and every `rtrw` command but `serve` run
without FastAPI, Starlette or uvicorn in sys.modules (each checked in a fresh interpreter)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.edges_fixture import write_pack, write_zoning

pytestmark = pytest.mark.slow  # fresh interpreters

ROOT = Path(__file__).resolve().parents[1]
WEB = ("fastapi", "starlette", "uvicorn")

# Prints the web modules loaded by the time the interpreter exits, whatever the code did.
PROBE = f"""
import atexit, json, sys
atexit.register(lambda: print("WEB=" + json.dumps(sorted(
    m for m in sys.modules if m.split(".")[0] in {WEB!r})), file=sys.stderr))
"""

# Imports every module under app.services and app.cli, and every module app/cli imports
# inside a function (what a command loads when it runs), then says how many it imported.
IMPORT_ALL = """
import importlib, pkgutil, sys
import app.services, app.cli
names = sys.argv[1:]
for pkg in (app.services, app.cli):
    names += [m.name for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + ".")]
for name in names:
    importlib.import_module(name)
print(len(names))
"""


def _python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Return the finished run of `code` under PROBE in a fresh interpreter."""
    return subprocess.run(
        [sys.executable, "-c", PROBE + code, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _web(run: subprocess.CompletedProcess[str]) -> list[str]:
    """Return the web modules PROBE saw loaded."""
    line = next(x for x in run.stderr.splitlines() if x.startswith("WEB="))
    return json.loads(line.removeprefix("WEB="))


def _lazy_cli_imports() -> list[str]:
    """Return the app modules app/cli imports inside functions, except in `rtrw serve`."""
    found: set[str] = set()
    for path in (ROOT / "app" / "cli").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for fn in ast.walk(tree):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef) or fn.name == "serve":
                continue
            for node in ast.walk(fn):
                if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    found.add(node.module)
                elif isinstance(node, ast.Import):
                    found.update(a.name for a in node.names)
    return sorted(m for m in found if m.split(".")[0] == "app")


def test_the_probe_sees_the_web() -> None:
    run = _python("import app.api.errors")
    assert run.returncode == 0, run.stderr
    assert {"fastapi", "starlette"} <= {m.split(".")[0] for m in _web(run)}


def test_services_and_cli_import_without_the_web() -> None:
    lazy = _lazy_cli_imports()
    assert "app.demo.generate" in lazy  # the lazy imports are found
    run = _python(IMPORT_ALL, *lazy)
    assert run.returncode == 0, run.stderr
    assert int(run.stdout.strip()) > 80  # every module was imported
    assert _web(run) == []


def _rtrw(*args: str) -> subprocess.CompletedProcess[str]:
    """Return the finished run of `rtrw *args` in a fresh interpreter under PROBE."""
    return _python("from app.cli import app\napp(prog_name='rtrw')", *args)


def test_rtrw_commands_run_without_the_web(cli_env: str, tmp_path: Path) -> None:
    pack = write_pack(tmp_path, layers='\n[[layers]]\nname = "zona"\nkind = "zoning"\n'
                      'file = "data/inside.gpkg"\n')  # fmt: skip
    write_zoning(pack / "data")
    runs = {
        "help": _rtrw("--help"),
        "layers list": _rtrw("layers", "list", "--json"),
        "region check": _rtrw("region", "check", str(pack)),
    }
    for name, run in runs.items():
        assert run.returncode == 0, f"{name}: {run.stdout}{run.stderr}"
        assert _web(run) == [], name
    assert "Commands" in runs["help"].stdout
    assert isinstance(json.loads(runs["layers list"].stdout), list)
    assert "2 layers" in runs["region check"].stdout
