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

from app.l10n import t
from app.services.zoning.answer import Answer
from app.services.zoning.sheet import sheet

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
MARGIN = 14 * mm
FRAME_W = A4[0] - 2 * MARGIN
FRAME_H = A4[1] - 2 * MARGIN
MAP_SIZE_PT = (FRAME_W, 88 * mm)  # the map's placed size (its pixels: size / 72 x dpi)
QR_SIZE = 26 * mm


@dataclass
class Page:
    """One parcel's sheet: the check's answer, its map and its permalink."""

    answer: Answer
    map_png: bytes
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


# Long by design (C901): the sheet top to bottom, one block per section.
def _page_story(page: Page, lang: str, today: date, st: _Styles) -> list[Flowable]:  # noqa: C901
    sh = sheet(page.answer, lang)  # every word and number of the page comes from the sheet
    story: list[Flowable] = []
    story.append(_p(t("sheet.title", lang), st.h1))
    story.append(_p(t("sheet.subtitle", lang), st.small))
    story.append(Spacer(1, 3))
    img = Image(io.BytesIO(page.map_png), width=MAP_SIZE_PT[0], height=MAP_SIZE_PT[1])
    story.append(img)
    story.append(Spacer(1, 3))

    # Location, activity, verdict, route
    verdict = (
        f"{sh.headline.badge} — {sh.headline.label}"
        if sh.headline and sh.headline.badge != sh.headline.label
        else (sh.headline.label if sh.headline else t("sheet.none_asked", lang))
    )
    verdict_cell: list[Flowable] = [_p(verdict, st.verdict)]
    if sh.headline_note:
        verdict_cell.append(_p(sh.headline_note, st.cell))
    facts = [
        [_p(t("sheet.desa", lang), st.head), _p("; ".join(sh.desa) or "–", st.cell)],
        [_p(t("sheet.kecamatan", lang), st.head), _p("; ".join(sh.kecamatan) or "–", st.cell)],
        [_p(t("sheet.geometry", lang), st.head), _p(sh.where, st.cell)],
        [_p(t("sheet.activity", lang), st.head), _p(sh.activity, st.cell)],
        [_p(t("sheet.as_of", lang), st.head), _p(sh.as_of, st.cell)],
        [_p(t("sheet.verdict", lang), st.head), verdict_cell],
        [_p(t("sheet.route", lang), st.head), _p(sh.route or "–", st.cell)],
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
        [[qr_drawing(page.permalink)], [_p(t("sheet.permalink", lang), st.small)]],
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

    # Zones: the matrix letter, the letters in effect and why they differ
    story.append(_p(t("sheet.zones", lang), st.h2))
    point = page.answer.is_point  # a point has no area nor share: those columns go
    heads = ["sheet.code", "sheet.name", "sheet.area", "sheet.share", "sheet.matrix",
             "sheet.effective", "sheet.conditions"]  # fmt: skip
    widths = [18 * mm, 38 * mm, 22 * mm, 13 * mm, 24 * mm, 18 * mm, FRAME_W - 133 * mm]
    if point:
        del heads[2:4], widths[2:4]
        widths[-1] = FRAME_W - sum(widths[:-1])
    rows: list[list[Any]] = [[_p(t(h, lang), st.head) for h in heads]]
    for z in sh.zones:
        effective = ", ".join(
            o.badge if point or len(z.effective) == 1 else f"{o.badge} {share}"
            for o, share in z.effective
        )
        notes: list[Flowable] = []
        if z.conditions:
            notes.append(_p(z.conditions, st.cell))
        for line in z.because:
            notes.append(_p(f"{t('sheet.because', lang)} {line}", st.cell))
        if z.legal:
            notes.append(_p(z.legal, st.small))
        cells: list[Any] = [_p(z.code, st.cell), _p(f"{z.name} · {z.plan}", st.cell)]
        if not point:
            cells += [_p(z.area, st.cell), _p(z.share, st.cell)]
        cells += [
            _p(f"{z.matrix.badge} {z.matrix.label}" if z.matrix else "–", st.cell),
            _p(effective or "–", st.head if z.differs else st.cell),
            notes or _p("", st.cell),
        ]
        rows.append(cells)
    for label, share in sh.rest:
        cells = [_p("–", st.cell), _p(label, st.cell)]
        cells += [] if point else [_p("", st.cell), _p(share, st.cell)]
        rows.append(cells + [_p("", st.cell)] * 3)
    story.append(_table(rows, widths, st))

    # Envelope
    if sh.envelope_rows:
        story.append(_p(t("sheet.envelope", lang), st.h2))
        erows: list[list[Any]] = [[_p(h, st.head) for h in sh.envelope_head]]
        erows += [[_p(v, st.cell) for v in row] for row in sh.envelope_rows]
        if sh.envelope_totals:
            totals = ", ".join(f"{k}: {v}" for k, v in sh.envelope_totals)
            erows.append([_p(t("sheet.total", lang), st.head), _p(totals, st.cell)]
                         + [_p("", st.cell)] * (len(sh.envelope_head) - 2))  # fmt: skip
        table = _table(erows, [18 * mm] + [14 * mm] * 6 + [(FRAME_W - 102 * mm) / 3] * 3, st)
        if sh.envelope_totals:
            table.setStyle(TableStyle([("SPAN", (1, -1), (-1, -1))]))
        story.append(table)

    # Overlays
    story.append(_p(t("sheet.overlays", lang), st.h2))
    if not sh.overlays:
        story.append(_p(t("sheet.no_overlays", lang), st.body))
    for line in sh.overlays:
        story.append(_p(line, st.body))

    # Raster findings (slope, hazard classes): value or statistics, and the rules met
    if sh.rasters:
        story.append(_p(t("sheet.rasters", lang), st.h2))
    for line in sh.rasters:
        story.append(_p(line, st.body))

    # Sources
    story.append(_p(t("sheet.sources", lang), st.h2))
    story.append(_p(f"{t('sheet.layers', lang)}: {sh.layers or '–'}", st.small))
    if sh.rasters_used:
        story.append(_p(f"{t('sheet.rasters_used', lang)}: {sh.rasters_used}", st.small))
    if sh.rules:
        story.append(_p(sh.rules, st.small))
    if sh.legal:
        story.append(_p(f"{t('sheet.legal', lang)}: " + "; ".join(sh.legal), st.small))
    story.append(
        _p(f"{t('sheet.map', lang)}: {t('sheet.projection', lang)} {page.map_crs}", st.small)
    )
    if sh.warnings:
        story.append(_p(f"{t('sheet.warnings', lang)}: " + " ".join(
            w if w.endswith(".") else w + "." for w in sh.warnings), st.small))  # fmt: skip
    story.append(Spacer(1, 3))
    story.append(_p(f"{t('sheet.printed', lang)}: {today.isoformat()} — "
                    f"{t('sheet.permalink', lang)}: {page.permalink}", st.small))  # fmt: skip
    story.append(
        _p(t("sheet.disclaimer", lang), ParagraphStyle("disc", parent=st.small, fontName=st.bold))
    )
    return story


def build(pages: list[Page], lang: str, today: date) -> bytes:
    """Return the PDF of the pages: A4 portrait, one page per parcel (shrunk to fit if long)."""
    st = _Styles()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
        bottomMargin=MARGIN, title=t("sheet.title", lang), author="rtrw", subject="KKPR pre-check",
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
