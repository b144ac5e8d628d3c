"""Raster catalog and queries: list, describe, versions, the value at a point, zonal statistics."""

from typing import Annotated

from fastapi import APIRouter, Query

from app.api.deps import Db, RegionCode, Version
from app.api.params import RasterName
from app.schemas.errors import error_responses
from app.schemas.rasters import (
    PointValue,
    RasterDetail,
    RasterSummary,
    RasterVersionOut,
    ZonalRequest,
    ZonalStats,
)
from app.services.catalog import history
from app.services.rasters import catalog, query
from app.services.rasters.catalog import RASTER
from app.services.rasters.records import RasterDetailRow, RasterRow, RasterVersionRow

router = APIRouter(prefix="/rasters", tags=["rasters"])


@router.get("", response_model=list[RasterSummary], responses=error_responses())
def list_rasters(db: Db, region: RegionCode = None) -> list[RasterRow]:
    """Return every raster (of one region, if asked) with its current version."""
    return db.run(catalog.list_rasters, region)


@router.get("/{name}", response_model=RasterDetail, responses=error_responses(404))
def get_raster(
    db: Db, name: RasterName, version: Version = None, region: RegionCode = None
) -> RasterDetailRow:
    """Return one raster: grid, CRS, statistics, classes, provenance and its TileJSON link.

    A name that several regions use answers 422 asking for `?region=CODE`.
    """
    return db.run(catalog.raster_detail, name, region, version)


@router.get(
    "/{name}/versions", response_model=list[RasterVersionOut], responses=error_responses(404)
)
def get_versions(db: Db, name: RasterName, region: RegionCode = None) -> list[RasterVersionRow]:
    """Return every version of the raster, newest first."""
    return db.run(history.versions, RASTER, name, region)


@router.get(
    "/{name}/point",
    response_model=PointValue,
    response_model_by_alias=True,
    responses=error_responses(404),
)
def get_point(
    db: Db,
    name: RasterName,
    lon: Annotated[float, Query(ge=-180, le=180, examples=[109.74])],
    lat: Annotated[float, Query(ge=-90, le=90, examples=[-6.93])],
    version: Version = None,
    region: RegionCode = None,
) -> dict:
    """Return the raster's value (null on nodata) and class at a lon/lat point.

    Read from the stored file in its own CRS; 404 when the point lies outside the raster.
    """
    record = db.run(
        catalog.get_raster, name, region=region, version=version, store=db.settings.rasters.dir
    )
    return query.point_value(record, lon, lat)


@router.post(
    "/{name}/zonal",
    response_model=ZonalStats,
    responses=error_responses(400, 404, 413),  # 400: an unreadable body (not UTF-8)
)
def post_zonal(
    db: Db,
    name: RasterName,
    body: ZonalRequest,
    version: Version = None,
    region: RegionCode = None,
) -> dict:
    """Return count, min, max, mean and, for categorical rasters, each class's area and share.

    A pixel counts when its centre lies inside the parcel; a parcel holding no pixel centre
    takes the pixel under its representative point. Nodata pixels are counted apart
    (`nodata_count`). 422 when the parcel lies entirely outside the raster.
    """
    record = db.run(
        catalog.get_raster, name, region=region, version=version, store=db.settings.rasters.dir
    )
    return query.zonal_geojson(record, body.geometry, db.settings.rasters, db.settings.zoning)
