"""Every fixed text a person reads, in Bahasa Indonesia and English, in one table.

Keys are dotted names (`verdict.X`, `pdf.title`); each holds (Indonesian, English). Templates
take `{name}` fields: `t("summary.share_in", "en", share="12.5 %", zone="R-2")`. A field given
as a `Text` is filled in each language with its own half, so numbers formatted per language
(app/l10n/format.py) and names that exist in both languages stay unmixed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

Lang = Literal["id", "en"]
LANGS: tuple[Lang, Lang] = ("id", "en")


@dataclass(frozen=True)
class Text:
    """A text in Bahasa Indonesia (`id`) and English (`en`)."""

    id: str
    en: str

    def of(self, lang: str) -> str:
        """Return the text in `lang`."""
        return self.en if lang == "en" else self.id

    def as_dict(self) -> dict[str, str]:
        """Return `{"id": ..., "en": ...}` (the JSON shape)."""
        return {"id": self.id, "en": self.en}

    def __add__(self, other: Text | str) -> Text:
        if isinstance(other, Text):
            return Text(self.id + other.id, self.en + other.en)
        return Text(self.id + other, self.en + other)


@dataclass
class Notice:
    """Something the reader should know about the answer, in both languages."""

    code: str
    id: str
    en: str

    @classmethod
    def of(cls, code: str, text: Text) -> Notice:
        """Return the warning `code` with its text."""
        return cls(code, text.id, text.en)

    def text(self, lang: str) -> str:
        """Return the warning in `lang`."""
        return self.en if lang == "en" else self.id


def same(text: str) -> Text:
    """Return a text that reads the same in both languages (a code, a name, a number)."""
    return Text(text, text)


def in_both(fmt: Callable[..., str], *args: Any) -> Text:
    """Return `fmt(*args, lang)` in both languages (`in_both(percent, 0.25)`)."""
    return Text(fmt(*args, "id"), fmt(*args, "en"))


def t(key: str, lang: str, /, **fields: object) -> str:
    """Return the text `key` in `lang`, its `{fields}` filled (Text fields in that language)."""
    template = TEXTS[key][1 if lang == "en" else 0]
    if not fields:
        return template
    return template.format(
        **{k: v.of(lang) if isinstance(v, Text) else v for k, v in fields.items()}
    )


def both(key: str, /, **fields: object) -> Text:
    """Return the text `key` in both languages, its fields filled."""
    return Text(t(key, "id", **fields), t(key, "en", **fields))


def table(prefix: str, lang: str) -> dict[str, str]:
    """Return every text under `prefix.` in `lang`, keyed without the prefix (for pages)."""
    cut = len(prefix) + 1
    i = 1 if lang == "en" else 0
    return {k[cut:]: v[i] for k, v in TEXTS.items() if k.startswith(prefix + ".")}


def texts_of(lang: str) -> Mapping[str, str]:
    """Return every text in `lang` by key (the language tests read the whole table)."""
    i = 1 if lang == "en" else 0
    return {k: v[i] for k, v in TEXTS.items()}


TEXTS: dict[str, tuple[str, str]] = {
    # --- outcomes: the verdict's short label, and the phrase a sentence uses -----------------
    "verdict.I": ("Diizinkan", "Permitted"),
    "verdict.T": ("Diizinkan terbatas", "Permitted with limits"),
    "verdict.B": ("Diizinkan bersyarat", "Permitted with conditions"),
    "verdict.TB": ("Diizinkan terbatas dan bersyarat", "Permitted with limits and conditions"),
    "verdict.X": ("Tidak diizinkan", "Not permitted"),
    "verdict.mixed": ("Campuran (berbeda per bagian persil)", "Mixed (differs across the parcel)"),
    "verdict.not_listed": (
        "Tidak tercantum dalam matriks ITBX",
        "Not listed in the ITBX matrix",
    ),
    "verdict.no_plan": ("Tanpa rencana pola ruang", "No zoning plan"),
    "verdict.outside": ("Di luar wilayah perencanaan", "Outside the planning area"),
    "verdict.none": (
        "Pilih kegiatan usaha (KBLI) untuk melihat ketentuan I/T/B/X",
        "Choose a business activity (KBLI) to see its I/T/B/X rule",
    ),
    "outcome.not_listed": ("tidak tercantum", "not listed"),
    "outcome.no_plan": ("tanpa rencana", "no plan"),
    "outcome.outside": ("di luar wilayah", "outside"),
    "phrase.I": ("diizinkan", "permitted"),
    "phrase.T": ("diizinkan terbatas", "permitted with limits"),
    "phrase.B": ("diizinkan bersyarat", "permitted with conditions"),
    "phrase.TB": ("diizinkan terbatas dan bersyarat", "permitted with limits and conditions"),
    "phrase.X": ("tidak diizinkan", "not permitted"),
    "phrase.not_listed": (
        "tidak tercantum dalam matriks ITBX (bukan berarti diizinkan)",
        "not listed in the ITBX matrix (which does not mean permitted)",
    ),
    "phrase.no_plan": (
        "tidak tercakup rencana pola ruang (tidak dapat dinyatakan diizinkan)",
        "not covered by any zoning plan (cannot be declared permitted)",
    ),
    "phrase.outside": (
        "berada di luar wilayah perencanaan dan tidak dinilai",
        "lies outside the planning area and is not assessed",
    ),
    # --- the summary sentence ------------------------------------------------------------------
    "summary.point": ("Titik ini", "This point"),
    "summary.parcel": ("Persil ini ({area})", "This parcel ({area})"),
    "summary.in_zone": ("berada di {zone}", "is in {zone}"),
    "summary.share_in_zone": ("{share} berada di {zone}", "{share} is in {zone}"),
    "summary.where_activity": (
        "di mana {activity} {phrase}{conditions}",
        "where {activity} is {phrase}{conditions}",
    ),
    "summary.made_stricter": (
        "menjadi {phrase} pada {share} karena {reasons}",
        "becomes {phrase} on {share} because of {reasons}",
    ),
    "summary.made_stricter_point": (
        "menjadi {phrase} karena {reasons}",
        "becomes {phrase} because of {reasons}",
    ),
    "summary.no_plan": (
        "{share} tidak tercakup rencana pola ruang",
        "{share} is outside every zoning polygon",
    ),
    "summary.outside": (
        "{share} berada di luar wilayah perencanaan (tidak dinilai)",
        "{share} lies outside the planning area (not assessed)",
    ),
    "summary.all_no_plan": (
        "{where} berada di luar semua poligon rencana pola ruang: {phrase}",
        "{where} lies outside every zoning polygon: {phrase}",
    ),
    "summary.all_outside": (
        "{where} berada di luar wilayah perencanaan {region}: tidak dinilai",
        "{where} lies outside the planning area of {region}: not assessed",
    ),
    "summary.all_outside_any": (
        "{where} berada di luar semua wilayah perencanaan yang dimuat: tidak dinilai",
        "{where} lies outside every loaded planning area: not assessed",
    ),
    "summary.overlay": ("Berada di kawasan {what}", "Lies in the {what} area"),
    "summary.verdict": ("Kesimpulan: {phrase}", "Verdict: {phrase}"),
    "summary.mixed": ("Kesimpulan campuran: {shares}", "Mixed verdict: {shares}"),
    "summary.of_inside": ("dari bagian di dalam wilayah", "of the part inside the region"),
    "summary.need_activity": (
        "Pilih kegiatan usaha (KBLI) untuk mendapatkan kesimpulan I/T/B/X",
        "Choose a business activity (KBLI) to get an I/T/B/X verdict",
    ),
    "summary.envelope": ("Intensitas bangunan: {items}", "Building envelope: {items}"),
    "summary.route": ("Jalur perizinan: {route}", "Permit route: {route}"),
    "summary.warning": ("Peringatan: {text}", "Warning: {text}"),
    "envelope.footprint_max": ("tapak maksimum {v}", "footprint at most {v}"),
    "envelope.floor_area_max": ("luas lantai maksimum {v}", "floor area at most {v}"),
    "envelope.green_min": ("ruang hijau minimum {v}", "green area at least {v}"),
    "envelope.height_max": ("tinggi maksimum {v}", "height at most {v}"),
    # --- why a zone's letter changed ------------------------------------------------------------
    "because.overlay": ("kawasan {what} ({layer})", "the {what} area ({layer})"),
    "because.attribute": (
        "atribut {what} pada poligon zona",
        "attribute {what} of the zone polygon",
    ),
    "because.raster": ("{title} {condition}", "{title} {condition}"),
    # --- the permit route -------------------------------------------------------------------------
    "route.basis": ("dinilai terhadap {plans}", "assessed against {plans}"),
    "route.basis_none": (
        "tidak ada rencana pola ruang yang mencakup persil",
        "no zoning plan covers the parcel",
    ),
    "plan.rtrw": ("RTRW", "RTRW"),
    "plan.rdtr": ("RDTR", "RDTR"),
    # --- warnings ---------------------------------------------------------------------------------
    "warn.outside_part": (
        "{share} persil berada di luar wilayah perencanaan (laut atau wilayah lain) dan tidak "
        "dinilai; jawaban ini hanya untuk bagian di dalam wilayah",
        "{share} of the parcel lies outside the planning area (the sea or another region) and "
        "is not assessed; this answer covers only the part inside",
    ),
    "warn.outside_all": (
        "Geometri berada di luar batas wilayah perencanaan yang dimuat ({region}); tidak ada "
        "ketentuan tata ruang yang dapat dinilai di sini",
        "The geometry lies outside the boundary of the loaded planning area ({region}); no "
        "zoning rule can be assessed here",
    ),
    "warn.outside_nothing": (
        "Geometri tidak menyentuh wilayah perencanaan mana pun yang dimuat; tidak ada ketentuan "
        "tata ruang yang dapat dinilai di sini",
        "The geometry touches no loaded planning area; no zoning rule can be assessed here",
    ),
    "warn.zoning_outside": (
        "poligon zona {code} lapisan {layer} berada di luar batas wilayah dan tidak dinilai",
        "zone polygon {code} of layer {layer} lies outside the region's boundary and is not "
        "assessed",
    ),
    "warn.unknown_zone": (
        "kode zona {code} tidak ada dalam tabel aturan zonasi",
        "zone code {code} is not in the rule tables",
    ),
    "warn.raster_missing": (
        "raster {name} yang disebut raster_rules.csv belum dimuat",
        "raster {name} named by raster_rules.csv is not loaded",
    ),
    "warn.repaired": (
        "poligon persil tidak valid ({reason}) dan diperbaiki dengan make_valid",
        "the polygon was invalid ({reason}) and was repaired with make_valid",
    ),
    "warn.regions": (
        "geometri melintasi beberapa wilayah ({regions}); dijawab oleh {region} yang memuat "
        "bagian terbesarnya",
        "the geometry spans several regions ({regions}); it is answered by {region}, which "
        "holds its larger part",
    ),
    "warn.kecamatan_mismatch": (
        "desa {desa} berada di poligon kecamatan {found}, tetapi kode Kemendagri-nya menyebut "
        "kecamatan {named}: kecamatan yang dilaporkan adalah {named}",
        "desa {desa} lies in kecamatan polygon {found}, but its Kemendagri code names "
        "kecamatan {named}: the kecamatan reported is {named}",
    ),
    "warn.intensity_text": (
        "zona {zone}: {field} {value} bukan angka; ditampilkan sebagai teks dan tidak dihitung "
        "dalam intensitas bangunan",
        "zone {zone}: {field} {value} is not a number; passed through as text and left out of "
        "the envelope",
    ),
    # --- budget flags (APBD projects) ------------------------------------------------------------
    "flag.length": ("panjang", "length"),
    "flag.area": ("luas", "area"),
    "flag.protected_zone": ("sub-zona lindung {zone}", "the protected sub-zone {zone}"),
    "flag.protected_attribute": ("{what} ({rule})", "{what} ({rule})"),
    "flag.protected_overlay": (
        "kawasan {what} (lapisan {layer}: {rule})",
        "the {what} area (layer {layer}: {rule})",
    ),
    "flag.protected_point": (
        "Lokasi kegiatan berada di {reasons}",
        "The project's location lies in {reasons}",
    ),
    "flag.protected_most": (
        "Lebih dari separuh {whole} kegiatan ({share}) berada di {reasons}",
        "More than half of the project's {whole} ({share}) lies in {reasons}",
    ),
    "flag.under": (" menurut {source}", " under {source}"),
    "flag.forbidden_zone": (
        "kegiatan “{activity}”{via} tidak diperbolehkan (X) di zona {zone}{cited}",
        "the activity “{activity}”{via} is not allowed (X) in zone {zone}{cited}",
    ),
    "flag.forbidden_because": (
        "kegiatan “{activity}”{via} tidak diperbolehkan (X) di zona {zone} karena {why}",
        "the activity “{activity}”{via} is not allowed (X) in zone {zone} because of {why}",
    ),
    "flag.forbidden_point": ("{reasons}", "{reasons}"),
    "flag.forbidden_most": (
        "Lebih dari separuh {whole} kegiatan ({share}) berada di zona yang tidak "
        "membolehkannya: {reasons}",
        "More than half of the project's {whole} ({share}) lies in zones that do not allow "
        "it: {reasons}",
    ),
    # --- raster notes -----------------------------------------------------------------------------
    "raster.outside": ("di luar cakupan raster", "outside the raster"),
    "raster.no_data": ("tidak ada data di sini", "no data here"),
    "raster.stats": (
        "min {min} · maks {max} · rata-rata {mean}{unit}",
        "min {min} · max {max} · mean {mean}{unit}",
    ),
    "raster.none_met": ("tidak ada ketentuan yang terpenuhi", "no rule is met"),
    # --- units and months -------------------------------------------------------------------------
    "unit.billion": ("M", "bn"),
    "unit.million": ("jt", "m"),
    "month.1": ("Januari", "January"),
    "month.2": ("Februari", "February"),
    "month.3": ("Maret", "March"),
    "month.4": ("April", "April"),
    "month.5": ("Mei", "May"),
    "month.6": ("Juni", "June"),
    "month.7": ("Juli", "July"),
    "month.8": ("Agustus", "August"),
    "month.9": ("September", "September"),
    "month.10": ("Oktober", "October"),
    "month.11": ("November", "November"),
    "month.12": ("Desember", "December"),
    # --- labels the answer sheet uses (the map panel and the PDF) -------------------------------
    "sheet.title": ("Informasi Tata Ruang", "Spatial Planning Information"),
    "sheet.subtitle": (
        "Hasil pemeriksaan kesesuaian pemanfaatan ruang (pra-KKPR)",
        "Result of the spatial-use conformity check (pre-KKPR)",
    ),
    "sheet.verdict": ("Hasil ITBX", "ITBX verdict"),
    "sheet.zones": ("Zona", "Zones"),
    "sheet.zone": ("Zona", "Zone"),
    "sheet.code": ("Kode", "Code"),
    "sheet.name": ("Nama", "Name"),
    "sheet.class": ("Kelas", "Class"),
    "sheet.area": ("Luas", "Area"),
    "sheet.parcel_area": ("Luas persil", "Parcel area"),
    "sheet.share": ("Porsi", "Share"),
    "sheet.matrix": ("Matriks ITBX", "ITBX matrix"),
    "sheet.effective": ("Berlaku", "In effect"),
    "sheet.conditions": ("Ketentuan", "Conditions"),
    "sheet.because": ("karena", "because of"),
    "sheet.no_plan_row": ("tanpa rencana pola ruang", "no zoning plan"),
    "sheet.outside_row": ("di luar wilayah perencanaan", "outside the planning area"),
    "sheet.route": ("Jalur perizinan", "Permit route"),
    "sheet.envelope": ("Intensitas pemanfaatan ruang", "Building envelope"),
    "sheet.footprint": ("Maks. luas dasar bangunan", "Max. footprint"),
    "sheet.floor_area": ("Maks. luas lantai", "Max. floor area"),
    "sheet.green": ("Min. ruang terbuka hijau", "Min. green area"),
    "sheet.height": ("Tinggi maks.", "Max. height"),
    "sheet.height_m": ("Tinggi (m)", "Height (m)"),
    "sheet.floors": ("Lantai", "Floors"),
    "sheet.total": ("Total", "Total"),
    "sheet.overlays": ("Kawasan pertampalan (overlay)", "Overlays"),
    "sheet.no_overlays": ("Tidak ada kawasan pertampalan.", "No overlay applies."),
    "sheet.rasters": ("Kondisi fisik (raster)", "Physical conditions (rasters)"),
    "sheet.location": ("Lokasi", "Location"),
    "sheet.desa": ("Desa/Kelurahan", "Village (desa/kelurahan)"),
    "sheet.kecamatan": ("Kecamatan", "District (kecamatan)"),
    "sheet.geometry": ("Geometri", "Geometry"),
    "sheet.point": ("Titik", "Point"),
    "sheet.parcel": ("Persil", "Parcel"),
    "sheet.activity": ("Kegiatan (KBLI)", "Activity (KBLI)"),
    "sheet.none_asked": ("— (tidak ada kegiatan yang ditanyakan)", "— (no activity asked)"),
    "sheet.not_listed_activity": (
        "tidak tercantum dalam aturan zonasi wilayah ini",
        "not listed in this region's zoning rules",
    ),
    "sheet.as_of": ("Aturan berlaku pada", "Rules in force on"),
    "sheet.sources": ("Sumber dan versi", "Sources and versions"),
    "sheet.layers": ("Lapisan", "Layers"),
    "sheet.rasters_used": ("Raster", "Rasters"),
    "sheet.rules": ("Aturan zonasi versi", "Zoning rules version"),
    "sheet.legal": ("Dasar hukum", "Legal basis"),
    "sheet.warnings": ("Catatan", "Notes"),
    "sheet.printed": ("Dicetak", "Printed"),
    "sheet.map": ("Peta", "Map"),
    "sheet.projection": ("proyeksi", "projection"),
    "sheet.permalink": ("Tautan peta", "Map link"),
    "sheet.lat_lon": ("(lintang, bujur)", "(lat, lon)"),
    "sheet.disclaimer": (
        "Dokumen ini hanya informasi tata ruang dan BUKAN dokumen KKPR yang sah menurut hukum. "
        "Kesesuaian Kegiatan Pemanfaatan Ruang diterbitkan melalui OSS (KKKPR) atau oleh "
        "instansi berwenang (PKKPR). Hasil dapat berubah bila data atau aturan diperbarui.",
        "This document is spatial planning information only and is NOT a legal KKPR document. "
        "A spatial-use conformity (KKPR) is issued through OSS (KKKPR) or by the competent "
        "authority (PKKPR). Results may change when data or rules are updated.",
    ),
    "sheet.none": ("tidak ada", "none"),
    "sheet.mean": ("rata-rata", "mean"),
    # --- the map page (peta.js: the bar, the panel's own controls, the legend) -------------------
    "map.title": ("Peta Tata Ruang", "Spatial Plan Map"),
    "map.search_place": ("Cari desa/kelurahan atau kode", "Find a village or code"),
    "map.kbli_label": ("Kegiatan usaha (KBLI)", "Business activity (KBLI)"),
    "map.kbli_hint": (
        "Kode KBLI atau kata, mis. 47111, warung, pabrik",
        "KBLI code or words, e.g. 47111, shop, factory",
    ),
    "map.click_hint": (
        "Klik peta atau gambar persil untuk melihat ketentuan tata ruangnya.",
        "Click the map or draw a parcel to see its zoning rules.",
    ),
    "map.copy_link": ("Salin tautan", "Copy link"),
    "map.copied": ("Tautan disalin", "Link copied"),
    "map.pdf": ("Cetak PDF", "Print PDF"),
    "map.embed": ("Sematkan peta", "Embed map"),
    "map.toggle_panel": ("Buka/tutup panel", "Open/close panel"),
    "map.checking": ("Memeriksa…", "Checking…"),
    "map.offline": (
        "Pemeriksaan zonasi memerlukan koneksi internet. Peta yang sudah dibuka tetap dapat "
        "dilihat.",
        "The zoning check needs an internet connection. Maps already opened stay visible.",
    ),
    "map.failed": ("Pemeriksaan gagal", "The check failed"),
    "map.legend": ("Legenda", "Legend"),
    "map.not_listed_note": ("tidak tercantum dalam matriks ITBX", "not listed in the ITBX matrix"),
    "map.kbli_none": ("Tidak ditemukan", "No match"),
    "map.kbli_suggest": ("Tidak ditemukan — mungkin maksud Anda:", "No match — did you mean:"),
    "map.locate": ("Lokasi saya", "My location"),
    "map.basemap": ("Peta dasar", "Base map"),
    "map.fullscreen": ("Layar penuh", "Full screen"),
    # --- budget and PPID on the map (tema.js) ---------------------------------------------------
    "themes.themes": ("Anggaran & PPID", "Budget & PPID"),
    "themes.projects": ("Proyek APBD", "APBD projects"),
    "themes.budget": ("Anggaran per desa", "Budget per village"),
    "themes.budget_kec": ("Anggaran per kecamatan", "Budget per district"),
    "themes.ppid": ("PPID desa", "Village PPID"),
    "themes.year": ("Tahun", "Year"),
    "themes.opd": ("OPD", "Agency (OPD)"),
    "themes.source": ("Sumber dana", "Funding source"),
    "themes.all": ("Semua", "All"),
    "themes.pagu": ("Pagu", "Budget ceiling"),
    "themes.realisation": ("Realisasi", "Realisation"),
    "themes.progress": ("Progres fisik", "Physical progress"),
    "themes.flags": ("Catatan integritas", "Integrity flags"),
    "themes.no_ppid": ("Desa tanpa PPID", "Villages without a PPID"),
    "themes.formed": ("PPID terbentuk", "PPID formed"),
    "themes.not_formed": ("Belum ada PPID", "No PPID yet"),
    "themes.kelurahan": ("Kelurahan (tanpa PPID desa)", "Kelurahan (no village PPID)"),
    "themes.projects_n": ("proyek", "projects"),
    "themes.coverage": ("Cakupan PPID", "PPID coverage"),
    "themes.loading": ("Memuat…", "Loading…"),
    "themes.none": ("tidak ada", "none"),
    # --- the static map (PNG) and the map in the PDF ------------------------------------------
    "static.north": ("U", "N"),
    "static.legend": ("Legenda", "Legend"),
    "static.zoning": ("Pola ruang", "Zoning"),
    "static.admin": ("Batas administrasi", "Administrative boundaries"),
    "static.level.2": ("Batas kabupaten", "Regency boundary"),
    "static.level.3": ("Batas kecamatan", "District boundary"),
    "static.level.4": ("Batas desa/kelurahan", "Village boundary"),
    "static.highlight": ("Batas yang ditandai", "Highlighted outline"),
    "static.parcel": ("Persil", "Parcel"),
    "static.source": ("Sumber", "Source"),
    "static.rules": ("aturan zonasi", "zoning rules"),
    "static.made": ("Peta dibuat oleh layanan RTRW", "Map made by the RTRW service"),
    "static.crs": ("Proyeksi", "Projection"),
    "static.more": ("lainnya", "more"),
    "static.anggaran": ("Pagu APBD per desa", "APBD budget per village"),
    "static.ppid": ("PPID desa", "Village PPID"),
    "static.proyek": ("Proyek APBD (progres fisik)", "APBD projects (physical progress)"),
    "static.no_budget": ("tanpa proyek", "no project"),
    "static.formed": ("PPID terbentuk", "PPID formed"),
    "static.not_formed": ("PPID belum terbentuk", "no PPID yet"),
    "static.kelurahan": ("kelurahan (bukan desa)", "kelurahan (not a desa)"),
    # --- the catalog of named things (layers, rasters): why a name finds nothing or too much ---
    "catalog.in_region": (" di wilayah {region}", " in region {region}"),
    "catalog.layer_not_found": (
        "Tidak ada lapisan bernama {name}{where}",
        "no layer named {name}{where}",
    ),
    "catalog.raster_not_found": (
        "Raster {name}{where} tidak ditemukan",
        "no raster named {name}{where}",
    ),
    "catalog.ambiguous": (
        "Beberapa wilayah memiliki {noun} bernama {name} ({codes}); "
        "sebutkan salah satunya dengan ?region=KODE (CLI: --region KODE)",
        "several regions have a {noun} named {name} ({codes}); "
        "name one with ?region=CODE (CLI: --region CODE)",
    ),
    "catalog.no_version": (
        "{noun} {name}{where} tidak memiliki versi {version}",
        "{noun} {name}{where} has no version {version}",
    ),
    "catalog.no_current_version": (
        "{noun} {name}{where} tidak memiliki versi yang berlaku",
        "{noun} {name}{where} has no current version",
    ),
    "catalog.versions_are": ("; versinya: {versions}", "; its versions are: {versions}"),
    "catalog.no_versions": ("tidak ada", "none"),
    # --- errors: each code's sentence (a raise site without its own Indonesian text gets it) ---
    "error.error": (
        "Permintaan tidak dapat diproses",
        "The request cannot be processed",
    ),
    "error.not_found": (
        "Data yang diminta tidak ditemukan",
        "The data asked for was not found",
    ),
    "error.layer_not_found": (
        "Lapisan yang diminta tidak ditemukan di katalog",
        "The layer asked for is not in the catalog",
    ),
    "error.raster_not_found": (
        "Raster yang diminta tidak ditemukan di katalog",
        "The raster asked for is not in the catalog",
    ),
    "error.point_outside_raster": (
        "Titik berada di luar cakupan raster; tidak ada nilai di sana",
        "The point lies outside the raster; there is no value there",
    ),
    "error.outside_raster": (
        "Persil berada sepenuhnya di luar cakupan raster",
        "The parcel lies wholly outside the raster",
    ),
    "error.admin_area_not_found": (
        "Wilayah administrasi dengan kode tersebut belum dimuat",
        "No administrative area with that code is loaded",
    ),
    "error.invalid_parameter": (
        "Parameter permintaan tidak valid",
        "A request parameter is not valid",
    ),
    "error.load_error": (
        "Lapisan atau wilayah tidak dapat dimuat; tidak ada data yang ditulis",
        "The layer or region cannot be loaded; nothing was written",
    ),
    "error.source_file_error": (
        "Berkas sumber tidak ada, tidak terbaca, rusak, atau terpotong",
        "The source file is missing, unreadable, corrupt or truncated",
    ),
    "error.field_mapping_error": (
        "Kolom wajib tidak ada di berkas, atau --map menyebut kolom yang tidak dikenal",
        "A required field is missing from the file, or --map names an unknown field",
    ),
    "error.invalid_crs": (
        "Sistem koordinat (CRS) tidak dikenal, atau berkas tidak menyebutkan CRS-nya",
        "The coordinate system (CRS) is unknown, or the file does not name one",
    ),
    "error.region_pack_error": (
        "Manifes paket wilayah (region.toml) tidak ada atau formatnya salah",
        "The region pack's manifest (region.toml) is missing or malformed",
    ),
    "error.rules_error": (
        "Tabel aturan zonasi tidak lolos pemeriksaan; tidak ada aturan yang dimuat",
        "The zoning rule tables did not pass the checks; no rules were loaded",
    ),
    "error.invalid_geometry": (
        "Geometri persil tidak valid, kosong setelah diperbaiki, atau jenisnya tidak dapat "
        "diperiksa",
        "The parcel's geometry is invalid, empty after repair, or of a type that is not checked",
    ),
    "error.outside_planning_area": (
        "Geometri berada di luar wilayah perencanaan",
        "The geometry lies outside the planning area",
    ),
    "error.too_large": (
        "Permintaan melebihi batas (jumlah titik, luas, atau jumlah persil)",
        "The request exceeds a limit (vertices, area or parcels)",
    ),
    "error.too_many_vertices": (
        "Geometri memiliki lebih banyak titik sudut daripada batasnya",
        "The geometry has more vertices than the limit",
    ),
    "error.too_many_parcels": (
        "Batch memuat lebih banyak persil daripada batasnya",
        "The batch holds more parcels than the limit",
    ),
    "error.body_too_large": (
        "Isi permintaan melebihi ukuran maksimum",
        "The request body is larger than the maximum",
    ),
    "error.unknown_activity": (
        "Kode KBLI atau kegiatan tidak dikenal dalam aturan zonasi",
        "The KBLI code or activity is not known to the zoning rules",
    ),
    "error.no_rules": (
        "Belum ada aturan zonasi yang dimuat",
        "No zoning rules are loaded yet",
    ),
    "error.unauthorized": (
        "Jalur ini memerlukan kunci API yang valid: kirim Authorization: Bearer <kunci>",
        "This route needs a valid API key: send Authorization: Bearer <key>",
    ),
    "error.forbidden": (
        "Peran kunci API ini tidak diizinkan melakukan tindakan ini",
        "This API key's role may not do this",
    ),
    "error.database_unavailable": (
        "Basis data tidak dapat dihubungi atau sedang sibuk; coba lagi sebentar lagi",
        "The database cannot be reached or is busy; try again shortly",
    ),
    "error.timeout": (
        "Kueri basis data melewati batas waktu; coba permintaan yang lebih kecil",
        "The database query ran past its time limit; try a smaller request",
    ),
    "error.invalid_request": (
        "Permintaan tidak valid",
        "The request is not valid",
    ),
    "error.internal_error": (
        "Terjadi kesalahan yang tidak terduga; kesalahan ini telah dicatat",
        "An unexpected error occurred; it has been logged",
    ),
    "error.invalid_feature": (
        "Fitur GeoJSON tidak valid",
        "The GeoJSON feature is not valid",
    ),
    "error.bad_request": (
        "Isi permintaan tidak dapat dibaca",
        "The request body cannot be read",
    ),
    "error.method_not_allowed": (
        "Metode HTTP ini tidak diizinkan pada jalur ini",
        "This HTTP method is not allowed on this path",
    ),
    "error.unsupported_media_type": (
        "Jenis isi (Content-Type) permintaan tidak didukung",
        "The request's Content-Type is not supported",
    ),
    # --- request validation: pydantic's error types; ctx values fill the {placeholders} ----
    "validation.missing": (
        "wajib diisi",
        "is required",
    ),
    "validation.extra_forbidden": (
        "tidak dikenal (isian tambahan tidak diizinkan)",
        "is unknown (extra fields are not allowed)",
    ),
    "validation.string_type": (
        "harus berupa teks",
        "must be text",
    ),
    "validation.string_too_short": (
        "paling sedikit {min_length} karakter",
        "at least {min_length} characters",
    ),
    "validation.string_too_long": (
        "paling banyak {max_length} karakter",
        "at most {max_length} characters",
    ),
    "validation.string_pattern_mismatch": (
        "tidak sesuai pola {pattern}",
        "does not match the pattern {pattern}",
    ),
    "validation.int_type": (
        "harus berupa bilangan bulat",
        "must be a whole number",
    ),
    "validation.int_parsing": (
        "harus berupa bilangan bulat",
        "must be a whole number",
    ),
    "validation.int_from_float": (
        "harus berupa bilangan bulat, bukan pecahan",
        "must be a whole number, not a fraction",
    ),
    "validation.float_type": (
        "harus berupa angka",
        "must be a number",
    ),
    "validation.float_parsing": (
        "harus berupa angka",
        "must be a number",
    ),
    "validation.finite_number": (
        "harus berupa angka berhingga",
        "must be a finite number",
    ),
    "validation.bool_type": (
        "harus true atau false",
        "must be true or false",
    ),
    "validation.bool_parsing": (
        "harus true atau false",
        "must be true or false",
    ),
    "validation.greater_than": (
        "harus lebih besar dari {gt}",
        "must be greater than {gt}",
    ),
    "validation.greater_than_equal": (
        "harus lebih besar dari atau sama dengan {ge}",
        "must be greater than or equal to {ge}",
    ),
    "validation.less_than": (
        "harus lebih kecil dari {lt}",
        "must be less than {lt}",
    ),
    "validation.less_than_equal": (
        "harus lebih kecil dari atau sama dengan {le}",
        "must be less than or equal to {le}",
    ),
    "validation.too_short": (
        "paling sedikit {min_length} butir",
        "at least {min_length} items",
    ),
    "validation.too_long": (
        "paling banyak {max_length} butir",
        "at most {max_length} items",
    ),
    "validation.literal_error": (
        "harus salah satu dari {expected}",
        "must be one of {expected}",
    ),
    "validation.enum": (
        "harus salah satu dari {expected}",
        "must be one of {expected}",
    ),
    "validation.date_type": (
        "harus berupa tanggal (TTTT-BB-HH)",
        "must be a date (YYYY-MM-DD)",
    ),
    "validation.date_parsing": (
        "harus berupa tanggal (TTTT-BB-HH)",
        "must be a date (YYYY-MM-DD)",
    ),
    "validation.date_from_datetime_parsing": (
        "harus berupa tanggal (TTTT-BB-HH)",
        "must be a date (YYYY-MM-DD)",
    ),
    "validation.dict_type": (
        "harus berupa objek JSON",
        "must be a JSON object",
    ),
    "validation.model_type": (
        "harus berupa objek JSON",
        "must be a JSON object",
    ),
    "validation.model_attributes_type": (
        "harus berupa objek JSON",
        "must be a JSON object",
    ),
    "validation.list_type": (
        "harus berupa daftar (array JSON)",
        "must be a list (JSON array)",
    ),
    "validation.json_invalid": (
        "bukan JSON yang valid",
        "is not valid JSON",
    ),
    "validation.json_type": (
        "harus berupa teks JSON",
        "must be JSON text",
    ),
    "validation.union_tag_invalid": (
        "jenisnya tidak dikenal",
        "its type is unknown",
    ),
    "validation.value_error": (
        "nilainya tidak valid",
        "the value is not valid",
    ),
    "validation.control_characters": (
        "tidak boleh memuat karakter kendali (NUL, tab, baris baru, ...)",
        "must not contain control characters (NUL, tab, newline, ...)",
    ),
    "validation.kbli_code": (
        "kode KBLI 2020 terdiri atas lima angka, mis. 10631",
        "KBLI 2020 codes have five digits, e.g. 10631",
    ),
    "validation.kemendagri_code": (
        "bukan kode Kemendagri (seperti 33.25, 33.25.01 atau 33.25.01.2001)",
        "not a Kemendagri code (like 33.25, 33.25.01 or 33.25.01.2001)",
    ),
    "validation.iso_date": (
        "harus berupa tanggal bertulis TTTT-BB-HH, mis. 2026-01-01",
        "must be a date written YYYY-MM-DD, e.g. 2026-01-01",
    ),
    "validation.geometry_type": (
        "jenis geometri {kind} tidak diperiksa; gunakan {types} (GeoJSON)",
        "geometry type {kind} is not checked; use {types} (GeoJSON)",
    ),
    "validation.geometry_coordinates": (
        "GeoJSON {kind} salah bentuk: koordinatnya harus berupa {shape_id} (angka)",
        "malformed GeoJSON {kind}: coordinates must be {shape} numbers",
    ),
    "validation.zonal_feature": (
        "geometri Feature harus berupa GeoJSON Polygon atau MultiPolygon",
        "the Feature's geometry must be a GeoJSON Polygon or MultiPolygon",
    ),
    "validation.zonal_body": (
        "harus berupa GeoJSON Polygon atau MultiPolygon (cincin berisi >= 4 titik [x, y] berupa "
        "angka), atau Feature yang memuat salah satunya",
        "must be a GeoJSON Polygon or MultiPolygon (rings of >= 4 [x, y] numbers), or a Feature "
        "holding one",
    ),
}
