"""Control characters are refused with 422 on every route (app.api.guards), never a 500.

The routes are read from the OpenAPI when the tests are collected, so a route added later is
covered without touching this file.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.api.guards import RefuseControlCharacters
from app.api.tiles import WarmTiles
from app.main import create_app

SPEC = create_app().openapi()
OPERATIONS = [
    (method.upper(), path, op)
    for path, ops in SPEC["paths"].items()
    for method, op in ops.items()
    if method in ("get", "post", "put", "patch", "delete")
]


def is_string(schema: dict) -> bool:
    """Return whether a parameter's schema takes a string (alone or in anyOf)."""
    return schema.get("type") == "string" or any(is_string(s) for s in schema.get("anyOf", []))


QUERY_CASES = [
    pytest.param(method, path, p["name"], id=f"{method} {path} ?{p['name']}")
    for method, path, op in OPERATIONS
    for p in op.get("parameters", [])
    if p["in"] == "query" and is_string(p["schema"])
]
PATH_CASES = [
    pytest.param(method, path, p["name"], id=f"{method} {path} {{{p['name']}}}")
    for method, path, op in OPERATIONS
    for p in op.get("parameters", [])
    if p["in"] == "path" and is_string(p["schema"])
]


def fill(path: str, nul_in: str | None = None) -> str:
    """Return the path with every {param} filled (the one named `nul_in` holding a NUL)."""
    return re.sub(r"\{(\w+)\}", lambda m: quote("a\x00b") if m[1] == nul_in else "x", path)


def assert_refused(r, loc: list) -> None:
    assert r.status_code == 422, (r.status_code, r.text[:300])
    body = r.json()
    assert body["error"] == "invalid_request"
    assert body["errors"][0]["loc"] == loc and body["errors"][0]["type"] == "control_characters"
    assert "control characters" in body["message"]["en"]
    assert "karakter kendali" in body["message"]["id"]


def test_the_routes_were_found() -> None:
    assert len(QUERY_CASES) > 20 and len(PATH_CASES) > 10
    assert any("/ppid/desa" in str(case.id) and "kecamatan" in str(case.id) for case in QUERY_CASES)


@pytest.mark.parametrize("method, path, name", QUERY_CASES)
def test_nul_in_every_string_query_parameter(
    client: TestClient, method: str, path: str, name: str
) -> None:
    r = client.request(method, fill(path), params={name: "a\x00b"})
    assert_refused(r, ["query", name])


@pytest.mark.parametrize("method, path, name", PATH_CASES)
def test_nul_in_every_string_path_parameter(
    client: TestClient, method: str, path: str, name: str
) -> None:
    assert_refused(client.request(method, fill(path, name)), ["path", name])


@pytest.mark.parametrize("char", ["\x00", "\x01", "\t", "\n", "\x1f", "\x7f"])
def test_every_control_character_in_a_query(client: TestClient, char: str) -> None:
    r = client.get("/ppid/desa", params={"kecamatan": f"Bat{char}ang"})
    assert_refused(r, ["query", "kecamatan"])
    assert client.get("/ppid/desa?kecamatan=Bat%0Aang").status_code == 422  # percent-encoded
    assert client.get("/ppid/desa?ke%00camatan=x").status_code == 422  # in a name


def test_plain_text_passes(client: TestClient, clean: Engine) -> None:
    r = client.get("/ppid/desa", params={"kecamatan": "Batang %25 ü"})
    assert r.status_code == 200, r.text


def test_nul_in_a_json_body_names_the_field(client: TestClient) -> None:
    body = {"geometry": {"type": "Point", "coordinates": [109.8, -6.95]}, "kbli": "1\u00000631"}
    r = client.post("/zoning/check", json=body)
    assert_refused_body(r, ["body", "kbli"])
    nested = {"parcels": [{"parcel_id": "ok"}, {"parcel_id": "a\u0000"}]}
    assert_refused_body(
        client.post("/reports/zoning.pdf", json=nested), ["body", "parcels", 1, "parcel_id"]
    )
    raw = b'{"geometry": {"type": "Poi\\u0000nt", "coordinates": [109.8, -6.95]}}'
    r = client.post("/zoning/check", content=raw, headers={"content-type": "application/json"})
    assert_refused_body(r, ["body", "geometry", "type"])
    no_type = client.post("/zoning/check", content=raw)  # no Content-Type: still read as JSON
    assert_refused_body(no_type, ["body", "geometry", "type"])


def assert_refused_body(r, loc: list) -> None:
    assert r.status_code == 422, (r.status_code, r.text[:300])
    body = r.json()
    assert body["error"] == "invalid_parameter" and body["errors"][0]["loc"] == loc, body
    assert "NUL" in body["message"]["en"] and "NUL" in body["message"]["id"]


def test_an_escaped_backslash_before_u0000_is_text(client: TestClient) -> None:
    # "\\u0000" in JSON is a backslash followed by u0000: no NUL, the route judges it
    raw = b'{"geometry": {"type": "Point", "coordinates": [109.8, -6.95]}, "kbli": "\\\\u0000"}'
    r = client.post("/zoning/check", content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "kbli"]
    assert r.json()["errors"][0]["type"] != "control_characters"


def test_tab_and_newline_stay_allowed_in_json_text(client: TestClient) -> None:
    r = client.post("/zoning/check", json={"geometry": {"type": "Point", "coordinates": [1, 2]},
                                           "crs": "EPSG:4326\t"})  # fmt: skip
    body = r.json()  # refused by the CrsText type (invalid_request), not by the guard
    assert body["error"] == "invalid_request" and body["errors"][0]["loc"] == ["body", "crs"]


async def run(chunks: list[bytes]) -> tuple[int, bytes, bytes]:
    """Send a JSON body in `chunks` through the middleware; return status, answer, body seen."""
    got: list[bytes] = []

    async def route(scope, receive, send) -> None:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise RuntimeError("client gone")  # what a framework would do
            got.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    messages = iter(
        [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
         for i, c in enumerate(chunks)]
    )  # fmt: skip
    sent: list[dict] = []

    async def receive():
        return next(messages, {"type": "http.disconnect"})

    async def send(message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/x", "query_string": b"",
             "headers": [(b"content-type", b"application/json")], "app": None}  # fmt: skip
    await RefuseControlCharacters(route)(scope, receive, send)
    status = sent[0]["status"]
    return status, b"".join(m.get("body", b"") for m in sent[1:]), b"".join(got)


@pytest.mark.parametrize("cut", range(1, 16))
def test_an_escape_split_across_chunks_is_found(cut: int) -> None:
    import anyio

    data = b'{"a": "xy\\u0000z"}'
    status, answer, seen = anyio.run(run, [data[:cut], data[cut:]])
    assert status == 422 and json.loads(answer)["errors"][0]["loc"] == ["body", "a"]
    assert b"\\u0000" not in seen  # the route never got the chunk that completes the escape


@pytest.mark.parametrize("backslashes", [2, 4, 7 * 2])
def test_split_escaped_backslashes_are_text(backslashes: int) -> None:
    import anyio

    data = b'{"a": "' + b"\\" * backslashes + b'u0000"}'
    for cut in range(1, len(data)):
        status, _, seen = anyio.run(run, [data[:cut], data[cut:]])
        assert status == 200 and seen == data, cut


def test_warm_tiles_are_answered_before_the_guard() -> None:
    app = create_app()
    order = [m.cls for m in app.user_middleware]  # outermost first
    assert order.index(WarmTiles) < order.index(RefuseControlCharacters)


def test_openapi_says_what_is_refused() -> None:
    for method, path, op in OPERATIONS:
        for p in op.get("parameters", []):
            schemas = [p["schema"], *p["schema"].get("anyOf", [])]
            for s in schemas:
                if s.get("type") == "string" and p["in"] in ("query", "path"):
                    assert {"pattern", "enum", "format", "const"} & s.keys(), (method, path, p)
    body = SPEC["components"]["schemas"]["CheckRequest"]["properties"]
    strings = [s for prop in body.values() for s in [prop, *prop.get("anyOf", [])]]
    strings = [s for s in strings if s.get("type") == "string"]
    assert strings and all({"pattern", "enum", "format", "const"} & s.keys() for s in strings)
