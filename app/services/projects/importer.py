"""Import an APBD budget file (.csv/.xlsx) into `project`, then place every row set-wise.

`import_projects` runs in the caller's transaction: read the sheet (read.py, on
app/services/sheets), map its columns (fields.py), parse every row (sheets' dates and money,
values.py's progress and places), and refuse the whole file with every bad row listed
(LoadError, nothing written) unless `skip_bad`; then upsert by (year, key), where key is the
row's `ref` or "hash:" + SHA-256 of the normalised row without one, so importing the same file
again changes nothing; then place (place.py) and refresh the integrity flags.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, bindparam, text
from sqlalchemy.dialects.postgresql import JSONB

from app.errors import LoadError
from app.services import sheets
from app.services.auth import audit
from app.services.bulk import copy_rows
from app.services.geo.crs import STORAGE_SRID, epsg_of, reproject
from app.services.projects import values as V
from app.services.projects.fields import resolve_fields
from app.services.projects.flags import refresh_flags
from app.services.projects.place import Gazetteer, PlaceRow, load_gazetteer, match_locations
from app.services.projects.place import place_rows as place_set
from app.services.projects.read import read_sheet
from app.services.rules.book import RuleBooks
from app.settings import Settings

TEXT_TARGETS = (
    "opd_code", "opd_name", "program", "activity", "sub_activity_code", "sub_activity",
    "name", "source", "contract_no", "contractor", "kbli",
)  # fmt: skip
MONEY_TARGETS = ("pagu", "realisation", "contract_value")
LISTED = 20  # rejects and unplaced rows printed by lines(); the report itself keeps them all
_TOTAL = re.compile(r"^(jumlah|total|sub ?total|grand ?total)\b", re.IGNORECASE)

# project columns an import writes, in COPY order, with their binary COPY types
COLUMNS: tuple[tuple[str, str], ...] = (
    ("key", "text"), ("ref", "text"), ("row_hash", "text"),
    ("opd_code", "text"), ("opd_name", "text"), ("program", "text"), ("activity", "text"),
    ("sub_activity_code", "text"), ("sub_activity", "text"), ("name", "text"),
    ("source", "text"), ("pagu", "int8"), ("realisation", "int8"), ("progress", "numeric"),
    ("contract_no", "text"), ("contract_value", "int8"), ("contractor", "text"),
    ("start_date", "date"), ("end_date", "date"), ("kbli", "text"),
    ("location_text", "text"), ("given_kecamatan", "text"), ("line", "int4"), ("raw", "bytea"),
)  # fmt: skip
_NAMES = [c for c, _ in COLUMNS]
_TYPES = {
    "text": "text", "int8": "bigint", "numeric": "numeric", "date": "date", "int4": "integer",
    "bytea": "jsonb",
}  # fmt: skip
STAGE_SQL = (
    "CREATE TEMP TABLE _project_in ("
    + ", ".join(f"{c} {_TYPES[t]}" for c, t in COLUMNS)
    + ") ON COMMIT DROP"
)
_UPDATABLE = [c for c in _NAMES if c != "key"] + ["import_id"]
UPSERT_SQL = f"""
    INSERT INTO project AS p (year, {", ".join(_NAMES)}, import_id)
    SELECT :year, {", ".join(_NAMES)}, :import_id FROM _project_in
    ON CONFLICT (year, key) DO UPDATE
    SET {", ".join(f"{c} = excluded.{c}" for c in _UPDATABLE)}, updated_at = now()
    WHERE p.row_hash IS DISTINCT FROM excluded.row_hash
    RETURNING (xmax = 0) AS inserted
"""


@dataclass
class Reject:
    """A row that was not imported: its line, why (English, Indonesian) and its cells."""

    line: int
    reason_en: str
    reason_id: str
    raw: dict[str, Any]


@dataclass
class Unplaced:
    """A row that was imported but could not be placed, and why."""

    line: int
    ref: str | None
    why: str


@dataclass
class ImportReport:
    """What an import read, wrote, placed and refused."""

    file: str
    year: int
    sheet: str | None
    header_row: int
    field_map: dict[str, str]
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    placed: dict[str, int] = field(default_factory=dict)  # by method
    placement_changed: int = 0
    swapped_coordinates: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)  # line, why (not data rows)
    rejects: list[Reject] = field(default_factory=list)
    unplaced: list[Unplaced] = field(default_factory=list)
    import_id: int | None = None
    checksum: str = ""
    seconds: float = 0.0
    flags: dict[str, int] = field(default_factory=dict)  # flag rows of the year, by flag

    @property
    def rejected(self) -> int:
        """Rows refused (bad values, wrong year, duplicates)."""
        return len(self.rejects)

    def counts(self) -> dict[str, Any]:
        """Return the counts as one flat dict (for the audit trail and project_import)."""
        return {
            "read": self.read,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "placed": sum(self.placed.values()),
            **{f"placed_by_{k}": v for k, v in sorted(self.placed.items())},
            "unplaced": len(self.unplaced),
            "swapped_coordinates": self.swapped_coordinates,
        }

    def to_dict(self, limit: int | None = None) -> dict[str, Any]:
        """Return the report as JSON-ready data, listing at most `limit` rejects/unplaced."""
        return {
            "file": self.file,
            "year": self.year,
            "sheet": self.sheet,
            "header_row": self.header_row,
            "field_map": self.field_map,
            "import_id": self.import_id,
            "checksum": self.checksum,
            "counts": self.counts(),
            "placed": self.placed,
            "placement_changed": self.placement_changed,
            "flags": self.flags,
            "skipped": [{"line": ln, "why": why} for ln, why in self.skipped],
            "rejects": [asdict(r) for r in self.rejects[:limit]],
            "unplaced": [asdict(u) for u in self.unplaced[:limit]],
            "seconds": round(self.seconds, 3),
        }

    def lines(self) -> list[str]:
        """Return the report as the CLI prints it."""
        c = self.counts()
        by = ", ".join(f"{k} {v}" for k, v in sorted(self.placed.items())) or "none"
        out = [
            f"{self.file}" + (f" sheet {self.sheet!r}" if self.sheet else "")
            + f", year {self.year}: header row {self.header_row}",
            "  fields: " + ", ".join(f"{k}={v}" for k, v in self.field_map.items()),
            f"  rows read {c['read']}: inserted {c['inserted']}, updated {c['updated']}, "
            f"unchanged {c['unchanged']}, rejected {c['rejected']}",
            f"  placed {c['placed']} ({by}), unplaced {c['unplaced']}",
        ]  # fmt: skip
        if self.swapped_coordinates:
            out.append(
                f"  coordinates given lon first (swapped to lat/lon): {self.swapped_coordinates}"
            )
        for line, why in self.skipped:
            out.append(f"  skipped line {line}: {why}")
        for r in self.rejects[:LISTED]:
            out.append(f"  rejected line {r.line}: {r.reason_en}")
        if len(self.rejects) > LISTED:
            out.append(f"  ... and {len(self.rejects) - LISTED} more rejected rows")
        for u in self.unplaced[:LISTED]:
            ref = f" ({u.ref})" if u.ref else ""
            out.append(f"  unplaced line {u.line}{ref}: {u.why}")
        if len(self.unplaced) > LISTED:
            out.append(f"  ... and {len(self.unplaced) - LISTED} more unplaced rows")
        if any(self.flags.values()):
            flagged = ", ".join(f"{k} {v}" for k, v in sorted(self.flags.items()) if v)
            out.append(f"  flags of {self.year}: {flagged}")
        out.append(f"  in {self.seconds:.2f} s")
        return out


@dataclass
class Row:
    """One parsed data row: the project's values and what says where it is."""

    line: int
    values: dict[str, Any]
    raw: dict[str, Any]
    geom: BaseGeometry | None = None
    method: str | None = None  # coordinates | wkt | desa_code | text
    desa_code: str | None = None
    key: str = ""
    row_hash: str = ""


def _jsonable(v: Any) -> Any:
    if isinstance(v, datetime | date):
        return v.isoformat()
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, int | float | str | bool) or v is None:
        return v
    return str(v)


def _raw(header: list[str], cells: list[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for j, v in enumerate(cells):
        if sheets.is_blank(v):
            continue
        name = header[j] if j < len(header) and header[j] else f"column {j + 1}"
        while name in out:
            name += "'"
        out[name] = _jsonable(v)
    return out


def _year(value: Any) -> int | None:
    if sheets.is_blank(value):
        return None
    m = re.search(r"\b(\d{4})\b", sheets.text(value) or "")
    if not m:
        raise sheets.BadValue(f"year {value!r} is not a year", f"tahun {value!r} bukan tahun")
    return int(m.group(1))


class _Parser:
    """Parses rows of one sheet against the field map; collects reasons per row."""

    def __init__(self, fields: dict[str, int], year: int, crs: str | None) -> None:
        self.fields = fields
        self.year = year
        self.crs = crs if crs and epsg_of(crs) != STORAGE_SRID else None
        self.swapped = 0

    def parse(self, line: int, cells: list[Any], header: list[str]) -> Row | Reject | None:
        f = self.fields

        def cell(target: str) -> Any:
            j = f.get(target)
            return cells[j] if j is not None and j < len(cells) else None

        raw = _raw(header, cells)
        reasons: list[tuple[str, str]] = []
        values: dict[str, Any] = {}

        def parse(target: str, fn: Any, *args: Any) -> Any:
            try:
                return fn(cell(target), *args)
            except sheets.BadValue as exc:
                reasons.append((exc.en, exc.id))
                return None

        for t in TEXT_TARGETS:
            values[t] = sheets.text(cell(t))
        values["ref"] = sheets.text(cell("ref"))
        if values["ref"] is None and (values["name"] is None or _TOTAL.match(values["name"])):
            words = [w for v in cells if (w := sheets.text(v)) and not re.fullmatch(r"[\d.,]+", w)]
            if words and _TOTAL.match(words[0]):
                return None  # a total row under the data (JUMLAH, TOTAL)
        for t in MONEY_TARGETS:
            values[t] = parse(t, sheets.money)
        values["progress"] = parse("progress", V.progress)
        values["start_date"] = parse("start_date", sheets.parse_date, V.START_DATE)
        values["end_date"] = parse("end_date", sheets.parse_date, V.END_DATE)
        values["location_text"] = sheets.text(cell("location"))
        values["given_kecamatan"] = sheets.text(cell("kecamatan"))
        row_year = parse("year", _year)
        if row_year is not None and row_year != self.year:
            reasons.append(
                (
                    f"year {row_year} is not the imported year {self.year}",
                    f"tahun {row_year} bukan tahun yang diimpor ({self.year})",
                )
            )
        if values["name"] is None:
            reasons.append(("no name (Nama Paket)", "nama paket kosong"))
        s, e = values["start_date"], values["end_date"]
        if s is not None and e is not None and e < s:
            reasons.append(
                (
                    f"end date {e.isoformat()} is before start date {s.isoformat()}",
                    f"tanggal selesai {e.isoformat()} sebelum tanggal mulai {s.isoformat()}",
                )
            )
        row = Row(line, values, raw)
        self._location(row, cell, reasons)
        if reasons:
            return Reject(
                line, "; ".join(en for en, _ in reasons), "; ".join(i for _, i in reasons), raw
            )
        return row

    def _location(self, row: Row, cell: Any, reasons: list[tuple[str, str]]) -> None:
        def attempt(fn: Any, *args: Any) -> Any:
            try:
                return fn(*args)
            except sheets.BadValue as exc:
                reasons.append((exc.en, exc.id))
                return None

        wkt = attempt(V.geometry_wkt, cell("wkt"), self.crs)
        lon = attempt(sheets.number, cell("lon"), V.LONGITUDE)
        lat = attempt(sheets.number, cell("lat"), V.LATITUDE)
        coords = attempt(V.coordinates, cell("coordinates"))
        row.desa_code = attempt(V.desa_code, cell("desa_code"))
        point = None
        if (lon is None) != (lat is None):
            reasons.append(
                ("longitude without latitude" if lat is None else "latitude without longitude",
                 "bujur tanpa lintang" if lat is None else "lintang tanpa bujur")
            )  # fmt: skip
        elif lon is not None and lat is not None:
            if self.crs:
                point = attempt(_projected, lon, lat, self.crs)
            else:
                ll = attempt(V.order, lat, lon, f"{lon}, {lat}")
                if ll is not None:
                    self.swapped += int(ll.swapped)
                    point = shapely.Point(ll.lon, ll.lat)
        if wkt is not None:
            row.geom, row.method = wkt[0], "wkt"
            self.swapped += int(wkt[1])
        elif point is not None:
            row.geom, row.method = point, "coordinates"
        elif coords is not None:
            self.swapped += int(coords.swapped)
            row.geom, row.method = shapely.Point(coords.lon, coords.lat), "coordinates"
        elif row.desa_code is not None:
            row.method = "desa_code"
        elif row.values["location_text"] or row.values["given_kecamatan"]:
            row.method = "text"


def _projected(x: float, y: float, crs: str) -> BaseGeometry:
    p = reproject(shapely.Point(x, y), crs, STORAGE_SRID)
    if not (V.in_lon(p.x) and V.in_lat(p.y)):
        raise sheets.BadValue(
            f"location {x}, {y} in {crs} is not in Indonesia",
            f"lokasi {x}, {y} dalam {crs} tidak berada di Indonesia",
        )
    return p


def _hash(values: Mapping[str, Any]) -> str:
    body = json.dumps({k: _jsonable(v) for k, v in values.items()}, sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


def _keys(rows: list[Row], year: int) -> list[Reject]:
    """Give every row its key and hash; return the rows that repeat an earlier key."""
    seen: dict[str, int] = {}
    dupes: list[Reject] = []
    for r in rows:
        where = r.geom.wkt if r.geom is not None else None
        content = {**r.values, "geom": where, "desa_code": r.desa_code}
        without_ref = {k: v for k, v in content.items() if k != "ref"}
        r.key = r.values["ref"] or "hash:" + _hash(without_ref)
        r.row_hash = _hash({**content, "year": year})
        if r.key in seen:
            what = f"ref {r.values['ref']}" if r.values["ref"] else "the same row"
            what_id = f"kode {r.values['ref']}" if r.values["ref"] else "baris yang sama"
            dupes.append(
                Reject(
                    r.line,
                    f"duplicate: {what} is also on line {seen[r.key]}",
                    f"duplikat: {what_id} juga ada di baris {seen[r.key]}",
                    r.raw,
                )
            )
        else:
            seen[r.key] = r.line
    return dupes


def reject_dicts(rejects: list[Reject]) -> list[dict[str, Any]]:
    """Return rejects as JSON-ready dicts (line, reason, reason_id, raw)."""
    return [
        {"line": r.line, "reason": r.reason_en, "reason_id": r.reason_id, "raw": r.raw}
        for r in rejects
    ]


def _write_rows(conn: Connection, rows: list[Row]) -> None:
    conn.execute(text("DROP TABLE IF EXISTS _project_in"))
    conn.execute(text(STAGE_SQL))
    copy_rows(conn, "_project_in", COLUMNS, (_staged(r) for r in rows))


def _staged(r: Row) -> tuple[Any, ...]:
    """Return a row's values in COLUMNS order."""
    v = r.values
    return (
        r.key, v["ref"], r.row_hash, v["opd_code"], v["opd_name"], v["program"],
        v["activity"], v["sub_activity_code"], v["sub_activity"], v["name"],
        v["source"], v["pagu"], v["realisation"], v["progress"], v["contract_no"],
        v["contract_value"], v["contractor"], v["start_date"], v["end_date"],
        v["kbli"], v["location_text"], v["given_kecamatan"], r.line,
        b"\x01" + json.dumps(r.raw, ensure_ascii=False).encode(),
    )  # fmt: skip


def _place(
    conn: Connection, year: int, rows: list[Row], gaz: Gazetteer, report: ImportReport
) -> None:
    texts = [
        (r.values["location_text"], r.values["given_kecamatan"])
        for r in rows
        if r.values["location_text"] or r.values["given_kecamatan"]
    ]
    verdicts = match_locations(gaz, texts) if texts else {}
    geoms = [r.geom for r in rows]
    wkbs = shapely.to_wkb(shapely.set_srid(geoms, STORAGE_SRID), include_srid=True)
    desa_codes = {a.code for areas in gaz.desa_by_key.values() for a in areas}
    places: list[PlaceRow] = []
    why: dict[str, str] = {}
    for r, wkb in zip(rows, wkbs, strict=True):
        pair = (r.values["location_text"], r.values["given_kecamatan"])
        verdict = verdicts.get(pair)
        pick_desa, pick_kec, conf = r.desa_code, None, None
        if pick_desa is None and verdict is not None and verdict.why is None:
            pick_desa, conf = verdict.desa_code, verdict.score
            pick_kec = verdict.kecamatan_code if verdict.desa_code is None else None
        method = r.method
        if method is None:
            why[r.key] = "no location (coordinates, WKT, desa code or location text)"
        elif method == "desa_code" and r.desa_code not in desa_codes:
            why[r.key] = f"desa code {r.desa_code} is not in the loaded desa layer"
        elif method == "text" and verdict is not None and verdict.why:
            why[r.key] = verdict.why
        if method != "text":
            conf = None
        places.append(PlaceRow(r.key, method, wkb, pick_desa, pick_kec, conf))
    placed, status, changed = place_set(conn, year, places, gaz)
    report.placed = placed
    report.placement_changed = changed
    for r in rows:
        if status.get(r.key) is None:
            reason = why.get(r.key, "the named place is not in the loaded admin layers")
            report.unplaced.append(Unplaced(r.line, r.values["ref"], reason))


def import_projects(
    conn: Connection,
    path: Path,
    year: int,
    *,
    sheet: str | None = None,
    mapping: dict[str, str] | None = None,
    crs: str | None = None,
    skip_bad: bool = False,
    actor: str | None = None,
    via: str = "cli",
    filename: str | None = None,
    refresh: bool = True,
    books: RuleBooks | None = None,
    settings: Settings | None = None,
) -> ImportReport:
    """Import a budget file into `project` for `year` and place its rows; return the report.

    Runs in the caller's transaction. A file with bad rows raises LoadError listing every one
    (`rejects`: line, reason, reason_id, raw) before anything is written, unless `skip_bad`.
    `refresh=False` leaves the year's integrity flags to the caller (the benchmark times them).
    """
    started = time.perf_counter()
    if crs:
        epsg_of(crs)  # InvalidCRS now, not on the first WKT row
    data: sheets.Table = read_sheet(path, sheet, mapping, filename)
    fields = resolve_fields(data.header, mapping)
    report = ImportReport(
        file=data.file,
        year=year,
        sheet=data.sheet,
        header_row=data.header_row,
        field_map={t: data.header[j] for t, j in fields.items()},
        skipped=list(data.skipped),
        checksum=hashlib.sha256(path.read_bytes()).hexdigest(),
    )
    parser = _Parser(fields, year, crs)
    rows: list[Row] = []
    for sheet_row in data.rows:
        parsed = parser.parse(sheet_row.number, sheet_row.cells, data.header)
        if parsed is None:
            report.skipped.append((sheet_row.number, "total row"))
        elif isinstance(parsed, Reject):
            report.rejects.append(parsed)
        else:
            rows.append(parsed)
    report.read = len(rows) + len(report.rejects)
    report.swapped_coordinates = parser.swapped
    dupes = _keys(rows, year)
    if dupes:
        bad = {d.line for d in dupes}
        rows = [r for r in rows if r.line not in bad]
        report.rejects = sorted(report.rejects + dupes, key=lambda r: r.line)
    if report.rejects and not skip_bad:
        n = len(report.rejects)
        raise LoadError(
            f"{data.file}: {n} bad row(s) of {report.read}; nothing was imported "
            "(fix them, or import the good rows with --skip-bad)",
            message_id=f"{data.file}: {n} baris bermasalah dari {report.read}; tidak ada yang "
            "diimpor (perbaiki, atau impor baris yang benar dengan --skip-bad)",
            rejects=reject_dicts(report.rejects),
            counts=report.counts(),
        )
    conn.execute(
        text("SELECT pg_advisory_xact_lock(hashtext('project_import'), :year)"), {"year": year}
    )
    gaz = load_gazetteer(conn)
    report.import_id = conn.execute(
        text(
            "INSERT INTO project_import (year, source_file, checksum, sheet, field_map, actor) "
            "VALUES (:year, :file, :checksum, :sheet, :field_map, :actor) RETURNING id"
        ).bindparams(bindparam("field_map", type_=JSONB)),
        {
            "year": year,
            "file": data.file,
            "checksum": report.checksum,
            "sheet": data.sheet,
            "field_map": report.field_map,
            "actor": actor,
        },
    ).scalar_one()
    if rows:
        _write_rows(conn, rows)
        upserted = conn.execute(
            text(UPSERT_SQL), {"year": year, "import_id": report.import_id}
        ).scalars()
        for inserted in upserted:
            if inserted:
                report.inserted += 1
            else:
                report.updated += 1
        conn.execute(text("DROP TABLE _project_in"))
        report.unchanged = len(rows) - report.inserted - report.updated
        _place(conn, year, rows, gaz, report)
    if refresh:
        report.flags = refresh_flags(conn, year, books=books, settings=settings)
    report.seconds = time.perf_counter() - started
    conn.execute(
        text(
            "UPDATE project_import SET counts = :counts, report = :report WHERE id = :id"
        ).bindparams(bindparam("counts", type_=JSONB), bindparam("report", type_=JSONB)),
        {
            "id": report.import_id,
            "counts": report.counts(),
            "report": {**report.to_dict(limit=200), "via": via},
        },
    )
    return report


def record_import(
    conn: Connection, report: ImportReport, actor: str | None, role: str | None, via: str
) -> None:
    """Record the import in the audit trail (same transaction)."""
    audit.record(
        conn,
        actor,
        role,
        "api" if via == "api" else "cli",
        action="projects.import",
        target=report.file,
        counts=report.counts(),
        detail={
            "year": report.year,
            "import_id": report.import_id,
            "sheet": report.sheet,
            "checksum": report.checksum,
            "field_map": report.field_map,
        },
    )
