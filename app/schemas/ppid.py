"""PPID coverage per area, the desa list with their PPID, and an import's report."""

from datetime import date

from pydantic import BaseModel, Field


class PpidCoverage(BaseModel):
    """PPID coverage of one area: how many of its desa formed a PPID."""

    code: str = Field(description="Kemendagri code of the kecamatan or kabupaten")
    name: str | None
    desa_total: int = Field(description="desa (Kemendagri 2xxx) in the area; kelurahan excluded")
    ppid_formed: int = Field(description="desa with a PPID formed")
    percent: float | None = Field(description="ppid_formed / desa_total in %, one decimal")


class PpidDesa(BaseModel):
    """A desa and its PPID row (a desa without one counts as not formed)."""

    code: str
    name: str | None
    kecamatan_code: str | None
    kecamatan: str | None
    formed: bool
    reported: bool = Field(description="whether a PPID row exists for the desa")
    decree_no: str | None = Field(description="number of the village head's decree (SK)")
    decree_date: date | None
    website: str | None
    info_count: int | None = Field(description="published information items")
    last_update: date | None
    point: list[float] = Field(description="a label point inside the desa: [lon, lat]")


class PpidImportReport(BaseModel):
    """What a PPID import read and wrote (rows replace those of the desa they list)."""

    source_file: str
    checksum: str = Field(description="SHA-256 of the uploaded file")
    read: int
    inserted: int
    updated: int
    formed: int
    not_formed: int
    field_map: dict[str, str] = Field(description="target -> the header it was read from")
    notes: list[str]
