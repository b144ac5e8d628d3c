"""Permit-zoning check: a geometry or point, an activity (KBLI), and the rules' answer."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from app.api.deps import Db, Lang, RegionCode
from app.schemas.errors import error_responses, json_error_responses
from app.schemas.fields import ActivityText, IsoDate, KbliCode, SearchText
from app.schemas.zoning import Activity, CheckRequest, CheckResponse
from app.services import zoning
from app.services.maps.panel import panel_html
from app.services.zoning import swapped
from app.services.zoning.answer import Answer

router = APIRouter(prefix="/zoning", tags=["zoning"])
Kbli = Annotated[KbliCode | None, Query(description="KBLI 2020 five-digit code, e.g. 10631")]
ActivityId = Annotated[
    ActivityText | None, Query(description="activity id (see /zoning/activities)")
]
AsOf = Annotated[IsoDate | None, Query(description="rules in force on this date")]


@router.post(
    "/check",
    response_model=CheckResponse,
    response_model_exclude_none=False,
    responses=error_responses(400, 409, 413),
)
def post_check(db: Db, body: CheckRequest) -> dict:
    """Check a point or parcel: zones and shares, ITBX verdict, envelope, overlays, sources."""
    return _answer(db, body).to_json()


def _answer(db: Db, body: CheckRequest) -> Answer:
    """Return the check of a request body (a swapped lon/lat gets the hint in its 422)."""
    return db.run(
        swapped.check_geometry, body.geometry, body.crs, kbli=body.kbli, activity=body.activity,
        as_of=body.as_of, books=db.books, settings=db.settings,
    )  # fmt: skip


# The ranges are documented (minimum/maximum) but checked by lon_lat, whose 422 can then say
# "did you mean lon=109.7, lat=-6.9?" when the two look swapped.
def _coordinate(description: str, limit: int, example: float) -> Any:
    """Return the Query of a coordinate whose range (-limit..limit) is documented only."""
    return Query(
        allow_inf_nan=False,
        description=description,
        json_schema_extra={"minimum": -limit, "maximum": limit},
        examples=[example],
    )


Lon = Annotated[float, _coordinate("longitude, EPSG:4326", 180, 109.74)]
Lat = Annotated[float, _coordinate("latitude, EPSG:4326", 90, -6.93)]


async def lon_lat(db: Db, lon: Lon, lat: Lat) -> tuple[float, float]:
    """Return (lon, lat); 422 (invalid_request) outside their ranges, asking "did you mean
    ...?" with a `suggestion` when swapped they lie in a loaded region (one query, then)."""
    if not swapped.in_range(lon, lat):
        await run_in_threadpool(db.run, swapped.refuse_lonlat, lon, lat)
    return lon, lat


LonLat = Annotated[tuple[float, float], Depends(lon_lat)]


@router.post(
    "/panel",
    response_class=HTMLResponse,
    responses={200: {"content": {"text/html": {}}}, **json_error_responses(400, 409, 413, 422)},
)
def post_panel(db: Db, body: CheckRequest, lang: Lang = "id") -> HTMLResponse:
    """The map panel's answer to a check as an HTML fragment in `lang` (the PDF's words)."""
    return HTMLResponse(panel_html(_answer(db, body), lang))


@router.get("/at", response_model=CheckResponse, responses=error_responses(409))
def get_at(
    db: Db,
    point: LonLat,
    kbli: Kbli = None,
    activity: ActivityId = None,
    as_of: AsOf = None,
) -> dict:
    """Check a lon/lat point (EPSG:4326); swapped coordinates get a "did you mean" 422."""
    lon, lat = point
    answer = db.run(
        zoning.check_point, lon, lat, kbli=kbli, activity=activity, as_of=as_of, books=db.books,
        settings=db.settings,
    )  # fmt: skip
    return answer.to_json()


@router.get("/activities", response_model=list[Activity], responses=error_responses(409, 422))
def get_activities(
    db: Db,
    q: Annotated[
        SearchText | None,
        Query(
            description="KBLI code prefix or words (Bahasa Indonesia or English, typos "
            "tolerated), e.g. 106, penggilingan padi, SPBU, warehouse; none: the listed codes"
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    region: RegionCode = None,
) -> list[dict]:
    """Search all of KBLI 2020; each code says whether the region's rules list it.

    `listed: false` means the ITBX matrix does not list it: a check answers `not_listed`.
    The listed codes come first, then whole words, prefixes and typos (`match`); when nothing
    matches, up to 5 nearest codes marked `match: suggestion`.
    """
    return db.run(zoning.search_activities, q, limit, books=db.books, region=region)
