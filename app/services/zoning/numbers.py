"""Numbers at the output edge: shares to 4 decimals, m² to 0.01, and how summaries write them.

Rounding happens once, on the finished answer: every sum and ratio is computed on the
unrounded values first. Shares that split one whole (the zones of a parcel plus what no plan
covers, the ITBX letters, the desa of a parcel) are rounded with the largest-remainder method,
so that they still add up to the rounded whole (a parcel wholly in one zone gives exactly 1.0,
three equal thirds give 0.3334 + 0.3333 + 0.3333).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

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


def apportion(values: Sequence[float], target: float | None = None) -> list[float]:
    """Return the shares rounded to 4 decimals so that they add up to `target` (rounded).

    Without `target` the rounded sum of the values is kept. Largest remainder: every value is
    cut to whole units of 0.0001, and the units still missing go to the largest remainders.
    """
    if len(values) == 1:  # the usual case (one zone, one letter): the loop below, unrolled
        s = max(values[0], 0.0) * _UNITS
        unit = math.floor(s)
        gap = (round(s) if target is None else round(target * _UNITS)) - unit
        return [(unit + (1 if gap > 0 else -1 if gap < 0 and unit > 0 else 0)) / _UNITS]
    scaled = [max(v, 0.0) * _UNITS for v in values]
    total = round(sum(scaled)) if target is None else round(target * _UNITS)
    units = [math.floor(s) for s in scaled]
    order = sorted(range(len(units)), key=lambda i: scaled[i] - units[i], reverse=True)
    missing = total - sum(units)
    if missing > 0:
        for i in order[:missing]:
            units[i] += 1
    elif missing < 0:
        for i in reversed(order):
            if missing == 0:
                break
            if units[i] > 0:
                units[i] -= 1
                missing += 1
    return [u / _UNITS for u in units]


def split_whole(values: Sequence[float], target: float | None = None) -> list[float]:
    """Return rounded shares: apportioned when they split one whole, else each rounded."""
    if target is not None or sum(values) <= 1 + _WHOLE_TOLERANCE:
        return apportion(values, target)
    return [round_share(v) for v in values]


def _split(shares: dict[str, float], target: float | None = None) -> dict[str, float]:
    """Return shares by key rounded with split_whole, largest first (equal ones by key)."""
    rounded = zip(shares, split_whole(list(shares.values()), target), strict=True)
    return dict(sorted(rounded, key=lambda kv: (-kv[1], kv[0])))


def round_answer(answer: dict[str, Any], is_point: bool) -> None:
    """Round the shares and areas of a finished check answer in place."""
    zones = answer["zones"]
    answer["area_m2"] = round_area(answer["area_m2"])
    if not is_point:  # the zones and what no plan covers split the parcel
        raw = [z["share"] for z in zones] + [answer["no_plan_share"]]
        *shares, answer["no_plan_share"] = split_whole(raw)
        for z, share in zip(zones, shares, strict=True):
            z["share"] = share
    for z in zones:
        z["area_m2"] = round_area(z["area_m2"])
        z["share"] = round_share(z["share"])
        if z.get("effective"):  # the letters split the zone's share
            z["effective"] = _split(z["effective"], z["share"])
    zones.sort(key=lambda z: (-z["share"], z["code"] or ""))
    answer["verdict_shares"] = _split(answer["verdict_shares"])
    answer["no_plan_share"] = round_share(answer["no_plan_share"])
    for o in answer["overlays"]:
        o["area_m2"] = round_area(o["area_m2"])
        o["share"] = round_share(o["share"])
    admin = answer["admin"]
    for level in {a["level"] for a in admin}:  # the desa (and the kecamatan) split the parcel
        same = [a for a in admin if a["level"] == level]
        for a, share in zip(same, split_whole([a["share"] for a in same]), strict=True):
            a["share"] = share
            a["area_m2"] = round_area(a["area_m2"])
    envelope = answer.get("envelope")
    if envelope:
        for item in (envelope, *envelope["parts"]):
            for key in ("area_m2", "max_footprint_m2", "max_floor_area_m2", "min_green_area_m2"):
                if key in item:
                    item[key] = round_area(item[key])


def number(value: float, decimals: int, lang: str) -> str:
    """Return `value` with up to `decimals` decimals, thousands grouped, the way `lang` writes.

    Indonesian writes a decimal comma and dot thousands (1.234,56); English the reverse
    (1,234.56). Trailing zero decimals are dropped (50 %, 12,5 %, 10.000 m²).
    """
    text = _english(value, decimals)
    return text.translate(_TO_INDONESIAN) if lang == "id" else text


_TO_INDONESIAN = str.maketrans(",.", ".,")


@lru_cache(maxsize=4096)  # a summary writes each number twice (id and en)
def _english(value: float, decimals: int) -> str:
    """Return `value` rounded half-up to `decimals`, English grouping, trailing zeros dropped."""
    scaled = abs(value) * 10**decimals
    if math.isfinite(scaled) and abs(scaled - math.floor(scaled) - 0.5) > 1e-6:
        # not near a tie: plain float rounding is the same as half-up on the decimal text
        whole, frac = divmod(math.floor(scaled + 0.5), 10**decimals)
        sign = "-" if value < 0 and (whole or frac) else ""
        text = f"{sign}{whole:,}" + (f".{frac:0{decimals}d}" if decimals else "")
    else:
        d = Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
        text = f"{d:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def percent(share: float, lang: str) -> str:
    """Return a share as a percentage: one decimal, two below 1 % (12,5 % / 12.5 %)."""
    pct = float(Decimal(str(share)) * 100)
    return f"{number(pct, 1 if pct >= 1 or pct == 0 else 2, lang)} %"


def square_metres(value: float, lang: str) -> str:
    """Return an area as `1.234,56 m²` (id) or `1,234.56 m²` (en)."""
    return f"{number(value, AREA_DIGITS, lang)} m²"
