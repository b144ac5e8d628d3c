"""The typed answer of a zoning check: the judge builds it, every surface only renders it.

The JSON of /zoning/check, the summary sentence, the map panel, the PDF sheet, the batch
CSV/GeoJSON rows and the budget flags all read these dataclasses (rio-tiler's models play the
same part for rasters). Fields marked `internal` (metric geometries, version ids) stay in
Python: `to_json` leaves them out.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date
from typing import Any, Literal

from shapely.geometry.base import BaseGeometry

from app.l10n import Notice, Text

# The ITBX letters a part of a parcel can have, strictest last.
LETTERS = ("I", "T", "B", "TB", "X")


def internal(default: Any = None, default_factory: Any = None) -> Any:
    """Return a dataclass field kept in Python only (never in the JSON)."""
    meta = {"internal": True}
    if default_factory is not None:
        return field(default_factory=default_factory, repr=False, compare=False, metadata=meta)
    return field(default=default, repr=False, compare=False, metadata=meta)


@dataclass
class Citation:
    """A legal source and the article a rule cites."""

    source: str
    citation: str | None = None
    title: str | None = None
    article: str | None = None

    def label(self) -> str:
        """Return `Perda ... Tahun 2024 Pasal 10` (the source id when it has no citation)."""
        return " ".join(p for p in (self.citation or self.source, self.article) if p)


@dataclass
class Because:
    """A rule that made a zone's letter stricter: an overlay's or a raster's, with its source."""

    source: Literal["overlay", "raster"]
    layer: str  # the overlay layer, the zoning layer of an attribute overlay, or the raster
    attribute: str | None  # an overlay attribute of the zoning polygon (KKOP_1, LP2B_2)
    code: str | None  # the overlay class, attribute value or the raster condition met
    itbx: str  # the letter the rule sets
    effect: Literal["prohibit", "restrict"]
    what: Text  # "kawasan LP2B (lp2b)" / "Kemiringan lereng > 40"
    text: Text  # the rule's own one-line text (restriction or finding)
    legal: Citation | None = None

    def key(self) -> tuple[Any, ...]:
        """Return what tells two reasons apart."""
        return (self.source, self.layer, self.attribute, self.code, self.itbx, self.text.id)


@dataclass
class ZoneRow:
    """A sub-zone of the plan that answers part of the parcel, with its letters."""

    layer: str
    layer_version: int
    plan: str
    code: str | None
    name: str | None
    zone_code: str | None = None
    class_: str | None = None
    class_name: str | None = None
    class_name_en: str | None = None
    colour: str | None = None
    area_m2: float | None = None
    share: float = 0.0
    itbx: str | None = None  # the ITBX matrix's letter (or not_listed), None without activity
    conditions: str | None = None
    conditions_en: str | None = None
    effective: dict[str, float] = field(default_factory=dict)  # outcome -> share of the parcel
    because: list[Because] = field(default_factory=list)  # what changed `itbx` into `effective`
    legal: Citation | None = None
    geom: BaseGeometry | None = internal()  # the zone's part of the parcel, metric CRS
    vid: int = internal(0)
    items: list[dict[str, Any]] = internal(default_factory=list)  # the source features' parts
    effective_m2: dict[str, float] = internal(default_factory=dict)

    def title(self, lang: str) -> str:
        """Return the zone's name in `lang`: the rule tables' name, else the layer's own."""
        if lang == "en" and self.class_name_en:
            return self.class_name_en
        return self.class_name or self.name or ""

    def differs(self) -> bool:
        """Whether overlays or rasters made the zone's letter different from the matrix's."""
        return bool(self.itbx) and set(self.effective) != {self.itbx}


@dataclass
class OverlayRule:
    """A rule an overlay brings for the activity asked (all of them without one)."""

    effect: Literal["prohibit", "restrict", "note"]
    itbx: str | None
    restriction: str
    restriction_en: str | None = None
    legal: Citation | None = None


@dataclass
class OverlayHit:
    """An overlay class the parcel touches (or an overlay attribute of its zoning polygons)."""

    layer: str
    layer_version: int
    attribute: str | None
    code: str | None
    name: str | None
    area_m2: float | None
    share: float
    rules: list[OverlayRule] = field(default_factory=list)
    layer_title_en: str | None = internal()  # the overlay layer's English title
    geom: BaseGeometry | None = internal()
    # a protected area: the text of a rule in force that prohibits (for any activity)
    protection: Text | None = internal()

    def label(self, lang: str = "id") -> str:
        """Return `KKOP_1 KKOP` for an attribute, else the class's name; in English the class
        code (feature names are the data's own words), else the layer's English title."""
        if self.attribute:
            return f"{self.attribute} {self.code}"
        if lang == "en":
            return self.code or self.layer_title_en or self.name or self.layer
        return self.name or self.code or self.layer


@dataclass
class RasterRule:
    """A raster threshold (raster_rules.csv) the geometry meets."""

    condition: str
    share: float
    effect: Literal["prohibit", "restrict", "note"]
    itbx: str | None
    finding: str
    finding_en: str | None = None
    legal: Citation | None = None


@dataclass
class RasterFinding:
    """What one raster the region's rules name says here."""

    raster: str
    title: str | None
    version: int
    unit: str | None
    kind: Literal["continuous", "categorical"]
    title_en: str | None = None
    value: float | None = None
    class_: dict[str, Any] | None = None
    stats: dict[str, float] | None = None
    note: Text | None = None  # why there is no value: outside the raster, or nodata
    rules: list[RasterRule] = field(default_factory=list)


@dataclass
class AdminHit:
    """A desa or kecamatan the geometry lies in, with its share."""

    code: str | None
    name: str | None
    level: Literal["desa", "kecamatan"]
    area_m2: float | None
    share: float
    parent_code: str | None = None


@dataclass
class PlanRef:
    """A zoning plan version that answered part of the parcel."""

    plan: str
    layer: str
    version: int
    title: str | None = None
    title_en: str | None = None

    def title_in(self, lang: str) -> str:
        """Return the plan layer's title in `lang` (its name when it has none)."""
        return (self.title_en if lang == "en" else None) or self.title or self.layer


@dataclass
class Route:
    """The permit route (KKKPR/PKKPR) with its reason and the plans it was assessed against."""

    route: Literal["KKKPR", "PKKPR"]
    when: Literal["all_rdtr_oss", "otherwise"]
    reason: str
    reason_en: str | None = None
    legal: Citation | None = None
    plans: list[PlanRef] = field(default_factory=list)


@dataclass
class EnvelopePart:
    """The intensity of one zone part and what it allows on that part's area."""

    code: str | None
    layer: str
    area_m2: float | None = None
    has_rules: bool = True
    kdb_max_pct: Any = None
    klb_max: Any = None
    klb_min: Any = None
    kdh_min_pct: Any = None
    ktb_max_pct: Any = None
    height_max_m: Any = None
    floors_max: Any = None
    gsb_m: Any = None
    max_footprint_m2: float | None = None
    max_floor_area_m2: float | None = None
    min_green_area_m2: float | None = None
    sources: dict[str, str] = field(default_factory=dict)  # value -> polygon | table
    polygon_fields: dict[str, str] | None = None
    area_class_m2: list[float | None] | None = None
    legal: Citation | None = None


@dataclass
class Envelope:
    """The building envelope: per zone part, and the totals over the parcel."""

    parts: list[EnvelopePart]
    max_footprint_m2: float | None = None
    max_floor_area_m2: float | None = None
    min_green_area_m2: float | None = None
    max_height_m: float | None = None


@dataclass
class Sources:
    """The layer versions, rasters, rule set and legal sources the answer read."""

    layers: list[dict[str, Any]]
    rasters: list[dict[str, Any]]
    rules: dict[str, Any] | None
    legal: list[Citation]


@dataclass
class Answer:
    """The answer of one zoning check."""

    geometry_type: Literal["Point", "Polygon"]
    area_m2: float | None
    activity: dict[str, Any] | None
    as_of: date
    verdict: str | None
    verdict_shares: dict[str, float]
    no_plan_share: float
    outside_share: float
    no_plan_m2: float | None  # a parcel's m² inside the planning area that no plan covers
    outside_m2: float | None  # a parcel's m² outside the planning area
    outside_warning: Text | None
    route: Route | None
    zones: list[ZoneRow]
    envelope: Envelope | None
    overlays: list[OverlayHit]
    rasters: list[RasterFinding]
    admin: list[AdminHit]
    sources: Sources
    warnings: list[Notice]
    summary: Text = Text("", "")
    region: dict[str, Any] | None = None  # the region that answered: code and name
    parcel: dict[str, Any] | None = None  # a stored parcel's id, layer, region and version
    ref: Any = internal()  # a batch row's id
    asked_kbli: str | None = internal()  # the KBLI code a batch row sent
    geom: BaseGeometry | None = internal()  # the checked geometry, EPSG:4326

    def to_json(self) -> dict[str, Any]:
        """Return the answer as the JSON of /zoning/check."""
        out = _json(self)
        assert isinstance(out, dict)
        return out

    @property
    def is_point(self) -> bool:
        """Whether a point was checked."""
        return self.geometry_type == "Point"


def _json(value: Any) -> Any:
    """Return a dataclass tree as JSON values: internal fields left out, `class_` as `class`."""
    if isinstance(value, Text):
        return value.as_dict()
    if is_dataclass(value) and not isinstance(value, type):
        return {
            f.name.rstrip("_"): _json(getattr(value, f.name))
            for f in fields(value)
            if not f.metadata.get("internal")
        }
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value
