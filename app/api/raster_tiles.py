"""PNG tiles (Web Mercator XYZ) of the catalog's rasters, and their TileJSON with a legend."""

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.responses import Response

from app.api.deps import Db, RegionCode
from app.api.tiles import ZOOM_LIMIT, Tiles, cached_response
from app.api.urls import public_base
from app.schemas.errors import error_responses, json_error_responses
from app.schemas.fields import INT4_MAX
from app.schemas.raster_tiles import RasterTileJSON
from app.services.rasters import tiles as raster_tiles
from app.settings import Settings

router = APIRouter(prefix="/rasters", tags=["rasters"])

RasterName = Annotated[
    str, Path(description="raster name, e.g. dem", pattern=r"^[A-Za-z0-9_]{1,63}$")
]
Version = Annotated[
    int | None, Query(ge=1, le=INT4_MAX, description="a past version; default current")
]
Colormap = Annotated[
    str | None,
    Query(
        description="a rio-tiler colour map name (terrain, viridis, ylorrd, blues, ...); "
        "default the raster's own, or its class colours",
        max_length=64,
    ),
]
Rescale = Annotated[
    str | None,
    Query(
        description="min,max: the values drawn from the first to the last colour; "
        "default the raster's minimum and maximum",
        examples=["0,2500"],
        max_length=64,
    ),
]


class PNGResponse(Response):
    """A PNG image."""

    media_type = "image/png"


TILE_RESPONSES: dict[int | str, dict] = {
    200: {
        "description": "The tile (256 x 256 RGBA PNG, nodata transparent); `ETag` and "
        "`Cache-Control` headers",
        "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}},
    },
    204: {"description": "The tile misses the raster or holds only nodata (no body)"},
    304: {"description": "The tile is unchanged since the ETag in If-None-Match"},
    **json_error_responses(404, 422),
}


@router.get(
    "/{name}/tiles/{z}/{x}/{y}.png",
    response_class=PNGResponse,
    responses=TILE_RESPONSES,
    summary="A PNG tile of a raster",
)
def get_raster_tile(
    request: Request,
    server: Tiles,
    name: RasterName,
    z: Annotated[int, Path(ge=0, le=ZOOM_LIMIT, description="zoom")],
    x: Annotated[int, Path(ge=0, le=(1 << ZOOM_LIMIT) - 1, description="column, 0..2^z-1")],
    y: Annotated[int, Path(ge=0, le=(1 << ZOOM_LIMIT) - 1, description="row from the north")],
    colormap: Colormap = None,
    rescale: Rescale = None,
    version: Version = None,
    region: RegionCode = None,
    if_none_match: Annotated[
        str | None, Header(description="an ETag of an earlier answer: 304 if unchanged")
    ] = None,
) -> Response:
    """Return one Web Mercator (EPSG:3857) 256 px tile of the raster's current (or `version`).

    Categorical rasters are drawn in their class colours, continuous ones with a colour map
    (`colormap`, else the raster's) over `rescale` (else the raster's min..max); nodata is
    transparent. 204 outside the raster or for nodata only; 422 for a zoom outside the
    served range, x/y outside 0..2^z-1, an unknown colormap or a bad rescale; 404 for an
    unknown raster or version. A plain `def`: GDAL reads block, so they run in a worker thread.
    """
    style = raster_tiles.parse_style(colormap, rescale)
    settings: Settings = request.app.state.settings
    tile = raster_tiles.load_tile(
        server.db, server.cache, server.settings, name, z, x, y, style,
        region=region, version=version, if_none_match=if_none_match,
        store=settings.rasters.dir, records=server.sources,
    )  # fmt: skip
    age = server.settings.pinned_max_age_s if version is not None else server.settings.max_age_s
    return cached_response(tile.etag, tile.data, age, PNGResponse)


@router.get(
    "/{name}.json",
    response_model=RasterTileJSON,
    response_model_exclude_none=True,
    responses=error_responses(404, 422),
    summary="TileJSON of a raster's PNG tiles, with its legend",
)
def get_raster_tilejson(
    request: Request,
    db: Db,
    name: RasterName,
    colormap: Colormap = None,
    rescale: Rescale = None,
    version: Version = None,
    region: RegionCode = None,
) -> dict:
    """Return the TileJSON 3.0.0 of the raster: tile URL (with the style), zooms, bounds, legend.

    The tile URL starts with RTRW_MAPS_PUBLIC_BASE_URL when it is set, else with the scheme
    and host this request came to.
    """
    style = raster_tiles.parse_style(colormap, rescale)
    settings: Settings = request.app.state.settings
    return db.run(
        raster_tiles.tilejson, settings.tiles, name, public_base(request), style,
        region=region, version=version, store=settings.rasters.dir,
    )  # fmt: skip
