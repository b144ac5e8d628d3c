"""The zoning report PDF over HTTP: text, pages, the map's resolution, and errors."""

from __future__ import annotations

import io
from pathlib import Path

import geopandas as gpd
import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from pyproj import Transformer
from shapely.geometry import mapping
from sqlalchemy import Engine

from tests.fixtures import X0, Y0, write
from tests.zoning_fixture import ROUTE_RULES, utm_box, write_rules

TO_WGS = Transformer.from_crs(32749, 4326, always_xy=True)


@pytest.fixture
def area(planning_area_with, loader, tmp_path: Path) -> Engine:
    """The fixture planning area with its permit routes and a stored parcel (loaded once for
    the tests that do not change them)."""
    from app.services import rules

    def add(engine: Engine) -> None:
        with engine.begin() as conn:
            rules.load_rules(conn, write_rules(tmp_path / "routes", **ROUTE_RULES))
        parcels = gpd.GeoDataFrame(
            {"NIB": ["11.01.0001"]}, geometry=[utm_box(50, 150)], crs="EPSG:32749"
        )
        loader(write(parcels, tmp_path / "bidang.gpkg"), "bidang", "parcel")

    return planning_area_with("routes+bidang", add)


def body(geom, **kw):
    return {"geometry": mapping(geom), "crs": "EPSG:32749", "as_of": "2026-01-01", **kw}


def text_of(data: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(data))
    return reader, "\n".join(p.extract_text() for p in reader.pages)


def map_dpi(reader: PdfReader, page: int = 0) -> float:
    """Return the pixels per inch of the largest image as placed on the page (its width)."""
    import re

    pg = reader.pages[page]
    images = {name: obj for name, obj in pg["/Resources"]["/XObject"].items()
              if obj.get_object()["/Subtype"] == "/Image"}  # fmt: skip
    name, obj = max(images.items(), key=lambda kv: kv[1].get_object()["/Width"])
    px = obj.get_object()["/Width"]
    content = pg.get_contents().get_data().decode("latin-1")
    # reportlab places an image as `q w 0 0 h x y cm /Name Do Q`
    m = re.search(r"([\d.]+) 0 0 ([\d.]+) [-\d.]+ [-\d.]+ cm\s*" + re.escape(name) + r" Do",
                  content)  # fmt: skip
    assert m, content[:500]
    return px / (float(m.group(1)) / 72)


def test_point_report(client: TestClient, area: Engine, tmp_path: Path) -> None:
    lon, lat = TO_WGS.transform(X0 + 20, Y0 + 50)
    r = client.get("/reports/zoning.pdf", params={"lon": lon, "lat": lat, "kbli": "47111"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    reader, text = text_of(r.content)
    assert len(reader.pages) == 1
    assert "Informasi Tata Ruang" in text
    assert "R-2" in text and "T — Diizinkan terbatas" in text
    assert "Kauman" in text  # the desa (33.25.11.2001 holds x < 150)
    assert "PKKPR" in text
    assert "BUKAN dokumen KKPR" in text
    assert f"pt={lat:.6f},{lon:.6f}&z=17&kbli=47111&lang=id" in text.replace("\n", "")
    assert map_dpi(reader) >= 200
    (tmp_path / "point.pdf").write_bytes(r.content)


def test_polygon_report_in_english(client: TestClient, area: Engine) -> None:
    r = client.post(
        "/reports/zoning.pdf", params={"lang": "en"}, json=body(utm_box(50, 150), kbli="68111")
    )
    assert r.status_code == 200, r.text
    reader, text = text_of(r.content)
    assert "Spatial Planning Information" in text
    assert "R-2" in text and "K-1" in text
    assert "Mixed (differs across the parcel)" in text and "I 50 %, T 50 %" in text
    assert "Kauman" in text  # x 50..150 lies in desa 33.25.11.2001 (x -1000..150)
    assert "PKKPR" in text and "NOT a legal" in text
    assert map_dpi(reader) >= 200


def test_batch_gives_one_page_per_parcel(client: TestClient, area: Engine) -> None:
    parcels = [
        body(utm_box(10, 90), kbli="68111"),
        body(utm_box(110, 190), kbli="68111"),
        {"parcel_id": "11.01.0001", "kbli": "10631", "as_of": "2026-01-01"},
    ]
    r = client.post("/reports/zoning.pdf", json={"parcels": parcels})
    assert r.status_code == 200, r.text
    reader, _ = text_of(r.content)
    assert len(reader.pages) == 3
    texts = [p.extract_text() for p in reader.pages]
    assert "I — Diizinkan" in texts[0] and "R-2" in texts[0]
    assert "T — Diizinkan terbatas" in texts[1] and "K-1" in texts[1]
    assert "11.01.0001" in texts[2] and "X" in texts[2]
    assert all(map_dpi(reader, i) >= 200 for i in range(3))


def test_report_errors(client: TestClient, area: Engine, monkeypatch) -> None:
    r = client.get("/reports/zoning.pdf", params={"lon": 10, "lat": 10})
    assert r.status_code == 422 and r.json()["error"] == "outside_planning_area"
    r = client.post("/reports/zoning.pdf", json={"parcel_id": "nope"})
    assert r.status_code == 404 and r.json()["error"] == "not_found"
    r = client.post("/reports/zoning.pdf", json={"parcels": []})
    assert r.status_code == 422 and r.json()["error"] == "invalid_request"
    many = {"parcels": [body(utm_box(10, 90))] * 51}
    r = client.post("/reports/zoning.pdf", json=many)
    assert r.status_code == 413 and "at most 50" in r.json()["detail"]
