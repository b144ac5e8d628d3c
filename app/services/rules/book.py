"""A rule set read into memory: KBLI -> activity, ITBX by zone, intensity, overlay rules.

Rule sets never change once loaded (a new load is a new rule set), so a RuleBook is cached in
a small LRU (`RuleBooks`) keyed by rule-set id, version and checksum, and shared by every request:
the API keeps one on `app.state`, every other caller (CLI, scripts) one per process.
"""

from __future__ import annotations

import difflib
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, text

from app.errors import UnknownActivity
from app.services.catalog.current import CURRENT_RULE_SET_ID_SQL, REGION_RULE_SET_ID_SQL
from app.services.rules.kbli import MATCHES, SUGGESTION, Hit, kbli_2020, words

STRICTNESS = {"I": 0, "T": 1, "B": 2, "TB": 3, "X": 4}
# The activity a valid KBLI 2020 code stands for when the rules do not list it. No rule table
# has such an id, so no ITBX row matches and every zone answers `not_listed`.
_UNLISTED = "kbli:"
MAX_SUGGESTIONS = 5  # nearest codes a search answers when nothing matches


def unlisted_activity(code: str) -> str:
    """Return the activity id that stands for a KBLI code the rules do not list."""
    return _UNLISTED + code


def unlisted_code(activity: str | None) -> str | None:
    """Return the KBLI code of an `unlisted_activity` id, or None for any other id."""
    if activity is not None and activity.startswith(_UNLISTED):
        return activity.removeprefix(_UNLISTED)
    return None


def _name_key(name: str) -> str:
    """Return a sub-activity name as project_types.csv matches it (case and spaces ignored)."""
    return " ".join(name.casefold().split())


def _valid(row: dict[str, Any], on: date) -> bool:
    start, end = row.get("valid_from"), row.get("valid_to")
    return (start is None or start <= on) and (end is None or on <= end)


def _in_class(row: dict[str, Any], area: float | None) -> bool:
    low, high = row.get("min_area_m2"), row.get("max_area_m2")
    if low is None and high is None:
        return True
    if area is None:
        return False
    whole = math.floor(area)
    return (low is None or whole >= low) and (high is None or whole <= high)


@dataclass
class RuleBook:
    """Every table of one rule set, indexed for the check."""

    id: int
    version: int
    zones: dict[str, dict[str, Any]]
    aliases: dict[str, str]
    activities: dict[str, dict[str, Any]]
    kbli: dict[str, str]
    sources: dict[str, dict[str, Any]]
    itbx: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    intensity: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    overlays: list[dict[str, Any]] = field(default_factory=list)
    routes: list[dict[str, Any]] = field(default_factory=list)  # routes.csv (may be empty)
    # project_types.csv (may be empty): a budget sub-activity (code and/or name) -> activity
    project_types: list[dict[str, Any]] = field(default_factory=list)
    # raster_rules.csv (may be empty): thresholds on the region's rasters
    raster_rules: list[dict[str, Any]] = field(default_factory=list)

    def project_activity(self, code: str | None, name: str | None) -> str | None:
        """Return the activity project_types.csv maps a sub-activity to (code first), or None.

        Names match ignoring case and repeated spaces.
        """
        index: tuple[dict[str, str], dict[str, str]] | None = getattr(self, "_types_index", None)
        if index is None:
            index = ({}, {})
            for row in self.project_types:
                if row.get("sub_activity_code"):
                    index[0].setdefault(row["sub_activity_code"], row["activity_id"])
                if row.get("sub_activity"):
                    index[1].setdefault(_name_key(row["sub_activity"]), row["activity_id"])
            object.__setattr__(self, "_types_index", index)
        if code and code.strip() in index[0]:
            return index[0][code.strip()]
        if name:
            return index[1].get(_name_key(name))
        return None

    def kbli_codes(self, activity: str) -> list[str]:
        """Return the sorted KBLI codes that map to an activity (indexed on first use)."""
        index: dict[str, list[str]] | None = getattr(self, "_kbli_index", None)
        if index is None:
            index = {}
            for code, act in sorted(self.kbli.items()):
                index.setdefault(act, []).append(code)
            object.__setattr__(self, "_kbli_index", index)
        return list(index.get(activity, ()))

    def zone_code(self, code: str | None) -> str | None:
        """Return the national sub-zone code of a layer's code (local codes via aliases)."""
        if code is None:
            return None
        return self.aliases.get(code, code)

    def itbx_for(
        self, activity: str, zone: str, on: date, layer: str | None = None
    ) -> dict[str, Any] | None:
        """Return the ITBX row in force on `on` for the activity in the zone, or None.

        A row for the zone's zoning `layer` (an RDTR's own matrix) wins over a layer-less row.
        """
        fallback = None
        for row in self.itbx.get((activity, zone), ()):
            if not _valid(row, on):
                continue
            scope = row.get("layer")
            if scope is None and fallback is None:
                fallback = row
            elif scope is not None and scope == layer:
                return row
        return fallback

    def intensity_for(
        self, zone: str, on: date, area: float | None = None
    ) -> dict[str, Any] | None:
        """Return the intensity row in force on `on` for the zone and parcel area, or None.

        A row with `min_area_m2`/`max_area_m2` applies to parcels of that area class (bounds
        inclusive, the area taken in whole m² so a 100.4 m² parcel is in a 40-100 class);
        a row without them to every parcel. A point (no area) only gets a row without a class.
        """
        for row in self.intensity.get(zone, ()):
            if _valid(row, on) and _in_class(row, area):
                return row
        return None

    def overlay_rules_for(
        self, layer: str, cls: str | None, activity: str | None, on: date
    ) -> list[dict[str, Any]]:
        """Return the overlay rules in force for a hit on (layer, class) and the activity."""
        sector = self.activities.get(activity or "", {}).get("sector")
        out = []
        for rule in self.overlays:
            if rule["layer"] != layer or rule["class"] != cls or not _valid(rule, on):
                continue
            if activity is None or (
                "*" in rule["activities"]
                or activity in rule["activities"]
                or (sector is not None and sector in rule["sectors"])
            ):
                out.append(rule)
        return out

    def raster_rules_for(self, raster: str, activity: str | None, on: date) -> list[dict[str, Any]]:
        """Return the raster rules in force on `raster` for the activity (every rule when the
        check names no activity: the findings are reported, no letter is changed)."""
        sector = self.activities.get(activity or "", {}).get("sector")
        return [
            rule
            for rule in self.raster_rules
            if rule["raster"] == raster
            and _valid(rule, on)
            and (
                activity is None
                or "*" in rule["activities"]
                or activity in rule["activities"]
                or (sector is not None and sector in rule["sectors"])
            )
        ]

    def route_for(self, all_rdtr_oss: bool, on: date) -> dict[str, Any] | None:
        """Return the routes.csv row in force on `on` for the case, or None without one.

        The `all_rdtr_oss` row applies when every zoned part lies in an OSS-integrated RDTR;
        the `otherwise` row in every other case (and when no `all_rdtr_oss` row is in force).
        """
        rows = [r for r in self.routes if _valid(r, on)]
        wanted = ("all_rdtr_oss", "otherwise") if all_rdtr_oss else ("otherwise",)
        for when in wanted:
            for row in rows:
                if row["applies_when"] == when:
                    return row
        return None

    def resolve_activity(self, kbli: str | None, activity: str | None) -> str | None:
        """Return the activity id for a KBLI code or id; UnknownActivity with suggestions.

        A valid KBLI 2020 code the rules do not list resolves to `unlisted_activity(code)`: no
        ITBX row matches it, so every zone answers `not_listed`.
        """
        if kbli is not None:
            code = kbli.strip()
            if not (len(code) == 5 and code.isdigit()):
                raise UnknownActivity(
                    f"KBLI {kbli!r} is malformed: KBLI 2020 codes have five digits, e.g. 10631",
                    message_id=f"Kode KBLI {kbli!r} tidak sah: kode KBLI 2020 terdiri atas "
                    "lima angka, misalnya 10631",
                    suggestions=self.closest_kbli(code),
                )
            if code in self.kbli:
                found = self.kbli[code]
                if activity is not None and activity != found:
                    raise UnknownActivity(
                        f"KBLI {code} is activity {found!r}, not {activity!r}; give one of the two",
                        message_id=f"KBLI {code} adalah kegiatan {found!r}, bukan {activity!r}; "
                        "isi salah satu saja",
                    )
                return found
            if not kbli_2020().is_five_digit(code):
                nearest = self.closest_kbli(code)
                closest = ", ".join(s["kbli"] for s in nearest)
                raise UnknownActivity(
                    f"KBLI {code} is not a KBLI 2020 code; closest codes: " + closest,
                    message_id=f"Kode KBLI {code} tidak dikenal dalam KBLI 2020"
                    + (f"; maksud Anda {closest}?" if closest else ""),
                    suggestions=nearest,
                )
            if activity is not None:
                raise UnknownActivity(
                    f"KBLI {code} is not listed in the rules of this region, so it is not "
                    f"activity {activity!r}; give one of the two",
                    message_id=f"KBLI {code} tidak tercantum dalam aturan zonasi wilayah ini, "
                    f"jadi bukan kegiatan {activity!r}; isi salah satu saja",
                )
            return unlisted_activity(code)
        if activity is not None:
            if activity not in self.activities:
                raise self._unknown_activity(activity)
            return activity
        return None

    def _unknown_activity(self, activity: str) -> UnknownActivity:
        """Return the error for an activity id the rules do not have, with the nearest ones."""
        near = self.suggest_activities(activity)
        en = ", ".join(f"{s['activity']} ({s['name_en'] or s['name']})" for s in near)
        id_ = ", ".join(f"{s['activity']} ({s['name']})" for s in near)
        return UnknownActivity(
            f"unknown activity id {activity!r}" + (f"; did you mean {en}?" if near else ""),
            message_id=f"Kode kegiatan {activity!r} tidak dikenal"
            + (f"; maksud Anda {id_}?" if near else ""),
            suggestions=near,
        )

    def suggest_activities(self, text: str, n: int = 5) -> list[dict[str, Any]]:
        """Return up to `n` listed activities nearest to `text` (id, names, KBLI codes).

        The activity search decides (so `hotel` suggests hotel_bintang and hotel_melati); an
        id that only looks like another id (`minimarkt`) falls back on difflib.
        """
        ids: list[str] = []
        for hit in self._ranked(text):
            aid = self.kbli.get(hit.code)
            if aid is not None and aid not in ids:
                ids.append(aid)
        if not ids:
            ids = difflib.get_close_matches(text, list(self.activities), n=n)
        return [
            {
                "activity": aid,
                "name": self.activities[aid]["name"],
                "name_en": self.activities[aid].get("name_en"),
                "kbli": self.kbli_codes(aid),
            }
            for aid in ids[:n]
        ]

    def closest_kbli(self, code: str, n: int = 5) -> list[dict[str, Any]]:
        """Return the KBLI 2020 codes nearest to `code` (by prefix and value, or by title)."""
        out = []
        for k in kbli_2020().closest(code, n):
            aid = self.kbli.get(k)
            out.append(
                {
                    "kbli": k,
                    "title": kbli_2020().title(k),
                    "title_en": self._title_en(k),
                    "listed": aid is not None,
                    "activity": aid,
                    "name": self.activities[aid]["name"] if aid else kbli_2020().title(k),
                }
            )
        return out

    def describe(self, activity: str, code: str | None = None) -> dict[str, Any] | None:
        """Return the `activity` block of an answer: a listed activity or an unlisted KBLI code.

        `code` is the KBLI code asked about (default: the unlisted one, or none for an id).
        `title_en` and `category_title_en` are English where a name is known (the rules'
        name_en, the ISIC names of the categories), else the title in sentence case.
        """
        kbli = kbli_2020()
        unlisted = unlisted_code(activity)
        if unlisted is not None:
            code = unlisted
        act = self.activities.get(activity)
        if act is None and unlisted is None:
            return None
        category = kbli.category(code) if code else None
        return {
            "id": activity if act else None,
            "name": act["name"] if act else kbli.title(unlisted or "") or unlisted,
            "name_en": act["name_en"] if act else None,
            "sector": act["sector"] if act else None,
            "kbli": self.kbli_codes(activity) if act else [unlisted],
            "listed": act is not None,
            "code": code,
            "title": kbli.title(code) if code else None,
            "title_en": self._title_en(code) if code else None,
            "category": category.code if category else None,
            "category_title": category.title if category else None,
            "category_title_en": kbli.title_en(category.code) if category else None,
            "match": None,
        }

    def _title_en(self, code: str) -> str | None:
        """Return a KBLI code's English title: its listed activity's name_en, else KBLI's."""
        act = self.activities.get(self.kbli.get(code, ""))
        return (act.get("name_en") if act else None) or kbli_2020().title_en(code)

    def search(self, q: str | None, limit: int = 20) -> list[dict[str, Any]]:
        """Return KBLI 2020 codes matching `q` (a code prefix or words), best first.

        Each says whether this rule set lists it (`listed`, and then its activity `id`) and how
        it matched (`match`): the listed codes first, then whole words, prefixes, typos. Words
        match the KBLI title, the listed activity's names (id/en) and the synonyms table. When
        nothing matches: up to 5 nearest codes, each `match: suggestion`. No `q`: the codes the
        rules list (`match` null).
        """
        if not (q or "").strip():
            codes: list[tuple[str, str | None]] = [(c, None) for c in sorted(self.kbli)[:limit]]
        else:
            hits = self._ranked(q or "")
            if hits and hits[0].match == SUGGESTION:
                hits = hits[: min(limit, MAX_SUGGESTIONS)]
            codes = [(h.code, h.match) for h in hits[:limit]]
        out = []
        for code, match in codes:
            aid = self.kbli.get(code)
            block = self.describe(aid if aid else unlisted_activity(code), code)
            if block is not None:
                block["match"] = match
                out.append(block)
        return out

    def _ranked(self, q: str) -> list[Hit]:
        """Return every search hit for `q`, the listed codes first; else the suggestions.

        Suggestions for words also put the listed codes first, one code per activity; for a
        number they stay in order of nearness.
        """
        kbli = kbli_2020()
        hits = kbli.search(q, self._extra())
        if hits:
            return sorted(
                hits,
                key=lambda h: (h.code not in self.kbli, MATCHES.index(h.match), -h.score, h.code),
            )
        near = kbli.suggest(q, self._extra(), limit=None)
        if not any(not w.isdigit() for w in words(q)):
            return near
        near.sort(key=lambda h: h.code not in self.kbli)  # stable: nearest first within each
        out, seen = [], set()
        for h in near:
            aid = self.kbli.get(h.code)
            if aid is None or aid not in seen:
                out.append(h)
                seen.add(aid)
        return out

    def _extra(self) -> dict[str, dict[str, str]]:
        """Return the text the rules add to each listed code: id and name, name_en, sector."""
        extra: dict[str, dict[str, str]] | None = getattr(self, "_extra_text", None)
        if extra is None:
            extra = {
                code: {
                    "id": f"{aid.replace('_', ' ')} {act['name']}",
                    "en": act.get("name_en") or "",
                    "sector": act.get("sector") or "",
                }
                for code, aid in self.kbli.items()
                if (act := self.activities.get(aid)) is not None
            }
            object.__setattr__(self, "_extra_text", extra)
        return extra


def _rows(conn: Connection, table: str, rid: int) -> list[dict[str, Any]]:
    # `table` is one of the fixed names below, never user input.
    result = conn.execute(text(f"SELECT * FROM {table} WHERE rule_set_id = :r"), {"r": rid})
    return [dict(r._mapping) for r in result]


def read_rulebook(conn: Connection, rule_set_id: int) -> RuleBook:
    """Return the RuleBook of a rule set read from the database (no cache)."""
    version = conn.execute(
        text("SELECT version FROM rule_set WHERE id = :r"), {"r": rule_set_id}
    ).scalar_one()
    book = RuleBook(
        id=rule_set_id,
        version=version,
        zones={r["code"]: r for r in _rows(conn, "zone_class", rule_set_id)},
        aliases={r["local_code"]: r["code"] for r in _rows(conn, "zone_alias", rule_set_id)},
        activities={r["id"]: r for r in _rows(conn, "activity", rule_set_id)},
        kbli={r["kbli"]: r["activity_id"] for r in _rows(conn, "activity_kbli", rule_set_id)},
        sources={r["id"]: r for r in _rows(conn, "legal_source", rule_set_id)},
    )
    for r in _rows(conn, "itbx_rule", rule_set_id):
        book.itbx.setdefault((r["activity_id"], r["zone_code"]), []).append(r)
    for r in _rows(conn, "intensity_rule", rule_set_id):
        book.intensity.setdefault(r["zone_code"], []).append(r)
    book.overlays = _rows(conn, "overlay_rule", rule_set_id)
    book.routes = _rows(conn, "route_rule", rule_set_id)
    book.project_types = _rows(conn, "project_type", rule_set_id)
    book.raster_rules = _rows(conn, "raster_rule", rule_set_id)
    return book


# A rule set as the cache knows it: id, version and checksum. A rule set dropped and loaded
# again (or another database) may reuse an id, but not with the same checksum and version.
RuleSetKey = tuple[int, int, str]

# The rule set a check reads, as one JSON array [id, version, checksum] (or NULL).
CURRENT_RULE_SET_KEY_SQL = (
    "SELECT json_build_array(r.id, r.version, r.checksum) FROM rule_set r "
    f"WHERE r.id = ({CURRENT_RULE_SET_ID_SQL})"
)
# The same for the current rule set of region :region (a check reads its region's rules).
REGION_RULE_SET_KEY_SQL = (
    "SELECT json_build_array(r.id, r.version, r.checksum) FROM rule_set r "
    f"WHERE r.id = ({REGION_RULE_SET_ID_SQL})"
)


class RuleBooks:
    """A thread-safe LRU of RuleBooks keyed by (rule-set id, version, checksum)."""

    def __init__(self, size: int = 4) -> None:
        self.size = size
        self._books: OrderedDict[RuleSetKey, RuleBook] = OrderedDict()
        self._lock = threading.Lock()

    def cached(self) -> list[RuleSetKey]:
        """Return the cached keys, least recently used first."""
        with self._lock:
            return list(self._books)

    def get(self, conn: Connection, key: RuleSetKey | list[Any]) -> RuleBook:
        """Return the RuleBook of the rule set `key`, read through `conn` on a miss."""
        k: RuleSetKey = (int(key[0]), int(key[1]), str(key[2]))
        with self._lock:
            book = self._books.get(k)
            if book is not None:
                self._books.move_to_end(k)
                return book
        book = read_rulebook(conn, k[0])  # outside the lock: two misses may both read; harmless
        with self._lock:
            self._books[k] = book
            self._books.move_to_end(k)
            while len(self._books) > self.size:
                self._books.popitem(last=False)
        return book

    def current(self, conn: Connection, region: str | None = None) -> RuleBook | None:
        """Return the RuleBook of the newest rule set (of `region`), None when none is loaded."""
        if region is None:
            key = conn.execute(text(CURRENT_RULE_SET_KEY_SQL)).scalar()
        else:
            key = conn.execute(text(REGION_RULE_SET_KEY_SQL), {"region": region}).scalar()
        return self.get(conn, key) if key is not None else None

    def clear(self) -> None:
        """Forget every cached RuleBook."""
        with self._lock:
            self._books.clear()


_PROCESS_BOOKS = RuleBooks()


def process_rulebooks() -> RuleBooks:
    """Return this process's RuleBooks (the CLI's and scripts'; the API keeps its own)."""
    return _PROCESS_BOOKS


def current_rulebook(conn: Connection, books: RuleBooks | None = None) -> RuleBook | None:
    """Return the RuleBook of the newest rule set, or None when no rules are loaded."""
    return (_PROCESS_BOOKS if books is None else books).current(conn)
