"""Response models of the APBD project endpoints: projects, their flags, the budget summary."""

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field

from app.models.projects import PLACED_BY, PROJECT_FLAGS
from app.schemas.catalog import Link
from app.schemas.errors import LocalizedText

# The members come from the model's tuples (one list for the CHECK constraints and the API).
FlagCode = StrEnum("FlagCode", {f: f for f in PROJECT_FLAGS})  # type: ignore[misc]
PlacedBy = StrEnum("PlacedBy", {p: p for p in PLACED_BY})  # type: ignore[misc]
SummaryBy = Literal["desa", "kecamatan", "opd", "source"]
ProjectFormat = Literal["json", "csv", "geojson"]


class ProjectFlagOut(BaseModel):
    """An integrity flag of a project, with its reason in Bahasa Indonesia and English."""

    flag: FlagCode
    reason: LocalizedText
    other_id: int | None = Field(default=None, description="duplicate: the other project's id")
    other_ref: str | None = Field(default=None, description="duplicate: the other project's ref")


class ProjectOut(BaseModel):
    """An APBD project (a budget row): what, who, how much, how far, and where."""

    id: int
    year: int
    ref: str | None = Field(description="the row's own reference (kode/no. kegiatan), if any")
    name: str
    opd_code: str | None
    opd_name: str | None
    program: str | None
    activity: str | None
    sub_activity_code: str | None
    sub_activity: str | None
    source: str | None = Field(description="funding source, e.g. DAU, DAK, Dana Desa")
    pagu: int | None = Field(description="budget ceiling, whole rupiah")
    realisation: int | None = Field(description="paid so far, whole rupiah")
    progress: float | None = Field(description="physical progress, percent 0..100")
    contract_no: str | None
    contract_value: int | None
    contractor: str | None
    start_date: str | None = Field(description="YYYY-MM-DD")
    end_date: str | None = Field(description="YYYY-MM-DD")
    kbli: str | None
    location_text: str | None
    given_desa_code: str | None = Field(description="the desa code the row gave")
    given_kecamatan: str | None
    region_code: str | None
    desa_code: str | None = Field(description="the desa the project lies in (Kemendagri)")
    desa_name: str | None
    kecamatan_code: str | None
    kecamatan_name: str | None
    placed_by: PlacedBy | None = Field(
        description="how the place was found: the row's coordinates, its WKT, its desa code, "
        "or its location text"
    )
    match_confidence: float | None = Field(description="0..1; 1 for coordinates and WKT")
    zones: list[str]
    flags: list[ProjectFlagOut]
    geometry: dict[str, Any] | None = Field(description="GeoJSON geometry, EPSG:4326")


class ProjectList(BaseModel):
    """GET /projects as JSON: one page of projects and the links (`self`, `next`)."""

    number_returned: int = Field(alias="numberReturned")
    projects: list[ProjectOut]
    links: list[Link]


class FlagOut(BaseModel):
    """A flag as GET /projects/flags lists it, with its project's ref and a point to map."""

    id: int
    project_id: int
    ref: str | None
    year: int
    name: str
    opd_name: str | None
    desa_code: str | None
    flag: FlagCode
    reason: LocalizedText
    other_id: int | None
    other_ref: str | None
    lon: float | None = Field(description="a point on the project's geometry (none: unplaced)")
    lat: float | None


class FlagList(BaseModel):
    """GET /projects/flags: one page of flags and the links (`self`, `next`)."""

    number_returned: int = Field(alias="numberReturned")
    flags: list[FlagOut]
    links: list[Link]


class BudgetGroup(BaseModel):
    """Totals of one group (a desa, kecamatan, OPD or funding source), or of every project."""

    key: str | None = Field(
        description="the desa/kecamatan code, OPD code or source; None: "
        "projects without one (and the grand total)"
    )
    name: str | None
    count: int = Field(description="projects")
    flagged: int = Field(description="projects with at least one flag")
    pagu: int = Field(description="sum of the budget ceilings, whole rupiah")
    realisation: int = Field(description="sum of the realisations, whole rupiah")
    realisation_share: float | None = Field(description="realisation / pagu (none: pagu 0)")


class BudgetSummary(BaseModel):
    """GET /budget/summary: totals per group and overall."""

    by: SummaryBy
    year: int | None
    groups: list[BudgetGroup]
    total: BudgetGroup
