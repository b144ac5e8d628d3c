"""Administrative areas by Kemendagri code."""

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from app.api.deps import Db, RegionCode
from app.schemas.catalog import AdminArea, Place
from app.schemas.errors import error_responses
from app.schemas.fields import KemendagriCode, SearchText
from app.services.catalog import admin, places

router = APIRouter(prefix="/admin", tags=["admin"])


@router.get("/places", response_model=list[Place], responses=error_responses())
def get_places(
    db: Db,
    q: Annotated[
        SearchText | None,
        Query(description="a name (typos, Ds./Desa/Kel./Kec. prefixes tolerated) or code prefix"),
    ] = None,
    level: Annotated[
        Literal["kabupaten", "kecamatan", "desa"] | None, Query(description="only this level")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="results of a search")] = 10,
    region: RegionCode = None,
) -> list[dict]:
    """Find desa, kecamatan or kabupaten by name or code; without `q`, list a level's places.

    Each place has a label point inside it and its bounding box (EPSG:4326).
    """
    lvl = places.LEVELS[level] if level else None
    if q is None:
        return db.run(places.list_places, lvl, region)
    return db.run(places.search_places, q, limit, lvl, region)


@router.get("/{code}", response_model=AdminArea, responses=error_responses(404))
def get_admin_area(
    db: Db,
    code: Annotated[
        KemendagriCode, Path(description="Kemendagri code, dotted or digits: 33.25.01.2001")
    ],
) -> dict:
    """Return a desa, kecamatan or kabupaten with its parents and geometry."""
    return db.run(admin.get_area, code)
