"""Layer catalog: list, describe, versions, and features as GeoJSON."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from app.api.deps import BBox, Conn, Pagination
from app.schemas.catalog import LayerDetail, LayerSummary, LayerVersionOut
from app.services.catalog import layers as catalog

router = APIRouter(prefix="/layers", tags=["layers"])
LayerName = Annotated[
    str, Path(description="layer name, e.g. pola_ruang", pattern=r"^[A-Za-z0-9_]{1,63}$")
]


@router.get("", response_model=list[LayerSummary])
def list_layers(
    conn: Conn, kind: Annotated[str | None, Query(description="admin, zoning, ...")] = None
) -> list[dict]:
    """Return every layer with its current version."""
    return catalog.list_layers(conn, kind)


@router.get("/{name}", response_model=LayerDetail)
def get_layer(conn: Conn, name: LayerName) -> dict:
    """Return one layer: provenance, bounds, field map and last load report."""
    return catalog.get_layer(conn, name)


@router.get("/{name}/versions", response_model=list[LayerVersionOut])
def get_versions(conn: Conn, name: LayerName) -> list[dict]:
    """Return every version of the layer, newest first."""
    return catalog.list_versions(conn, name)


@router.get("/{name}/features", response_class=JSONResponse)
def get_features(
    request: Request,
    conn: Conn,
    name: LayerName,
    bbox: BBox,
    page: Pagination,
    version: Annotated[
        int | None, Query(ge=1, description="a past version; default current")
    ] = None,
) -> JSONResponse:
    """Return a GeoJSON FeatureCollection (EPSG:4326), one page, with a link to the next."""
    result = catalog.features_page(conn, name, bbox, page.limit, page.offset, version)
    links = [{"rel": "self", "href": str(request.url), "type": "application/geo+json"}]
    if result.has_next:
        nxt = request.url.include_query_params(offset=page.offset + page.limit, limit=page.limit)
        links.append({"rel": "next", "href": str(nxt), "type": "application/geo+json"})
    body = {
        "type": "FeatureCollection",
        "layer": name,
        "version": result.version,
        "numberReturned": len(result.features),
        "features": result.features,
        "links": links,
    }
    return JSONResponse(body, media_type="application/geo+json")
