"""Placing projects: location text matched to desa names, then set-wise SQL against shapely."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from sqlalchemy import Engine, text

from app.services.catalog.places import normalize_name
from app.services.projects.importer import import_projects
from app.services.projects.place import Area, Gazetteer, match_locations, split_location
from tests.conftest import NO_PROJECTS, delete_projects

SOURCE = Path(__file__).resolve().parents[2] / "layers" / "batang-demo" / "source"


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    """The real Batang desa and kecamatan names (the demo's source), without a database."""
    desa = gpd.read_file(SOURCE / "batas_desa_batang.geojson")
    kec = gpd.read_file(SOURCE / "batas_kecamatan_batang.geojson")
    gaz = Gazetteer()
    for r in kec.itertuples():
        gaz.kec_by_key.setdefault(normalize_name(r.nama), []).append(Area(r.kode, r.nama, 3, None))
        gaz.kec_names[r.kode] = r.nama
    for r in desa.itertuples():
        area = Area(r.kode, r.nama, 4, r.kode_kec)
        gaz.desa_by_key.setdefault(normalize_name(r.nama), []).append(area)
    gaz.desa_keys, gaz.kec_keys = list(gaz.desa_by_key), list(gaz.kec_by_key)
    return gaz


def code_of(gaz: Gazetteer, desa: str, kec: str) -> str:
    """The code of desa `desa` in kecamatan `kec`, looked up by exact names."""
    (area,) = [
        a
        for a in gaz.desa_by_key[normalize_name(desa)]
        if gaz.kec_names[a.parent_code or ""] == kec
    ]
    return area.code


@pytest.mark.parametrize(
    ("raw", "desa", "kec"),
    [
        ("Ds. Silurah, Kec. Wonotunggal", "Silurah", "Wonotunggal"),
        ("Desa Kalisalak Kec. Limpung", "Kalisalak", "Limpung"),
        ("Dukuh Krajan RT 02, Desa Sodong, Kab. Batang", "Sodong", ""),
        ("Sodong, Wonotunggal", "Sodong", "Wonotunggal"),
        ("Dukuh Kalipucang RT 04/RW 01 Ds. Pungangan", "Pungangan", ""),  # prefix mid-part
    ],
)
def test_split_location(raw: str, desa: str, kec: str) -> None:
    assert split_location(raw) == (desa, kec)


def test_matching_prefixes_spaces_case_typos(gazetteer: Gazetteer) -> None:
    cases = {
        ("DESA SILURAH", None): ("Silurah", "Wonotunggal"),
        ("Ds.Silurah", None): ("Silurah", "Wonotunggal"),
        ("silurahh", None): ("Silurah", "Wonotunggal"),  # a typo
        ("Gringging sari", None): ("Gringgingsari", "Wonotunggal"),  # a space too many
        ("Kel. Kauman", None): None,  # filled below if Kauman is unique
        ("Kalisalak", "Limpung"): ("Kalisalak", "Limpung"),  # same name, kecamatan column
        ("Ds. Kalisalak, Kec. Batang", None): ("Kalisalak", "Batang"),  # kecamatan in the text
        ("Kalisalak Limpung", None): ("Kalisalak", "Limpung"),  # kecamatan as a trailing word
        ("Desa Kebumen", "Kec. Tulis"): ("Kebumen", "Tulis"),
        ("Kel. Kauamn Kec. Batang", None): ("Kauman", "Batang"),  # two letters swapped
        ("Ds. Badnung Kec. Pecalungan", None): ("Bandung", "Pecalungan"),  # swapped too
    }
    verdicts = match_locations(gazetteer, list(cases))
    for pair, want in cases.items():
        v = verdicts[pair]
        if want is None:
            continue
        assert v.why is None, (pair, v)
        assert v.desa_code == code_of(gazetteer, *want), pair
        assert v.score is not None and v.score >= 90


def test_ambiguous_and_weak_are_never_guessed(gazetteer: Gazetteer) -> None:
    pairs = [
        ("Kalisalak", None),
        ("Desa Lebo", None),
        ("Xyzabc", None),
        ("Silurah", "Tulis"),
        ("Ds. Slrh", None),
    ]  # two slips too many: a weak match, not a guess
    v = match_locations(gazetteer, pairs)
    assert v[pairs[0]].desa_code is None
    assert v[pairs[0]].why == "ambiguous: Kalisalak (kec Limpung) or Kalisalak (kec Batang)"
    assert v[pairs[1]].why is not None and v[pairs[1]].why.startswith("ambiguous: Lebo")
    assert v[pairs[2]].why is not None and v[pairs[2]].why.startswith("weak match: best")
    # a desa that is not in the named kecamatan is not taken from another one
    assert v[pairs[3]].desa_code is None and "in kec Tulis" in (v[pairs[3]].why or "")
    assert v[pairs[4]].desa_code is None and (v[pairs[4]].why or "").startswith("weak match")


def test_kecamatan_only(gazetteer: Gazetteer) -> None:
    pairs = [("Kec. Limpung", None), (None, "Tersono")]
    v = match_locations(gazetteer, pairs)
    for pair in pairs:
        assert v[pair].desa_code is None and v[pair].kecamatan_code is not None


@pytest.fixture
def demo(demo_with) -> Engine:
    """The demo region without its budget projects."""
    return demo_with("no projects", delete_projects, NO_PROJECTS)


def test_setwise_placing_matches_shapely(demo: Engine, demo_pack: Path, tmp_path: Path) -> None:
    """Points, lines and desa codes placed in SQL agree with shapely on the source files."""
    desa = gpd.read_file(demo_pack / "data" / "desa.gpkg").to_crs(4326)
    zones = gpd.read_file(demo_pack / "data" / "pola_ruang.gpkg").to_crs(4326)
    code_col = "KDEPUM" if "KDEPUM" in desa.columns else "code"
    land = desa.geometry.union_all()
    minx, miny, maxx, maxy = land.bounds
    pts = shapely.points(
        [minx + (maxx - minx) * (i * 0.6180339 % 1) for i in range(1, 61)],
        [miny + (maxy - miny) * (i * 0.7548776 % 1) for i in range(1, 61)],
    )
    rows = ["Kode Paket,Nama Paket,Pagu,Bujur,Lintang,WKT,Kode Desa"]
    for i, p in enumerate(pts):
        if i % 3 == 2:
            wkt = f"LINESTRING ({p.x} {p.y}, {p.x + 0.002} {p.y + 0.001})"
            rows.append(f'P{i},Jalan {i},1000,,,"{wkt}",')
        else:
            rows.append(f"P{i},Titik {i},1000,{p.x},{p.y},,")
    codes = list(desa[code_col][:10])
    for j, c in enumerate(codes):
        rows.append(f"D{j},Desa {j},1000,,,,{c.replace('.', '')}")
    path = tmp_path / "titik.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with demo.begin() as conn:
        report = import_projects(conn, path, 2025)
    assert report.inserted == 70
    with demo.connect() as conn:
        got = {
            r.ref: r
            for r in conn.execute(
                text(
                    "SELECT ref, desa_code, kecamatan_code, zones, placed_by, given_desa_code, "
                    "ST_AsText(geom) AS wkt FROM project WHERE year = 2025"
                )
            )
        }
    for i, p in enumerate(pts):
        geom = shapely.from_wkt(got[f"P{i}"].wkt)
        anchor = geom.point_on_surface() if i % 3 == 2 else p
        hits = sorted(desa[desa.intersects(anchor)][code_col])
        assert got[f"P{i}"].desa_code == (hits[0] if hits else None), i
        if hits:
            assert got[f"P{i}"].kecamatan_code == hits[0].rsplit(".", 1)[0]
        want_zones = set(zones[zones.intersects(geom)]["KODSZN"])
        assert set(got[f"P{i}"].zones) == want_zones, i
        assert got[f"P{i}"].placed_by == ("wkt" if i % 3 == 2 else "coordinates")
    for j, c in enumerate(codes):
        r = got[f"D{j}"]
        assert r.desa_code == c and r.given_desa_code == c and r.placed_by == "desa_code"
        poly = desa[desa[code_col] == c].geometry.union_all()
        assert poly.buffer(1e-9).covers(shapely.from_wkt(r.wkt))
