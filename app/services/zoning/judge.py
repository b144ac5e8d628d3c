"""The one judge: a zone's ITBX letter, what overlay and raster rules make of it, the verdict.

Every surface that says "permitted" or "not permitted" (the check and its renderers, the batch,
the budget flags) gets the letter from here:

- the ITBX matrix gives a zone its letter for an activity (`matrix_letter`); an activity the
  matrix does not list is `not_listed`, never permitted;
- an overlay or raster rule sets a letter on the part of the parcel it covers: `prohibit`
  means X whatever the rule's `itbx` column says, `restrict` its letter, `note` none
  (`rule_letter`);
- a rule's letter replaces the zone's only when it is stricter, in the order
  I < T < B < TB < X (`STRICTNESS`); a `not_listed` zone only becomes X (`overrides`);
- each zone's part is cut by the rules strictest first, so every place of the parcel has one
  outcome and the outcomes' areas add up to the zone's area (`cut_by_rules`);
- the verdict is the one outcome holding the part of the parcel inside the planning area, or
  `mixed` when two or more outcomes each hold a rounded share above 0 (`verdict_of`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from app.services.rules.book import RuleBook
from app.services.zoning.answer import Because
from app.services.zoning.numbers import apportion

STRICTNESS = {"I": 0, "T": 1, "B": 2, "TB": 3, "X": 4}
PROTECTED_CLASS = "lindung"  # zone_classes.csv class of protected sub-zones


def matrix_letter(
    book: RuleBook, activity: str, zone_code: str | None, layer: str | None, on: date
) -> tuple[str, Mapping[str, Any] | None]:
    """Return the ITBX letter of the activity in the zone on `on` (`not_listed` without a row),
    and the row."""
    row = book.itbx_for(activity, zone_code or "", on, layer)
    return (row["itbx"] if row else "not_listed"), row


def rule_letter(rule: Mapping[str, Any]) -> str | None:
    """Return the letter an overlay or raster rule sets: X for `prohibit` (whatever its `itbx`
    column says), its letter for `restrict`, None for a `note`."""
    if rule["effect"] == "prohibit":
        return "X"
    if rule["effect"] == "restrict":
        return rule.get("itbx") or None
    return None


def overrides(letter: str, own: str) -> bool:
    """Return whether a rule's `letter` replaces a zone's own answer `own` (strictly stricter;
    a zone where the activity is not listed only becomes X)."""
    if own == "not_listed":
        return letter == "X"
    return STRICTNESS[letter] > STRICTNESS[own]


def strictest_first(letters: Iterable[str]) -> list[str]:
    """Return the letters from the strictest (X) to the most lenient (I)."""
    return sorted(set(letters), key=lambda k: -STRICTNESS[k])


def is_protected_zone(book: RuleBook, zone_code: str | None) -> bool:
    """Return whether the national sub-zone is of the protected class (kawasan lindung)."""
    cls = book.zones.get(zone_code or "")
    return cls is not None and cls.get("class") == PROTECTED_CLASS


@dataclass
class Restriction:
    """A part of the parcel a rule makes stricter (the whole point when `geom` is None)."""

    letter: str
    geom: BaseGeometry | None
    because: Because


@dataclass
class Cut:
    """A zone part's outcomes: m² per outcome (adding up to the part's area) and the reasons."""

    areas: dict[str, float]
    because: list[Because]


def cut_by_rules(
    own: str,
    geom: BaseGeometry | None,
    area: float,
    restrictions: list[Restriction],
    sliver: float,
) -> Cut:
    """Return the outcomes of one zone part whose matrix answer is `own`.

    At a point (`geom` None) the strictest rule that overrides `own` decides. A part is cut
    by the union of each stricter letter's rules, strictest first; a piece under `sliver` m²
    stays with what it lies in (merged, not dropped), so the areas add up to `area` exactly.
    """
    applicable = [r for r in restrictions if overrides(r.letter, own)]
    if not applicable:
        return Cut({own: area}, [])
    if geom is None:
        top = strictest_first(r.letter for r in applicable)[0]
        return Cut({top: area}, _unique(r.because for r in applicable if r.letter == top))
    areas: dict[str, float] = {}
    because: list[Because] = []
    remaining = geom
    for letter in strictest_first(r.letter for r in applicable):
        mine = [r for r in applicable if r.letter == letter and r.geom is not None]
        if not mine or remaining.is_empty:
            continue
        union = shapely.union_all([r.geom for r in mine])
        piece = float(shapely.intersection(remaining, union).area)
        if piece < sliver:
            continue
        areas[letter] = piece
        because += [
            r.because
            for r in mine
            if float(shapely.intersection(geom, r.geom).area) >= sliver  # type: ignore[arg-type]
        ]
        remaining = shapely.difference(remaining, union)
    rest = area - sum(areas.values())
    if rest >= sliver or not areas:
        areas[own] = max(rest, 0.0)
    else:  # a sliver of the matrix letter: merged into the largest stricter piece
        largest = max(areas, key=lambda k: areas[k])
        areas[largest] += max(rest, 0.0)
    return Cut(areas, _unique(because))


def _unique(items: Iterable[Because]) -> list[Because]:
    seen: dict[tuple[Any, ...], Because] = {}
    for b in items:
        seen.setdefault(b.key(), b)
    return list(seen.values())


def verdict_of(
    outcome_areas: Mapping[str, float], shown: Iterable[str] | None = None
) -> tuple[str | None, dict[str, float]]:
    """Return the verdict and its shares from the m² of each outcome inside the planning area.

    Shares are the outcomes' areas over their sum, rounded to 4 decimals so that they add up
    to exactly 1 (largest remainder). `shown`: the outcomes the zone table shows (a rounded
    share above 0); only those count, and each keeps at least 0.0001, so the verdict never
    names an outcome the table leaves out nor leaves out one it shows. Without `shown`, the
    outcomes whose rounded share is 0 are left out. The verdict is the one outcome left, or
    `mixed` when two or more remain.
    """
    keep = None if shown is None else set(shown)
    items = [(k, v) for k, v in outcome_areas.items() if v > 0 and (keep is None or k in keep)]
    whole = sum(v for _, v in items)
    if not items or whole <= 0:
        return None, {}
    units = [round(s * 10_000) for s in apportion([v / whole for _, v in items], 1.0)]
    if keep is not None:  # an outcome the table shows holds at least one unit
        for i, u in enumerate(units):
            if u == 0:
                units[units.index(max(units))] -= 1
                units[i] = 1
    shares = {k: u / 10_000 for (k, _), u in zip(items, units, strict=True) if u > 0}
    shares = dict(sorted(shares.items(), key=lambda kv: (-kv[1], kv[0])))
    return (next(iter(shares)) if len(shares) == 1 else "mixed"), shares
