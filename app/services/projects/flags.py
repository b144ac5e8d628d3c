"""Integrity flags of APBD projects, each with a reason a citizen can read (id/en).

`refresh_flags` recomputes the flags of a year (or of every year) in the caller's transaction:
the year's flags are deleted, each flag is found by one set-wise query, and all of them are
inserted in one statement. The rules:

- `unplaced`: the row could not be put on the map (no geometry).
- `outside_region`: the geometry is not covered by the current admin areas (the top level
  loaded: kabupaten, else kecamatan, else desa) of the project's region, or of any region when
  the project names none. A region without admin areas judges nothing.
- `outside_desa`: the geometry lies more than `tolerance_m` (in the desa layer's metric CRS)
  from the desa the row names (`given_desa_code`, in the current desa version).
- `over_budget`: realisation above pagu. `done_unpaid`: progress 100 % and no realisation.
  `paid_not_started`: realisation with 0 % progress after the end date (before `today`).
- `protected_zone` and `forbidden_zone` (services/projects/zones.py): the project is checked by
  the zoning check itself (the same parts, precedence, overlays, rasters and judge) for its
  activity (its KBLI through the rule book's KBLI map, else its sub-activity through the pack's
  project_types.csv), on `today`. A point is flagged when the verdict there is X (forbidden) or
  it lies in a protected sub-zone (class `lindung`) or a prohibiting overlay; a line or polygon
  only when more than half of it (SHARE_FLAGGED, measured in the region's metric CRS: a line as
  a strip, so by length) is X, or lies in protected areas. A road that crosses a river's
  setback strip (PS) is a bridge, not an anomaly; the reason names the share.
- `duplicate`: same year, same desa (or within DUPLICATE_DISTANCE_M), names equal after
  normalisation or rapidfuzz token_sort_ratio >= DUPLICATE_SCORE, any OPD; both rows are
  flagged, each naming the other. Names that differ in a number or phase are different works
  however alike the rest reads: "RT 01" is not "RT 02", "Tahap II" (Roman I..XX, "Tahap ke-2",
  "Paket 3", "Tahap Kedua") is not the first phase, "(Lanjutan)" is not the work it continues.

Zones are judged only where the row gave its own place (coordinates or WKT): a project placed
at a desa from its code or location text is not accused of sitting in a zone that only the
desa's stand-in point lies in.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from itertools import groupby
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process
from sqlalchemy import Connection, text

from app.l10n import number
from app.models.projects import PROJECT_FLAGS
from app.services.catalog.current import CURRENT_ADMIN_SQL, TOP_ADMIN_SQL
from app.services.catalog.named import region_or_all
from app.services.projects.zones import zone_flags
from app.services.rules.book import RuleBooks, process_rulebooks
from app.settings import Settings, process_settings

DUPLICATE_DISTANCE_M = 50.0
DUPLICATE_SCORE = 90.0
_MONTHS_ID = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
_MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

# The projects a refresh looks at: of year :year, or of every year when it is NULL.
_IN_YEAR = "(CAST(:year AS integer) IS NULL OR p.year = CAST(:year AS integer))"
# The admin versions that may judge project p: its region's, or any region's without one.
_ADMIN_OF_P = region_or_all("c.region_code", "p.region_code")

_DELETE_SQL = f"""
    DELETE FROM project_flag WHERE project_id IN (SELECT p.id FROM project p WHERE {_IN_YEAR})
"""

_INSERT_SQL = """
    INSERT INTO project_flag (project_id, flag, other_id, reason_id, reason_en)
    SELECT * FROM unnest(CAST(:pid AS bigint[]), CAST(:flag AS text[]),
                         CAST(:other AS bigint[]), CAST(:rid AS text[]), CAST(:ren AS text[]))
"""

_UNPLACED_SQL = f"""
    SELECT p.id, p.location_text, p.given_desa_code, p.given_kecamatan
    FROM project p WHERE {_IN_YEAR} AND p.geom IS NULL ORDER BY p.id
"""

_COLUMNS_SQL = f"""
    SELECT p.id, p.pagu, p.realisation, p.progress, p.end_date,
           p.realisation > p.pagu AS over_budget,
           p.progress = 100 AND coalesce(p.realisation, 0) = 0 AS done_unpaid,
           p.realisation > 0 AND p.progress = 0 AND p.end_date < CAST(:today AS date)
               AS paid_not_started
    FROM project p
    WHERE {_IN_YEAR}
      AND (p.realisation > p.pagu
           OR (p.progress = 100 AND coalesce(p.realisation, 0) = 0)
           OR (p.realisation > 0 AND p.progress = 0 AND p.end_date < CAST(:today AS date)))
    ORDER BY p.id
"""

# Per region, the admin areas of its top level (the smallest level number loaded).
_TOP_ADMIN = f"top AS MATERIALIZED ({TOP_ADMIN_SQL})"
_OUTSIDE_REGION_SQL = f"""
    WITH {_TOP_ADMIN}
    SELECT p.id, ST_X(ST_PointOnSurface(p.geom)) AS lon, ST_Y(ST_PointOnSurface(p.geom)) AS lat,
           coalesce((SELECT r.name FROM region r WHERE r.code = p.region_code),
                    (SELECT min(r.name) FROM region r HAVING count(*) = 1)) AS region_name
    FROM project p
    WHERE {_IN_YEAR} AND p.geom IS NOT NULL
      AND EXISTS (SELECT 1 FROM top c WHERE {_ADMIN_OF_P})
      AND CASE
          WHEN EXISTS (SELECT 1 FROM top c
                       JOIN feature f ON f.version_id = c.version_id AND f.level = c.level
                       WHERE {_ADMIN_OF_P} AND ST_Covers(f.geom, p.geom)) THEN false
          -- not inside one area: a line or polygon may still lie inside their union
          ELSE NOT coalesce(ST_Covers(
              (SELECT ST_Union(f.geom) FROM top c
               JOIN feature f ON f.version_id = c.version_id AND f.level = c.level
               WHERE {_ADMIN_OF_P} AND f.geom && p.geom), p.geom), false)
          END
    ORDER BY p.id
"""

# The distance from the geometry to the desa the row names, in the desa layer's metric CRS.
_OUTSIDE_DESA_SQL = f"""
    WITH cur AS MATERIALIZED ({CURRENT_ADMIN_SQL})
    SELECT DISTINCT ON (p.id) p.id, f.code, f.name, d.metres
    FROM project p
    JOIN cur c ON c.level = 4 AND {_ADMIN_OF_P}
    JOIN feature f ON f.version_id = c.version_id AND f.level = 4
     AND f.code = p.given_desa_code  -- both normalised Kemendagri codes (33.25.11.2001)
    CROSS JOIN LATERAL (SELECT CASE
        WHEN f.geom_m IS NOT NULL AND ST_SRID(f.geom_m) > 0
        THEN ST_Distance(ST_Transform(p.geom, ST_SRID(f.geom_m)), f.geom_m)
        ELSE ST_Distance(p.geom::geography, f.geom::geography) END AS metres) d
    WHERE {_IN_YEAR} AND p.geom IS NOT NULL AND p.given_desa_code IS NOT NULL
    ORDER BY p.id, d.metres
"""

# The zoning and overlay features under each project placed from its own coordinates or WKT,
# of the current versions of its region (any region when it names none).
# Duplicates are looked for in two ways. Rows of one year and desa are compared by name in
# Python, a whole desa at once (rapidfuzz's cdist: ~400 names a desa at 100,000 projects is
# fine; a self-join returning every same-desa pair to Python was not). Rows of different desa
# come as pairs from SQL: geometries within :near metres (the GiST index bounds them), of rows
# placed by their own coordinates or WKT only: a row placed by a desa code or name stands on
# the desa's label point, so it has no place finer than its desa to be near another by.
_PAIR_COLUMNS = """a.id AS a_id, b.id AS b_id, a.year, a.name AS a_name, b.name AS b_name,
           a.ref AS a_ref, b.ref AS b_ref, a.opd_name AS a_opd, b.opd_name AS b_opd"""
_NAMED_ROWS_SQL = f"""
    SELECT p.id, p.year, p.desa_code, p.name, p.ref, p.opd_name
    FROM project p
    WHERE {_IN_YEAR} AND p.desa_code IS NOT NULL
    ORDER BY p.year, p.desa_code, p.id
"""
_NEAR_PAIRS_SQL = f"""
    SELECT {_PAIR_COLUMNS}, false AS same_desa,
           ST_Distance(a.geom::geography, b.geom::geography) AS metres
    FROM project a JOIN project b
      ON b.year = a.year AND a.id < b.id
     AND b.geom && ST_Expand(a.geom, CAST(:near_deg AS float8))
     AND ST_DWithin(a.geom::geography, b.geom::geography, CAST(:near AS float8))
    WHERE {_IN_YEAR.replace("p.", "a.")} AND a.geom IS NOT NULL
      AND a.placed_by IN ('coordinates', 'wkt') AND b.placed_by IN ('coordinates', 'wkt')
      AND a.desa_code IS DISTINCT FROM b.desa_code
    ORDER BY a_id, b_id
"""


@dataclass(frozen=True)
class _Pair:
    a_id: int
    b_id: int
    year: int
    a_name: str | None
    b_name: str | None
    a_ref: str | None
    b_ref: str | None
    a_opd: str | None
    b_opd: str | None
    same_desa: bool
    metres: float | None


def _same_desa_pairs(conn: Connection, params: Mapping[str, Any]) -> list[_Pair]:
    """Return the pairs of rows of one year and desa whose names `same_name` calls the same."""
    rows = conn.execute(text(_NAMED_ROWS_SQL), params).all()
    out: list[_Pair] = []
    for _, grp in groupby(rows, key=lambda r: (r.year, r.desa_code)):
        group = list(grp)
        if len(group) < 2:
            continue
        names = [normalise_name(r.name) for r in group]
        # a candidate: equal normalised names, or token_sort_ratio at the threshold
        scores = process.cdist(
            names, names, scorer=fuzz.token_sort_ratio, dtype=np.float32,
            score_cutoff=DUPLICATE_SCORE,
        )  # fmt: skip
        for i, j in zip(*np.nonzero(np.triu(scores >= DUPLICATE_SCORE, k=1)), strict=True):
            a, b = group[int(i)], group[int(j)]
            if same_name(a.name, b.name):
                out.append(_Pair(a.id, b.id, a.year, a.name, b.name, a.ref, b.ref,
                                 a.opd_name, b.opd_name, True, None))  # fmt: skip
    return out


@dataclass
class Flag:
    """One flag row to insert."""

    project_id: int
    flag: str
    reason_id: str
    reason_en: str
    other_id: int | None = None


def rupiah(value: int | float, lang: str) -> str:
    """Return an amount as `Rp 1.250.000.000` (id) or `Rp 1,250,000,000` (en)."""
    return "Rp " + number(float(value), 0, lang)


def _percent(value: Any, lang: str) -> str:
    return number(float(value), 2, lang) + " %"


def _day(value: date, lang: str) -> str:
    month = (_MONTHS_ID if lang == "id" else _MONTHS_EN)[value.month - 1]
    return f"{value.day} {month} {value.year}"


def _metres(value: float, lang: str) -> str:
    return number(value, 0, lang) + " m"


@lru_cache(maxsize=65536)
def normalise_name(name: str | None) -> str:
    """Return a project name as duplicates compare it: lower case, no accents or punctuation.

    Dotted initials are one word ("D.I." and "DI", "S.D." and "SD").
    """
    decomposed = unicodedata.normalize("NFKD", name or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = _INITIALS.sub(lambda m: m.group().replace(".", ""), plain)
    return " ".join(re.sub(r"[\W_]+", " ", plain.casefold()).split())


def same_name(a: str | None, b: str | None) -> bool:
    """Return True for names equal after normalisation or with token_sort_ratio >= 90.

    Names whose numbers or phases differ ("RT 01" and "RT 02", "Tahap 1" and "Tahap II",
    "Paket 2" and "Paket 3", a name and its "(Lanjutan)") name different works however alike
    the rest reads.
    """
    na, nb = normalise_name(a), normalise_name(b)
    if not na or not nb:
        return False
    if na == nb:
        return True
    if _phase(na) != _phase(nb):
        return False
    return fuzz.token_sort_ratio(na, nb) >= DUPLICATE_SCORE


# Dotted initials (D.I., S.D., R.T.): letters each followed by a dot, two letters at least.
_INITIALS = re.compile(r"\b(?:[^\W\d_]\.)+[^\W\d_]\b\.?")
_ROMAN = {
    r: n
    for n, r in enumerate(
        ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x")
        + ("xi", "xii", "xiii", "xiv", "xv", "xvi", "xvii", "xviii", "xix", "xx"),
        1,
    )
}
# Number words that count as a number after a phase word ("Tahap Kedua", "Paket Satu").
_ORDINALS = {
    w: n
    for n, words in enumerate(
        (
            ("satu", "pertama", "kesatu"),
            ("dua", "kedua"),
            ("tiga", "ketiga"),
            ("empat", "keempat"),
            ("lima", "kelima"),
            ("enam", "keenam"),
            ("tujuh", "ketujuh"),
            ("delapan", "kedelapan"),
            ("sembilan", "kesembilan"),
            ("sepuluh", "kesepuluh"),
        ),
        1,
    )
    for w in words
}
_PHASE_WORDS = frozenset(("tahap", "tahapan", "paket", "fase", "termin", "ke"))
_CONTINUED = frozenset(("lanjutan", "lanjut"))


@lru_cache(maxsize=65536)
def _phase(name: str) -> tuple[tuple[int, ...], bool]:
    """Return a normalised name's numbers (Arabic, Roman I..XX, number words after a phase
    word) and whether it continues earlier work ("lanjutan")."""
    words = name.split()
    numbers = [int(n) for n in re.findall(r"\d+", name)]
    for k, w in enumerate(words):
        if w in _ROMAN:
            numbers.append(_ROMAN[w])
        elif w in _ORDINALS and k and words[k - 1] in _PHASE_WORDS:
            numbers.append(_ORDINALS[w])
    return tuple(sorted(numbers)), any(w in _CONTINUED for w in words)


def refresh_flags(
    conn: Connection,
    year: int | None = None,
    *,
    tolerance_m: float = 100.0,
    today: date | None = None,
    books: RuleBooks | None = None,
    settings: Settings | None = None,
) -> dict[str, int]:
    """Recompute the flags of `year` (every year if None) in `conn`'s transaction.

    Returns the number of flag rows written per flag code (every code, zeros included).
    `books` is the rule-book cache to read rules through (default: the process's).
    """
    on = today or date.today()
    books = books or process_rulebooks()
    params: dict[str, Any] = {"year": year}
    # Fresh statistics first: after a large import the planner would otherwise take the
    # year's rows for a few hundred and AND a year-index bitmap into every spatial probe.
    conn.execute(text("ANALYZE project"))
    conn.execute(text(_DELETE_SQL), params)
    flags: list[Flag] = []
    flags += _unplaced(conn, params)
    flags += _outside_region(conn, params)
    flags += _outside_desa(conn, params, tolerance_m)
    flags += _columns(conn, params, on)
    flags += [
        Flag(pid, flag, _capital(reason.id), _capital(reason.en))
        for pid, flag, reason in zone_flags(
            conn, params, on, books, settings or process_settings()
        )
    ]
    flags += _duplicates(conn, params)
    if flags:
        conn.execute(
            text(_INSERT_SQL),
            {
                "pid": [f.project_id for f in flags],
                "flag": [f.flag for f in flags],
                "other": [f.other_id for f in flags],
                "rid": [f.reason_id for f in flags],
                "ren": [f.reason_en for f in flags],
            },
        )
    counts = dict.fromkeys(PROJECT_FLAGS, 0)
    for f in flags:
        counts[f.flag] += 1
    return counts


def _unplaced(conn: Connection, params: Mapping[str, Any]) -> list[Flag]:
    out = []
    for r in conn.execute(text(_UNPLACED_SQL), params):
        given = [v for v in (r.location_text, r.given_desa_code, r.given_kecamatan) if v]
        said_id = f" (lokasi yang ditulis: “{', '.join(given)}”)" if given else ""
        said_en = f" (the location given: “{', '.join(given)}”)" if given else ""
        out.append(
            Flag(
                r.id,
                "unplaced",
                "Lokasi kegiatan tidak dapat ditempatkan di peta: baris anggaran tidak memuat "
                f"koordinat, WKT atau kode desa yang dikenali{said_id}",
                "The project cannot be put on the map: the budget row has no coordinates, WKT "
                f"or desa code that could be recognised{said_en}",
            )
        )
    return out


def _outside_region(conn: Connection, params: Mapping[str, Any]) -> list[Flag]:
    out = []
    for r in conn.execute(text(_OUTSIDE_REGION_SQL), params):
        lon_id, lat_id = number(r.lon, 5, "id"), number(r.lat, 5, "id")
        area_id = r.region_name or "wilayah perencanaan"
        area_en = r.region_name or "the planning area"
        out.append(
            Flag(
                r.id,
                "outside_region",
                f"Lokasi kegiatan (bujur {lon_id}, lintang {lat_id}) berada di luar batas "
                f"{area_id}",
                f"The project's location (longitude {r.lon:.5f}, latitude {r.lat:.5f}) lies "
                f"outside the boundary of {area_en}",
            )
        )
    return out


def _outside_desa(conn: Connection, params: Mapping[str, Any], tolerance_m: float) -> list[Flag]:
    out = []
    for r in conn.execute(text(_OUTSIDE_DESA_SQL), params):
        if r.metres is None or r.metres <= tolerance_m:
            continue
        desa = f"{r.name} ({r.code})" if r.name else r.code
        out.append(
            Flag(
                r.id,
                "outside_desa",
                f"Lokasi kegiatan berada {_metres(r.metres, 'id')} di luar Desa {desa} yang "
                f"disebut pada baris anggaran (toleransi {_metres(tolerance_m, 'id')})",
                f"The project's location lies {_metres(r.metres, 'en')} outside Desa {desa}, "
                f"the desa the budget row names (tolerance {_metres(tolerance_m, 'en')})",
            )
        )
    return out


def _columns(conn: Connection, params: Mapping[str, Any], on: date) -> list[Flag]:
    out = []
    for r in conn.execute(text(_COLUMNS_SQL), {**params, "today": on}):
        if r.over_budget:
            gap = r.realisation - r.pagu
            out.append(
                Flag(
                    r.id,
                    "over_budget",
                    f"Realisasi {rupiah(r.realisation, 'id')} melebihi pagu "
                    f"{rupiah(r.pagu, 'id')} (selisih {rupiah(gap, 'id')})",
                    f"Realisation {rupiah(r.realisation, 'en')} exceeds the budget ceiling "
                    f"{rupiah(r.pagu, 'en')} (by {rupiah(gap, 'en')})",
                )
            )
        if r.done_unpaid:
            pagu_id = f" (pagu {rupiah(r.pagu, 'id')})" if r.pagu else ""
            pagu_en = f" (budget ceiling {rupiah(r.pagu, 'en')})" if r.pagu else ""
            out.append(
                Flag(
                    r.id,
                    "done_unpaid",
                    f"Kemajuan fisik {_percent(r.progress, 'id')} tetapi belum ada realisasi "
                    f"anggaran{pagu_id}",
                    f"Physical progress is {_percent(r.progress, 'en')} but nothing has been "
                    f"paid{pagu_en}",
                )
            )
        if r.paid_not_started:
            out.append(
                Flag(
                    r.id,
                    "paid_not_started",
                    f"Realisasi {rupiah(r.realisation, 'id')} sudah dibayarkan tetapi kemajuan "
                    f"fisik 0 % padahal tanggal selesai {_day(r.end_date, 'id')} sudah lewat",
                    f"{rupiah(r.realisation, 'en')} has been paid but physical progress is 0 % "
                    f"although the end date {_day(r.end_date, 'en')} has passed",
                )
            )
    return out


def _capital(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]


def _duplicates(conn: Connection, params: Mapping[str, Any]) -> list[Flag]:
    """Return a duplicate flag on both rows of each pair with the same name and place."""
    # the bounding-box pre-filter in degrees: generous (a degree is at least 55 km below 60°)
    near = {"near": DUPLICATE_DISTANCE_M, "near_deg": DUPLICATE_DISTANCE_M / 55_000}
    pairs = _same_desa_pairs(conn, params)
    pairs += [
        _Pair(**r._mapping)
        for r in conn.execute(text(_NEAR_PAIRS_SQL), {**params, **near})
        if same_name(r.a_name, r.b_name)
    ]
    out = []
    for r in sorted(pairs, key=lambda p: (p.a_id, p.b_id)):
        if r.same_desa:
            where_id, where_en = "di desa yang sama", "in the same desa"
        else:
            where_id = f"berjarak {_metres(r.metres or 0.0, 'id')}"
            where_en = f"{_metres(r.metres or 0.0, 'en')} away"
        for me, other, name, ref, opd in (
            (r.a_id, r.b_id, r.b_name, r.b_ref, r.b_opd),
            (r.b_id, r.a_id, r.a_name, r.a_ref, r.a_opd),
        ):
            label = ref or f"#{other}"
            opd_id = f", {opd}" if opd else ""
            out.append(
                Flag(
                    me,
                    "duplicate",
                    f"Kemungkinan ganda dengan kegiatan {label} (“{name}”{opd_id}) pada tahun "
                    f"{r.year}, {where_id}",
                    f"Possibly the same project as {label} (“{name}”{opd_id}) in {r.year}, "
                    f"{where_en}",
                    other_id=other,
                )
            )
    return out
