"""Which source field feeds which catalog column: explicit --map first, then national formats."""

import re
from collections.abc import Iterable, Mapping

from app.errors import FieldMappingError

TARGETS = ("code", "name")

# RDTR databases often suffix national names: KODSZN_1, NAMSZN_1, KODZON_1.
_SUFFIX = re.compile(r"^(.+?)_(\d{1,2})$")

# Field names of the national formats, most specific first. RDTR/RTRW pola ruang per
# Permen ATR/BPN 14/2021 (KODSZN/NAMSZN sub-zone, KODZON/NAMZON zone); BIG administrative
# boundaries (KDEPUM desa, KDCPUM kecamatan, KDPKAB kabupaten, KDPPUM provinsi; WADM* names).
# Each name is also recognised with a `_1`/`_2` suffix (`KODSZN_1`), after the exact names.
RECOGNISED: dict[str, dict[str, tuple[str, ...]]] = {
    "admin": {
        "code": ("KDEPUM", "KDCPUM", "KDPKAB", "KDPPUM", "KODE_WIL", "KDBBPS"),
        "name": ("NAMOBJ", "WADMKD", "WADMKC", "WADMKK", "WADMPR"),
    },
    "zoning": {
        "code": ("KODSZN", "KODZON", "SIMBOL", "KODE_ZONA"),
        "name": ("NAMSZN", "NAMZON", "POLA_RUANG", "NAMOBJ"),
    },
    "overlay": {
        "code": ("KODKKH", "KODSZN", "KODZON", "KELAS", "KODE"),
        "name": ("NAMKKH", "NAMSZN", "NAMZON", "NAMOBJ"),
    },
    "parcel": {
        "code": ("NIB", "ID_BIDANG", "PARCEL_ID", "ID"),
        "name": ("NAMOBJ", "NAMA"),
    },
    "base": {"code": ("KODE", "FCODE"), "name": ("NAMOBJ", "NAMA", "NAME")},
    "thematic": {"code": ("KODE",), "name": ("NAMOBJ", "NAMA", "NAME")},
}

REQUIRED: dict[str, tuple[str, ...]] = {
    "admin": ("code", "name"),
    "zoning": ("code",),
    "parcel": ("code",),
    "overlay": (),
    "base": (),
    "thematic": (),
}


def parse_map_options(items: Iterable[str]) -> dict[str, str]:
    """Return {target: source} from CLI items like "code=kode"."""
    out: dict[str, str] = {}
    for item in items:
        target, sep, source = item.partition("=")
        if not sep or not target.strip() or not source.strip():
            raise FieldMappingError(
                f"--map takes TARGET=SOURCE, got {item!r}",
                message_id=f"--map berbentuk TARGET=SUMBER, diterima {item!r}",
            )
        out[target.strip()] = source.strip()
    return out


def unknown_target(target: str, targets: Iterable[str]) -> FieldMappingError:
    """Return the error of a --map entry naming a target the import does not fill."""
    names = ", ".join(targets)
    return FieldMappingError(
        f"--map names an unknown target {target!r}; targets: {names}",
        message_id=f"--map menyebut target yang tidak dikenal {target!r}; target yang ada: {names}",
    )


def missing_column(
    target: str, source: str, columns: Iterable[str], noun: str = "column"
) -> FieldMappingError:
    """Return the error of a --map entry naming a column (a layer file's `field`) the file
    does not have."""
    names = ", ".join(columns)
    return FieldMappingError(
        f"--map {target}={source}: the file has no {noun} {source!r}; its {noun}s: "
        f"{names or '(none)'}",
        message_id=f"--map {target}={source}: berkas tidak memiliki kolom {source!r}; "
        f"kolomnya: {names or '(tidak ada)'}",
    )


def resolve_fields(
    kind: str,
    columns: Iterable[str],
    explicit: Mapping[str, str] | None = None,
    non_empty: Iterable[str] = (),
) -> dict[str, str]:
    """Return {target: source column} for the layer, or raise FieldMappingError.

    Explicit entries must name an existing column (matched case-insensitively). Otherwise the
    first recognised national field that exists and has values (`non_empty`) is taken.
    """
    cols = list(columns)
    by_upper = {c.upper(): c for c in cols}
    filled = {c.upper() for c in non_empty}
    resolved: dict[str, str] = {}
    for target, source in (explicit or {}).items():
        if target not in TARGETS:
            raise unknown_target(target, TARGETS)
        found = by_upper.get(source.upper())
        if found is None:
            raise missing_column(target, source, cols, "field")
        resolved[target] = found
    for target, candidates in RECOGNISED.get(kind, {}).items():
        if target in resolved:
            continue
        present = [by_upper[c] for c in candidates if c in by_upper] + [
            col for c in candidates for col in _suffixed(c, cols)
        ]
        with_values = [c for c in present if c.upper() in filled]
        if with_values or present:
            resolved[target] = (with_values or present)[0]
    missing = [t for t in REQUIRED.get(kind, ()) if t not in resolved]
    if missing:
        hints = {t: RECOGNISED[kind][t] for t in missing}
        names = "; ".join(f"{t}: " + ", ".join(c) for t, c in hints.items())
        raise FieldMappingError(
            f"{_article(kind)} {kind} layer needs field(s) {', '.join(missing)}: "
            f"none of the recognised names ({names}) is in the file; "
            f"its fields are: {', '.join(cols) or '(none)'}. "
            f"Name them with --map, e.g. --map {missing[0]}=<field>",
            message_id=f"Lapisan jenis {kind} memerlukan kolom {', '.join(missing)}: tidak ada "
            f"nama yang dikenali ({names}) di berkas; kolomnya: "
            f"{', '.join(cols) or '(tidak ada)'}. Sebutkan dengan --map, mis. "
            f"--map {missing[0]}=<kolom>",
        )
    return resolved


def _suffixed(name: str, columns: list[str]) -> list[str]:
    """Return the columns that are `name` with a numeric suffix (`KODSZN_1`), lowest first."""
    found = []
    for col in columns:
        match = _SUFFIX.match(col.strip())
        if match and match.group(1).upper() == name:
            found.append((int(match.group(2)), col))
    return [col for _, col in sorted(found)]


def _article(word: str) -> str:
    return "An" if word[:1] in "aeiou" else "A"
