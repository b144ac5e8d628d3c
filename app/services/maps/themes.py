"""Budget and PPID themes on the static map: the same classes and colours as the public map.

`anggaran` fills each desa by its total pagu (five quantile classes of the desa that have any
budget, as tema.js does), `ppid` fills each desa green (PPID formed), red (not formed) or grey
(kelurahan: no village PPID), `proyek` draws the placed projects coloured by physical progress.
Each theme is one `draw.DrawnLayer` with its own legend entries.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import shapely
from sqlalchemy import Connection, text

from app.l10n import rupiah_short, table
from app.services.maps import draw
from app.services.ppid.coverage import desa_list
from app.services.projects.queries import budget_summary

THEMES = ("anggaran", "ppid", "proyek")
RAMP = ("#f7fcf5", "#c7e9c0", "#74c476", "#31a354", "#006d2c")  # tema.js RAMP
PPID_COLOURS = {"formed": "#4daf4a", "not_formed": "#e41a1c", "kelurahan": "#d9d9d9"}
# physical progress classes (tema.js progressColour): 0 %, under 50 %, under 100 %, 100 %
PROGRESS = (("0", "#d7191c"), ("<50", "#fdae61"), ("<100", "#a6d96a"), ("100", "#1a9641"))

# The legend's progress classes (the colours and words of each class are fixed, not per language).
PROGRESS_LABELS = ("0 %", "< 50 %", "< 100 %", "100 %")


# Placed projects meeting the lon/lat box, in EPSG :srid (points and road lines).
PROJECTS_SQL = """
    SELECT p.progress, ST_AsBinary(ST_Transform(p.geom, :srid)) AS wkb
    FROM project p
    WHERE p.geom IS NOT NULL
      AND p.geom && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326)
      AND (CAST(:year AS integer) IS NULL OR p.year = CAST(:year AS integer))
    ORDER BY p.id
    LIMIT :cap
"""


def quantile_breaks(values: list[float], classes: int = len(RAMP) - 1) -> list[float]:
    """Return the upper bounds of the first classes-1 quantile classes of the positive values
    (tema.js `breaks`): v[floor(i n / classes)] for i = 1 .. classes-1."""
    v = sorted(x for x in values if x > 0)
    if not v:
        return []
    return [v[min(len(v) - 1, (i * len(v)) // classes)] for i in range(1, classes)]


def class_of(x: float, breaks: list[float]) -> int:
    """Return the RAMP index of `x`: 0 for no budget, else 1 + the breaks it exceeds."""
    if not x or x <= 0:
        return 0
    return 1 + sum(1 for b in breaks if x > b)


def progress_colour(progress: float | None) -> str:
    """Return the colour of a physical progress (%): 0, under 50, under 100, 100 (tema.js)."""
    p = float(progress or 0)
    if p >= 100:
        return PROGRESS[3][1]
    if p >= 50:
        return PROGRESS[2][1]
    if p > 0:
        return PROGRESS[1][1]
    return PROGRESS[0][1]


def theme_layer(
    conn: Connection,
    name: str,
    *,
    desa: draw.DrawnLayer | None,
    box: tuple[float, float, float, float],
    srid: int,
    year: int | None,
    region: str | None,
    lang: str,
    cap: int,
) -> draw.DrawnLayer:
    """Return the drawn layer of theme `name` (`desa`: the desa outlines in the frame)."""
    builders: dict[str, Callable[..., draw.DrawnLayer]] = {
        "anggaran": _budget,
        "ppid": _ppid,
        "proyek": _projects,
    }
    return builders[name](
        conn, desa=desa, box=box, srid=srid, year=year, region=region, lang=lang, cap=cap
    )


def _desa_features(desa: draw.DrawnLayer | None) -> list[draw.Feature]:
    return [f for f in (desa.features if desa else []) if (f.level or 4) == 4]


def _budget(conn: Connection, *, desa: draw.DrawnLayer | None, year: int | None, lang: str,
            **_: Any) -> draw.DrawnLayer:  # fmt: skip
    w = table("static", lang)
    groups = budget_summary(conn, "desa", year)["groups"]
    pagu = {g["key"]: g["pagu"] for g in groups if g["key"]}
    breaks = quantile_breaks(list(pagu.values()))
    feats = _desa_features(desa)
    colours = {f.code or "": RAMP[class_of(pagu.get(f.code or "", 0), breaks)] for f in feats}
    legend = [(RAMP[0], w["no_budget"])]
    if breaks:
        lows = [0.0, *breaks]
        for i, colour in enumerate(RAMP[1:], start=1):
            if i - 1 < len(breaks):
                low = "> 0" if i == 1 else rupiah_short(lows[i - 1], lang)
                legend.append((colour, f"{low} – {rupiah_short(breaks[i - 1], lang)}"))
            else:
                legend.append((colour, f"> {rupiah_short(breaks[-1], lang)}"))
    return draw.DrawnLayer("anggaran", "choropleth", w["anggaran"], feats, colours=colours,
                           legend=legend)  # fmt: skip


def _ppid(conn: Connection, *, desa: draw.DrawnLayer | None, region: str | None, lang: str,
          **_: Any) -> draw.DrawnLayer:  # fmt: skip
    w = table("static", lang)
    formed = {r["code"]: bool(r["formed"]) for r in desa_list(conn, region=region)}
    feats = _desa_features(desa)
    colours = {}
    for f in feats:
        code = f.code or ""
        if code in formed:
            colours[code] = PPID_COLOURS["formed" if formed[code] else "not_formed"]
        else:  # kelurahan (1xxx) or a desa of no current layer: no village PPID
            colours[code] = PPID_COLOURS["kelurahan"]
    legend = [(PPID_COLOURS[k], w[k]) for k in ("formed", "not_formed", "kelurahan")]
    return draw.DrawnLayer("ppid", "choropleth", w["ppid"], feats, colours=colours, legend=legend)


def _projects(conn: Connection, *, box: tuple[float, float, float, float], srid: int,
              year: int | None, lang: str, cap: int, **_: Any) -> draw.DrawnLayer:  # fmt: skip
    w = table("static", lang)
    rows = conn.execute(
        text(PROJECTS_SQL),
        {"x0": box[0], "y0": box[1], "x1": box[2], "y1": box[3], "srid": srid, "year": year,
         "cap": cap},
    ).all()  # fmt: skip
    feats = [draw.Feature(shapely.from_wkb(r.wkb), code=progress_colour(r.progress)) for r in rows]
    colours = {c: c for _, c in PROGRESS}
    legend = [(c, label) for (_, c), label in zip(PROGRESS, PROGRESS_LABELS, strict=True)]
    return draw.DrawnLayer("proyek", "markers", w["proyek"], feats, colours=colours, legend=legend)
