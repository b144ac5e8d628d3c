"""Read a budget spreadsheet (.csv, .xlsx) as published: title rows, merged cells and all.

The header row is found by its content (the row naming the most known headers, or every
--map source), never by position; merged cells hold their text in every cell they cover; a
two-row header (a merged "Lokasi" over "Desa" and "Koordinat") takes the lower row's names;
a row of column numbers (1, 2, 3, ...) under the header and blank rows are skipped.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.errors import FieldMappingError, SourceFileError
from app.services.projects.fields import KNOWN, header_key, known_count
from app.services.projects.values import is_blank

HEADER_SCAN_ROWS = 40
SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")


@dataclass
class Sheet:
    """The rows of one sheet under its header: (line, cells) with line the sheet's row number."""

    file: str
    sheet: str | None
    header_row: int
    header: list[str]
    rows: list[tuple[int, list[Any]]]
    skipped: list[tuple[int, str]] = field(default_factory=list)  # line, why


def _csv_grid(data: bytes) -> list[list[Any]]:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            body = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes nearly anything; latin-1 everything
        body = data.decode("latin-1")
    # the delimiter that splits the first lines into the most columns (median over the lines,
    # so a title line above the header does not decide, as it does for csv.Sniffer)
    lines = [ln for ln in body[:65536].splitlines()[:60] if ln.strip()]
    best, best_width = ",", 0
    for delimiter in (",", ";", "\t", "|"):
        widths = sorted(len(r) for r in csv.reader(lines, delimiter=delimiter))
        width = widths[len(widths) // 2] if widths else 0
        if width > best_width:
            best, best_width = delimiter, width
    return [list(r) for r in csv.reader(io.StringIO(body, newline=""), delimiter=best)]


def _xlsx_grids(path: Path, sheet: str | None) -> list[tuple[str, list[list[Any]]]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:  # a broken or mis-named workbook: say so, not a traceback
        raise SourceFileError(
            f"{path.name}: cannot read the workbook: {exc}",
            message_id=f"{path.name}: buku kerja tidak dapat dibaca: {exc}",
        ) from exc
    if sheet is not None and sheet not in book.sheetnames:
        names = ", ".join(book.sheetnames)
        raise SourceFileError(
            f"{path.name} has no sheet {sheet!r}; its sheets: {names}",
            message_id=f"{path.name} tidak memiliki lembar {sheet!r}; lembarnya: {names}",
        )
    out = []
    for ws in [book[sheet]] if sheet is not None else book.worksheets:
        grid: list[list[Any]] = []
        for row in ws.iter_rows():
            cells: list[Any] = []
            for c in row:
                v = c.value
                # a percent-formatted cell holds 0.75 for 75%: keep what the reader sees
                if isinstance(v, int | float) and not isinstance(v, bool):
                    fmt = c.number_format or ""
                    if "%" in fmt:
                        v = f"{round(v * 100, 6)}%"
                cells.append(v)
            grid.append(cells)
        for rng in ws.merged_cells.ranges:  # a merged cell holds its text in every cell
            top = grid[rng.min_row - 1][rng.min_col - 1]
            for r in range(rng.min_row - 1, min(rng.max_row, len(grid))):
                for c in range(rng.min_col - 1, min(rng.max_col, len(grid[r]))):
                    grid[r][c] = top
        out.append((ws.title, grid))
    return out


def _is_numbering(row: list[Any]) -> bool:
    nums = []
    for v in row:
        if is_blank(v):
            continue
        m = re.fullmatch(r"\(?(\d{1,3})\)?", str(v).strip().removesuffix(".0"))
        if not m:
            return False
        nums.append(int(m.group(1)))
    return len(nums) >= 3 and all(b == a + 1 for a, b in zip(nums, nums[1:], strict=False))


def _header_score(row: list[Any], wanted: set[str]) -> int:
    keys = {header_key(v) for v in row}
    return known_count(row) + 10 * len(wanted & keys)


def _find_header(grid: list[list[Any]], wanted: set[str]) -> tuple[int, int]:
    """Return (row index, score) of the most header-like row among the first rows."""
    best, best_score = -1, 0
    for i, row in enumerate(grid[:HEADER_SCAN_ROWS]):
        score = _header_score(row, wanted)
        if score > best_score:
            best, best_score = i, score
    return best, best_score


def read_sheet(
    path: Path,
    sheet: str | None = None,
    mapping: Mapping[str, str] | None = None,
    filename: str | None = None,
) -> Sheet:
    """Return the header and data rows of a .csv or .xlsx budget file; SourceFileError if bad."""
    name = filename or path.name
    if not path.is_file():
        raise SourceFileError(f"{name} not found", message_id=f"Berkas {name} tidak ditemukan")
    suffix = Path(name).suffix.lower() or path.suffix.lower()
    if suffix not in SUFFIXES:
        raise SourceFileError(
            f"{name}: read .csv or .xlsx files, not {suffix or 'this'}",
            message_id=f"{name}: hanya berkas .csv atau .xlsx yang dapat dibaca, bukan "
            f"{suffix or 'ini'}",
        )
    if suffix in (".csv", ".txt"):
        if sheet is not None:
            raise SourceFileError(
                f"--sheet applies to .xlsx files; {name} is a CSV",
                message_id=f"--sheet hanya untuk berkas .xlsx; {name} adalah CSV",
            )
        grids: list[tuple[str | None, list[list[Any]]]] = [(None, _csv_grid(path.read_bytes()))]
    else:
        grids = list(_xlsx_grids(path, sheet))
    wanted = {header_key(v) for v in (mapping or {}).values()}
    found = [(sheet_name, grid, *_find_header(grid, wanted)) for sheet_name, grid in grids]
    sheet_name, grid, h, score = max(found, key=lambda f: f[3])
    if h < 0 or score < 2:
        raise FieldMappingError(
            f"{name}: no header row found in the first {HEADER_SCAN_ROWS} rows (a row naming "
            "columns such as Nama Paket, Pagu, Lokasi; or name them with --map)",
            message_id=f"{name}: baris judul kolom tidak ditemukan pada {HEADER_SCAN_ROWS} baris "
            "pertama (baris yang memuat kolom seperti Nama Paket, Pagu, Lokasi; atau sebutkan "
            "dengan --map)",
        )
    width = max(len(r) for r in grid)
    grid = [list(r) + [None] * (width - len(r)) for r in grid]
    header = ["" if is_blank(v) else str(v).strip() for v in grid[h]]
    start = h + 1
    # a two-row header: where the upper cell is blank or repeats its neighbour (merged), a known
    # name in the row below is the column's name
    if start < len(grid):
        below = grid[start]
        merged = [
            j
            for j, v in enumerate(below)
            if header_key(v) in KNOWN
            and (
                not header[j]
                or (j > 0 and header[j] == header[j - 1])
                or (j + 1 < width and header[j] == header[j + 1])
            )
        ]
        if merged and known_count(below) >= 1 and _header_score(below, wanted) >= len(merged):
            for j in merged:
                header[j] = str(below[j]).strip()
            start += 1
    sheet_rows: list[tuple[int, list[Any]]] = []
    skipped: list[tuple[int, str]] = []
    for i in range(start, len(grid)):
        row = grid[i]
        if all(is_blank(v) for v in row):
            continue
        if _is_numbering(row) and not sheet_rows:
            skipped.append((i + 1, "column numbers"))
            continue
        sheet_rows.append((i + 1, row))
    return Sheet(name, sheet_name, h + 1, header, sheet_rows, skipped)
