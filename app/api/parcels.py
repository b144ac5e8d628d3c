"""Stored parcels (layers of kind `parcel`) and their zoning."""

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from app.api.deps import Db, RegionCode
from app.api.params import NAME_PATTERN
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
    parcel_id: Annotated[
        ParcelId,
        Path(
            description="the parcel's feature id (the `id` /layers/{name}/features lists) or "
            "its code field"
        ),
    ],
    by: Annotated[
        Literal["id", "code"] | None,
        Query(
            description="id: parcel_id is the feature id; code: it is the code; default "
            "either (422 listing both when they name different parcels)"
        ),
    ] = None,
    layer: Annotated[
        str | None,
        Query(
            description="the parcel layer, when several hold this id or code",
            pattern=NAME_PATTERN,
        ),
    ] = None,
    kbli: Kbli = None,
    activity: ActivityId = None,
    as_of: AsOf = None,
    region: RegionCode = None,
) -> dict:
    """Check a stored parcel by feature id or code (`parcel` in the answer says which it is).

    An id that names different parcels (one's feature id, another's code; or the same id in
    several parcel layers or regions) is a 422 listing them: `by`, `layer` or `region` picks.
    """
    answer = db.run(
        zoning.check_parcel, parcel_id, kbli=kbli, activity=activity, as_of=as_of,
        books=db.books, settings=db.settings, region=region, by=by, layer=layer,
    )  # fmt: skip
    return answer.to_json()
