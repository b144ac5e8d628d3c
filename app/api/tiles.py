"""Vector tiles (Mapbox Vector Tile, Web Mercator XYZ) of every layer, and their TileJSON."""

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.deps import RegionCode, Version, tile_params
from app.api.params import LayerName
from app.api.urls import public_base
from app.errors import RtrwError
from app.schemas.errors import error_responses, json_error_responses
from app.schemas.tiles import TileJSON
from app.services.rasters.tiles import RasterTiles
from app.services.tiles.cache import TileCache
from app.services.tiles.catalog import SourceCache
from app.services.tiles.server import TileAnswer, TileRequest, TileServer
from app.services.tiles.vector import VectorTiles
from app.settings import Settings

router = APIRouter(prefix="/tiles", tags=["tiles"])
MVT = VectorTiles.media_type


class MVTResponse(Response):
    """A Mapbox Vector Tile (protobuf)."""

    media_type = MVT


async def get_tile_server(request: Request) -> TileServer:
    """Return the app's tile server: its tile cache (opened on first use, one per process,
    shared on disk), the versions resolved so far (opened in the lifespan, app.main; without
    it, an empty one and every tile queries its version) and the vector and raster renderers.
    One dependency: each costs a warm tile ~0.1 ms.

    `async`, so it runs on the event loop: no two requests can open them at once.
    """
    state = request.app.state
    server: TileServer | None = getattr(state, "tile_server", None)
    sources: SourceCache | None = getattr(state, "tile_sources", None)
    if server is not None and server.sources is sources and server.db is state.db:
        return server
    settings: Settings = state.settings
    tiles = settings.tiles
    cache: TileCache | None = getattr(state, "tiles", None)
    if cache is None:
        cache = state.tiles = TileCache(
            tiles.cache_dir, tiles.cache_max_mb * 1_000_000, tiles.memory_mb * 1_000_000
        )
    if sources is None:
        sources = state.tile_sources = SourceCache(None)
    renderers = (VectorTiles(tiles), RasterTiles(settings.rasters.dir))
    server = state.tile_server = TileServer(state.db, cache, sources, tiles, renderers)
    return server


Tiles = Annotated[TileServer, Depends(get_tile_server)]
VectorTile = Annotated[TileRequest, Depends(tile_params(VectorTiles.kind, "layer", LayerName))]


def tile_response(answer: TileAnswer) -> Response:
    """Return the HTTP answer of a tile of any kind: 200 with the bytes, 204 for an empty tile,
    304 when If-None-Match named the ETag; ETag and max-age on each."""
    headers = {"ETag": answer.etag, "Cache-Control": f"public, max-age={answer.max_age}"}
    if answer.status != 200:
        return Response(status_code=answer.status, headers=headers)
    return Response(answer.data, headers=headers, media_type=answer.media_type)


TILE_RESPONSES: dict[int | str, dict] = {
    200: {
        "description": "The tile (Mapbox Vector Tile 2.1, one layer named after the catalog "
        "layer); `ETag` and `Cache-Control` headers",
        "content": {MVT: {"schema": {"type": "string", "format": "binary"}}},
    },
    204: {"description": "No feature of the layer falls in this tile (no body)"},
    304: {"description": "The tile is unchanged since the ETag in If-None-Match"},
    **json_error_responses(404, 422),
}


@router.get(
    "/{layer}/{z}/{x}/{y}.pbf",
    response_class=MVTResponse,
    responses=TILE_RESPONSES,
    summary="A vector tile of a layer",
)
async def get_tile(server: Tiles, tile: VectorTile) -> Response:
    """Return one Web Mercator (EPSG:3857) tile of the layer's current (or `version`) features.

    Features carry only what styling and popups need (zoning: code, name, plan; admin: code,
    name, level; overlay: code, name, kind; others: name, kind), at most
    RTRW_TILES_MAX_FEATURES of them (largest first). 422 for a zoom outside the served range or
    x/y outside 0..2^z-1; 404 for an unknown layer or version; 204 for an empty tile.
    """
    # A tile in the memory cache of a layer version the catalog listener vouches for is
    # answered here on the event loop; anything else (disk, database) in a worker thread.
    answer = server.peek(tile)
    if answer is None:
        answer = await run_in_threadpool(server.load, tile)
    return tile_response(answer)


# A plain tile request (no query string): what WarmTiles may answer by itself
WARM_PATH = re.compile(r"^/tiles/([A-Za-z0-9_]{1,63})/(\d{1,2})/(\d{1,10})/(\d{1,10})\.pbf$")


class WarmTiles:
    """ASGI middleware: a tile in the memory cache is answered before routing.

    On the demo layer a warm tile spent over half of its time in FastAPI's routing and
    parameter solving. This answers `GET /tiles/{layer}/{z}/{x}/{y}.pbf` without a query
    string when the tile server's `peek` finds it (the catalog listener vouches for the layer
    version and the memory LRU holds the tile), with the routes' own `tile_response`; anything
    else (a miss, a query string, a bad tile, the tile server not opened yet) goes on to the
    route, which validates and answers it. It sits inside the CORS middleware, so the headers
    of a cross-origin read are the route's.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer a warm tile from the cache; pass anything else on to the routes."""
        if (answer := self._warm(scope)) is not None:
            await answer(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    @staticmethod
    def _warm(scope: Scope) -> Response | None:
        """Return the answer to a plain tile request that the memory cache holds, else None."""
        if scope["type"] != "http" or scope["method"] != "GET" or scope["query_string"]:
            return None
        match = WARM_PATH.match(scope["path"])
        state = scope["app"].state
        server: TileServer | None = getattr(state, "tile_server", None)
        if match is None or server is None or server.sources is not state.tile_sources:
            return None
        etags = [v.decode("latin-1") for k, v in scope["headers"] if k == b"if-none-match"]
        tile = TileRequest(
            VectorTiles.kind, match[1], int(match[2]), int(match[3]), int(match[4]),
            if_none_match=", ".join(etags) or None,
        )  # fmt: skip
        try:
            answer = server.peek(tile)
        except RtrwError:  # outside the grid: the route says so
            return None
        return None if answer is None else tile_response(answer)


@router.get(
    "/{layer}.json",
    response_model=TileJSON,
    response_model_exclude_none=True,
    responses=error_responses(404, 422),
    summary="TileJSON of a layer's vector tiles",
)
def get_tilejson(
    request: Request,
    server: Tiles,
    layer: LayerName,
    version: Version = None,
    region: RegionCode = None,
) -> dict:
    """Return the TileJSON 3.0.0 of the layer: tile URL template, zooms, bounds, attributes.

    The tile URLs start with RTRW_MAPS_PUBLIC_BASE_URL when it is set, else with the scheme
    and host this request came to.
    """
    return server.db.run(
        server.tilejson, VectorTiles.kind, layer, public_base(request),
        region=region, version=version,
    )  # fmt: skip
