"""Read a PPID table (.csv or .xlsx): find the header, map the columns, parse the values.

A value that does not parse raises `BadValue` with an English and an Indonesian reason; the
importer collects them per line, so a file is judged whole before anything is written.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from app.errors import FieldMappingError, SourceFileError

TARGETS = (
    "desa_code",
    "formed",
    "decree_no",
    "decree_date",
    "website",
    "info_count",
    "last_update",
)
REQUIRED = ("desa_code", "formed")
# The headers recognised without --map (compared case- and punctuation-insensitively).
HEADERS: dict[str, tuple[str, ...]] = {
    "desa_code": ("Kode Desa", "Kode Wilayah", "Kode Desa/Kelurahan", "Kode Kemendagri"),
    "formed": ("PPID", "PPID Terbentuk", "Status PPID", "PPID Desa", "Terbentuk"),
    "decree_no": ("No SK", "Nomor SK", "No. SK", "SK PPID", "Nomor SK PPID"),
    "decree_date": ("Tanggal SK", "Tgl SK", "Tgl. SK", "Tanggal SK PPID"),
    "website": ("Website", "Situs", "Situs Web", "Alamat Website", "Laman"),
    "info_count": ("Jumlah Informasi", "Informasi Publik", "Jumlah Informasi Publik"),
    "last_update": ("Pembaruan Terakhir", "Update Terakhir", "Terakhir Diperbarui"),
}
SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")
HEADER_SCAN_ROWS = 20
YES = frozenset({"ya", "y", "yes", "1", "true", "sudah", "ada", "terbentuk", "sudah terbentuk"})
NO = frozenset({"tidak", "no", "0", "false", "belum", "tidak ada", "belum terbentuk"})
BLANKS = frozenset({"", "-", "–", "—", "n/a", "na", "null", "none", "#n/a"})
_MONTHS = {
    "jan": 1, "januari": 1, "january": 1, "feb": 2, "februari": 2, "february": 2,
    "mar": 3, "maret": 3, "march": 3, "apr": 4, "april": 4, "mei": 5, "may": 5,
    "jun": 6, "juni": 6, "june": 6, "jul": 7, "juli": 7, "july": 7, "agu": 8, "agt": 8,
    "ags": 8, "agustus": 8, "aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9,
    "okt": 10, "oktober": 10, "oct": 10, "october": 10, "nov": 11, "nopember": 11,
    "november": 11, "des": 12, "desember": 12, "dec": 12, "december": 12,
}  # fmt: skip


class BadValue(ValueError):
    """A cell that does not parse: `en` and `id` say why."""

    def __init__(self, en: str, id_: str) -> None:
        super().__init__(en)
        self.en = en
        self.id = id_


@dataclass
class Table:
    """A PPID table: the column of each target, and the data rows as (line, cells)."""

    columns: dict[str, int]
    field_map: dict[str, str]  # target -> the header it was read from
    rows: list[tuple[int, list[Any]]]


def header_key(value: object) -> str:
    """Return a header compared loosely: lower case, letters and digits single-spaced."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", str(value or "").lower()).split())


def is_blank(value: object) -> bool:
    """Return True for an empty cell or a placeholder such as '-'."""
    return value is None or (isinstance(value, str) and value.strip().lower() in BLANKS)


def _grid(data: bytes, filename: str) -> list[list[Any]]:
    """Return the cells of a CSV (delimiter sniffed) or of the first sheet of a workbook."""
    suffix = Path(filename).suffix.lower()
    if suffix not in SUFFIXES:
        raise SourceFileError(
            f"{filename}: read .csv or .xlsx PPID tables, not {suffix or 'this'}",
            message_id=f"{filename}: baca tabel PPID .csv atau .xlsx, bukan {suffix or 'ini'}",
        )
    if suffix in (".csv", ".txt"):
        try:
            textual = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            textual = data.decode("cp1252", errors="replace")  # an old Excel export
        try:
            dialect: Any = csv.Sniffer().sniff(textual[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        return [list(r) for r in csv.reader(io.StringIO(textual), dialect)]
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), data_only=True, read_only=True)
    except Exception as exc:  # not a workbook, truncated, encrypted
        raise SourceFileError(
            f"{filename}: cannot read the workbook: {exc}",
            message_id=f"{filename}: buku kerja tidak dapat dibaca: {exc}",
        ) from exc
    try:
        return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


def _known(mapping: Mapping[str, str]) -> dict[str, str]:
    """Return {header key: target} of every recognised header and every --map source."""
    out = {header_key(h): target for target, names in HEADERS.items() for h in names}
    out.update({header_key(source): target for target, source in mapping.items()})
    return out


def check_mapping(mapping: Mapping[str, str]) -> dict[str, str]:
    """Return the --map entries if every target is known, else raise FieldMappingError."""
    unknown = sorted(set(mapping) - set(TARGETS))
    if unknown:
        raise FieldMappingError(
            f"--map names unknown target(s) {', '.join(unknown)}; targets are "
            + ", ".join(TARGETS),
            message_id=f"--map menyebut target yang tidak dikenal: {', '.join(unknown)}; "
            f"target yang ada: {', '.join(TARGETS)}",
        )
    return dict(mapping)


def read_table(data: bytes, filename: str, mapping: Mapping[str, str] | None = None) -> Table:
    """Return the PPID table of a file; FieldMappingError when a required column is missing.

    The header is the row (among the first 20) naming the most known headers, so title rows
    above it are skipped; --map TARGET=SOURCE entries win over the recognised names.
    """
    mapping = check_mapping(mapping or {})
    grid = _grid(data, filename)
    known = _known(mapping)
    scan = grid[:HEADER_SCAN_ROWS]
    scores = [sum(1 for c in row if header_key(c) in known) for row in scan]
    if not scores or max(scores) == 0:
        raise FieldMappingError(
            f"{filename}: no header row naming a desa code and a PPID status (e.g. 'Kode Desa' "
            "and 'PPID Terbentuk'); name the columns with --map desa_code=... formed=...",
            message_id=f"{filename}: tidak ada baris judul kolom yang menyebut kode desa dan "
            "status PPID (mis. 'Kode Desa' dan 'PPID Terbentuk'); sebutkan kolomnya dengan "
            "--map desa_code=... formed=...",
        )
    head = scores.index(max(scores))
    header = [str(c).strip() if c is not None else "" for c in grid[head]]
    keys = [header_key(c) for c in header]
    columns: dict[str, int] = {}
    for target, source in mapping.items():
        if header_key(source) not in keys:
            raise FieldMappingError(
                f"{filename}: --map {target}={source}: no column {source!r}; the columns are "
                + ", ".join(h for h in header if h),
                message_id=f"{filename}: --map {target}={source}: tidak ada kolom {source!r}; "
                f"kolom yang ada: {', '.join(h for h in header if h)}",
            )
        columns[target] = keys.index(header_key(source))
    for c, key in enumerate(keys):
        found = known.get(key)
        if found is not None and found not in columns:
            columns[found] = c
    missing = [t for t in REQUIRED if t not in columns]
    if missing:
        raise FieldMappingError(
            f"{filename}: no column for {', '.join(missing)} (recognised: "
            + "; ".join(f"{t}: {', '.join(HEADERS[t])}" for t in missing)
            + f"); the columns are {', '.join(h for h in header if h)}; use --map TARGET=SOURCE",
            message_id=f"{filename}: tidak ada kolom untuk {', '.join(missing)}; kolom yang "
            f"ada: {', '.join(h for h in header if h)}; gunakan --map TARGET=SUMBER",
        )
    rows = [
        (head + 1 + i + 1, list(r))
        for i, r in enumerate(grid[head + 1 :])
        if any(not is_blank(c) for c in r)
    ]
    field_map = {t: header[c] for t, c in sorted(columns.items(), key=lambda kv: kv[1])}
    return Table(columns=columns, field_map=field_map, rows=rows)


def cell(row: Sequence[Any], column: int | None) -> Any:
    """Return the cell of a row (None past its end or for an unmapped column)."""
    if column is None or column >= len(row):
        return None
    value = row[column]
    return value.strip() if isinstance(value, str) else value


def parse_formed(value: object) -> bool:
    """Return True/False for ya/tidak, yes/no, 1/0 (and sudah/belum); BadValue otherwise."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    raw = "" if value is None else str(value).strip()
    key = " ".join(raw.lower().split())
    if key in YES:
        return True
    if key in NO:
        return False
    if not key:
        raise BadValue(
            "the PPID status is empty (ya/tidak, yes/no, 1/0)",
            "status PPID kosong (ya/tidak, yes/no, 1/0)",
        )
    raise BadValue(
        f"PPID status {raw!r} is not ya/tidak, yes/no or 1/0",
        f"status PPID {raw!r} bukan ya/tidak, yes/no atau 1/0",
    )


# The date columns by the name callers give them (English), and in Bahasa Indonesia.
DATE_FIELDS: dict[str, str] = {"decree date": "tanggal SK", "last update": "pembaruan terakhir"}


def _date(y: int, m: int, d: int, raw: str, what: str) -> date:
    try:
        return date(y, m, d)
    except ValueError:
        raise BadValue(
            f"{what} {raw!r} is not a date",
            f"{DATE_FIELDS.get(what, 'tanggal')} {raw!r} bukan tanggal yang ada",
        ) from None


def parse_date(value: object, what: str) -> date | None:
    """Return a date from dd/mm/yyyy, yyyy-mm-dd, '12 Maret 2024' or an Excel cell; BadValue.

    `what` names the column in messages: a key of DATE_FIELDS (its Indonesian name).
    """
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raw = str(value).strip()
    if m := re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", raw):
        return _date(int(m[3]), int(m[2]), int(m[1]), raw, what)
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?", raw):
        return _date(int(m[1]), int(m[2]), int(m[3]), raw, what)
    if m := re.fullmatch(r"(\d{1,2})\s+([A-Za-z]+)\.?\s+(\d{4})", raw):
        month = _MONTHS.get(m[2].lower())
        if month is not None:
            return _date(int(m[3]), month, int(m[1]), raw, what)
    raise BadValue(
        f"{what} {raw!r} is not a date (dd/mm/yyyy or yyyy-mm-dd)",
        f"{DATE_FIELDS.get(what, 'tanggal')} {raw!r} bukan tanggal (hh/bb/tttt atau tttt-bb-hh)",
    )


def parse_count(value: object) -> int | None:
    """Return a whole number >= 0 of published information; BadValue otherwise."""
    if is_blank(value):
        return None
    raw = str(value).strip()
    number: float
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    else:
        try:
            number = float(raw.replace(" ", ""))
        except ValueError:
            raise BadValue(
                f"information count {raw!r} is not a number",
                f"jumlah informasi {raw!r} bukan angka",
            ) from None
    if number < 0:
        raise BadValue(
            f"information count {raw} is negative",
            f"jumlah informasi {raw} bernilai negatif",
        )
    if not number.is_integer():
        raise BadValue(
            f"information count {raw} is not a whole number",
            f"jumlah informasi {raw} bukan bilangan bulat",
        )
    return int(number)


def parse_text(value: object) -> str | None:
    """Return a cell as stripped text, None when blank (a number keeps no '.0')."""
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
