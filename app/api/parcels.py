"""Stored parcels (layers of kind `parcel`) and their zoning."""

from typing import Annotated

from fastapi import APIRouter, Path

from app.api.deps import Conn
from app.api.zoning import ActivityId, AsOf, Kbli
from app.schemas.zoning import CheckResponse
from app.services import zoning

router = APIRouter(prefix="/parcels", tags=["zoning"])


@router.get("/{parcel_id}/zoning", response_model=CheckResponse)
def get_parcel_zoning(
    conn: Conn,
    parcel_id: Annotated[
        str, Path(description="the parcel's id (its code field)", pattern=r"^[^\x00-\x1f]{1,200}$")
    ],
    kbli: Kbli = None,
    activity: ActivityId = None,
    as_of: AsOf = None,
) -> dict:
    """Check a stored parcel by id."""
    return zoning.check_parcel(conn, parcel_id, kbli, activity, as_of)
