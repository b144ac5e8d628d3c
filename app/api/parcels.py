"""Stored parcels (layers of kind `parcel`) and their zoning."""

from typing import Annotated

from fastapi import APIRouter, Path

from app.api.deps import Db, RegionCode
from app.api.zoning import ActivityId, AsOf, Kbli
from app.schemas.errors import error_responses
from app.schemas.fields import ParcelId
from app.schemas.zoning import CheckResponse
from app.services import zoning

router = APIRouter(prefix="/parcels", tags=["zoning"])


@router.get(
    "/{parcel_id}/zoning", response_model=CheckResponse, responses=error_responses(404, 409, 413)
)
def get_parcel_zoning(
    db: Db,
    parcel_id: Annotated[ParcelId, Path(description="the parcel's id (its code field)")],
    kbli: Kbli = None,
    activity: ActivityId = None,
    as_of: AsOf = None,
    region: RegionCode = None,
) -> dict:
    """Check a stored parcel by id (an id several regions' parcel layers hold needs region)."""
    return db.run(
        zoning.check_parcel, parcel_id, kbli, activity, as_of, books=db.books, region=region
    )
