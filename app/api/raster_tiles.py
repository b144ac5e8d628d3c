"""PNG tiles (Web Mercator XYZ) of the catalog's rasters, and their TileJSON with a legend."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from app.api.deps import RegionCode, Version, tile_params
from app.api.params import RasterName
from app.api.tiles import Tiles, tile_response
from app.api.urls import public_base
from app.schemas.errors import error_responses, json_error_responses
from app.schemas.tiles import RasterTileJSON
from app.services.rasters import tiles as raster_tiles
from app.services.rasters.tiles import RasterTiles, TileStyle
from app.services.tiles.server import TileRequest

router = APIRouter(prefix="/rasters", tags=["rasters"])

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


def raster_style(colormap: Colormap = None, rescale: Rescale = None) -> TileStyle:
    """Return the style of `colormap=` and `rescale=min,max`; InvalidParameter (422) when bad."""
    return raster_tiles.parse_style(colormap, rescale)


RasterTile = Annotated[
    TileRequest, Depends(tile_params(RasterTiles.kind, "name", RasterName, raster_style))
]


class PNGResponse(Response):
    """A PNG image."""

    media_type = RasterTiles.media_type


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
def get_raster_tile(server: Tiles, tile: RasterTile) -> Response:
    """Return one Web Mercator (EPSG:3857) 256 px tile of the raster's current (or `version`).

    Categorical rasters are drawn in their class colours, continuous ones with a colour map
    (`colormap`, else the raster's) over `rescale` (else the raster's min..max); nodata is
    transparent. 204 outside the raster or for nodata only; 422 for a zoom outside the
    served range, x/y outside 0..2^z-1, an unknown colormap or a bad rescale; 404 for an
    unknown raster or version. A plain `def`: GDAL reads block, so they run in a worker thread.
    """
    return tile_response(server.load(tile))


@router.get(
    "/{name}.json",
    response_model=RasterTileJSON,
    response_model_exclude_none=True,
    responses=error_responses(404, 422),
    summary="TileJSON of a raster's PNG tiles, with its legend",
)
def get_raster_tilejson(
    request: Request,
    server: Tiles,
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
    style = raster_style(colormap, rescale)
    return server.db.run(
        server.tilejson, RasterTiles.kind, name, public_base(request),
        region=region, version=version, style=style,
    )  # fmt: skip
