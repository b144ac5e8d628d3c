"""Administrative areas by Kemendagri code."""

from typing import Annotated

from fastapi import APIRouter, Path

from app.api.deps import Db
from app.schemas.catalog import AdminArea
from app.schemas.errors import error_responses
from app.schemas.fields import KemendagriCode
from app.services.catalog import admin

router = APIRouter(prefix="/admin", tags=["admin"])


@router.get("/{code}", response_model=AdminArea, responses=error_responses(404))
def get_admin_area(
    db: Db,
    code: Annotated[
        KemendagriCode, Path(description="Kemendagri code, dotted or digits: 33.25.01.2001")
    ],
) -> dict:
    """Return a desa, kecamatan or kabupaten with its parents and geometry."""
    return db.run(admin.get_area, code)
