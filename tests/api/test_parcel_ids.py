"""/parcels/{id}/zoning by the feature id /layers/{name}/features lists, or by code.

The parcel layer `persil_saya` (fixture planning area, EPSG:32749 boxes relative to X0/Y0):
    row 1  code "P-1"  x  10..40   zone A (R-2): a house (68111) is I
    row 2  code "3"    x 110..140  zone B (K-1): T
    row 3  code "B-3"  x 260..290  zone C (PTP = P-1, east of the LP2B strip): X
so "3" is the feature id of the third parcel and the code of the second.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pypdf
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.fixtures import write
from tests.zoning_fixture import utm_box

CODES = ["P-1", "3", "B-3"]
VERDICTS = {"P-1": "I", "3": "T", "B-3": "X"}  # house (68111) in R-2 / K-1 / P-1


@pytest.fixture
def parcels(planning_area_with, loader, tmp_path: Path) -> Engine:
    """The planning area with the parcel layer persil_saya (loaded once for the tests that do
    not change it)."""
    frame = gpd.GeoDataFrame(
        {"NIB": CODES},
        geometry=[utm_box(10, 40), utm_box(110, 140), utm_box(260, 290)],
        crs="EPSG:32749",
    )

    def add(_: Engine) -> None:
        path = write(frame, tmp_path / "persil.gpkg")
        loader(path, "persil_saya", "parcel", field_map={"code": "NIB"})

    return planning_area_with("persil_saya", add)


def ids_by_code(client: TestClient) -> dict[str, int]:
    """Return the feature ids /layers/persil_saya/features lists, by code."""
    feats = client.get("/layers/persil_saya/features").json()["features"]
    return {f["properties"]["code"]: f["id"] for f in feats}


def zoning(client: TestClient, parcel: str | int, **params: str):
    return client.get(
        f"/parcels/{parcel}/zoning", params={"kbli": "68111", "as_of": "2026-01-01", **params}
    )


def test_listed_ids_and_codes_answer(client: TestClient, parcels: Engine) -> None:
    ids = ids_by_code(client)
    assert ids == {"P-1": 1, "3": 2, "B-3": 3}  # fid in file order, as /features lists them
    for code in ("P-1", "3"):  # ids 1 and 2 are no parcel's code: no ?by= needed
        fid = ids[code]
        r = zoning(client, fid)
        assert r.status_code == 200, r.text
        assert r.json()["verdict"] == VERDICTS[code]
        assert r.json()["parcel"] == {
            "id": fid, "code": code, "layer": "persil_saya", "region": None, "version": 1,
            "matched_by": ["id"],
        }  # fmt: skip
    for code in ("P-1", "B-3"):  # codes that are no feature id
        a = zoning(client, code).json()
        assert a["verdict"] == VERDICTS[code]
        assert a["parcel"]["id"] == ids[code] and a["parcel"]["matched_by"] == ["code"]


def test_id_of_one_and_code_of_another_is_refused_then_picked(
    client: TestClient, parcels: Engine
) -> None:
    ids = ids_by_code(client)
    assert ids["B-3"] == 3 and ids["3"] == 2  # the collision this test is about
    r = zoning(client, "3")
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "invalid_parameter"
    assert {(c["id"], c["code"], tuple(c["matched_by"])) for c in body["candidates"]} == {
        (3, "B-3", ("id",)),
        (2, "3", ("code",)),
    }
    assert "?by=id or ?by=code" in body["message"]["en"]
    assert "?by=id atau ?by=code" in body["message"]["id"]
    assert zoning(client, "3", by="id").json()["verdict"] == "X"
    assert zoning(client, "3", by="code").json()["verdict"] == "T"


def test_not_found_and_bad_by(client: TestClient, parcels: Engine) -> None:
    r = zoning(client, "4")
    assert r.status_code == 404 and "feature id or code '4'" in r.json()["detail"]
    assert zoning(client, "P-1", by="id").status_code == 422  # a feature id is a number
    assert zoning(client, "1", by="code").status_code == 404  # no parcel has the code "1"
    assert zoning(client, "1", by="name").status_code == 422
    assert zoning(client, "1", layer="lain").status_code == 404


def test_same_id_in_two_parcel_layers_needs_layer(
    client: TestClient, parcels: Engine, loader, tmp_path: Path
) -> None:
    other = gpd.GeoDataFrame({"NIB": ["Q-1"]}, geometry=[utm_box(60, 90)], crs="EPSG:32749")
    path = write(other, tmp_path / "lain.gpkg")
    loader(path, "persil_lain", "parcel", field_map={"code": "NIB"})
    r = zoning(client, "1")
    assert r.status_code == 422 and "?layer=NAME" in r.json()["detail"]
    assert zoning(client, "1", layer="persil_lain").json()["parcel"]["code"] == "Q-1"
    assert zoning(client, "1", layer="persil_saya").json()["parcel"]["code"] == "P-1"


def test_report_finds_the_parcel_by_feature_id(client: TestClient, parcels: Engine) -> None:
    import io

    r = client.post(
        "/reports/zoning.pdf", json={"parcel_id": "2", "kbli": "68111", "as_of": "2026-01-01"}
    )
    assert r.status_code == 200, r.text[:300]
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(r.content)).pages)
    assert "persil_saya" in text
