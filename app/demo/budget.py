"""The demo's APBD budget files: ~1,500 synthetic projects of 2024 and 2025 over the real desa.

`apbd_2024.xlsx` (two title rows above the header, as SIPD/SIRUP exports come) and
`apbd_2025.csv` (semicolon-separated, decimal commas: an Indonesian Excel export) hold the
same columns. OPDs, programmes and sub-activity codes follow Kepmendagri 050-5889/2021 in
style; money, dates and locations come in every form real files mix. Normal rows are clean
(inside their desa, outside protected zones, no KBLI the zone forbids, money and progress
consistent); a handful of each integrity flag is planted and listed in `apbd_planted.csv`.
"Clean" is judged as app/services/projects/flags.py judges: a clean point lies in no lindung
zone, no overlay area with a prohibiting rule, no zone where its activity (KBLI, else
sub-activity via project_types.csv) is X (all with a 15 m margin); a clean road has at most
ROAD_BAD_SHARE of its length there (a road may cross a river's setback on a bridge); no two
clean names in the same or a neighbouring desa and year match the duplicate rule.
All of it is SYNTHETIC: these are not Kabupaten Batang's real budgets.
"""

from __future__ import annotations

import csv
import tomllib
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, Point

from app.services.projects.flags import same_name

HEADERS = (
    "Kode Paket", "Tahun", "Kode OPD", "Nama OPD", "Program", "Kegiatan", "Kode Sub Kegiatan",
    "Sub Kegiatan", "Nama Paket", "Sumber Dana", "Pagu", "Realisasi", "Progres Fisik (%)",
    "No Kontrak", "Nilai Kontrak", "Penyedia", "Tanggal Mulai", "Tanggal Selesai", "KBLI",
    "Bujur", "Lintang", "Koordinat", "WKT", "Kode Desa", "Lokasi", "Kecamatan",
)  # fmt: skip
FILES = {2024: "apbd_2024.xlsx", 2025: "apbd_2025.csv"}
SHEET = "APBD 2024"
PLANTED_FILE = "apbd_planted.csv"
ROWS = {2024: 742, 2025: 758}  # normal rows; the planted ones come on top
PER_FLAG = 4  # planted rows per flag (duplicates: 3 pairs)
METRIC_CRS = "EPSG:32749"
MARGIN_M = 15.0  # clean places keep this far from protected or forbidding zones
ROAD_BAD_SHARE = 0.3  # a clean road: at most this share of its length there (flags: > 0.5)

# key: (Kode OPD, Nama OPD); the kecamatan offices are added per kecamatan
OPDS: dict[str, tuple[str, str]] = {
    "pupr": ("1.03.0.00.0.00.01.0000", "Dinas Pekerjaan Umum dan Penataan Ruang"),
    "dinkes": ("1.02.0.00.0.00.01.0000", "Dinas Kesehatan"),
    "disdikbud": ("1.01.2.22.0.00.01.0000", "Dinas Pendidikan dan Kebudayaan"),
    "dispaperta": ("3.27.2.09.0.00.01.0000", "Dinas Pertanian dan Pangan"),
    "disperkim": ("1.04.0.00.0.00.01.0000", "Dinas Perumahan dan Kawasan Permukiman"),
    "dlh": ("2.11.0.00.0.00.01.0000", "Dinas Lingkungan Hidup"),
    "dishub": ("2.15.0.00.0.00.01.0000", "Dinas Perhubungan"),
    "disparpora": ("3.26.2.19.0.00.01.0000", "Dinas Pariwisata, Kepemudaan dan Olahraga"),
    "dpmptsp": ("2.18.0.00.0.00.01.0000",
                "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu"),
    "bappelitbang": ("5.01.5.05.0.00.01.0000",
                     "Badan Perencanaan Pembangunan, Penelitian dan Pengembangan Daerah"),
    "dinkop": ("3.30.3.31.0.00.01.0000", "Dinas Koperasi, UKM dan Perdagangan"),
}  # fmt: skip


@dataclass(frozen=True)
class Kind:
    """A kind of package: who, under which programme and sub-activity, named how, where."""

    opd: str
    program: str
    activity: str
    sub_code: str
    sub_name: str
    template: str  # {desa} {desa2} {kec} {n}
    form: str  # point | road | none
    pagu: tuple[int, int]  # million rupiah
    kbli: str = ""
    weight: float = 1.0
    contract: bool = True
    kelurahan: bool = False  # only in kelurahan (kecamatan offices' PSU works)


_JALAN = ("Program Penyelenggaraan Jalan", "Penyelenggaraan Jalan Kabupaten/Kota")
_SDA = ("Program Pengelolaan Sumber Daya Air (SDA)",
        "Pengelolaan SDA dan Bangunan Pengaman Pantai pada Wilayah Sungai (WS) dalam 1 (satu) "
        "Daerah Kabupaten/Kota")  # fmt: skip
_DRAIN = ("Program Pengelolaan dan Pengembangan Sistem Drainase",
          "Pengelolaan dan Pengembangan Sistem Drainase yang Terhubung Langsung dengan Sungai "
          "dalam Daerah Kabupaten/Kota")  # fmt: skip
_UKP = ("Program Pemenuhan Upaya Kesehatan Perorangan dan Upaya Kesehatan Masyarakat",
        "Penyediaan Fasilitas Pelayanan Kesehatan untuk UKM dan UKP Kewenangan Daerah "
        "Kabupaten/Kota")  # fmt: skip
_SD = ("Program Pengelolaan Pendidikan", "Pengelolaan Pendidikan Sekolah Dasar")
_SMP = ("Program Pengelolaan Pendidikan", "Pengelolaan Pendidikan Sekolah Menengah Pertama")
_TANI = ("Program Penyediaan dan Pengembangan Prasarana Pertanian",
         "Pengelolaan Prasarana Pertanian Kewenangan Daerah Kabupaten/Kota")  # fmt: skip
_PSU = ("Program Peningkatan Prasarana, Sarana dan Utilitas Umum (PSU)",
        "Urusan Penyelenggaraan PSU Perumahan")  # fmt: skip
_RUMAH = ("Program Pengembangan Perumahan",
          "Pembangunan dan Rehabilitasi Rumah Tidak Layak Huni")  # fmt: skip
_SAMPAH = ("Program Pengelolaan Persampahan", "Pengelolaan Sampah")
_LLAJ = ("Program Penyelenggaraan Lalu Lintas dan Angkutan Jalan (LLAJ)",
         "Penyediaan Perlengkapan Jalan di Jalan Kabupaten/Kota")  # fmt: skip
_WISATA = ("Program Peningkatan Daya Tarik Destinasi Pariwisata",
           "Pengelolaan Daya Tarik Wisata Kabupaten/Kota")  # fmt: skip
_OR = ("Program Pengembangan Kapasitas Daya Saing Keolahragaan",
       "Pengelolaan Prasarana dan Sarana Olahraga")  # fmt: skip
_IZIN = ("Program Pelayanan Penanaman Modal",
         "Pelayanan Perizinan dan Non Perizinan secara Terpadu Satu Pintu")  # fmt: skip
_RENCANA = ("Program Perencanaan, Pengendalian dan Evaluasi Pembangunan Daerah",
            "Penyusunan Perencanaan dan Pendanaan")  # fmt: skip
_PASAR = ("Program Peningkatan Sarana Distribusi Perdagangan",
          "Pembangunan dan Pengelolaan Sarana Distribusi Perdagangan")  # fmt: skip
_KANTOR = ("Program Penunjang Urusan Pemerintahan Daerah Kabupaten/Kota",
           "Pemeliharaan Barang Milik Daerah Penunjang Urusan Pemerintahan Daerah")  # fmt: skip
_KEL = ("Program Pemberdayaan Masyarakat Desa dan Kelurahan",
        "Pembangunan Sarana dan Prasarana Kelurahan")  # fmt: skip

KINDS: tuple[Kind, ...] = (
    Kind("pupr", *_JALAN, "1.03.10.2.01.0025", "Rehabilitasi Jalan",
         "Rehabilitasi Jalan Ruas {desa} - {desa2}", "road", (250, 2500), "42101", 6.0),
    Kind("pupr", *_JALAN, "1.03.10.2.01.0033", "Pemeliharaan Berkala Jalan",
         "Pemeliharaan Berkala Jalan Ruas {desa} - {desa2}", "road", (100, 900), "42101", 4.0),
    Kind("pupr", *_JALAN, "1.03.10.2.01.0017", "Pembangunan Jembatan",
         "Pembangunan Jembatan Dukuh {dukuh} Desa {desa}", "point", (300, 1800), "42102", 1.5),
    Kind("pupr", *_SDA, "1.03.02.2.01.0012", "Rehabilitasi Jaringan Irigasi Permukaan",
         "Rehabilitasi Jaringan Irigasi D.I. {desa}", "point", (150, 1200), "42911", 3.0),
    Kind("pupr", *_DRAIN, "1.03.05.2.01.0004", "Pembangunan Sistem Drainase Perkotaan",
         "Pembangunan Saluran Drainase {desa}", "road", (100, 700), "", 2.5),
    Kind("dinkes", *_UKP, "1.02.02.2.01.0002", "Pembangunan Puskesmas",
         "Pembangunan Gedung Puskesmas {kec}", "point", (1500, 6000), "86102", 0.6),
    Kind("dinkes", *_UKP, "1.02.02.2.01.0014", "Rehabilitasi dan Pemeliharaan Puskesmas",
         "Rehabilitasi Puskesmas Pembantu {desa}", "point", (100, 600), "", 2.5),
    Kind("dinkes", *_UKP, "1.02.02.2.01.0020",
         "Pengadaan Alat Kesehatan/Alat Penunjang Medik Fasilitas Pelayanan Kesehatan",
         "Pengadaan Alat Kesehatan Puskesmas {kec}", "none", (200, 900), "", 0.4),
    Kind("disdikbud", *_SD, "1.01.02.2.01.0009", "Rehabilitasi Sedang/Berat Ruang Kelas Sekolah",
         "Rehabilitasi Ruang Kelas SD Negeri {n} {desa}", "point", (100, 450), "85111", 6.0),
    Kind("disdikbud", *_SD, "1.01.02.2.01.0006", "Pembangunan Ruang Kelas Baru",
         "Pembangunan Ruang Kelas Baru SD Negeri {n} {desa}", "point", (150, 500), "", 3.0),
    Kind("disdikbud", *_SD, "1.01.02.2.01.0012", "Pembangunan Sarana, Prasarana dan Utilitas "
         "Sekolah", "Pembangunan Jamban Sekolah SD Negeri {n} {desa}", "point", (50, 150), "",
         2.0),
    Kind("disdikbud", *_SMP, "1.01.02.2.02.0009", "Rehabilitasi Sedang/Berat Ruang Kelas Sekolah",
         "Rehabilitasi Ruang Kelas SMP Negeri {n} {kec}", "point", (150, 700), "85112", 1.5),
    Kind("dispaperta", *_TANI, "3.27.04.2.01.0003", "Pembangunan, Rehabilitasi dan "
         "Pemeliharaan Jalan Pertanian", "Pembangunan Jalan Usaha Tani {desa}", "road",
         (75, 300), "", 4.0),
    Kind("dispaperta", *_TANI, "3.27.04.2.01.0002", "Pembangunan, Rehabilitasi dan "
         "Pemeliharaan Jaringan Irigasi Usaha Tani", "Rehabilitasi Jaringan Irigasi Tersier "
         "{desa}", "point", (50, 250), "", 3.0),
    Kind("dispaperta", *_TANI, "3.27.04.2.01.0001", "Pembangunan, Rehabilitasi dan "
         "Pemeliharaan Embung Pertanian", "Pembangunan Embung Pertanian {desa}", "point",
         (150, 600), "", 1.0),
    Kind("disperkim", *_PSU, "1.04.05.2.01.0001", "Penyediaan Prasarana, Sarana, dan Utilitas "
         "Umum di Perumahan untuk Menunjang Fungsi Hunian", "Pembangunan Jalan Lingkungan "
         "{desa}", "road", (75, 350), "", 4.0),
    Kind("disperkim", *_PSU, "1.04.05.2.01.0001", "Penyediaan Prasarana, Sarana, dan Utilitas "
         "Umum di Perumahan untuk Menunjang Fungsi Hunian", "Pembangunan Drainase Lingkungan "
         "{desa}", "road", (50, 250), "", 3.0),
    Kind("disperkim", *_PSU, "1.04.05.2.01.0003", "Penyediaan Penerangan Jalan Umum",
         "Pembangunan Penerangan Jalan Umum {desa}", "point", (50, 300), "", 2.0),
    Kind("disperkim", *_RUMAH, "1.04.02.2.02.0001", "Pembangunan Baru/Peningkatan Kualitas "
         "Rumah bagi Masyarakat Miskin", "Bantuan Stimulan Perumahan Swadaya (RTLH) Desa "
         "{desa}", "point", (100, 400), "", 3.0, contract=False),
    Kind("dlh", *_SAMPAH, "2.11.11.2.01.0007", "Pembangunan Sarana dan Prasarana Pengelolaan "
         "Sampah", "Pembangunan TPS3R Desa {desa}", "point", (200, 900), "38211", 1.0),
    Kind("dlh", *_SAMPAH, "2.11.11.2.01.0004", "Penyediaan Sarana Pengumpulan Sampah",
         "Pengadaan Kontainer Sampah Desa {desa}", "point", (50, 200), "", 1.0),
    Kind("dishub", *_LLAJ, "2.15.02.2.01.0005", "Pengadaan dan Pemasangan Perlengkapan Jalan",
         "Pemasangan Rambu dan Marka Jalan Ruas {desa} - {desa2}", "road", (50, 300), "", 2.0),
    Kind("dishub", *_LLAJ, "2.15.02.2.01.0006", "Pengadaan dan Pemasangan Alat Pemberi Isyarat "
         "Lalu Lintas", "Pemasangan Warning Light Simpang {desa}", "point", (40, 150), "", 1.0),
    Kind("disparpora", *_WISATA, "3.26.02.2.01.0002", "Pembangunan dan Pengembangan Sarana "
         "Daya Tarik Wisata", "Penataan Kawasan Wisata Desa {desa}", "point", (150, 900),
         "93224", 1.0),
    Kind("disparpora", *_OR, "2.19.03.2.03.0001", "Pembangunan dan Rehabilitasi Prasarana "
         "Olahraga", "Rehabilitasi Lapangan Sepak Bola Desa {desa}", "point", (100, 500),
         "93113", 1.5),
    Kind("dpmptsp", *_IZIN, "2.18.04.2.01.0001", "Penyediaan Pelayanan Perizinan Berusaha",
         "Sosialisasi Perizinan Berusaha Berbasis Risiko Kecamatan {kec}", "none", (25, 75),
         "", 0.3, contract=False),
    Kind("bappelitbang", *_RENCANA, "5.01.02.2.01.0017", "Penyusunan Dokumen Perencanaan "
         "Tata Ruang", "Penyusunan Dokumen RDTR Kawasan Perkotaan {kec}", "none", (300, 800),
         "", 0.3),
    Kind("dinkop", *_PASAR, "3.30.03.2.01.0003", "Pembangunan dan Pengembangan Pasar Rakyat",
         "Revitalisasi Pasar Rakyat {desa}", "point", (400, 3000), "47811", 0.8),
    Kind("kec", *_KANTOR, "7.01.01.1.09.0009", "Pemeliharaan/Rehabilitasi Gedung Kantor dan "
         "Bangunan Lainnya", "Rehabilitasi Kantor Kecamatan {kec}", "point", (100, 500), "",
         0.6),
    Kind("kec", *_KEL, "7.01.03.2.01.0001", "Pembangunan Sarana dan Prasarana Kelurahan",
         "Pembangunan Sarana dan Prasarana Kelurahan {desa}", "point", (100, 250), "", 1.0,
         contract=False, kelurahan=True),
)  # fmt: skip
SOURCES = ("DAU", "DAU", "DAU", "PAD", "PAD", "DAK Fisik", "DAK Fisik", "DBH", "DID",
           "Bankeu Provinsi", "DD")  # fmt: skip
CONTRACTOR_WORDS = ("Karya", "Mandiri", "Jaya", "Abadi", "Sejahtera", "Bangun", "Makmur",
                    "Utama", "Sentosa", "Lestari", "Perkasa", "Nusantara", "Batang", "Pantura",
                    "Rogojembangan", "Prima", "Sakti", "Agung", "Cipta", "Konstruksi")  # fmt: skip
DUKUH = ("Krajan", "Karangtengah", "Kedungdowo", "Sidomulyo", "Tegalrejo", "Wonosari",
         "Ngasem", "Jatisari", "Sumberejo", "Pucung", "Kalipucang", "Gempol")  # fmt: skip
UNPLACEABLE = ("Lokasi menyusul", "Desa Sukamakmur Kec. Cisarua",
               "Dusun Tegalwangi (lokasi belum ditetapkan)", "Ds. Wanareja Kec. Cikeusik",
               "tersebar")  # fmt: skip


@dataclass
class Row:
    """One budget row before it is formatted for its file."""

    values: dict[str, Any]
    year: int


@dataclass
class Geo:
    """What the placement needs: desa (metric), the zones and the rules, in fast forms."""

    desa: gpd.GeoDataFrame
    inner: np.ndarray  # desa polygons shrunk by 25 m
    land: shapely.Geometry
    blocked: shapely.Geometry  # lindung zones and prohibiting overlays, grown by MARGIN_M
    zoning: gpd.GeoDataFrame
    zone_tree: shapely.STRtree
    forbidden: dict[str, set[str]]  # KBLI -> zones where its activity is X
    x_zones: dict[str, set[str]]  # activity -> zones where it is X
    kbli_acts: dict[str, set[str]]  # KBLI -> its activities
    types: tuple[dict[str, str], dict[str, str]]  # project_types.csv: by code, by name
    neighbours: list[list[int]]
    to_geo: Transformer
    codes: list[str]  # per desa: Kemendagri code, name, kecamatan name (fast lookups)
    names: list[str]
    kecs: list[str]
    zcodes: list[str]  # per zoning polygon: KODSZN


@dataclass
class _Rules:
    lindung: set[str]
    forbidden: dict[str, set[str]]
    x_zones: dict[str, set[str]]
    kbli_acts: dict[str, set[str]]
    types: tuple[dict[str, str], dict[str, str]]
    prohibited: set[tuple[str, str]]  # overlay (layer, class) with a prohibiting rule


def _name_key(name: str) -> str:
    return " ".join(name.casefold().split())


# Long by design (C901): the demo pack's rule tables read one after another.
def _rules(rules_dir: Path) -> _Rules:  # noqa: C901
    """Read what the demo's rules forbid: lindung zones, X verdicts, prohibiting overlays."""
    with (rules_dir / "zone_classes.csv").open(encoding="utf-8") as fh:
        lindung = {r["code"] for r in csv.DictReader(fh) if r["class"] == "lindung"}
    with (rules_dir / "activities.csv").open(encoding="utf-8") as fh:
        by_kbli: dict[str, set[str]] = {}
        for r in csv.DictReader(fh):
            for k in (r.get("kbli") or "").split(";"):
                if k.strip():
                    by_kbli.setdefault(k.strip(), set()).add(r["id"])
    x_zones: dict[str, set[str]] = {}
    with (rules_dir / "itbx.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if not (r.get("valid_to") or "").strip() and r["itbx"] == "X":
                x_zones.setdefault(r["activity"], set()).add(r["zone"])
    # a zone counts as forbidden for a KBLI when any of its activities may be X there
    forbidden = {
        kbli: set().union(*(x_zones.get(a, set()) for a in acts)) for kbli, acts in by_kbli.items()
    }
    types: tuple[dict[str, str], dict[str, str]] = ({}, {})
    path = rules_dir / "project_types.csv"
    if path.exists():
        with path.open(encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                if r.get("sub_activity_code"):
                    types[0].setdefault(r["sub_activity_code"].strip(), r["activity"])
                if r.get("sub_activity"):
                    types[1].setdefault(_name_key(r["sub_activity"]), r["activity"])
    prohibited: set[tuple[str, str]] = set()
    path = rules_dir / "overlay_rules.csv"
    if path.exists():
        with path.open(encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                if r["effect"] == "prohibit" and not (r.get("valid_to") or "").strip():
                    prohibited.add((r["layer"], r["class"]))
    return _Rules(lindung, forbidden, x_zones, by_kbli, types, prohibited)


def _overlays(out_dir: Path, rules_dir: Path, prohibited: set[tuple[str, str]]) -> list[Any]:
    """Return the polygons (metric) of the pack's overlay layers whose class prohibits.

    The overlays are read from the files generate() wrote into `out_dir` before the budget,
    named and keyed as the pack's region.toml declares them.
    """
    manifest = rules_dir.parent / "region.toml"
    if not manifest.exists():
        return []
    with manifest.open("rb") as fh:
        layers = tomllib.load(fh).get("layers", [])
    out: list[Any] = []
    for layer in layers:
        if layer.get("kind") != "overlay":
            continue
        path = out_dir / Path(layer["file"]).name
        code = (layer.get("fields") or {}).get("code", "KELAS")
        if not path.exists():
            continue
        gdf = gpd.read_file(path).to_crs(METRIC_CRS)
        keep = [(layer["name"], str(c)) in prohibited for c in gdf[code]]
        out.extend(gdf.geometry.to_numpy()[np.asarray(keep, dtype=bool)])
    return out


def _geo(desa: gpd.GeoDataFrame, zoning: gpd.GeoDataFrame, land: shapely.Geometry,
         rules_dir: Path, out_dir: Path) -> Geo:  # fmt: skip
    rules = _rules(rules_dir)
    geoms = desa.geometry.to_numpy()
    inner = shapely.buffer(geoms, -25.0)
    prot = list(zoning[zoning["KODSZN"].isin(rules.lindung)].geometry.to_numpy())
    prot += _overlays(out_dir, rules_dir, rules.prohibited)
    blocked = shapely.buffer(shapely.union_all(prot), MARGIN_M, quad_segs=2)
    shapely.prepare(blocked)
    for g in inner:
        shapely.prepare(g)
    tree = shapely.STRtree(geoms)
    pairs = tree.query(geoms, predicate="intersects")
    neighbours: list[list[int]] = [[] for _ in range(len(geoms))]
    for a, b in zip(*pairs, strict=True):
        if a != b:
            neighbours[int(a)].append(int(b))
    zgeoms = zoning.geometry.to_numpy()
    return Geo(
        desa=desa,
        inner=inner,
        land=land,
        blocked=blocked,
        zoning=zoning,
        zone_tree=shapely.STRtree(zgeoms),
        forbidden=rules.forbidden,
        x_zones=rules.x_zones,
        kbli_acts=rules.kbli_acts,
        types=rules.types,
        neighbours=neighbours,
        to_geo=Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True),
        codes=[str(c) for c in desa["KDEPUM"]],
        names=[str(c) for c in desa["NAMOBJ"]],
        kecs=[str(c) for c in desa["WADMKC"]],
        zcodes=[str(c) for c in zoning["KODSZN"]],
    )


def _lonlat(geo: Geo, x: float, y: float) -> tuple[float, float]:
    lon, lat = geo.to_geo.transform(x, y)
    return round(float(lon), 6), round(float(lat), 6)


def _x_codes(geo: Geo, kind: Kind, kbli: bool) -> set[str]:
    """Return the zones where a row of `kind` would be X: by its sub-activity's activity
    (project_types.csv, code first) and, when it carries the KBLI, by every activity of it."""
    acts = set()
    act = geo.types[0].get(kind.sub_code) or geo.types[1].get(_name_key(kind.sub_name))
    if act:
        acts.add(act)
    if kbli and kind.kbli:
        acts |= geo.kbli_acts.get(kind.kbli, set())
    return set().union(*(geo.x_zones.get(a, set()) for a in acts))


def _clear(geo: Geo, xy: np.ndarray, x_codes: set[str]) -> np.ndarray:
    """Which points are clear: outside `blocked` and MARGIN_M from zones in `x_codes`."""
    ok = ~shapely.contains_xy(geo.blocked, xy[:, 0], xy[:, 1])
    if x_codes and ok.any():
        idx = np.flatnonzero(ok)
        pi, zi = geo.zone_tree.query(shapely.points(xy[idx]), "dwithin", distance=MARGIN_M)
        hit = np.array([geo.zcodes[int(z)] in x_codes for z in zi], dtype=bool)
        ok[idx[pi[hit]]] = False
    return ok


def _point_in(
    geo: Geo, i: int, rng: np.random.Generator, x_codes: set[str] | None = None
) -> np.ndarray | None:
    """Return a random point well inside desa i, clear of protected zones, prohibiting overlays
    and the zones in `x_codes` (re-sampled until one fits, or None)."""
    poly = geo.inner[i]
    if poly.is_empty:
        poly = geo.desa.geometry.iloc[i]
    x0, y0, x1, y1 = poly.bounds
    for _ in range(8):
        xy = rng.uniform((x0, y0), (x1, y1), size=(64, 2))
        xy = xy[shapely.contains_xy(poly, xy[:, 0], xy[:, 1])]
        if len(xy):
            ok = _clear(geo, xy, x_codes or set())
            if ok.any():
                return xy[int(np.flatnonzero(ok)[0])]
    return None


def _road_in(
    geo: Geo, i: int, rng: np.random.Generator, x_codes: set[str] | None = None
) -> LineString | None:
    """Return a short meandering road inside desa i, at most ROAD_BAD_SHARE of it (measured
    every 10 m) in protected zones, prohibiting overlays or zones in `x_codes`."""
    poly = geo.inner[i]
    for _ in range(12):
        start = _point_in(geo, i, rng, x_codes)
        if start is None:
            return None
        length = rng.uniform(250.0, 1200.0)
        angle = rng.uniform(0.0, 2 * np.pi)
        s = np.linspace(0.0, 1.0, 5)
        off = rng.normal(0.0, 0.06 * length, 5)
        off[0] = off[-1] = 0.0
        d = np.array([np.cos(angle), np.sin(angle)])
        n = np.array([-d[1], d[0]])
        xy = start + np.outer(s * length, d) + np.outer(off, n)
        line = LineString(np.round(xy, 2))
        if not shapely.contains(poly, line):
            continue
        steps = shapely.line_interpolate_point(
            line, np.linspace(0.0, line.length, max(int(line.length // 10), 10) + 1)
        )
        clear = _clear(geo, shapely.get_coordinates(steps), x_codes or set())
        if 1.0 - clear.mean() <= ROAD_BAD_SHARE:
            return line
    return None


def _money(value: int, style: str, xlsx: bool) -> Any:
    grouped = f"{value:,}".replace(",", ".")
    if style == "rp":
        return f"Rp {grouped}" if value % 3 else f"Rp{grouped},-"
    if style == "id":
        return f"{grouped},00"
    return value if xlsx else str(value)


def _date(d: date, xlsx: bool, rng: np.random.Generator) -> Any:
    if xlsx and rng.random() < 0.6:
        return datetime(d.year, d.month, d.day)  # an Excel date cell
    return d.strftime("%d/%m/%Y")


def _decimal(v: float, xlsx: bool, digits: int = 6) -> Any:
    v = round(v, digits)
    return v if xlsx else f"{v:.{digits}f}".replace(".", ",")


def _typo(name: str, rng: np.random.Generator) -> str:
    """Return a plausible misspelling: two letters swapped, one dropped or doubled."""
    if len(name) < 5:
        return name + name[-1]
    k = int(rng.integers(1, len(name) - 2))
    how = int(rng.integers(0, 3))
    if how == 0 and name[k] != " " and name[k + 1] != " ":
        return name[:k] + name[k + 1] + name[k] + name[k + 2 :]
    if how == 1:
        return name[:k] + name[k + 1 :]
    return name[:k] + name[k] + name[k:]


def _lokasi(
    desa: str, kec: str, kelurahan: bool, rng: np.random.Generator, unique: bool = True
) -> str:
    """Free-text location as it is typed: abbreviations, case, missing spaces, typos.

    A desa name another kecamatan also has always comes with its kecamatan (else the row is
    rightly left unplaced as ambiguous, which a clean row must not be).
    """
    ds = "Kel." if kelurahan else "Ds."
    if not unique:
        return [
            f"{ds} {desa} Kec. {kec}",
            f"{'Kelurahan' if kelurahan else 'Desa'} {desa}, Kecamatan {kec}",
            f"{desa.upper()}, {kec.upper()}",
        ][int(rng.integers(0, 3))]
    forms: list[Callable[[], str]] = [
        lambda: f"{ds} {desa} Kec. {kec}",
        lambda: f"{'Kelurahan' if kelurahan else 'Desa'} {desa}, Kecamatan {kec}",
        lambda: f"{'kel' if kelurahan else 'desa'} {desa.lower()}",
        lambda: f"{ds}{desa} Kec.{kec}",
        lambda: f"{ds} {_typo(desa, rng)} Kec. {kec}",
        lambda: f"{desa.upper()}, {kec.upper()}",
        lambda: (
            f"Dukuh {DUKUH[int(rng.integers(0, len(DUKUH)))]} RT 0{int(rng.integers(1, 6))}"
            f"/RW 0{int(rng.integers(1, 4))} {ds} {desa}"
        ),
    ]
    return forms[int(rng.integers(0, len(forms)))]()


class _Builder:
    """Makes rows: names unique per year, money and progress consistent, places chosen."""

    def __init__(self, geo: Geo, rng: np.random.Generator) -> None:
        self.geo = geo
        self.rng = rng
        self.names: dict[int, set[str]] = {2024: set(), 2025: set()}
        # per year and desa: the names given there (duplicates are judged per desa and year)
        self.desa_names: dict[tuple[int, int], list[str]] = {}
        self.seq: dict[int, int] = {2024: 0, 2025: 0}
        weights = np.array([k.weight for k in KINDS])
        self.p = weights / weights.sum()
        d = geo.desa
        self.is_kel = d["KDEPUM"].str.split(".").str[3].str.startswith("1").to_numpy()
        # desa names no other desa of the regency has (11 names occur in two kecamatan)
        counts = Counter(n.lower() for n in geo.names)
        self.unique_name = [counts[n.lower()] == 1 for n in geo.names]
        kec_names = sorted(set(d["WADMKC"]))
        self.kec_opd = {
            k: (f"7.01.0.00.0.00.{10 + j:02d}.0000", f"Kecamatan {k}")
            for j, k in enumerate(kec_names)
        }

    def ref(self, year: int) -> str:
        self.seq[year] += 1
        return f"{year % 100}{self.seq[year]:06d}"

    def name(self, kind: Kind, year: int, i: int) -> str | None:
        geo, rng = self.geo, self.rng
        nb = geo.neighbours[i] or [i]
        fields = {
            "desa": geo.names[i],
            "kec": geo.kecs[i],
            "desa2": geo.names[int(rng.choice(nb))],
            "n": int(rng.integers(1, 7)),
            "dukuh": DUKUH[int(rng.integers(0, len(DUKUH)))],
        }
        base = kind.template.format(**fields)
        near = [n for j in (i, *geo.neighbours[i]) for n in self.desa_names.get((year, j), ())]
        for suffix in ("", " Tahap II", " (Lanjutan)", " Tahap III"):
            name = base + suffix
            # unique in the year, and no duplicate (flags.same_name) in this or a neighbour desa
            if name not in self.names[year] and not any(same_name(name, n) for n in near):
                self.names[year].add(name)
                self.desa_names.setdefault((year, i), []).append(name)
                return name
        return None

    def money(self, kind: Kind, year: int, progress: float) -> dict[str, Any]:
        rng = self.rng
        pagu = int(rng.uniform(*kind.pagu) * 1_000_000) // 5_000 * 5_000
        contract = int(pagu * rng.uniform(0.86, 0.99)) // 1_000 * 1_000 if kind.contract else None
        basis = contract or pagu
        if progress >= 100:
            real = int(basis * rng.uniform(0.97, 1.0)) // 1_000 * 1_000
        elif progress > 0:
            real = int(basis * progress / 100 * rng.uniform(0.6, 1.0)) // 1_000 * 1_000
        else:
            real = 0
        start = date(year, 2, 1) + timedelta(days=int(rng.integers(0, 180)))
        end = min(start + timedelta(days=int(rng.integers(45, 150))), date(year, 12, 20))
        return {"pagu": pagu, "realisation": real, "contract_value": contract,
                "start": start, "end": end}  # fmt: skip

    def progress(self, year: int) -> float:
        u = self.rng.random()
        if year == 2024:
            return 100.0 if u < 0.9 else (0.0 if u < 0.93 else float(self.rng.integers(40, 100)))
        if u < 0.55:
            return 100.0
        if u < 0.85:
            return round(float(self.rng.uniform(5, 97)), 1 if self.rng.random() < 0.3 else 0)
        return 0.0

    def row(self, kind: Kind, year: int, i: int, name: str) -> dict[str, Any]:
        """Return a clean row of `kind` in desa i (no place yet)."""
        rng = self.rng
        opd_code, opd_name = self.kec_opd[self.geo.kecs[i]] if kind.opd == "kec" else OPDS[kind.opd]
        progress = self.progress(year)
        m = self.money(kind, year, progress)
        contractor = ""
        contract_no = ""
        if kind.contract and progress > 0 or (kind.contract and rng.random() < 0.5):
            words = rng.choice(CONTRACTOR_WORDS, size=2, replace=False)
            contractor = f"{'PT.' if m['pagu'] > 1_000_000_000 else 'CV.'} {' '.join(words)}"
            contract_no = (
                f"{int(rng.integers(600, 700))}/{int(rng.integers(1, 300)):03d}/"
                f"SP/{kind.opd.upper()}/{year}"
            )
        source = "DD" if not kind.contract else str(rng.choice(SOURCES[:-1]))
        return {
            "ref": self.ref(year),
            "year": year,
            "opd_code": opd_code,
            "opd_name": opd_name,
            "program": kind.program,
            "activity": kind.activity,
            "sub_code": kind.sub_code,
            "sub_name": kind.sub_name,
            "name": name,
            "source": source,
            "progress": progress,
            "contract_no": contract_no,
            "contractor": contractor,
            "kbli": "",
            "desa_index": i,
            "kind": kind,
            **m,
            "contract_value": m["contract_value"] if contractor else None,
        }

    # Long by design (C901): one branch per location form of a demo row.
    def place(self, r: dict[str, Any], rng: np.random.Generator) -> None:  # noqa: C901
        """Give a clean row its location in one of the mixed forms."""
        geo, kind, i = self.geo, r["kind"], r["desa_index"]
        code, desa, kec = geo.codes[i], geo.names[i], geo.kecs[i]
        kel = bool(self.is_kel[i])
        loc: dict[str, Any] = {}
        if kind.form == "none":  # a kecamatan-wide package: placed in its kecamatan
            loc["lokasi"] = f"Kec. {kec}"
            r["loc"] = loc
            return
        with_kbli = bool(kind.kbli) and rng.random() <= 0.6
        x_codes = _x_codes(geo, kind, with_kbli)
        u = rng.random()
        xy: np.ndarray | None = None
        if kind.form == "road" and u < 0.55:
            line = _road_in(geo, i, rng, x_codes)
            if line is not None:
                coords = [_lonlat(geo, x, y) for x, y in line.coords]
                loc["wkt"] = "LINESTRING (" + ", ".join(f"{a} {b}" for a, b in coords) + ")"
                if rng.random() < 0.5:
                    loc["desa_code"] = code
                if rng.random() < 0.4:
                    loc["lokasi"] = f"{'Kel.' if kel else 'Ds.'} {desa}"
                xy = np.asarray(line.coords[0])
                r["loc"], r["xy"] = loc, xy
                self._kbli(r, with_kbli)
                return
            u = 0.6  # no road fits: a point form instead
        if u < 0.30:
            xy = _point_in(geo, i, rng, x_codes)
        if xy is not None:
            lon, lat = _lonlat(geo, *xy)
            v = rng.random()
            if v < 0.45:
                loc["lon"], loc["lat"] = lon, lat
            elif v < 0.75:
                loc["koordinat"] = f"{lat}, {lon}"
            else:
                loc["koordinat"] = f"{lon}, {lat}"
            if rng.random() < 0.6:
                loc["desa_code"] = code
            if rng.random() < 0.3:
                loc["lokasi"] = _lokasi(desa, kec, kel, rng, self.unique_name[i])
        elif u < 0.55:
            loc["desa_code"] = code
            if rng.random() < 0.4:
                loc["lokasi"] = _lokasi(desa, kec, kel, rng, self.unique_name[i])
        else:
            loc["lokasi"] = _lokasi(desa, kec, kel, rng, self.unique_name[i])
            if rng.random() < 0.5:
                loc["kecamatan"] = str(rng.choice([kec, kec.upper(), f"Kec. {kec}"]))
        r["loc"], r["xy"] = loc, xy
        self._kbli(r, with_kbli)

    def _kbli(self, r: dict[str, Any], with_kbli: bool) -> None:
        """Keep the kind's KBLI on the rows placed clear of the zones it is X in."""
        if with_kbli and r.get("xy") is not None:
            r["kbli"] = r["kind"].kbli


def _normal_rows(b: _Builder, year: int, n: int, rng: np.random.Generator) -> list[dict]:
    rows: list[dict[str, Any]] = []
    n_desa = len(b.geo.desa)
    while len(rows) < n:
        kind = KINDS[int(rng.choice(len(KINDS), p=b.p))]
        candidates = np.flatnonzero(b.is_kel) if kind.kelurahan else np.arange(n_desa)
        i = int(rng.choice(candidates))
        name = b.name(kind, year, i)
        if name is None:
            continue
        r = b.row(kind, year, i, name)
        b.place(r, rng)
        rows.append(r)
    return rows


# Long by design (C901): one short recipe per planted flag, in flag order.
def _plant(b: _Builder, rng: np.random.Generator) -> list[tuple[dict[str, Any], str, str]]:  # noqa: C901
    """Return planted rows with their expected flag and a note: PER_FLAG of each flag."""
    geo, d = b.geo, b.geo.desa
    out: list[tuple[dict[str, Any], str, str]] = []
    desa_ids = np.flatnonzero(~b.is_kel)
    point_kinds = [k for k in KINDS if k.form == "point" and not k.kelurahan and not k.kbli]

    def fresh(year: int, kind: Kind | None = None, i: int | None = None) -> dict[str, Any]:
        # The kind asked for first; when its names are all taken in that desa and year (every
        # phase suffix used), another point kind: a bounded search, never an endless one.
        for attempt in range(500):
            k = kind if kind is not None and attempt < 20 else None
            k = k or point_kinds[int(rng.integers(0, len(point_kinds)))]
            j = int(rng.choice(desa_ids)) if i is None else i
            name = b.name(k, year, j)
            if name is not None:
                return b.row(k, year, j, name)
        raise RuntimeError(f"no free project name for desa {i} in {year}")

    def at(r: dict[str, Any], xy: np.ndarray, code: str | None) -> None:
        lon, lat = _lonlat(geo, *xy)
        r["loc"] = {"lon": lon, "lat": lat}
        if code:
            r["loc"]["desa_code"] = code
        r["xy"] = xy

    def placed(year: int, kind: Kind | None = None) -> dict[str, Any]:
        while True:
            r = fresh(year, kind)
            xy = _point_in(geo, r["desa_index"], rng, _x_codes(geo, r["kind"], False))
            if xy is not None:
                at(r, xy, geo.codes[r["desa_index"]])
                return r

    years = [2024, 2025] * PER_FLAG
    for k in range(PER_FLAG):
        r = placed(years[k])
        r["realisation"] = int(r["pagu"] * rng.uniform(1.04, 1.3)) // 1_000 * 1_000
        r["progress"] = 100.0
        out.append((r, "over_budget", "realisation above the pagu"))
    for k in range(PER_FLAG):
        r = placed(years[k + 1])
        r["progress"], r["realisation"] = 100.0, 0
        r["contractor"] = r["contractor"] or "CV. Karya Mandiri"
        out.append((r, "done_unpaid", "progress 100 % with no realisation"))
    for k in range(PER_FLAG):
        r = placed(years[k])
        r["progress"] = 0.0
        r["realisation"] = int((r["contract_value"] or r["pagu"]) * 0.3) // 1_000 * 1_000
        r["end"] = date(years[k], 10, 31)
        out.append((r, "paid_not_started", "30 % advance paid, progress 0, ended in the past"))
    # outside the regency: Kota Pekalongan, Kendal, Banjarnegara side and the Java Sea
    outside = ((109.655, -6.905), (110.085, -6.985), (109.860, -7.235), (109.860, -6.845),
               (109.640, -6.960), (110.070, -7.060))  # fmt: skip
    from_geo = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)
    placed_out = 0
    for lon, lat in outside:
        xy = np.array(from_geo.transform(lon, lat))
        if shapely.distance(geo.land, Point(xy)) < 1000.0 or placed_out == PER_FLAG:
            continue
        r = fresh(years[placed_out])
        at(r, xy, None)
        if placed_out % 2:
            r["loc"] = {"koordinat": f"{r['loc']['lat']}, {r['loc']['lon']}"}
        out.append((r, "outside_region", "point more than 1 km outside the regency"))
        placed_out += 1
    # outside its desa: the point lies in a neighbour, > 300 m from the desa its code names
    placed_nb = 0
    for i in rng.permutation(desa_ids):
        if placed_nb == PER_FLAG:
            break
        kind = point_kinds[int(rng.integers(0, len(point_kinds)))]
        for j in geo.neighbours[int(i)]:
            near = _point_in(geo, j, rng, _x_codes(geo, kind, False))
            if near is not None and shapely.distance(d.geometry.iloc[int(i)], Point(near)) > 300:
                r = fresh(years[placed_nb], kind, int(i))
                at(r, near, geo.codes[int(i)])
                out.append((r, "outside_desa", f"point in {d['NAMOBJ'].iloc[j]}, > 300 m away"))
                placed_nb += 1
                break
    # duplicates: the same package in the same desa and year, under two OPDs
    for k in range(3):
        r = placed(years[k], next(x for x in KINDS if x.template.startswith("Pembangunan Dr")))
        twin = dict(r, ref=b.ref(r["year"]), opd_code=OPDS["pupr"][0], opd_name=OPDS["pupr"][1],
                    pagu=r["pagu"] + 5_000_000, loc=dict(r["loc"]))  # fmt: skip
        out.append((r, "duplicate", f"same name and desa as {twin['ref']} (another OPD)"))
        out.append((twin, "duplicate", f"same name and desa as {r['ref']} (another OPD)"))
    # forbidden zone: a KBLI the demo rules make X in the zone under the point
    market = next(x for x in KINDS if x.kbli == "47811")
    x_zones = geo.forbidden[market.kbli]
    zones = geo.zoning[geo.zoning["KODSZN"].isin(x_zones)]
    placed_fz = 0
    for zi in rng.permutation(len(zones)):
        if placed_fz == PER_FLAG:
            break
        zone = zones.iloc[int(zi)]
        poly = shapely.buffer(zone.geometry, -20.0)
        if poly.is_empty or poly.area < 50_000:
            continue
        x0, y0, x1, y1 = poly.bounds
        xy = rng.uniform((x0, y0), (x1, y1), size=(64, 2))
        ok = shapely.contains_xy(poly, xy[:, 0], xy[:, 1])
        ok &= ~shapely.contains_xy(geo.blocked, xy[:, 0], xy[:, 1])
        ins = [(p, np.flatnonzero(shapely.contains_xy(geo.inner, *p))) for p in xy[ok]]
        ins = [(p, h) for p, h in ins if len(h) == 1 and not b.is_kel[h[0]]]
        if not ins:
            continue
        p, h = ins[0]
        r = fresh(years[placed_fz], market, int(h[0]))
        at(r, p, geo.codes[int(h[0])])
        r["kbli"] = market.kbli
        out.append((r, "forbidden_zone", f"KBLI {market.kbli} is X in zone {zone['KODSZN']}"))
        placed_fz += 1
    # protected zone: a point in a lindung zone (river/coast setback, protection forest, park)
    for k, code in enumerate(("PS", "HL", "RTH-2", "PS", "HL", "RTH-1")[:PER_FLAG]):
        prot = geo.zoning[geo.zoning["KODSZN"] == code]
        for zi in rng.permutation(len(prot)):
            zone = prot.iloc[int(zi)]
            poly = shapely.buffer(zone.geometry, -5.0)
            if poly.is_empty:
                continue
            x0, y0, x1, y1 = poly.bounds
            xy = rng.uniform((x0, y0), (x1, y1), size=(256, 2))
            xy = xy[shapely.contains_xy(poly, xy[:, 0], xy[:, 1])]
            ins = [(p, np.flatnonzero(shapely.contains_xy(geo.inner, *p))) for p in xy[:20]]
            ins = [(p, h) for p, h in ins if len(h) == 1 and not b.is_kel[h[0]]]
            if ins:
                p, h = ins[0]
                # a kind whose activity is not X there: the row is protected, not forbidden
                kinds = [x for x in point_kinds if code not in _x_codes(geo, x, False)]
                r = fresh(years[k], kinds[int(rng.integers(0, len(kinds)))], int(h[0]))
                at(r, p, geo.codes[int(h[0])])
                out.append((r, "protected_zone", f"point in protected zone {code}"))
                break
    for k in range(PER_FLAG):
        r = fresh(years[k])
        r["loc"], r["xy"] = {"lokasi": UNPLACEABLE[k]}, None
        out.append((r, "unplaced", f"location text {UNPLACEABLE[k]!r} names no place in Batang"))
    return out


def _cells(r: dict[str, Any], xlsx: bool, rng: np.random.Generator) -> list[Any]:
    """Format one row in the style of its file."""
    style = str(rng.choice(["rp", "id", "plain", "plain"]))
    loc = r.get("loc", {})
    progress = r["progress"]
    prog: Any = progress if xlsx else f"{progress:g}".replace(".", ",")
    return [
        r["ref"],
        r["year"],
        r["opd_code"],
        r["opd_name"],
        r["program"],
        r["activity"],
        r["sub_code"],
        r["sub_name"],
        r["name"],
        r["source"],
        _money(r["pagu"], style, xlsx),
        _money(r["realisation"], style, xlsx),
        prog,
        r["contract_no"],
        "" if r["contract_value"] is None else _money(r["contract_value"], style, xlsx),
        r["contractor"],
        _date(r["start"], xlsx, rng),
        _date(r["end"], xlsx, rng),
        r["kbli"],
        "" if "lon" not in loc else _decimal(loc["lon"], xlsx),
        "" if "lat" not in loc else _decimal(loc["lat"], xlsx),
        loc.get("koordinat", ""),
        loc.get("wkt", ""),
        loc.get("desa_code", ""),
        loc.get("lokasi", ""),
        loc.get("kecamatan", ""),
    ]


_XLSX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<sheets><sheet name="{SHEET}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/styles" Target="styles.xml"/></Relationships>'
    ),
    "xl/styles.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts>'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
        '<borders count="1"><border/></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        "</cellStyleXfs>"
        '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" '
        'applyNumberFormat="1"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    ),
}
_EXCEL_EPOCH = datetime(1899, 12, 30)


def _column(k: int) -> str:
    name = ""
    k += 1
    while k:
        k, rem = divmod(k - 1, 26)
        name = chr(65 + rem) + name
    return name


def _xml_cell(ref: str, v: Any) -> str:
    if v is None or v == "":
        return ""
    if isinstance(v, datetime):  # an Excel date: days since 1899-12-30, styled dd/mm/yyyy
        return f'<c r="{ref}" s="1"><v>{(v - _EXCEL_EPOCH).days}</v></c>'
    if isinstance(v, int | float) and not isinstance(v, bool):
        return f'<c r="{ref}"><v>{v!r}</v></c>'
    escaped = str(v).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escaped}</t></is></c>'


def _write_xlsx(path: Path, rows: list[list[Any]], year: int) -> None:
    """Write a one-sheet workbook (two title rows, the header, the rows); reproducible bytes.

    Written directly as SpreadsheetML (inline strings, dates as styled serial numbers): the
    same file openpyxl would make, ten times faster and without a timestamp inside.
    """
    grid: list[list[Any]] = [
        [f"DAFTAR PAKET PEKERJAAN APBD KABUPATEN BATANG TAHUN ANGGARAN {year}"],
        ["Sumber: data demo sintetis (bukan data resmi)"],
        list(HEADERS),
        *rows,
    ]
    cols = [_column(k) for k in range(len(HEADERS))]
    body = "".join(
        f'<row r="{i}">'
        + "".join(_xml_cell(f"{cols[k]}{i}", v) for k, v in enumerate(r))
        + "</row>"
        for i, r in enumerate(grid, start=1)
    )
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{body}</sheetData></worksheet>"
    )
    parts = {**_XLSX_PARTS, "xl/worksheets/sheet1.xml": sheet}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in parts.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            zf.writestr(info, content.encode("utf-8"), compress_type=zipfile.ZIP_DEFLATED)


def _write_csv(path: Path, rows: list[list[Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";", lineterminator="\r\n")
        writer.writerow(HEADERS)
        writer.writerows(rows)


def write_budget(
    out_dir: Path,
    desa: gpd.GeoDataFrame,
    zoning: gpd.GeoDataFrame,
    land: shapely.Geometry,
    rules_dir: Path,
    seed: int = 3325,
) -> dict[str, int]:
    """Write the two APBD files and `apbd_planted.csv`; return row counts per file.

    `desa` and `zoning` are the demo's metric (EPSG:32749) layers, `land` the kabupaten. The
    overlay layers of the pack (rules_dir/../region.toml) are read from `out_dir`, where
    generate() wrote them first, so clean rows keep out of the overlays that prohibit.
    """
    rng = np.random.default_rng([seed, 0xA9BD])
    out_dir = Path(out_dir)
    geo = _geo(
        desa.reset_index(drop=True), zoning.reset_index(drop=True), land, rules_dir, out_dir
    )
    b = _Builder(geo, rng)
    rows = {y: _normal_rows(b, y, n, rng) for y, n in ROWS.items()}
    planted = _plant(b, rng)
    for r, _, _ in planted:
        rows[r["year"]].append(r)
    out_dir = Path(out_dir)
    counts: dict[str, int] = {}
    for year, file in FILES.items():
        ordered = sorted(rows[year], key=lambda r: (r["opd_code"], r["sub_code"], r["ref"]))
        cells = [_cells(r, file.endswith(".xlsx"), rng) for r in ordered]
        if file.endswith(".xlsx"):
            _write_xlsx(out_dir / file, cells, year)
        else:
            _write_csv(out_dir / file, cells)
        counts[file] = len(cells)
    with (out_dir / PLANTED_FILE).open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(("ref", "year", "file", "flag", "note"))
        for r, flag, note in planted:
            writer.writerow((r["ref"], r["year"], FILES[r["year"]], flag, note))
    counts[PLANTED_FILE] = len(planted)
    return counts
