"""Reusable `Annotated` dependencies: database connection, bbox, pagination."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy import Connection, Engine

from app.errors import InvalidParameter
from app.settings import ApiSettings, api_settings


async def get_engine(request: Request) -> Engine:
    """Return the engine opened in the app's lifespan (async: no thread-pool hop for this)."""
    engine: Engine = request.app.state.engine
    return engine


def get_conn(engine: Annotated[Engine, Depends(get_engine)]) -> Iterator[Connection]:
    """Yield a pooled connection in autocommit mode (the API only reads; no BEGIN/ROLLBACK)."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        yield conn


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
        limit: Annotated[
            int | None, Query(ge=1, description="features per page (max 1,000)")
        ] = None,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> None:
        settings: ApiSettings = api_settings()
        if limit is not None and limit > settings.max_limit:
            raise InvalidParameter(f"limit may be at most {settings.max_limit}; got {limit}")
        self.limit = limit or settings.default_limit
        self.offset = offset


Conn = Annotated[Connection, Depends(get_conn)]
BBox = Annotated[tuple[float, float, float, float] | None, Depends(parse_bbox)]
Pagination = Annotated[Page, Depends(Page)]
