"""Two regions in one database (Batang demo + a tiny Kota Pekalongan pack), kept apart."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box
from sqlalchemy import Engine

from app.services.catalog.layers import list_layers
from app.services.regions.packs import load_region
from app.services.rules.book import RuleBooks
from app.services.zoning.check import check_point
from tests.conftest import shared_file
from tests.fixtures import write
from tests.zoning_fixture import RULES, write_rules

AS_OF = "2025-06-01"


def _pekalongan_pack(tmp_path: Path, batang: Path) -> tuple[Path, list[tuple[float, float]]]:
    """Write a 33.75 pack: the kelurahan as admin, three zoning squares, distinct citations."""
    desa_file = shared_file("kota_pekalongan", "batas_desa_kota_pekalongan.geojson")
    pack = tmp_path / "pekalongan"
    desa = gpd.read_file(desa_file)
    write(desa, pack / "data" / "desa.geojson")
    # The synthetic Batang demo reaches into the city: zone only kelurahan outside it.
    kab = gpd.read_file(batang / "data" / "kabupaten.geojson").to_crs(32749).union_all()
    free = desa.to_crs(32749)
    free = free[~free.intersects(kab.buffer(1500))]
    if free.empty:
        pytest.skip("no Kota Pekalongan kelurahan lies apart from the Batang demo")
    cx, cy = free.geometry.iloc[0].representative_point().coords[0]
    codes = ["R-2", "K-1", "P-1"]
    zones = gpd.GeoDataFrame(
        {
            "KODSZN": codes,
            "NAMSZN": [f"Sub-zona {c}" for c in codes],
            "geometry": [
                box(cx + (i - 1.5) * 60, cy - 30, cx + (i - 0.5) * 60, cy + 30) for i in range(3)
            ],
        },
        crs="EPSG:32749",
    )
    write(zones, pack / "data" / "zona.geojson")
    sources = RULES["sources.csv"].replace("Perda Uji", "Perda Kota Pekalongan")
    write_rules(pack / "rules", **{"sources.csv": sources})
    (pack / "region.toml").write_text(
        """[region]
name = "Kota Pekalongan (uji)"
code = "33.75"
metric_crs = "EPSG:32749"

[rules]
dir = "rules"

[[layers]]
name = "desa"
kind = "admin"
file = "data/desa.geojson"
fields = { code = "kode", name = "nama" }

[[layers]]
name = "pola_ruang"
kind = "zoning"
file = "data/zona.geojson"
fields = { code = "KODSZN", name = "NAMSZN" }
""",
        encoding="utf-8",
    )
    points = [
        tuple(gpd.GeoSeries([g.centroid], crs=32749).to_crs(4326).iloc[0].coords[0])
        for g in zones.geometry
    ]
    return pack, points  # type: ignore[return-value]


def _batang_points(pack: Path) -> list[tuple[float, float]]:
    desa = gpd.read_file(pack / "data" / "desa.gpkg", layer="desa").to_crs(4326)
    return [p.coords[0] for p in desa.geometry.representative_point().iloc[:30]]


def _answers(engine: Engine, points: list[tuple[float, float]]) -> list[str]:
    from datetime import date

    books = RuleBooks()
    with engine.connect() as conn:
        return [
            json.dumps(
                check_point(
                    conn, x, y, activity=None, as_of=date.fromisoformat(AS_OF), books=books
                ).to_json(),
                sort_keys=True,
                default=str,
            )
            for x, y in points
        ]


@pytest.mark.real_data
def test_two_regions_kept_apart(clean: Engine, demo_pack: Path, tmp_path: Path) -> None:
    pek_pack, pek_points = _pekalongan_pack(tmp_path, demo_pack)
    with clean.begin() as conn:
        load_region(conn, demo_pack)
    batang_points = _batang_points(demo_pack)
    before = _answers(clean, batang_points)
    with clean.begin() as conn:
        load_region(conn, pek_pack)
    assert _answers(clean, batang_points) == before

    pek = [json.loads(a) for a in _answers(clean, pek_points)]
    for answer in pek:
        text = json.dumps(answer)
        assert "Perda Kota Pekalongan" in text
        assert "Perda Uji" not in text
        assert "Batang" not in text
    with clean.connect() as conn:
        layers = list_layers(conn)
    region_of = {(row.name, row.region) for row in layers}
    assert ("desa", "33.25") in region_of and ("desa", "33.75") in region_of
    assert ("pola_ruang", "33.75") in region_of

    with clean.begin() as conn:
        load_region(conn, demo_pack, force=True)
    assert [json.loads(a) for a in _answers(clean, pek_points)] == pek


@pytest.mark.real_data
def test_layer_name_in_two_regions_needs_region(
    clean: Engine, demo_pack: Path, tmp_path: Path, client
) -> None:
    pek_pack, _ = _pekalongan_pack(tmp_path, demo_pack)
    with clean.begin() as conn:
        load_region(conn, demo_pack)
        load_region(conn, pek_pack)
    assert client.get("/layers/desa").status_code == 422
    one = client.get("/layers/desa", params={"region": "33.75"})
    assert one.status_code == 200 and one.json()["region"] == "33.75"
    listed = client.get("/layers", params={"region": "33.75"}).json()
    assert {row["name"] for row in listed} == {"desa", "pola_ruang"}


@pytest.mark.real_data
@pytest.mark.parametrize("given", [None])
def test_loading_a_layer_with_several_regions_needs_one(
    clean: Engine, demo_pack: Path, tmp_path: Path, load, given: str | None
) -> None:
    from app.errors import InvalidParameter

    pek_pack, _ = _pekalongan_pack(tmp_path, demo_pack)
    with clean.begin() as conn:
        load_region(conn, demo_pack)
        load_region(conn, pek_pack)
    with pytest.raises(InvalidParameter, match="several regions"):
        load(pek_pack / "data" / "zona.geojson", "extra", "zoning")
