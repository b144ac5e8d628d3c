"""Plain-language answers in Bahasa Indonesia and English."""

from __future__ import annotations

from typing import Any

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


def _pct(share: float) -> str:
    return f"{share * 100:.0f} %" if share >= 0.01 or share == 0 else f"{share * 100:.2f} %"


def summary(a: dict[str, Any]) -> dict[str, str]:
    """Return a short plain-language answer in Bahasa Indonesia and English."""
    act = a["activity"]
    name_id = act["name"] if act else None
    name_en = (act["name_en"] or act["name"]) if act else None
    point = a["geometry_type"] == "Point"
    where_id = "Titik ini" if point else "Persil ini"
    where_en = "This point" if point else "This parcel"
    if a["verdict"] == "no_plan":
        return {
            "id": f"{where_id} berada di luar semua poligon rencana pola ruang: "
            f"{LETTER_WORDS['no_plan'][0]}.",
            "en": f"{where_en} lies outside every zoning polygon: {LETTER_WORDS['no_plan'][1]}.",
        }
    ids, ens = [], []
    for z in a["zones"]:
        label = f"{z['code']} ({z['name'] or z.get('class_name') or ''})".replace(" ()", "")
        share_id = "" if point else f"{_pct(z['share'])} persil "
        share_en = "" if point else f"{_pct(z['share'])} of the parcel "
        if act and z["itbx"]:
            w_id, w_en = LETTER_WORDS[z["itbx"]]
            cond_id = f": {z['conditions']}" if z.get("conditions") else ""
            cond_en = f": {z['conditions_en']}" if z.get("conditions_en") else ""
            ids.append(f"{share_id}berada di {label}, di mana {name_id} {w_id}{cond_id}".strip())
            ens.append(f"{share_en}is in {label}, where {name_en} is {w_en}{cond_en}".strip())
        else:
            ids.append(f"{share_id}berada di {label}".strip())
            ens.append(f"{share_en}is in {label}".strip())
    text_id = ("Titik ini " if point else "") + "; ".join(ids)
    text_en = ("This point " if point else "") + "; ".join(ens)
    if not point and a["no_plan_share"] > 0:
        text_id += f"; {_pct(a['no_plan_share'])} persil tidak tercakup rencana pola ruang"
        text_en += f"; {_pct(a['no_plan_share'])} of the parcel is outside every zoning polygon"
    for o in a["overlays"]:
        for rule in o.get("rules", []):
            share = "" if point else f" ({_pct(o['share'])})"
            text_id += f". Overlay {o['code']}{share}: {rule['restriction']}"
            text_en += (
                f". Overlay {o['code']}{share}: {rule['restriction_en'] or rule['restriction']}"
            )
    if act and a["verdict"] == "mixed":
        parts_id = ", ".join(f"{k} {_pct(v)}" for k, v in a["verdict_shares"].items())
        text_id += f". Putusan campuran: {parts_id}"
        text_en += f". Mixed verdict: {parts_id}"
    elif act and a["verdict"]:
        text_id += f". Kesimpulan: {LETTER_WORDS[a['verdict']][0]}"
        text_en += f". Verdict: {LETTER_WORDS[a['verdict']][1]}"
    return {
        "id": text_id[:1].upper() + text_id[1:] + ".",
        "en": text_en[:1].upper() + text_en[1:] + ".",
    }
