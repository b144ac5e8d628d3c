"""Reusable `Annotated` dependencies: the database handle, bbox, pagination."""

from typing import Annotated

from fastapi import Depends, Query, Request

from app.db import Database
from app.errors import InvalidParameter
from app.schemas.fields import INT8_MAX
from app.settings import ApiSettings, Settings


async def get_db(request: Request) -> Database:
    """Return the app's Database (engine, settings, rule books); async, so no thread hop.

    No connection is taken here: a sync handler takes one with `db.run(...)` in its own thread.
    """
    db: Database = request.app.state.db
    return db


async def get_settings(request: Request) -> Settings:
    """Return the settings read and validated when the app was created."""
    settings: Settings = request.app.state.settings
    return settings


def parse_bbox(
    bbox: Annotated[
        str | None,
        Query(
            description="minx,miny,maxx,maxy in EPSG:4326 (lon/lat)",
            examples=["109.7,-7.0,109.8,-6.9"],
        ),
    ] = None,
) -> tuple[float, float, float, float] | None:
    """Return the bbox as four floats, or raise InvalidParameter (422) if malformed."""
    if bbox is None:
        return None
    parts = bbox.split(",")
    if len(parts) != 4:
        raise InvalidParameter(f"bbox needs 4 numbers minx,miny,maxx,maxy; got {bbox!r}")
    try:
        x0, y0, x1, y1 = (float(p) for p in parts)
    except ValueError as exc:
        raise InvalidParameter(f"bbox has a value that is not a number: {bbox!r}") from exc
    if not all(map(lambda v: v == v and abs(v) != float("inf"), (x0, y0, x1, y1))):
        raise InvalidParameter(f"bbox values must be finite: {bbox!r}")
    if not (-180 <= x0 <= 180 and -180 <= x1 <= 180 and -90 <= y0 <= 90 and -90 <= y1 <= 90):
        raise InvalidParameter(f"bbox is outside lon -180..180 / lat -90..90: {bbox!r}")
    if x0 > x1 or y0 > y1:
        raise InvalidParameter(f"bbox minx/miny must not exceed maxx/maxy: {bbox!r}")
    return x0, y0, x1, y1


class Page:
    """Limit and offset of a paginated listing, checked against the API settings."""

    def __init__(
        self,
        request: Request,
        limit: Annotated[
            int | None, Query(ge=1, description="features per page (max 1,000)")
        ] = None,
        offset: Annotated[int, Query(ge=0, le=INT8_MAX)] = 0,
    ) -> None:
        settings: ApiSettings = request.app.state.settings.api
        if limit is not None and limit > settings.max_limit:
            raise InvalidParameter(f"limit may be at most {settings.max_limit}; got {limit}")
        self.limit = limit or settings.default_limit
        self.offset = offset


Db = Annotated[Database, Depends(get_db)]
BBox = Annotated[tuple[float, float, float, float] | None, Depends(parse_bbox)]
Pagination = Annotated[Page, Depends(Page)]
