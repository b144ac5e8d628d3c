"""A hand-computable planning area: 100 m squares, two desa, an LP2B strip, tiny rule tables.

Layout in EPSG:32749 (x from X0, y from Y0, metres):
    zoning  A  R-2  x   0..100     B  K-1  x 100..200     C  PTP (alias of P-1)  x 200..300
            all y 0..100; nothing is zoned beyond x 300
    desa    33.25.11.2001 x -1000..150      33.25.11.2002 x 150..1000   (y -1000..1000)
    lp2b    LP2B           x 200..250, y 0..100 (the west half of C)
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
from shapely.geometry import box

from tests.fixtures import X0, Y0, write

ZONES = {"A": ("R-2", 0, 100), "B": ("K-1", 100, 200), "C": ("PTP", 200, 300)}

RULES = {
    "sources.csv": """id,citation,title,valid_from,valid_to,url
perda-lama,Perda Uji No. 1 Tahun 2019,RTRW uji lama,2019-01-01,2023-12-31,
perda-baru,Perda Uji No. 2 Tahun 2024,RTRW uji baru,2024-01-01,,
""",
    "zone_classes.csv": """code,name,name_en,class,zone_code,zone_name,colour
R-2,Perumahan kepadatan tinggi,High-density housing,budidaya,R,Perumahan,#FFD700
K-1,Perdagangan dan jasa skala kota,City-scale trade,budidaya,K,Perdagangan dan Jasa,#FF0000
P-1,Tanaman pangan,Food crops,budidaya,P,Pertanian,#00FF00
""",
    "zone_aliases.csv": "local_code,code\nPTP,P-1\n",
    "activities.csv": """id,name,name_en,sector,kbli
rumah,Rumah tunggal,Detached house,perumahan,68111
minimarket,Minimarket,Minimarket,perdagangan,47111
penggilingan_padi,Penggilingan padi,Rice mill,industri,10631
""",
    "itbx.csv": """activity,zone,itbx,conditions,conditions_en,source,article,valid_from,valid_to
rumah,R-2,I,,,perda-baru,Pasal 10,2024-01-01,
rumah,K-1,T,maksimum 50% luas persil,at most 50% of the plot,perda-baru,Pasal 11,2024-01-01,
rumah,P-1,X,,,perda-baru,Pasal 12,2024-01-01,
minimarket,R-2,T,hanya di jalan kolektor,only on collector roads,perda-baru,Pasal 10,2024-01-01,
minimarket,K-1,I,,,perda-baru,Pasal 11,2024-01-01,
minimarket,P-1,X,,,perda-baru,Pasal 12,2024-01-01,
penggilingan_padi,R-2,X,,,perda-baru,Pasal 10,2024-01-01,
penggilingan_padi,P-1,I,,,perda-lama,Pasal 50,2019-01-01,2023-12-31
penggilingan_padi,P-1,B,wajib UKL-UPL,environmental permit required,perda-baru,Pasal 12,2024-01-01,
""",
    "intensity.csv": """zone,kdb_max,klb_max,klb_min,kdh_min,ktb_max,height_max_m,floors_max,gsb_m,source,article,valid_from,valid_to
R-2,60,1.2,,20,,12,3,4,perda-baru,Pasal 20,2024-01-01,
K-1,80,4,,10,,32,8,6,perda-baru,Pasal 21,2024-01-01,
P-1,10,0.1,,80,,8,1,10,perda-baru,Pasal 22,2024-01-01,
""",
    "overlay_rules.csv": """layer,class,effect,itbx,activities,sectors,restriction,restriction_en,source,article,valid_from,valid_to
lp2b,LP2B,prohibit,X,,perumahan;perdagangan;industri,Tidak boleh dialihfungsikan,No conversion allowed,perda-baru,Pasal 30,2024-01-01,
lp2b,LP2B,note,,,pertanian,Tetap sawah,Stays paddy,perda-baru,Pasal 31,2024-01-01,
""",
}


def utm_box(x0: float, x1: float, y0: float = 0, y1: float = 100):
    """Return a box in EPSG:32749 relative to (X0, Y0)."""
    return box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def write_rules(folder: Path, **overrides: str) -> Path:
    """Write the rule CSVs (with optional replaced files) into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, body in {**RULES, **overrides}.items():
        (folder / name).write_text(body, encoding="utf-8")
    return folder


def write_layers(folder: Path) -> dict[str, Path]:
    """Write the zoning, desa and lp2b fixture files; return their paths."""
    zon = gpd.GeoDataFrame(
        {"KODSZN": [z[0] for z in ZONES.values()], "NAMSZN": list(ZONES)},
        geometry=[utm_box(a, b) for _, a, b in ZONES.values()],
        crs="EPSG:32749",
    )
    desa = gpd.GeoDataFrame(
        {"KDEPUM": ["33.25.11.2001", "33.25.11.2002"], "NAMOBJ": ["Kauman", "Proyonanggan"]},
        geometry=[utm_box(-1000, 150, -1000, 1000), utm_box(150, 1000, -1000, 1000)],
        crs="EPSG:32749",
    )
    lp2b = gpd.GeoDataFrame({"KELAS": ["LP2B"]}, geometry=[utm_box(200, 250)], crs="EPSG:32749")
    return {
        "zona": write(zon, folder / "zona.gpkg"),
        "desa": write(desa, folder / "desa.gpkg"),
        "lp2b": write(lp2b.to_crs(4326), folder / "lp2b.geojson"),
    }


# The permit-route table (optional in a pack): write_rules(folder, **ROUTE_RULES). Not in
# RULES, so answers elsewhere carry no route (route is null without a routes table).
ROUTE_RULES = {
    "sources.csv": RULES["sources.csv"]
    + "pp-21-2021,PP No. 21 Tahun 2021,Penyelenggaraan Penataan Ruang (uji),2021-02-02,,\n"
    + "permen-13-2021,Permen ATR/BPN No. 13 Tahun 2021,KKPR (uji),2021-03-31,,\n",
    "routes.csv": """route,when,reason,reason_en,source,article,valid_from,valid_to
KKKPR,all_rdtr_oss,Di RDTR terintegrasi OSS,In an OSS-integrated RDTR,pp-21-2021,,2021-02-02,
PKKPR,otherwise,Di luar RDTR terintegrasi OSS,Outside an OSS-integrated RDTR,permen-13-2021,,2021-03-31,
""",
}
