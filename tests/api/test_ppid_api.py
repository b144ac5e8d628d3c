"""The PPID routes: coverage and the desa list (public), the import (staff key, audited)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.services import auth
from app.services.catalog.ingest import LoadRequest, load_layer


@pytest.fixture
def staff_key(clean: Engine, demo_pack: Path) -> str:
    data = demo_pack / "data"
    with clean.begin() as conn:
        load_layer(conn, LoadRequest(path=data / "kecamatan.zip", name="kecamatan", kind="admin",
                   field_map={"code": "KDCPUM", "name": "WADMKC"}))  # fmt: skip
        load_layer(conn, LoadRequest(path=data / "desa.gpkg", name="desa", kind="admin",
                                     layer="desa"))  # fmt: skip
        conn.execute(text("DELETE FROM ppid"))
        conn.execute(text("DELETE FROM audit_event"))
        conn.execute(text("DELETE FROM api_key"))
        key = auth.create_key(conn, "ppid-staff", "staff")[0]
    yield key
    with clean.begin() as conn:
        conn.execute(text("DELETE FROM api_key"))


def test_import_needs_a_key(client: TestClient, staff_key: str, demo_pack: Path) -> None:
    body = (demo_pack / "data" / "ppid.csv").read_bytes()
    r = client.post("/ppid/import", files={"file": ("ppid.csv", body, "text/csv")})
    assert r.status_code == 401


def test_import_then_coverage_and_gaps(
    client: TestClient, staff_key: str, demo_pack: Path, engine: Engine
) -> None:
    body = (demo_pack / "data" / "ppid.csv").read_bytes()
    r = client.post(
        "/ppid/import",
        files={"file": ("ppid.csv", body, "text/csv")},
        headers={"Authorization": f"Bearer {staff_key}"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["read"] == 239 and r.json()["formed"] == 231
    with engine.connect() as conn:
        ev = conn.execute(text("SELECT actor, role, via FROM audit_event "
                               "WHERE action = 'ppid.import'")).one()  # fmt: skip
    assert tuple(ev) == ("ppid-staff", "staff", "api")
    kec = client.get("/ppid/coverage", params={"by": "kecamatan"}).json()
    assert len(kec) == 15
    assert sum(k["desa_total"] for k in kec) == 239 and sum(k["ppid_formed"] for k in kec) == 231
    for k in kec:
        assert k["percent"] == round(100 * k["ppid_formed"] / k["desa_total"] + 1e-9, 1)
    gaps = client.get("/ppid/desa", params={"formed": "false"}).json()
    assert len(gaps) == 8
    assert set(gaps[0]) >= {"code", "name", "kecamatan", "formed", "decree_no", "website",
                            "info_count", "last_update", "point"}  # fmt: skip
    lon, lat = gaps[0]["point"]
    assert 109.6 < lon < 110.1 and -7.3 < lat < -6.8
    assert client.get("/ppid/coverage", params={"by": "desa"}).status_code == 422


def test_bad_upload_is_422_with_lines(client: TestClient, staff_key: str) -> None:
    body = b"Kode Desa;PPID\n33.25.11.1015;ya\n33.25.08.2001;barangkali\n"
    r = client.post(
        "/ppid/import",
        files={"file": ("ppid.csv", body, "text/csv")},
        headers={"Authorization": f"Bearer {staff_key}"},
    )
    assert r.status_code == 422, r.text
    out = r.json()
    assert [b["line"] for b in out["rejected"]] == [2, 3]
    assert "kelurahan" in out["message"]["id"]
    assert client.get("/ppid/desa", params={"formed": "true"}).json() == []
