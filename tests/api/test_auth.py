"""Staff keys on the API: 401/403, the audit trail over HTTP, and the CORS split."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import Engine, text

from app.api.deps import Staff
from app.main import create_app
from app.services import auth
from app.settings import ApiSettings, load_settings

BAPPEDA = "https://bappeda.batangkab.go.id"
ELSEWHERE = "https://elsewhere.example"


@pytest.fixture
def keys(engine: Engine) -> Iterator[dict[str, str]]:
    """An admin key, a staff key and a revoked key; no audit events."""
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM api_key"))
        conn.execute(text("DELETE FROM audit_event"))
        made = {role: auth.create_key(conn, f"{role}-key", role)[0] for role in ("admin", "staff")}
        made["revoked"] = auth.create_key(conn, "gone", "admin")[0]
        auth.revoke(conn, "gone")
    yield made
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM api_key"))
        conn.execute(text("DELETE FROM audit_event"))


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def assert_unauthorized(r) -> None:
    assert r.status_code == 401, r.text
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    body = r.json()
    assert body["error"] == "unauthorized"
    assert body["message"]["en"] == body["detail"] and body["message"]["id"]
    assert body["message"]["id"] != body["detail"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer rtrw_wrong"},
        {"Authorization": "Bearer something-else"},
        {"Authorization": "Basic YWRtaW46YWRtaW4="},
    ],
)
def test_no_or_wrong_key_is_401(client: TestClient, keys, headers) -> None:
    assert_unauthorized(client.get("/audit", headers=headers))
    assert_unauthorized(client.post("/audit/note", json={"note": "x"}, headers=headers))


def test_revoked_key_is_401(client: TestClient, keys) -> None:
    r = client.get("/audit", headers=bearer(keys["revoked"]))
    assert_unauthorized(r)
    assert "revoked" in r.json()["detail"] and "dicabut" in r.json()["message"]["id"]


def test_missing_key_says_how_to_get_one(client: TestClient, keys) -> None:
    body = client.get("/audit").json()
    assert "Authorization: Bearer" in body["detail"] and "rtrw users create-key" in body["detail"]
    assert body["message"]["id"].startswith("Jalur ini memerlukan kunci")


def test_staff_key_on_admin_route_is_403(client: TestClient, keys) -> None:
    r = client.get("/audit", headers=bearer(keys["staff"]))
    assert r.status_code == 403
    body = r.json()
    assert body["error"] == "forbidden" and "admin" in body["detail"]
    assert body["message"]["id"].startswith("Tindakan ini memerlukan peran admin")


def test_admin_reads_the_audit_and_staff_writes_notes(client: TestClient, keys) -> None:
    assert client.get("/audit", headers=bearer(keys["admin"])).json() == []
    r = client.post(
        "/audit/note",
        json={"note": "data checked with Bappeda", "target": "apbd 2026"},
        headers=bearer(keys["staff"]),
    )
    assert r.status_code == 201, r.text
    assert r.json()["actor"] == "staff-key" and r.json()["role"] == "staff"
    r = client.post("/audit/note", json={"note": "admin too"}, headers=bearer(keys["admin"]))
    assert r.status_code == 201  # admin can do what staff can
    events = client.get("/audit", headers=bearer(keys["admin"])).json()
    assert [(e["actor"], e["role"], e["via"], e["action"]) for e in events] == [
        ("admin-key", "admin", "api", "note"),
        ("staff-key", "staff", "api", "note"),
    ]
    assert events[1]["detail"] == {"note": "data checked with Bappeda"}
    assert events[1]["target"] == "apbd 2026"
    page = client.get("/audit?limit=1&offset=1", headers=bearer(keys["admin"])).json()
    assert [e["actor"] for e in page] == ["staff-key"]
    assert client.get("/audit?action=key.create", headers=bearer(keys["admin"])).json() == []


def test_refused_write_records_nothing(client: TestClient, keys, engine: Engine) -> None:
    assert client.post("/audit/note", json={"note": "x"}).status_code == 401
    r = client.post("/audit/note", json={"note": ""}, headers=bearer(keys["staff"]))
    assert r.status_code == 422
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_event")).scalar_one() == 0


def test_openapi_documents_bearer_auth_on_keyed_routes_only(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A staff or admin key from `rtrw users create-key` (reading needs none).",
    }
    for path, method in (("/audit", "get"), ("/audit/note", "post")):
        op = spec["paths"][path][method]
        assert op["security"] == [{"bearerAuth": []}]
        for code in ("401", "403"):
            schema = op["responses"][code]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorBody"}
    assert "security" not in spec["paths"]["/zoning/check"]["post"]
    assert "security" not in spec["paths"]["/layers"]["get"]


# --- CORS: reads from anywhere, writes only from RTRW_API_WRITE_ORIGINS ----------------------


def preflight(client: TestClient, path: str, method: str, origin: str, headers: str = ""):
    h = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers:
        h["Access-Control-Request-Headers"] = headers
    return client.options(path, headers=h)


@pytest.fixture
def cors_client(engine: Engine) -> Iterator[TestClient]:
    """The app with one write origin, and a staff write route like the importers'."""
    settings = load_settings(api=ApiSettings(write_origins=[BAPPEDA]))
    app = create_app(settings, engine=engine)

    @app.post("/test/import")
    def fake_import(principal: Staff) -> dict[str, str]:
        return {"by": principal.name}

    with TestClient(app) as c:
        yield c


@pytest.mark.parametrize("path", ["/zoning/check", "/zoning/check/batch", "/reports/zoning.pdf"])
@pytest.mark.parametrize("origin", [ELSEWHERE, BAPPEDA])
def test_public_post_preflight_from_anywhere(cors_client: TestClient, path, origin) -> None:
    r = preflight(cors_client, path, "POST", origin, "content-type")
    assert r.status_code == 200, r.text
    assert r.headers["access-control-allow-origin"] == "*"
    assert "POST" in r.headers["access-control-allow-methods"]


@pytest.mark.parametrize("path", ["/audit/note", "/test/import"])
def test_write_preflight_only_from_write_origins(cors_client: TestClient, path) -> None:
    r = preflight(cors_client, path, "POST", ELSEWHERE, "authorization, content-type")
    assert r.status_code == 400 and "access-control-allow-origin" not in r.headers
    r = preflight(cors_client, path, "POST", BAPPEDA, "authorization, content-type")
    assert r.status_code == 200, r.text
    assert r.headers["access-control-allow-origin"] == BAPPEDA
    assert "authorization" in r.headers["access-control-allow-headers"].lower()
    assert "Origin" in r.headers["vary"]


def test_write_preflight_refused_by_default(client: TestClient) -> None:
    """No RTRW_API_WRITE_ORIGINS: no site may write cross-origin."""
    r = preflight(client, "/audit/note", "POST", BAPPEDA, "authorization, content-type")
    assert r.status_code == 400 and "access-control-allow-origin" not in r.headers
    for method in ("PUT", "PATCH", "DELETE"):
        r = preflight(client, "/layers/zona", method, ELSEWHERE)
        assert r.status_code == 400, method


def test_public_post_with_a_key_is_a_write(cors_client: TestClient) -> None:
    r = preflight(cors_client, "/zoning/check", "POST", ELSEWHERE, "authorization")
    assert r.status_code == 400


def test_reads_are_public(cors_client: TestClient, keys) -> None:
    r = cors_client.get("/health", headers={"Origin": ELSEWHERE})
    assert r.headers["access-control-allow-origin"] == "*"
    r = preflight(cors_client, "/layers", "GET", ELSEWHERE, "accept")
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "*"
    # an admin page on the write origin may read the audit with its key, no one else
    r = preflight(cors_client, "/audit", "GET", BAPPEDA, "authorization")
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == BAPPEDA
    assert preflight(cors_client, "/audit", "GET", ELSEWHERE, "authorization").status_code == 400
    r = cors_client.get("/audit", headers={"Origin": BAPPEDA, **bearer(keys["admin"])})
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == BAPPEDA


def test_write_request_answers_cors_to_write_origins_only(cors_client: TestClient, keys) -> None:
    h = bearer(keys["staff"])
    r = cors_client.post("/test/import", headers={"Origin": BAPPEDA, **h})
    assert r.json() == {"by": "staff-key"}
    assert r.headers["access-control-allow-origin"] == BAPPEDA
    r = cors_client.post("/test/import", headers={"Origin": ELSEWHERE, **h})
    assert "access-control-allow-origin" not in r.headers


@pytest.mark.parametrize("value", [["*"], ["https://a.example/path"], ["a.example"]])
def test_write_origins_must_be_origins(value: list[str]) -> None:
    with pytest.raises(ValidationError, match="not an origin"):
        ApiSettings(write_origins=value)
