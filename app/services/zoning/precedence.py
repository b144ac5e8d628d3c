"""The permit route: KKKPR where every zoned part lies in an OSS-integrated RDTR, else PKKPR.

Which plan answers where is settled when the zones are cut (evaluate._zones): each zoning
layer version has a rank (`LayerRef.precedence`: plan first, RDTR over RTRW, then the higher
version id), and every place of a parcel is answered by the highest-ranked version covering
it, so zone shares plus `no_plan` and `outside` add up to 1 and nothing is counted twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from app.services.rules.book import RuleBook
from app.services.zoning.answer import Citation, PlanRef, Route, ZoneRow
from app.services.zoning.context import Context


def permit_route(
    ctx: Context,
    book: RuleBook | None,
    zones: list[ZoneRow],
    unzoned_inside: float,
    on: date,
    cite: Callable[[str | None, str | None], Citation | None],
) -> Route | None:
    """Return the permit route (KKKPR/PKKPR) with its reason, citation and the plans that
    answered, from routes.csv.

    `all_rdtr_oss` holds when there is a zoned part, every zoned part lies in an
    OSS-integrated RDTR and nothing of the parcel inside the region is unzoned; otherwise
    the `otherwise` row applies. None when the rule set has no routes table.
    """
    if book is None or not book.routes:
        return None
    refs = {z.vid: ctx.layers[z.vid] for z in zones}
    all_oss = (
        bool(refs)
        and all(r.plan == "rdtr" and r.oss_integrated for r in refs.values())
        and unzoned_inside <= 0
    )
    row = book.route_for(all_oss, on)
    if row is None:
        return None
    plans = [
        PlanRef(r.plan or "rtrw", r.name, r.version, r.title, r.title_en)
        for r in sorted(refs.values(), key=lambda r: r.precedence(), reverse=True)
    ]
    return Route(
        route=row["route"],
        when=row["applies_when"],
        reason=row["reason"],
        reason_en=row["reason_en"],
        legal=cite(row["source_id"], row["article"]),
        plans=plans,
    )
