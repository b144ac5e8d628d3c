"""Village PPID: coverage per kecamatan or kabupaten, the desa list, and the import (staff)."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, UploadFile, status

from app.api.deps import Db, RegionCode, Staff
from app.errors import BodyTooLarge
from app.schemas.errors import KEYED, error_responses
from app.schemas.ppid import PpidCoverage, PpidDesa, PpidImportReport
from app.services import ppid

router = APIRouter(prefix="/ppid", tags=["ppid"])
MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # a PPID table of a whole province is well under 1 MB


@router.get("/coverage", response_model=list[PpidCoverage], responses=error_responses())
def get_coverage(
    db: Db,
    by: Annotated[ppid.Level, Query(description="kecamatan or kabupaten")] = "kecamatan",
    region: RegionCode = None,
) -> list[dict[str, Any]]:
    """Return per area: desa (2xxx) total, desa with a PPID formed and the percentage."""
    return db.run(ppid.coverage, by, region)


@router.get("/desa", response_model=list[PpidDesa], responses=error_responses())
def get_desa(
    db: Db,
    formed: Annotated[
        bool | None, Query(description="true: with a PPID; false: the gaps (no row counts)")
    ] = None,
    kecamatan: Annotated[
        str | None, Query(max_length=100, description="a kecamatan's code or name")
    ] = None,
    region: RegionCode = None,
) -> list[dict[str, Any]]:
    """Return the desa with their PPID (formed, decree, website, counts) and a label point."""
    return db.run(ppid.desa_list, formed, kecamatan, region)


@router.post(
    "/import",
    response_model=PpidImportReport,
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(400, *KEYED, 413, 422),
)
def post_import(db: Db, principal: Staff, file: UploadFile) -> dict[str, Any]:
    """Import a PPID table (.csv or .xlsx) all or nothing; rows replace those of their desa."""
    data = file.file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise BodyTooLarge(
            f"the PPID table is larger than {MAX_UPLOAD_BYTES:,} bytes",
            message_id=f"Tabel PPID lebih dari {MAX_UPLOAD_BYTES:,} byte".replace(",", "."),
            limit_bytes=MAX_UPLOAD_BYTES,
        )
    with db.engine.begin() as conn:  # one transaction: the rows and their audit event
        report = ppid.import_ppid(
            conn,
            data,
            file.filename or "ppid.csv",
            actor=principal.name,
            role=principal.role,
            via="api",
        )
    return report.as_dict()
