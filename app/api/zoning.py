"""Permit-zoning check: a geometry or point, an activity (KBLI), and the rules' answer."""

import json
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from app.api.deps import Conn
from app.errors import InvalidParameter
from app.schemas.zoning import Activity, CheckRequest, CheckResponse
from app.services import zoning
from app.services.zoning import batch_io

router = APIRouter(prefix="/zoning", tags=["zoning"])
Kbli = Annotated[str | None, Query(description="KBLI 2020 five-digit code, e.g. 10631")]
ActivityId = Annotated[str | None, Query(description="activity id (see /zoning/activities)")]
AsOf = Annotated[date | None, Query(description="rules in force on this date")]


@router.post("/check", response_model=CheckResponse, response_model_exclude_none=False)
def post_check(conn: Conn, body: CheckRequest) -> dict:
    """Check a point or parcel: zones and shares, ITBX verdict, envelope, overlays, sources."""
    return zoning.check(conn, body.geometry, body.crs, body.kbli, body.activity, body.as_of)


@router.get("/at", response_model=CheckResponse)
def get_at(
    conn: Conn,
    lon: Annotated[float, Query(ge=-180, le=180)],
    lat: Annotated[float, Query(ge=-90, le=90)],
    kbli: Kbli = None,
    activity: ActivityId = None,
    as_of: AsOf = None,
) -> dict:
    """Check a lon/lat point (EPSG:4326)."""
    return zoning.check_point(conn, lon, lat, kbli, activity, as_of)


@router.get("/activities", response_model=list[Activity])
def get_activities(
    conn: Conn,
    q: Annotated[str | None, Query(description="KBLI prefix or words, e.g. 106 or padi")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> list[dict]:
    """Find activities by KBLI code prefix or words (Bahasa Indonesia or English)."""
    return zoning.search_activities(conn, q, limit)


@router.post(
    "/check/batch",
    responses={
        200: {"content": {"application/json": {}, "text/csv": {}, "application/geo+json": {}}}
    },
)
async def post_batch(
    request: Request,
    conn: Conn,
    format: Annotated[str | None, Query(description="json, csv or geojson")] = None,
    crs: Annotated[str | None, Query(description="CRS of the input coordinates")] = None,
    as_of: AsOf = None,
    content_type: Annotated[str | None, Header()] = None,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    """Check up to 10,000 parcels (GeoJSON FeatureCollection or CSV id,wkt|lon,lat,kbli)."""
    fmt = batch_io.pick_format(format, accept)
    raw = (await request.body()).decode("utf-8-sig", errors="replace")
    if "csv" in (content_type or ""):
        items = batch_io.items_from_csv(raw, crs)
    else:
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise InvalidParameter(f"the batch body is not valid JSON: {exc}") from exc
        items = batch_io.items_from_geojson(data, crs)
    results = await run_in_threadpool(zoning.check_batch, conn, items, as_of)
    body, media = batch_io.render(results, fmt)
    return Response(body, media_type=media)
