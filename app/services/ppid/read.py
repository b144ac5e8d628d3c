"""Read a PPID table (.csv or .xlsx): find the header, map the columns, parse the values.

The file is read by app/services/sheets (the first sheet of a workbook). A value that does
not parse raises `BadValue` with an English and an Indonesian reason; the importer collects
them per line, so a file is judged whole before anything is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from app.errors import FieldMappingError
from app.l10n import Text
from app.services.sheets import BadValue, Row, find_header, header_key, read_grid, table

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
HEADER_SCAN_ROWS = 20
YES = frozenset({"ya", "y", "yes", "1", "true", "sudah", "ada", "terbentuk", "sudah terbentuk"})
NO = frozenset({"tidak", "no", "0", "false", "belum", "tidak ada", "belum terbentuk"})
# the columns PPID parsers name in their messages
DECREE_DATE = Text("tanggal SK", "decree date")
LAST_UPDATE = Text("pembaruan terakhir", "last update")
INFO_COUNT = Text("jumlah informasi", "information count")


@dataclass
class Table:
    """A PPID table: the column of each target, and the data rows with their row numbers."""

    columns: dict[str, int]
    field_map: dict[str, str]  # target -> the header it was read from
    rows: list[Row]


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
    grid = read_grid(data, filename)
    known = _known(mapping)
    head, _ = find_header(
        grid, lambda row: sum(1 for c in row if header_key(c) in known), HEADER_SCAN_ROWS
    )
    if head < 0:
        raise FieldMappingError(
            f"{filename}: no header row naming a desa code and a PPID status (e.g. 'Kode Desa' "
            "and 'PPID Terbentuk'); name the columns with --map desa_code=... formed=...",
            message_id=f"{filename}: tidak ada baris judul kolom yang menyebut kode desa dan "
            "status PPID (mis. 'Kode Desa' dan 'PPID Terbentuk'); sebutkan kolomnya dengan "
            "--map desa_code=... formed=...",
        )
    rows = table(grid, head)
    header = rows.header
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
    field_map = {t: header[c] for t, c in sorted(columns.items(), key=lambda kv: kv[1])}
    return Table(columns=columns, field_map=field_map, rows=rows.rows)


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
