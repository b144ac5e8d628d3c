"""The loader against real files and a real PostGIS: formats, CRS, repair, atomicity, versions."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import box
from sqlalchemy import Engine, text

from app.errors import FieldMappingError, InvalidCRS, LoadError, SourceFileError
from app.services.catalog import history
from app.services.catalog import layers as catalog
from app.services.catalog.ingest import LoadRequest, load_layer
from tests.fixtures import X0, Y0, bowtie_utm, squares_utm, write


def current(engine: Engine, name: str) -> catalog.LayerDetailRow:
    with engine.connect() as conn:
        return catalog.get_layer(conn, name)


def stored(engine: Engine, name: str) -> gpd.GeoDataFrame:
    """Return the current version's features as read back from PostGIS."""
    with engine.connect() as conn:
        vid = catalog.resolve_version(conn, name)
        return gpd.read_postgis(
            text(
                "SELECT fid, code, name, area_m2, props, geom FROM feature "
                "WHERE version_id = :v ORDER BY fid"
            ),
            conn,
            params={"v": vid},
            geom_col="geom",
        )


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".fgb", ".shp", ".zip"])
def test_every_format_loads_with_areas_and_fields(load, clean, tmp_path: Path, suffix: str) -> None:
    src = squares_utm(3)
    path = write(src if suffix != ".geojson" else src.to_crs(4326), tmp_path / f"zona{suffix}")
    report = load(path, "zona", "zoning")
    assert (report.read, report.written, report.repaired, report.rejected) == (3, 3, 0, [])
    assert report.field_map == {"code": "KODSZN", "name": "NAMSZN"}
    got = stored(clean, "zona")
    assert sorted(got["code"]) == ["K-1", "P-1", "R-2"]  # FlatGeobuf reorders (spatial index)
    assert got.crs.to_epsg() == 4326
    # Independent: each square is 1,000 m x 1,000 m in EPSG:32749.
    for area in got["area_m2"]:
        assert area == pytest.approx(1_000_000, rel=1e-3)
    assert sorted(p["NOMOR"] for p in got["props"]) == [1, 2, 3]
    assert current(clean, "zona").feature_count == 3


def test_reprojection_from_utm_49s_matches_pyproj(load, clean, tmp_path: Path) -> None:
    src = squares_utm(2)
    report = load(write(src, tmp_path / "z.gpkg"), "zona", "zoning")
    assert report.source_crs == "EPSG:32749"
    got = stored(clean, "zona")
    expected = src.to_crs(4326)
    for g, e in zip(got.geometry, expected.geometry, strict=True):
        assert shapely.equals_exact(
            shapely.normalize(g), shapely.normalize(shapely.multipolygons([e])), 1e-9
        )
    bounds = current(clean, "zona").bounds
    assert bounds == pytest.approx(list(expected.total_bounds), abs=1e-9)


def test_web_mercator_copy_matches_pyproj_and_stops_short_of_the_pole(
    load, clean, tmp_path: Path
) -> None:
    """geom_web (what tiles draw) is pyproj's EPSG:3857 of geom; beyond 85.0511 deg it is cut."""
    frame = gpd.GeoDataFrame(
        {"KODSZN": ["R-2", "K-1"], "NAMSZN": ["batang", "kutub"]},
        geometry=[box(109.70, -7.00, 109.72, -6.98), box(10.0, 80.0, 11.0, 89.0)],
        crs=4326,
    )
    load(write(frame, tmp_path / "w.gpkg"), "zona", "zoning")
    with clean.connect() as conn:
        vid = catalog.resolve_version(conn, "zona")
        rows = conn.execute(
            text(
                "SELECT code, ST_AsBinary(geom) AS g, ST_AsBinary(geom_web) AS w, "
                "ST_SRID(geom_web) AS srid FROM feature WHERE version_id = :v ORDER BY code"
            ),
            {"v": vid},
        ).all()
    to_web = Transformer.from_crs(4326, 3857, always_xy=True)
    got = {r.code: (shapely.from_wkb(r.g), shapely.from_wkb(r.w), r.srid) for r in rows}
    g, w, srid = got["R-2"]
    assert srid == 3857
    assert shapely.equals_exact(
        shapely.normalize(w),
        shapely.normalize(shapely.transform(g, lambda c: np.column_stack(to_web.transform(*c.T)))),
        1e-6,
    )
    _, w, _ = got["K-1"]  # 80..89 deg N: kept up to 85.0511 deg only
    top = to_web.transform(10.5, 85.0511)[1]
    assert w.bounds[3] == pytest.approx(top, abs=1e-3)
    assert w.bounds[1] == pytest.approx(to_web.transform(10.5, 80.0)[1], abs=1e-3)


def test_source_crs_override_and_missing_crs(load, clean, tmp_path: Path) -> None:
    src = squares_utm(1)
    shp = write(src, tmp_path / "noprj.shp")
    shp.with_suffix(".prj").unlink()
    with pytest.raises(InvalidCRS, match="--source-crs"):
        load(shp, "zona", "zoning")
    report = load(shp, "zona", "zoning", source_crs="EPSG:32749")
    assert report.written == 1
    assert stored(clean, "zona")["area_m2"][0] == pytest.approx(1_000_000, rel=1e-3)
    with pytest.raises(InvalidCRS, match="unknown CRS"):
        load(shp, "zona", "zoning", source_crs="EPSG:999999")


def test_self_intersecting_polygon_is_repaired(load, clean, tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame(
        {"KODSZN": ["R-2", "K-1"]},
        geometry=[bowtie_utm(), box(X0 + 2000, Y0, X0 + 2100, Y0 + 100)],
        crs="EPSG:32749",
    )
    assert not gdf.geometry.is_valid.iloc[0]
    report = load(write(gdf, tmp_path / "bow.gpkg"), "zona", "zoning")
    assert report.repaired == 1 and report.written == 2
    got = stored(clean, "zona")
    assert got.geometry.is_valid.all()
    assert set(got.geom_type) == {"MultiPolygon"}
    # Two triangles of 500 m base and 250 m height: 2 * 62,500 m2.
    assert got["area_m2"][0] == pytest.approx(125_000, rel=1e-3)
    assert got["area_m2"][1] == pytest.approx(10_000, rel=1e-3)


def test_empty_geometries_and_codes_are_rejected_with_reasons(load, clean, tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame(
        {"KODSZN": ["R-2", "K-1", None]},
        geometry=[box(X0, Y0, X0 + 10, Y0 + 10), None, box(X0 + 20, Y0, X0 + 30, Y0 + 10)],
        crs="EPSG:32749",
    )
    report = load(write(gdf, tmp_path / "holes.gpkg"), "zona", "zoning")
    assert report.written == 1
    reasons = {r["fid"]: r["reason"] for r in report.rejected}
    assert "empty or missing geometry" in reasons[2]
    assert "KODSZN" in reasons[3]


def test_missing_required_field_fails_and_lists_fields(load, clean, tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame({"foo": [1]}, geometry=[box(0, 0, 1, 1)], crs="EPSG:4326")
    path = write(gdf, tmp_path / "nofield.geojson")
    with pytest.raises(FieldMappingError, match="foo"):
        load(path, "zona", "zoning")
    with pytest.raises(FieldMappingError, match="no field 'kode'"):
        load(path, "zona", "zoning", field_map={"code": "kode"})
    report = load(path, "zona", "zoning", field_map={"code": "FOO"})
    assert report.field_map["code"] == "foo"


def test_versions_replace_current_and_history_stays(load, clean, tmp_path: Path) -> None:
    r1 = load(write(squares_utm(2), tmp_path / "a.gpkg"), "zona", "zoning")
    r2 = load(write(squares_utm(4), tmp_path / "b.gpkg"), "zona", "zoning", title="Pola ruang")
    assert (r1.version, r2.version) == (1, 2)
    with clean.connect() as conn:
        versions = history.versions(conn, catalog.LAYER, "zona")
        assert [(v.version, v.current, v.feature_count) for v in versions] == [
            (2, True, 4),
            (1, False, 2),
        ]
        old = catalog.features_page(conn, "zona", None, 100, 0, version=1)
        new = catalog.features_page(conn, "zona", None, 100, 0)
    assert (len(old.features), len(new.features)) == (2, 4)
    assert versions[0].checksum != versions[1].checksum


def test_failed_load_leaves_previous_version(load, clean, tmp_path: Path) -> None:
    load(write(squares_utm(3), tmp_path / "good.geojson"), "zona", "zoning")
    good = (tmp_path / "good.geojson").read_bytes()
    truncated = tmp_path / "truncated.geojson"
    truncated.write_bytes(good[: len(good) // 2])
    with pytest.raises(SourceFileError, match="truncated.geojson"):
        load(truncated, "zona", "zoning")
    corrupt = tmp_path / "corrupt.gpkg"
    corrupt.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    with pytest.raises(SourceFileError):
        load(corrupt, "zona", "zoning")
    with pytest.raises(LoadError, match="kind 'zoning'"):
        load(
            write(squares_utm(1), tmp_path / "other.gpkg"),
            "zona",
            "admin",
            field_map={"code": "KODSZN", "name": "NAMSZN"},
        )
    with pytest.raises(LoadError, match="unknown kind"):
        load(tmp_path / "good.geojson", "zona", "zonasi")
    layer = current(clean, "zona")
    assert (layer.version, layer.feature_count) == (1, 3)
    assert len(stored(clean, "zona")) == 3


def test_interrupted_load_rolls_back_everything(clean, tmp_path: Path) -> None:
    path = write(squares_utm(3), tmp_path / "z.gpkg")
    with clean.begin() as conn:
        load_layer(conn, LoadRequest(path=path, name="zona", kind="zoning"))

    def interrupt(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt), clean.begin() as conn:
        load_layer(conn, LoadRequest(path=path, name="zona", kind="zoning"), progress=interrupt)
    with clean.connect() as conn:
        versions = history.versions(conn, catalog.LAYER, "zona")
        tables = conn.execute(
            text("SELECT count(*) FROM pg_class WHERE relname LIKE 'feature_v%' AND relkind = 'r'")
        ).scalar_one()
    assert [v.version for v in versions] == [1]
    assert tables == 1


def test_geopackage_with_two_layers_needs_layer_option(load, clean, tmp_path: Path) -> None:
    path = tmp_path / "two.gpkg"
    write(squares_utm(1), path, layer="satu")
    write(squares_utm(2), path, layer="dua")
    with pytest.raises(SourceFileError, match="--layer"):
        load(path, "zona", "zoning")
    with pytest.raises(SourceFileError, match="no layer 'tiga'"):
        load(path, "zona", "zoning", layer="tiga")
    assert load(path, "zona", "zoning", layer="dua").written == 2


def test_admin_codes_keep_the_hierarchy(load, clean, tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame(
        {"KDEPUM": ["33.25.01.2001", "3325011001", "bad"], "NAMOBJ": ["Silurah", "Kota", "X"]},
        geometry=[
            box(109.7, -7.1, 109.71, -7.09),
            box(109.71, -7.1, 109.72, -7.09),
            box(109.72, -7.1, 109.73, -7.09),
        ],
        crs="EPSG:4326",
    )
    report = load(write(gdf, tmp_path / "desa.geojson"), "desa", "admin")
    assert report.written == 2
    assert "not a Kemendagri code" in report.rejected[0]["reason"]
    with clean.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT code, parent_code, level FROM feature f JOIN layer l "
                "ON l.current_version_id = f.version_id WHERE l.name = 'desa' ORDER BY fid"
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("33.25.01.2001", "33.25.01", 4),
        ("33.25.01.1001", "33.25.01", 4),
    ]


def test_bad_name_and_missing_file(load, clean, tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="not allowed"):
        load(tmp_path / "x.geojson", "Pola Ruang", "zoning")
    with pytest.raises(SourceFileError, match="not found"):
        load(tmp_path / "x.geojson", "zona", "zoning")
    (tmp_path / "x.csv").write_text("a,b\n")
    with pytest.raises(SourceFileError, match="unsupported"):
        load(tmp_path / "x.csv", "zona", "zoning")


def _mixed() -> gpd.GeoDataFrame:
    """A polygon, a point, a line and a collection with a polygon in it, all with desa codes."""
    square = box(109.70, -7.10, 109.71, -7.09)
    return gpd.GeoDataFrame(
        {
            "KDEPUM": ["33.25.01.2001", "33.25.01.2002", "33.25.01.2003", "33.25.01.2004"],
            "NAMOBJ": ["Silurah", "Sodong", "Gringgingsari", "Kedungmalang"],
        },
        geometry=[
            square,
            shapely.Point(109.72, -7.09),
            shapely.LineString([(109.73, -7.10), (109.74, -7.09)]),
            shapely.GeometryCollection(
                [box(109.75, -7.10, 109.76, -7.09), shapely.Point(109.8, -7.0)]
            ),
        ],
        crs="EPSG:4326",
    )


@pytest.mark.parametrize("kind", ["admin", "zoning", "overlay", "parcel"])
def test_polygon_kinds_reject_points_and_lines(load, clean, tmp_path: Path, kind: str) -> None:
    path = write(_mixed(), tmp_path / "campur.geojson")
    fields = {"code": "KDEPUM", "name": "NAMOBJ"}
    report = load(path, "campur", kind, field_map=fields)
    assert (report.read, report.written) == (4, 2)
    assert report.rejected == [
        {"fid": 2, "reason": f"Point geometry: {kind} layers take polygons only"},
        {"fid": 3, "reason": f"LineString geometry: {kind} layers take polygons only"},
    ]
    got = stored(clean, "campur")
    assert list(got["fid"]) == [1, 4]
    assert set(got.geom_type) == {"MultiPolygon"}
    assert current(clean, "campur").geometry_type == "MultiPolygon"
    # Independent: the collection keeps its 0.01 x 0.01 degree square only.
    assert got.geometry[1].equals(shapely.MultiPolygon([box(109.75, -7.10, 109.76, -7.09)]))


def test_points_are_not_served_as_desa(load, clean, client, tmp_path: Path) -> None:
    load(write(_mixed(), tmp_path / "campur.geojson"), "desa", "admin")
    assert client.get("/admin/33.25.01.2001").status_code == 200
    assert client.get("/admin/33.25.01.2002").status_code == 404


def test_a_polygon_kind_file_without_polygons_fails(load, clean, tmp_path: Path) -> None:
    lines = _mixed().iloc[[1, 2, 2]]
    path = write(lines, tmp_path / "garis.geojson")
    with pytest.raises(LoadError, match=r"take polygons, but the file has none \(2 LineString"):
        load(path, "desa", "admin")
    with clean.connect() as conn:
        assert catalog.layer_names(conn) == []
    report = load(path, "jalan", "base")  # points and lines are fine for a base layer
    assert report.written == 3 and report.rejected == []
