"""Administrative areas by Kemendagri code."""

from typing import Annotated

from fastapi import APIRouter, Path

from app.api.deps import Conn
from app.schemas.catalog import AdminArea
from app.services.catalog import admin

router = APIRouter(prefix="/admin", tags=["admin"])


@router.get("/{code}", response_model=AdminArea)
def get_admin_area(
    conn: Conn,
    code: Annotated[str, Path(description="Kemendagri code, e.g. 33.25.01.2001")],
) -> dict:
    """Return a desa, kecamatan or kabupaten with its parents and geometry."""
    return admin.get_area(conn, code)
