"""Attributes an RDTR database writes on each zoning polygon (Permen ATR/BPN 14/2021).

Per-polygon intensity (`KDB`, `KLB`, `KDH`, `KTB`, height, floors, GSB) and the overlays kept
as attributes (`KKOP_1`, `LP2B_2`, `KRB_03`, `TOD_04`, `TEB_05`, `CAGBUD`, ...). Field names
match case-insensitively and with a numeric suffix (`KDB_1`, `KRB_03`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from functools import lru_cache
from typing import Any

import shapely

from app.services.rules.book import RuleBook

_SUFFIX = re.compile(r"_\d{1,2}$")

# Envelope key -> (kind of value, recognised field names, most usual first).
INTENSITY_FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "kdb_max_pct": ("percent", ("KDB", "KDB_MAX", "KDBMAX")),
    "klb_max": ("ratio", ("KLB", "KLB_MAX", "KLBMAX")),
    "kdh_min_pct": ("percent", ("KDH", "KDH_MIN", "KDHMIN")),
    "ktb_max_pct": ("percent", ("KTB", "KTB_MAX", "KTBMAX")),
    "height_max_m": (
        "metres",
        ("TB", "TBG", "KB", "TLB", "TINGGI", "TINGGI_MAX", "TINGGI_BGN", "HEIGHT"),
    ),
    "floors_max": (
        "floors",
        ("JLB", "JML_LANTAI", "JUMLAH_LANTAI", "LANTAI_MAX", "MAKS_LANTAI", "LANTAI"),
    ),
    "gsb_m": ("metres", ("GSB", "GSB_MIN")),
}

# Overlay attributes of the pola ruang table (base names; `KKOP_1` is KKOP, `KRB_03` KRB).
OVERLAY_ATTRIBUTES = (
    "KKOP",  # kawasan keselamatan operasi penerbangan
    "LP2B",  # lahan pertanian pangan berkelanjutan
    "KP2B",  # kawasan pertanian pangan berkelanjutan (RTRW)
    "KRB",  # kawasan rawan bencana
    "TOD",  # transit oriented development
    "TEB",  # tempat evakuasi bencana
    "CAGBUD",  # cagar budaya
    "RESAIR",  # resapan air
    "KSMPDN",  # sempadan
    "HANKAM",  # pertahanan dan keamanan
    "KKARST",  # kawasan bentang alam karst
    "PUSLIT",  # pusat penelitian
    "PTBGMB",  # pertambangan mineral dan batubara
    "MGRSAT",  # migrasi satwa
    "RDBUMI",  # rawan bencana geologi / kebumian
)

# The source fields the check reads from a zoning polygon's props (any case, optional _N
# suffix): the SQL that fetches the parts sends only these, not every source attribute.
ATTRIBUTE_KEYS_RE = (
    "^("
    + "|".join(
        sorted(
            {n for _, names in INTENSITY_FIELDS.values() for n in names} | set(OVERLAY_ATTRIBUTES)
        )
    )
    + ")(_[0-9]{1,2})?$"
)

# Values that mean "no overlay here".
NONE_VALUES = frozenset(
    {"", "-", "--", "tidak ada", "tidak", "none", "null", "nan", "n/a", "na", "tdk ada"}
)

_NUMBER = r"(\d+(?:[.,]\d+)?)"
_PATTERNS = {
    "percent": re.compile(rf"^{_NUMBER}\s*(%|persen)?$", re.IGNORECASE),
    "ratio": re.compile(rf"^{_NUMBER}()$"),
    "metres": re.compile(rf"^{_NUMBER}\s*(m|meter|metres?)?$", re.IGNORECASE),
    "floors": re.compile(rf"^{_NUMBER}\s*(lantai|lt\.?|lapis)?$", re.IGNORECASE),
}


def base_name(field: str) -> str:
    """Return a field name upper-cased without its numeric suffix (`KKOP_1` -> `KKOP`)."""
    return _SUFFIX.sub("", field.strip().upper())


def is_none(value: Any) -> bool:
    """Return True for a value that means "none" ("Tidak Ada", "None", "-", empty, null)."""
    if value is None:
        return True
    if isinstance(value, float) and value != value:  # NaN
        return True
    return str(value).strip().lower() in NONE_VALUES


def parse_value(value: Any, kind: str) -> float | int | str | None:
    """Return a per-polygon intensity value as a number, the text when it is not one, or None.

    Percent fields: "60 %", "60%", "60" and "0,6" are all 60 (a plain number up to 1 is a
    fraction). KLB is a ratio ("1,2" = 1.2); heights and GSB take an optional "m", floors an
    optional "lantai". Anything else (e.g. "Maks. 4 lantai", a negative or over-100 % value)
    comes back as the stripped text.
    """
    if is_none(value) or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number, text, has_unit = float(value), str(value), False
    else:
        text = str(value).strip()
        match = _PATTERNS[kind].match(text)
        if match is None:
            return text
        number = float(match.group(1).replace(",", "."))
        has_unit = bool(match.group(2))
    if number < 0:
        return text
    if kind == "percent":
        if not has_unit and number <= 1:
            number *= 100
        if number > 100:
            return text
        return round(number, 6)
    if kind == "floors":
        return int(number) if number == int(number) else text
    return number


def find_fields(props: Mapping[str, Any], names: Iterable[str]) -> list[str]:
    """Return the keys of `props` whose base name is one of `names`, exact names first."""
    return list(_matching(tuple(props), tuple(names)))


@lru_cache(maxsize=1024)  # a layer's features share their keys: match each key set once
def _matching(keys: tuple[str, ...], wanted: tuple[str, ...]) -> tuple[str, ...]:
    exact = [k for k in keys if k.strip().upper() in wanted]
    suffixed = [k for k in keys if k not in exact and base_name(k) in wanted]
    return tuple(exact + sorted(suffixed))


@lru_cache(maxsize=256)  # a layer's features share their keys: match each key set once
def _intensity_fields(keys: tuple[str, ...]) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """Return (envelope key, value kind, candidate fields) for the intensity fields present."""
    out = []
    for key, (kind, names) in INTENSITY_FIELDS.items():
        candidates = _matching(keys, tuple(names))
        if candidates:
            out.append((key, kind, candidates))
    return tuple(out)


def polygon_intensity(
    props: Mapping[str, Any] | None,
) -> tuple[dict[str, float | int | str], dict[str, str]]:
    """Return the per-polygon intensity {envelope key: value} and {envelope key: source field}.

    A value that is not a number is kept as its text (the caller warns); empty values and
    "Tidak Ada" are absent.
    """
    values: dict[str, float | int | str] = {}
    fields: dict[str, str] = {}
    if not props:
        return values, fields
    for key, kind, candidates in _intensity_fields(tuple(props)):
        for field in candidates:
            value = parse_value(props[field], kind)
            if value is not None:
                values[key] = value
                fields[key] = field
                break
    return values, fields


def intensity_signature(props: Mapping[str, Any] | None) -> tuple[Any, ...]:
    """Return what tells zoning polygons of one code with different intensity apart."""
    values, _ = polygon_intensity(props)
    return tuple(sorted((k, str(v)) for k, v in values.items()))


def overlay_attributes(props: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """Return a zoning polygon's overlay attributes as (field, value), "none" values left out."""
    if not props:
        return []
    out = []
    for field in find_fields(props, OVERLAY_ATTRIBUTES):
        value = props[field]
        if not is_none(value):
            out.append((field, str(value).strip()))
    return out


def overlay_rules(
    book: RuleBook | None, hit: Mapping[str, Any], activity: str | None, on: date
) -> list[dict[str, Any]]:
    """Return the overlay rules for an overlay hit: a layer's class or a zoning attribute's value.

    An attribute hit (layer `pola_ruang`, attribute `KKOP_1`, value `v`) is matched by rules
    whose `layer` is `pola_ruang.KKOP_1`, `pola_ruang.KKOP`, `*.KKOP_1` or `*.KKOP` and whose
    `class` is `v` or `*` (any value other than "none").
    """
    if book is None:
        return []
    attribute = hit.get("attribute")
    if not attribute:
        return book.overlay_rules_for(hit["layer"], hit["code"], activity, on)
    names = {attribute.upper(), base_name(attribute)}
    layers = [f"{hit['layer']}.{n}" for n in sorted(names)] + [f"*.{n}" for n in sorted(names)]
    found: dict[int, dict[str, Any]] = {}
    for layer in layers:
        for cls in (hit["code"], "*"):
            for rule in book.overlay_rules_for(layer, cls, activity, on):
                found.setdefault(id(rule), rule)
    return list(found.values())


def attribute_overlays(
    zones: list[dict[str, Any]], is_point: bool, total: float, sliver: float
) -> list[dict[str, Any]]:
    """Return overlay hits for the overlay attributes of the zoning polygons under a parcel.

    One hit per (layer, attribute, value), like an overlay layer's class: its geometry is the
    part of the zones whose polygons carry that value, its share that part over the parcel.
    """
    groups: dict[tuple[str, int, str, str], list[Any]] = {}
    for z in zones:
        for item in z.get("_items", ()):
            for field, value in overlay_attributes(item.get("props")):
                key = (z["layer"], z["layer_version"], field, value)
                groups.setdefault(key, []).append((z, item.get("part")))
    out = []
    for (layer, version, field, value), hits in groups.items():
        geom = None
        area = None
        if not is_point:
            pieces = [
                shapely.intersection(part, z["_geom"])
                for z, part in hits
                if part is not None and z.get("_geom") is not None
            ]
            geom = shapely.union_all(pieces) if pieces else shapely.Polygon()
            area = float(geom.area)
            if area < sliver:
                continue
        out.append(
            {
                "layer": layer,
                "layer_version": version,
                "attribute": field,
                "code": value,
                "name": None,
                "area_m2": area,
                "share": 1.0 if is_point else (area or 0.0) / total,
                "_geom": geom,
                "_level": None,
            }
        )
    return out
