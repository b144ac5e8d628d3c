"""Static PNG maps on the hand-made planning area: size, dpi, zone colours, desa frames."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from pyproj import Transformer
from sqlalchemy import Engine

from app.errors import InvalidParameter, LayerNotFound, OutsidePlanningArea
from app.services.maps import draw
from app.services.maps.static import static_map
from app.settings import MapSettings
from tests.fixtures import X0, Y0

TO_WGS = Transformer.from_crs(32749, 4326, always_xy=True)
# The fixture's zone_classes.csv (tests/zoning_fixture.py): R-2 #FFD700, K-1 #FF0000, P-1 #00FF00
# (PTP, the code of square C, is an alias of P-1).
FIXTURE_COLOURS = {"A": (0xFF, 0xD7, 0x00), "B": (0xFF, 0x00, 0x00), "C": (0x00, 0xFF, 0x00)}
SQUARES = {"A": (0, 100), "B": (100, 200), "C": (200, 300)}


def inner_bbox(x0: float, x1: float, y0: float = 0, y1: float = 100, margin: float = 30) -> tuple:
    """Return a lon/lat bbox well inside the fixture box x0..x1, y0..y1 (metres from X0, Y0)."""
    lon0, lat0 = TO_WGS.transform(X0 + x0 + margin, Y0 + y0 + margin)
    lon1, lat1 = TO_WGS.transform(X0 + x1 - margin, Y0 + y1 - margin)
    return (lon0, lat0, lon1, lat1)


def png(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


@pytest.mark.parametrize(
    ("width", "height", "dpi"), [(800, 600, 96), (1339, 866, 200), (333, 517, 300)]
)
def test_png_has_exactly_the_pixels_and_dpi_asked(
    planning_area: Engine, width: int, height: int, dpi: int
) -> None:
    with planning_area.connect() as conn:
        m = static_map(
            conn, MapSettings(), width=width, height=height, dpi=dpi,
            bbox=inner_bbox(-200, 500, -200, 300, margin=0), title="Uji peta",
        )  # fmt: skip
    im = png(m.png)
    assert im.format == "PNG" and im.size == (width, height)
    # PNG stores whole pixels per metre: 96 dpi is 3780 px/m, read back as 96.012
    assert im.info["dpi"] == pytest.approx((dpi, dpi), abs=0.02)
    assert m.crs == "EPSG:32749"


@pytest.mark.parametrize("square", ["A", "B", "C"])
def test_centre_pixel_has_the_zone_colour_of_the_pack(planning_area: Engine, square: str) -> None:
    x0, x1 = SQUARES[square]
    with planning_area.connect() as conn:
        m = static_map(
            conn, MapSettings(), width=400, height=300, dpi=100, layers="zona",
            bbox=inner_bbox(x0, x1),
        )  # fmt: skip
    im = png(m.png).convert("RGB")
    # the map area is the figure less the attribution band at the bottom: its centre
    top, bottom, _, _ = draw.bands(draw.Canvas(400, 300, 100, (0, 0, 1, 1), None, "x", "id"))
    assert top == 0
    cy = int(300 * (1 - bottom) / 2)
    assert im.getpixel((200, cy)) == FIXTURE_COLOURS[square]


def test_desa_frame_contains_the_desa(planning_area: Engine) -> None:
    with planning_area.connect() as conn:
        m = static_map(conn, MapSettings(), width=600, height=600, dpi=100, desa="33.25.11.2002")
        by_name = static_map(
            conn, MapSettings(), width=600, height=600, dpi=100, desa="proyonanggan"
        )
    # desa 33.25.11.2002 is x 150..1000, y -1000..1000 in EPSG:32749 (tests/zoning_fixture.py)
    corners = [TO_WGS.transform(X0 + x, Y0 + y) for x in (150, 1000) for y in (-1000, 1000)]
    x0, y0, x1, y1 = m.bbox
    assert all(x0 <= lon <= x1 and y0 <= lat <= y1 for lon, lat in corners)
    assert by_name.bbox == m.bbox
    im = png(m.png).convert("RGB")
    highlight = tuple(int(draw.HIGHLIGHT[i : i + 2], 16) for i in (1, 3, 5))
    assert highlight in {c for _, c in im.getcolors(600 * 600)}


def test_bad_requests(planning_area: Engine) -> None:
    s = MapSettings()
    with planning_area.connect() as conn:
        with pytest.raises(InvalidParameter, match="width must be 64..4000 px"):
            static_map(conn, s, width=99_999, height=300, dpi=100, bbox=inner_bbox(0, 100))
        with pytest.raises(InvalidParameter, match="dpi must be 72..300"):
            static_map(conn, s, width=300, height=300, dpi=2400, bbox=inner_bbox(0, 100))
        with pytest.raises(OutsidePlanningArea):
            static_map(conn, s, width=300, height=300, dpi=100, bbox=(10.0, 10.0, 10.1, 10.1))
        with pytest.raises(LayerNotFound, match="'jalan_tol'"):
            static_map(conn, s, width=300, height=300, dpi=100, bbox=inner_bbox(0, 100),
                       layers="zona,jalan_tol")  # fmt: skip
        with pytest.raises(InvalidParameter, match="spans"):
            static_map(conn, s, width=300, height=300, dpi=100, bbox=(100.0, -10.0, 120.0, 5.0))
        with pytest.raises(InvalidParameter, match="say where"):
            static_map(conn, s, width=300, height=300, dpi=100)
