"""Zoning rules from a region pack's CSV tables: validate them all, then load a new rule set.

A rule set is versioned like a layer: loading creates version N+1 and makes it current in one
transaction; older rule sets stay and can still be cited. Nothing is written when any row fails.
"""

from __future__ import annotations

import csv
import hashlib
import re
import tomllib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from app.errors import RulesError

LETTERS = ("I", "T", "B", "X", "TB")
EFFECTS = ("prohibit", "restrict", "note")
CLASSES = ("lindung", "budidaya")
KBLI_RE = re.compile(r"^\d{5}$")
COLOUR_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")
LAYER_RE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
FILES = {
    "sources": "sources.csv",
    "zone_classes": "zone_classes.csv",
    "zone_aliases": "zone_aliases.csv",
    "activities": "activities.csv",
    "itbx": "itbx.csv",
    "intensity": "intensity.csv",
    "overlay_rules": "overlay_rules.csv",
    "routes": "routes.csv",
    "project_types": "project_types.csv",
    "raster_rules": "raster_rules.csv",
}
REQUIRED_FILES = ("zone_classes", "activities", "itbx")
COLUMNS = {
    "sources": ("id", "citation", "title", "valid_from", "valid_to", "url"),
    "zone_classes": ("code", "name", "name_en", "class", "zone_code", "zone_name", "colour"),
    "zone_aliases": ("local_code", "code"),
    "activities": ("id", "name", "name_en", "sector", "kbli"),
    "itbx": (
        "activity",
        "zone",
        "itbx",
        "conditions",
        "conditions_en",
        "source",
        "article",
        "valid_from",
        "valid_to",
        "layer",
    ),
    "intensity": (
        "zone",
        "kdb_max",
        "klb_max",
        "klb_min",
        "kdh_min",
        "ktb_max",
        "height_max_m",
        "floors_max",
        "gsb_m",
        "source",
        "article",
        "valid_from",
        "valid_to",
        "min_area_m2",
        "max_area_m2",
    ),
    "overlay_rules": (
        "layer",
        "class",
        "effect",
        "itbx",
        "activities",
        "sectors",
        "restriction",
        "restriction_en",
        "source",
        "article",
        "valid_from",
        "valid_to",
    ),
    "routes": (
        "route",
        "when",
        "reason",
        "reason_en",
        "source",
        "article",
        "valid_from",
        "valid_to",
    ),
    "project_types": ("sub_activity_code", "sub_activity", "activity"),
    "raster_rules": (
        "raster",
        "op",
        "value",
        "min_share",
        "effect",
        "itbx",
        "activities",
        "sectors",
        "finding",
        "finding_en",
        "source",
        "article",
        "valid_from",
        "valid_to",
    ),
}
REQUIRED_COLUMNS = {
    "sources": ("id", "citation"),
    "zone_classes": ("code", "name", "class"),
    "zone_aliases": ("local_code", "code"),
    "activities": ("id", "name", "kbli"),
    "itbx": ("activity", "zone", "itbx"),
    "intensity": ("zone",),
    "overlay_rules": ("layer", "class", "effect", "restriction"),
    "routes": ("route", "when", "reason"),
    "project_types": ("activity",),
    "raster_rules": ("raster", "op", "value", "effect", "finding"),
}
RASTER_OPS = (">", ">=", "<", "<=", "=")
# The permit routes (routes.csv) and the conditions a route row applies under: every zoned
# part in an OSS-integrated RDTR, or any other case.
ROUTES = ("KKKPR", "PKKPR")
ROUTE_CONDITIONS = ("all_rdtr_oss", "otherwise")
# A table's rows as read, each with where it stands ("itbx.csv:12"); the checks of a row's
# source id and zone code (they know sources.csv, zone_classes.csv and zone_aliases.csv).
Rows = list[tuple[str, dict[str, str]]]
CheckSource = Callable[[str, str], str | None]
ZoneOf = Callable[[str, str], str]


@dataclass
class RuleTables:
    """Validated rows of every table, ready to insert."""

    folder: Path
    checksum: str
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """Return the number of rows per table."""
        return {k: len(v) for k, v in self.rows.items()}


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.items.append(f"{where}: {message}")

    def raise_if_any(self, folder: Path) -> None:
        if self.items:
            shown = "\n  ".join(self.items[:25])
            more = f"\n  ... and {len(self.items) - 25} more" if len(self.items) > 25 else ""
            more_id = f"\n  ... dan {len(self.items) - 25} lagi" if len(self.items) > 25 else ""
            raise RulesError(
                f"rule tables in {folder} have {len(self.items)} problem(s); nothing was loaded:"
                f"\n  {shown}{more}",
                # the problems themselves are listed as the checks word them (English)
                message_id=f"Tabel aturan di {folder} memiliki {len(self.items)} masalah; tidak "
                f"ada yang dimuat. Rincian (bahasa Inggris):\n  {shown}{more_id}",
            )


def rules_folder(path: Path) -> Path:
    """Return the rules folder of a region pack (its [rules] dir, default rules/) or `path`."""
    if any((path / name).exists() for name in FILES.values()):
        return path
    manifest = path / "region.toml" if path.is_dir() else path
    if manifest.name == "region.toml" and manifest.exists():
        try:
            data = tomllib.loads(manifest.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise RulesError(
                f"{manifest}: not valid TOML: {exc}",
                message_id=f"{manifest}: bukan TOML yang valid: {exc}",
            ) from exc
        rules = data["rules"] if isinstance(data.get("rules"), dict) else {}
        return manifest.parent / str(rules.get("dir", "rules"))
    return path / "rules"


def _read(folder: Path, table: str, problems: _Problems) -> Rows:
    path = folder / FILES[table]
    if not path.exists():
        if table in REQUIRED_FILES:
            problems.add(FILES[table], "file missing")
        return []
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            header = [h.strip() for h in (reader.fieldnames or [])]
            missing = [c for c in REQUIRED_COLUMNS[table] if c not in header]
            if missing:
                problems.add(FILES[table], f"missing column(s) {', '.join(missing)}")
                return []
            unknown = [c for c in header if c not in COLUMNS[table]]
            if unknown:
                problems.add(FILES[table], f"unknown column(s) {', '.join(unknown)}")
            out = []
            for i, row in enumerate(reader, start=2):
                clean = {(k or "").strip(): (v or "").strip() for k, v in row.items() if k}
                if any(clean.values()):
                    out.append((f"{FILES[table]}:{i}", clean))
            return out
    except (UnicodeDecodeError, csv.Error) as exc:
        problems.add(FILES[table], f"cannot read: {exc}")
        return []


def _date(value: str, where: str, col: str, problems: _Problems) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.add(where, f"{col} {value!r} is not a date (YYYY-MM-DD)")
        return None


def _num(value: str, where: str, col: str, problems: _Problems, hi: float | None = None):
    if not value:
        return None
    try:
        number = float(value.replace(",", "."))
    except ValueError:
        problems.add(where, f"{col} {value!r} is not a number")
        return None
    if number < 0 or (hi is not None and number > hi):
        problems.add(where, f"{col} {value} is out of range 0..{hi if hi is not None else 'inf'}")
    return number


def _periods_overlap(rows: list[dict[str, Any]]) -> bool:
    spans = sorted((r["valid_from"] or date.min, r["valid_to"] or date.max) for r in rows)
    return any(b[0] <= a[1] for a, b in zip(spans, spans[1:], strict=False))


def _classes_overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Return True if two intensity rows' area classes share an area (bounds inclusive)."""
    a_lo, a_hi = a["min_area_m2"] or 0.0, a["max_area_m2"]
    b_lo, b_hi = b["min_area_m2"] or 0.0, b["max_area_m2"]
    return (a_hi is None or b_lo <= a_hi) and (b_hi is None or a_lo <= b_hi)


def _check_intensity_classes(rows: list[dict[str, Any]], problems: _Problems) -> None:
    """Add a problem for two rows of one zone whose periods and area classes both overlap."""
    by_zone: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_zone[row["zone_code"]].append(row)
    for zone, zone_rows in by_zone.items():
        for i, later in enumerate(zone_rows):
            for earlier in zone_rows[:i]:
                if _periods_overlap([earlier, later]) and _classes_overlap(earlier, later):
                    bounds = ("min_area_m2", "max_area_m2")
                    classed = any(r[k] is not None for r in (earlier, later) for k in bounds)
                    what = "area classes and validity periods" if classed else "validity periods"
                    problems.add(later["_where"], f"intensity of {zone}: {what} overlap")
                    break


def read_rules(path: Path) -> RuleTables:
    """Read and validate every rule table of a pack; raise RulesError listing all problems."""
    folder = rules_folder(path)
    if not folder.is_dir():
        raise RulesError(
            f"no rules folder at {folder}", message_id=f"Tidak ada folder aturan di {folder}"
        )
    problems = _Problems()
    raw = {t: _read(folder, t, problems) for t in FILES}
    out = RuleTables(folder=folder, checksum=_checksum(folder))
    sources = _sources(raw["sources"], problems)
    check_source = _source_check(bool(raw["sources"]), sources, problems)
    zones = _zones(raw["zone_classes"], problems)
    aliases = _aliases(raw["zone_aliases"], zones, problems)
    zone_of = _zone_check(zones, aliases, problems)
    activities, kbli_rows = _activities(raw["activities"], problems)
    itbx = _itbx(raw["itbx"], activities, zone_of, check_source, problems)
    intensity = _intensity(raw["intensity"], zone_of, check_source, problems)
    overlays = _overlay_rules(raw["overlay_rules"], activities, check_source, problems)
    routes = _routes(raw["routes"], check_source, problems)
    project_types = _project_types(raw["project_types"], activities, problems)
    raster_rules = _raster_rules(raw["raster_rules"], activities, check_source, problems)

    problems.raise_if_any(folder)
    for rows in (itbx, intensity):
        for row in rows:
            row.pop("_where", None)
    out.rows = {
        "legal_source": list(sources.values()),
        "zone_class": list(zones.values()),
        "zone_alias": [{"local_code": k, "code": v} for k, v in aliases.items()],
        "activity": list(activities.values()),
        "activity_kbli": [{"kbli": k, "activity_id": v} for k, v in kbli_rows.items()],
        "itbx_rule": itbx,
        "intensity_rule": intensity,
        "overlay_rule": overlays,
        "route_rule": routes,
        "project_type": project_types,
        "raster_rule": raster_rules,
    }
    return out


def _checksum(folder: Path) -> str:
    """Return the SHA-256 of the pack's rule files that exist, in FILES order."""
    digest = hashlib.sha256()
    for name in FILES.values():
        p = folder / name
        if p.exists():
            digest.update(p.read_bytes())
    return digest.hexdigest()


def _source_check(
    listed: bool, sources: dict[str, dict[str, Any]], problems: _Problems
) -> CheckSource:
    """Return the check of a row's source id: one sources.csv does not list is a problem
    (when the pack has a sources.csv)."""

    def check_source(where: str, sid: str) -> str | None:
        if not sid:
            return None
        if listed and sid not in sources:
            problems.add(where, f"unknown source {sid!r} (not in sources.csv)")
        return sid

    return check_source


def _aliases(raw: Rows, zones: dict[str, Any], problems: _Problems) -> dict[str, str]:
    """Return zone_aliases.csv as {local code: zone_class code}."""
    aliases: dict[str, str] = {}
    for where, r in raw:
        if r["code"] not in zones:
            problems.add(where, f"unknown zone code {r['code']!r} (not in zone_classes.csv)")
        aliases[r["local_code"]] = r["code"]
    return aliases


def _zone_check(zones: dict[str, Any], aliases: dict[str, str], problems: _Problems) -> ZoneOf:
    """Return the check of a row's zone: its zone_class code (through an alias), a problem when
    zone_classes.csv does not know it."""

    def zone_of(where: str, value: str) -> str:
        code = aliases.get(value, value)
        if code not in zones:
            problems.add(where, f"unknown zone code {value!r} (not in zone_classes.csv)")
        return code

    return zone_of


def _cited(
    where: str, r: dict[str, str], check_source: CheckSource, problems: _Problems
) -> dict[str, Any]:
    """Return the citation and validity columns every rule row has (source, article, dates)."""
    return {
        "source_id": check_source(where, r.get("source", "")),
        "article": r.get("article") or None,
        "valid_from": _date(r.get("valid_from", ""), where, "valid_from", problems),
        "valid_to": _date(r.get("valid_to", ""), where, "valid_to", problems),
    }


def _effect(where: str, r: dict[str, str], problems: _Problems) -> tuple[str, str | None]:
    """Return the (effect, itbx) of an overlay or raster rule: a prohibit rule is X (its
    default), a restrict rule names T, B, TB or X."""
    effect = r["effect"].lower()
    over: str | None = (r.get("itbx") or "").upper() or None
    if effect not in EFFECTS:
        problems.add(where, f"effect {r['effect']!r} must be one of {', '.join(EFFECTS)}")
    if effect == "prohibit":
        over = over or "X"
        if over != "X":
            problems.add(where, "a prohibit rule has itbx X")
    if effect == "restrict" and over not in ("T", "B", "TB", "X"):
        problems.add(where, "a restrict rule needs itbx T, B, TB or X")
    return effect, over


def _targets(
    where: str, r: dict[str, str], activities: dict[str, Any], problems: _Problems
) -> tuple[list[str], list[str]]:
    """Return the (activities, sectors) a rule names (`;`-separated; `*` is every activity)."""
    acts = [a.strip() for a in (r.get("activities") or "").split(";") if a.strip()]
    for a in acts:
        if a != "*" and a not in activities:
            problems.add(where, f"unknown activity {a!r}")
    sectors = [s.strip() for s in (r.get("sectors") or "").split(";") if s.strip()]
    return acts, sectors


def _sources(raw: Rows, problems: _Problems) -> dict[str, dict[str, Any]]:
    """Return the rows of sources.csv by id (the regulations the other tables cite)."""
    sources: dict[str, dict[str, Any]] = {}
    for where, r in raw:
        if r["id"] in sources:
            problems.add(where, f"source id {r['id']!r} used twice")
        sources[r["id"]] = {
            "id": r["id"],
            "citation": r["citation"],
            "title": r.get("title") or None,
            "valid_from": _date(r.get("valid_from", ""), where, "valid_from", problems),
            "valid_to": _date(r.get("valid_to", ""), where, "valid_to", problems),
            "url": r.get("url") or None,
        }
        if not r["citation"]:
            problems.add(where, "citation is empty")
    return sources


def _zones(raw: Rows, problems: _Problems) -> dict[str, dict[str, Any]]:
    """Return the rows of zone_classes.csv by code."""
    zones: dict[str, dict[str, Any]] = {}
    for where, r in raw:
        code = r["code"]
        if not code:
            problems.add(where, "code is empty")
            continue
        if code in zones:
            problems.add(where, f"zone code {code!r} used twice")
        if r["class"] not in CLASSES:
            problems.add(where, f"class {r['class']!r} must be one of {', '.join(CLASSES)}")
        colour = r.get("colour", "")
        if colour and not COLOUR_RE.match(colour):
            problems.add(where, f"colour {colour!r} is not #RRGGBB")
        zones[code] = {
            "code": code,
            "name": r["name"],
            "name_en": r.get("name_en") or None,
            "class": r["class"],
            "zone_code": r.get("zone_code") or None,
            "zone_name": r.get("zone_name") or None,
            "colour": colour or None,
        }
    return zones


def _activities(raw: Rows, problems: _Problems) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """Return the rows of activities.csv by id and {KBLI code: activity id}."""
    activities: dict[str, dict[str, Any]] = {}
    kbli_rows: dict[str, str] = {}
    for where, r in raw:
        aid = r["id"]
        if not aid or not r["name"]:
            problems.add(where, "id and name are required")
            continue
        if aid in activities:
            problems.add(where, f"activity id {aid!r} used twice")
        activities[aid] = {
            "id": aid,
            "name": r["name"],
            "name_en": r.get("name_en") or None,
            "sector": r.get("sector") or None,
        }
        codes = [c.strip() for c in r["kbli"].split(";") if c.strip()]
        if not codes:
            problems.add(where, f"activity {aid!r} has no KBLI code")
        for code in codes:
            if not KBLI_RE.match(code):
                problems.add(where, f"KBLI {code!r} is not five digits")
            elif code in kbli_rows and kbli_rows[code] != aid:
                problems.add(
                    where, f"KBLI {code} is mapped to both {kbli_rows[code]!r} and {aid!r}"
                )
            kbli_rows[code] = aid
    return activities, kbli_rows


def _itbx(
    raw: Rows,
    activities: dict[str, Any],
    zone_of: ZoneOf,
    check_source: CheckSource,
    problems: _Problems,
) -> list[dict[str, Any]]:
    """Return the rows of itbx.csv (activity x zone -> letter), no two valid at once."""
    itbx: list[dict[str, Any]] = []
    for where, r in raw:
        if r["activity"] not in activities:
            problems.add(where, f"unknown activity {r['activity']!r} (not in activities.csv)")
        letter = r["itbx"].upper()
        if letter not in LETTERS:
            problems.add(where, f"ITBX letter {r['itbx']!r} must be one of {', '.join(LETTERS)}")
        if letter in ("T", "B", "TB") and not r.get("conditions"):
            problems.add(where, f"{letter} needs its conditions")
        row: dict[str, Any] = {
            "activity_id": r["activity"],
            "zone_code": zone_of(where, r["zone"]),
            "itbx": letter,
            "conditions": r.get("conditions") or None,
            "conditions_en": r.get("conditions_en") or None,
            **_cited(where, r, check_source, problems),
            "layer": r.get("layer") or None,
            "_where": where,
        }
        if row["valid_from"] and row["valid_to"] and row["valid_from"] > row["valid_to"]:
            problems.add(where, "valid_from is after valid_to")
        if row["layer"] is not None and not LAYER_RE.match(row["layer"]):
            problems.add(where, f"layer {row['layer']!r} is not a layer name")
        itbx.append(row)
    groups: dict[tuple[str, str, str | None], list[dict[str, Any]]] = defaultdict(list)
    for row in itbx:
        groups[(row["activity_id"], row["zone_code"], row["layer"])].append(row)
    for (aid, zone, layer), rows in groups.items():
        if len(rows) > 1 and _periods_overlap(rows):
            scope = f" in layer {layer}" if layer else ""
            problems.add(rows[-1]["_where"], f"{aid} x {zone}{scope}: validity periods overlap")
    return itbx


def _intensity(
    raw: Rows, zone_of: ZoneOf, check_source: CheckSource, problems: _Problems
) -> list[dict[str, Any]]:
    """Return the rows of intensity.csv (a zone's KDB, KLB, ... by parcel-area class)."""
    intensity: list[dict[str, Any]] = []
    for where, r in raw:
        row = {
            "zone_code": zone_of(where, r["zone"]),
            "kdb_max": _num(r.get("kdb_max", ""), where, "kdb_max", problems, 100),
            "klb_max": _num(r.get("klb_max", ""), where, "klb_max", problems),
            "klb_min": _num(r.get("klb_min", ""), where, "klb_min", problems),
            "kdh_min": _num(r.get("kdh_min", ""), where, "kdh_min", problems, 100),
            "ktb_max": _num(r.get("ktb_max", ""), where, "ktb_max", problems, 100),
            "height_max_m": _num(r.get("height_max_m", ""), where, "height_max_m", problems),
            "floors_max": _num(r.get("floors_max", ""), where, "floors_max", problems),
            "gsb_m": _num(r.get("gsb_m", ""), where, "gsb_m", problems),
            "min_area_m2": _num(r.get("min_area_m2", ""), where, "min_area_m2", problems),
            "max_area_m2": _num(r.get("max_area_m2", ""), where, "max_area_m2", problems),
            **_cited(where, r, check_source, problems),
            "_where": where,
        }
        if row["floors_max"] is not None:
            row["floors_max"] = int(row["floors_max"])
        low, high = row["min_area_m2"], row["max_area_m2"]
        if low is not None and high is not None and low > high:
            problems.add(where, "min_area_m2 is above max_area_m2")
        intensity.append(row)
    _check_intensity_classes(intensity, problems)
    return intensity


def _overlay_rules(
    raw: Rows, activities: dict[str, Any], check_source: CheckSource, problems: _Problems
) -> list[dict[str, Any]]:
    """Return the rows of overlay_rules.csv (what an overlay class prohibits or restricts)."""
    overlays: list[dict[str, Any]] = []
    for where, r in raw:
        effect, over = _effect(where, r, problems)
        if over is not None and over not in LETTERS:
            problems.add(where, f"ITBX over {over!r} must be one of {', '.join(LETTERS)}")
        acts, sectors = _targets(where, r, activities, problems)
        if not acts and not sectors:
            problems.add(where, "name activities (or *) or sectors the rule applies to")
        overlays.append(
            {
                "layer": r["layer"],
                "class": r["class"],
                "effect": effect,
                "itbx": over,
                "activities": acts,
                "sectors": sectors,
                "restriction": r["restriction"],
                "restriction_en": r.get("restriction_en") or None,
                **_cited(where, r, check_source, problems),
            }
        )
    return overlays


def _raster_rules(
    raw: Rows,
    activities: dict[str, Any],
    check_source: CheckSource,
    problems: _Problems,
) -> list[dict[str, Any]]:
    """Return the validated rows of raster_rules.csv (a threshold on a raster, its finding).

    `raster` names a raster of the pack, `op` one of > >= < <= =, `value` a number, `min_share`
    the share of the parcel (0 <= s < 1, default 0) the condition must exceed; `effect` and
    `itbx` as in overlay_rules.csv; empty activities and sectors mean every activity.
    """
    out: list[dict[str, Any]] = []
    for where, r in raw:
        if not LAYER_RE.match(r["raster"]):
            problems.add(where, f"raster {r['raster']!r} is not a raster name")
        if r["op"] not in RASTER_OPS:
            problems.add(where, f"op {r['op']!r} must be one of {' '.join(RASTER_OPS)}")
        value: float | None = None
        try:
            value = float(r["value"].replace(",", "."))
        except ValueError:
            problems.add(where, f"value {r['value']!r} is not a number")
        share = _num(r.get("min_share", ""), where, "min_share", problems) or 0.0
        if not 0 <= share < 1:
            problems.add(where, f"min_share {share:g} must be at least 0 and below 1")
        effect, over = _effect(where, r, problems)
        if effect == "note":
            over = None
        acts, sectors = _targets(where, r, activities, problems)
        out.append(
            {
                "raster": r["raster"],
                "op": r["op"],
                "value": value if value is not None else 0.0,
                "min_share": share,
                "effect": effect,
                "itbx": over,
                "activities": acts or ([] if sectors else ["*"]),  # none named: every one
                "sectors": sectors,
                "finding": r["finding"],
                "finding_en": r.get("finding_en") or None,
                **_cited(where, r, check_source, problems),
            }
        )
    return out


def _routes(raw: Rows, check_source: CheckSource, problems: _Problems) -> list[dict[str, Any]]:
    """Return the validated rows of routes.csv (the permit route and why, by condition)."""
    routes: list[dict[str, Any]] = []
    for where, r in raw:
        route, when = r["route"].upper(), r["when"].lower()
        if route not in ROUTES:
            problems.add(where, f"route {r['route']!r} must be one of {', '.join(ROUTES)}")
        if when not in ROUTE_CONDITIONS:
            problems.add(where, f"when {r['when']!r} must be one of {', '.join(ROUTE_CONDITIONS)}")
        if not r["reason"]:
            problems.add(where, "reason is empty")
        row = {
            "route": route,
            "applies_when": when,
            "reason": r["reason"],
            "reason_en": r.get("reason_en") or None,
            **_cited(where, r, check_source, problems),
        }
        routes.append(row)
    by_when: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in routes:
        by_when[row["applies_when"]].append(row)
    for when, rows in by_when.items():
        if len(rows) > 1 and _periods_overlap(rows):
            problems.add(FILES["routes"], f"two routes for {when!r}: validity periods overlap")
    if routes and "otherwise" not in by_when:
        problems.add(
            FILES["routes"], "add a row for when = otherwise (the route in every other case)"
        )
    return routes


def _project_types(
    raw: list[tuple[str, dict[str, str]]],
    activities: dict[str, dict[str, Any]],
    problems: _Problems,
) -> list[dict[str, Any]]:
    """Return the validated rows of project_types.csv (a budget sub-activity -> an activity).

    A row names the sub-activity by its code, its name or both; one code or name maps to one
    activity only.
    """
    out: list[dict[str, Any]] = []
    by_code: dict[str, str] = {}
    by_name: dict[str, str] = {}
    for where, r in raw:
        code, name, aid = r.get("sub_activity_code", ""), r.get("sub_activity", ""), r["activity"]
        if not code and not name:
            problems.add(where, "name the sub-activity: sub_activity_code, sub_activity or both")
        if not aid:
            problems.add(where, "activity is empty")
        elif aid not in activities:
            problems.add(where, f"unknown activity {aid!r} (not in activities.csv)")
        key = " ".join(name.casefold().split())
        for seen, value, what in (
            (by_code, code, "sub_activity_code"),
            (by_name, key, "sub_activity"),
        ):
            if value and seen.get(value, aid) != aid:
                problems.add(
                    where, f"{what} {value!r} is mapped to both {seen[value]!r} and {aid!r}"
                )
            if value:
                seen.setdefault(value, aid)
        out.append(
            {"sub_activity_code": code or None, "sub_activity": name or None, "activity_id": aid}
        )
    return out
