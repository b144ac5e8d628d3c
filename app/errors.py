"""Domain exceptions and the one table that maps them to HTTP status codes."""

import logging
from http import HTTPStatus

import psycopg
import sqlalchemy.exc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette import status
from starlette.exceptions import HTTPException as StarletteHTTPException


class RtrwError(Exception):
    """Base of every error the services raise on purpose; `code` names it in responses."""

    code = "error"

    def __init__(self, message: str, **extra: object) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra


class NotFound(RtrwError):
    """Something asked for does not exist."""

    code = "not_found"


class LayerNotFound(NotFound):
    """No layer (or no such version of it) in the catalog."""

    code = "layer_not_found"


class AdminAreaNotFound(NotFound):
    """No administrative area with that Kemendagri code."""

    code = "admin_area_not_found"


class InvalidParameter(RtrwError):
    """A request parameter is malformed (bbox, code, ...)."""

    code = "invalid_parameter"


class LoadError(RtrwError):
    """A layer or region could not be loaded; nothing was written."""

    code = "load_error"


class SourceFileError(LoadError):
    """The source file is missing, unreadable, corrupt or truncated."""

    code = "source_file_error"


class FieldMappingError(LoadError):
    """A required field is missing or a --map entry names an unknown field."""

    code = "field_mapping_error"


class InvalidCRS(RtrwError):
    """An EPSG/CRS string that pyproj does not know, or a file without a CRS."""

    code = "invalid_crs"


class RegionPackError(LoadError):
    """A region pack manifest is missing or malformed."""

    code = "region_pack_error"


class RulesError(LoadError):
    """Rule tables (ITBX matrix, zone classes, ...) failed validation; nothing was loaded."""

    code = "rules_error"


class InvalidGeometry(RtrwError):
    """A geometry is malformed, empty after repair, or of a type the check does not take."""

    code = "invalid_geometry"


class OutsidePlanningArea(RtrwError):
    """The geometry lies outside the region and every zoning polygon."""

    code = "outside_planning_area"


class TooLarge(RtrwError):
    """A geometry or batch exceeds a limit (vertices, area, parcels)."""

    code = "too_large"


class TooManyVertices(TooLarge):
    """A geometry has more vertices than the check takes."""

    code = "too_many_vertices"


class TooManyParcels(TooLarge):
    """A batch has more parcels than the check takes."""

    code = "too_many_parcels"


class BodyTooLarge(TooLarge):
    """A request body is larger than the endpoint takes."""

    code = "body_too_large"


class UnknownActivity(RtrwError):
    """A KBLI code or activity id that is malformed or not in the rules."""

    code = "unknown_activity"


class NoRules(RtrwError):
    """An activity was asked for but no rule set is loaded."""

    code = "no_rules"


class DatabaseUnavailable(RtrwError):
    """The database cannot be reached (down, restarting) or no pooled connection came free."""

    code = "database_unavailable"


class QueryTimeout(RtrwError):
    """A statement ran past the database's statement_timeout and was cancelled."""

    code = "timeout"


DEFAULT_STATUS_CODES: dict[type[RtrwError], int] = {
    NotFound: status.HTTP_404_NOT_FOUND,
    InvalidParameter: status.HTTP_422_UNPROCESSABLE_CONTENT,
    InvalidCRS: status.HTTP_422_UNPROCESSABLE_CONTENT,
    LoadError: status.HTTP_422_UNPROCESSABLE_CONTENT,
    InvalidGeometry: status.HTTP_422_UNPROCESSABLE_CONTENT,
    OutsidePlanningArea: status.HTTP_422_UNPROCESSABLE_CONTENT,
    TooLarge: status.HTTP_422_UNPROCESSABLE_CONTENT,
    TooManyVertices: status.HTTP_413_CONTENT_TOO_LARGE,
    TooManyParcels: status.HTTP_413_CONTENT_TOO_LARGE,
    BodyTooLarge: status.HTTP_413_CONTENT_TOO_LARGE,
    UnknownActivity: status.HTTP_422_UNPROCESSABLE_CONTENT,
    NoRules: status.HTTP_409_CONFLICT,
    DatabaseUnavailable: status.HTTP_503_SERVICE_UNAVAILABLE,
    QueryTimeout: status.HTTP_504_GATEWAY_TIMEOUT,
}
RETRY_AFTER_S = 5  # the Retry-After of a 503: about what a PostgreSQL restart takes
log = logging.getLogger("rtrw")


def status_for(exc: RtrwError) -> int:
    """Return the HTTP status of a domain exception (most specific class in the table wins)."""
    for cls in type(exc).__mro__:
        if cls in DEFAULT_STATUS_CODES:
            return DEFAULT_STATUS_CODES[cls]  # type: ignore[index]
    return status.HTTP_400_BAD_REQUEST


def database_error(exc: BaseException) -> RtrwError | None:
    """Return DatabaseUnavailable or QueryTimeout for a database failure that is one, else None."""
    orig = exc.orig if isinstance(exc, sqlalchemy.exc.DBAPIError) else exc
    if isinstance(orig, psycopg.errors.QueryCanceled):
        return QueryTimeout(
            "the database cancelled the query: it ran longer than the statement timeout; "
            "try a smaller request"
        )
    if isinstance(exc, sqlalchemy.exc.TimeoutError):
        return DatabaseUnavailable("every database connection is busy; try again shortly")
    if (isinstance(exc, sqlalchemy.exc.DBAPIError) and exc.connection_invalidated) or isinstance(
        orig, psycopg.OperationalError | psycopg.InterfaceError
    ):
        return DatabaseUnavailable("the database is not reachable; try again shortly")
    return None


def _body(code: str, detail: str, **extra: object) -> dict[str, object]:
    return {"error": code, "detail": detail, **extra}


def _message(err: dict) -> str:
    """Return a pydantic error message without pydantic's 'Value error, ' prefix."""
    return str(err.get("msg", "invalid")).removeprefix("Value error, ")


async def http_handler(request: Request, exc: Exception) -> JSONResponse:
    """Render Starlette's own errors (no such route: 404, wrong method: 405) as error bodies."""
    assert isinstance(exc, StarletteHTTPException)
    code = exc.status_code
    if code == status.HTTP_404_NOT_FOUND and exc.detail == HTTPStatus(code).phrase:
        detail = f"no such path: {request.url.path} (the API is described at /docs)"
    elif code == status.HTTP_405_METHOD_NOT_ALLOWED:
        allowed = (exc.headers or {}).get("Allow", "")
        detail = f"{request.method} is not allowed on {request.url.path}; use {allowed}"
    else:
        detail = str(exc.detail)
    name = HTTPStatus(code).phrase.lower().replace(" ", "_").replace("-", "_")
    return JSONResponse(_body(name, detail), code, headers=exc.headers)


def add_exception_handlers(app: FastAPI) -> None:
    """Render domain and validation errors as JSON `{"error", "detail"}` bodies."""

    async def rtrw_handler(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RtrwError)
        code = status_for(exc)
        headers = {"Retry-After": str(RETRY_AFTER_S)} if code == 503 else None
        return JSONResponse(_body(exc.code, exc.message, **exc.extra), code, headers=headers)

    async def database_handler(request: Request, exc: Exception) -> JSONResponse:
        mapped = database_error(exc)
        if mapped is None:  # a bug (bad SQL, ...), not an outage
            log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
            return await internal_handler(request, exc)
        log.warning("%s %s: %s: %s", request.method, request.url.path, mapped.code, exc)
        return await rtrw_handler(request, mapped)

    async def internal_handler(_: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(
            _body("internal_error", "an unexpected error occurred; it has been logged"),
            status.HTTP_500_INTERNAL_SERVER_ERROR,
        )

    async def validation_handler(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = exc.errors()
        parts = []
        for err in errors:
            loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("query", "body", "path"))
            msg = _message(err)
            parts.append(f"{loc}: {msg}" if loc else msg)
        detail = "; ".join(parts) or "invalid request"
        safe = [
            {"loc": list(e.get("loc", ())), "msg": _message(e), "type": e.get("type", "")}
            for e in errors
        ]
        return JSONResponse(
            _body("invalid_request", detail, errors=safe),
            status.HTTP_422_UNPROCESSABLE_CONTENT,
        )

    app.add_exception_handler(RtrwError, rtrw_handler)
    app.add_exception_handler(StarletteHTTPException, http_handler)
    app.add_exception_handler(sqlalchemy.exc.SQLAlchemyError, database_handler)
    app.add_exception_handler(psycopg.Error, database_handler)
    # Starlette answers this one last (ServerErrorMiddleware), then re-raises it to be logged.
    app.add_exception_handler(Exception, internal_handler)
    app.add_exception_handler(RequestValidationError, validation_handler)
