"""Read a spreadsheet file as the grid of cells a person sees: a CSV, or the sheets of an xlsx.

- **CSV** (.csv, .txt): the encoding from its byte-order mark (UTF-8, UTF-16, UTF-32), else
  UTF-8, else Windows-1252 (an old Excel export); the delimiter (`,` `;` tab `|`) that splits
  the most of the first lines into one same number of columns (two or more; the wider on a
  tie), so neither a title line above the header nor `;` cells holding "T1,B1" decide it.
- **xlsx** (.xlsx, .xlsm): openpyxl, read-only, the values as last computed; a sheet by name,
  else every worksheet or the first. A percent-formatted number reads as the person sees it
  ("75%", not 0.75); a merged range holds its text in every cell it covers, so a merged
  header names every column under it.

Row i of a grid is the sheet's row i + 1, blank rows included: row numbers in messages are
the ones a spreadsheet shows.
"""

from __future__ import annotations

import codecs
import csv
import io
import posixpath
import re
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from app.errors import SourceFileError

CSV_SUFFIXES = (".csv", ".txt")
SUFFIXES = (*CSV_SUFFIXES, ".xlsx", ".xlsm")
DELIMITERS = (",", ";", "\t", "|")
MAX_CELL_CHARS = 16_000_000  # a budget's WKT of a long road: beyond csv's 128 KB default
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE, whose mark it starts with
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CHUNK = 1 << 20  # bytes of a sheet's XML scanned at a time for its merged ranges
_MERGE = re.compile(rb'<(?:[\w.-]+:)?mergeCell\b[^>]*?\bref="([A-Za-z]+\d+(?::[A-Za-z]+\d+)?)"')


@dataclass
class Grid:
    """The cells of one sheet (or of a CSV), every row as wide as the widest."""

    file: str
    sheet: str | None  # None for a CSV
    cells: list[list[Any]]  # cells[i] is the sheet's row i + 1

    @property
    def width(self) -> int:
        """Return the number of columns."""
        return len(self.cells[0]) if self.cells else 0


def _padded(rows: list[list[Any]]) -> list[list[Any]]:
    width = max((len(r) for r in rows), default=0)
    return [r + [None] * (width - len(r)) for r in rows]


def _decode(data: bytes, name: str) -> str:
    """Return the text of a CSV: by its byte-order mark, else UTF-8, else Windows-1252."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise SourceFileError(
                    f"{name}: not readable as {encoding.upper()} as its byte-order mark says: "
                    f"{exc}",
                    message_id=f"{name}: tidak terbaca sebagai {encoding.upper()} seperti kata "
                    f"penanda urutan bita berkasnya: {exc}",
                ) from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:  # five bytes cp1252 leaves undefined; latin-1 decodes anything
        return data.decode("latin-1")


def sniff_delimiter(body: str) -> str:
    """Return the delimiter of a CSV text (see the module's rule); "," when none splits."""
    lines = [ln for ln in body[:65536].splitlines()[:60] if ln.strip()]
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        widths = Counter(len(r) for r in csv.reader(lines, delimiter=delimiter) if len(r) > 1)
        if not widths:
            continue
        width, count = max(widths.items(), key=lambda wc: (wc[1], wc[0]))
        if (count, width) > best_score:
            best, best_score = delimiter, (count, width)
    return best


def _csv_grid(data: bytes, name: str) -> Grid:
    body = _decode(data, name)
    csv.field_size_limit(max(csv.field_size_limit(), MAX_CELL_CHARS))
    try:
        stream = io.StringIO(body, newline="")
        rows = [list(r) for r in csv.reader(stream, delimiter=sniff_delimiter(body))]
    except csv.Error as exc:  # a "field" beyond the limit: not a spreadsheet
        raise SourceFileError(
            f"{name}: cannot read the CSV: {exc}",
            message_id=f"{name}: CSV tidak dapat dibaca: {exc}",
        ) from exc
    return Grid(name, None, _padded(rows))


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attr(el: ElementTree.Element, name: str) -> str:
    return next((v for k, v in el.attrib.items() if _local(k) == name), "")


def _relations(archive: zipfile.ZipFile, path: str) -> dict[str, tuple[str, str]]:
    """Return {id: (type, target)} of a relationships part."""
    root = ElementTree.fromstring(archive.read(path))
    return {_attr(e, "Id"): (_attr(e, "Type"), _attr(e, "Target")) for e in root}


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Return {sheet name: the path of its XML in the archive} of a workbook."""
    package = _relations(archive, "_rels/.rels").values()
    book = next((t for k, t in package if k.endswith("/officeDocument")), "xl/workbook.xml")
    book = book.lstrip("/")
    folder = posixpath.dirname(book)
    rels = _relations(archive, posixpath.join(folder, "_rels", posixpath.basename(book) + ".rels"))
    out: dict[str, str] = {}
    for el in ElementTree.fromstring(archive.read(book)).iter():
        if _local(el.tag) == "sheet" and _attr(el, "id") in rels:
            target = rels[_attr(el, "id")][1]
            out[_attr(el, "name")] = (
                target.lstrip("/")
                if target.startswith("/")
                else posixpath.normpath(posixpath.join(folder, target))
            )
    return out


def _merged(archive: zipfile.ZipFile, part: str | None) -> list[tuple[int, int, int, int]]:
    """Return the merged ranges of a sheet's XML as (min_col, min_row, max_col, max_row)."""
    from openpyxl.utils.cell import range_boundaries

    if part is None or part not in archive.namelist():
        return []
    refs: set[bytes] = set()
    with archive.open(part) as fh:  # streamed: a sheet's XML may be large
        tail = b""
        while chunk := fh.read(_CHUNK):
            block = tail + chunk
            refs.update(_MERGE.findall(block))  # a tag cut by the chunk is found whole next time
            tail = block[-512:]
    return [range_boundaries(ref.decode()) for ref in refs]


def _sheet_cells(ws: Any, merged: list[tuple[int, int, int, int]]) -> list[list[Any]]:
    ws.reset_dimensions()  # a writer's wrong <dimension> must not cut rows off
    rows: list[list[Any]] = []
    for row in ws.iter_rows():
        cells: list[Any] = []
        for c in row:
            v = c.value
            # a percent-formatted cell holds 0.75 for 75%: keep what the reader sees
            number = isinstance(v, int | float) and not isinstance(v, bool)
            if number and "%" in (c.number_format or ""):
                v = f"{round(v * 100, 6)}%"
            cells.append(v)
        rows.append(cells)
    height = max([len(rows)] + [r[3] for r in merged])
    rows += [[] for _ in range(height - len(rows))]
    width = max([len(r) for r in rows] + [r[2] for r in merged], default=0)
    grid = [r + [None] * (width - len(r)) for r in rows]
    for min_col, min_row, max_col, max_row in merged:
        top = grid[min_row - 1][min_col - 1]
        for r in range(min_row - 1, max_row):
            for c in range(min_col - 1, max_col):
                grid[r][c] = top
    return grid


def _xlsx_grids(data: bytes, name: str, sheet: str | None, first: bool) -> list[Grid]:
    import openpyxl  # loaded only when a workbook is read

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = _sheet_parts(archive)
    except Exception as exc:  # not a workbook, truncated, encrypted: say so, not a traceback
        raise SourceFileError(
            f"{name}: cannot read the workbook: {exc}",
            message_id=f"{name}: buku kerja tidak dapat dibaca: {exc}",
        ) from exc
    try:
        with archive:
            titles = [ws.title for ws in book.worksheets]
            if not titles or (sheet is not None and sheet not in titles):
                names = ", ".join(titles)
                raise SourceFileError(
                    f"{name} has no sheet {sheet!r}; its sheets: {names}"
                    if titles
                    else f"{name} has no worksheet",
                    message_id=f"{name} tidak memiliki lembar {sheet!r}; lembarnya: {names}"
                    if titles
                    else f"{name} tidak memiliki lembar kerja",
                )
            chosen = [sheet] if sheet is not None else titles[:1] if first else titles
            return [
                Grid(name, title, _sheet_cells(book[title], _merged(archive, parts.get(title))))
                for title in chosen
            ]
    finally:
        book.close()


def _read(source: Path | bytes, filename: str | None, sheet: str | None, first: bool) -> list[Grid]:
    if isinstance(source, Path):
        name = filename or source.name
        if not source.is_file():
            raise SourceFileError(f"{name} not found", message_id=f"{name} tidak ditemukan")
        suffix = Path(name).suffix.lower() or source.suffix.lower()
    else:
        name = filename or "upload"
        suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise SourceFileError(
            f"{name}: read .csv or .xlsx files, not {suffix or 'this'}",
            message_id=f"{name}: hanya berkas .csv atau .xlsx yang dapat dibaca, bukan "
            f"{suffix or 'ini'}",
        )
    data = source.read_bytes() if isinstance(source, Path) else source
    if suffix in CSV_SUFFIXES:
        if sheet is not None:
            raise SourceFileError(
                f"--sheet applies to .xlsx files; {name} is a CSV",
                message_id=f"--sheet hanya untuk berkas .xlsx; {name} adalah CSV",
            )
        return [_csv_grid(data, name)]
    return _xlsx_grids(data, name, sheet, first)


def read_sheets(
    source: Path | bytes, filename: str | None = None, sheet: str | None = None
) -> list[Grid]:
    """Return the grids of a file: a CSV's one, or the named sheet or every worksheet of an
    .xlsx; SourceFileError when missing, of another kind, unreadable or without that sheet.

    `filename` names the file in messages (and gives the suffix of bytes or an upload).
    """
    return _read(source, filename, sheet, first=False)


def read_grid(source: Path | bytes, filename: str | None = None, sheet: str | None = None) -> Grid:
    """Return the grid of a CSV, or of the named (else the first) sheet of an .xlsx."""
    return _read(source, filename, sheet, first=True)[0]
