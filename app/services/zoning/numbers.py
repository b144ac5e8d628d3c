"""Numbers at the output edge: shares to 4 decimals, m² to 0.01 (words: app/l10n/format.py).

Rounding happens once, on the finished answer: every sum and ratio is computed on the
unrounded values first. Shares that split one whole (the zones of a parcel plus what no plan
covers, the ITBX letters, the desa of a parcel) are rounded with the largest-remainder method,
so that they still add up to the rounded whole (a parcel wholly in one zone gives exactly 1.0,
three equal thirds give 0.3334 + 0.3333 + 0.3333).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.services.zoning.answer import Answer

SHARE_DIGITS = 4
AREA_DIGITS = 2
_UNITS = 10**SHARE_DIGITS
_WHOLE_TOLERANCE = 1e-6  # shares summing to at most 1 + this split one whole


def round_share(value: float) -> float:
    """Return a share rounded to 4 decimals."""
    return round(value, SHARE_DIGITS) + 0.0  # + 0.0 turns -0.0 into 0.0


def round_area(value: float | None) -> float | None:
    """Return an area (m²) rounded to 0.01, or None."""
    return None if value is None else round(value, AREA_DIGITS) + 0.0


def apportion(
    values: Sequence[float], target: float | None = None, units: int = _UNITS
) -> list[float]:
    """Return the values rounded to 1/`units` (shares: 4 decimals) so that they add up to
    `target` (rounded the same way).

    Without `target` the rounded sum of the values is kept. Largest remainder: every value is
    cut to whole units, and the units still missing go to the largest remainders.
    """
    if len(values) == 1:  # the usual case (one zone, one letter): the loop below, unrolled
        s = max(values[0], 0.0) * units
        unit = math.floor(s)
        gap = (round(s) if target is None else round(target * units)) - unit
        return [(unit + (1 if gap > 0 else -1 if gap < 0 and unit > 0 else 0)) / units]
    scaled = [max(v, 0.0) * units for v in values]
    total = round(sum(scaled)) if target is None else round(target * units)
    whole = [math.floor(s) for s in scaled]
    order = sorted(range(len(whole)), key=lambda i: scaled[i] - whole[i], reverse=True)
    missing = total - sum(whole)
    if missing > 0:
        for i in order[:missing]:
            whole[i] += 1
    elif missing < 0:
        for i in reversed(order):
            if missing == 0:
                break
            if whole[i] > 0:
                whole[i] -= 1
                missing += 1
    return [u / units + 0.0 for u in whole]


def split_whole(values: Sequence[float], target: float | None = None) -> list[float]:
    """Return rounded shares: apportioned when they split one whole, else each rounded."""
    if target is not None or sum(values) <= 1 + _WHOLE_TOLERANCE:
        return apportion(values, target)
    return [round_share(v) for v in values]


def _split(shares: dict[str, float], target: float | None = None) -> dict[str, float]:
    """Return shares by key rounded with split_whole, largest first (equal ones by key), those
    that round to 0 left out."""
    rounded = zip(shares, split_whole(list(shares.values()), target), strict=True)
    return dict(sorted(((k, v) for k, v in rounded if v > 0), key=lambda kv: (-kv[1], kv[0])))


# Long by design (C901): one block per set of shares that sums whole.
def round_answer(answer: Answer) -> None:  # noqa: C901
    """Round the shares and areas of a finished check answer in place.

    A parcel's zones, what no plan covers and what lies outside the planning area split it
    whole; each zone's outcomes split the zone's share; the desa (and the kecamatan) split it
    too. The verdict's shares are rounded by the judge (judge.verdict_of).
    """
    zones = answer.zones
    if not answer.is_point:
        # the parts' areas add up to the parcel's area at 0.01 m², their shares to 1
        raw = [z.area_m2 or 0.0 for z in zones] + [answer.no_plan_m2 or 0.0,
                                                   answer.outside_m2 or 0.0]  # fmt: skip
        total = answer.area_m2 or 0.0
        *areas, answer.no_plan_m2, answer.outside_m2 = apportion(raw, total, 10**AREA_DIGITS)
        for z, area in zip(zones, areas, strict=True):
            z.area_m2 = area
        raw = [z.share for z in zones] + [answer.no_plan_share, answer.outside_share]
        *shares, answer.no_plan_share, answer.outside_share = apportion(raw, 1.0)
        for z, share in zip(zones, shares, strict=True):
            z.share = share
    answer.area_m2 = round_area(answer.area_m2)
    for z in zones:
        if z.effective:
            z.effective = _split(z.effective, z.share)
    zones.sort(key=lambda z: (-z.share, z.code or ""))
    for o in answer.overlays:
        o.area_m2 = round_area(o.area_m2)
        o.share = round_share(o.share)
    for level in {a.level for a in answer.admin}:  # the desa (and the kecamatan) split it
        same = [a for a in answer.admin if a.level == level]
        for a, share in zip(same, split_whole([a.share for a in same]), strict=True):
            a.share = share
            a.area_m2 = round_area(a.area_m2)
    env = answer.envelope
    if env is not None:
        for item in (env, *env.parts):
            for key in ("area_m2", "max_footprint_m2", "max_floor_area_m2", "min_green_area_m2"):
                if hasattr(item, key):
                    setattr(item, key, round_area(getattr(item, key)))
