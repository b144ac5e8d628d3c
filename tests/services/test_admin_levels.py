"""One answer per admin level: one current admin version a level, kecamatan by the desa code.

Squares of tests/zoning_fixture.py (EPSG:32749, metres from X0, Y0): the fixture desa are
33.25.11.2001 on x -1000..150 and 33.25.11.2002 on x 150..1000 (y -1000..1000).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point, mapping
from sqlalchemy import Engine, text

from app.errors import RegionPackError
from app.services import zoning
from app.services.catalog import admin as admin_areas
from app.services.catalog.manifest import read_manifest
from app.services.regions.packs import load_region
from tests.conftest import shared_file
from tests.fixtures import X0, Y0, write
from tests.zoning_fixture import utm_box

NOW = date(2026, 1, 1)


def run(engine: Engine, geom) -> dict:
    with engine.connect() as conn:
        return zoning.check(conn, mapping(geom), "EPSG:32749", as_of=NOW).to_json()


def admin_of(answer: dict, level: str) -> list[tuple[str, float]]:
    return [(a["code"], a["share"]) for a in answer["admin"] if a["level"] == level]


def admin_file(folder: Path, name: str, rows: list[tuple[str, str, float, float]]) -> Path:
    """Write admin squares (code, name, x0, x1; y -1000..1000) as a GeoPackage."""
    gdf = gpd.GeoDataFrame(
        {"KODE": [r[0] for r in rows], "NAMA": [r[1] for r in rows]},
        geometry=[utm_box(r[2], r[3], -1000, 1000) for r in rows],
        crs="EPSG:32749",
    )
    return write(gdf, folder / f"{name}.gpkg")


FIELDS = {"code": "KODE", "name": "NAMA"}
# Another desa layer: the same two desa split at x = 100 instead of 150.
DESA_BARU = [
    ("33.25.11.2001", "Kauman baru", -1000, 100),
    ("33.25.11.2002", "Proyonanggan baru", 100, 1000),
]
# Kecamatan: 33.25.11 west of x = 150, 33.25.12 east of it. Desa 33.25.11.2002 (x 150..1000)
# says by its code that it lies in 33.25.11, but the polygon under it is 33.25.12.
KECAMATAN = [("33.25.11", "Kec A", -1000, 150), ("33.25.12", "Kec B", 150, 1000)]


def test_two_desa_layers_one_desa_per_part(planning_area: Engine, loader, tmp_path: Path) -> None:
    loader(admin_file(tmp_path, "desa_baru", DESA_BARU), "desa_baru", "admin", field_map=FIELDS)
    # Parcel x 50..250, y 0..100 (20,000 m²): the newer layer splits it at x = 100.
    a = run(planning_area, utm_box(50, 250))
    desa = [(d["code"], d["name"], d["share"]) for d in a["admin"] if d["level"] == "desa"]
    assert desa == [
        ("33.25.11.2002", "Proyonanggan baru", 0.75),
        ("33.25.11.2001", "Kauman baru", 0.25),
    ]
    assert sum(s for _, _, s in desa) <= 1
    assert {d["parent_code"] for d in a["admin"]} == {"33.25.11"}
    used = {s["layer"] for s in a["sources"]["layers"] if s["kind"] == "admin"}
    assert used == {"desa_baru"}
    # A point on the old boundary (x = 150) is in one desa only: 2002 of the newer layer.
    p = run(planning_area, Point(X0 + 150, Y0 + 50))
    assert admin_of(p, "desa") == [("33.25.11.2002", 1.0)]
    with planning_area.connect() as conn:
        area = admin_areas.get_area(conn, "33.25.11.2001", with_geometry=False)
    assert (area["layer"], area["name"]) == ("desa_baru", "Kauman baru")


def test_admin_endpoint_answers_from_current_layer(
    planning_area: Engine, loader, tmp_path: Path, client
) -> None:
    loader(admin_file(tmp_path, "desa_baru", DESA_BARU), "desa_baru", "admin", field_map=FIELDS)
    body = client.get("/admin/33.25.11.2002").json()
    assert (body["layer"], body["name"]) == ("desa_baru", "Proyonanggan baru")
    # 900 m x 2000 m in the metric CRS (areas are measured there).
    assert body["area_m2"] == pytest.approx(900 * 2000, rel=1e-6)


def test_pack_named_layer_wins_over_newer(clean: Engine, load, tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    rows = [("33.25.11.2001", "Kauman", -1000, 150), ("33.25.11.2002", "Proyonanggan", 150, 1000)]
    admin_file(pack / "data", "desa", rows)
    (pack / "region.toml").write_text(
        """
[region]
name = "Uji"
code = "33.25"
metric_crs = "EPSG:32749"

[admin]
desa = "desa"

[[layers]]
name = "desa"
kind = "admin"
file = "data/desa.gpkg"
fields = { code = "KODE", name = "NAMA" }
""",
        encoding="utf-8",
    )
    with clean.begin() as conn:
        load_region(conn, pack)
    load(admin_file(tmp_path, "desa_baru", DESA_BARU), "desa_baru", "admin", field_map=FIELDS)
    a = run(clean, utm_box(50, 250))
    assert admin_of(a, "desa") == [("33.25.11.2001", 0.5), ("33.25.11.2002", 0.5)]
    with clean.connect() as conn:
        assert admin_areas.get_area(conn, "33.25.11.2001", False)["layer"] == "desa"


def test_manifest_admin_must_name_an_admin_layer(tmp_path: Path) -> None:
    base = """
[region]
name = "Uji"
code = "33.25"
metric_crs = "EPSG:32749"

[[layers]]
name = "zona"
kind = "zoning"
file = "data/zona.gpkg"
"""
    for admin, message in (
        ('[admin]\ndesa = "zona"\n', "kind 'zoning'"),
        ('[admin]\ndesa = "tidak_ada"\n', "names no admin layer"),
        ('[admin]\nkelurahan = "zona"\n', "kelurahan"),
    ):
        (tmp_path / "region.toml").write_text(base + admin, encoding="utf-8")
        with pytest.raises(RegionPackError, match=message):
            read_manifest(tmp_path)


def test_desa_code_names_the_kecamatan(planning_area: Engine, loader, tmp_path: Path) -> None:
    report = loader(admin_file(tmp_path, "kec", KECAMATAN), "kecamatan", "admin", field_map=FIELDS)
    # Parcel x 50..250: desa 2001 (x 50..150) and 2002 (x 150..250), both of kecamatan 33.25.11
    # by code; the polygon of 33.25.12 under 2002 is not the parcel's kecamatan.
    a = run(planning_area, utm_box(50, 250))
    assert admin_of(a, "desa") == [("33.25.11.2001", 0.5), ("33.25.11.2002", 0.5)]
    kec = [(k["code"], k["name"], k["share"], k["parent_code"]) for k in a["admin"][2:]]
    assert kec == [("33.25.11", "Kec A", 1.0, "33.25")]
    assert any("33.25.11.2002" in w and "33.25.12" in w for w in (x["en"] for x in a["warnings"]))
    assert not any("33.25.11.2001" in w for w in (x["en"] for x in a["warnings"]))
    # Wholly in desa 2002 (x 200..300): kecamatan A is not under the parcel, named anyway.
    b = run(planning_area, utm_box(200, 300))
    kec_b = [(k["code"], k["name"], k["share"]) for k in b["admin"] if k["level"] == "kecamatan"]
    assert kec_b == [("33.25.11", "Kec A", 1.0)]
    assert b["admin"][1]["area_m2"] == pytest.approx(10_000)
    p = run(planning_area, Point(X0 + 250, Y0 + 50))
    assert [(k["code"], k["name"]) for k in p["admin"]] == [
        ("33.25.11.2002", "Proyonanggan"),
        ("33.25.11", "Kec A"),
    ]
    assert any("33.25.12" in w for w in (x["en"] for x in p["warnings"]))
    # In desa 2001, under the polygon of its own kecamatan: no warning.
    c = run(planning_area, utm_box(0, 100))
    assert admin_of(c, "kecamatan") == [("33.25.11", 1.0)]
    assert not any("kecamatan" in w for w in (x["en"] for x in c["warnings"]))
    # The load of the kecamatan over the current desa warned about the same desa.
    [warning] = report.warnings
    assert warning["count"] == 1
    assert warning["examples"] == [
        {
            "desa": "33.25.11.2002",
            "kecamatan_by_code": "33.25.11",
            "kecamatan_polygon": "33.25.12",
        }
    ]


def test_load_report_warns_on_desa_in_another_kecamatan(
    clean: Engine, load, tmp_path: Path
) -> None:
    kec = load(admin_file(tmp_path, "kec", KECAMATAN), "kecamatan", "admin", field_map=FIELDS)
    assert kec.warnings == []  # no desa yet
    rows = [
        ("33.25.11.2001", "Satu", -1000, -500),  # in A: fine
        ("33.25.11.2002", "Dua", -500, 150),  # in A: fine
        ("33.25.11.2003", "Tiga", 150, 400),  # its point is in B
        ("33.25.12.2004", "Empat", 400, 700),  # in B: fine
        ("33.25.12.2005", "Lima", 700, 1000),  # in B: fine
        ("33.25.13.2006", "Enam", 2000, 2500),  # under no kecamatan polygon: nothing to say
    ]
    report = load(admin_file(tmp_path, "desa", rows), "desa", "admin", field_map=FIELDS)
    [warning] = report.warnings
    assert warning["code"] == "desa_kecamatan_mismatch" and warning["count"] == 1
    assert warning["examples"] == [
        {"desa": "33.25.11.2003", "kecamatan_by_code": "33.25.11", "kecamatan_polygon": "33.25.12"}
    ]
    with clean.connect() as conn:
        levels = dict(
            conn.execute(
                text(
                    "SELECT l.name, v.levels FROM layer l "
                    "JOIN layer_version v ON v.id = l.current_version_id"
                )
            ).all()
        )
        stored = conn.execute(
            text("SELECT report FROM layer_version WHERE id = :v"), {"v": report.version_id}
        ).scalar_one()
    assert levels == {"kecamatan": [3], "desa": [4]}
    assert stored["warnings"] == report.warnings


@pytest.mark.real_data
def test_real_batang_desa_name_the_kecamatan_of_their_code(
    clean: Engine, load, demo_pack: Path
) -> None:
    path = shared_file("batang", "batas_desa_batang.geojson")
    kec_map = {"code": "KDCPUM", "name": "WADMKC"}
    load(demo_pack / "data" / "kecamatan.zip", "kecamatan", "admin", field_map=kec_map)
    load(path, "desa", "admin", field_map={"code": "kode", "name": "nama"})
    desa = gpd.read_file(path).sort_values("kode").reset_index(drop=True)
    kec = gpd.read_file(demo_pack / "data" / "kecamatan.zip")
    kec_names = dict(zip(kec["KDCPUM"].astype(str), kec["WADMKC"], strict=True))
    picked = desa.iloc[:: max(len(desa) // 50, 1)].head(50)
    assert len(picked) == 50
    points = picked.to_crs(32749).representative_point()
    for (_, row), point in zip(picked.iterrows(), points, strict=True):
        a = run(clean, point)
        own_kec = row["kode"][: row["kode"].rindex(".")]
        assert admin_of(a, "desa") == [(row["kode"], 1.0)], row["kode"]
        got = [(k["code"], k["name"]) for k in a["admin"] if k["level"] == "kecamatan"]
        assert got == [(own_kec, kec_names.get(own_kec))], row["kode"]
