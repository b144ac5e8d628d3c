"""Region packs: `layers/<region>/region.toml` names a region and the files of its layers."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from sqlalchemy import Connection, text

from app.errors import RegionPackError, RtrwError, validation_id
from app.models.catalog import LAYER_KINDS
from app.services.catalog.current import ADMIN_LEVEL_KEYS, METRIC_CRS_SQL
from app.services.catalog.edges import unknown_codes_warning
from app.services.catalog.ingest import (
    LoadReport,
    LoadRequest,
    Prepared,
    check_edges,
    check_kind,
    prepare,
    request_fingerprint,
    source_codes,
    write,
)
from app.services.catalog.layers import LAYER
from app.services.catalog.named import region_is
from app.services.geo.crs import parse_crs
from app.services.ppid.importer import PpidReport, import_ppid
from app.services.rasters.ingest import RasterReport, load_raster
from app.services.rules import tables as rule_tables
from app.services.rules.load import load_rules, rule_set_unchanged
from app.settings import raster_settings

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
    names = [entry.name for entry in manifest.layers]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise RegionPackError(
            f"{path}: layer names used twice: {', '.join(dupes)}",
            message_id=f"{path}: nama lapisan dipakai dua kali: {', '.join(dupes)}",
        )
    rasters = [entry.name for entry in manifest.rasters]
    dupes = sorted({n for n in rasters if rasters.count(n) > 1})
    if dupes:
        raise RegionPackError(
            f"{path}: raster names used twice: {', '.join(dupes)}",
            message_id=f"{path}: nama raster dipakai dua kali: {', '.join(dupes)}",
        )
    return manifest


def pack_dir(pack: Path) -> Path:
    """Return the folder of a pack given the folder or its manifest."""
    return pack if pack.is_dir() else pack.parent


def requests_for(
    pack: Path, manifest: Manifest, only: list[str] | None = None
) -> list[LoadRequest]:
    """Return a LoadRequest for each layer of the manifest (or those named in `only`)."""
    base = pack_dir(pack)
    entries = manifest.layers
    if only:
        unknown = sorted(set(only) - {e.name for e in entries})
        if unknown:
            raise RegionPackError(
                f"the pack has no layer(s) {', '.join(unknown)}",
                message_id=f"Paket tidak memiliki lapisan {', '.join(unknown)}",
            )
        entries = [e for e in entries if e.name in only]
    missing = [e.file for e in entries if not (base / e.file).exists()]
    if missing:
        demo = "demo" in base.name
        raise RegionPackError(
            f"files missing from {base}: {', '.join(missing)}"
            + (" (for the demo pack run `rtrw demo generate` first)" if demo else ""),
            message_id=f"Berkas tidak ada di {base}: {', '.join(missing)}"
            + (" (untuk paket demo jalankan `rtrw demo generate` dahulu)" if demo else ""),
        )
    return [
        LoadRequest(
            path=base / e.file,
            name=e.name,
            kind=e.kind,
            title=e.title,
            title_en=e.title_en,
            layer=e.layer,
            source_crs=e.source_crs,
            field_map=e.fields,
            licence=e.licence or manifest.region.licence,
            metric_crs=manifest.region.metric_crs,
            plan=e.plan,
            oss_integrated=e.oss_integrated,
            region=manifest.region.code,
        )
        for e in entries
    ]


def upsert_region(conn: Connection, pack: Path, manifest: Manifest) -> None:
    """Insert or update the region row of a pack."""
    r = manifest.region
    conn.execute(
        text(
            """
            INSERT INTO region (code, name, metric_crs, description, licence, pack_path, manifest)
            VALUES (:code, :name, :crs, :d, :lic, :p, CAST(:m AS jsonb))
            ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, metric_crs = EXCLUDED.metric_crs,
                description = EXCLUDED.description, licence = EXCLUDED.licence,
                pack_path = EXCLUDED.pack_path, manifest = EXCLUDED.manifest, loaded_at = now()
            """
        ),
        {
            "code": r.code,
            "name": r.name,
            "crs": r.metric_crs,
            "d": r.description,
            "lic": r.licence,
            "p": str(pack_dir(pack).resolve()),
            "m": json.dumps(manifest.model_dump(mode="json")),
        },
    )


def region_metric_crs(conn: Connection, code: str | None = None) -> str | None:
    """Return the metric CRS of region `code`, else of the most recently loaded one, if any."""
    if code is not None:
        return conn.execute(
            text("SELECT metric_crs FROM region WHERE code = :c"), {"c": code}
        ).scalar()
    return conn.execute(text(METRIC_CRS_SQL)).scalar()


@dataclass
class RegionResult:
    """What a region load wrote: a report per loaded layer and the new rule set, if any.

    With a whole-pack load also the [[budgets]] imports, the [ppid] import and notes.
    """

    reports: list[LoadReport]
    rules: dict[str, Any] | None
    budgets: list[Any] = field(default_factory=list)
    ppid: PpidReport | None = None
    rasters: list[RasterReport] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def data_files(pack: Path, manifest: Manifest) -> list[Path]:
    """Return the raster, class, budget and PPID files a manifest names (whole-pack loads)."""
    base = pack_dir(pack)
    files = [base / r.file for r in manifest.rasters]
    files += [base / r.classes for r in manifest.rasters if r.classes]
    files += [base / b.file for b in manifest.budgets]
    return files + ([base / manifest.ppid.file] if manifest.ppid else [])


def _load_data(
    conn: Connection, pack: Path, manifest: Manifest, result: RegionResult, actor: str | None
) -> None:
    """Import the pack's budgets and PPID table after its layers, in the same transaction."""
    base = pack_dir(pack)
    if manifest.budgets:
        try:
            from app.services.projects.importer import import_projects
        except ImportError:  # the APBD importer is not part of this installation (yet)
            result.notes.append(
                "[[budgets]] skipped: this installation has no APBD projects importer "
                "(app.services.projects.importer)"
            )
        else:
            for b in manifest.budgets:
                try:
                    result.budgets.append(
                        import_projects(
                            conn,
                            base / b.file,
                            b.year,
                            sheet=b.sheet,
                            mapping=b.map,
                            crs=b.crs,
                            skip_bad=False,
                            actor=actor,
                            via="cli",
                        )
                    )
                except RtrwError as exc:
                    raise type(exc)(f"budget {b.file}: {exc.message}", **exc.extra) from exc
    if manifest.ppid is not None:
        try:
            result.ppid = import_ppid(
                conn, base / manifest.ppid.file, mapping=manifest.ppid.map, actor=actor, via="cli"
            )
        except RtrwError as exc:
            raise type(exc)(f"ppid {manifest.ppid.file}: {exc.message}", **exc.extra) from exc


def unchanged(conn: Connection, req: LoadRequest) -> bool:
    """Return True if the layer's current version was loaded from these exact inputs.

    Compares fingerprints (app.services.catalog.ingest.load_fingerprint): the file bytes and
    every option that shapes the result (kind, GeoPackage layer, source and metric CRS, field
    map, licence, title, title_en). A version without a fingerprint (loaded before migration
    0003) never counts as unchanged.
    """
    stored = conn.execute(
        text(
            f"SELECT v.fingerprint FROM {LAYER.current()} WHERE l.name = :n AND {region_is()}"
        ),
        {"n": req.name, "region": req.region},
    ).scalar()
    return stored is not None and stored == request_fingerprint(req)


def catalog_is_empty(conn: Connection) -> bool:
    """Return True if no layer and no rule set is loaded (so a pack can replace nothing)."""
    return not conn.execute(
        text("SELECT EXISTS (SELECT 1 FROM layer) OR EXISTS (SELECT 1 FROM rule_set)")
    ).scalar_one()


def load_region_if_empty(
    conn: Connection,
    pack: Path,
    on_layer: Callable[[LoadRequest], Callable[[int, int], None] | None] | None = None,
    actor: str | None = None,
    strict: bool = False,
) -> RegionResult | None:
    """Load the whole pack only into an empty catalog; return None (nothing done) otherwise.

    This is how the demo is loaded: it must never replace a layer or rule set a user loaded.
    """
    conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('rtrw.region.if_empty'))"))
    if not catalog_is_empty(conn):
        return None
    return load_region(conn, pack, on_layer=on_layer, actor=actor, strict=strict)


def load_region(
    conn: Connection,
    pack: Path,
    only: list[str] | None = None,
    on_layer: Callable[[LoadRequest], Callable[[int, int], None] | None] | None = None,
    force: bool = False,
    actor: str | None = None,
    strict: bool = False,
) -> RegionResult:
    """Load every layer of a pack in `conn`'s transaction (all or nothing); return the reports.

    A whole-pack load (no `only`) then imports the [[budgets]] files and the [ppid] table,
    in the same transaction, so a bad budget or PPID row rolls the layers back too.

    All files are read and checked before anything is written, so a bad file fails fast.
    A layer whose current version has the fingerprint this load would store (same file
    bytes and options, see `unchanged`) is skipped unless `force`. `actor` is audited.

    The guards at the region's edge (`ingest.check_edges`) run once every layer and the rule
    set are written, so a pack's zoning is measured against the pack's own boundary and its
    codes against the pack's own rules; `strict` makes their findings fail the load.
    """
    manifest = read_manifest(pack)
    requests = requests_for(pack, manifest, only)
    missing = [p.name for p in data_files(pack, manifest) if not only and not p.exists()]
    if missing:
        demo = "demo" in str(pack)
        raise RegionPackError(
            f"files missing from {pack_dir(pack)}: {', '.join(missing)}"
            + (" (for the demo pack run `rtrw demo generate` first)" if demo else ""),
            message_id=f"Berkas tidak ada di {pack_dir(pack)}: {', '.join(missing)}"
            + (" (untuk paket demo jalankan `rtrw demo generate` dahulu)" if demo else ""),
        )
    for req in requests:
        req.actor, req.strict = actor, strict
        check_kind(conn, req)
    if not force:
        requests = [r for r in requests if not unchanged(conn, r)]
    prepared: list[Prepared] = []
    for req in requests:
        try:
            prepared.append(prepare(req))
        except RtrwError as exc:
            raise type(exc)(f"layer {req.name!r}: {exc.message}", **exc.extra) from exc
    rules_dir = pack_dir(pack) / manifest.rules.dir if manifest.rules else None
    code = manifest.region.code
    load_rule_set = (
        rules_dir is not None
        and not only
        and (force or not rule_set_unchanged(conn, rules_dir, code))
    )
    if load_rule_set:
        assert rules_dir is not None
        rule_tables.read_rules(rules_dir)  # validate before writing anything
    upsert_region(conn, pack, manifest)
    reports = []
    for prep in prepared:
        progress = on_layer(prep.request) if on_layer else None
        reports.append(write(conn, prep, progress, guard=False))
    rule_set = (
        load_rules(conn, rules_dir, manifest.region.code)
        if load_rule_set and rules_dir is not None
        else None
    )
    for prep, report in zip(prepared, reports, strict=True):
        try:
            check_edges(conn, prep.request, report)
        except RtrwError as exc:
            raise type(exc)(
                f"layer {prep.request.name!r}: {exc.message}",
                message_id=f"lapisan {prep.request.name!r}: {exc.message_id}",
                **exc.extra,
            ) from exc
    result = RegionResult(reports=reports, rules=rule_set)
    if not only:
        _load_rasters(conn, pack, manifest, result, force, actor)
        _load_data(conn, pack, manifest, result, actor)
    return result


def _load_rasters(
    conn: Connection,
    pack: Path,
    manifest: Manifest,
    result: RegionResult,
    force: bool,
    actor: str | None,
) -> None:
    """Load the pack's [[rasters]] after its layers, in the same transaction (all or nothing).

    A raster whose current version came from the same file and options is reported unchanged.
    """
    base = pack_dir(pack)
    settings = raster_settings()
    for r in manifest.rasters:
        try:
            result.rasters.append(
                load_raster(
                    conn,
                    base / r.file,
                    r.name,
                    settings=settings,
                    region=manifest.region.code,
                    source_crs=r.source_crs,
                    classes_csv=base / r.classes if r.classes else None,
                    kind=r.kind,
                    title=r.title,
                    title_en=r.title_en,
                    unit=r.unit,
                    colormap=r.colormap,
                    source=r.source,
                    licence=r.licence or manifest.region.licence,
                    actor=actor,
                    force=force,
                )
            )
        except RtrwError as exc:
            raise type(exc)(
                f"raster {r.name!r}: {exc.message}",
                message_id=f"raster {r.name!r}: {exc.message_id}",
                **exc.extra,
            ) from exc


NO_RULES = {
    "code": "no_rule_set",
    "message": "the pack has no [rules]: zone codes were not checked",
    "message_id": "Paket tidak memiliki [rules]: kode zona tidak diperiksa",
}


def check_pack(pack: Path) -> tuple[Manifest, list[dict[str, Any]]]:
    """Return a pack's manifest and the warnings on it, without loading anything.

    Reads the codes of the pack's zoning files and its rule tables, and warns (per layer) on
    codes that are neither a zone class nor a local alias of them. A bad manifest, a missing
    or unreadable zoning file and invalid rule tables raise (RegionPackError, SourceFileError,
    FieldMappingError, RulesError).
    """
    manifest = read_manifest(pack)
    names = [e.name for e in manifest.layers if e.kind == "zoning"]
    zoning = requests_for(pack, manifest, names) if names else []
    known: set[str] | None = None
    tables_named = ""
    if manifest.rules is not None:
        tables = rule_tables.read_rules(pack_dir(pack) / manifest.rules.dir)
        known = {r["code"] for r in tables.rows.get("zone_class", [])}
        known |= {r["local_code"] for r in tables.rows.get("zone_alias", [])}
        files = rule_tables.FILES
        tables_named = f"{files['zone_classes']}, {files['zone_aliases']} in {manifest.rules.dir}/"
    warnings: list[dict[str, Any]] = []
    for req in zoning:
        try:
            codes = source_codes(req)
        except RtrwError as exc:
            raise type(exc)(
                f"layer {req.name!r}: {exc.message}",
                message_id=f"lapisan {req.name!r}: {exc.message_id}",
                **exc.extra,
            ) from exc
        if known is None:
            continue
        unknown = {c: n for c, n in codes.items() if c not in known}
        found = unknown_codes_warning(unknown, tables_named)
        if found is not None:
            found["layer"] = req.name
            found["message"] = f"layer {req.name!r}: {found['message']}"
            found["message_id"] = f"lapisan {req.name!r}: {found['message_id']}"
            warnings.append(found)
    if zoning and known is None:
        warnings.append(dict(NO_RULES))
    return manifest, warnings
