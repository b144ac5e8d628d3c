"""A categorical raster on the static PNG: its class colours where its pixels are.

Classes over the fixture (tests/services/test_raster_rules.py grid, 10 m pixels from x -100
to 400 m): value 1 (#0000FF) west of x = 150, value 2 (#FF0000) east of it. Drawn at opacity
0.8 over the background #F4F1EA, a pixel reads 0.8 C + 0.2 background.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import rasterio
from PIL import Image
from rasterio.transform import from_origin
from sqlalchemy import Engine

from app.services.maps.static import static_map
from app.services.rasters.ingest import load_raster
from app.settings import MapSettings, raster_settings
from tests.fixtures import X0, Y0
from tests.services.test_static_map import inner_bbox
from tests.services.test_static_themes import close, over_background, pixel_at


def classes_tif(folder: Path) -> tuple[Path, Path]:
    width, height = 50, 30
    centres_x = -100 + 5 + 10 * np.arange(width)
    data = np.where(centres_x < 150, 1, 2)[None, :].repeat(height, axis=0).astype("uint8")
    path = folder / "kelas.tif"
    with rasterio.open(
        path, "w", driver="GTiff", width=width, height=height, count=1, dtype="uint8",
        crs="EPSG:32749", transform=from_origin(X0 - 100, Y0 + 200, 10, 10), nodata=0,
    ) as ds:  # fmt: skip
        ds.write(data, 1)
    classes = folder / "kelas.csv"
    classes.write_text(
        "value,name_id,name_en,color\n1,Rendah,Low,#0000FF\n2,Tinggi,High,#FF0000\n",
        encoding="utf-8",
    )
    return path, classes


def test_categorical_raster_drawn_in_its_class_colours(planning_area: Engine, tmp_path: Path):
    tif, classes = classes_tif(tmp_path)
    with planning_area.begin() as conn:
        load_raster(conn, tif, "kelas", settings=raster_settings(), classes_csv=classes)
    with planning_area.connect() as conn:
        west = static_map(conn, MapSettings(), width=400, height=300, dpi=100, layers="kelas",
                          bbox=inner_bbox(-80, 100, 0, 150, margin=0))  # fmt: skip
        east = static_map(conn, MapSettings(), width=400, height=300, dpi=100, layers="kelas",
                          bbox=inner_bbox(200, 380, 0, 150, margin=0))  # fmt: skip
    assert west.layers == ["kelas"]
    assert close(pixel_at(west.png, 0.3, 0.4), over_background("#0000FF"))
    assert close(pixel_at(east.png, 0.3, 0.4), over_background("#FF0000"))
    assert Image.open(io.BytesIO(east.png)).size == (400, 300)
