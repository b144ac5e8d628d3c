"""Request and response models of the permit-zoning check."""

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class CheckRequest(BaseModel):
    """POST /zoning/check: a GeoJSON Point, Polygon or MultiPolygon and an optional activity."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "geometry": {
                        "type": "Polygon",
                        "coordinates": [
                            [
                                [109.74, -6.93],
                                [109.741, -6.93],
                                [109.741, -6.931],
                                [109.74, -6.931],
                                [109.74, -6.93],
                            ]
                        ],
                    },
                    "crs": "EPSG:4326",
                    "kbli": "10631",
                }
            ]
        }
    )

    geometry: dict[str, Any] = Field(description="GeoJSON geometry: Point, Polygon, MultiPolygon")
    crs: str = Field(default="EPSG:4326", description="CRS of the coordinates, e.g. EPSG:32749")
    kbli: str | None = Field(default=None, description="KBLI 2020 five-digit code, e.g. 10631")
    activity: str | None = Field(default=None, description="activity id from /zoning/activities")
    as_of: date | None = Field(
        default=None, description="rules in force on this date (default today)"
    )


class Legal(BaseModel):
    """A legal citation."""

    source: str
    citation: str | None = None
    title: str | None = None
    article: str | None = None


class ZonePart(BaseModel):
    """A sub-zone the geometry touches."""

    layer: str
    layer_version: int
    code: str | None
    name: str | None
    zone_code: str | None = None
    class_: str | None = Field(default=None, alias="class")
    class_name: str | None = None
    colour: str | None = None
    area_m2: float | None
    share: float
    itbx: str | None = None
    conditions: str | None = None
    conditions_en: str | None = None
    effective: dict[str, float] = Field(default_factory=dict)
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
    """An overlay feature class the geometry touches."""

    layer: str
    layer_version: int
    code: str | None
    name: str | None
    area_m2: float | None
    share: float
    rules: list[OverlayRuleOut] = Field(default_factory=list)


class AdminHit(BaseModel):
    """A desa or kecamatan the geometry lies in, with its share."""

    code: str | None
    name: str | None
    level: Literal["desa", "kecamatan"]
    area_m2: float | None
    share: float


class Activity(BaseModel):
    """An activity of the rules with its KBLI codes."""

    id: str
    name: str
    name_en: str | None = None
    sector: str | None = None
    kbli: list[str]


class CheckResponse(BaseModel):
    """The answer of a zoning check."""

    model_config = ConfigDict(extra="allow")

    geometry_type: Literal["Point", "Polygon"]
    area_m2: float | None
    activity: Activity | None
    as_of: date
    verdict: Literal["I", "T", "B", "X", "TB", "mixed", "not_listed", "no_plan"] | None
    verdict_shares: dict[str, float]
    no_plan_share: float
    zones: list[ZonePart]
    envelope: dict[str, Any] | None
    overlays: list[OverlayHit]
    admin: list[AdminHit]
    sources: dict[str, Any]
    warnings: list[str]
    summary: dict[str, str]
    parcel: dict[str, Any] | None = None
