"""Importing budget files: headers, --map, values, bad rows, idempotence, atomicity, the API."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import geopandas as gpd
import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.errors import FieldMappingError, LoadError
from app.services import auth
from app.services.projects.importer import ImportReport, import_projects
from tests.conftest import NO_PROJECTS, delete_projects


@pytest.fixture
def db(demo_with) -> Engine:
    """The Batang demo region without budget projects (what a test imported is deleted after
    it) and without audit events."""
    demo = demo_with("no projects", delete_projects, NO_PROJECTS)
    with demo.begin() as conn:
        conn.exec_driver_sql("DELETE FROM audit_event")
    return demo


@pytest.fixture(scope="module")
def names(demo_pack: Path) -> dict[tuple[str, str], str]:
    """(desa name, kecamatan name) -> desa code, from the demo's desa file."""
    desa = gpd.read_file(demo_pack / "data" / "desa.gpkg")
    return dict(zip(zip(desa["NAMOBJ"], desa["WADMKC"], strict=True), desa["KDEPUM"], strict=True))


def run(engine: Engine, path: Path, year: int = 2025, **kw: Any) -> ImportReport:
    with engine.begin() as conn:
        return import_projects(conn, path, year, **kw)


def projects(engine: Engine) -> dict[str, dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT key, ref, name, pagu, realisation, progress, start_date, end_date, "
                "source, desa_code, kecamatan_code, given_desa_code, given_kecamatan, placed_by, "
                "match_confidence, zones, line, ST_X(ST_PointOnSurface(geom)) AS x, "
                "ST_Y(ST_PointOnSurface(geom)) AS y, updated_at FROM project ORDER BY line"
            )
        ).mappings()
        return {r["ref"] or r["key"]: dict(r) for r in rows}


# A spreadsheet nobody prepared for us: a title block with merged cells, its own column names
# (Uraian Kegiatan, Anggaran (Rp), Posisi, ...), a numbering row, mixed location forms,
# Indonesian money, and a total row at the bottom.
UNPREPARED_HEADER = [
    "No", "ID", "Uraian Kegiatan", "Dinas", "Dana", "Anggaran (Rp)", "Terserap",
    "Fisik", "Mulai", "Selesai", "Posisi", "Desa/Kel", "Kec.", "Kode Desa",
]  # fmt: skip
MAP = {
    "ref": "ID",
    "name": "Uraian Kegiatan",
    "opd_name": "Dinas",
    "source": "Dana",
    "pagu": "Anggaran (Rp)",
    "realisation": "Terserap",
    "progress": "Fisik",
    "start_date": "Mulai",
    "end_date": "Selesai",
    "coordinates": "Posisi",
    "location": "Desa/Kel",
    "kecamatan": "Kec.",
    "desa_code": "Kode Desa",
}


def unprepared_rows(names: dict[tuple[str, str], str]) -> list[list[Any]]:
    """Data rows: (ref, name, pagu, ... location); the expectations are in the tests."""
    silurah = names[("Silurah", "Wonotunggal")]
    from datetime import datetime

    d = datetime(2025, 3, 1)
    return [
        # coordinates lat, lon (text)
        ["A-1", "Rehab Jalan Silurah", "DPUPR", "DAU", "Rp 1.250.000.000", "Rp 250.000.000,00",
         "25%", "01/03/2025", "30/11/2025", "-7.0955, 109.7615", None, None, None],
        # coordinates lon, lat (swapped) with decimal commas and ';'
        ["A-2", "Drainase Sodong", "DPUPR", "DAK", "1.000.000,50", 0, "0", d, "2025-12-31",
         "109,7678; -7,0629", None, None, None],
        # a desa code without dots
        ["A-3", "Posyandu", "Dinkes", "DD", 150000000, None, 1.0, 45717, None, None, None, None,
         silurah.replace(".", "")],
        # free text with a prefix and a typo
        ["A-4", "Talud Gringgingsari", "DPUPR", "DAU", "75 jt", None, "50,5", None, None, None,
         "Ds. Gringingsari", None, None],
        # a same-named desa separated by the kecamatan column
        ["A-5", "Jembatan Kalisalak", "DPUPR", "DBH", "Rp300.000.000,-", None, None, None, None,
         None, "Kalisalak", "Limpung", None],
        # ambiguous: same name, no kecamatan -> unplaced, listed
        ["A-6", "Sumur Bor Kalisalak", "DPUPR", "DD", "10.000.000", None, None, None, None, None,
         "Kalisalak", None, None],
        # weak match -> unplaced, listed
        ["A-7", "Gapura", "DPUPR", "DD", "10.000.000", None, None, None, None, None,
         "Desa Antah Berantah", None, None],
        # bad rows: money not a number; progress > 100; end before start; bad coordinates
        ["B-1", "Bad money", "DPUPR", "DAU", "sepuluh juta", None, None, None, None, None,
         "Silurah", None, None],
        ["B-2", "Bad progress", "DPUPR", "DAU", "10.000", None, "120%", None, None, None,
         "Silurah", None, None],
        ["B-3", "Bad dates", "DPUPR", "DAU", "10.000", None, None, "30/11/2025", "01/03/2025",
         None, "Silurah", None, None],
        ["B-4", "Bad place", "DPUPR", "DAU", "10.000", None, None, None, None, "52.5, 13.4",
         None, None, None],
    ]  # fmt: skip


def write_unprepared(path: Path, names: dict[tuple[str, str], str]) -> Path:
    """The unprepared workbook: title rows (merged), header on row 5, numbering row 6."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Realisasi TW III"
    ws["A1"] = "LAPORAN REALISASI KEGIATAN FISIK"
    ws.merge_cells("A1:N1")
    ws["A2"] = "PEMERINTAH KABUPATEN BATANG TAHUN ANGGARAN 2025"
    ws.merge_cells("A2:N2")
    ws["A3"] = "Keadaan s.d. 30 September 2025"
    ws.append([])
    ws.append(UNPREPARED_HEADER)
    ws.append(list(range(1, len(UNPREPARED_HEADER) + 1)))
    rows = unprepared_rows(names)
    for i, r in enumerate(rows, start=1):
        ws.append([i, *r])
    ws.cell(9, 8).number_format = "0%"  # A-3's progress: 1.0 shown as 100%
    ws.append([None, None, "JUMLAH", None, None, "=SUM(F7:F17)"])
    wb.save(path)
    return path


def test_unprepared_spreadsheet_refused_then_imported_with_skip_bad(
    db: Engine, names: dict[tuple[str, str], str], tmp_path: Path
) -> None:
    path = write_unprepared(tmp_path / "realisasi.xlsx", names)
    with pytest.raises(LoadError) as exc:
        run(db, path, mapping=MAP)
    rejects = exc.value.extra["rejects"]
    assert isinstance(rejects, list)
    assert [(r["line"], r["reason"]) for r in rejects] == [
        (14, "money 'sepuluh juta' is not a number"),
        (15, "progress '120%' is outside 0-100"),
        (16, "end date 2025-03-01 is before start date 2025-11-30"),
        (17, "location '52.5, 13.4' is not a point in Indonesia (lat -11..6, lon 95..141)"),
    ]
    assert all(r["reason_id"] for r in rejects)
    assert projects(db) == {}  # nothing written

    report = run(db, path, mapping=MAP, skip_bad=True)
    assert (report.header_row, report.sheet) == (5, "Realisasi TW III")
    assert report.skipped == [(6, "column numbers"), (18, "total row")]
    assert (report.read, report.inserted, report.rejected) == (11, 7, 4)
    assert report.swapped_coordinates == 1
    assert report.placed == {"coordinates": 2, "desa_code": 1, "text": 2}
    assert [(u.line, u.ref) for u in report.unplaced] == [(12, "A-6"), (13, "A-7")]
    assert report.unplaced[0].why.startswith("ambiguous: Kalisalak (kec ")
    assert report.unplaced[1].why.startswith("weak match: best ")
    got = projects(db)
    assert got["A-1"]["pagu"] == 1_250_000_000 and got["A-1"]["realisation"] == 250_000_000
    assert str(got["A-1"]["progress"]) == "25.00"
    assert str(got["A-1"]["start_date"]) == "2025-03-01"
    assert got["A-1"]["desa_code"] == names[("Silurah", "Wonotunggal")]
    assert got["A-2"]["pagu"] == 1_000_001  # sen rounded half up
    assert got["A-2"]["desa_code"] == names[("Sodong", "Wonotunggal")]
    assert (got["A-2"]["x"], got["A-2"]["y"]) == pytest.approx((109.7678, -7.0629))
    assert str(got["A-3"]["start_date"]) == "2025-03-01"  # an Excel serial (45717)
    assert got["A-3"]["placed_by"] == "desa_code" and str(got["A-3"]["progress"]) == "100.00"
    assert got["A-3"]["desa_code"] == got["A-3"]["given_desa_code"]
    assert got["A-4"]["desa_code"] == names[("Gringgingsari", "Wonotunggal")]
    assert got["A-4"]["placed_by"] == "text" and 90 <= got["A-4"]["match_confidence"] < 100
    assert got["A-4"]["pagu"] == 75_000_000
    assert got["A-5"]["desa_code"] == names[("Kalisalak", "Limpung")]
    assert got["A-5"]["given_kecamatan"] == "Limpung"
    for ref in ("A-1", "A-2", "A-3", "A-4", "A-5"):
        assert got[ref]["kecamatan_code"] == got[ref]["desa_code"].rsplit(".", 1)[0]
        assert got[ref]["zones"], ref
    assert got["A-6"]["placed_by"] is None and got["A-6"]["x"] is None


def test_reimport_is_idempotent(db: Engine, names: dict, tmp_path: Path) -> None:
    path = write_unprepared(tmp_path / "realisasi.xlsx", names)
    first = run(db, path, mapping=MAP, skip_bad=True)
    before = projects(db)
    again = run(db, path, mapping=MAP, skip_bad=True)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, first.inserted)
    assert again.placement_changed == 0
    assert projects(db) == before  # updated_at included: not one row touched


def test_bad_file_leaves_earlier_rows_untouched(db: Engine, tmp_path: Path) -> None:
    good = tmp_path / "apbd.csv"
    good.write_text(
        "Kode Paket;Nama Paket;Pagu;Koordinat\n"
        'P1;Jalan;"1.000.000";-7.0955, 109.7615\n'
        'P2;Irigasi;"2.000.000";-7.0629, 109.7678\n',
        encoding="utf-8",
    )
    run(db, good)
    before = projects(db)
    bad = tmp_path / "apbd2.csv"
    bad.write_text(
        "Kode Paket;Nama Paket;Pagu;Koordinat\n"
        'P1;Jalan (revisi);"1.500.000";-7.0955, 109.7615\n'
        'P3;Baru;"-5";-7.0629, 109.7678\n'
        "P4;;1000;\n",
        encoding="utf-8",
    )
    with pytest.raises(LoadError) as exc:
        run(db, bad)
    assert [r["line"] for r in exc.value.extra["rejects"]] == [3, 4]  # type: ignore[union-attr]
    assert projects(db) == before
    with db.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM project_import")).scalar_one() == 1


def test_known_headers_keys_year_and_duplicates(db: Engine, tmp_path: Path) -> None:
    """Standard headers need no --map; no ref -> a row hash; wrong year and repeats refused."""
    path = tmp_path / "rup.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Tahun Anggaran", "Nama OPD", "Nama Paket", "Sumber Dana", "Pagu Anggaran",
                    "Realisasi Keuangan", "Progres Fisik (%)", "Tgl Mulai", "Tgl Selesai",
                    "Bujur", "Lintang", "Kode Desa", "Lokasi Pekerjaan"])  # fmt: skip
        w.writerow([2025, "DPUPR", "Jalan A", "DAU", "1,250,000,000", "0", "10", "2025-01-02",
                    "2025-06-30", "109,7615", "-7,0955", "", ""])  # fmt: skip
        w.writerow([2025, "DPUPR", "Jalan B", "DAU", "500000", "", "", "", "", "-7.0955",
                    "109.7615", "", ""])  # fmt: skip  # lon/lat columns exchanged
        w.writerow([2025, "DPUPR", "Jalan A", "DAU", "1,250,000,000", "0", "10", "2025-01-02",
                    "2025-06-30", "109,7615", "-7,0955", "", ""])  # fmt: skip  # a repeat
        w.writerow([2024, "DPUPR", "Jalan C", "DAU", "1", "", "", "", "", "", "", "", ""])
        w.writerow(["", "DPUPR", "Jalan D", "DAU", "1", "", "", "", "", "", "", "", "Kec. Subah"])
    report = run(db, path, skip_bad=True)
    assert report.field_map["year"] == "Tahun Anggaran"
    assert report.field_map["progress"] == "Progres Fisik (%)"
    assert [(r.line, r.reason_en) for r in report.rejects] == [
        (4, "duplicate: the same row is also on line 2"),
        (5, "year 2024 is not the imported year 2025"),
    ]
    assert report.swapped_coordinates == 1
    got = projects(db)
    assert all(k.startswith("hash:") for k in got)
    assert sorted(p["name"] for p in got.values()) == ["Jalan A", "Jalan B", "Jalan D"]
    (d,) = [p for p in got.values() if p["name"] == "Jalan D"]
    assert d["placed_by"] == "text" and d["desa_code"] is None and d["kecamatan_code"]


def test_map_errors_name_the_problem(db: Engine, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("Nama Paket,Pagu\nJalan,1000\n", encoding="utf-8")
    with pytest.raises(FieldMappingError, match="unknown target 'budget'"):
        run(db, path, mapping={"budget": "Pagu"})
    with pytest.raises(FieldMappingError, match="no column 'Nilai'"):
        run(db, path, mapping={"pagu": "Nilai"})
    other = tmp_path / "y.csv"
    other.write_text("Uraian Singkat,Nilai\nJalan,1000\n", encoding="utf-8")
    with pytest.raises(FieldMappingError):
        run(db, other)
    report = run(db, other, mapping={"name": "Uraian Singkat", "pagu": "Nilai"})
    assert report.inserted == 1 and report.unplaced[0].why.startswith("no location")


def test_wkt_in_a_metric_crs(db: Engine, tmp_path: Path) -> None:
    path = tmp_path / "jalan.csv"
    path.write_text(
        'Kode Paket,Nama Paket,WKT\nR1,Ruas,"LINESTRING (390000 9215000, 391000 9215500)"\n',
        encoding="utf-8",
    )
    report = run(db, path, crs="EPSG:32749")
    assert report.placed == {"wkt": 1}
    got = projects(db)["R1"]
    assert 109 < got["x"] < 111 and -7.5 < got["y"] < -6.5


def test_api_import(db: Engine, client: TestClient, names: dict, tmp_path: Path) -> None:
    with db.begin() as conn:
        key, _ = auth.create_key(conn, "bappeda-test", "staff")
    path = write_unprepared(tmp_path / "realisasi.xlsx", names)
    mapping = [f"{t}={s}" for t, s in MAP.items()]
    headers = {"Authorization": f"Bearer {key}"}

    def post(**params: Any) -> Any:
        with path.open("rb") as fh:
            return client.post(
                "/projects/import",
                params={"year": 2025, **params},
                files={"file": ("realisasi.xlsx", fh)},
                data={"map": mapping},
                headers=headers,
            )

    refused = post()
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert body["error"] == "load_error" and len(body["rejects"]) == 4
    assert projects(db) == {}
    ok = post(skip_bad="true")
    assert ok.status_code == 200, ok.text
    assert ok.json()["counts"]["inserted"] == 7 and len(ok.json()["rejects"]) == 4
    with db.connect() as conn:
        event = conn.execute(
            text(
                "SELECT actor, role, via, target FROM audit_event WHERE action = 'projects.import'"
            )
        ).one()
    assert tuple(event) == ("bappeda-test", "staff", "api", "realisasi.xlsx")
    with path.open("rb") as fh:
        anonymous = client.post(
            "/projects/import", params={"year": 2025}, files={"file": ("r.xlsx", fh)}
        )
    assert anonymous.status_code == 401
