"""Printable reports: the A4 'Informasi Tata Ruang' PDF of a point, a parcel or a batch."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from app.api.deps import Db, Lang, RegionCode
from app.api.urls import public_base
from app.schemas.errors import json_error_responses
from app.schemas.fields import ActivityText, IsoDate, KbliCode, KbliInput
from app.schemas.zoning import CheckRequest
from app.services.reports.zoning import ReportItem, zoning_report

router = APIRouter(prefix="/reports", tags=["reports"])
PDF = "application/pdf"
BATCH_LIMIT = 10_000  # the schema's bound; a report takes RTRW_MAPS_MAX_REPORT_PARCELS (413)


class ParcelReportRequest(BaseModel):
    """A stored parcel (kind `parcel`) by its id, and the activity asked."""

    model_config = ConfigDict(extra="forbid")

    parcel_id: str = Field(min_length=1, max_length=200, description="the parcel's id (code)")
    region: str | None = Field(
        default=None, pattern=r"^\d{2}(\.\d{2}){0,3}$", description="region code, if ambiguous"
    )
    kbli: KbliInput | None = None
    activity: ActivityText | None = None
    as_of: IsoDate | None = None


class BatchReportRequest(BaseModel):
    """Several parcels: one page each (at most RTRW_MAPS_MAX_REPORT_PARCELS, default 50)."""

    model_config = ConfigDict(extra="forbid")

    parcels: list[CheckRequest | ParcelReportRequest] = Field(min_length=1, max_length=BATCH_LIMIT)


ReportRequest = CheckRequest | ParcelReportRequest | BatchReportRequest

PDF_RESPONSES: dict[int | str, dict] = {
    200: {
        "description": "The A4 report (PDF), one page per parcel",
        "content": {PDF: {"schema": {"type": "string", "format": "binary"}}},
    },
    **json_error_responses(404, 409, 413, 422),
}


class PDFResponse(Response):
    """A PDF document."""

    media_type = PDF


def _item(body: CheckRequest | ParcelReportRequest) -> ReportItem:
    if isinstance(body, ParcelReportRequest):
        return ReportItem(
            parcel_id=body.parcel_id, region=body.region, kbli=body.kbli,
            activity=body.activity, as_of=body.as_of,
        )  # fmt: skip
    return ReportItem(
        geometry=body.geometry, crs=body.crs, kbli=body.kbli, activity=body.activity,
        as_of=body.as_of,
    )  # fmt: skip


def _pdf(data: bytes) -> PDFResponse:
    return PDFResponse(
        data, headers={"Content-Disposition": 'inline; filename="informasi-tata-ruang.pdf"'}
    )


@router.get(
    "/zoning.pdf",
    response_class=PDFResponse,
    responses=PDF_RESPONSES,
    summary="The zoning report (PDF) of a lon/lat point",
)
def get_zoning_report(
    request: Request,
    db: Db,
    lon: Annotated[float, Query(ge=-180, le=180, examples=[109.74])],
    lat: Annotated[float, Query(ge=-90, le=90, examples=[-6.93])],
    kbli: Annotated[KbliCode | None, Query(description="KBLI 2020 code, e.g. 10631")] = None,
    activity: Annotated[ActivityText | None, Query(description="activity id")] = None,
    as_of: Annotated[IsoDate | None, Query(description="rules in force on this date")] = None,
    lang: Lang = "id",
) -> Response:
    """An A4 'Informasi Tata Ruang' sheet: map, zones, ITBX verdict, route, envelope, overlays,
    sources, a QR code of the map link and a disclaimer (not a legal KKPR document)."""
    item = ReportItem(
        geometry={"type": "Point", "coordinates": [lon, lat]}, crs="EPSG:4326", kbli=kbli,
        activity=activity, as_of=as_of,
    )  # fmt: skip
    return _pdf(
        db.run(
            zoning_report, db.settings, [item], lang, books=db.books, base_url=public_base(request)
        )
    )


@router.post(
    "/zoning.pdf",
    response_class=PDFResponse,
    summary="The zoning report (PDF) of a geometry, a stored parcel or a batch of them",
    responses={**PDF_RESPONSES, **json_error_responses(400)},  # 400: an unreadable body
)
def post_zoning_report(
    request: Request, db: Db, body: ReportRequest, lang: Lang = "id", region: RegionCode = None
) -> Response:
    """The body of POST /zoning/check, `{"parcel_id": ...}`, or `{"parcels": [...]}` (one page
    per parcel, at most RTRW_MAPS_MAX_REPORT_PARCELS: 413 above)."""
    if isinstance(body, BatchReportRequest):
        items = [_item(b) for b in body.parcels]
    else:
        items = [_item(body)]
    if region is not None:
        for item in items:
            item.region = item.region or region
    return _pdf(
        db.run(
            zoning_report, db.settings, items, lang, books=db.books, base_url=public_base(request)
        )
    )
