"""Static maps: a PNG drawn on the server from the catalog's own layers."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.api.deps import BBox, Db, RegionCode
from app.schemas.errors import json_error_responses
from app.services.maps.static import static_map
from app.settings import MapSettings

router = APIRouter(prefix="/maps", tags=["maps"])
# The schema's bounds; the served range is RTRW_MAPS_MAX_WIDTH/HEIGHT/DPI (422 outside).
SIZE_LIMIT = 100_000
DPI_LIMIT = 10_000

PNG_RESPONSES: dict[int | str, dict] = {
    200: {
        "description": "The map (PNG, exactly width x height pixels, dpi in its pHYs chunk); "
        "`X-Map-Bbox` is the drawn frame in lon/lat, `X-Map-CRS` the drawing CRS",
        "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}},
    },
    **json_error_responses(404, 422),
}


class PNGResponse(Response):
    """A PNG image."""

    media_type = "image/png"


@router.get(
    "/static.png",
    response_class=PNGResponse,
    responses=PNG_RESPONSES,
    summary="A static map (PNG) of layers over a bbox or a desa",
)
def get_static_map(
    request: Request,
    db: Db,
    bbox: BBox = None,
    desa: Annotated[
        str | None,
        Query(
            max_length=100,
            description="a desa/kelurahan: Kemendagri code (33.25.01.2001) or name; frames it "
            "and outlines it",
            examples=["33.25.01.2001"],
        ),
    ] = None,
    layers: Annotated[
        str | None,
        Query(
            max_length=1000,
            description="comma list of layer names, or kinds (zoning, admin, overlay, base), "
            "or themes: anggaran (APBD pagu per desa), ppid (village PPID), proyek (APBD "
            "projects by progress); default zoning,admin",
            examples=["zoning,admin,jalan"],
        ),
    ] = None,
    width: Annotated[int, Query(ge=1, le=SIZE_LIMIT, description="pixels (max 4000)")] = 1200,
    height: Annotated[int, Query(ge=1, le=SIZE_LIMIT, description="pixels (max 4000)")] = 900,
    dpi: Annotated[
        int,
        Query(
            ge=1,
            le=DPI_LIMIT,
            description="print resolution (72..300): the PNG's metadata and the size of "
            "texts and lines",
        ),
    ] = 150,  # fmt: skip
    title: Annotated[str | None, Query(max_length=200, description="title above the map")] = None,
    highlight: Annotated[
        str | None,
        Query(
            max_length=20_000,
            description="an outline to stress: `lon lat,lon lat,...` (a ring; one pair is a "
            "point), a Kemendagri code or a desa name",
        ),
    ] = None,
    lang: Annotated[Literal["id", "en"], Query(description="language of the map's texts")] = "id",
    region: RegionCode = None,
    year: Annotated[
        int | None,
        Query(ge=1900, le=2200, description="budget year of the anggaran and proyek themes"),
    ] = None,
) -> Response:
    """Render a map of our own layers (no internet basemap) in the region's metric CRS.

    Zoning in the pack's colours, admin outlines with names, roads and rivers as lines, overlays
    hatched; legend, scale bar, north arrow, title and the layers' sources and licences. Give
    `bbox`, `desa` or `highlight` to say where. 422 for a size, dpi or bbox out of range or a
    frame outside the planning area; 404 for an unknown layer or desa.
    """
    settings: MapSettings = request.app.state.settings.maps
    m = db.run(
        static_map, settings, width=width, height=height, dpi=dpi, layers=layers, bbox=bbox,
        desa=desa, title=title, highlight=highlight, lang=lang, region=region, books=db.books,
        year=year,
    )  # fmt: skip
    headers = {
        "X-Map-Bbox": ",".join(f"{v:.7f}" for v in m.bbox),
        "X-Map-CRS": m.crs,
        "Cache-Control": "no-cache",
    }
    return PNGResponse(m.png, headers=headers)
