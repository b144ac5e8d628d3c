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

from app.l10n import table


class RtrwError(Exception):
    """Base of every error the services raise on purpose; `code` names it in responses.

    `message` is English; the keyword `message_id` the same in Bahasa Indonesia
    (`RtrwError("no layer named 'x'", message_id="Lapisan 'x' tidak ditemukan")`). A raise
    site that gives none gets the code's sentence in FALLBACK_ID followed by the English
    message (which names the layer, file or value). Other `extra` fields join the error body.
    """

    code = "error"

    def __init__(self, message: str, **extra: object) -> None:
        # message_id travels in **extra, so `type(exc)(text, **exc.extra)` still type-checks
        message_id = extra.pop("message_id", None)
        if message_id is not None and not isinstance(message_id, str):
            raise TypeError(f"message_id must be a str, not {type(message_id).__name__}")
        super().__init__(message)
        self.message = message
        self.message_id: str = message_id or with_fallback(self.code, message)
        self.extra = extra


class NotFound(RtrwError):
    """Something asked for does not exist."""

    code = "not_found"


class LayerNotFound(NotFound):
    """No layer (or no such version of it) in the catalog."""

    code = "layer_not_found"


class RasterNotFound(NotFound):
    """No raster (or no such version of it) in the catalog."""

    code = "raster_not_found"


class PointOutsideRaster(NotFound):
    """A point lies outside a raster's footprint: there is no value to read there (404)."""

    code = "point_outside_raster"


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


class InvalidRequest(InvalidParameter):
    """A request refused like a schema refuses it (`invalid_request`), by a check that needs
    more than the schema, e.g. a lon/lat pair that looks swapped (with a suggestion)."""

    code = "invalid_request"


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


class OutsideRaster(OutsidePlanningArea):
    """A parcel lies entirely outside a raster's footprint (422)."""

    code = "outside_raster"


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


class Unauthorized(RtrwError):
    """No key, or a key that is unknown or revoked, on a route that needs one (401)."""

    code = "unauthorized"


class Forbidden(RtrwError):
    """A valid key whose role may not do this (a staff key on an admin route: 403)."""

    code = "forbidden"


class DatabaseUnavailable(RtrwError):
    """The database cannot be reached (down, restarting) or no pooled connection came free."""

    code = "database_unavailable"


class QueryTimeout(RtrwError):
    """A statement ran past the database's statement_timeout and was cancelled."""

    code = "timeout"


# The Indonesian sentence of each code, for a raise site (or a handler) that gives none
# (app/l10n/texts.py: `error.<code>`, with its English beside it).
FALLBACK_ID: dict[str, str] = table("error", "id")


def fallback_id(code: str) -> str:
    """Return the Indonesian fallback sentence of an error code (the generic one if unknown)."""
    return FALLBACK_ID.get(code) or FALLBACK_ID["error"]


def with_fallback(code: str, message: str) -> str:
    """Return Indonesian text for an English-only error: the code's sentence, then the English."""
    return f"{fallback_id(code)} ({message})" if message else fallback_id(code)


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
    Unauthorized: status.HTTP_401_UNAUTHORIZED,
    Forbidden: status.HTTP_403_FORBIDDEN,
    DatabaseUnavailable: status.HTTP_503_SERVICE_UNAVAILABLE,
    QueryTimeout: status.HTTP_504_GATEWAY_TIMEOUT,
}
RETRY_AFTER_S = 5  # the Retry-After of a 503: about what a PostgreSQL restart takes
# RFC 6750: a 401 names the scheme the client should use
STATUS_HEADERS: dict[int, dict[str, str]] = {
    status.HTTP_401_UNAUTHORIZED: {"WWW-Authenticate": 'Bearer realm="rtrw"'},
    status.HTTP_503_SERVICE_UNAVAILABLE: {"Retry-After": str(RETRY_AFTER_S)},
}
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
            "try a smaller request",
            message_id="Basis data membatalkan kueri karena melewati batas waktu pernyataan; "
            "coba permintaan yang lebih kecil",
        )
    if isinstance(exc, sqlalchemy.exc.TimeoutError):
        return DatabaseUnavailable(
            "every database connection is busy; try again shortly",
            message_id="Semua koneksi basis data sedang dipakai; coba lagi sebentar lagi",
        )
    if (isinstance(exc, sqlalchemy.exc.DBAPIError) and exc.connection_invalidated) or isinstance(
        orig, psycopg.OperationalError | psycopg.InterfaceError
    ):
        return DatabaseUnavailable(
            "the database is not reachable; try again shortly",
            message_id="Basis data tidak dapat dihubungi; coba lagi sebentar lagi",
        )
    return None


def _body(
    code: str, detail: str, detail_id: str | None = None, **extra: object
) -> dict[str, object]:
    """Return an error body: code, English detail and `message` in both languages."""
    message = {"id": detail_id or fallback_id(code), "en": detail}
    return {"error": code, "detail": detail, "message": message, **extra}


# pydantic error types in Bahasa Indonesia (app/l10n/texts.py: `validation.<type>`); ctx values
# fill the {placeholders}
VALIDATION_ID: dict[str, str] = table("validation", "id")
GENERIC_INVALID_ID = VALIDATION_ID["value_error"]


def _ctx_text(value: object) -> str:
    """Return a ctx value as Indonesian text: 90 not 90.0, 0,5 not 0.5, 'a' atau 'b'."""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value).replace(".", ",")
    return str(value).replace(" or ", " atau ")


def validation_id(err: dict) -> str:
    """Return the Indonesian phrase of one pydantic error.

    A type the table does not know, and a custom validator's value_error, get the generic
    phrase followed by pydantic's English message (which says what the field needs).
    """
    kind = str(err.get("type", ""))
    template = VALIDATION_ID.get(kind)
    if template is None or kind == "value_error":
        return f"{GENERIC_INVALID_ID} ({_message(err)})"
    ctx = {k: _ctx_text(v) for k, v in (err.get("ctx") or {}).items()}
    try:
        return template.format(**ctx)
    except (KeyError, IndexError, ValueError):
        return f"{GENERIC_INVALID_ID} ({_message(err)})"


def _message(err: dict) -> str:
    """Return a pydantic error message without pydantic's 'Value error, ' prefix."""
    return str(err.get("msg", "invalid")).removeprefix("Value error, ")


async def http_handler(request: Request, exc: Exception) -> JSONResponse:
    """Render Starlette's own errors (no such route: 404, wrong method: 405) as error bodies."""
    assert isinstance(exc, StarletteHTTPException)
    code = exc.status_code
    path = request.url.path
    name = HTTPStatus(code).phrase.lower().replace(" ", "_").replace("-", "_")
    if code == status.HTTP_404_NOT_FOUND and exc.detail == HTTPStatus(code).phrase:
        detail = f"no such path: {path} (the API is described at /docs)"
        detail_id = f"Jalur tidak ada: {path} (API dijelaskan di /docs)"
    elif code == status.HTTP_405_METHOD_NOT_ALLOWED:
        allowed = (exc.headers or {}).get("Allow", "")
        detail = f"{request.method} is not allowed on {path}; use {allowed}"
        detail_id = f"Metode {request.method} tidak diizinkan pada {path}; gunakan {allowed}"
    else:
        detail = str(exc.detail)
        detail_id = FALLBACK_ID.get(name) or f"Permintaan gagal (HTTP {code})"
    return JSONResponse(_body(name, detail, detail_id), code, headers=exc.headers)


def add_exception_handlers(app: FastAPI) -> None:
    """Render every error as JSON `{"error", "detail", "message": {"id", "en"}}` bodies."""

    async def rtrw_handler(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RtrwError)
        code = status_for(exc)
        headers = STATUS_HEADERS.get(code)
        body = _body(exc.code, exc.message, exc.message_id, **exc.extra)
        return JSONResponse(body, code, headers=headers)

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
        parts, parts_id = [], []
        for err in errors:
            loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("query", "body", "path"))
            msg, msg_id = _message(err), validation_id(err)
            parts.append(f"{loc}: {msg}" if loc else msg)
            if err.get("type") == "json_invalid":  # loc is the character where reading stopped
                parts_id.append(f"isi permintaan {msg_id} (berhenti di karakter ke-{loc or 0})")
            else:
                parts_id.append(f"{loc}: {msg_id}" if loc else f"isi permintaan: {msg_id}")
        detail = "; ".join(parts) or "invalid request"
        detail_id = (
            "Permintaan tidak valid: " + "; ".join(parts_id)
            if parts_id
            else fallback_id("invalid_request")
        )
        safe = [
            {"loc": list(e.get("loc", ())), "msg": _message(e), "type": e.get("type", "")}
            for e in errors
        ]
        return JSONResponse(
            _body("invalid_request", detail, detail_id, errors=safe),
            status.HTTP_422_UNPROCESSABLE_CONTENT,
        )

    app.add_exception_handler(RtrwError, rtrw_handler)
    app.add_exception_handler(StarletteHTTPException, http_handler)
    app.add_exception_handler(sqlalchemy.exc.SQLAlchemyError, database_handler)
    app.add_exception_handler(psycopg.Error, database_handler)
    # Starlette answers this one last (ServerErrorMiddleware), then re-raises it to be logged.
    app.add_exception_handler(Exception, internal_handler)
    app.add_exception_handler(RequestValidationError, validation_handler)
