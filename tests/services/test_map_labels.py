"""Names on static maps never cover the subject: no regency name inside the frame (it read as
the kecamatan of the same name, "BA●NG"), and no kecamatan/desa name over a highlighted point.

Fixture (EPSG:32749, metres from X0, Y0), all centred on (2000, 2000):
    kabupaten 33.25 Batang          0..4000 x 0..4000
    kecamatan 33.25.01 Batang    1000..3000 x 1000..3000
    desa 33.25.01.2001 Kauman    1500..2500 x 1500..2500
so every label point (PostGIS's point on the surface of a centred box) is the regency's centre.
"""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import pytest
from pyproj import Transformer
from shapely.geometry import Point, box
from sqlalchemy import Engine

from app.services.maps.static import static_map
from app.settings import MapSettings
from tests.fixtures import X0, Y0, write

TO_WGS = Transformer.from_crs(32749, 4326, always_xy=True)
TO_UTM = Transformer.from_crs(4326, 32749, always_xy=True)
CENTRE = (X0 + 2000, Y0 + 2000)
RING_PT = 8 / 2 + 2.2 / 2  # the marker: an 8 pt ring drawn 2.2 pt wide (draw.py's style)


@pytest.fixture
def regency(clean: Engine, load, tmp_path: Path) -> Engine:
    """One admin layer: a regency, a kecamatan and a desa of the same centre, both named Batang."""
    frame = gpd.GeoDataFrame(
        {
            "KDEPUM": ["33.25", "33.25.01", "33.25.01.2001"],
            "NAMOBJ": ["Batang", "Batang", "Kauman"],
        },
        geometry=[
            box(X0, Y0, X0 + 4000, Y0 + 4000),
            box(X0 + 1000, Y0 + 1000, X0 + 3000, Y0 + 3000),
            box(X0 + 1500, Y0 + 1500, X0 + 2500, Y0 + 2500),
        ],
        crs="EPSG:32749",
    )
    load(write(frame, tmp_path / "admin.gpkg"), "wilayah", "admin")
    return clean


def render(engine: Engine, span_m: float, width: int = 800, height: int = 600, dpi: int = 96):
    """Render the admin layer around the regency's centre, the centre highlighted."""
    lon, lat = TO_WGS.transform(*CENTRE)
    x, y = CENTRE
    bbox = (*TO_WGS.transform(x - span_m, y - span_m), *TO_WGS.transform(x + span_m, y + span_m))
    with engine.connect() as conn:
        return static_map(
            conn, MapSettings(), width=width, height=height, dpi=dpi, layers="admin",
            bbox=bbox, highlight=f"{lon} {lat}",
        )  # fmt: skip


def box_distance(b: tuple[float, float, float, float], x: float, y: float) -> float:
    """Return the distance from (x, y) to the box (0 inside)."""
    dx = max(b[0] - x, 0.0, x - b[2])
    dy = max(b[1] - y, 0.0, y - b[3])
    return math.hypot(dx, dy)


@pytest.mark.parametrize("span_m", [2500.0, 1200.0])
def test_no_name_sits_on_the_marker(regency: Engine, span_m: float) -> None:
    m = render(regency, span_m)
    # metres per point of the drawn frame, from the frame the map reports (lon/lat -> UTM)
    (x0, x1), _ = TO_UTM.transform([m.bbox[0], m.bbox[2]], [m.bbox[1], m.bbox[3]])
    m_per_pt = (x1 - x0) / (m.width / m.dpi * 72)
    ring_m = RING_PT * m_per_pt  # text scale 1: the map is over 200 pt on its short side
    texts = [label.text for label in m.labels]
    assert "BATANG" in texts and texts.count("BATANG") == 1  # the kecamatan, once
    assert all(label.level >= 3 for label in m.labels)  # no regency name in the frame
    for label in m.labels:
        assert box_distance(label.box, *CENTRE) > ring_m, (label, ring_m)
    kecamatan = next(label for label in m.labels if label.text == "BATANG")
    cx, cy = (kecamatan.box[0] + kecamatan.box[2]) / 2, (kecamatan.box[1] + kecamatan.box[3]) / 2
    assert box(X0 + 1000, Y0 + 1000, X0 + 3000, Y0 + 3000).contains(Point(cx, cy))
    assert abs(cy - CENTRE[1]) < 4 * ring_m  # moved just past the marker, not far away


def test_without_a_marker_the_names_stay_at_their_point(regency: Engine) -> None:
    x, y = CENTRE
    bbox = (*TO_WGS.transform(x - 2500, y - 2500), *TO_WGS.transform(x + 2500, y + 2500))
    with regency.connect() as conn:
        m = static_map(conn, MapSettings(), width=800, height=600, dpi=96, layers="admin",
                       bbox=bbox)  # fmt: skip
    kecamatan = next(label for label in m.labels if label.text == "BATANG")
    assert box_distance(kecamatan.box, *CENTRE) == 0  # centred on its label point
    assert all(label.level >= 3 for label in m.labels)


def test_a_point_alone_frames_a_readable_map(regency: Engine) -> None:
    lon, lat = TO_WGS.transform(*CENTRE)
    with regency.connect() as conn:
        m = static_map(conn, MapSettings(), width=800, height=600, dpi=96, layers="admin",
                       highlight=f"{lon} {lat}")  # fmt: skip
    (x0, x1), _ = TO_UTM.transform([m.bbox[0], m.bbox[2]], [m.bbox[1], m.bbox[3]])
    assert x1 - x0 >= 300 * 0.99  # not a 1 m wide frame around the point
