"""Loading a region pack: its layers, rule set, rasters, budgets and PPID table in one go.

Above the domains it orchestrates (catalog, rules, rasters, projects, ppid), so none of them
imports it; what a region.toml says is app/services/catalog/manifest.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text

from app.errors import RegionPackError, RtrwError
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
from app.services.catalog.manifest import Manifest, pack_dir, read_manifest
from app.services.catalog.named import region_is
from app.services.ppid.importer import PpidReport, import_ppid
from app.services.projects.importer import import_projects
from app.services.rasters.ingest import RasterReport, load_raster
from app.services.rules import tables as rule_tables
from app.services.rules.load import load_rules, rule_set_unchanged
from app.settings import raster_settings


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


@dataclass
class RegionResult:
    """What a region load wrote: a report per loaded layer and the new rule set, if any.

    With a whole-pack load also the [[budgets]] imports, the [ppid] import and the rasters.
    """

    reports: list[LoadReport]
    rules: dict[str, Any] | None
    budgets: list[Any] = field(default_factory=list)
    ppid: PpidReport | None = None
    rasters: list[RasterReport] = field(default_factory=list)


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
