"""Two adjacent synthetic regions: a parcel across their border, per-region batches, per-region
metric CRS, and name paths (versions, features, drop, activities, parcels) kept per region.

Layout in EPSG:32749 relative to (X0, Y0), metres:
    region 33.25 (metric EPSG:32749)   admin x -1000..0,  zoning R-2  x -1000..0,  y 0..100
    region 33.75 (metric EPSG:23835)   admin x     0..1000, zoning K-1 x 0..1000,  y 0..100
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import mapping
from sqlalchemy import Engine
from typer.testing import CliRunner

from app.cli import app as cli
from app.services.regions.packs import load_region
from tests.fixtures import write
from tests.zoning_fixture import RULES, utm_box, write_rules

TM3 = "EPSG:23835"  # DGN95 / Indonesia TM-3 zone 49.1 (108-111 E)


def _pack(root: Path, code: str, name: str, x0: float, x1: float, zone: str, crs: str) -> Path:
    pack = root / code.replace(".", "_")
    admin = gpd.GeoDataFrame(
        {"kode": [f"{code}.01.2001"], "nama": [f"Desa {name}"]},
        geometry=[utm_box(x0, x1, -500, 500)],
        crs="EPSG:32749",
    )
    zona = gpd.GeoDataFrame(
        {"KODSZN": [zone], "NAMSZN": [f"Zona {zone}"]},
        geometry=[utm_box(x0, x1)],
        crs="EPSG:32749",
    )
    parcel = gpd.GeoDataFrame(
        {"id": ["P-1"]},
        geometry=[utm_box(x0 + 100, x0 + 200)] if x0 < 0 else [utm_box(x1 - 200, x1 - 100)],
        crs="EPSG:32749",
    )
    write(admin, pack / "data" / "admin.geojson")
    write(zona, pack / "data" / "zona.geojson")
    write(parcel, pack / "data" / "persil.geojson")
    sources = RULES["sources.csv"].replace("Perda Uji", f"Perda {name}")
    write_rules(pack / "rules", **{"sources.csv": sources})
    (pack / "region.toml").write_text(
        f"""[region]
name = "{name}"
code = "{code}"
metric_crs = "{crs}"

[rules]
dir = "rules"

[[layers]]
name = "batas"
kind = "admin"
file = "data/admin.geojson"
fields = {{ code = "kode", name = "nama" }}

[[layers]]
name = "pola_ruang"
kind = "zoning"
file = "data/zona.geojson"
fields = {{ code = "KODSZN", name = "NAMSZN" }}

[[layers]]
name = "persil"
kind = "parcel"
file = "data/persil.geojson"
fields = {{ code = "id" }}
""",
        encoding="utf-8",
    )
    return pack


@pytest.fixture
def two(clean: Engine, tmp_path: Path) -> Engine:
    west = _pack(tmp_path, "33.25", "Barat Uji", -1000, 0, "R-2", "EPSG:32749")
    east = _pack(tmp_path, "33.75", "Timur Uji", 0, 1000, "K-1", TM3)
    with clean.begin() as conn:
        load_region(conn, west)
        load_region(conn, east)
    return clean


def _wgs(geom):
    return gpd.GeoSeries([geom], crs=32749).to_crs(4326).iloc[0]


def _area_in(geom, crs: str) -> float:
    return float(gpd.GeoSeries([geom], crs=32749).to_crs(crs).area.iloc[0])


def _zone_shares(answer: dict) -> dict[str, float]:
    return {z["code"]: z["share"] for z in answer["zones"]}


def test_parcel_across_the_border_is_answered_by_its_larger_part(two: Engine, client) -> None:
    parcel = utm_box(-60, 40)  # 60 m of its 100 m width lie in 33.25
    body = {"geometry": mapping(_wgs(parcel)), "kbli": "68111", "as_of": "2025-06-01"}
    answer = client.post("/zoning/check", json=body).json()
    assert _zone_shares(answer) == {"R-2": pytest.approx(0.6, abs=1e-3)}
    # the 40 % in 33.75 lies outside 33.25's boundary: not assessed, not "no plan"
    assert answer["outside_share"] == pytest.approx(0.4, abs=1e-3)
    assert answer["no_plan_share"] == 0 and answer["verdict_shares"] == {"I": 1.0}
    text = json.dumps(answer)
    said = " ".join(w["en"] for w in answer["warnings"])
    assert "33.75" in said and "33.25" in said
    assert "Perda Barat Uji" in text and "Perda Timur Uji" not in text
    assert answer["outside_share"] == pytest.approx(0.4, abs=1e-3)
    assert answer["outside_warning"] is not None


def test_batch_rows_are_answered_by_their_own_region(two: Engine, client) -> None:
    feats = [
        {
            "type": "Feature",
            "id": name,
            "properties": {"kbli": "68111"},
            "geometry": mapping(_wgs(utm_box(x, x + 50))),
        }
        for name, x in (("west", -500), ("east", 500), ("west2", -200))
    ]
    body = {"type": "FeatureCollection", "features": feats}
    out = client.post("/zoning/check/batch", json=body, params={"as_of": "2025-06-01"}).json()
    rows = {r["id"]: r for r in out["rows"]}
    assert set(rows) == {"west", "east", "west2"}
    for key, zone, perda in (
        ("west", "R-2", "Barat"),
        ("east", "K-1", "Timur"),
        ("west2", "R-2", "Barat"),
    ):
        assert rows[key]["zones"] == f"{zone}:1.0"
        assert rows[key]["desa_code"].startswith("33.25" if perda == "Barat" else "33.75")
        assert f"Perda {perda} Uji" in rows[key]["legal"]
        other = "Timur" if perda == "Barat" else "Barat"
        assert f"Perda {other} Uji" not in json.dumps(rows[key])


def test_each_region_measures_in_its_own_metric_crs(two: Engine, client) -> None:
    for x, crs in ((-500, "EPSG:32749"), (500, TM3)):
        parcel = utm_box(x, x + 70, 10, 80)
        body = {"geometry": mapping(_wgs(parcel)), "as_of": "2025-06-01"}
        answer = client.post("/zoning/check", json=body).json()
        assert answer["area_m2"] == pytest.approx(_area_in(parcel, crs), abs=0.05)
    # the TM-3 area is not the UTM area: the test tells the two apart
    assert abs(_area_in(utm_box(0, 70, 10, 80), TM3) - 4900.0) > 0.5


def test_name_paths_need_the_region_when_two_share_a_name(two: Engine, client) -> None:
    for path in ("/layers/pola_ruang/versions", "/layers/pola_ruang/features"):
        r = client.get(path)
        assert r.status_code == 422 and r.json()["regions"] == ["33.25", "33.75"]
    east = client.get("/layers/pola_ruang/features", params={"region": "33.75"}).json()
    assert [f["properties"]["code"] for f in east["features"]] == ["K-1"]
    versions = client.get("/layers/pola_ruang/versions", params={"region": "33.25"}).json()
    assert [v["region"] for v in versions] == ["33.25"]
    assert client.get("/layers/pola_ruang/features", params={"region": "33.99"}).status_code == 404

    # stored parcels: the id P-1 is in both regions' parcel layers
    assert client.get("/parcels/P-1/zoning").status_code == 422
    east_parcel = client.get("/parcels/P-1/zoning", params={"region": "33.75"}).json()
    assert east_parcel["parcel"]["region"] == "33.75"
    assert set(_zone_shares(east_parcel)) == {"K-1"}

    # activity search: whose matrix says `listed`
    assert client.get("/zoning/activities", params={"q": "rumah"}).status_code == 422
    found = client.get("/zoning/activities", params={"q": "68111", "region": "33.25"})
    assert found.status_code == 200 and found.json()[0]["code"] == "68111"


def test_cli_drops_and_rolls_back_one_regions_layer(two: Engine, cli_env: str, client) -> None:
    runner = CliRunner()
    ambiguous = runner.invoke(cli, ["layers", "drop", "pola_ruang", "--yes"])
    assert ambiguous.exit_code != 0 and "--region" in ambiguous.output
    history = runner.invoke(cli, ["layers", "history", "pola_ruang", "--region", "33.75"])
    assert history.exit_code == 0, history.output
    dropped = runner.invoke(cli, ["layers", "drop", "pola_ruang", "--yes", "--region", "33.75"])
    assert dropped.exit_code == 0, dropped.output
    left = client.get("/layers", params={"kind": "zoning"}).json()
    assert [(row["name"], row["region"]) for row in left] == [("pola_ruang", "33.25")]
    # the west region still answers exactly from its own layer
    body = {"geometry": mapping(_wgs(utm_box(-500, -450))), "as_of": "2025-06-01"}
    assert set(_zone_shares(client.post("/zoning/check", json=body).json())) == {"R-2"}
