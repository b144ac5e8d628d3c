"""Coordinates given lat, lon: the 422 asks "did you mean lon=..., lat=...?" when, swapped,
they lie in a loaded region (the fixture planning area near 109.8 E, 6.95 S)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pyproj import Transformer
from shapely.geometry import mapping
from sqlalchemy import Engine

from tests.fixtures import X0, Y0
from tests.zoning_fixture import utm_box

TO_WGS = Transformer.from_crs(32749, 4326, always_xy=True)
LON, LAT = TO_WGS.transform(X0 + 20, Y0 + 50)  # zone A


def test_point_in_range_is_answered(client: TestClient, planning_area: Engine) -> None:
    r = client.get("/zoning/at", params={"lon": LON, "lat": LAT})
    assert r.status_code == 200, r.text
    assert [z["code"] for z in r.json()["zones"]] == ["R-2"]


def test_swapped_query_gets_the_hint(client: TestClient, planning_area: Engine) -> None:
    r = client.get("/zoning/at", params={"lon": LAT, "lat": LON})
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "invalid_request"  # the code a lat past 90 always had
    assert body["suggestion"] == {"lon": LON, "lat": LAT}
    mean = f"lon={LON!r}, lat={LAT!r}"
    assert body["detail"] == (
        "lat: Input should be less than or equal to 90; "
        f"lon and lat look swapped: did you mean {mean}?"
    )
    assert body["message"]["en"] == body["detail"]
    assert body["message"]["id"] == (
        "Permintaan tidak valid: lat: harus lebih kecil dari atau sama dengan 90; "
        f"lon dan lat tampaknya tertukar: maksud Anda {mean}?"
    )
    assert body["errors"] == [
        {"loc": ["query", "lat"], "msg": "Input should be less than or equal to 90",
         "type": "less_than_equal"}
    ]  # fmt: skip
    # the suggestion, asked, is the point itself
    again = client.get("/zoning/at", params=body["suggestion"])
    assert again.status_code == 200 and again.json()["zones"][0]["code"] == "R-2"


@pytest.mark.parametrize(
    "lon, lat, errors",
    [
        (-40.0, 150.0, ["lat"]),  # swapped (150, -40) is in range but in no loaded region
        (200.0, 100.0, ["lon", "lat"]),  # swapped is out of range as well
        (LON, -95.0, ["lat"]),
    ],
)
def test_no_hint_where_swapping_does_not_help(
    client: TestClient, planning_area: Engine, lon: float, lat: float, errors: list[str]
) -> None:
    r = client.get("/zoning/at", params={"lon": lon, "lat": lat})
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "invalid_request" and "suggestion" not in body
    assert [e["loc"][1] for e in body["errors"]] == errors
    assert "swapped" not in body["detail"] and "tertukar" not in body["message"]["id"]


def test_ranges_stay_documented(client: TestClient) -> None:
    params = client.get("/openapi.json").json()["paths"]["/zoning/at"]["get"]["parameters"]
    schema = {p["name"]: p["schema"] for p in params}
    assert (schema["lon"]["minimum"], schema["lon"]["maximum"]) == (-180, 180)
    assert (schema["lat"]["minimum"], schema["lat"]["maximum"]) == (-90, 90)
    r = client.get("/zoning/at", params={"lon": "nan", "lat": LAT})
    assert r.status_code == 422 and r.json()["error"] == "invalid_request"


def test_swapped_geojson_point(client: TestClient, planning_area: Engine) -> None:
    point = {"type": "Point", "coordinates": [LAT, LON]}
    r = client.post("/zoning/check", json={"geometry": point, "crs": "EPSG:4326"})
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "invalid_geometry"  # the code the range error always had
    assert body["suggestion"] == {"lon": LON, "lat": LAT}
    assert f"did you mean lon={LON!r}, lat={LAT!r}?" in body["message"]["en"]
    assert f"maksud Anda lon={LON!r}, lat={LAT!r}?" in body["message"]["id"]


def test_swapped_geojson_polygon(client: TestClient, planning_area: Engine) -> None:
    ring = [TO_WGS.transform(x, y) for x, y in utm_box(10, 90).exterior.coords]
    swapped = {"type": "Polygon", "coordinates": [[[lat, lon] for lon, lat in ring]]}
    r = client.post("/zoning/check", json={"geometry": swapped})
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "invalid_geometry"
    assert body["suggestion"]["lon"] == pytest.approx(ring[0][0])
    assert "swap every pair" in body["message"]["en"]
    assert "tukar setiap pasangan" in body["message"]["id"]
    fixed = client.post("/zoning/check", json={"geometry": body["suggestion"]["geometry"]})
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["area_m2"] == pytest.approx(80 * 100, rel=1e-3)


def test_projected_coordinates_keep_their_hint(client: TestClient, planning_area: Engine) -> None:
    r = client.post("/zoning/check", json={"geometry": mapping(utm_box(10, 90))})  # no crs
    assert r.status_code == 422
    body = r.json()
    assert "suggestion" not in body and '"crs": "EPSG:32749"' in body["detail"]
