"""The map pages' HTML, the PWA files and the place search, without a browser."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

URL_ATTR = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")


def test_public_map_page_uses_only_our_assets_and_tiles(
    client: TestClient, planning_area: Engine
) -> None:
    for path in ("/", "/peta", "/peta?lang=en"):
        r = client.get(path)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        urls = URL_ATTR.findall(r.text)
        assert urls and all(u.startswith("/") and not u.startswith("//") for u in urls), urls
        for u in urls:
            assert client.get(u).status_code == 200, u
    page = client.get("/peta").text
    # every vector layer comes as tiles from our endpoint, none as a GeoJSON download
    for name in ("zona", "desa", "lp2b"):
        assert f"/tiles/{name}/{{z}}/{{x}}/{{y}}.pbf" in page
    assert "/features" not in page
    assert "RTRW.init(" in page


def test_page_config_carries_the_packs_colours(client: TestClient, planning_area: Engine) -> None:
    from tests.zoning_fixture import RULES

    page = client.get("/peta").text
    for line in RULES["zone_classes.csv"].splitlines()[1:]:
        code, *_, colour = line.split(",")
        assert f'"code": "{code}"' in page and f'"colour": "{colour}"' in page
    assert '"PTP": "P-1"' in page  # the alias the tiles' local codes are styled through


def test_embed_refuses_unknown_layers_and_desa(client: TestClient, planning_area: Engine) -> None:
    r = client.get("/embed/map", params={"layers": "zona,jalan_tol"})
    assert r.status_code == 422 and "jalan_tol" in r.json()["detail"]
    assert "jalan_tol" in r.json()["message"]["id"]
    assert client.get("/embed/map", params={"desa": "33.25.99.2999"}).status_code == 404
    assert client.get("/embed/map", params={"bbox": "1,2,3"}).status_code == 422
    far = client.get("/embed/map", params={"bbox": "100,-1,101,0"})  # Sumatra, not the fixture
    assert far.status_code == 422 and "outside the region" in far.json()["detail"]
    ok = client.get("/embed/map", params={"desa": "33.25.11.2001", "layers": "zona"})
    assert ok.status_code == 200
    assert "33.25.11.2001" in ok.text and "rtrw-panel" not in ok.text


def test_manifest_and_service_worker(client: TestClient) -> None:
    m = client.get("/manifest.webmanifest")
    assert m.status_code == 200
    assert m.headers["content-type"].startswith("application/manifest+json")
    body = m.json()
    assert body["start_url"] == "/peta" and body["display"] == "standalone"
    for icon in body["icons"]:
        got = client.get(icon["src"])
        assert got.status_code == 200 and got.headers["content-type"] == "image/png"
        w, h = (int(v) for v in icon["sizes"].split("x"))
        assert got.content[16:24] == w.to_bytes(4, "big") + h.to_bytes(4, "big")  # PNG IHDR
    sw = client.get("/sw.js")
    assert sw.status_code == 200 and "javascript" in sw.headers["content-type"]
    assert sw.headers["service-worker-allowed"] == "/"
    for path in re.findall(r'"(/static/[^"]+)"', sw.text):
        assert client.get(path).status_code == 200, path


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("Kauman", "33.25.11.2001"),
        ("kauman", "33.25.11.2001"),
        ("Ds. Kauman", "33.25.11.2001"),
        ("Desa Kauman", "33.25.11.2001"),
        ("Kaumn", "33.25.11.2001"),  # a typo
        ("proyo nanggan", "33.25.11.2002"),  # a space too many
        ("Kel.Proyonanggan", "33.25.11.2002"),
        ("33.25.11.2002", "33.25.11.2002"),
        ("3325112002", "33.25.11.2002"),
    ],
)
def test_place_search(client: TestClient, planning_area: Engine, q: str, expected: str) -> None:
    r = client.get("/admin/places", params={"q": q})
    assert r.status_code == 200
    hits = r.json()
    assert hits and hits[0]["code"] == expected, hits
    west, south, east, north = hits[0]["bbox"]
    lon, lat = hits[0]["point"]
    assert west <= lon <= east and south <= lat <= north


def test_place_list_and_nonsense(client: TestClient, planning_area: Engine) -> None:
    listed = client.get("/admin/places", params={"level": "desa"}).json()
    assert sorted(p["code"] for p in listed) == ["33.25.11.2001", "33.25.11.2002"]
    assert client.get("/admin/places", params={"q": "zzzzqqq"}).json() == []
    assert client.get("/admin/places", params={"level": "provinsi"}).status_code == 422
