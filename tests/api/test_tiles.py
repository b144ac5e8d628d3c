"""GET /tiles/{layer}/{z}/{x}/{y}.pbf and /tiles/{layer}.json on a real PostGIS."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import mapbox_vector_tile
import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, event

from app.api.tiles import get_tile_server
from app.main import create_app
from app.services.catalog.history import rollback
from app.services.catalog.layers import LAYER, drop_layer
from app.settings import TileSettings, load_settings
from tests.fixtures import squares_utm, write

TILE = "/tiles/zona/12/3297/2127.pbf"  # holds the five squares of tests/fixtures.py
MVT = "application/vnd.mapbox-vector-tile"


@pytest.fixture
def tiles_client(engine: Engine, tmp_path: Path) -> Iterator[TestClient]:
    """A TestClient whose tile cache lives in tmp_path, at most 3 features a tile at z13+."""
    settings = load_settings(tiles=TileSettings(cache_dir=tmp_path / "tiles", max_age_s=60))
    with TestClient(create_app(settings=settings, engine=engine)) as c:
        yield c


@pytest.fixture
def zona(load, tmp_path: Path) -> Path:
    """Layer 'zona': v1 three squares, v2 five; return the folder for further versions."""
    load(write(squares_utm(3), tmp_path / "v1.gpkg"), "zona", "zoning")
    load(write(squares_utm(5), tmp_path / "v2.gpkg"), "zona", "zoning")
    return tmp_path


def codes(body: bytes) -> list[str]:
    """Return the zone codes of a tile's features, sorted."""
    return sorted(
        f["properties"]["code"] for f in mapbox_vector_tile.decode(body)["zona"]["features"]
    )


def test_tile_headers_features_and_304(tiles_client: TestClient, zona) -> None:
    r = tiles_client.get(TILE)
    assert r.status_code == 200 and r.headers["content-type"] == MVT
    assert r.headers["cache-control"] == "public, max-age=60"
    etag = r.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"')
    assert codes(r.content) == sorted(squares_utm(5)["KODSZN"])
    props = mapbox_vector_tile.decode(r.content)["zona"]["features"][0]["properties"]
    assert set(props) <= {"code", "name", "plan"}  # only what styling and popups need
    again = tiles_client.get(TILE)
    assert again.content == r.content and again.headers["etag"] == etag
    for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        nm = tiles_client.get(TILE, headers={"If-None-Match": header})
        assert nm.status_code == 304 and nm.content == b"" and nm.headers["etag"] == etag
    assert tiles_client.get(TILE, headers={"If-None-Match": '"other"'}).status_code == 200


def test_empty_tile_is_204(tiles_client: TestClient, zona) -> None:
    r = tiles_client.get("/tiles/zona/12/0/0.pbf")
    assert r.status_code == 204 and r.content == b""
    assert r.headers["etag"] and r.headers["cache-control"].startswith("public")


def test_version_and_no_stale_tile_after_a_reload(
    tiles_client: TestClient, zona: Path, load
) -> None:
    listening(tiles_client)
    before = tiles_client.get(TILE)
    assert len(codes(before.content)) == 5
    old = tiles_client.get(TILE, params={"version": 1})
    assert codes(old.content) == sorted(squares_utm(3)["KODSZN"])
    assert old.headers["etag"] != before.headers["etag"]
    assert old.headers["cache-control"] == "public, max-age=86400"
    # v3: two squares only; the cached v2 tile must not be served for the current version
    listener = tiles_client.app.state.tile_sources.listener  # type: ignore[attr-defined]
    epoch = listener.epoch
    load(write(squares_utm(2), zona / "v3.gpkg"), "zona", "zoning")
    # The commit's NOTIFY reaches the listener's thread a moment later (longer on a busy
    # machine); from then on no request may get the cached v2 source or tile.
    notified(listener, epoch)
    after = tiles_client.get(TILE)
    assert codes(after.content) == sorted(squares_utm(2)["KODSZN"])
    assert after.headers["etag"] != before.headers["etag"]
    # the client's v2 ETag no longer matches
    stale = tiles_client.get(TILE, headers={"If-None-Match": before.headers["etag"]})
    assert stale.status_code == 200
    assert codes(tiles_client.get(TILE, params={"version": 2}).content) == codes(before.content)


def notified(listener, epoch: int) -> None:
    """Wait (at most 5 s) until the listener has moved past `epoch` (a NOTIFY arrived)."""
    deadline = time.monotonic() + 5
    while listener.epoch == epoch:
        assert time.monotonic() < deadline, "the catalog change was not notified"
        time.sleep(0.01)


def listening(client: TestClient) -> None:
    """Wait (at most 5 s) until the app's catalog listener is connected."""
    listener = client.app.state.tile_sources.listener  # type: ignore[attr-defined]
    deadline = time.monotonic() + 5
    while not listener.connected:
        assert time.monotonic() < deadline, "the catalog listener did not connect"
        time.sleep(0.01)


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """Collect the SQL statements run on `engine` inside the block."""
    seen: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def poll(client: TestClient, done: Callable[[Response], bool], seconds: float = 1.0) -> Response:
    """GET TILE until `done` holds (the commit's notification arrived) or `seconds` pass."""
    deadline = time.monotonic() + seconds
    while True:
        r = client.get(TILE)
        if done(r) or time.monotonic() > deadline:
            return r
        time.sleep(0.005)


def test_a_warm_tile_runs_no_query(tiles_client: TestClient, zona, engine: Engine) -> None:
    listening(tiles_client)
    first = tiles_client.get(TILE)
    with statements(engine) as seen:
        warm = tiles_client.get(TILE)
        nm = tiles_client.get(TILE, headers={"If-None-Match": first.headers["etag"]})
    assert warm.content == first.content and nm.status_code == 304
    assert seen == []


def test_a_warm_tile_is_answered_before_routing_as_the_route_would(
    tiles_client: TestClient, zona
) -> None:
    """WarmTiles answers a memory-cached tile itself, with exactly the route's answer."""
    listening(tiles_client)
    origin = {"Origin": "https://example.org"}
    first = tiles_client.get(TILE, headers=origin)  # the route renders it
    first_nm = tiles_client.get(TILE, headers={**origin, "If-None-Match": first.headers["etag"]})
    empty = tiles_client.get("/tiles/zona/12/0/0.pbf")

    def no_route() -> None:
        raise AssertionError("the route ran")

    app = tiles_client.app
    app.dependency_overrides[get_tile_server] = no_route  # type: ignore[attr-defined]
    try:
        warm = tiles_client.get(TILE, headers=origin)
        warm_nm = tiles_client.get(TILE, headers={**origin, "If-None-Match": first.headers["etag"]})
        warm_empty = tiles_client.get("/tiles/zona/12/0/0.pbf")
        # a query string, or a tile never asked for, goes to the route (here: made to fail)
        with pytest.raises(AssertionError, match="the route ran"):
            tiles_client.get(TILE + "?version=2")
        with pytest.raises(AssertionError, match="the route ran"):
            tiles_client.get("/tiles/zona/13/0/0.pbf")
    finally:
        app.dependency_overrides.clear()  # type: ignore[attr-defined]
    for route, fast in ((first, warm), (first_nm, warm_nm), (empty, warm_empty)):
        assert (fast.status_code, fast.content) == (route.status_code, route.content)
        assert dict(fast.headers) == dict(route.headers)
    assert warm.status_code == 200 and warm_nm.status_code == 304 and warm_empty.status_code == 204
    assert warm.headers["access-control-allow-origin"] == "*"  # CORS still wraps it
    # outside the grid: never answered from the cache, the route's 422
    assert tiles_client.get("/tiles/zona/12/9999/0.pbf").status_code == 422


@pytest.mark.parametrize("change", ["reload", "rollback", "drop"])
def test_a_committed_change_is_served_at_once(
    tiles_client: TestClient, zona: Path, load, engine: Engine, change: str
) -> None:
    listening(tiles_client)
    before = tiles_client.get(TILE)
    assert tiles_client.get(TILE).content == before.content  # warm: from memory, no query
    if change == "reload":  # v3: two squares
        load(write(squares_utm(2), zona / "v3.gpkg"), "zona", "zoning")
        want, version = sorted(squares_utm(2)["KODSZN"]), 3
    elif change == "rollback":  # back to v1: three squares
        with engine.begin() as conn:
            rollback(conn, LAYER, "zona", 1)
        want, version = sorted(squares_utm(3)["KODSZN"]), 1
    else:
        with engine.begin() as conn:
            drop_layer(conn, "zona")
        gone = poll(tiles_client, lambda r: r.status_code == 404)
        assert gone.status_code == 404 and gone.json()["error"] == "layer_not_found"
        return
    after = poll(tiles_client, lambda r: r.content != before.content)
    assert after.status_code == 200 and codes(after.content) == want
    assert after.content == tiles_client.get(TILE, params={"version": version}).content
    assert after.headers["etag"] != before.headers["etag"]


def test_without_the_listener_every_tile_asks_the_database(
    tiles_client: TestClient, zona: Path, load, engine: Engine
) -> None:
    listening(tiles_client)
    tiles_client.app.state.tile_sources.close()  # type: ignore[attr-defined]
    before = tiles_client.get(TILE)
    with statements(engine) as seen:
        assert tiles_client.get(TILE).content == before.content
    assert seen  # the version query, every time
    load(write(squares_utm(2), zona / "v3.gpkg"), "zona", "zoning")
    after = tiles_client.get(TILE)  # no waiting: nothing is cached by name any more
    assert codes(after.content) == sorted(squares_utm(2)["KODSZN"])


def test_the_listener_reconnects(tiles_client: TestClient, zona: Path, engine: Engine) -> None:
    listening(tiles_client)
    listener = tiles_client.app.state.tile_sources.listener  # type: ignore[attr-defined]
    epoch = listener.epoch
    with engine.connect() as conn:
        conn.exec_driver_sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'rtrw-tile-catalog' AND datname = current_database()"
        )
    deadline = time.monotonic() + 10
    while listener.connected and time.monotonic() < deadline:  # the loss is noticed at once
        time.sleep(0.01)
    assert not listener.connected
    listening(tiles_client)  # and LISTEN again, in a new epoch
    assert listener.epoch > epoch
    assert codes(tiles_client.get(TILE).content) == sorted(squares_utm(5)["KODSZN"])


def test_feature_cap_from_settings(engine: Engine, zona, tmp_path: Path) -> None:
    settings = load_settings(tiles=TileSettings(cache_dir=tmp_path / "c", max_features=2))
    with TestClient(create_app(settings=settings, engine=engine)) as c:
        assert len(codes(c.get(TILE).content)) == 2


@pytest.mark.parametrize(
    "path, status, code",
    [
        ("/tiles/zona/23/0/0.pbf", 422, "invalid_parameter"),  # above RTRW_TILES_MAX_ZOOM
        ("/tiles/zona/31/0/0.pbf", 422, "invalid_request"),  # above any zoom
        ("/tiles/zona/3/8/0.pbf", 422, "invalid_parameter"),  # x beyond 2^z - 1
        ("/tiles/zona/3/0/8.pbf", 422, "invalid_parameter"),
        ("/tiles/zona/3/-1/0.pbf", 422, "invalid_request"),
        ("/tiles/zona/3/a/0.pbf", 422, "invalid_request"),
        ("/tiles/nope/3/0/0.pbf", 404, "layer_not_found"),
        ("/tiles/zona/12/3297/2127.pbf?version=7", 404, "layer_not_found"),
        ("/tiles/nope.json", 404, "layer_not_found"),
        ("/tiles/zona.json?version=7", 404, "layer_not_found"),
        ("/tiles/zona.json?region=x", 422, "invalid_request"),
    ],
)
def test_bad_requests_are_json_4xx(
    tiles_client: TestClient, zona, path: str, status: int, code: str
) -> None:
    r = tiles_client.get(path)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()["error"] == code and r.json()["detail"]


def test_tilejson(tiles_client: TestClient, zona) -> None:
    r = tiles_client.get("/tiles/zona.json")
    assert r.status_code == 200
    doc = r.json()
    assert doc["tilejson"] == "3.0.0" and doc["name"] == "zona"
    assert doc["tiles"] == ["http://testserver/tiles/zona/{z}/{x}/{y}.pbf"]
    assert (doc["minzoom"], doc["maxzoom"]) == (0, 22)
    west, south, east, north = squares_utm(5).to_crs(4326).total_bounds
    assert doc["bounds"] == pytest.approx([west, south, east, north], abs=1e-9)
    (vl,) = doc["vector_layers"]
    assert vl["id"] == "zona" and set(vl["fields"]) == {"code", "name", "plan"}
    assert doc["layer"]["version"] == 2 and doc["layer"]["kind"] == "zoning"
    old = tiles_client.get("/tiles/zona.json", params={"version": 1}).json()
    assert old["tiles"] == ["http://testserver/tiles/zona/{z}/{x}/{y}.pbf?version=1"]
    assert old["layer"]["version"] == 1
    # the template works as given
    url = doc["tiles"][0].format(z=12, x=3297, y=2127).removeprefix("http://testserver")
    assert tiles_client.get(url).status_code == 200
