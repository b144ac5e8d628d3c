"""Numbers, shares, areas, money and dates written the way each language reads them.

Indonesian writes a decimal comma and dot thousands (1.234,56); English the reverse
(1,234.56). Every surface (the JSON summary, the map panel, the PDF, the static map, the budget
flags) formats through these functions, so 0.0625 is "6,3 %" / "6.3 %" everywhere: values are
rounded half-up on their decimal text, never by binary float rounding.
"""

from __future__ import annotations

import math
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from app.l10n.texts import t

_TO_INDONESIAN = str.maketrans(",.", ".,")


def number(value: float, decimals: int, lang: str) -> str:
    """Return `value` with up to `decimals` decimals, thousands grouped, the way `lang` writes.

    Trailing zero decimals are dropped (50 %, 12,5 %, 10.000 m²).
    """
    text = _english(value, decimals)
    return text.translate(_TO_INDONESIAN) if lang == "id" else text


@lru_cache(maxsize=4096)  # a page writes each number twice (id and en)
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
    """Return a share (0..1) as a percentage: one decimal, two below 1 % (12,5 % / 12.5 %)."""
    pct = float(Decimal(str(share)) * 100)
    return f"{number(pct, 1 if pct >= 1 or pct == 0 else 2, lang)} %"


def percent_value(value: float, lang: str, decimals: int = 2) -> str:
    """Return a value already in percent (KDB 60, progress 37,5) as `60 %`."""
    return f"{number(value, decimals, lang)} %"


def square_metres(value: float, lang: str) -> str:
    """Return an area as `1.234,56 m²` (id) or `1,234.56 m²` (en)."""
    return f"{number(value, 2, lang)} m²"


def metres(value: float, lang: str, decimals: int = 0) -> str:
    """Return a distance or height as `1.250 m`."""
    return f"{number(value, decimals, lang)} m"


def rupiah(value: float, lang: str) -> str:
    """Return an amount as `Rp 1.250.000.000` (id) or `Rp 1,250,000,000` (en)."""
    return "Rp " + number(float(value), 0, lang)


def rupiah_short(value: float, lang: str) -> str:
    """Return `Rp 1,2 M` (id) / `Rp 1.2 bn` (en) for a legend."""
    if value >= 1e9:
        return f"Rp {number(value / 1e9, 1, lang)} {t('unit.billion', lang)}"
    return f"Rp {number(value / 1e6, 1, lang)} {t('unit.million', lang)}"


def day(value: date, lang: str) -> str:
    """Return a date as `7 Desember 2026` (id) or `7 December 2026` (en)."""
    return f"{value.day} {t(f'month.{value.month}', lang)} {value.year}"
