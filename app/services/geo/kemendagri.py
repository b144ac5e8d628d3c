"""Kemendagri region codes: 33 (provinsi) > 33.25 (kabupaten) > 33.25.01 (kecamatan) > desa."""

import re

LEVEL_NAMES = {1: "provinsi", 2: "kabupaten", 3: "kecamatan", 4: "desa"}
_DOTTED = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")
_DIGIT_LENGTHS = {2: (2,), 4: (2, 2), 6: (2, 2, 2), 10: (2, 2, 2, 4)}


def normalize_code(raw: object) -> str | None:
    """Return the dotted Kemendagri code for `raw` ("3325012001" -> "33.25.01.2001"), or None."""
    if raw is None:
        return None
    text = str(raw).strip()
    if text.endswith(".0") and text[:-2].isdigit():  # a code read as a float by a driver
        text = text[:-2]
    if _DOTTED.match(text):
        return text
    if text.isdigit() and len(text) in _DIGIT_LENGTHS:
        parts, pos = [], 0
        for width in _DIGIT_LENGTHS[len(text)]:
            parts.append(text[pos : pos + width])
            pos += width
        return ".".join(parts)
    return None


def level_of(code: str) -> int:
    """Return the level of a dotted code: 1 provinsi, 2 kabupaten, 3 kecamatan, 4 desa."""
    return code.count(".") + 1


def parent_of(code: str) -> str | None:
    """Return the code one level up, or None for a province."""
    return code.rsplit(".", 1)[0] if "." in code else None


def ancestors(code: str) -> list[str]:
    """Return the codes above `code`, nearest first (33.25.01.2001 -> 33.25.01, 33.25, 33)."""
    out: list[str] = []
    parent = parent_of(code)
    while parent:
        out.append(parent)
        parent = parent_of(parent)
    return out


def is_kelurahan(code: str) -> bool:
    """Return True for a kelurahan code (4th segment starts with 1), False for a desa (2)."""
    return level_of(code) == 4 and code.rsplit(".", 1)[1].startswith("1")
