"""Words and numbers in one place: the id/en texts (texts.py) and their formatting (format.py).

Imports nothing from the web framework or the services, so every layer may use it.
"""

from app.l10n.format import (
    day,
    metres,
    number,
    percent,
    percent_value,
    rupiah,
    rupiah_short,
    square_metres,
)
from app.l10n.texts import (
    LANGS,
    TEXTS,
    Lang,
    Notice,
    Text,
    both,
    in_both,
    same,
    t,
    table,
    texts_of,
)

__all__ = [
    "LANGS",
    "TEXTS",
    "Lang",
    "Notice",
    "Text",
    "both",
    "day",
    "in_both",
    "metres",
    "number",
    "percent",
    "percent_value",
    "rupiah",
    "rupiah_short",
    "same",
    "square_metres",
    "t",
    "table",
    "texts_of",
]
