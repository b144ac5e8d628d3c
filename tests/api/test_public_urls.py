"""Absolute URLs: on the host the request came to, or on RTRW_MAPS_PUBLIC_BASE_URL when set."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pypdf
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from pyproj import Transformer
from sqlalchemy import Engine

from app.main import create_app
from app.settings import MapSettings, load_settings
from tests.fixtures import X0, Y0

OWN = "http://127.0.0.1:8123"
PUBLIC = "https://tataruang.example.go.id/rtrw"
TO_WGS = Transformer.from_crs(32749, 4326, always_xy=True)


def client_for(engine: Engine, public: str | None) -> TestClient:
    settings = load_settings(maps=MapSettings(public_base_url=public))
    return TestClient(create_app(settings, engine=engine), base_url=OWN)


@pytest.fixture(params=[None, PUBLIC], ids=["unset", "public"])
def case(request, planning_area: Engine) -> Iterator[tuple[TestClient, str]]:
    """A client reaching the service at 127.0.0.1:8123, and the base its links must use."""
    with client_for(planning_area, request.param) as client:
        yield client, request.param or OWN


def test_default_is_unset() -> None:
    assert MapSettings().public_base_url is None
    assert MapSettings(public_base_url="").public_base_url is None
    assert MapSettings(public_base_url="https://a.example/x/").public_base_url == (
        "https://a.example/x"
    )
    with pytest.raises(ValidationError):
        MapSettings(public_base_url="tataruang.example.go.id")


def test_tilejson_urls(case) -> None:
    client, base = case
    tj = client.get("/tiles/zona.json").json()
    assert tj["tiles"] == [f"{base}/tiles/zona/{{z}}/{{x}}/{{y}}.pbf"]
    assert "localhost" not in str(tj)


def test_paging_links(case) -> None:
    client, base = case
    body = client.get("/layers/zona/features", params={"limit": 1}).json()
    links = {link["rel"]: link["href"] for link in body["links"]}
    assert links["self"] == f"{base}/layers/zona/features?limit=1"
    assert links["next"] == f"{base}/layers/zona/features?offset=1&limit=1"


def test_report_permalink(case) -> None:
    client, base = case
    lon, lat = TO_WGS.transform(X0 + 20, Y0 + 50)
    r = client.get("/reports/zoning.pdf", params={"lon": lon, "lat": lat})
    assert r.status_code == 200, r.text[:300]
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(r.content)).pages)
    links = re.findall(r"https?://\S+/peta\?", text.replace("\n", ""))
    assert links and all(link == f"{base}/peta?" for link in links), links
