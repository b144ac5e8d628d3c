"""Domain exceptions, their Indonesian wording and the database faults they stand for.

Imports nothing from a web framework (like rio-tiler's errors.py), so every service and the CLI
can raise them; the HTTP side (status codes, the error body, the handlers) is app/api/errors.py.
"""

import psycopg
import sqlalchemy.exc

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


# pydantic error types in Bahasa Indonesia (app/l10n/texts.py: `validation.<type>`); ctx values
# fill the {placeholders}. Not only the API's: a region.toml or a swapped-coordinates refusal
# words its pydantic errors with it too.
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
        return f"{GENERIC_INVALID_ID} ({validation_message(err)})"
    ctx = {k: _ctx_text(v) for k, v in (err.get("ctx") or {}).items()}
    try:
        return template.format(**ctx)
    except (KeyError, IndexError, ValueError):
        return f"{GENERIC_INVALID_ID} ({validation_message(err)})"


def validation_message(err: dict) -> str:
    """Return a pydantic error message without pydantic's 'Value error, ' prefix."""
    return str(err.get("msg", "invalid")).removeprefix("Value error, ")
