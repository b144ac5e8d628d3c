"""Which column of a budget spreadsheet feeds which project field: --map first, then headers.

Published APBD/RUP spreadsheets name their columns in Indonesian, with spelling that varies
from one OPD to the next; headers are compared lower case with everything but letters and
digits removed (`sheets.header_key`: "Progres Fisik (%)" -> "progresfisik"), so case, spaces
and punctuation do not matter.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from app.errors import FieldMappingError
from app.services.catalog.fields import missing_column, unknown_target
from app.services.sheets import header_key

# Every target an import fills, in report order. `kecamatan` is a helper: it separates desa of
# the same name when the location is matched by its text (stored as project.given_kecamatan).
# The project columns a budget row fills as they stand in the sheet, in report order.
ROW_FIELDS = (
    "opd_code",
    "opd_name",
    "program",
    "activity",
    "sub_activity_code",
    "sub_activity",
    "name",
    "source",
    "pagu",
    "realisation",
    "progress",
    "contract_no",
    "contract_value",
    "contractor",
    "start_date",
    "end_date",
    "kbli",
)
TARGETS = (
    "ref",
    "year",
    *ROW_FIELDS,
    "lon",
    "lat",
    "coordinates",
    "wkt",
    "desa_code",
    "location",
    "kecamatan",
)
REQUIRED = ("name",)

# The headers recognised without --map (compared normalised, see header_key).
HEADERS: dict[str, tuple[str, ...]] = {
    "ref": ("Kode Paket", "Kode RUP", "ID Paket", "ID RUP", "Kode"),
    "year": ("Tahun", "Tahun Anggaran", "TA"),
    "opd_code": ("Kode OPD", "Kode SKPD", "Kode Perangkat Daerah"),
    "opd_name": ("Nama OPD", "OPD", "Perangkat Daerah", "SKPD", "Nama SKPD"),
    "program": ("Program", "Nama Program"),
    "activity": ("Kegiatan", "Nama Kegiatan"),
    "sub_activity_code": ("Kode Sub Kegiatan", "Kode Subkegiatan"),
    "sub_activity": ("Sub Kegiatan", "Subkegiatan", "Nama Sub Kegiatan"),
    "name": ("Nama Paket", "Nama Pekerjaan", "Uraian Pekerjaan", "Paket Pekerjaan", "Uraian"),
    "source": ("Sumber Dana", "Sumber Anggaran"),
    "pagu": ("Pagu", "Pagu Anggaran", "Nilai Pagu", "Anggaran", "Pagu (Rp)"),
    "realisation": ("Realisasi", "Realisasi Keuangan", "Realisasi (Rp)", "Realisasi Anggaran"),
    "progress": (
        "Progres",
        "Progres Fisik",
        "Progres Fisik (%)",
        "Realisasi Fisik (%)",
        "Realisasi Fisik",
        "Progress",
        "Capaian Fisik",
    ),
    "contract_no": ("No Kontrak", "Nomor Kontrak", "No. Kontrak", "No SPK", "Nomor SPK"),
    "contract_value": ("Nilai Kontrak", "Nilai Kontrak (Rp)", "Nilai SPK"),
    "contractor": ("Penyedia", "Kontraktor", "Nama Penyedia", "Pelaksana", "Rekanan"),
    "start_date": ("Tanggal Mulai", "Tgl Mulai", "Tgl. Mulai", "Mulai", "Tanggal Kontrak"),
    "end_date": ("Tanggal Selesai", "Tgl Selesai", "Tgl. Selesai", "Selesai", "Tanggal Akhir"),
    "kbli": ("KBLI", "Kode KBLI"),
    "lon": ("Bujur", "Longitude", "Lon", "Long", "Lng", "X", "Bujur (BT)"),
    "lat": ("Lintang", "Latitude", "Lat", "Y", "Lintang (LS)"),
    "coordinates": ("Koordinat", "Titik Koordinat", "Koordinat Lokasi", "Lat Long", "Lat, Long"),
    "wkt": ("WKT", "Geometri", "Geometry"),
    "desa_code": ("Kode Desa", "Kode Kelurahan", "Kode Wilayah", "Kode Desa/Kelurahan"),
    "location": (
        "Lokasi",
        "Alamat",
        "Lokasi Pekerjaan",
        "Lokasi Kegiatan",
        "Desa",
        "Desa/Kelurahan",
        "Kelurahan",
        "Nama Desa",
    ),
    "kecamatan": ("Kecamatan", "Nama Kecamatan", "Kec"),
}


KNOWN: dict[str, str] = {header_key(h): t for t, names in HEADERS.items() for h in names}


def parse_map_options(items: Iterable[str]) -> dict[str, str]:
    """Return {target: source column} from items like "name=Uraian"; FieldMappingError if bad."""
    out: dict[str, str] = {}
    for item in items:
        target, sep, source = item.partition("=")
        target, source = target.strip(), source.strip()
        if not sep or not target or not source:
            raise FieldMappingError(
                f"--map takes TARGET=SOURCE, got {item!r}",
                message_id=f"--map ditulis TARGET=KOLOM, diterima {item!r}",
            )
        out[target] = source
    return out


def known_count(row: Sequence[object]) -> int:
    """Return how many distinct targets a row's cells name (how header-like the row is)."""
    return len({KNOWN[k] for k in (header_key(v) for v in row) if k in KNOWN})


def resolve_fields(header: Sequence[object], mapping: Mapping[str, str] | None) -> dict[str, int]:
    """Return {target: column index}: --map entries first, then recognised headers.

    An unknown target, a --map source that is not a column, or no `name` column raises
    FieldMappingError naming it and the file's columns.
    """
    keys = [header_key(h) for h in header]
    named = [str(h) for h in header if h not in (None, "")]
    columns = ", ".join(named)
    out: dict[str, int] = {}
    for target, source in (mapping or {}).items():
        if target not in TARGETS:
            raise unknown_target(target, TARGETS)
        wanted = header_key(source)
        if wanted not in keys:
            raise missing_column(target, source, named)
        out[target] = keys.index(wanted)
    taken = set(out.values())
    for i, key in enumerate(keys):
        found = KNOWN.get(key)
        if found and found not in out and i not in taken:
            out[found] = i
            taken.add(i)
    for target in REQUIRED:
        if target not in out:
            names = ", ".join(HEADERS[target])
            raise FieldMappingError(
                f"no column for {target} (one of: {names}; or --map {target}=COLUMN); "
                f"the file's columns: {columns}",
                message_id=f"Tidak ada kolom untuk {target} (salah satu dari: {names}; atau "
                f"--map {target}=KOLOM); kolom berkas: {columns}",
            )
    return dict(sorted(out.items(), key=lambda kv: TARGETS.index(kv[0])))
