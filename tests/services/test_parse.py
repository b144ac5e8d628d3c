"""Batch geometry parsing: the vectorised path answers exactly like the one-by-one check."""

from __future__ import annotations

import math

import pytest
import shapely

from app.errors import RtrwError
from app.services.geo.parse import Parcel, parse_geometry, parse_many
from app.settings import ZoningSettings

UTM = 32749
SETTINGS = ZoningSettings(max_vertices=50, max_area_ha=10)


def square(x: float, y: float, side: float) -> dict:
    ring = [[x, y], [x + side, y], [x + side, y + side], [x, y + side], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


MIXED = [
    square(367000, 9231000, 100),  # 1 ha: ordinary
    {"type": "Point", "coordinates": [367050, 9231050]},
    {"type": "Polygon", "coordinates": [[[367000, 9231000], [367100, 9231100],
                                         [367100, 9231000], [367000, 9231100],
                                         [367000, 9231000]]]},  # bow-tie: repaired
    square(367000, 9231000, 400),  # 16 ha: over the 10 ha limit
    {"type": "LineString", "coordinates": [[367000, 9231000], [367100, 9231000]]},
    {"type": "Polygon", "coordinates": [[[0, 0]] * 60]},  # too many vertices
    {"type": "Polygon", "coordinates": "nonsense"},
    {"type": "Polygon", "coordinates": []},  # empty
    None,
    {"type": "MultiPolygon", "coordinates": [square(367500, 9231500, 50)["coordinates"]]},
    {"type": "Point", "coordinates": [float("nan"), 1.0]},
]


def _one(obj: object) -> Parcel | RtrwError:
    try:
        return parse_geometry(obj, f"EPSG:{UTM}", UTM, SETTINGS)
    except RtrwError as exc:
        return exc


def test_parse_many_equals_parse_geometry() -> None:
    many = parse_many(MIXED, f"EPSG:{UTM}", UTM, SETTINGS)
    assert len(many) == len(MIXED)
    for obj, got in zip(MIXED, many, strict=True):
        want = _one(obj)
        assert type(got) is type(want), (obj, got, want)
        if isinstance(want, RtrwError):
            assert isinstance(got, RtrwError)
            assert (got.code, got.message) == (want.code, want.message)
        else:
            assert isinstance(got, Parcel)
            assert got.is_point == want.is_point
            assert got.warnings == want.warnings
            assert shapely.equals_exact(got.geom, want.geom, tolerance=1e-9)
            if want.area_m2 is None:
                assert got.area_m2 is None
            else:
                assert got.area_m2 == pytest.approx(want.area_m2, rel=1e-12)


def test_parse_many_areas_by_hand() -> None:
    """A 100 m UTM square is 10,000 m²; in the same metric CRS the area is exact."""
    ok = parse_many([square(367000, 9231000, 100), square(367000, 9231000, 30)],
                    f"EPSG:{UTM}", UTM, SETTINGS)
    assert [p.area_m2 for p in ok] == [pytest.approx(10_000, abs=1e-3),  # type: ignore[union-attr]
                                      pytest.approx(900, abs=1e-3)]
    lon, lat = ok[0].geom.exterior.coords[0]  # type: ignore[union-attr]
    assert 109 < lon < 111 and -8 < lat < -6 and not math.isnan(lon)


def test_parse_many_unknown_crs_fails_every_item() -> None:
    out = parse_many([square(0, 0, 1)], "EPSG:999999", UTM, SETTINGS)
    assert isinstance(out[0], RtrwError) and out[0].code == "invalid_crs"
