"""The demo's village PPID table: the 239 real desa of Batang, 231 of them with a PPID formed.

231 of 239 is 96.65 % (96.7 % at one decimal): the "96,6 %" Batang reports, rounded down.
Kelurahan (Kemendagri 1xxx) have no village PPID and are not listed. Decrees, websites (on the
clearly fake domain `<slug>.desa.contoh.id`), counts and dates are synthetic but plausible.
"""

from __future__ import annotations

import csv
import re
from datetime import date, timedelta
from pathlib import Path

import geopandas as gpd
import numpy as np

PPID_FILE = "ppid.csv"
NOT_FORMED = 8  # of 239 desa: 231 formed = 96.65 %
HEADER = (
    "No",
    "Kode Desa",
    "Nama Desa",
    "Kecamatan",
    "PPID Terbentuk",
    "Nomor SK",
    "Tanggal SK",
    "Website",
    "Jumlah Informasi",
    "Pembaruan Terakhir",
)
WEBSITE_DOMAIN = "desa.contoh.id"  # fake on purpose: real desa sites are <name>.desa.id


def slug(name: str) -> str:
    """Return a desa name as a host label: 'Karanganyar Lor' -> 'karanganyarlor'."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def write_ppid(out_dir: Path, desa: gpd.GeoDataFrame, seed: int = 3325) -> dict[str, int]:
    """Write `ppid.csv` for the desa (not kelurahan) of `desa`; return desa and formed counts."""
    rng = np.random.default_rng([seed, 0x9919])
    rows = desa[desa["KDEPUM"].str.split(".").str[3].str.startswith("2")]
    rows = rows.sort_values("KDEPUM", kind="stable").reset_index(drop=True)
    gaps = set(rng.choice(len(rows), size=NOT_FORMED, replace=False).tolist())
    out: list[list[str]] = []
    for i, r in rows.iterrows():
        code, name, kec = str(r["KDEPUM"]), str(r["NAMOBJ"]), str(r["WADMKC"])
        shown = code if rng.random() < 0.8 else code.replace(".", "")  # both forms circulate
        if i in gaps:
            status = str(rng.choice(["Tidak", "tidak", "Belum"]))
            out.append([str(i + 1), shown, name, kec, status, "", "", "", "0", ""])
            continue
        decreed = date(2019, 1, 2) + timedelta(days=int(rng.integers(0, 6 * 365)))
        number = f"141/{int(rng.integers(1, 40)):02d}/{decreed.year}"
        website = f"https://{slug(name)}.{WEBSITE_DOMAIN}" if rng.random() < 0.45 else ""
        updated = date(2024, 6, 1) + timedelta(days=int(rng.integers(0, 540)))
        status = str(rng.choice(["Ya", "Ya", "Ya", "ya", "YA"]))
        out.append(
            [
                str(i + 1),
                shown,
                name,
                kec,
                status,
                number,
                decreed.strftime("%d/%m/%Y"),
                website,
                str(int(rng.integers(3, 61))),
                updated.strftime("%d/%m/%Y"),
            ]
        )
    path = Path(out_dir) / PPID_FILE
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(out)
    return {"desa": len(rows), "formed": len(rows) - NOT_FORMED}
