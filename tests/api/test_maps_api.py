"""GET /maps/static.png over HTTP: the PNG, its frame headers, and bad input as 4xx JSON."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from PIL import Image
from pyproj import Transformer
from sqlalchemy import Engine

from tests.fixtures import X0, Y0

TO_WGS = Transformer.from_crs(32749, 4326, always_xy=True)


def bbox_of(x0: float, y0: float, x1: float, y1: float) -> str:
    a = TO_WGS.transform(X0 + x0, Y0 + y0)
    b = TO_WGS.transform(X0 + x1, Y0 + y1)
    return f"{a[0]},{a[1]},{b[0]},{b[1]}"


def test_static_png(client: TestClient, planning_area: Engine) -> None:
    r = client.get(
        "/maps/static.png",
        params={"bbox": bbox_of(130, 30, 170, 70), "width": 500, "height": 400, "dpi": 200,
                "layers": "zona", "title": "K-1", "lang": "en"},
    )  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "image/png"
    im = Image.open(io.BytesIO(r.content))
    assert im.size == (500, 400)
    assert abs(im.info["dpi"][0] - 200) < 0.02
    assert r.headers["x-map-crs"] == "EPSG:32749"


def test_desa_by_name_frames_it(client: TestClient, planning_area: Engine) -> None:
    r = client.get("/maps/static.png", params={"desa": "Kauman", "width": 300, "height": 300})
    assert r.status_code == 200, r.text
    x0, y0, x1, y1 = map(float, r.headers["x-map-bbox"].split(","))
    # desa 33.25.11.2001 is x -1000..150, y -1000..1000 (tests/zoning_fixture.py)
    for x in (-1000, 150):
        for y in (-1000, 1000):
            lon, lat = TO_WGS.transform(X0 + x, Y0 + y)
            assert x0 <= lon <= x1 and y0 <= lat <= y1


def test_bad_input_is_4xx_json(client: TestClient, planning_area: Engine) -> None:
    inside = bbox_of(0, 0, 100, 100)
    cases = [
        ({"bbox": inside, "width": 50_000}, 422, "width must be 64..4000 px"),
        ({"bbox": inside, "dpi": 5000}, 422, "dpi must be 72..300"),
        ({"bbox": inside, "width": 0}, 422, None),
        ({"bbox": "1,2,3"}, 422, "bbox needs 4 numbers"),
        ({"bbox": "10,10,10.1,10.1"}, 422, "outside the planning area"),
        ({"bbox": inside, "layers": "zona,nope"}, 404, "'nope'"),
        ({"desa": "33.25.99.2999"}, 404, None),
        ({"desa": "33.25.11"}, 422, "not a desa code"),
        ({}, 422, "bbox="),
    ]
    for params, status, text in cases:
        r = client.get("/maps/static.png", params=params)
        assert r.status_code == status, (params, r.text)
        assert r.headers["content-type"].startswith("application/json")
        body = r.json()
        assert body["error"] and body["message"]["id"]
        if text:
            assert text in body["detail"], (params, body)
