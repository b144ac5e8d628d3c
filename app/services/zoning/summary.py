"""Plain-language answers in Bahasa Indonesia and English, numbers written the way each reads."""

from __future__ import annotations

from typing import Any

from app.services.zoning.numbers import number, percent, square_metres

LETTER_WORDS = {
    "I": ("diizinkan", "allowed"),
    "T": ("diizinkan terbatas", "allowed with limitations"),
    "B": ("diizinkan bersyarat", "allowed with conditions"),
    "TB": ("diizinkan terbatas dan bersyarat", "allowed with limitations and conditions"),
    "X": ("tidak diizinkan", "not allowed"),
    "not_listed": (
        "tidak tercantum dalam matriks ITBX (bukan berarti diizinkan)",
        "not listed in the ITBX matrix (which does not mean allowed)",
    ),
    "no_plan": (
        "tidak tercakup rencana pola ruang (tidak dapat dinyatakan diizinkan)",
        "not covered by any zoning plan (cannot be declared allowed)",
    ),
}


def summary(a: dict[str, Any]) -> dict[str, str]:
    """Return a short plain-language answer in Bahasa Indonesia and English."""
    act = a["activity"]
    name_id = act["name"] if act else None
    name_en = (act["name_en"] or act["name"]) if act else None
    point = a["geometry_type"] == "Point"
    where_id = "Titik ini" if point else f"Persil ini ({square_metres(a['area_m2'], 'id')})"
    where_en = "This point" if point else f"This parcel ({square_metres(a['area_m2'], 'en')})"
    if a["verdict"] == "no_plan":
        return {
            "id": f"{where_id} berada di luar semua poligon rencana pola ruang: "
            f"{LETTER_WORDS['no_plan'][0]}.",
            "en": f"{where_en} lies outside every zoning polygon: {LETTER_WORDS['no_plan'][1]}.",
        }
    ids, ens = [], []
    for z in a["zones"]:
        label = f"{z['code']} ({z['name'] or z.get('class_name') or ''})".replace(" ()", "")
        # the pack's English sub-zone name where it has one
        label_en = f"{z['code']} ({z.get('class_name_en') or z['name'] or ''})".replace(" ()", "")
        share_id = "" if point else f"{percent(z['share'], 'id')} "
        share_en = "" if point else f"{percent(z['share'], 'en')} "
        if act and z["itbx"]:
            w_id, w_en = LETTER_WORDS[z["itbx"]]
            cond_id = f": {z['conditions']}" if z.get("conditions") else ""
            cond_en = f": {z['conditions_en']}" if z.get("conditions_en") else ""
            ids.append(f"{share_id}berada di {label}, di mana {name_id} {w_id}{cond_id}".strip())
            ens.append(f"{share_en}is in {label_en}, where {name_en} is {w_en}{cond_en}".strip())
        else:
            ids.append(f"{share_id}berada di {label}".strip())
            ens.append(f"{share_en}is in {label_en}".strip())
    glue = " " if point else ": "
    text_id = where_id + glue + "; ".join(ids)
    text_en = where_en + glue + "; ".join(ens)
    if not point and a["no_plan_share"] > 0:
        text_id += f"; {percent(a['no_plan_share'], 'id')} tidak tercakup rencana pola ruang"
        text_en += f"; {percent(a['no_plan_share'], 'en')} is outside every zoning polygon"
    for o in a["overlays"]:
        what = f"{o['attribute']} {o['code']}" if o.get("attribute") else o["code"]
        for rule in o.get("rules", []):
            share_id = "" if point else f" ({percent(o['share'], 'id')})"
            share_en = "" if point else f" ({percent(o['share'], 'en')})"
            text_id += f". Overlay {what}{share_id}: {rule['restriction']}"
            words_en = rule["restriction_en"] or rule["restriction"]
            text_en += f". Overlay {what}{share_en}: {words_en}"
    for r in a.get("rasters", []):
        for rule in r.get("rules", []):
            title = r.get("title") or r["raster"]
            share_id = "" if point else f" ({percent(rule['share'], 'id')})"
            share_en = "" if point else f" ({percent(rule['share'], 'en')})"
            text_id += f". {title} {rule['condition']}{share_id}: {rule['finding']}"
            text_en += f". {title} {rule['condition']}{share_en}: " + (
                rule["finding_en"] or rule["finding"]
            )
    if act and a["verdict"] == "mixed":
        shares = a["verdict_shares"].items()
        text_id += ". Putusan campuran: " + ", ".join(f"{k} {percent(v, 'id')}" for k, v in shares)
        text_en += ". Mixed verdict: " + ", ".join(f"{k} {percent(v, 'en')}" for k, v in shares)
    elif act and a["verdict"]:
        text_id += f". Kesimpulan: {LETTER_WORDS[a['verdict']][0]}"
        text_en += f". Verdict: {LETTER_WORDS[a['verdict']][1]}"
    env_id, env_en = _envelope(a.get("envelope"))
    if env_id:
        text_id += f". Intensitas bangunan: {env_id}"
        text_en += f". Building envelope: {env_en}"
    return {
        "id": text_id[:1].upper() + text_id[1:] + ".",
        "en": text_en[:1].upper() + text_en[1:] + ".",
    }


_ENVELOPE_WORDS = (
    ("max_footprint_m2", "tapak maksimum", "footprint at most"),
    ("max_floor_area_m2", "luas lantai maksimum", "floor area at most"),
    ("min_green_area_m2", "ruang hijau minimum", "green area at least"),
)


def _envelope(env: dict[str, Any] | None) -> tuple[str, str]:
    """Return the envelope totals of a parcel in words (id, en), empty when there are none."""
    if not env:
        return "", ""
    ids, ens = [], []
    for key, word_id, word_en in _ENVELOPE_WORDS:
        if env.get(key) is not None:
            ids.append(f"{word_id} {square_metres(env[key], 'id')}")
            ens.append(f"{word_en} {square_metres(env[key], 'en')}")
    if env.get("max_height_m") is not None:
        ids.append(f"tinggi maksimum {number(env['max_height_m'], 2, 'id')} m")
        ens.append(f"height at most {number(env['max_height_m'], 2, 'en')} m")
    return ", ".join(ids), ", ".join(ens)


def answer_summary(a: dict[str, Any]) -> dict[str, str]:
    """Return the summary with the outside-the-region warning first and the permit route last."""
    out = summary(a)
    warning = a.get("outside_warning")
    if warning:
        out = {
            "id": f"Peringatan: {warning['id']}. {out['id']}",
            "en": f"Warning: {warning['en']}. {out['en']}",
        }
    route = a.get("route")
    if route:
        reason_en = route["reason_en"] or route["reason"]
        out = {
            "id": f"{out['id']} Jalur perizinan: {route['route']} ({route['reason']}).",
            "en": f"{out['en']} Permit route: {route['route']} ({reason_en}).",
        }
    return out
