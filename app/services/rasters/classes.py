"""The class table of a categorical raster: classes.csv (value, name_id, name_en, color)."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

from app.errors import LoadError
from app.services.rasters.records import RasterClass

COLUMNS = ("value", "name_id", "name_en", "color")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _bad(path: Path, line: int, why: str, why_id: str) -> LoadError:
    return LoadError(
        f"{path.name} line {line}: {why}",
        message_id=f"{path.name} baris {line}: {why_id}",
    )


def read_classes(path: Path) -> tuple[RasterClass, ...]:
    """Return the classes of a classes.csv, sorted by value; LoadError naming the bad line."""
    if not path.is_file():
        raise LoadError(
            f"class table {path} does not exist",
            message_id=f"Tabel kelas {path} tidak ada",
        )
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise LoadError(
            f"class table {path.name} cannot be read as UTF-8 text: {exc}",
            message_id=f"Tabel kelas {path.name} tidak dapat dibaca sebagai teks UTF-8: {exc}",
        ) from exc
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise LoadError(
            f"class table {path.name} lacks the column(s) {', '.join(missing)} "
            f"(it needs {', '.join(COLUMNS)})",
            message_id=f"Tabel kelas {path.name} tidak memiliki kolom {', '.join(missing)} "
            f"(kolom wajib: {', '.join(COLUMNS)})",
        )
    classes: dict[int, RasterClass] = {}
    for line, row in enumerate(reader, start=2):
        cells = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
        if not any(cells.values()):
            continue
        raw = cells["value"]
        try:
            value = int(raw)
        except ValueError:
            raise _bad(
                path,
                line,
                f"value {raw!r} is not a whole number",
                f"nilai {raw!r} bukan bilangan bulat",
            ) from None
        for col in ("name_id", "name_en"):
            if not cells[col]:
                raise _bad(path, line, f"{col} is empty", f"{col} kosong")
        color = cells["color"]
        if not _COLOR.match(color):
            raise _bad(
                path,
                line,
                f"color {color!r} is not #rrggbb",
                f"warna {color!r} bukan #rrggbb",
            )
        if value in classes:
            raise _bad(
                path, line, f"value {value} is listed twice", f"nilai {value} tercantum dua kali"
            )
        classes[value] = RasterClass(value, cells["name_id"], cells["name_en"], color.lower())
    if not classes:
        raise LoadError(
            f"class table {path.name} has no classes",
            message_id=f"Tabel kelas {path.name} tidak memuat kelas apa pun",
        )
    return tuple(classes[v] for v in sorted(classes))


def classes_json(classes: tuple[RasterClass, ...]) -> list[dict[str, Any]]:
    """Return the classes as JSON objects (the raster_version.classes column)."""
    return [
        {"value": c.value, "name_id": c.name_id, "name_en": c.name_en, "color": c.color}
        for c in classes
    ]


def classes_from_json(rows: list[dict[str, Any]] | None) -> tuple[RasterClass, ...]:
    """Return the classes stored in raster_version.classes."""
    return tuple(
        RasterClass(int(r["value"]), r["name_id"], r["name_en"], r["color"]) for r in rows or []
    )
