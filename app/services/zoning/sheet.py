"""What a person reads of an answer, in one language: the words every surface renders.

`sheet(answer, lang)` turns the typed answer into labelled strings: the headline (the verdict
and, when a rule changed it, why), the summary sentence, one row per zone with its matrix
letter, the letters in effect and the reasons, the location, route, envelope, overlays,
rasters, sources and notes. The map panel (maps/panel.py) and the PDF (reports/pdf.py) lay
out the same Sheet; the JSON's `summary` is `summary_text`. No renderer computes a letter or
formats a number itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.l10n import LANGS, Text, number, percent, square_metres, t
from app.services.zoning.answer import Answer, Because, ZoneRow

SHORT_LETTERS = ("I", "T", "B", "TB", "X")


@dataclass
class Outcome:
    """An outcome as a reader sees it: its key (I ... X, mixed, no_plan, ...) and its label."""

    key: str
    label: str

    @property
    def badge(self) -> str:
        """Return the text of the outcome's badge: the letter, or the label for words."""
        return self.key if self.key in SHORT_LETTERS else self.label


@dataclass
class ZoneLine:
    """One row of the zone table."""

    code: str
    name: str
    plan: str
    colour: str | None
    share: str
    area: str
    matrix: Outcome | None
    effective: list[tuple[Outcome, str]]  # the outcomes in effect with their share
    differs: bool  # the letters in effect are not just the matrix letter
    because: list[str]  # why: each rule that changed the letter, with its source
    conditions: str | None
    legal: str | None


@dataclass
class Sheet:
    """Every text of an answer in one language."""

    lang: str
    headline: Outcome | None
    headline_note: str | None  # shares of a mixed verdict, why a rule set it, or what to do
    summary: str
    where: str
    activity: str
    as_of: str
    zones: list[ZoneLine]
    rest: list[tuple[str, str]]  # (label, share) of no_plan and outside parts
    desa: list[str]
    kecamatan: list[str]
    route: str | None
    envelope_head: list[str] = field(default_factory=list)
    envelope_rows: list[list[str]] = field(default_factory=list)
    envelope_totals: list[tuple[str, str]] = field(default_factory=list)
    envelope_point: str | None = None
    overlays: list[str] = field(default_factory=list)
    rasters: list[str] = field(default_factory=list)
    layers: str = ""
    rasters_used: str = ""
    rules: str = ""
    legal: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def outcome(key: str, lang: str) -> Outcome:
    """Return an outcome with its label in `lang`."""
    return Outcome(key, t(f"verdict.{key}", lang))


def pct(share: float, lang: str) -> str:
    """Return a share as a reader sees it (the one percent format)."""
    return percent(share, lang)


def _activity_name(a: Answer, lang: str) -> str | None:
    act = a.activity
    if not act:
        return None
    if lang == "en":
        return act.get("name_en") or act.get("title_en") or act.get("name")
    return act.get("name")


def zone_label(z: ZoneRow, lang: str) -> str:
    """Return `R-2 (Perumahan kepadatan tinggi)`: the code and the rule tables' name; a local
    code with its national one, `PTP (P-1: Tanaman pangan)`."""
    title = z.title(lang)
    if z.zone_code and z.zone_code != z.code:
        title = f"{z.zone_code}: {title}" if title else z.zone_code
    return f"{z.code} ({title})" if title else str(z.code)


def _because_line(b: Because, lang: str) -> str:
    legal = f" ({b.legal.label()})" if b.legal else ""
    return f"{b.itbx}: {b.what.of(lang)} — {b.text.of(lang)}{legal}"


def _shares_text(shares: dict[str, float], lang: str) -> str:
    return ", ".join(f"{k if k in SHORT_LETTERS else t(f'outcome.{k}', lang)} {pct(v, lang)}"
                     for k, v in shares.items())  # fmt: skip


def _headline(a: Answer, lang: str) -> tuple[Outcome | None, str | None]:
    """Return the verdict and its note: the shares of a mixed verdict (of the part inside the
    planning area), the rules that set a single letter, or that an activity is needed."""
    if a.verdict is None:
        return None, t("summary.need_activity", lang) if a.zones else None
    head = outcome(a.verdict, lang)
    if a.verdict == "mixed":
        note = _shares_text(a.verdict_shares, lang)
        if a.outside_share > 0:
            note += f" ({t('summary.of_inside', lang)})"
        return head, note
    set_by = _unique_whats(
        b for z in a.zones if z.itbx != a.verdict for b in z.because if b.itbx == a.verdict
    )
    if set_by:
        return head, f"{t('sheet.because', lang)} " + "; ".join(w.of(lang) for w in set_by)
    return head, None


def _unique_whats(items: Any) -> list[Text]:
    seen: dict[str, Text] = {}
    for b in items:
        seen.setdefault(b.what.id, b.what)
    return list(seen.values())


def _zone_line(a: Answer, z: ZoneRow, lang: str) -> ZoneLine:
    code = str(z.code or "–")
    if z.zone_code and z.zone_code != z.code:
        code = f"{code} ({z.zone_code})"
    conditions = (z.conditions_en or z.conditions) if lang == "en" else z.conditions
    effective = [(outcome(k, lang), pct(v, lang)) for k, v in z.effective.items()]
    return ZoneLine(
        code=code,
        name=z.title(lang),
        plan=t(f"plan.{z.plan}", lang),
        colour=z.colour,
        share="" if a.is_point else pct(z.share, lang),
        area="" if z.area_m2 is None else square_metres(z.area_m2, lang),
        matrix=outcome(z.itbx, lang) if z.itbx else None,
        effective=effective,
        differs=z.differs(),
        because=[_because_line(b, lang) for b in z.because],
        conditions=conditions,
        legal=z.legal.label() if z.legal else None,
    )


def _places(a: Answer, level: str, lang: str) -> list[str]:
    hits = [x for x in a.admin if x.level == level]
    return [
        f"{h.name or '?'} ({h.code})" + (f" {pct(h.share, lang)}" if len(hits) > 1 else "")
        for h in hits
    ]


def _route(a: Answer, lang: str) -> str | None:
    r = a.route
    if r is None:
        return None
    reason = (r.reason_en or r.reason) if lang == "en" else r.reason
    plans = "; ".join(
        f"{t(f'plan.{p.plan}', lang)} {p.title_in(lang)} ({p.layer} v{p.version})" for p in r.plans
    )
    basis = t("route.basis", lang, plans=plans) if plans else t("route.basis_none", lang)
    legal = f" ({r.legal.label()})" if r.legal else ""
    return f"{r.route} — {reason}; {basis}{legal}"


_ENVELOPE_KEYS = (
    "kdb_max_pct", "klb_max", "kdh_min_pct", "height_max_m", "floors_max", "gsb_m",
    "max_footprint_m2", "max_floor_area_m2", "min_green_area_m2",
)  # fmt: skip


def _value(v: Any, lang: str) -> str:
    if v is None:
        return "–"
    if isinstance(v, int | float):
        return number(float(v), 2, lang)
    return str(v)


def _envelope(a: Answer, lang: str, sh: Sheet) -> None:
    env = a.envelope
    if env is None or not env.parts:
        return
    sh.envelope_head = [
        t("sheet.zone", lang), "KDB (%)", "KLB", "KDH (%)", t("sheet.height_m", lang),
        t("sheet.floors", lang), "GSB (m)", f"{t('sheet.footprint', lang)} (m²)",
        f"{t('sheet.floor_area', lang)} (m²)", f"{t('sheet.green', lang)} (m²)",
    ]  # fmt: skip
    sh.envelope_rows = [
        [str(p.code or "–"), *(_value(getattr(p, k), lang) for k in _ENVELOPE_KEYS)]
        for p in env.parts
    ]
    if a.is_point:
        p = env.parts[0]
        sh.envelope_point = (
            f"KDB {_value(p.kdb_max_pct, lang)} % · KLB {_value(p.klb_max, lang)} · "
            f"KDH {_value(p.kdh_min_pct, lang)} % · {t('sheet.height', lang)} "
            f"{_value(p.height_max_m, lang)} m"
        )
        return
    sh.envelope_totals = [
        (t("sheet.parcel_area", lang), square_metres(a.area_m2 or 0.0, lang)),
        (t("sheet.footprint", lang), _area(env.max_footprint_m2, lang)),
        (t("sheet.floor_area", lang), _area(env.max_floor_area_m2, lang)),
        (t("sheet.green", lang), _area(env.min_green_area_m2, lang)),
        (t("sheet.height", lang), "–" if env.max_height_m is None
         else f"{number(env.max_height_m, 2, lang)} m"),
    ]  # fmt: skip


def _area(v: float | None, lang: str) -> str:
    return "–" if v is None else square_metres(v, lang)


def _overlays(a: Answer, lang: str) -> list[str]:
    out = []
    for o in a.overlays:
        rules = "; ".join(
            f"{r.itbx or r.effect}: "
            + ((r.restriction_en or r.restriction) if lang == "en" else r.restriction)
            + (f" ({r.legal.label()})" if r.legal else "")
            for r in o.rules
        )
        share = "" if a.is_point else f", {pct(o.share, lang)}"
        head = f"{o.label(lang)} ({o.attribute or o.layer}{share})"
        out.append(head + (f" — {rules}" if rules else ""))
    return out


def _title(x: Any, lang: str, name_key: str = "raster") -> str:
    """Return a layer's or raster's title in `lang` (its English title where the pack gives
    one), from a finding or a sources entry; its name when it has no title."""
    get = x.get if isinstance(x, dict) else (lambda k: getattr(x, k, None))
    return (get("title_en") if lang == "en" else None) or get("title") or get(name_key) or ""


def _rasters(a: Answer, lang: str) -> list[str]:
    out = []
    for r in a.rasters:
        unit = f" {r.unit}" if r.unit else ""
        if r.value is not None:
            cls = r.class_ or {}
            name = cls.get("name_en" if lang == "en" else "name") or cls.get("name")
            seen = number(float(r.value), 2, lang) + unit + (f" ({name})" if name else "")
        elif r.stats:
            seen = t(
                "raster.stats", lang, min=_value(r.stats.get("min"), lang),
                max=_value(r.stats.get("max"), lang), mean=_value(r.stats.get("mean"), lang),
                unit=unit,
            )  # fmt: skip
        else:
            seen = r.note.of(lang) if r.note else "–"
        rules = "; ".join(
            f"{x.itbx or x.effect} ({x.condition}"
            + ("" if a.is_point else f", {pct(x.share, lang)}")
            + "): "
            + ((x.finding_en or x.finding) if lang == "en" else x.finding)
            + (f" ({x.legal.label()})" if x.legal else "")
            for x in r.rules
        )
        out.append(f"{_title(r, lang)}: {seen} — {rules or t('raster.none_met', lang)}")
    return out


def sheet(a: Answer, lang: str) -> Sheet:
    """Return what a person reads of the answer in `lang`."""
    head, note = _headline(a, lang)
    act = a.activity
    if act:
        code = act.get("code") or ", ".join(act.get("kbli") or [])
        activity = f"{code} — {_activity_name(a, lang)}"
        if not act.get("listed", True):
            activity += f" ({t('sheet.not_listed_activity', lang)})"
    else:
        activity = t("sheet.none_asked", lang)
    if a.is_point and a.geom is not None:
        where = (
            f"{t('sheet.point', lang)} {a.geom.y:.6f}, {a.geom.x:.6f} {t('sheet.lat_lon', lang)}"
        )
    else:
        where = f"{t('sheet.parcel', lang)}, {t('sheet.area', lang)} " + square_metres(
            a.area_m2 or 0.0, lang
        )
    if a.parcel:
        where += f" — {a.parcel.get('layer')} {a.parcel.get('code') or a.parcel.get('id')}"
    rest = []
    if a.no_plan_share > 0:
        rest.append(
            (t("sheet.no_plan_row", lang), "" if a.is_point else pct(a.no_plan_share, lang))
        )
    if a.outside_share > 0:
        rest.append(
            (t("sheet.outside_row", lang), "" if a.is_point else pct(a.outside_share, lang))
        )
    sh = Sheet(
        lang=lang,
        headline=head,
        headline_note=note,
        summary=summary_text(a).of(lang),
        where=where,
        activity=activity,
        as_of=a.as_of.isoformat(),
        zones=[_zone_line(a, z, lang) for z in a.zones],
        rest=rest,
        desa=_places(a, "desa", lang),
        kecamatan=_places(a, "kecamatan", lang),
        route=_route(a, lang),
        overlays=_overlays(a, lang),
        rasters=_rasters(a, lang),
        warnings=[w.text(lang) for w in a.warnings],
    )
    _envelope(a, lang, sh)
    src = a.sources
    sh.layers = ", ".join(
        f"{_title(x, lang, 'layer')} ({x.get('layer')} v{x.get('version')})" for x in src.layers
    )
    sh.rasters_used = ", ".join(
        f"{_title(x, lang, 'raster')} ({x.get('raster')} v{x.get('version')})" for x in src.rasters
    )
    sh.rules = f"{t('sheet.rules', lang)} {src.rules['version']}" if src.rules else ""
    sh.legal = [
        " ".join(str(x) for x in (c.citation or c.source, c.title, c.article) if x)
        for c in src.legal
    ]
    return sh


# --- the summary sentence ----------------------------------------------------------------------


def summary_text(a: Answer) -> Text:
    """Return the plain-language answer in both languages (the JSON's `summary`)."""
    id_, en = (_summary(a, lang) for lang in LANGS)
    return Text(id_, en)


# Long by design (C901): the summary sentence by sentence, in order.
def _summary(a: Answer, lang: str) -> str:  # noqa: C901
    """Return the summary in `lang`: the outside warning first, the permit route last."""
    where = (
        t("summary.point", lang)
        if a.is_point
        else t("summary.parcel", lang, area=square_metres(a.area_m2 or 0.0, lang))
    )
    name = _activity_name(a, lang)
    if a.verdict == "outside":
        region = (a.region or {}).get("name") or (a.region or {}).get("code")
        if region:
            return _sentence(t("summary.all_outside", lang, where=where, region=region))
        return _sentence(t("summary.all_outside_any", lang, where=where))
    if not a.zones:
        text = t("summary.all_no_plan", lang, where=where, phrase=t("phrase.no_plan", lang))
        return _finish(a, lang, text)
    parts = []
    for z in a.zones:
        label = zone_label(z, lang)
        piece = (
            t("summary.in_zone", lang, zone=label)
            if a.is_point
            else t("summary.share_in_zone", lang, share=pct(z.share, lang), zone=label)
        )
        if name and z.itbx:
            cond = (z.conditions_en or z.conditions) if lang == "en" else z.conditions
            piece += ", " + t(
                "summary.where_activity", lang, activity=name,
                phrase=t(f"phrase.{z.itbx}", lang), conditions=f": {cond}" if cond else "",
            )  # fmt: skip
            for letter, share in z.effective.items():
                if letter == z.itbx:
                    continue
                reasons = ", ".join(
                    w.of(lang) for w in _unique_whats(b for b in z.because if b.itbx == letter)
                )
                key = "summary.made_stricter_point" if a.is_point else "summary.made_stricter"
                piece += ", " + t(
                    key, lang, phrase=t(f"phrase.{letter}", lang), share=pct(share, lang),
                    reasons=reasons,
                )  # fmt: skip
        parts.append(piece)
    glue = " " if a.is_point else ": "
    text = where + glue + "; ".join(parts)
    if not a.is_point and a.no_plan_share > 0:
        text += "; " + t("summary.no_plan", lang, share=pct(a.no_plan_share, lang))
    if not a.is_point and a.outside_share > 0:
        text += "; " + t("summary.outside", lang, share=pct(a.outside_share, lang))
    # what each overlay and raster rule says for the activity (those that changed a letter are
    # named above); without an activity, only which overlays lie here
    for o in a.overlays:
        if a.activity is None:
            part = "" if a.is_point else f" ({pct(o.share, lang)})"
            text += f". {t('summary.overlay', lang, what=o.label(lang))}{part}"
            continue
        for rule in o.rules:
            words = (rule.restriction_en or rule.restriction) if lang == "en" else rule.restriction
            part = "" if a.is_point else f" ({pct(o.share, lang)})"
            text += f". {o.label(lang)}{part}: {words}"
    for r in a.rasters:
        for x in r.rules:
            words = (x.finding_en or x.finding) if lang == "en" else x.finding
            part = "" if a.is_point else f" ({pct(x.share, lang)})"
            text += f". {_title(r, lang)} {x.condition}{part}: {words}"
    return _finish(a, lang, text)


def _finish(a: Answer, lang: str, text: str) -> str:
    """Add the verdict, the envelope, the outside warning (first) and the route (last)."""
    if a.verdict == "mixed":
        shares = _shares_text(a.verdict_shares, lang)
        if a.outside_share > 0:
            shares += f" ({t('summary.of_inside', lang)})"
        text += ". " + t("summary.mixed", lang, shares=shares)
    elif a.verdict is not None and a.verdict != "no_plan":
        text += ". " + t("summary.verdict", lang, phrase=t(f"phrase.{a.verdict}", lang))
    elif a.verdict is None and a.zones:
        text += ". " + t("summary.need_activity", lang)
    env = a.envelope
    if env is not None and not a.is_point:
        items = [
            t(key, lang, v=square_metres(value, lang))
            for key, value in (
                ("envelope.footprint_max", env.max_footprint_m2),
                ("envelope.floor_area_max", env.max_floor_area_m2),
                ("envelope.green_min", env.min_green_area_m2),
            )
            if value is not None
        ]
        if env.max_height_m is not None:
            items.append(t("envelope.height_max", lang, v=f"{number(env.max_height_m, 2, lang)} m"))
        if items:
            text += ". " + t("summary.envelope", lang, items=", ".join(items))
    text = _sentence(text)
    if a.outside_warning is not None:
        text = _sentence(t("summary.warning", lang, text=a.outside_warning.of(lang))) + " " + text
    route = _route(a, lang)
    if route:
        text += " " + _sentence(t("summary.route", lang, route=route))
    return text


def _sentence(text: str) -> str:
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith(".") else text + "."
