"""GET /projects, /projects/{id}, /projects/flags and /budget/summary on planted rows."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.schemas.projects import ProjectList
from app.services.projects.flags import refresh_flags
from tests.services.test_project_flags import DESA_1, DESA_2, insert_project, lonlat

KEC = "33.25.11"
# key -> (place in metres from the fixture's origin or None, columns)
ROWS: dict[str, tuple[tuple[float, float] | None, dict[str, Any]]] = {
    "A-1": (
        (20, 20),
        {
            "opd_code": "PU",
            "opd_name": "Dinas PUPR",
            "source": "DAU",
            "pagu": 1_250_000_000,
            "realisation": 1_300_000_000,
            "progress": 90,
        },
    ),
    "A-2": (
        (40, 60),
        {
            "opd_code": "PU",
            "opd_name": "Dinas PUPR",
            "source": "DAK",
            "pagu": 300_000_000,
            "realisation": 100_000_000,
            "name": "Talud Sambong",
        },
    ),
    "A-3": (
        (170, 40),
        {
            "opd_code": "DKK",
            "opd_name": "Dinas Kesehatan",
            "source": "DAK",
            "pagu": 700_000_000,
            "realisation": 0,
            "progress": 100,
        },
    ),
    "A-4": (
        (180, 70),
        {
            "opd_code": "DKK",
            "opd_name": "Dinas Kesehatan",
            "source": "dau",
            "pagu": 50_000_000,
            "realisation": None,
            "progress": 10,
        },
    ),
    "A-5": (
        None,
        {
            "opd_code": "DISDIK",
            "opd_name": "Dinas Pendidikan",
            "source": "DAU",
            "pagu": 125_000_000,
            "realisation": 25_000_000,
            "location_text": "?",
        },
    ),
    "A-6": (
        (260, 30),
        {
            "opd_code": "PU",
            "opd_name": "Dinas PUPR",
            "source": "DAU",
            "pagu": None,
            "realisation": 5_000_000,
            "year": 2024,
        },
    ),
}


@pytest.fixture
def projects(planning_area: Engine) -> dict[str, int]:
    """The rows above on the planning area, flags refreshed; key -> id."""
    with planning_area.begin() as conn:
        conn.exec_driver_sql("DELETE FROM project")
        ids = {}
        for key, (at, kw) in ROWS.items():
            desa = (DESA_1 if at[0] < 150 else DESA_2) if at else None
            cols = {"desa_code": desa, "kecamatan_code": KEC if at else None, "name": key, **kw}
            ids[key] = insert_project(conn, key, at, **cols)
        refresh_flags(conn, None, today=date(2025, 6, 1))
    return ids


def _ids(body: dict[str, Any]) -> list[int]:
    return [p["id"] for p in body["projects"]]


def test_list_filters(client: TestClient, projects: dict[str, int]) -> None:
    def keys(**params: Any) -> set[str]:
        r = client.get("/projects", params=params)
        assert r.status_code == 200, r.text
        return {p["ref"] for p in r.json()["projects"]}

    assert keys() == set(ROWS)
    assert keys(year=2025) == {"A-1", "A-2", "A-3", "A-4", "A-5"}
    assert keys(year=2025, opd="PU") == {"A-1", "A-2"}
    assert keys(opd="dinas kesehatan") == {"A-3", "A-4"}
    assert keys(source="dau", year=2025) == {"A-1", "A-4", "A-5"}
    assert keys(desa=DESA_2) == {"A-3", "A-4", "A-6"}
    assert keys(desa=DESA_1.replace(".", "")) == {"A-1", "A-2"}
    assert keys(kecamatan=KEC, year=2025) == {"A-1", "A-2", "A-3", "A-4"}
    assert keys(flag="over_budget") == {"A-1"}
    assert keys(flag="done_unpaid") == {"A-3"}
    assert keys(flag="unplaced") == {"A-5"}
    lon0, lat0 = lonlat(0, 0)
    lon1, lat1 = lonlat(100, 100)
    assert keys(bbox=f"{lon0},{lat0},{lon1},{lat1}") == {"A-1", "A-2"}


def test_project_fields_and_one_project(client: TestClient, projects: dict[str, int]) -> None:
    r = client.get(f"/projects/{projects['A-1']}")
    assert r.status_code == 200
    p = r.json()
    assert p["ref"] == "A-1" and p["desa_code"] == DESA_1 and p["kecamatan_code"] == KEC
    assert p["desa_name"] == "Kauman" and p["placed_by"] == "coordinates"
    assert p["match_confidence"] == 1.0 and p["pagu"] == 1_250_000_000
    assert p["geometry"]["type"] == "Point"
    assert [f["flag"] for f in p["flags"]] == ["over_budget"]
    assert p["flags"][0]["reason"]["id"].startswith("Realisasi Rp 1.300.000.000 melebihi pagu")
    missing = client.get("/projects/999999999")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    assert "tidak ditemukan" in missing.json()["message"]["id"]


def test_paging_follows_next_links(client: TestClient, projects: dict[str, int]) -> None:
    seen: list[int] = []
    url: str | None = "/projects?limit=2"
    pages = 0
    while url:
        body = client.get(url).json()
        assert len(body["projects"]) <= 2
        seen += _ids(body)
        nxt = [link["href"] for link in body["links"] if link["rel"] == "next"]
        url = nxt[0] if nxt else None
        pages += 1
    assert seen == sorted(projects.values()) and pages == 3
    assert client.get("/projects?limit=1001").status_code == 422
    assert client.get("/projects?limit=1000").status_code == 200


def test_format_negotiation(client: TestClient, projects: dict[str, int]) -> None:
    as_csv = client.get("/projects?year=2025&format=csv&limit=2")
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert 'rel="next"' in as_csv.headers["link"]
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [r["ref"] for r in rows] == ["A-1", "A-2"]
    assert rows[0]["flags"] == "over_budget" and rows[0]["wkt"].startswith("POINT")
    assert rows[0]["pagu"] == "1250000000"
    by_accept = client.get("/projects", headers={"Accept": "text/csv"})
    assert by_accept.headers["content-type"].startswith("text/csv")
    geo = client.get("/projects", headers={"Accept": "application/geo+json"})
    assert geo.headers["content-type"] == "application/geo+json"
    body = geo.json()
    assert body["type"] == "FeatureCollection" and len(body["features"]) == len(ROWS)
    unplaced = next(f for f in body["features"] if f["properties"]["ref"] == "A-5")
    assert unplaced["geometry"] is None
    assert unplaced["properties"]["flags"][0]["flag"] == "unplaced"
    plain = client.get("/projects?format=json", headers={"Accept": "text/csv"})
    assert plain.headers["content-type"] == "application/json"
    assert len(ProjectList.model_validate(plain.json()).projects) == len(ROWS)  # as documented
    assert client.get("/projects?format=xml").status_code == 422


def test_flags_list(client: TestClient, projects: dict[str, int]) -> None:
    r = client.get("/projects/flags")
    assert r.status_code == 200
    pairs = {(f["ref"], f["flag"]) for f in r.json()["flags"]}
    assert pairs == {("A-1", "over_budget"), ("A-3", "done_unpaid"), ("A-5", "unplaced")}
    one = client.get("/projects/flags", params={"flag": "over_budget", "year": 2025}).json()
    assert [f["project_id"] for f in one["flags"]] == [projects["A-1"]]
    assert one["flags"][0]["reason"]["en"].startswith("Realisation Rp 1,300,000,000 exceeds")
    assert one["flags"][0]["lon"] == pytest.approx(lonlat(20, 20)[0])
    assert client.get("/projects/flags", params={"year": 2024}).json()["flags"] == []
    assert client.get("/projects/flags", params={"flag": "nope"}).status_code == 422


@pytest.mark.parametrize("by", ["desa", "kecamatan", "opd", "source"])
def test_budget_summary_adds_up(client: TestClient, projects: dict[str, int], by: str) -> None:
    flagged = {"A-1", "A-3", "A-5"}
    expected: dict[str | None, dict[str, int]] = defaultdict(
        lambda: {"count": 0, "flagged": 0, "pagu": 0, "realisation": 0}
    )
    for key, (at, kw) in ROWS.items():
        if kw.get("year", 2025) != 2025:
            continue
        group = {
            "desa": (DESA_1 if at[0] < 150 else DESA_2) if at else None,
            "kecamatan": KEC if at else None,
            "opd": kw["opd_code"],
            "source": kw["source"],
        }[by]
        g = expected[group]
        g["count"] += 1
        g["flagged"] += key in flagged
        g["pagu"] += kw.get("pagu") or 0
        g["realisation"] += kw.get("realisation") or 0
    r = client.get("/budget/summary", params={"by": by, "year": 2025})
    assert r.status_code == 200, r.text
    body = r.json()
    got = {
        g["key"]: {k: g[k] for k in ("count", "flagged", "pagu", "realisation")}
        for g in body["groups"]
    }
    assert got == expected
    assert body["total"]["count"] == 5 and body["total"]["flagged"] == 3
    assert body["total"]["pagu"] == 1_250_000_000 + 300_000_000 + 700_000_000 + 50_000_000 + (
        125_000_000
    )
    assert body["total"]["realisation"] == 1_300_000_000 + 100_000_000 + 25_000_000
    if by == "desa":
        names = {g["key"]: g["name"] for g in body["groups"]}
        assert names == {DESA_1: "Kauman", DESA_2: "Proyonanggan", None: None}
        share = next(g for g in body["groups"] if g["key"] == DESA_1)["realisation_share"]
        assert share == pytest.approx(round(1_400_000_000 / 1_550_000_000, 4))


def test_budget_summary_rejects_unknown_grouping(client: TestClient, projects: Any) -> None:
    assert client.get("/budget/summary", params={"by": "village"}).status_code == 422
