"""Import a PPID table: all rows checked first, then an upsert by desa code, then the audit.

All or nothing: an unknown desa code, a kelurahan code (no village PPID), an unreadable
status, date or count fails the whole file, every bad line listed, and nothing is written.
Rows replace the PPID rows of the desa they list; desa the file does not list keep theirs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text

from app.errors import LoadError, SourceFileError
from app.services.auth import audit
from app.services.auth.audit import Via
from app.services.geo.kemendagri import is_kelurahan, level_of, normalize_code
from app.services.ppid.coverage import current_desa
from app.services.ppid.read import (
    DECREE_DATE,
    INFO_COUNT,
    LAST_UPDATE,
    parse_formed,
    read_table,
)
from app.services.sheets import BadValue, parse_date, whole_number
from app.services.sheets import text as cell_text

MAX_LISTED = 20  # bad lines quoted in the error message (all are in `rejected`)
REPLACES = (
    "the rows of the desa this file lists were replaced (upsert by desa code); "
    "desa it does not list keep their PPID rows"
)
UPSERT_SQL = """
    INSERT INTO ppid (desa_code, formed, decree_no, decree_date, website, info_count,
                      last_update, source_file, line)
    VALUES (:desa_code, :formed, :decree_no, :decree_date, :website, :info_count,
            :last_update, :source_file, :line)
    ON CONFLICT (desa_code) DO UPDATE SET
        formed = EXCLUDED.formed, decree_no = EXCLUDED.decree_no,
        decree_date = EXCLUDED.decree_date, website = EXCLUDED.website,
        info_count = EXCLUDED.info_count, last_update = EXCLUDED.last_update,
        source_file = EXCLUDED.source_file, line = EXCLUDED.line, updated_at = now()
"""


@dataclass
class PpidReport:
    """What a PPID import read and wrote."""

    source_file: str
    checksum: str
    read: int
    inserted: int
    updated: int
    formed: int
    not_formed: int
    field_map: dict[str, str]
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Return the report as a JSON-able dict."""
        return {
            "source_file": self.source_file,
            "checksum": self.checksum,
            "read": self.read,
            "inserted": self.inserted,
            "updated": self.updated,
            "formed": self.formed,
            "not_formed": self.not_formed,
            "field_map": self.field_map,
            "notes": self.notes,
        }


def _bad(line: int, code: object, en: str, id_: str) -> dict[str, Any]:
    return {
        "line": line,
        "desa_code": None if code is None else str(code),
        "reason": en,
        "reason_id": id_,
    }


def _check_code(raw: object, known: set[str]) -> tuple[str | None, str | None, str | None]:
    """Return (code, None, None) for a desa of the current layer, else (None, en, id) reasons."""
    shown = cell_text(raw)
    if shown is None:
        return None, "the desa code is empty", "kode desa kosong"
    code = normalize_code(shown)
    if code is None or level_of(code) != 4:
        return (
            None,
            f"{shown!r} is not a desa code (33.25.01.2001 or 3325012001)",
            f"{shown!r} bukan kode desa (33.25.01.2001 atau 3325012001)",
        )
    if is_kelurahan(code):
        return (
            None,
            f"{code} is a kelurahan (1xxx): a kelurahan has no village PPID",
            f"{code} adalah kelurahan (1xxx): kelurahan tidak memiliki PPID desa",
        )
    if code not in known:
        return (
            None,
            f"{code} is not a desa of the current desa layer",
            f"{code} bukan desa pada lapisan desa yang berlaku",
        )
    return code, None, None


def import_ppid(
    conn: Connection,
    source: Path | bytes,
    filename: str | None = None,
    mapping: Mapping[str, str] | None = None,
    actor: str | None = None,
    role: str | None = None,
    via: Via = "cli",
) -> PpidReport:
    """Check every row of a PPID table, upsert them by desa code and audit; return the report.

    Runs in the caller's transaction. LoadError (nothing written) lists every bad line in
    `rejected`: [{line, desa_code, reason, reason_id}].
    """
    if isinstance(source, Path):
        if not source.is_file():
            raise SourceFileError(
                f"PPID table {source} not found", message_id=f"Tabel PPID {source} tidak ada"
            )
        data, name = source.read_bytes(), filename or source.name
    else:
        data, name = source, filename or "ppid.csv"
    table = read_table(data, name, mapping)
    if not table.rows:
        raise LoadError(
            f"{name}: the PPID table has a header but no rows; nothing was written",
            message_id=f"{name}: tabel PPID memiliki judul kolom tetapi tidak ada baris; "
            "tidak ada data yang ditulis",
        )
    known = current_desa(conn)
    if not known:
        raise LoadError(
            f"{name}: no desa layer is loaded, so no desa code can be checked; load the region "
            "pack (or an admin layer with desa) first",
            message_id=f"{name}: belum ada lapisan desa yang dimuat sehingga kode desa tidak "
            "dapat diperiksa; muat paket wilayah (atau lapisan administrasi desa) dahulu",
        )
    cols = table.columns
    rows: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    first_line: dict[str, int] = {}
    for row in table.rows:
        line = row.number
        raw_code = row.cell(cols["desa_code"])
        code, en, id_ = _check_code(raw_code, known)
        problems: list[tuple[str, str]] = [] if en is None else [(en, id_ or en)]
        if code is not None and code in first_line:
            problems.append(
                (
                    f"desa {code} is listed twice (first on line {first_line[code]})",
                    f"desa {code} tercantum dua kali (pertama pada baris {first_line[code]})",
                )
            )
        elif code is not None:
            first_line[code] = line
        values: dict[str, Any] = {}
        for target, parse in (
            ("formed", parse_formed),
            ("decree_date", lambda v: parse_date(v, DECREE_DATE)),
            ("last_update", lambda v: parse_date(v, LAST_UPDATE)),
            ("info_count", lambda v: whole_number(v, INFO_COUNT)),
        ):
            try:
                values[target] = parse(row.cell(cols.get(target)))
            except BadValue as exc:
                problems.append((exc.en, exc.id))
        if problems:
            rejected.append(
                _bad(
                    line,
                    raw_code,
                    "; ".join(p[0] for p in problems),
                    "; ".join(p[1] for p in problems),
                )
            )
            continue
        rows.append(
            {
                "desa_code": code,
                **values,
                "decree_no": cell_text(row.cell(cols.get("decree_no"))),
                "website": cell_text(row.cell(cols.get("website"))),
                "source_file": name,
                "line": line,
            }
        )
    if rejected:
        listed = "; ".join(f"line {r['line']}: {r['reason']}" for r in rejected[:MAX_LISTED])
        listed_id = "; ".join(f"baris {r['line']}: {r['reason_id']}" for r in rejected[:MAX_LISTED])
        more = len(rejected) - MAX_LISTED
        raise LoadError(
            f"{name}: {len(rejected)} bad row(s), nothing was written: {listed}"
            + (f"; and {more} more" if more > 0 else ""),
            message_id=f"{name}: {len(rejected)} baris salah, tidak ada data yang ditulis: "
            f"{listed_id}" + (f"; dan {more} lagi" if more > 0 else ""),
            rejected=rejected,
        )
    codes = [r["desa_code"] for r in rows]
    existing = set(
        conn.execute(
            text("SELECT desa_code FROM ppid WHERE desa_code = ANY(:codes)"), {"codes": codes}
        ).scalars()
    )
    conn.execute(text(UPSERT_SQL), rows)
    formed = sum(1 for r in rows if r["formed"])
    report = PpidReport(
        source_file=name,
        checksum=hashlib.sha256(data).hexdigest(),
        read=len(rows),
        inserted=len(rows) - len(existing),
        updated=len(existing),
        formed=formed,
        not_formed=len(rows) - formed,
        field_map=table.field_map,
        notes=[REPLACES],
    )
    audit.record(
        conn,
        actor,
        role,
        via,
        action="ppid.import",
        target=name,
        counts={
            "read": report.read,
            "inserted": report.inserted,
            "updated": report.updated,
            "formed": report.formed,
            "not_formed": report.not_formed,
        },
        detail={"checksum": report.checksum, "field_map": report.field_map, "note": REPLACES},
    )
    return report
