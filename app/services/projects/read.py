"""Find the table of a budget spreadsheet (.csv, .xlsx) as published: title rows, merged cells.

The file is read by app/services/sheets. The header row is the row naming the most known
headers (or every --map source) among the first rows of every sheet; a two-row header (a
merged "Lokasi" over "Desa" and "Koordinat") takes the lower row's names.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from app.errors import FieldMappingError
from app.services.projects.fields import KNOWN, known_count
from app.services.sheets import Table, find_header, header_key, header_names, read_sheets, table

HEADER_SCAN_ROWS = 40


def _header_score(row: list[Any], wanted: set[str]) -> int:
    keys = {header_key(v) for v in row}
    return known_count(row) + 10 * len(wanted & keys)


def read_sheet(
    path: Path,
    sheet: str | None = None,
    mapping: Mapping[str, str] | None = None,
    filename: str | None = None,
) -> Table:
    """Return the header and data rows of a .csv or .xlsx budget file; SourceFileError if bad."""
    grids = read_sheets(path, filename, sheet)
    name = grids[0].file
    wanted = {header_key(v) for v in (mapping or {}).values()}

    def score(row: list[Any]) -> int:
        return _header_score(row, wanted)

    found = [(grid, *find_header(grid, score, HEADER_SCAN_ROWS)) for grid in grids]
    grid, h, best = max(found, key=lambda f: f[2])
    if h < 0 or best < 2:
        raise FieldMappingError(
            f"{name}: no header row found in the first {HEADER_SCAN_ROWS} rows (a row naming "
            "columns such as Nama Paket, Pagu, Lokasi; or name them with --map)",
            message_id=f"{name}: baris judul kolom tidak ditemukan pada {HEADER_SCAN_ROWS} baris "
            "pertama (baris yang memuat kolom seperti Nama Paket, Pagu, Lokasi; atau sebutkan "
            "dengan --map)",
        )
    header = header_names(grid.cells[h])
    start = h + 1
    # a two-row header: where the upper cell is blank or repeats its neighbour (merged), a known
    # name in the row below is the column's name
    if start < len(grid.cells):
        below = grid.cells[start]
        merged = [
            j
            for j, v in enumerate(below)
            if header_key(v) in KNOWN
            and (
                not header[j]
                or (j > 0 and header[j] == header[j - 1])
                or (j + 1 < grid.width and header[j] == header[j + 1])
            )
        ]
        if merged and known_count(below) >= 1 and score(below) >= len(merged):
            for j in merged:
                header[j] = header_names(below)[j]
            start += 1
    return table(grid, h, header, start)
