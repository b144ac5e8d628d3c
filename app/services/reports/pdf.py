"""The A4 'Informasi Tata Ruang' sheet laid out with reportlab platypus (real, extractable text).

Font: DejaVu Sans (/usr/share/fonts/truetype/dejavu, fonts-dejavu-core from scripts/setup.sh),
embedded as a TrueType subset: it covers every Indonesian letter and the symbols used here
(², ≥, —). Without the file the sheet falls back to reportlab's built-in Helvetica, which is
enough for Latin text but not embedded. The map is a PNG placed at MAP_SIZE_PT, so its pixels
per inch are the renderer's dpi; the QR code is drawn as vector squares (segno's matrix).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import segno
from reportlab.graphics.shapes import Drawing, Rect
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Flowable,
    Image,
    KeepInFrame,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
MARGIN = 14 * mm
FRAME_W = A4[0] - 2 * MARGIN
FRAME_H = A4[1] - 2 * MARGIN
MAP_SIZE_PT = (FRAME_W, 88 * mm)  # the map's placed size (its pixels: size / 72 x dpi)
QR_SIZE = 26 * mm

WORDS: dict[str, dict[str, Any]] = {
    "id": {
        "title": "Informasi Tata Ruang",
        "subtitle": "Hasil pemeriksaan kesesuaian pemanfaatan ruang (pra-KKPR)",
        "parcel": "Persil",
        "location": "Lokasi",
        "desa": "Desa/Kelurahan",
        "kecamatan": "Kecamatan",
        "geometry": "Geometri",
        "point": "Titik",
        "area": "Luas",
        "activity": "Kegiatan (KBLI)",
        "none_asked": "— (tidak ada kegiatan yang ditanyakan)",
        "as_of": "Aturan berlaku pada",
        "verdict": "Hasil ITBX",
        "route": "Rute perizinan",
        "zones": "Zona",
        "code": "Kode",
        "name": "Nama",
        "class": "Kelas",
        "share": "Porsi",
        "itbx": "ITBX",
        "conditions": "Ketentuan",
        "envelope": "Intensitas pemanfaatan ruang",
        "zone": "Zona",
        "height": "Tinggi (m)",
        "floors": "Lantai",
        "footprint": "Maks. luas dasar bangunan",
        "floor_area": "Maks. luas lantai",
        "green": "Min. ruang terbuka hijau",
        "total": "Total",
        "overlays": "Kawasan pertampalan (overlay)",
        "no_overlays": "Tidak ada kawasan pertampalan.",
        "rasters": "Kondisi fisik (raster)",
        "raster_none": "tidak ada ketentuan yang terpenuhi",
        "sources": "Sumber dan versi",
        "layers": "Lapisan",
        "rules": "Aturan zonasi versi",
        "legal": "Dasar hukum",
        "warnings": "Catatan",
        "printed": "Dicetak",
        "map": "Peta",
        "projection": "proyeksi",
        "permalink": "Tautan peta",
        "disclaimer": "Dokumen ini hanya informasi tata ruang dan BUKAN dokumen KKPR yang sah "
        "menurut hukum. Kesesuaian Kegiatan Pemanfaatan Ruang diterbitkan melalui OSS "
        "(KKKPR) atau oleh instansi berwenang (PKKPR). Hasil dapat berubah bila data atau "
        "aturan diperbarui.",
        "verdicts": {
            "I": "Diizinkan",
            "T": "Diizinkan terbatas",
            "B": "Diizinkan bersyarat",
            "TB": "Diizinkan terbatas dan bersyarat",
            "X": "Tidak diizinkan",
            "mixed": "Campuran (berbeda per bagian persil)",
            "not_listed": "Kegiatan tidak tercantum dalam matriks ITBX",
            "no_plan": "Tidak ada rencana pola ruang",
        },
    },
    "en": {
        "title": "Spatial Planning Information",
        "subtitle": "Result of the spatial-use conformity check (pre-KKPR)",
        "parcel": "Parcel",
        "location": "Location",
        "desa": "Village (desa/kelurahan)",
        "kecamatan": "District (kecamatan)",
        "geometry": "Geometry",
        "point": "Point",
        "area": "Area",
        "activity": "Activity (KBLI)",
        "none_asked": "— (no activity asked)",
        "as_of": "Rules in force on",
        "verdict": "ITBX verdict",
        "route": "Permit route",
        "zones": "Zones",
        "code": "Code",
        "name": "Name",
        "class": "Class",
        "share": "Share",
        "itbx": "ITBX",
        "conditions": "Conditions",
        "envelope": "Building envelope",
        "zone": "Zone",
        "height": "Height (m)",
        "floors": "Floors",
        "footprint": "Max. footprint",
        "floor_area": "Max. floor area",
        "green": "Min. green area",
        "total": "Total",
        "overlays": "Overlays",
        "no_overlays": "No overlay applies.",
        "rasters": "Physical conditions (rasters)",
        "raster_none": "no rule is met",
        "sources": "Sources and versions",
        "layers": "Layers",
        "rules": "Zoning rules version",
        "legal": "Legal basis",
        "warnings": "Notes",
        "printed": "Printed",
        "map": "Map",
        "projection": "projection",
        "permalink": "Map link",
        "disclaimer": "This document is spatial planning information only and is NOT a legal "
        "KKPR document. A spatial-use conformity (KKPR) is issued through OSS (KKKPR) or by "
        "the competent authority (PKKPR). Results may change when data or rules are updated.",
        "verdicts": {
            "I": "Permitted",
            "T": "Permitted with limits",
            "B": "Permitted with conditions",
            "TB": "Permitted with limits and conditions",
            "X": "Not permitted",
            "mixed": "Mixed (differs across the parcel)",
            "not_listed": "Activity not listed in the ITBX matrix",
            "no_plan": "No zoning plan",
        },
    },
}


@dataclass
class Page:
    """One parcel's sheet: the check's answer, its map and its permalink."""

    answer: dict[str, Any]
    map_png: bytes
    map_px: tuple[int, int]
    map_crs: str
    permalink: str
    point: tuple[float, ...] | None = None


def fonts() -> tuple[str, str]:
    """Return the regular and bold font names, registering DejaVu Sans when it is installed."""
    regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
    if not (regular.exists() and bold.exists()):
        return "Helvetica", "Helvetica-Bold"
    if "DejaVuSans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVuSans", str(regular)))
        pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(bold)))
        pdfmetrics.registerFontFamily("DejaVuSans", normal="DejaVuSans", bold="DejaVuSans-Bold")
    return "DejaVuSans", "DejaVuSans-Bold"


class _Styles:
    def __init__(self) -> None:
        regular, bold = fonts()
        self.regular, self.bold = regular, bold
        base = ParagraphStyle(
            "base", fontName=regular, fontSize=7.6, leading=9.4, alignment=TA_LEFT
        )
        self.body = base
        self.small = ParagraphStyle("small", parent=base, fontSize=6.4, leading=7.8)
        self.cell = ParagraphStyle("cell", parent=base, fontSize=7, leading=8.4)
        self.head = ParagraphStyle("head", parent=self.cell, fontName=bold)
        self.h1 = ParagraphStyle("h1", parent=base, fontName=bold, fontSize=15, leading=18)
        self.h2 = ParagraphStyle(
            "h2", parent=base, fontName=bold, fontSize=9, leading=11, spaceBefore=5, spaceAfter=2
        )
        self.verdict = ParagraphStyle(
            "verdict", parent=base, fontName=bold, fontSize=10, leading=12
        )


def _p(text: Any, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape("" if text is None else str(text)), style)


def _num(value: Any, digits: int = 2, lang: str = "id") -> str:
    """Return a number for people: thousands and decimals in the language's way."""
    if value is None:
        return "–"
    if isinstance(value, int | float):
        text = f"{value:,.{digits}f}".rstrip("0").rstrip(".") if digits else f"{value:,.0f}"
        if lang == "id":
            text = text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")
        return text
    return str(value)


def _pct(share: float | None, lang: str) -> str:
    return "–" if share is None else _num(share * 100, 1, lang) + " %"


def _table(rows: list[list[Any]], widths: list[float], st: _Styles) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#999999")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8ECEF")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 2.5),
                ("RIGHTPADDING", (0, 0), (-1, -1), 2.5),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ]
        )
    )
    return table


def qr_drawing(url: str, size: float = QR_SIZE) -> Drawing:
    """Return the QR code of `url` as vector squares (error correction M, 4-module border)."""
    qr = segno.make(url, error="m", micro=False)
    matrix = qr.matrix
    n = len(matrix) + 8
    cell = size / n
    d = Drawing(size, size)
    d.add(Rect(0, 0, size, size, fillColor=colors.white, strokeColor=None))
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                y = size - (r + 5) * cell
                d.add(Rect((start + 4) * cell, y, (c - start) * cell, cell,
                           fillColor=colors.black, strokeColor=None))  # fmt: skip
            else:
                c += 1
    return d


def _verdict_text(answer: dict[str, Any], w: dict[str, Any], lang: str) -> str:
    verdict = answer.get("verdict")
    if verdict is None:
        return w["none_asked"]
    text = f"{verdict} — {w['verdicts'].get(verdict, verdict)}"
    shares = answer.get("verdict_shares") or {}
    if verdict == "mixed" or len(shares) > 1:
        text += " (" + ", ".join(f"{k} {_pct(v, lang)}" for k, v in shares.items()) + ")"
    return text


def _legal(c: dict[str, Any] | None) -> str:
    if not c:
        return ""
    return " ".join(str(x) for x in (c.get("citation") or c.get("source"), c.get("article")) if x)


def _page_story(page: Page, lang: str, today: date, st: _Styles) -> list[Flowable]:
    w = WORDS[lang]
    a = page.answer
    story: list[Flowable] = []
    story.append(_p(w["title"], st.h1))
    story.append(_p(w["subtitle"], st.small))
    story.append(Spacer(1, 3))
    img = Image(io.BytesIO(page.map_png), width=MAP_SIZE_PT[0], height=MAP_SIZE_PT[1])
    story.append(img)
    story.append(Spacer(1, 3))

    # Location, activity, verdict, route
    desa = [x for x in a.get("admin", []) if x.get("level") == "desa"]
    kec = [x for x in a.get("admin", []) if x.get("level") == "kecamatan"]

    def places(hits: list[dict[str, Any]]) -> str:
        return (
            "; ".join(
                f"{h.get('name') or '?'} ({h.get('code')})"
                + (f" {_pct(h.get('share'), lang)}" if len(hits) > 1 else "")
                for h in hits
            )
            or "–"
        )

    if page.point is not None:
        where = f"{w['point']} {page.point[1]:.6f}, {page.point[0]:.6f} (lat, lon)"
    else:
        where = f"{w['parcel']}, {w['area']} {_num(a.get('area_m2'), 2, lang)} m²"
    parcel = a.get("parcel")
    if parcel:
        where += f" — {parcel.get('layer')} {parcel.get('code') or parcel.get('id')}"
    act = a.get("activity")
    activity = w["none_asked"]
    if act:
        code = act.get("code") or ", ".join(act.get("kbli") or [])
        name = act.get("name_en") if lang == "en" and act.get("name_en") else act.get("name")
        activity = f"{code} — {name}"
    route = a.get("route")
    route_text = "–"
    if route:
        reason = (
            route.get("reason_en")
            if lang == "en" and route.get("reason_en")
            else route.get("reason")
        )
        route_text = f"{route['route']} — {reason}"
        if route.get("legal"):
            route_text += f" ({_legal(route['legal'])})"
    facts = [
        [_p(w["desa"], st.head), _p(places(desa), st.cell)],
        [_p(w["kecamatan"], st.head), _p(places(kec), st.cell)],
        [_p(w["geometry"], st.head), _p(where, st.cell)],
        [_p(w["activity"], st.head), _p(activity, st.cell)],
        [_p(w["as_of"], st.head), _p(a.get("as_of"), st.cell)],
        [_p(w["verdict"], st.head), _p(_verdict_text(a, w, lang), st.verdict)],
        [_p(w["route"], st.head), _p(route_text, st.cell)],
    ]
    facts_table = Table(facts, colWidths=[32 * mm, FRAME_W - 32 * mm - QR_SIZE - 4 * mm])
    facts_table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#CCCCCC")),
                ("TOPPADDING", (0, 0), (-1, -1), 1.2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.2),
            ]
        )
    )
    qr = Table(
        [[qr_drawing(page.permalink)], [_p(w["permalink"], st.small)]],
        colWidths=[QR_SIZE + 4 * mm],
    )
    qr.setStyle(TableStyle([("ALIGN", (0, 0), (-1, -1), "CENTER"),
                            ("LEFTPADDING", (0, 0), (-1, -1), 0),
                            ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))  # fmt: skip
    top = Table([[facts_table, qr]], colWidths=[FRAME_W - QR_SIZE - 4 * mm, QR_SIZE + 4 * mm])
    top.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                             ("LEFTPADDING", (0, 0), (-1, -1), 0),
                             ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))  # fmt: skip
    story.append(top)

    # Zones
    story.append(_p(w["zones"], st.h2))
    rows: list[list[Any]] = [
        [_p(h, st.head) for h in (w["code"], w["name"], w["class"], f"{w['area']} (m²)",
                                   w["share"], w["itbx"], w["conditions"])]
    ]  # fmt: skip
    for z in a.get("zones", []):
        name = z.get("class_name_en") if lang == "en" and z.get("class_name_en") else None
        name = name or z.get("class_name") or z.get("name")
        code = z.get("code") or "–"
        if z.get("zone_code") and z.get("zone_code") != z.get("code"):
            code = f"{code} ({z['zone_code']})"
        cond = (
            z.get("conditions_en")
            if lang == "en" and z.get("conditions_en")
            else z.get("conditions")
        )
        if z.get("legal"):
            cond = (cond + "; " if cond else "") + _legal(z["legal"])
        rows.append(
            [_p(code, st.cell), _p(name, st.cell), _p(z.get("class"), st.cell),
             _p(_num(z.get("area_m2"), 2, lang), st.cell), _p(_pct(z.get("share"), lang), st.cell),
             _p(z.get("itbx") or "–", st.cell), _p(cond or "", st.cell)]
        )  # fmt: skip
    if a.get("no_plan_share"):
        rows.append([_p("–", st.cell), _p(w["verdicts"]["no_plan"], st.cell), _p("", st.cell),
                     _p("", st.cell), _p(_pct(a["no_plan_share"], lang), st.cell),
                     _p("", st.cell), _p("", st.cell)])  # fmt: skip
    story.append(_table(rows, [20 * mm, 40 * mm, 17 * mm, 20 * mm, 14 * mm, 11 * mm,
                               FRAME_W - 122 * mm], st))  # fmt: skip

    # Envelope
    env = a.get("envelope")
    if env and env.get("parts"):
        story.append(_p(w["envelope"], st.h2))
        head = [
            w["zone"], "KDB (%)", "KLB", "KDH (%)", w["height"], w["floors"], "GSB (m)",
            f"{w['footprint']} (m²)", f"{w['floor_area']} (m²)", f"{w['green']} (m²)",
        ]  # fmt: skip
        erows: list[list[Any]] = [[_p(h, st.head) for h in head]]
        for part in env["parts"]:
            erows.append(
                [_p(part.get("code"), st.cell)]
                + [
                    _p(_num(part.get(k), 2, lang), st.cell)
                    for k in (
                        "kdb_max_pct",
                        "klb_max",
                        "kdh_min_pct",
                        "height_max_m",
                        "floors_max",
                        "gsb_m",
                        "max_footprint_m2",
                        "max_floor_area_m2",
                        "min_green_area_m2",
                    )  # fmt: skip
                ]
            )
        totals = {k: env.get(k) for k in ("max_footprint_m2", "max_floor_area_m2",
                                           "min_green_area_m2")}  # fmt: skip
        if any(v is not None for v in totals.values()) and a.get("geometry_type") != "Point":
            erows.append(
                [_p(w["total"], st.head)] + [_p("", st.cell)] * 6
                + [_p(_num(totals.get(k), 2, lang), st.cell)
                   for k in ("max_footprint_m2", "max_floor_area_m2", "min_green_area_m2")]
            )  # fmt: skip
        story.append(_table(erows, [18 * mm] + [14 * mm] * 6 + [(FRAME_W - 102 * mm) / 3] * 3, st))

    # Overlays
    story.append(_p(w["overlays"], st.h2))
    overlays = a.get("overlays") or []
    if not overlays:
        story.append(_p(w["no_overlays"], st.body))
    for o in overlays:
        label = o.get("attribute") or o.get("layer")
        rules = "; ".join(
            f"{r.get('itbx') or r.get('effect')}: "
            + str((r.get("restriction_en") if lang == "en" else None) or r.get("restriction"))
            + (f" ({_legal(r.get('legal'))})" if r.get("legal") else "")
            for r in o.get("rules") or []
        )
        text = (
            f"{label}: {o.get('code') or ''} {o.get('name') or ''} — {_pct(o.get('share'), lang)}"
        )
        story.append(_p(text + (f" — {rules}" if rules else ""), st.body))

    # Raster findings (slope, hazard classes): value or statistics, and the rules met
    rasters = a.get("rasters") or []
    if rasters:
        story.append(_p(w["rasters"], st.h2))
    for r in rasters:
        unit = f" {r['unit']}" if r.get("unit") else ""
        if r.get("value") is not None:
            cls = r.get("class") or {}
            name = cls.get("name_en" if lang == "en" else "name")
            seen = _num(r["value"], 2, lang) + unit + (f" ({name})" if name else "")
        elif r.get("stats"):
            st_ = r["stats"]
            seen = (
                f"min {_num(st_.get('min'), 2, lang)}, maks {_num(st_.get('max'), 2, lang)}, "
                f"rata-rata {_num(st_.get('mean'), 2, lang)}{unit}"
                if lang == "id"
                else f"min {_num(st_.get('min'), 2, lang)}, max {_num(st_.get('max'), 2, lang)}, "
                f"mean {_num(st_.get('mean'), 2, lang)}{unit}"
            )
        else:
            seen = r.get("note") or "–"
        rules = "; ".join(
            f"{x.get('itbx') or x.get('effect')} ({x.get('condition')}"
            + ("" if a.get("geometry_type") == "Point" else f", {_pct(x.get('share'), lang)}")
            + "): "
            + str((x.get("finding_en") if lang == "en" else None) or x.get("finding"))
            + (f" ({_legal(x.get('legal'))})" if x.get("legal") else "")
            for x in r.get("rules") or []
        )
        title = r.get("title") or r.get("raster")
        story.append(_p(f"{title}: {seen} — {rules or w['raster_none']}", st.body))

    # Sources
    story.append(_p(w["sources"], st.h2))
    src = a.get("sources") or {}
    layers = ", ".join(
        f"{x.get('title') or x.get('layer')} ({x.get('layer')} v{x.get('version')})"
        for x in src.get("layers") or []
    )
    story.append(_p(f"{w['layers']}: {layers or '–'}", st.small))
    raster_list = ", ".join(
        f"{x.get('title') or x.get('raster')} ({x.get('raster')} v{x.get('version')})"
        for x in src.get("rasters") or []
    )
    if raster_list:
        story.append(_p(f"Raster: {raster_list}", st.small))
    if src.get("rules"):
        story.append(_p(f"{w['rules']} {src['rules'].get('version')}", st.small))
    legal = "; ".join(
        " ".join(str(x) for x in (c.get("citation"), c.get("title"), c.get("article")) if x)
        for c in src.get("legal") or []
    )
    if legal:
        story.append(_p(f"{w['legal']}: {legal}", st.small))
    story.append(_p(f"{w['map']}: {w['projection']} {page.map_crs}", st.small))
    warnings = a.get("warnings") or []
    if warnings:
        story.append(_p(f"{w['warnings']}: " + " ".join(warnings), st.small))
    story.append(Spacer(1, 3))
    story.append(_p(f"{w['printed']}: {today.isoformat()} — {w['permalink']}: {page.permalink}",
                    st.small))  # fmt: skip
    story.append(_p(w["disclaimer"], ParagraphStyle("disc", parent=st.small, fontName=st.bold)))
    return story


def build(pages: list[Page], lang: str, today: date) -> bytes:
    """Return the PDF of the pages: A4 portrait, one page per parcel (shrunk to fit if long)."""
    st = _Styles()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
        bottomMargin=MARGIN, title=WORDS[lang]["title"], author="rtrw", subject="KKPR pre-check",
    )  # fmt: skip
    story: list[Flowable] = []
    for i, page in enumerate(pages):
        if i:
            story.append(PageBreak())
        story.append(
            KeepInFrame(FRAME_W, FRAME_H - 1, _page_story(page, lang, today, st), mode="shrink")
        )
    doc.build(story)
    return buf.getvalue()
