"""The HTTP side of the domain errors: one exception -> status table and the JSON handlers.

Like titiler's core/errors.py: app/errors.py holds the exceptions (no web framework), this
module maps them to status codes and renders every error, ours, Starlette's, pydantic's and
the database's, as `{"error", "detail", "message": {"id", "en"}}`.
"""

import logging
from http import HTTPStatus

import psycopg
import sqlalchemy.exc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette import status
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.errors import (
    FALLBACK_ID,
    BodyTooLarge,
    DatabaseUnavailable,
    Forbidden,
    InvalidCRS,
    InvalidGeometry,
    InvalidParameter,
    LoadError,
    NoRules,
    NotFound,
    OutsidePlanningArea,
    QueryTimeout,
    RtrwError,
    TooLarge,
    TooManyParcels,
    TooManyVertices,
    Unauthorized,
    UnknownActivity,
    database_error,
    fallback_id,
    validation_id,
    validation_message,
)

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


def error_body(
    code: str, detail: str, detail_id: str | None = None, **extra: object
) -> dict[str, object]:
    """Return an error body: code, English detail and `message` in both languages
    (schemas/errors.py::ErrorBody)."""
    message = {"id": detail_id or fallback_id(code), "en": detail}
    return {"error": code, "detail": detail, "message": message, **extra}


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
    return JSONResponse(error_body(name, detail, detail_id), code, headers=exc.headers)


def add_exception_handlers(app: FastAPI) -> None:
    """Render every error as JSON `{"error", "detail", "message": {"id", "en"}}` bodies."""

    async def rtrw_handler(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RtrwError)
        code = status_for(exc)
        headers = STATUS_HEADERS.get(code)
        body = error_body(exc.code, exc.message, exc.message_id, **exc.extra)
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
            error_body("internal_error", "an unexpected error occurred; it has been logged"),
            status.HTTP_500_INTERNAL_SERVER_ERROR,
        )

    async def validation_handler(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = exc.errors()
        parts, parts_id = [], []
        for err in errors:
            loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("query", "body", "path"))
            msg, msg_id = validation_message(err), validation_id(err)
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
            {"loc": list(e.get("loc", ())), "msg": validation_message(e), "type": e.get("type", "")}
            for e in errors
        ]
        return JSONResponse(
            error_body("invalid_request", detail, detail_id, errors=safe),
            status.HTTP_422_UNPROCESSABLE_CONTENT,
        )

    app.add_exception_handler(RtrwError, rtrw_handler)
    app.add_exception_handler(StarletteHTTPException, http_handler)
    app.add_exception_handler(sqlalchemy.exc.SQLAlchemyError, database_handler)
    app.add_exception_handler(psycopg.Error, database_handler)
    # Starlette answers this one last (ServerErrorMiddleware), then re-raises it to be logged.
    app.add_exception_handler(Exception, internal_handler)
    app.add_exception_handler(RequestValidationError, validation_handler)
