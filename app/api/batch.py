"""The batch check: many parcels in one request (GeoJSON or CSV, raw or uploaded as a file)."""

from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from app.api.deps import Db, get_settings
from app.api.zoning import AsOf
from app.errors import BodyTooLarge, InvalidParameter
from app.l10n import number
from app.schemas.errors import json_error_responses
from app.services import zoning
from app.services.zoning import batch_io
from app.settings import Settings

router = APIRouter(prefix="/zoning", tags=["zoning"])


@dataclass
class BatchBody:
    """The bytes of a batch request, from the raw body or the multipart field `file`."""

    raw: bytes
    media_type: str | None
    filename: str | None
    accept: str | None


def _too_large(limit: int) -> BodyTooLarge:
    return BodyTooLarge(
        f"the batch body is larger than {limit:,} bytes; split the file into smaller batches",
        message_id=f"Isi batch lebih dari {number(limit, 0, 'id')} byte; "
        "bagi berkas menjadi beberapa batch yang lebih kecil",
        limit_bytes=limit,
    )


async def _capped(stream: AsyncIterator[bytes], limit: int) -> AsyncGenerator[bytes, None]:
    """Yield the body's chunks, raising BodyTooLarge once more than `limit` bytes came."""
    seen = 0
    async for chunk in stream:
        seen += len(chunk)
        if seen > limit:
            raise _too_large(limit)
        yield chunk


async def read_batch_body(
    request: Request, settings: Annotated[Settings, Depends(get_settings)]
) -> BatchBody:
    """Return the batch body, read without a database connection and capped in size.

    Content-Length is checked first; the bytes are also counted as they arrive (a chunked
    body has no Content-Length). A multipart body gives its field `file`.
    """
    limit = settings.zoning.max_batch_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    content_type = request.headers.get("content-type", "")
    media_type = content_type.split(";", 1)[0].strip().lower() or None
    accept = request.headers.get("accept")
    stream = _capped(request.stream(), limit)
    if media_type != "multipart/form-data":
        return BatchBody(b"".join([c async for c in stream]), media_type, None, accept)
    parser = MultiPartParser(
        request.headers, stream, max_files=1, max_fields=20, max_part_size=limit
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise InvalidParameter(
            f"the multipart body cannot be read: {exc.message}",
            message_id=f"Isi multipart tidak dapat dibaca: {exc.message}",
        ) from exc
    try:
        part = form.get("file")
        if isinstance(part, UploadFile):
            part_type = part.headers.get("content-type")
            return BatchBody(await part.read(), part_type, part.filename, accept)
        if isinstance(part, str):  # a form field, not a file (curl -F 'file=<parcels.csv')
            return BatchBody(part.encode("utf-8"), None, None, accept)
    finally:
        await form.close()
    raise InvalidParameter(
        "the multipart body needs the parcels file in the field `file`",
        message_id="Isi multipart harus memuat berkas persil pada isian `file`",
    )


_FEATURE_COLLECTION = {
    "type": "object",
    "required": ["type", "features"],
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {
            "type": "array",
            "description": "GeoJSON Features: geometry Point, Polygon or MultiPolygon; "
            "properties id, kbli (KBLI 2020, five digits) or activity (an id from "
            "/zoning/activities)",
            "items": {},
        },
    },
    "example": {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"id": "P-001", "kbli": "10631"},
                "geometry": {"type": "Point", "coordinates": [109.74, -6.93]},
            }
        ],
    },
}
_CSV = {
    "type": "string",
    "description": "CSV with a header line; delimiter `,` `;` or tab (decimal commas with `;`); "
    "columns id, wkt or lon/lat (longitude/latitude, x/y, bujur/lintang), kbli, activity",
    "example": "id;bujur;lintang;kbli\nP-001;109,74;-6,93;10631\n",
}
_UPLOAD = {
    "type": "object",
    "required": ["file"],
    "properties": {
        "file": {
            "type": "string",
            "format": "binary",
            "contentMediaType": "application/octet-stream",
            "description": "a .csv or .geojson file as above",
        }
    },
}
REQUEST_BODY = {
    "required": True,
    "description": "The parcels: a GeoJSON FeatureCollection, a CSV, or either as a file upload",
    "content": {
        "application/json": {"schema": _FEATURE_COLLECTION},
        "application/geo+json": {"schema": _FEATURE_COLLECTION},
        "text/csv": {"schema": _CSV},
        "multipart/form-data": {"schema": _UPLOAD},
    },
}
_ROW = {
    "type": "object",
    "description": "one row per parcel: "
    + ", ".join(batch_io.COLUMNS)
    + ". A row that cannot be checked has error, detail (English) and detail_id (Bahasa "
    "Indonesia), both starting with the row as a spreadsheet counts it and its id, e.g. "
    "`row 3 (id P-2): ...`; a row with an unknown activity also has `suggestions` (JSON and "
    "GeoJSON: activity, name, name_en, kbli)",
}
RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "One row per parcel, in input order (a row that cannot be checked "
        "carries error and detail)",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "count": {"type": "integer"},
                        "rows": {"type": "array", "items": _ROW},
                    },
                }
            },
            "text/csv": {"schema": {"type": "string"}},
            "application/geo+json": {"schema": {"type": "object"}},
        },
    },
    **json_error_responses(409),
    413: {
        "description": "The body or the number of parcels is over the limit "
        "(error: body_too_large, too_many_parcels)",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
    },
}


@router.post(
    "/check/batch",
    response_class=Response,
    responses=RESPONSES,
    openapi_extra={"requestBody": REQUEST_BODY},
)
def post_batch(
    db: Db,
    body: Annotated[BatchBody, Depends(read_batch_body)],
    format: Annotated[
        str | None, Query(description="json, csv or geojson (default: the Accept header, json)")
    ] = None,
    crs: Annotated[
        str | None, Query(description="CRS of the input coordinates (default EPSG:4326)")
    ] = None,
    as_of: AsOf = None,
) -> Response:
    """Check many parcels (10,000 by default): GeoJSON or CSV, as the body or a file upload.

    Each row gives the verdict, the shares of zones and letters, the ITBX conditions, the legal
    sources, the building envelope totals, the desa and kecamatan and a plain-language summary.
    """
    fmt = batch_io.pick_format(format, body.accept)
    items = batch_io.items_from_bytes(body.raw, crs, body.media_type, body.filename)
    results = db.run(zoning.check_batch, items, as_of, books=db.books, settings=db.settings)
    text, media_type = batch_io.render(results, fmt)
    return Response(text, media_type=media_type)
