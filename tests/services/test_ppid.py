"""PPID import (all or nothing, kelurahan refused, upsert, audit) and coverage arithmetic.

Expected totals come from the demo's desa file read with geopandas and its ppid.csv read with
csv, never from the code under test.
"""

from __future__ import annotations

import csv
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from app.errors import FieldMappingError, LoadError
from app.services import ppid
from app.services.catalog.ingest import LoadRequest, load_layer


@pytest.fixture(scope="module")
def desa_file(demo_pack: Path) -> gpd.GeoDataFrame:
    return gpd.read_file(demo_pack / "data" / "desa.gpkg", layer="desa")


@pytest.fixture
def admin(clean: Engine, demo_pack: Path) -> Engine:
    """The demo's real kabupaten, kecamatan and desa layers (region-less), no PPID rows."""
    data = demo_pack / "data"
    with clean.begin() as conn:
        load_layer(conn, LoadRequest(path=data / "kabupaten.geojson", name="kabupaten",
                   kind="admin", field_map={"code": "KDPKAB", "name": "WADMKK"}))  # fmt: skip
        load_layer(conn, LoadRequest(path=data / "kecamatan.zip", name="kecamatan", kind="admin",
                   field_map={"code": "KDCPUM", "name": "WADMKC"}))  # fmt: skip
        load_layer(conn, LoadRequest(path=data / "desa.gpkg", name="desa", kind="admin",
                                     layer="desa"))  # fmt: skip
        conn.execute(text("DELETE FROM ppid"))
        conn.execute(text("DELETE FROM audit_event"))
    return clean


def _write(path: Path, rows: list[list[str]], delimiter: str = ",") -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)
    return path


def test_demo_table_is_96_6_percent(demo_pack: Path, desa_file: gpd.GeoDataFrame) -> None:
    with (demo_pack / "data" / "ppid.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    desa = desa_file[desa_file["KDEPUM"].str.split(".").str[3].str.startswith("2")]
    assert len(desa) == 239 and len(rows) == 239
    codes = {r["Kode Desa"] if "." in r["Kode Desa"] else
             f"{r['Kode Desa'][:2]}.{r['Kode Desa'][2:4]}.{r['Kode Desa'][4:6]}."
             f"{r['Kode Desa'][6:]}" for r in rows}  # fmt: skip
    assert codes == set(desa["KDEPUM"])
    formed = [r for r in rows if r["PPID Terbentuk"].lower() == "ya"]
    assert len(formed) == 231  # 231 / 239 = 96.65 %
    assert all(".desa.contoh.id" in r["Website"] for r in rows if r["Website"])


def test_import_demo_and_coverage_arithmetic(
    admin: Engine, demo_pack: Path, desa_file: gpd.GeoDataFrame
) -> None:
    with admin.begin() as conn:
        report = ppid.import_ppid(conn, demo_pack / "data" / "ppid.csv", actor="tester")
    assert (report.read, report.inserted, report.updated) == (239, 239, 0)
    assert (report.formed, report.not_formed) == (231, 8)
    assert "replaced" in report.notes[0]
    with (demo_pack / "data" / "ppid.csv").open(encoding="utf-8") as fh:
        formed_codes = {r["Kode Desa"].replace(".", "") for r in csv.DictReader(fh)
                        if r["PPID Terbentuk"].lower() == "ya"}  # fmt: skip
    desa = desa_file[desa_file["KDEPUM"].str.split(".").str[3].str.startswith("2")].copy()
    desa["formed"] = desa["KDEPUM"].str.replace(".", "").isin(formed_codes)
    with admin.connect() as conn:
        by_kec = {r["code"]: r for r in ppid.coverage(conn, "kecamatan")}
        by_kab = ppid.coverage(conn, "kabupaten")
        gaps = ppid.desa_list(conn, formed=False)
        limpung = ppid.desa_list(conn, kecamatan="Limpung")
        event = conn.execute(text("SELECT * FROM audit_event WHERE action = 'ppid.import'")).one()
    assert len(by_kec) == 15
    for code, group in desa.groupby("KDCPUM"):
        total, formed = len(group), int(group["formed"].sum())
        row = by_kec[code]
        assert (row["desa_total"], row["ppid_formed"]) == (total, formed), code
        assert row["percent"] == round(100 * formed / total + 1e-9, 1)
    # kecamatan Batang: its 9 kelurahan (1xxx) are not counted
    kel = desa_file[desa_file["KDEPUM"].str.startswith("33.25.11.1")]
    assert len(kel) == 9
    assert by_kec["33.25.11"]["desa_total"] == int((desa["KDCPUM"] == "33.25.11").sum())
    assert by_kab == [{"code": "33.25", "name": "Batang", "desa_total": 239, "ppid_formed": 231,
                       "percent": 96.7}]  # fmt: skip
    assert len(gaps) == 8 and not any(g["formed"] for g in gaps)
    assert {g["code"] for g in gaps} == set(desa.loc[~desa["formed"], "KDEPUM"])
    one = gaps[0]
    poly = desa.to_crs(4326).set_index("KDEPUM").loc[one["code"], "geometry"]
    assert poly.contains(Point(*one["point"]))
    assert {r["kecamatan"] for r in limpung} == {"Limpung"}
    assert len(limpung) == int((desa["WADMKC"] == "Limpung").sum())
    assert event.actor == "tester" and event.via == "cli" and event.counts["read"] == 239


def test_desa_without_row_counts_as_not_formed(admin: Engine, tmp_path: Path) -> None:
    f = _write(tmp_path / "p.csv", [["Kode Wilayah", "Status PPID"], ["3325082001", "ya"]])
    with admin.begin() as conn:
        ppid.import_ppid(conn, f)
    with admin.connect() as conn:
        rows = ppid.desa_list(conn, kecamatan="33.25.08")
        limpung = next(r for r in ppid.coverage(conn) if r["code"] == "33.25.08")
    assert sum(r["formed"] for r in rows) == 1 and sum(r["reported"] for r in rows) == 1
    assert limpung["ppid_formed"] == 1 and limpung["desa_total"] == len(rows)


def test_all_or_nothing_lists_every_bad_line(admin: Engine, tmp_path: Path) -> None:
    f = _write(
        tmp_path / "bad.csv",
        [
            ["Kode Desa", "PPID", "Tanggal SK", "Jumlah Informasi", "Update Terakhir"],
            ["33.25.08.2001", "ya", "01/02/2023", "5", "2025-01-31"],  # fine
            ["33.25.08.2999", "ya", "", "", ""],  # unknown desa
            ["33.25.11.1015", "ya", "", "", ""],  # kelurahan Kauman
            ["33.25.08.2002", "mungkin", "", "", ""],  # bad yes/no
            ["33.25.08.2003", "tidak", "31/02/2023", "", ""],  # bad date
            ["33.25.08.2004", "1", "", "-3", ""],  # negative count
            ["33.25.08.2001", "0", "", "", ""],  # listed twice
        ],
    )
    with pytest.raises(LoadError) as info, admin.begin() as conn:
        ppid.import_ppid(conn, f)
    rejected = info.value.extra["rejected"]
    assert [r["line"] for r in rejected] == [3, 4, 5, 6, 7, 8]
    reasons = " | ".join(r["reason"] for r in rejected)
    assert "not a desa of the current desa layer" in reasons
    assert "kelurahan" in rejected[1]["reason"] and "no village PPID" in rejected[1]["reason"]
    assert "kelurahan" in rejected[1]["reason_id"]
    assert "not ya/tidak" in rejected[2]["reason"] and "not a date" in rejected[3]["reason"]
    assert "negative" in rejected[4]["reason"] and "twice" in rejected[5]["reason"]
    assert info.value.message_id != info.value.message
    with admin.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM ppid")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM audit_event")).scalar() == 0


def test_upsert_replaces_listed_desa_only_and_xlsx_map(admin: Engine, tmp_path: Path) -> None:
    import openpyxl

    first = _write(tmp_path / "a.csv", [["Kode Desa", "PPID Terbentuk"],
                   ["33.25.08.2001", "ya"], ["33.25.08.2002", "ya"]], ";")  # fmt: skip
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["Rekap PPID Desa 2025"])
    ws.append(["Desa", "Sudah Ada PPID", "Nomor SK", "Situs", "Informasi Publik"])
    ws.append(["3325082001", "tidak", None, None, 0])
    path = tmp_path / "b.xlsx"
    book.save(path)
    with admin.begin() as conn:
        ppid.import_ppid(conn, first)
        with pytest.raises(FieldMappingError):
            ppid.import_ppid(conn, path)  # no desa code / status column without --map
        report = ppid.import_ppid(
            conn, path, mapping={"desa_code": "Desa", "formed": "Sudah Ada PPID"}
        )
    assert (report.inserted, report.updated) == (0, 1)
    assert report.field_map["desa_code"] == "Desa" and report.field_map["website"] == "Situs"
    with admin.connect() as conn:
        rows = dict(conn.execute(text("SELECT desa_code, formed FROM ppid")).all())
    assert rows == {"33.25.08.2001": False, "33.25.08.2002": True}


def test_cli_import_exit_codes(admin: Engine, cli_env: str, tmp_path: Path) -> None:
    from app.cli import app

    good = _write(tmp_path / "ok.csv", [["Kode Desa", "PPID"], ["33.25.08.2001", "yes"]])
    bad = _write(tmp_path / "bad.csv", [["Kode Desa", "PPID"], ["33.25.11.1015", "no"],
                                         ["33.25.08.2999", "no"]])  # fmt: skip
    runner = CliRunner()
    r = runner.invoke(app, ["ppid", "import", str(bad)])
    assert r.exit_code == 1
    assert "line 2" in r.stderr and "line 3" in r.stderr and "kelurahan" in r.stderr
    r = runner.invoke(app, ["ppid", "import", str(good), "--by", "ana"])
    assert r.exit_code == 0, r.output
    assert "inserted 1" in r.stdout and "replaced" in r.stdout
    r = runner.invoke(app, ["ppid", "import", str(good), "--map", "nonsense=x"])
    assert r.exit_code != 0


@pytest.mark.slow
def test_region_pack_imports_ppid_and_budgets(clean: Engine, demo_pack: Path) -> None:
    from app.services.regions.packs import load_region

    with clean.begin() as conn:
        conn.execute(text("DELETE FROM ppid"))
        result = load_region(conn, demo_pack, actor="tester")
    assert result.ppid is not None and result.ppid.formed == 231
    assert len(result.budgets) == 2
