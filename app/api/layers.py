"""Layer catalog: list, describe, versions, and features as GeoJSON."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from app.api.deps import BBox, Db, Pagination, RegionCode, Version
from app.api.params import LayerName
from app.api.urls import page_links
from app.schemas.catalog import (
    FeatureCollection,
    LayerDetail,
    LayerKind,
    LayerSummary,
    LayerVersionOut,
)
from app.schemas.errors import error_responses, json_error_responses
from app.services.catalog import history
from app.services.catalog import layers as catalog
from app.services.catalog.layers import LAYER, LayerDetailRow, LayerRow, LayerVersionRow

router = APIRouter(prefix="/layers", tags=["layers"])


class GeoJSONResponse(JSONResponse):
    """JSON sent as application/geo+json (RFC 7946)."""

    media_type = "application/geo+json"


@router.get("", response_model=list[LayerSummary], responses=error_responses())
def list_layers(
    db: Db,
    kind: Annotated[LayerKind | None, Query(description="only layers of this kind")] = None,
    region: RegionCode = None,
) -> list[LayerRow]:
    """Return every layer (of one region, if asked) with its current version."""
    return db.run(catalog.list_layers, kind.value if kind else None, region)


@router.get("/{name}", response_model=LayerDetail, responses=error_responses(404, 422))
def get_layer(db: Db, name: LayerName, region: RegionCode = None) -> LayerDetailRow:
    """Return one layer: provenance, bounds, field map and last load report.

    A name that several regions use answers 422 asking for `?region=CODE`.
    """
    return db.run(catalog.get_layer, name, region)


@router.get(
    "/{name}/versions", response_model=list[LayerVersionOut], responses=error_responses(404, 422)
)
def get_versions(db: Db, name: LayerName, region: RegionCode = None) -> list[LayerVersionRow]:
    """Return every version of the layer, newest first, with the loads and rollbacks."""
    return db.run(history.versions, LAYER, name, region)


@router.get(
    "/{name}/features",
    response_class=GeoJSONResponse,
    response_model=FeatureCollection,
    responses=json_error_responses(404),
)
def get_features(
    request: Request,
    db: Db,
    name: LayerName,
    bbox: BBox,
    page: Pagination,
    version: Version = None,
    region: RegionCode = None,
) -> JSONResponse:
    """Return a GeoJSON FeatureCollection (EPSG:4326), one page, with a link to the next."""
    result = db.run(catalog.features_page, name, bbox, page.limit, page.offset, version, region)
    links = page_links(request, page.offset, page.limit, result.has_next, "application/geo+json")
    body = {
        "type": "FeatureCollection",
        "layer": name,
        "version": result.version,
        "numberReturned": len(result.features),
        "features": result.features,
        "links": links,
    }
    return GeoJSONResponse(body)
