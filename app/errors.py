"""Domain exceptions and the one table that maps them to HTTP status codes."""

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette import status


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


class UnknownActivity(RtrwError):
    """A KBLI code or activity id that is malformed or not in the rules."""

    code = "unknown_activity"


class NoRules(RtrwError):
    """An activity was asked for but no rule set is loaded."""

    code = "no_rules"


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
    UnknownActivity: status.HTTP_422_UNPROCESSABLE_CONTENT,
    NoRules: status.HTTP_409_CONFLICT,
}


def status_for(exc: RtrwError) -> int:
    """Return the HTTP status of a domain exception (most specific class in the table wins)."""
    for cls in type(exc).__mro__:
        if cls in DEFAULT_STATUS_CODES:
            return DEFAULT_STATUS_CODES[cls]  # type: ignore[index]
    return status.HTTP_400_BAD_REQUEST


def _body(code: str, detail: str, **extra: object) -> dict[str, object]:
    return {"error": code, "detail": detail, **extra}


def add_exception_handlers(app: FastAPI) -> None:
    """Render domain and validation errors as JSON `{"error", "detail"}` bodies."""

    async def rtrw_handler(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RtrwError)
        return JSONResponse(_body(exc.code, exc.message, **exc.extra), status_for(exc))

    async def validation_handler(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = exc.errors()
        parts = []
        for err in errors:
            loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("query", "body", "path"))
            parts.append(f"{loc}: {err.get('msg')}" if loc else str(err.get("msg")))
        detail = "; ".join(parts) or "invalid request"
        safe = [{k: v for k, v in e.items() if k in ("loc", "msg", "type")} for e in errors]
        return JSONResponse(
            _body("invalid_request", detail, errors=safe),
            status.HTTP_422_UNPROCESSABLE_CONTENT,
        )

    app.add_exception_handler(RtrwError, rtrw_handler)
    app.add_exception_handler(RequestValidationError, validation_handler)
