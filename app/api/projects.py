"""APBD projects: the list (JSON, CSV or GeoJSON), one project, the flags, the budget summary."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from app.api.deps import BBox, Db, Pagination
from app.api.urls import page_links
from app.schemas.errors import error_responses, json_error_responses
from app.schemas.fields import INT8_MAX, KemendagriCode, SearchText
from app.schemas.projects import (
    BudgetSummary,
    FlagCode,
    FlagList,
    ProjectFormat,
    ProjectList,
    ProjectOut,
    SummaryBy,
)
from app.services.projects import queries
from app.services.zoning.batch_io import pick_format

router = APIRouter(tags=["projects"])

Year = Annotated[int | None, Query(ge=2000, le=2100, description="budget year, e.g. 2025")]
Flag = Annotated[FlagCode | None, Query(description="only projects carrying this flag")]
_MEDIA = {"json": "application/json", "csv": "text/csv", "geojson": "application/geo+json"}
_FEATURE_COLLECTION = {
    "type": "object",
    "required": ["type", "features", "links"],
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "numberReturned": {"type": "integer"},
        "features": {
            "type": "array",
            "description": "GeoJSON Features: id, the project's fields and flags as properties, "
            "its geometry (null when unplaced)",
            "items": {"type": "object"},
        },
        "links": {"type": "array", "items": {"type": "object"}},
    },
}
LIST_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "model": ProjectList,
        "description": "One page of projects: JSON, CSV (one line per project) or GeoJSON, "
        "chosen by `format` or the Accept header; the next page in `links` (JSON, GeoJSON) "
        "and the Link header",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/geo+json": {"schema": _FEATURE_COLLECTION},
        },
    },
    **json_error_responses(),
}


def _links(request: Request, page: Any, has_next: bool, media_type: str) -> list[dict[str, str]]:
    """Return the `self` link and, when another page follows, the `next` one."""
    return page_links(request, page.offset, page.limit, has_next, media_type)


def _link_header(links: list[dict[str, str]]) -> str:
    return ", ".join(f'<{link["href"]}>; rel="{link["rel"]}"' for link in links)


@router.get("/projects", response_class=Response, responses=LIST_RESPONSES)
def list_projects(
    request: Request,
    db: Db,
    bbox: BBox,
    page: Pagination,
    year: Year = None,
    opd: Annotated[SearchText | None, Query(description="OPD code or name")] = None,
    source: Annotated[SearchText | None, Query(description="funding source, e.g. DAK")] = None,
    desa: Annotated[KemendagriCode | None, Query(description="desa code, 33.25.11.2001")] = None,
    kecamatan: Annotated[
        KemendagriCode | None, Query(description="kecamatan code, e.g. 33.25.11")
    ] = None,
    flag: Flag = None,
    format: Annotated[
        ProjectFormat | None,
        Query(description="json, csv or geojson (default: the Accept header, else json)"),
    ] = None,
) -> Response:
    """Return one page of projects (1,000 at most) with their places and flags.

    Each project carries its ref, desa and kecamatan codes and names, how it was placed
    (`placed_by`: coordinates, wkt, desa_code, text) and the match confidence.
    """
    fmt = pick_format(format, request.headers.get("accept"))
    filters = queries.ProjectFilter(
        year=year,
        opd=opd,
        source=source,
        desa=desa,
        kecamatan=kecamatan,
        flag=flag.value if flag else None,
        bbox=bbox,
    )
    result = db.run(queries.list_projects, filters, page.limit, page.offset)
    links = _links(request, page, result.has_next, _MEDIA[fmt])
    body, media_type = queries.render_projects(result, fmt, links)
    headers = {"Link": _link_header(links), "Vary": "Accept"}
    return Response(body, media_type=media_type, headers=headers)


@router.get("/projects/flags", response_model=FlagList, responses=error_responses())
def list_flags(
    request: Request, db: Db, page: Pagination, flag: Flag = None, year: Year = None
) -> dict[str, Any]:
    """Return the integrity flags (one page), each with the project's ref and the reason (id/en).

    A duplicate names the other project (`other_id`, `other_ref`); `lon`/`lat` place the flag
    on the map (none for an unplaced project).
    """
    result = db.run(queries.list_flags, flag.value if flag else None, year, page.limit, page.offset)
    links = _links(request, page, result.has_next, "application/json")
    return {"numberReturned": len(result.rows), "flags": result.rows, "links": links}


@router.get("/projects/{project_id}", response_model=ProjectOut, responses=error_responses(404))
def get_project(
    db: Db, project_id: Annotated[int, Path(ge=1, le=INT8_MAX, description="project id")]
) -> dict[str, Any]:
    """Return one project with its place, zones and flags."""
    return db.run(queries.get_project, project_id)


@router.get("/budget/summary", response_model=BudgetSummary, responses=error_responses())
def budget_summary(
    db: Db,
    by: Annotated[SummaryBy, Query(description="group by desa, kecamatan, opd or source")] = "desa",
    year: Year = None,
) -> dict[str, Any]:
    """Return pagu and realisation totals, project counts and flagged counts per group."""
    return db.run(queries.budget_summary, by, year)
