"""Request and response models of the permit-zoning check."""

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from app.schemas.fields import ActivityText, CrsText, IsoDate, KbliInput
from app.schemas.geojson import EXAMPLE_POLYGON, geometry_schemas, nested

# The structure of each GeoJSON geometry the check takes: the nesting depth of its coordinates
# and the fewest items at each level (positions have 2 or 3 numbers, rings 4 positions).
_DEPTHS = {"Point": 0, "Polygon": 2, "MultiPolygon": 3}
_GEOMETRY_SCHEMA = {
    "anyOf": geometry_schemas(_DEPTHS),
    "description": "GeoJSON geometry: Point, Polygon or MultiPolygon",
}


# The shape of each type's coordinates, in English and in Bahasa Indonesia (the 422 words the
# refusal in each language: app/errors.py VALIDATION_ID has the Indonesian templates).
_SHAPES = {
    0: ("[x, y]", "[x, y]"),
    2: ("rings of >= 4 [x, y]", "cincin berisi >= 4 titik [x, y]"),
    3: ("polygons of rings of >= 4 [x, y]", "poligon berisi cincin >= 4 titik [x, y]"),
}


def _check_geometry(value: dict[str, Any]) -> dict[str, Any]:
    kind = value.get("type")
    if not isinstance(kind, str) or kind not in _DEPTHS:
        raise PydanticCustomError(
            "geometry_type",
            "geometry type {kind} is not checked; use {types} (GeoJSON)",
            {"kind": repr(kind), "types": ", ".join(_DEPTHS)},
        )
    if not nested(value.get("coordinates"), _DEPTHS[kind]):
        shape, shape_id = _SHAPES[_DEPTHS[kind]]
        raise PydanticCustomError(
            "geometry_coordinates",
            "malformed GeoJSON {kind}: coordinates must be {shape} numbers",
            {"kind": kind, "shape": shape, "shape_id": shape_id},
        )
    return value


GeoJSONGeometry = Annotated[
    dict[str, Any], AfterValidator(_check_geometry), WithJsonSchema(_GEOMETRY_SCHEMA)
]


class CheckRequest(BaseModel):
    """POST /zoning/check: a GeoJSON Point, Polygon or MultiPolygon and an optional activity."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "geometry": EXAMPLE_POLYGON,
                    "crs": "EPSG:4326",
                    "kbli": "10631",
                }
            ]
        },
    )

    geometry: GeoJSONGeometry = Field(description="GeoJSON geometry: Point, Polygon, MultiPolygon")
    crs: CrsText = Field(default="EPSG:4326", description="CRS of the coordinates, e.g. EPSG:32749")
    kbli: KbliInput | None = Field(
        default=None,
        description='KBLI 2020 five-digit code, e.g. "10631"; a JSON number is padded '
        "to five digits (1111 is 01111)",
    )
    activity: ActivityText | None = Field(
        default=None, description="activity id from /zoning/activities"
    )
    as_of: IsoDate | None = Field(
        default=None, description="rules in force on this date (default today)"
    )


class Legal(BaseModel):
    """A legal citation."""

    source: str
    citation: str | None = None
    title: str | None = None
    article: str | None = None


class Bilingual(BaseModel):
    """A text in Bahasa Indonesia and English."""

    id: str
    en: str


class Notice(Bilingual):
    """A note on the answer: a code and its text in both languages."""

    code: str


class Because(BaseModel):
    """A rule that made a zone's letter stricter (an overlay's or a raster's)."""

    source: Literal["overlay", "raster"]
    layer: str = Field(description="the overlay layer (or zoning layer of an attribute), or raster")
    attribute: str | None = None
    code: str | None = Field(description="overlay class, attribute value or raster condition")
    itbx: Literal["I", "T", "B", "TB", "X"]
    effect: Literal["prohibit", "restrict"]
    what: Bilingual
    text: Bilingual
    legal: Legal | None = None


class ZonePart(BaseModel):
    """A sub-zone the geometry touches."""

    layer: str
    layer_version: int
    plan: Literal["rtrw", "rdtr"] | None = Field(
        default=None,
        description="the plan answering this part: an RDTR governs over the RTRW where it lies",
    )
    code: str | None
    name: str | None
    zone_code: str | None = None
    class_: str | None = Field(default=None, alias="class")
    class_name: str | None = None
    class_name_en: str | None = None
    colour: str | None = None
    area_m2: float | None
    share: float
    itbx: str | None = Field(
        default=None,
        description="the ITBX matrix's letter for the activity in this sub-zone (I, T, B, TB, "
        "X, or not_listed); null without an activity",
    )
    conditions: str | None = None
    conditions_en: str | None = None
    effective: dict[str, float] = Field(
        default_factory=dict,
        description="the outcomes in effect on this zone's part after overlay and raster "
        "rules, each with its share of the whole parcel (they add up to `share`)",
    )
    because: list[Because] = Field(
        default_factory=list,
        description="the rules that changed `itbx` into `effective`: empty when they agree",
    )
    legal: Legal | None = None

    model_config = ConfigDict(populate_by_name=True)


class OverlayRuleOut(BaseModel):
    """A restriction an overlay adds."""

    effect: Literal["prohibit", "restrict", "note"]
    itbx: str | None = None
    restriction: str
    restriction_en: str | None = None
    legal: Legal | None = None


class OverlayHit(BaseModel):
    """An overlay feature class the geometry touches, or an overlay attribute of a zoning polygon.

    For an attribute (`KKOP_1`, `LP2B_2`, ... on the zoning layer) `attribute` names the field
    and `code` is its value.
    """

    layer: str
    layer_version: int
    attribute: str | None = None
    code: str | None
    name: str | None
    area_m2: float | None
    share: float
    rules: list[OverlayRuleOut] = Field(default_factory=list)


class RasterRuleOut(BaseModel):
    """A raster rule (raster_rules.csv) the geometry meets: the finding and its source."""

    condition: str = Field(description="the threshold met, e.g. `> 40`")
    share: float = Field(
        description="share of the parcel's area lying in pixels that meet it (1 at a point)"
    )
    effect: Literal["prohibit", "restrict", "note"]
    itbx: str | None = None
    finding: str
    finding_en: str | None = None
    legal: Legal | None = None


class RasterFinding(BaseModel):
    """What a raster the region's rules name says here: the value at a point, or the parcel's
    statistics over the pixels whose centre lies inside it; the rules it meets."""

    raster: str
    title: str | None = None
    title_en: str | None = None
    version: int
    unit: str | None = None
    kind: Literal["continuous", "categorical"]
    value: float | None = None
    class_: dict[str, Any] | None = Field(default=None, alias="class")
    stats: dict[str, float] | None = None
    note: Bilingual | None = Field(default=None, description="why there is no value here")
    rules: list[RasterRuleOut] = Field(default_factory=list)

    model_config = ConfigDict(populate_by_name=True)


class AdminHit(BaseModel):
    """A desa or kecamatan the geometry lies in, with its share."""

    code: str | None
    name: str | None
    level: Literal["desa", "kecamatan"]
    area_m2: float | None
    share: float
    parent_code: str | None = Field(
        default=None,
        description="the area one level up by the Kemendagri code: a desa's kecamatan, a "
        "kecamatan's kabupaten",
    )


class Activity(BaseModel):
    """An activity: one the region's rules list (with its KBLI codes) or a KBLI 2020 code."""

    id: str | None = Field(description="activity id in the region's rules; null when not listed")
    name: str = Field(description="the activity's name, or the KBLI 2020 title when not listed")
    name_en: str | None = None
    sector: str | None = None
    kbli: list[str] = Field(description="the activity's KBLI codes (the one code when not listed)")
    listed: bool = Field(
        default=True,
        description="whether the region's rules (its ITBX matrix) list it; "
        "an activity that is not listed is never allowed (verdict not_listed)",
    )
    code: str | None = Field(default=None, description="the KBLI 2020 code this entry is about")
    title: str | None = Field(default=None, description="the KBLI 2020 title of `code`")
    title_en: str | None = Field(
        default=None,
        description="`code` in English where a name is known (the rules' name_en of its "
        "activity), else the KBLI title in sentence case (Indonesian)",
    )
    category: str | None = Field(default=None, description="KBLI 2020 category (A-U) of `code`")
    category_title: str | None = None
    category_title_en: str | None = Field(
        default=None, description="the category's English name (the ISIC Rev. 4 section)"
    )
    match: Literal["code", "word", "prefix", "fuzzy", "suggestion"] | None = Field(
        default=None,
        description="/zoning/activities: how the query found it (code prefix, whole word, word "
        "prefix, typo); `suggestion` when nothing matched and this is one of the nearest "
        "codes; null without a query and in check answers",
    )


class PlanRef(BaseModel):
    """A zoning plan version that answered part of the parcel."""

    plan: Literal["rtrw", "rdtr"]
    layer: str
    version: int
    title: str | None = None
    title_en: str | None = None


class PermitRoute(BaseModel):
    """The permit route: KKKPR where every zoned part lies in an OSS-integrated RDTR."""

    route: Literal["KKKPR", "PKKPR"]
    when: Literal["all_rdtr_oss", "otherwise"]
    reason: str
    reason_en: str | None = None
    legal: Legal | None = None
    plans: list[PlanRef] = Field(
        default_factory=list, description="the plans (layer versions) the parcel was assessed on"
    )


class EnvelopePart(BaseModel):
    """The intensity of one zone part and what it allows on that part's area."""

    code: str | None
    layer: str
    area_m2: float | None = None
    has_rules: bool = Field(description="false: no intensity row nor polygon values")
    kdb_max_pct: float | str | None = None
    klb_max: float | str | None = None
    klb_min: float | str | None = None
    kdh_min_pct: float | str | None = None
    ktb_max_pct: float | str | None = None
    height_max_m: float | str | None = None
    floors_max: float | str | None = None
    gsb_m: float | str | None = None
    max_footprint_m2: float | None = None
    max_floor_area_m2: float | None = None
    min_green_area_m2: float | None = None
    sources: dict[str, Literal["polygon", "table"]] = Field(default_factory=dict)
    polygon_fields: dict[str, str] | None = None
    area_class_m2: list[float | None] | None = None
    legal: Legal | None = None


class Envelope(BaseModel):
    """The building envelope per zone part and in total over the parcel."""

    parts: list[EnvelopePart]
    max_footprint_m2: float | None = None
    max_floor_area_m2: float | None = None
    min_green_area_m2: float | None = None
    max_height_m: float | None = None


class CheckResponse(BaseModel):
    """The answer of a zoning check."""

    model_config = ConfigDict(extra="allow")

    geometry_type: Literal["Point", "Polygon"]
    area_m2: float | None
    activity: Activity | None
    as_of: date
    verdict: (
        Literal["I", "T", "B", "X", "TB", "mixed", "not_listed", "no_plan", "outside"] | None
    ) = Field(
        description="the one outcome of the part inside the planning area, or `mixed` when two "
        "or more outcomes each hold a rounded share above 0; `outside` when nothing of the "
        "geometry lies inside; null when no activity was asked (and some zone answers)"
    )
    verdict_shares: dict[str, float] = Field(
        description="each outcome's area over the parcel's area inside the planning area, "
        "rounded to 4 decimals so that they add up to exactly 1 (outcomes rounding to 0 left out)"
    )
    no_plan_share: float = Field(
        description="share of the parcel inside the planning area that no zoning plan covers"
    )
    outside_share: float = Field(
        default=0.0,
        description="share of the parcel outside the planning area (beyond the region's "
        "boundary: the sea, another region); not assessed. Zone shares, no_plan_share and "
        "outside_share add up to 1",
    )
    no_plan_m2: float | None = Field(
        default=None, description="a parcel's m² inside the planning area no plan covers"
    )
    outside_m2: float | None = Field(
        default=None,
        description="a parcel's m² outside the planning area; zone areas, no_plan_m2 and "
        "outside_m2 add up to area_m2",
    )
    outside_warning: Bilingual | None = None
    route: PermitRoute | None = Field(
        default=None, description="KKKPR or PKKPR with its reason; null without routes.csv"
    )
    zones: list[ZonePart]
    envelope: Envelope | None
    overlays: list[OverlayHit]
    rasters: list[RasterFinding] = Field(
        default_factory=list,
        description="findings of the rasters the region's raster_rules.csv names (slope, "
        "hazard classes): value or statistics and the thresholds met, with their sources",
    )
    admin: list[AdminHit]
    sources: dict[str, Any]
    warnings: list[Notice]
    summary: Bilingual
    region: dict[str, Any] | None = Field(
        default=None, description="the region that answered: Kemendagri code and name"
    )
    parcel: dict[str, Any] | None = None
