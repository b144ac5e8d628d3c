"""Where a project is: its location text matched to desa names, then desa, kecamatan and zones.

Text is matched once over every distinct (location, kecamatan) pair of an import, in Python
with rapidfuzz (`process.cdist`), against the current desa and kecamatan layers. Names are
compared as `catalog.places.normalize_name` leaves them (no Ds./Desa/Kel./Kec. prefix, no
case, spaces or punctuation) with `fuzz.ratio` (0-100). A desa is accepted when

- its score is at least ACCEPT (90), and
- no other desa (after the kecamatan filter) scores within MARGIN (5) of it; an exact name
  held by a single desa is accepted whatever the others score.

The kecamatan (the row's `kecamatan` column, a "Kec. X" part of the text, or a trailing
kecamatan name: "Kalisalak Limpung") restricts the desa to that kecamatan, which separates desa
of the same name. A text naming only a kecamatan places the project on the kecamatan. Anything
else is unplaced with its reason ("ambiguous: A (kec X) or B (kec Y)", "weak match: best A
(kec X) (82)"), never guessed.

Placing itself is set-wise SQL over a staging table of the import's rows (`_project_place`):
one statement finds the desa under each given point or line, one puts desa (and kecamatan)
placements on a point inside their area, one collects every zone code each geometry meets
(RDTR before RTRW), and one writes what changed into `project`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA
from sqlalchemy import Connection, text

from app.services.bulk import copy_rows
from app.services.catalog.current import CURRENT_ADMIN_SQL
from app.services.catalog.places import normalize_name

ACCEPT = 90.0  # the lowest score a desa or kecamatan name is accepted at
TYPO_MIN_LEN = 4  # names at least this long may carry a typing slip (see _cdist)
TYPO_COST = 10.0  # points one edit (OSA distance) costs
MARGIN = 5.0  # the lead the best name needs over the next one

# Every desa (4) and kecamatan (3) of the current admin versions, one row per code.
GAZETTEER_SQL = f"""
    WITH cur AS ({CURRENT_ADMIN_SQL})
    SELECT DISTINCT ON (f.level, f.code) f.code, f.name, f.level, f.parent_code, c.region_code,
           c.version_id
    FROM cur c JOIN feature f ON f.version_id = c.version_id AND f.level = c.level
    WHERE c.level IN (3, 4) AND f.code IS NOT NULL AND f.name IS NOT NULL
    ORDER BY f.level, f.code, f.fid
"""


@dataclass(frozen=True)
class Area:
    """A desa or kecamatan of the loaded admin layers."""

    code: str
    name: str
    level: int
    parent_code: str | None


@dataclass(frozen=True)
class Match:
    """A location text's verdict: the desa (or only kecamatan) it names, or why none."""

    desa_code: str | None = None
    kecamatan_code: str | None = None
    score: float | None = None
    why: str | None = None  # set when unplaced


@dataclass
class Gazetteer:
    """The loaded desa and kecamatan names, grouped by normalised name."""

    desa_keys: list[str] = field(default_factory=list)
    desa_by_key: dict[str, list[Area]] = field(default_factory=dict)
    kec_keys: list[str] = field(default_factory=list)
    kec_by_key: dict[str, list[Area]] = field(default_factory=dict)
    kec_names: dict[str, str] = field(default_factory=dict)
    desa_versions: list[int] = field(default_factory=list)
    kec_versions: list[int] = field(default_factory=list)

    def label(self, area: Area) -> str:
        """Return "Name (kec X)" for a desa, "Kec. Name" for a kecamatan."""
        if area.level == 3:
            return f"Kec. {area.name}"
        kec = self.kec_names.get(area.parent_code or "", area.parent_code or "?")
        return f"{area.name} (kec {kec})"


def load_gazetteer(conn: Connection) -> Gazetteer:
    """Return the current desa and kecamatan names (every region) for matching."""
    gaz = Gazetteer()
    desa: dict[str, list[Area]] = defaultdict(list)
    kec: dict[str, list[Area]] = defaultdict(list)
    dv: set[int] = set()
    kv: set[int] = set()
    for r in conn.execute(text(GAZETTEER_SQL)):
        area = Area(r.code, r.name, r.level, r.parent_code)
        key = normalize_name(r.name)
        if not key:
            continue
        if r.level == 4:
            desa[key].append(area)
            dv.add(r.version_id)
        else:
            kec[key].append(area)
            kv.add(r.version_id)
            gaz.kec_names[r.code] = r.name
    gaz.desa_by_key, gaz.kec_by_key = dict(desa), dict(kec)
    gaz.desa_keys, gaz.kec_keys = list(desa), list(kec)
    gaz.desa_versions, gaz.kec_versions = sorted(dv), sorted(kv)
    return gaz


_KEC = re.compile(r"\bkec(?:amatan)?\b\.?\s*(.*)$", re.IGNORECASE)
_DESA = re.compile(r"^(?:desa|ds|kel(?:urahan)?)\b\.?\s*", re.IGNORECASE)
# "Dukuh X RT 04/RW 01 Ds. Pungangan": a desa named after a prefix anywhere in a part
_DESA_IN = re.compile(r"\b(?:desa|ds|kel(?:urahan)?)\b\.?\s*(\S.*)$", re.IGNORECASE)
_DROP = re.compile(
    r"^(?:kab(?:upaten)?|kota|prov(?:insi)?|jl|jln|jalan|rt|rw|dukuh|dusun|dk|gang|gg)\b",
    re.IGNORECASE,
)


def split_location(raw: str) -> tuple[str, str]:
    """Return (desa part, kecamatan part) of a free location text ("Ds. A, Kec. B" -> A, B)."""
    desa, kec, plain = "", "", []
    for part in re.split(r"[,;/()\n]|\s-\s", raw):
        part = part.strip()
        if not part:
            continue
        m = _KEC.search(part)
        if m:
            kec = kec or m.group(1).strip()
            part = part[: m.start()].strip()
            if not part:
                continue
        inner = _DESA_IN.search(part)
        if _DESA.match(part):
            desa = desa or _DESA.sub("", part).strip()
        elif inner:
            desa = desa or inner.group(1).strip()
        elif not _DROP.match(part):
            plain.append(part)
    if not desa and plain:
        desa = plain.pop(0)
    if not kec and plain:
        kec = plain[0]
    return desa, kec


def _ranked(scores: np.ndarray, keys: list[str], by_key: dict[str, list[Area]],
            allowed: set[str] | None) -> list[tuple[float, Area]]:  # fmt: skip
    """Return (score, area) best first, only areas whose parent is in `allowed` (if given)."""
    idx = np.flatnonzero(scores >= ACCEPT - 2 * MARGIN - 10)
    if idx.size == 0:
        idx = np.argsort(scores)[-1:]
    out: list[tuple[float, Area]] = []
    for i in idx:
        for area in by_key[keys[i]]:
            if allowed is None or area.parent_code in allowed:
                out.append((float(scores[i]), area))
    out.sort(key=lambda sa: (-sa[0], sa[1].code))
    return out


def _decide(ranked: list[tuple[float, Area]], gaz: Gazetteer) -> Match:
    if not ranked:
        return Match(why="no desa or kecamatan of that name is loaded")
    best_score, best = ranked[0]
    rivals = [a for s, a in ranked[1:] if s > best_score - MARGIN]
    exact = best_score >= 100.0 and not [a for s, a in ranked[1:] if s >= 100.0]
    if best_score < ACCEPT:
        return Match(why=f"weak match: best {gaz.label(best)} ({best_score:.0f})")
    if rivals and not exact:
        names = " or ".join(gaz.label(a) for a in [best, *rivals[:3]])
        return Match(why=f"ambiguous: {names}")
    if best.level == 3:
        return Match(kecamatan_code=best.code, score=round(best_score, 1))
    return Match(desa_code=best.code, kecamatan_code=best.parent_code, score=round(best_score, 1))


# Long by design (C901): one pass scoring every name once.
def match_locations(  # noqa: C901
    gaz: Gazetteer, items: Iterable[tuple[str | None, str | None]]
) -> dict[tuple[str | None, str | None], Match]:
    """Return the verdict of every distinct (location text, kecamatan text) pair, in one pass."""
    pairs = list(dict.fromkeys(items))
    if not gaz.desa_keys and not gaz.kec_keys:
        return {p: Match(why="no desa layer is loaded") for p in pairs}
    parsed: list[tuple[str, str]] = []
    for loc, kec_col in pairs:
        desa_part, kec_part = split_location(loc or "")
        kec_text = kec_col or kec_part
        parsed.append((normalize_name(desa_part), normalize_name(kec_text) if kec_text else ""))
    desa_q = sorted({d for d, _ in parsed if d})
    kec_q = sorted({k for _, k in parsed if k} | set(desa_q))
    desa_scores = _cdist(desa_q, gaz.desa_keys)
    kec_scores = _cdist(kec_q, gaz.kec_keys)
    d_row = {q: i for i, q in enumerate(desa_q)}
    k_row = {q: i for i, q in enumerate(kec_q)}

    def kec_codes(key: str) -> set[str] | None:
        if not key or not gaz.kec_keys:
            return None
        ranked = _ranked(kec_scores[k_row[key]], gaz.kec_keys, gaz.kec_by_key, None)
        m = _decide(ranked, gaz)
        return {m.kecamatan_code} if m.kecamatan_code else None

    out: dict[tuple[str | None, str | None], Match] = {}
    for pair, (d, k) in zip(pairs, parsed, strict=True):
        allowed = kec_codes(k)
        if d and gaz.desa_keys:
            ranked = _ranked(desa_scores[d_row[d]], gaz.desa_keys, gaz.desa_by_key, allowed)
            verdict = _decide(ranked, gaz)
            if allowed and (not ranked or ranked[0][0] < ACCEPT):
                # the named kecamatan holds no such desa: say so, never take another kecamatan's
                kec = gaz.kec_names.get(next(iter(allowed)), "?")
                anywhere = _ranked(desa_scores[d_row[d]], gaz.desa_keys, gaz.desa_by_key, None)
                best = f"; best elsewhere {gaz.label(anywhere[0][1])}" if anywhere else ""
                verdict = Match(why=f"weak match: no desa like {d!r} in kec {kec}{best}")
            if verdict.why and not k:
                verdict = _trailing_kecamatan(gaz, pair[0] or "") or verdict
            if verdict.why and not verdict.why.startswith("ambiguous") and not allowed:
                # the text may name a kecamatan only ("Kec. Limpung" or just "Limpung")
                kec_only = _decide(  # only when no desa is near
                    _ranked(kec_scores[k_row[d]], gaz.kec_keys, gaz.kec_by_key, None), gaz
                )
                if not kec_only.why and (kec_only.score or 0) >= 100.0:
                    verdict = kec_only
        elif allowed:
            code = next(iter(allowed))
            verdict = Match(kecamatan_code=code, score=100.0)
        elif k:
            verdict = Match(why=f"no kecamatan like {k!r}")
        else:
            verdict = Match(why="no location")
        out[pair] = verdict
    return out


def _trailing_kecamatan(gaz: Gazetteer, raw: str) -> Match | None:
    """Try "Kalisalak Limpung": trailing words as the kecamatan, the rest as the desa."""
    words = re.sub(r"[^0-9a-zA-Z ]", " ", raw).split()
    for n in (1, 2):
        if len(words) <= n or not gaz.kec_keys:
            continue
        head, tail = normalize_name(" ".join(words[:-n])), normalize_name(" ".join(words[-n:]))
        if not head or not tail:
            continue
        kec = _decide(
            _ranked(_cdist([tail], gaz.kec_keys)[0], gaz.kec_keys, gaz.kec_by_key, None), gaz
        )
        if kec.why or not kec.kecamatan_code:
            continue
        ranked = _ranked(
            _cdist([head], gaz.desa_keys)[0], gaz.desa_keys, gaz.desa_by_key, {kec.kecamatan_code}
        )
        verdict = _decide(ranked, gaz)
        if not verdict.why:
            return verdict
    return None


def _cdist(queries: list[str], choices: list[str]) -> np.ndarray:
    """Return scores 0-100 of every query against every choice.

    fuzz.ratio, raised for typing slips in a name of at least TYPO_MIN_LEN letters: each edit
    of the optimal string alignment distance (a swapped pair of letters is one edit, as in
    "Kauamn" for Kauman) costs TYPO_COST points, so one slip scores 90 (accepted when no
    rival is close) and two score 80 (refused).
    """
    if not queries or not choices:
        return np.zeros((len(queries), len(choices)), dtype=np.float32)
    ratio = process.cdist(queries, choices, scorer=fuzz.ratio, dtype=np.float32, workers=-1)
    edits = process.cdist(queries, choices, scorer=OSA.distance, dtype=np.int32, workers=-1)
    slips = np.float32(100.0) - TYPO_COST * edits.astype(np.float32)
    long_enough = np.array([len(c) >= TYPO_MIN_LEN for c in choices])[None, :]
    return np.where(long_enough, np.maximum(ratio, slips), ratio)


# --- set-wise placing in SQL ------------------------------------------------------------

# The columns of _project_place a PlaceRow fills, with their COPY types.
PLACE_COLUMNS = (
    ("key", "text"),
    ("method", "text"),
    ("geom", "bytea"),
    ("pick_desa", "text"),
    ("pick_kecamatan", "text"),
    ("confidence", "float4"),
)
STAGE_SQL = """
    CREATE TEMP TABLE _project_place (
        key text PRIMARY KEY,
        method text,               -- coordinates | wkt | desa_code | text
        geom geometry(Geometry, 4326),
        pick_desa text,            -- a desa named by code or by a confident text match
        pick_kecamatan text,       -- a kecamatan named by text alone
        confidence real,
        desa_code text, kecamatan_code text, region_code text,
        zones text[] NOT NULL DEFAULT '{}',
        why text
    ) ON COMMIT DROP
"""

# The desa under each given point or line (a point on the line for a line): one GiST probe per
# geometry into the current desa versions.
BY_GEOMETRY_SQL = """
    UPDATE _project_place s
    SET desa_code = d.code, kecamatan_code = d.parent_code, region_code = d.region_code
    FROM (
        SELECT s2.key, hit.code, hit.parent_code, l.region_code
        FROM _project_place s2
        CROSS JOIN LATERAL (
            SELECT f.code, f.parent_code, f.version_id FROM feature f
            WHERE f.version_id = ANY(CAST(:versions AS int[])) AND f.level = 4
              AND ST_Intersects(f.geom, ST_PointOnSurface(s2.geom))
            ORDER BY f.code LIMIT 1
        ) hit
        JOIN layer l ON l.current_version_id = hit.version_id
        WHERE s2.geom IS NOT NULL
    ) d
    WHERE s.key = d.key
"""

# Placements on a named desa: a point inside it (computed once per desa), its kecamatan and
# region; then kecamatan-only text placements the same way.
BY_AREA_SQL = """
    UPDATE _project_place s
    SET geom = a.pos, desa_code = CASE WHEN :level = 4 THEN a.code END,
        kecamatan_code = CASE WHEN :level = 4 THEN a.parent_code ELSE a.code END,
        region_code = a.region_code
    FROM (
        SELECT DISTINCT ON (f.code) f.code, f.parent_code, l.region_code,
               ST_PointOnSurface(f.geom) AS pos
        FROM feature f JOIN layer l ON l.current_version_id = f.version_id
        WHERE f.version_id = ANY(CAST(:versions AS int[])) AND f.level = :level
          AND f.code IN (SELECT DISTINCT CASE WHEN :level = 4 THEN pick_desa
                                              ELSE pick_kecamatan END
                         FROM _project_place WHERE geom IS NULL)
        ORDER BY f.code, ST_Area(f.geom) DESC
    ) a
    WHERE s.geom IS NULL
      AND a.code = CASE WHEN :level = 4 THEN s.pick_desa ELSE s.pick_kecamatan END
"""

# Every zone code of the current zoning layers each placed geometry meets, RDTR first.
ZONES_SQL = """
    UPDATE _project_place s SET zones = z.zones
    FROM (
        SELECT s2.key, ARRAY(
            SELECT f.code FROM feature f JOIN layer_version v ON v.id = f.version_id
            WHERE f.version_id = ANY(CAST(:versions AS int[])) AND f.code IS NOT NULL
              AND ST_Intersects(f.geom, s2.geom)
            GROUP BY f.code
            ORDER BY min(CASE v.plan WHEN 'rdtr' THEN 0 ELSE 1 END), f.code
        ) AS zones
        FROM _project_place s2 WHERE s2.geom IS NOT NULL
    ) z
    WHERE s.key = z.key AND cardinality(z.zones) > 0
"""

ZONING_VERSIONS_SQL = """
    SELECT current_version_id FROM layer
    WHERE kind = 'zoning' AND current_version_id IS NOT NULL
"""

# Write the placements into project, touching only the rows whose placement changed.
WRITE_SQL = """
    UPDATE project p
    SET geom = s.geom, placed_by = CASE WHEN s.geom IS NOT NULL THEN s.method END,
        desa_code = s.desa_code, kecamatan_code = s.kecamatan_code, region_code = s.region_code,
        zones = s.zones, given_desa_code = s.pick_desa, match_confidence = s.confidence,
        updated_at = now()
    FROM _project_place s
    WHERE p.year = :year AND p.key = s.key
      AND (p.geom, p.placed_by, p.desa_code, p.kecamatan_code, p.region_code, p.zones,
           p.given_desa_code, p.match_confidence)
          IS DISTINCT FROM
          (s.geom, CASE WHEN s.geom IS NOT NULL THEN s.method END, s.desa_code,
           s.kecamatan_code, s.region_code, s.zones, s.pick_desa, s.confidence)
"""

COUNT_SQL = """
    SELECT method, count(*) FILTER (WHERE geom IS NOT NULL) AS placed,
           count(*) FILTER (WHERE geom IS NULL) AS unplaced
    FROM _project_place GROUP BY method
"""


@dataclass
class PlaceRow:
    """What an import knows of one row's place before the database is asked."""

    key: str
    method: str | None
    ewkb: bytes | None
    pick_desa: str | None
    pick_kecamatan: str | None
    confidence: float | None


def place_rows(
    conn: Connection, year: int, rows: list[PlaceRow], gaz: Gazetteer
) -> tuple[dict[str, int], dict[str, str | None], int]:
    """Place the rows set-wise and write what changed into `project`.

    Returns (placed counts by method, {key: desa_code or None} of unplaced-or-placed rows,
    rows whose placement changed). Unplaced keys are those with no geometry afterwards.
    """
    conn.execute(text("DROP TABLE IF EXISTS _project_place"))
    conn.execute(text(STAGE_SQL))
    copy_rows(
        conn,
        "_project_place",
        PLACE_COLUMNS,
        ((r.key, r.method, r.ewkb, r.pick_desa, r.pick_kecamatan, r.confidence) for r in rows),
    )
    conn.execute(text("ANALYZE _project_place"))
    if gaz.desa_versions:
        conn.execute(text(BY_GEOMETRY_SQL), {"versions": gaz.desa_versions})
        conn.execute(text(BY_AREA_SQL), {"versions": gaz.desa_versions, "level": 4})
    if gaz.kec_versions:
        conn.execute(text(BY_AREA_SQL), {"versions": gaz.kec_versions, "level": 3})
    zoning = [v for (v,) in conn.execute(text(ZONING_VERSIONS_SQL))]
    if zoning:
        conn.execute(text(ZONES_SQL), {"versions": zoning})
    changed = conn.execute(text(WRITE_SQL), {"year": year}).rowcount
    placed: dict[str, int] = {}
    for count in conn.execute(text(COUNT_SQL)):
        if count.method and count.placed:
            placed[count.method] = int(count.placed)
    status: dict[str, str | None] = {
        k: ("placed" if has_geom else None)
        for k, has_geom in conn.execute(
            text("SELECT key, geom IS NOT NULL FROM _project_place")
        ).all()
    }
    conn.execute(text("DROP TABLE _project_place"))
    return placed, status, changed
