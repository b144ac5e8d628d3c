"""Reusable `Annotated` dependencies: the database handle, bbox, pagination, a tile request,
staff keys."""

import inspect
from collections.abc import Awaitable, Callable, Hashable
from typing import Annotated, Any, Literal

from fastapi import Depends, Header, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.db import Database
from app.errors import Forbidden, InvalidParameter, Unauthorized
from app.schemas.fields import INT4_MAX, INT8_MAX
from app.services import auth
from app.services.auth import Principal
from app.services.tiles.server import TileRequest
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
        raise InvalidParameter(
            f"bbox needs 4 numbers minx,miny,maxx,maxy; got {bbox!r}",
            message_id=f"bbox harus berisi 4 angka minx,miny,maxx,maxy; diterima {bbox!r}",
        )
    try:
        x0, y0, x1, y1 = (float(p) for p in parts)
    except ValueError as exc:
        raise InvalidParameter(
            f"bbox has a value that is not a number: {bbox!r}",
            message_id=f"bbox memuat nilai yang bukan angka: {bbox!r}",
        ) from exc
    if not all(map(lambda v: v == v and abs(v) != float("inf"), (x0, y0, x1, y1))):
        raise InvalidParameter(
            f"bbox values must be finite: {bbox!r}",
            message_id=f"Nilai bbox harus berupa angka berhingga: {bbox!r}",
        )
    if not (-180 <= x0 <= 180 and -180 <= x1 <= 180 and -90 <= y0 <= 90 and -90 <= y1 <= 90):
        raise InvalidParameter(
            f"bbox is outside lon -180..180 / lat -90..90: {bbox!r}",
            message_id=f"bbox di luar rentang bujur -180..180 / lintang -90..90: {bbox!r}",
        )
    if x0 > x1 or y0 > y1:
        raise InvalidParameter(
            f"bbox minx/miny must not exceed maxx/maxy: {bbox!r}",
            message_id=f"minx/miny pada bbox tidak boleh melebihi maxx/maxy: {bbox!r}",
        )
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
            raise InvalidParameter(
                f"limit may be at most {settings.max_limit}; got {limit}",
                message_id=f"limit paling besar {settings.max_limit}; diterima {limit}",
            )
        self.limit = limit or settings.default_limit
        self.offset = offset


Db = Annotated[Database, Depends(get_db)]
# The language of a page, sheet or map: Bahasa Indonesia first, English second.
Lang = Annotated[
    Literal["id", "en"], Query(description="language: id (Bahasa Indonesia) or en (English)")
]
BBox = Annotated[tuple[float, float, float, float] | None, Depends(parse_bbox)]
Pagination = Annotated[Page, Depends(Page)]


RegionCode = Annotated[
    str | None,
    Query(
        description="a region's Kemendagri code, e.g. 33.25 (Batang); needed only when several "
        "regions share the database and the name or id is theirs both",
        pattern=r"^\d{2}(\.\d{2}){0,3}$",
    ),
]
Version = Annotated[
    int | None, Query(ge=1, le=INT4_MAX, description="a past version; default current")
]

# A tile's path parameters, declared once for every kind of tile. The schema's zoom bound; the
# served range is RTRW_TILES_MIN/MAX_ZOOM (422 outside, from the tile server).
ZOOM_LIMIT = 30
Z = Annotated[int, Path(ge=0, le=ZOOM_LIMIT, description="zoom")]
X = Annotated[int, Path(ge=0, le=(1 << ZOOM_LIMIT) - 1, description="column, 0..2^z-1")]
Y = Annotated[int, Path(ge=0, le=(1 << ZOOM_LIMIT) - 1, description="row from the north")]
IfNoneMatch = Annotated[
    str | None, Header(description="an ETag of an earlier answer: 304 if unchanged")
]


def tile_params(
    kind: str, name: str, name_type: Any, style: Callable[..., Hashable] | None = None
) -> Callable[..., Awaitable[TileRequest]]:
    """Return the dependency that reads a tile route into a TileRequest of `kind`.

    Its parameters are the route's: the source's name (path parameter `name`, `name_type`),
    z/x/y, `style`'s own query parameters (a raster's colormap and rescale: the dependency
    calls it, so a bad style is a 422 before the handler runs), version, region and
    If-None-Match. FastAPI reads them from the signature built here (as titiler's factories
    build their endpoints); `async`, so it runs on the event loop with no thread hop.
    """
    keyword = inspect.Parameter.KEYWORD_ONLY
    styled = [*inspect.signature(style, eval_str=True).parameters.values()] if style else []

    async def read(**values: Any) -> TileRequest:
        """Return the TileRequest of the route's parameters."""
        return TileRequest(
            kind,
            values[name],
            values["z"],
            values["x"],
            values["y"],
            region=values["region"],
            version=values["version"],
            if_none_match=values["if_none_match"],
            style=style(**{p.name: values[p.name] for p in styled}) if style else None,
        )

    read.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(name, keyword, annotation=name_type),
            inspect.Parameter("z", keyword, annotation=Z),
            inspect.Parameter("x", keyword, annotation=X),
            inspect.Parameter("y", keyword, annotation=Y),
            *(p.replace(kind=keyword) for p in styled),
            inspect.Parameter("version", keyword, annotation=Version, default=None),
            inspect.Parameter("region", keyword, annotation=RegionCode, default=None),
            inspect.Parameter("if_none_match", keyword, annotation=IfNoneMatch, default=None),
        ],
        return_annotation=TileRequest,
    )
    return read


# `Authorization: Bearer <key>`; auto_error=False so a missing key is our own 401 body.
bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearerAuth",
    description="A staff or admin key from `rtrw users create-key` (reading needs none).",
)


def authenticate(
    db: Db,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """Return who the bearer key belongs to; Unauthorized (401) without a valid key.

    A plain `def`: the key lookup runs through `db.run` in the worker thread.
    """
    if credentials is None or not credentials.credentials:
        raise Unauthorized(
            "this route needs a key: send `Authorization: Bearer <key>` "
            "(keys come from `rtrw users create-key`)",
            message_id="Jalur ini memerlukan kunci: kirim `Authorization: Bearer <kunci>` "
            "(kunci dibuat dengan `rtrw users create-key`)",
        )
    principal = db.run(auth.verify, credentials.credentials)
    if principal is None:
        raise Unauthorized(
            "the key is unknown or has been revoked",
            message_id="Kunci tidak dikenal atau sudah dicabut",
        )
    return principal


def _granted(principal: Principal, role: str) -> Principal:
    """Return the principal when its role grants `role`, else raise Forbidden (403)."""
    if not principal.can(role):
        raise Forbidden(
            f"this needs the {role} role; the key {principal.name!r} has the role {principal.role}",
            message_id=f"Tindakan ini memerlukan peran {role}; kunci {principal.name!r} "
            f"berperan {principal.role}",
        )
    return principal


async def require_staff(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
    """Return the principal of a staff or admin key (401 without one)."""
    return _granted(principal, "staff")


async def require_admin(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
    """Return the principal of an admin key (401 without a key, 403 for a staff key)."""
    return _granted(principal, "admin")


Staff = Annotated[Principal, Depends(require_staff)]  # a staff or admin key
Admin = Annotated[Principal, Depends(require_admin)]  # an admin key only
