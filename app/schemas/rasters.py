"""Request and response models of the raster catalog and the point and zonal queries."""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, RootModel, WithJsonSchema
from pydantic_core import PydanticCustomError

from app.schemas.catalog import NamedSummary
from app.schemas.geojson import EXAMPLE_POLYGON, geometry_schemas, nested

RasterKindName = Literal["continuous", "categorical"]


class RasterClassOut(BaseModel):
    """One class of a categorical raster."""

    value: int
    name_id: str
    name_en: str
    color: str = Field(description="#rrggbb")


class RasterSummary(NamedSummary):
    """A raster and its current version."""

    kind: RasterKindName
    crs: str = Field(description="the raster's own CRS (the stored COG is not reprojected)")
    width: int
    height: int
    res: list[float] = Field(description="pixel size x, y in CRS units")
    bands: int
    dtype: str
    nodata: float | None = None
    bounds: list[float] = Field(description="west, south, east, north (EPSG:4326)")
    stats: dict[str, float | None] = Field(
        description="band 1 over valid pixels: count, nodata_count, min, max, mean, std"
    )
    classes: list[RasterClassOut] = []
    unit: str | None = None
    colormap: str | None = None
    source: str | None = None
    licence: str | None = None
    checksum: str = Field(description="SHA-256 of the stored Cloud-Optimized GeoTIFF")
    source_file: str
    source_checksum: str
    loaded_at: datetime
    tilejson: str = Field(description="the TileJSON of the raster's PNG tiles")


class RasterDetail(RasterSummary):
    """A raster with its last load report and number of versions."""

    report: dict[str, Any]
    versions: int


class RasterVersionOut(RasterSummary):
    """One version of a raster."""

    current: bool


class _Answer(BaseModel):
    name: str
    region: str | None = None
    version: int
    kind: RasterKindName
    unit: str | None = None
    crs: str
    source: str | None = None


class PointValue(_Answer):
    """GET /rasters/{name}/point: band 1 at a lon/lat point, read in the raster's CRS."""

    lon: float
    lat: float
    x: float = Field(description="the point in the raster's CRS")
    y: float
    row: int
    col: int
    value: int | float | None = Field(description="null where the pixel is nodata")
    class_: RasterClassOut | None = Field(
        default=None, alias="class", description="categorical: the class of the value"
    )

    model_config = {"populate_by_name": True}


class ZonalClass(BaseModel):
    """A value of a categorical raster inside the parcel (name null: not in the class table)."""

    value: int | float
    name_id: str | None = None
    name_en: str | None = None
    color: str | None = None
    pixels: int
    area_m2: float
    share: float = Field(description="of the parcel's valid pixels, 0..1")


class ZonalStats(_Answer):
    """POST /rasters/{name}/zonal: statistics of band 1 over a parcel."""

    rule: Literal["pixel_centre", "representative_point"] = Field(
        description="pixel_centre: pixels whose centre lies inside the parcel; "
        "representative_point: no centre inside, the pixel under the parcel's "
        "representative point"
    )
    pixel_area_m2: float
    pixels: int = Field(description="pixels counted for the parcel (valid and nodata)")
    count: int = Field(description="valid pixels")
    nodata_count: int
    min: int | float | None = None
    max: int | float | None = None
    mean: float | None = None
    area_m2: float = Field(description="valid pixels x pixel area")
    parcel_area_m2: float | None = None
    classes: list[ZonalClass] | None = Field(
        default=None, description="categorical rasters: area and share of each class"
    )
    warnings: list[str] = []


_DEPTHS = {"Polygon": 2, "MultiPolygon": 3}
_POLYGONS = geometry_schemas(_DEPTHS)
_BODY_SCHEMA = {
    "anyOf": [
        *_POLYGONS,
        {
            "type": "object",
            "title": "Feature",
            "required": ["type", "geometry"],
            "properties": {"type": {"const": "Feature"}, "geometry": {"anyOf": _POLYGONS}},
        },
    ],
    "description": "a GeoJSON Polygon or MultiPolygon (EPSG:4326), or a Feature holding one",
    "examples": [EXAMPLE_POLYGON],
}


def _polygon(value: object) -> bool:
    if not isinstance(value, dict):
        return False
    kind = value.get("type")
    return (
        isinstance(kind, str)
        and kind in _DEPTHS
        and nested(value.get("coordinates"), _DEPTHS[kind])
    )


def _check_body(value: dict[str, Any]) -> dict[str, Any]:
    # custom error types, worded in Bahasa Indonesia by app/errors.py VALIDATION_ID
    if value.get("type") == "Feature":
        if not _polygon(value.get("geometry")):
            raise PydanticCustomError(
                "zonal_feature", "a Feature's geometry must be a GeoJSON Polygon or MultiPolygon"
            )
        return value
    if not _polygon(value):
        raise PydanticCustomError(
            "zonal_body",
            "the body must be a GeoJSON Polygon or MultiPolygon (rings of >= 4 [x, y] "
            "numbers), or a Feature holding one",
        )
    return value


class ZonalRequest(RootModel[dict[str, Any]]):
    """POST /rasters/{name}/zonal: a GeoJSON parcel, bare or as a Feature."""

    root: Annotated[dict[str, Any], AfterValidator(_check_body), WithJsonSchema(_BODY_SCHEMA)]

    @property
    def geometry(self) -> dict[str, Any]:
        """Return the GeoJSON geometry (a Feature's own)."""
        return self.root["geometry"] if self.root.get("type") == "Feature" else self.root
