"""Every error the services raise says it wholly in each language (issue 16, item 10).

A raise site without `message_id` gets the code's Indonesian sentence around the English
message ("Lapisan ... tidak ditemukan (no layer named 'x')"): this scan keeps new ones out.
"""

from __future__ import annotations

import ast
from pathlib import Path

import app.errors as errors

APP = Path(__file__).resolve().parents[1] / "app"
ERRORS = {
    name
    for name, value in vars(errors).items()
    if isinstance(value, type) and issubclass(value, errors.RtrwError)
}


def constructions(path: Path) -> list[tuple[int, str, bool]]:
    """Return (line, class, has message_id) for each call of an RtrwError class in a file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name in ERRORS and node.args:  # `type(exc)(text, **exc.extra)` passes it on
            keys = {k.arg for k in node.keywords}
            found.append((node.lineno, name, "message_id" in keys or None in keys))
    return found


def test_every_raise_site_gives_the_indonesian_message() -> None:
    missing = [
        f"{path.relative_to(APP.parent)}:{line}: {name}"
        for path in sorted(APP.rglob("*.py"))
        for line, name, ok in constructions(path)
        if not ok
    ]
    assert not missing, "errors without message_id:\n" + "\n".join(missing)


def test_the_scan_sees_raise_sites() -> None:
    sites = [c for path in APP.rglob("*.py") for c in constructions(path)]
    assert len(sites) > 100
