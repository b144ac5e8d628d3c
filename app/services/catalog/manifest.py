"""What a region pack's `layers/<region>/region.toml` says: its region, layers and data files."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from app.errors import RegionPackError, validation_id
from app.models.catalog import LAYER_KINDS
from app.services.catalog.current import ADMIN_LEVEL_KEYS
from app.services.geo.crs import parse_crs

MANIFEST = "region.toml"
_LAYER_NAME = r"^[a-z][a-z0-9_]{0,62}$"


class RegionInfo(BaseModel):
    """The [region] table of a manifest."""

    model_config = ConfigDict(extra="forbid")

    name: str
    code: str = Field(pattern=r"^\d{2}(\.\d{2}){0,3}$")
    metric_crs: str
    description: str | None = None
    licence: str | None = None

    @field_validator("metric_crs")
    @classmethod
    def _known_crs(cls, value: str) -> str:
        crs = parse_crs(value)
        if crs.is_geographic:
            raise ValueError(f"{value} is geographic; metric_crs needs metres (e.g. EPSG:32749)")
        return value


class LayerEntry(BaseModel):
    """One [[layers]] entry of a manifest."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=_LAYER_NAME)
    title: str | None = None  # Bahasa Indonesia, a name only (provenance goes in `licence`)
    title_en: str | None = None  # English, shown on English pages (none: `title`)
    kind: str
    file: str
    layer: str | None = None
    source_crs: str | None = None
    licence: str | None = None
    fields: dict[str, str] = Field(default_factory=dict)
    plan: Literal["rtrw", "rdtr"] | None = None  # zoning only; None is taken as rtrw
    oss_integrated: bool = False  # an RDTR integrated in OSS

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if value not in LAYER_KINDS:
            raise ValueError(f"unknown kind {value!r}; kinds are {', '.join(LAYER_KINDS)}")
        return value

    @model_validator(mode="after")
    def _plan_fits_kind(self) -> LayerEntry:
        if self.kind != "zoning" and (self.plan is not None or self.oss_integrated):
            raise ValueError(f"plan and oss_integrated are for zoning layers, not {self.kind!r}")
        if self.oss_integrated and self.plan != "rdtr":
            raise ValueError("oss_integrated applies to an RDTR only: set plan = \"rdtr\"")
        return self


class RasterEntry(BaseModel):
    """One [[rasters]] entry: a GeoTIFF loaded as a Cloud-Optimized GeoTIFF after the layers."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=_LAYER_NAME)
    file: str
    kind: Literal["continuous", "categorical"] | None = None  # default: categorical with classes
    classes: str | None = None  # classes.csv (value, name_id, name_en, color), pack-relative
    title: str | None = None
    title_en: str | None = None
    unit: str | None = None
    colormap: str | None = None  # rio-tiler colour map of a continuous raster
    source: str | None = None
    licence: str | None = None
    source_crs: str | None = None

    @model_validator(mode="after")
    def _classes_fit_kind(self) -> RasterEntry:
        if self.kind == "categorical" and self.classes is None:
            raise ValueError("a categorical raster needs classes = \"<file>.csv\"")
        if self.kind == "continuous" and self.classes is not None:
            raise ValueError("classes are for categorical rasters, not continuous ones")
        if self.source_crs is not None:
            parse_crs(self.source_crs)
        return self


class RulesEntry(BaseModel):
    """The [rules] table: the folder of the rule CSVs, relative to the pack."""

    model_config = ConfigDict(extra="forbid")

    dir: str = "rules"


class AdminEntry(BaseModel):
    """The [admin] table: the admin layer that answers for a level (else the newest one)."""

    model_config = ConfigDict(extra="forbid")

    kabupaten: str | None = Field(default=None, pattern=_LAYER_NAME)
    kecamatan: str | None = Field(default=None, pattern=_LAYER_NAME)
    desa: str | None = Field(default=None, pattern=_LAYER_NAME)


class BudgetEntry(BaseModel):
    """One [[budgets]] entry: an APBD budget file imported as the projects of a year."""

    model_config = ConfigDict(extra="forbid")

    file: str
    year: int = Field(ge=2000, le=2100)
    sheet: str | None = None
    map: dict[str, str] = Field(default_factory=dict)  # target = "Source Header"
    crs: str | None = None  # of Bujur/Lintang and WKT when not EPSG:4326


class PpidEntry(BaseModel):
    """The [ppid] table: the village PPID table of the region."""

    model_config = ConfigDict(extra="forbid")

    file: str
    map: dict[str, str] = Field(default_factory=dict)


class Manifest(BaseModel):
    """A whole region.toml."""

    model_config = ConfigDict(extra="forbid")

    region: RegionInfo
    rules: RulesEntry | None = None
    admin: AdminEntry | None = None
    layers: list[LayerEntry] = Field(default_factory=list)
    rasters: list[RasterEntry] = Field(default_factory=list)
    budgets: list[BudgetEntry] = Field(default_factory=list)
    ppid: PpidEntry | None = None

    @model_validator(mode="after")
    def _admin_names_admin_layers(self) -> Manifest:
        if self.admin is None:
            return self
        kinds = {e.name: e.kind for e in self.layers}
        for level in ADMIN_LEVEL_KEYS:
            name = getattr(self.admin, level)
            if name is not None and kinds.get(name) != "admin":
                raise ValueError(
                    f"[admin] {level} = {name!r} names no admin layer of this pack"
                    + (f" ({name!r} is of kind {kinds[name]!r})" if name in kinds else "")
                )
        return self


def read_manifest(pack: Path) -> Manifest:
    """Return the parsed, validated manifest of a region pack folder; RegionPackError if bad."""
    path = pack / MANIFEST if pack.is_dir() else pack
    if not path.exists():
        raise RegionPackError(
            f"no {MANIFEST} in {pack}", message_id=f"Tidak ada {MANIFEST} di {pack}"
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise RegionPackError(
            f"{path}: not valid TOML: {exc}", message_id=f"{path}: bukan TOML yang valid: {exc}"
        ) from exc
    try:
        manifest = Manifest.model_validate(data)
    except ValidationError as exc:
        where = [".".join(str(p) for p in e["loc"]) for e in exc.errors()]
        problems = "; ".join(f"{w}: {e['msg']}" for w, e in zip(where, exc.errors(), strict=True))
        problems_id = "; ".join(
            f"{w}: {validation_id(dict(e))}" for w, e in zip(where, exc.errors(), strict=True)
        )
        raise RegionPackError(f"{path}: {problems}", message_id=f"{path}: {problems_id}") from exc
    named: list[tuple[list[str], str, str]] = [
        ([entry.name for entry in manifest.layers], "layer", "lapisan"),
        ([entry.name for entry in manifest.rasters], "raster", "raster"),
    ]
    for names, noun_en, noun_id in named:
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise RegionPackError(
                f"{path}: {noun_en} names used twice: {', '.join(dupes)}",
                message_id=f"{path}: nama {noun_id} dipakai dua kali: {', '.join(dupes)}",
            )
    return manifest


def pack_dir(pack: Path) -> Path:
    """Return the folder of a pack given the folder or its manifest."""
    return pack if pack.is_dir() else pack.parent
