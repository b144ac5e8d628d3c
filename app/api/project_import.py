"""POST /projects/import (staff): a budget file in, the import report out."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, UploadFile

from app.api.deps import Db, Staff
from app.errors import BodyTooLarge, InvalidParameter
from app.schemas.errors import KEYED, error_responses
from app.services.projects.fields import parse_map_options
from app.services.projects.importer import import_projects, record_import
from app.services.sheets import SUFFIXES

router = APIRouter(prefix="/projects", tags=["projects"])
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
LISTED = 1000  # rejects and unplaced rows listed in the response


@router.post("/import", responses=error_responses(400, *KEYED, 413, 422))
def import_file(
    db: Db,
    principal: Staff,
    file: Annotated[UploadFile, File(description="the budget file, .csv or .xlsx")],
    year: Annotated[int, Query(ge=2000, le=2100, description="the budget year")],
    sheet: Annotated[str | None, Query(description="the .xlsx sheet")] = None,
    crs: Annotated[str | None, Query(description="CRS of WKT and X/Y columns")] = None,
    skip_bad: Annotated[
        bool, Query(description="import the good rows, list the bad ones with their reasons")
    ] = False,
    map_: Annotated[
        list[str] | None,
        Form(alias="map", description='"target=source" column mappings, e.g. name=Uraian'),
    ] = None,
) -> dict[str, Any]:
    """Import a budget file (upsert by year and ref) and place its rows; return the report.

    A file with bad rows imports nothing: 422 with every bad row (line, reason, reason_id).
    """
    name = Path(file.filename or "upload.csv").name
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise InvalidParameter(
            f"upload a .csv or .xlsx file, not {name!r}",
            message_id=f"Unggah berkas .csv atau .xlsx, bukan {name!r}",
        )
    mapping = parse_map_options(map_ or [])
    with tempfile.TemporaryDirectory(prefix="rtrw-projects-") as tmp:
        path = Path(tmp) / f"upload{suffix}"
        with path.open("wb") as fh:
            shutil.copyfileobj(file.file, fh)
        if path.stat().st_size > MAX_UPLOAD_BYTES:
            raise BodyTooLarge(
                f"the file is larger than {MAX_UPLOAD_BYTES // 2**20} MB",
                message_id=f"Berkas lebih besar dari {MAX_UPLOAD_BYTES // 2**20} MB",
            )
        with db.engine.begin() as conn:
            report = import_projects(
                conn,
                path,
                year,
                sheet=sheet,
                mapping=mapping,
                crs=crs,
                skip_bad=skip_bad,
                actor=principal.name,
                via="api",
                filename=name,
                books=db.books,
                settings=db.settings,
            )
            record_import(conn, report, principal.name, principal.role, "api")
    return report.to_dict(limit=LISTED)
