"""The one error body of the API and the `responses=` that document it on each route."""

from http import HTTPStatus
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ValidationIssue(BaseModel):
    """One reason a request failed validation (pydantic's loc/msg/type)."""

    loc: list[str | int]
    msg: str
    type: str


class LocalizedText(BaseModel):
    """One sentence in Bahasa Indonesia (`id`) and English (`en`)."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="Bahasa Indonesia")
    en: str = Field(description="English (the same text as `detail`)")


class ErrorBody(BaseModel):
    """Every 4xx/5xx answer: a stable machine code and a sentence for people, in two languages.

    `detail` is the English sentence (kept for older clients); `message` carries it in Bahasa
    Indonesia and English. Some errors add fields: `errors` (invalid_request), `suggestions`
    (unknown_activity), `limit` / `limit_ha` (too_large).
    """

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "error": "layer_not_found",
                    "detail": "no layer named 'zonna'",
                    "message": {
                        "id": "Lapisan 'zonna' tidak ditemukan",
                        "en": "no layer named 'zonna'",
                    },
                }
            ]
        },
    )

    error: str = Field(description="machine-readable code, e.g. layer_not_found, invalid_request")
    detail: str = Field(description="what went wrong, in English (the same as `message.en`)")
    message: LocalizedText = Field(description="what went wrong, in Bahasa Indonesia and English")
    errors: list[ValidationIssue] | None = Field(
        default=None, description="each failed check of an invalid_request"
    )


_DESCRIPTIONS = {
    400: "The body could not be read, e.g. it is not UTF-8 (error: bad_request)",
    401: "No valid key: send `Authorization: Bearer <key>` from `rtrw users create-key`; "
    "a missing, unknown or revoked key (error: unauthorized); see the WWW-Authenticate header",
    403: "The key's role may not do this, e.g. a staff key on an admin route (error: forbidden)",
    404: "Not found (error: not_found, layer_not_found, admin_area_not_found)",
    409: "No zoning rules are loaded (error: no_rules)",
    413: "Too large (error: too_many_vertices, too_many_parcels, body_too_large)",
    422: "Invalid request (error: invalid_request, invalid_parameter, invalid_geometry, ...)",
    503: "The database is unreachable or busy (error: database_unavailable); "
    "see the Retry-After header",
    504: "A query ran past its time limit (error: timeout)",
}
ALWAYS = (422,)  # any route with parameters can answer this
KEYED = (401, 403)  # routes behind app.api.deps.Staff / Admin: error_responses(*KEYED, ...)
OUTAGES = (503, 504)  # app-wide (app.main), but a non-JSON route must restate them as JSON
_REF = {"$ref": "#/components/schemas/ErrorBody"}


def _describe(status: int) -> str:
    return _DESCRIPTIONS.get(status) or HTTPStatus(status).phrase


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Return `responses=` documenting ALWAYS and `statuses` with the ErrorBody model."""
    return {
        s: {"model": ErrorBody, "description": _describe(s)} for s in sorted({*ALWAYS, *statuses})
    }


def json_error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Return error_responses() spelled out as application/json, for routes of another type.

    FastAPI documents a `model` under the route's own media type; a GeoJSON route still
    answers its errors as JSON, so these name the schema by reference instead.
    """
    return {
        s: {"description": _describe(s), "content": {"application/json": {"schema": _REF}}}
        for s in sorted({*ALWAYS, *OUTAGES, *statuses})
    }
