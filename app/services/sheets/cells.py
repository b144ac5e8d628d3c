"""One spreadsheet cell as a typed value: blank, text, header key, date, number, money.

Each parser returns the value (None for a blank cell) or raises BadValue with an English and
an Indonesian reason, naming the column by a bilingual label (`Text`). Rules:

- **Blank**: None, NaN, "", "-", "–", "—", "N/A", "NA", "null", "none", "#N/A".
- **Header keys** compare lower case with everything but letters and digits removed (accents
  dropped): "Tgl. Mulai", "tgl mulai" and "TglMulai" are all `tglmulai`.
- **Dates**: a date or datetime cell; an Excel serial day (a number, or five digits as text);
  yyyy-mm-dd (also with / or . and a time); dd/mm/yyyy and dd-mm-yyyy (also with .);
  "12 Januari 2025", "12-Jan-2025", "Senin, 1 Juli 2025", "July 1, 2025" (Indonesian and
  English month names and their abbreviations). A date that does not exist (31/02/2025) is
  refused as such.
- **Numbers** with Indonesian or English separators: a separator that occurs more than once,
  or once followed by exactly three digits, groups thousands; with both "." and ",", the last
  one is the decimal mark ("1.250.000,50", "1,250,000.50", "1.250" = 1250, "1,5" = 1.5).
- **Money** becomes whole rupiah: "Rp 1.250.000.000", "Rp1.250.000.000,-", "IDR 5.000",
  "1,5 M", "250 jt", "10 rb", Excel numbers; sen are rounded half up; negatives are refused.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from app.l10n import LANGS, Text, t

BLANKS = frozenset({"", "-", "–", "—", "n/a", "na", "null", "none", "#n/a"})
EXCEL_EPOCH = date(1899, 12, 30)  # serial day 0 of the 1900 date system (as Excel counts)
_LAST_SERIAL = 2958465  # 9999-12-31

# Month names and the abbreviations spreadsheets use, in Bahasa Indonesia and English.
MONTHS: dict[str, int] = {
    **{t(f"month.{m}", lang).lower(): m for m in range(1, 13) for lang in LANGS},
    "jan": 1, "feb": 2, "peb": 2, "pebruari": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7,
    "agu": 8, "agt": 8, "ags": 8, "agus": 8, "aug": 8, "sep": 9, "sept": 9, "okt": 10,
    "oct": 10, "nov": 11, "nop": 11, "nopember": 11, "des": 12, "dec": 12,
}  # fmt: skip
_SCALE = {
    "rb": 10**3, "ribu": 10**3, "k": 10**3,
    "jt": 10**6, "juta": 10**6,
    "m": 10**9, "miliar": 10**9, "milyar": 10**9, "mlyr": 10**9, "b": 10**9,
    "t": 10**12, "triliun": 10**12,
}  # fmt: skip

DATE = Text("tanggal", "date")
MONEY = Text("nilai uang", "money")
VALUE = Text("nilai", "value")

_TIME = r"(?:[ t]\d{1,2}[:.]\d{2}(?:[:.]\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})?)?"
_ISO = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})" + _TIME)
_DMY = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})" + _TIME)
_WEEKDAY = r"(?:[a-z]+,\s*)?"  # "Senin, " / "Monday, "
_D_MONTH_Y = re.compile(_WEEKDAY + r"(\d{1,2})[\s-]+([a-z]+)\.?[\s-]+(\d{4})")
_MONTH_D_Y = re.compile(_WEEKDAY + r"([a-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})")
_SERIAL = re.compile(r"\d{5}(?:\.\d+)?")


class BadValue(ValueError):
    """A cell that cannot be read as its column's type; `en` and `id` say why."""

    def __init__(self, en: str, id_: str) -> None:
        super().__init__(en)
        self.en = en
        self.id = id_


def is_blank(value: object) -> bool:
    """Return True for an empty cell (None, NaN, "", "-", "N/A", ...)."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip().lower() in BLANKS


def text(value: object) -> str | None:
    """Return a cell as trimmed single-spaced text (12.0 -> "12"), or None when blank."""
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    return re.sub(r"\s+", " ", str(value)).strip()


def header_key(value: object) -> str:
    """Return a header as compared: lower-case letters and digits ("Tgl. Mulai" -> tglmulai)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    plain = unicodedata.normalize("NFKD", str(value)).lower()
    return re.sub(r"[^0-9a-z]", "", plain)


def _day(y: int, m: int, d: int, raw: str, what: Text) -> date:
    try:
        return date(y, m, d)
    except ValueError:
        raise BadValue(
            f"{what.en} {raw!r} is not a date", f"{what.id} {raw!r} bukan tanggal yang ada"
        ) from None


def parse_date(value: object, what: Text = DATE) -> date | None:
    """Return the date of a cell (see the module's rules); BadValue naming `what` if none."""
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and 1 <= value <= _LAST_SERIAL
    ):
        return EXCEL_EPOCH + timedelta(days=int(value))  # an Excel serial day
    raw = str(value).strip()
    s = " ".join(raw.lower().split())
    if m := _ISO.fullmatch(s):
        return _day(int(m[1]), int(m[2]), int(m[3]), raw, what)
    if m := _DMY.fullmatch(s):
        return _day(int(m[3]), int(m[2]), int(m[1]), raw, what)
    if (m := _D_MONTH_Y.fullmatch(s)) and m[2] in MONTHS:
        return _day(int(m[3]), MONTHS[m[2]], int(m[1]), raw, what)
    if (m := _MONTH_D_Y.fullmatch(s)) and m[1] in MONTHS:
        return _day(int(m[3]), MONTHS[m[1]], int(m[2]), raw, what)
    if _SERIAL.fullmatch(s):
        return EXCEL_EPOCH + timedelta(days=int(float(s)))
    raise BadValue(
        f"{what.en} {raw!r} is not a date (dd/mm/yyyy or yyyy-mm-dd)",
        f"{what.id} {raw!r} bukan tanggal (hh/bb/tttt atau tttt-bb-hh)",
    )


def parse_number(raw: str) -> Decimal:
    """Return the number of a text of digits with Indonesian or English separators (no sign).

    ValueError when it is not one ("1.2.3", "1,25,000", "abc").
    """
    s = raw.replace(" ", "").replace("\u00a0", "")
    if not re.fullmatch(r"\d[\d.,]*", s):
        raise ValueError(raw)
    dots, commas = s.count("."), s.count(",")
    if dots and commas:
        decimal_mark = "," if s.rfind(",") > s.rfind(".") else "."
        group = "." if decimal_mark == "," else ","
        s = s.replace(group, "").replace(decimal_mark, ".")
    elif dots or commas:
        mark = "." if dots else ","
        tail = s.rsplit(mark, 1)[1]
        if (dots or commas) > 1 or len(tail) == 3:  # thousands: 1.250.000, 1,250,000, 1.250
            if not re.fullmatch(rf"\d{{1,3}}(\{mark}\d{{3}})+", s):
                raise ValueError(raw)
            s = s.replace(mark, "")
        else:
            s = s.replace(mark, ".")
    try:
        return Decimal(s)
    except InvalidOperation:  # "1.250,00,5": two decimal marks
        raise ValueError(raw) from None


def money(value: object, what: Text = MONEY) -> int | None:
    """Return an amount as whole rupiah (sen rounded half up); BadValue if not a number or < 0."""
    if is_blank(value):
        return None
    if isinstance(value, bool) or (isinstance(value, float) and not math.isfinite(value)):
        raise BadValue(f"{what.en} {value!r} is not a number", f"{what.id} {value!r} bukan angka")
    if isinstance(value, int | float | Decimal):
        amount = Decimal(str(value))
    else:
        raw = str(value).strip()
        s = raw.lower().replace("\u00a0", " ")
        negative = s.startswith("-") or (s.startswith("(") and s.endswith(")"))
        s = s.strip("()").lstrip("-").strip()
        s = re.sub(r"^(rp\.?|idr)\s*", "", s)
        s = re.sub(r"[,.]\s*-+$", "", s).strip()  # Rp1.250.000,-
        scale = 1
        m = re.fullmatch(r"(.*?)\s*([a-z]+)\.?", s)
        if m and m.group(2) in _SCALE:
            s, scale = m.group(1), _SCALE[m.group(2)]
        try:
            amount = parse_number(s) * scale
        except ValueError:
            raise BadValue(
                f"{what.en} {raw!r} is not a number", f"{what.id} {raw!r} bukan angka"
            ) from None
        if negative:
            amount = -amount
    if amount < 0:
        raise BadValue(
            f"{what.en} {value!r} is negative", f"{what.id} {value!r} negatif (tidak boleh < 0)"
        )
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def whole_number(value: object, what: Text = VALUE) -> int | None:
    """Return a whole number >= 0 ("1.250" and "1,250" are 1250); BadValue naming `what`."""
    if is_blank(value):
        return None
    raw = str(value).strip()
    number: Decimal
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        number = Decimal(str(value))
    else:
        negative = raw.startswith("-")
        try:
            number = parse_number(raw.removeprefix("-").strip())
        except ValueError:
            raise BadValue(
                f"{what.en} {raw!r} is not a number", f"{what.id} {raw!r} bukan angka"
            ) from None
        number = -number if negative else number
    if not number.is_finite():
        raise BadValue(f"{what.en} {raw!r} is not a number", f"{what.id} {raw!r} bukan angka")
    if number < 0:
        raise BadValue(f"{what.en} {raw} is negative", f"{what.id} {raw} bernilai negatif")
    if number != number.to_integral_value():
        raise BadValue(
            f"{what.en} {raw} is not a whole number", f"{what.id} {raw} bukan bilangan bulat"
        )
    return int(number)


def number(value: object, what: Text = VALUE) -> float | None:
    """Return a decimal number as written, point or comma ("-6,91", "109.7615"), without
    thousands separators (a coordinate); BadValue naming `what`."""
    if is_blank(value):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raw = str(value).strip()
    try:
        return float(raw.replace(" ", "").replace(",", "."))
    except ValueError:
        raise BadValue(
            f"{what.en} {raw!r} is not a number", f"{what.id} {raw!r} bukan angka"
        ) from None
