"""The check of one geometry, a lon/lat point or a stored parcel; activity search."""

from __future__ import annotations

from datetime import date
from typing import Any, TypedDict, Unpack

from sqlalchemy import Connection, text

from app.errors import (
    InvalidParameter,
    NoRules,
)
from app.services.geo.crs import epsg_of
from app.services.geo.parse import parse_geometry
from app.services.rules.book import RuleBooks, process_rulebooks
from app.services.zoning.answer import Answer
from app.services.zoning.boundary import region_boundary
from app.services.zoning.context import (
    Context,
    context,
    point_context,
    point_context_single_region,
    regions_of,
)
from app.services.zoning.evaluate import evaluate
from app.services.zoning.parcels import ParcelBy, find_parcel
from app.services.zoning.parts import find_parts
from app.services.zoning.rasters import sample_rasters
from app.settings import Settings, process_settings


def check(
    conn: Connection,
    geometry: Any,
    crs: str | None = None,
    kbli: str | None = None,
    activity: str | None = None,
    as_of: date | None = None,
    *,
    books: RuleBooks | None = None,
    settings: Settings | None = None,
) -> Answer:
    """Return the zoning answer for one geometry (GeoJSON in `crs`) and optional activity.

    `books` is the rule-book cache to read through and `settings` the limits (the API's);
    default the process's.
    """
    books = process_rulebooks() if books is None else books
    settings = settings or process_settings()
    if isinstance(geometry, dict) and geometry.get("type") == "Point":
        parcel = parse_geometry(geometry, crs, 0, settings.zoning)
        found = point_context_single_region(conn, books, parcel, settings)
        if found is None:  # several regions: find the one under the point, then ask again
            region = regions_of(conn, [parcel.geom])[0]
            found = point_context(conn, books, parcel, region.code, settings)
        ctx, hits = found
        act = activity_of(ctx, kbli, activity)
        samples = sample_rasters(conn, ctx, [parcel])[0]
        boundary = region_boundary(conn, ctx)
        answer = evaluate(ctx, parcel, hits, act, as_of or date.today(), samples, boundary)
        return _with_code(ctx, answer, kbli)
    # The region is found from the geometry; its metric CRS then gives the parcel's area.
    srid = epsg_of(settings.loader.default_metric_crs) or 0
    parcel = parse_geometry(geometry, crs, srid, settings.zoning)
    region = regions_of(conn, [parcel.geom])[0]
    ctx = context(conn, books, region.code, settings)
    act = activity_of(ctx, kbli, activity)
    if ctx.metric_srid != srid:
        parcel = parse_geometry(geometry, crs, ctx.metric_srid, settings.zoning)
    if region.warning:
        parcel.warnings.append(region.warning)
    parts = find_parts(conn, ctx, [parcel])
    samples = sample_rasters(conn, ctx, [parcel])[0]
    boundary = region_boundary(conn, ctx)
    answer = evaluate(ctx, parcel, parts.get(0, []), act, as_of or date.today(), samples, boundary)
    return _with_code(ctx, answer, kbli)


def _with_code(ctx: Context, answer: Answer, kbli: str | None) -> Answer:
    """Name the KBLI code asked about (with its title) in the answer's activity block."""
    block = answer.activity
    if kbli is not None and block is not None and ctx.book is not None and not block["code"]:
        described = ctx.book.describe(block["id"], kbli.strip())
        if described is not None:
            answer.activity = described
    return answer


def _no_rules() -> NoRules:
    return NoRules(
        "no zoning rules are loaded: run `rtrw rules load <pack>` first",
        message_id="Belum ada aturan zonasi yang dimuat: jalankan `rtrw rules load <paket>` "
        "terlebih dahulu",
    )


def activity_of(ctx: Context, kbli: str | None, activity: str | None) -> str | None:
    """Return the rule book's activity id for a KBLI code or id (None when neither is given).

    A geometry that no region holds (nothing loaded there: no layers, no rules) is answered
    `outside` without resolving the activity; anywhere else no rules is NoRules.
    """
    if kbli is None and activity is None:
        return None
    if ctx.book is None and not ctx.layers:
        return None
    if ctx.book is None:
        raise _no_rules()
    return ctx.book.resolve_activity(kbli, activity)


class Ask(TypedDict, total=False):
    """`check`'s keyword arguments, which check_point, check_parcel and check_geometry pass on:
    the activity asked (a KBLI code or an activity id), the date whose rules apply, the rule-book
    cache and the settings."""

    kbli: str | None
    activity: str | None
    as_of: date | None
    books: RuleBooks | None
    settings: Settings | None


def check_point(conn: Connection, lon: float, lat: float, **ask: Unpack[Ask]) -> Answer:
    """Return the zoning answer for a lon/lat point."""
    return check(conn, {"type": "Point", "coordinates": [lon, lat]}, "EPSG:4326", **ask)


def check_parcel(
    conn: Connection,
    parcel_id: str,
    *,
    region: str | None = None,
    by: ParcelBy | None = None,
    layer: str | None = None,
    **ask: Unpack[Ask],
) -> Answer:
    """Return the zoning answer for a stored parcel (kind `parcel`) by feature id or code.

    `by` says which (default both; a number naming two parcels is an error listing them, see
    zoning/parcels.py); `layer` and `region` narrow the search.
    """
    parcel = find_parcel(conn, parcel_id, by=by, layer=layer, region=region)
    answer = check(conn, parcel.geometry, "EPSG:4326", **ask)
    answer.parcel = parcel.as_dict()
    return answer


# Regions whose rule sets are loaded (a rule set without a region counts for none).
RULED_REGIONS_SQL = (
    "SELECT DISTINCT region_code FROM rule_set WHERE region_code IS NOT NULL ORDER BY 1"
)


def search_activities(
    conn: Connection,
    q: str | None,
    limit: int = 20,
    *,
    books: RuleBooks | None = None,
    region: str | None = None,
) -> list[dict[str, Any]]:
    """Return KBLI 2020 codes matching a code prefix or words, each listed or not in the rules.

    `listed` follows the rules of `region`; without it, of the only region with rules (rule
    sets of several regions need `region`).
    """
    if region is None:
        ruled = list(conn.execute(text(RULED_REGIONS_SQL)).scalars())
        if len(ruled) > 1:
            raise InvalidParameter(
                f"several regions have zoning rules ({', '.join(ruled)}); "
                "name one with ?region=CODE",
                message_id=f"Beberapa wilayah memiliki aturan zonasi ({', '.join(ruled)}); "
                "sebutkan salah satunya dengan ?region=KODE",
                regions=ruled,
            )
    book = (process_rulebooks() if books is None else books).current(conn, region)
    if book is None:
        raise _no_rules()
    return book.search(q, limit)
