"""The map panel's answer: an HTML fragment laid out from the same Sheet as the PDF.

peta.js asks POST /zoning/panel?lang=.. and puts the fragment in the panel as it comes, so
the panel says exactly what the JSON, the PDF and the batch rows say: every word and number
is the Sheet's (app/services/zoning/sheet.py), every letter the judge's.
"""

from __future__ import annotations

import json
from html import escape

from app.l10n import t
from app.services.zoning.answer import Answer
from app.services.zoning.sheet import Outcome, Sheet, sheet

# The colour of each outcome's badge (ColorBrewer RdYlBu-like, readable with white text).
OUTCOME_COLOURS = {
    "I": "#1a9641",
    "T": "#b86e00",
    "B": "#2b83ba",
    "TB": "#7b3294",
    "X": "#d7191c",
    "mixed": "#555555",
    "not_listed": "#444444",
    "no_plan": "#777777",
    "outside": "#777777",
}


def badge(o: Outcome) -> str:
    """Return an outcome's coloured badge (the letter, or the word for the others)."""
    colour = OUTCOME_COLOURS.get(o.key, "#666666")
    return (
        f'<span class="rtrw-badge" data-letter="{escape(o.key)}" '
        f'style="background:{colour}" title="{escape(o.label)}">{escape(o.badge)}</span>'
    )


def _labelled(o: Outcome) -> str:
    """Return the badge followed by the label when the badge is only the letter."""
    return badge(o) + (f" {escape(o.label)}" if o.badge != o.label else "")


# Long by design (C901): the panel top to bottom, one block per section.
def panel_html(answer: Answer, lang: str) -> str:  # noqa: C901
    """Return the panel's HTML fragment for an answer in `lang`."""
    sh = sheet(answer, lang)
    desa = next((a.code for a in answer.admin if a.level == "desa" and a.code), "")
    h: list[str] = [
        f'<div class="rtrw-answer-body" lang="{escape(lang)}" '
        f'data-verdict="{escape(answer.verdict or "")}" data-desa="{escape(desa)}">'
    ]
    if sh.headline is not None:
        h.append(f'<div class="rtrw-verdict" id="rtrw-verdict">{_labelled(sh.headline)}</div>')
    if sh.headline_note:
        h.append(
            f'<p class="rtrw-verdict-note" id="rtrw-verdict-note">{escape(sh.headline_note)}</p>'
        )
    if answer.outside_warning is not None:
        h.append(f'<p class="rtrw-warn">{escape(answer.outside_warning.of(lang))}</p>')
    if sh.zones or sh.rest:  # the zones first: the headline's table, then the whole sentence
        h.append(_zones(sh, answer.is_point))
    h.append(f'<p class="rtrw-summary" id="rtrw-summary">{escape(sh.summary)}</p>')
    if sh.route:
        h.append(
            f'<h3>{escape(t("sheet.route", lang))}</h3><p id="rtrw-route">{escape(sh.route)}</p>'
        )
    if sh.envelope_totals:
        rows = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in sh.envelope_totals)
        h.append(f'<h3>{escape(t("sheet.envelope", lang))}</h3><dl class="rtrw-dl">{rows}</dl>')
    elif sh.envelope_point:
        h.append(
            f"<h3>{escape(t('sheet.envelope', lang))}</h3>"
            f'<p class="rtrw-small">{escape(sh.envelope_point)}</p>'
        )
    if answer.verdict != "outside":
        h.append(f"<h3>{escape(t('sheet.overlays', lang))}</h3>")
        h.append(
            '<ul id="rtrw-overlays">' + "".join(f"<li>{escape(x)}</li>" for x in sh.overlays)
            + "</ul>"
            if sh.overlays
            else f'<p class="muted">{escape(t("sheet.none", lang))}</p>'
        )  # fmt: skip
    if sh.rasters:
        h.append(f'<h3>{escape(t("sheet.rasters", lang))}</h3><ul id="rtrw-rasters">')
        h.append("".join(f"<li>{escape(x)}</li>" for x in sh.rasters) + "</ul>")
    if sh.desa or sh.kecamatan:
        h.append(f'<h3>{escape(t("sheet.location", lang))}</h3><p id="rtrw-admin">')
        lines = []
        if sh.desa:
            lines.append(f"{escape(t('sheet.desa', lang))}: <b>{escape('; '.join(sh.desa))}</b>")
        if sh.kecamatan:
            lines.append(f"{escape(t('sheet.kecamatan', lang))}: {escape('; '.join(sh.kecamatan))}")
        h.append("<br>".join(lines) + "</p>")
    if sh.warnings:
        items = "".join(f"<li>{escape(w)}</li>" for w in sh.warnings)
        h.append(f'<details><summary>{escape(t("sheet.warnings", lang))}</summary><ul>{items}</ul>'
                 "</details>")  # fmt: skip
    if sh.legal:
        items = "".join(f"<li>{escape(x)}</li>" for x in sh.legal)
        h.append(
            f"<details><summary>{escape(t('sheet.legal', lang))}</summary><ul>{items}</ul>"
            "</details>"
        )
    # the answer's JSON rides along, so the page holds the very answer it shows
    data = json.dumps(answer.to_json(), ensure_ascii=False).replace("</", "<\\/")
    h.append(f'<script type="application/json" class="rtrw-answer-json">{data}</script></div>')
    return "".join(h)


def _zones(sh: Sheet, point: bool) -> str:
    """Return the zone table: share, the matrix letter and the letters in effect with why."""
    lang = sh.lang
    heads = [t("sheet.zone", lang), "" if point else t("sheet.share", lang),
             t("sheet.matrix", lang), t("sheet.effective", lang)]  # fmt: skip
    rows = []
    for z in sh.zones:
        swatch = f'<span class="sw" style="background:{escape(z.colour or "#bbbbbb")}"></span>'
        matrix = _labelled(z.matrix) if z.matrix else "–"
        if z.conditions:
            matrix += f"<br><small>{escape(z.conditions)}</small>"
        effective = " ".join(
            '<span class="rtrw-nw">' + badge(o)
            + ("" if point or len(z.effective) == 1 else f" {escape(share)}") + "</span>"
            for o, share in z.effective
        ) or "–"  # fmt: skip
        rows.append(
            f'<tr data-code="{escape(z.code)}" class="{"rtrw-differs" if z.differs else ""}">'
            f'<td>{swatch}<b class="rtrw-zone-code">{escape(z.code)}</b><br>'
            f"<small>{escape(z.name)} · {escape(z.plan)}</small></td>"
            f"<td>{escape(z.share)}</td><td>{matrix}</td>"
            f'<td class="rtrw-effective">{effective}</td></tr>'
        )
        if z.differs:  # why the letters in effect differ from the matrix, under the row
            why = "".join(
                f"<li>{escape(t('sheet.because', lang))} {escape(line)}</li>" for line in z.because
            )
            rows.append(f'<tr class="rtrw-because"><td colspan="4"><ul>{why}</ul></td></tr>')
    for label, share in sh.rest:
        rows.append(f'<tr class="rtrw-rest"><td><i>{escape(label)}</i></td><td>{escape(share)}</td>'
                    "<td></td><td></td></tr>")  # fmt: skip
    head = "".join(f"<th>{escape(x)}</th>" for x in heads)
    return (
        f'<table class="rtrw-table" id="rtrw-zones"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
